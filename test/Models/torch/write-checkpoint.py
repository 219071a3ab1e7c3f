"""Writes a small Llama checkpoint (config.json + model.safetensors, sharded
with --shard) with save_pretrained, for fp4-import-torch --hf-checkpoint
(front-door.test). Usage: write-checkpoint.py DIR [--shard]"""

import sys

import torch
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(7)
config = LlamaConfig(hidden_size=64, intermediate_size=128, num_attention_heads=2,
                     num_key_value_heads=1, head_dim=32, num_hidden_layers=2,
                     vocab_size=256, max_position_embeddings=256,
                     initializer_range=0.125, tie_word_embeddings=False)
model = LlamaForCausalLM(config).to(torch.float16)
kwargs = {"max_shard_size": "100KB"} if "--shard" in sys.argv[2:] else {}
model.save_pretrained(sys.argv[1], **kwargs)
