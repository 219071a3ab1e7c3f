"""fp4-import-torch: a PyTorch model to linalg-on-tensors MLIR for fp4-opt.

The model goes through torch-mlir's fx importer
(``torch_mlir.fx.export_and_import(..., output_type="linalg-on-tensors",
func_name="forward")``). Its weights stay ``arith.constant dense_resource<...>``
blobs, with the module's ``{-# dialect_resources ... #-}`` section. Beside
NAME.mlir the tool writes what a checker needs to run the model against
PyTorch eager: NAME.io.json, the inputs NAME.in<i>.bin and eager's outputs
NAME.out<i>.torch.bin (raw little-endian row-major element bytes; bf16 as its
16-bit pattern, bool as one byte per element).

Sources of models:
  --module FILE.py:FACTORY   FACTORY() returns (nn.Module, tuple of example inputs)
  --hf-config CONFIG|PRESET  a transformers causal LM built from a config, random init
  --hf-checkpoint DIR        the same from a local checkpoint (config.json + safetensors)

User errors (bad arguments, missing files, a factory that does not return what
it should, a config that is not Llama-like) raise ``UserError``: ``main``
prints one ``error:`` line and returns 1, never a traceback.
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import re
import shlex
import sys
import time
import warnings

import importlib.metadata

# Element types of the .bin files: io.json name -> (torch dtype name, numpy
# dtype written, MLIR element type).
_DTYPES = {
    "bf16": ("bfloat16", "<u2", "bf16"),
    "f16": ("float16", "<f2", "f16"),
    "f32": ("float32", "<f4", "f32"),
    "f64": ("float64", "<f8", "f64"),
    "i64": ("int64", "<i8", "i64"),
    "i32": ("int32", "<i4", "i32"),
    "i16": ("int16", "<i2", "i16"),
    "i8": ("int8", "<i1", "i8"),
    "u8": ("uint8", "<u1", "ui8"),
    "i1": ("bool", "<u1", "i1"),
}
# The model dtypes --dtype accepts.
MODEL_DTYPES = ("bf16", "f16", "f32")

# Decoder-only model types whose base model takes inputs_embeds and runs
# rotary_emb, the causal mask, the layers and a final norm, and nothing else
# (Gemma, for one, scales the embeddings in the base model: not Llama-like).
LLAMA_LIKE = ("llama", "mistral", "qwen2", "qwen3")

# Built-in configs (--hf-config NAME): small Llama-style models, GQA. Their
# initializer_range is 1/sqrt(hidden_size) rather than transformers' 0.02, so
# that a layer's attention and MLP change the residual stream by about as
# much as it holds (with 0.02 a hidden-256 layer changes it by under 1%).
PRESETS = {
    "llama-tiny": dict(
        model_type="llama", hidden_size=64, intermediate_size=128,
        num_attention_heads=2, num_key_value_heads=1, head_dim=32,
        num_hidden_layers=2, vocab_size=256, max_position_embeddings=2048,
        rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False,
        initializer_range=0.125),
    "llama-small": dict(
        model_type="llama", hidden_size=256, intermediate_size=512,
        num_attention_heads=4, num_key_value_heads=2, head_dim=64,
        num_hidden_layers=2, vocab_size=1024, max_position_embeddings=2048,
        rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False,
        initializer_range=0.0625),
}


class UserError(Exception):
    """Bad input: reported as one error line, exit status 1."""


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

_DESCRIPTION = """\
Turn a PyTorch model into linalg-on-tensors MLIR for fp4-opt, through
torch-mlir's fx importer. The entry function is @forward; weights stay
arith.constant dense_resource<...> blobs (the {-# dialect_resources #-}
section is kept).

Writes into OUTDIR:
  NAME.mlir             the module
  NAME.io.json          entry, inputs and outputs (file, dtype, shape), how the
                        model was made, the torch and torch-mlir versions, seed
  NAME.in<i>.bin        the example inputs
  NAME.out<i>.torch.bin PyTorch eager's outputs on exactly those inputs
(.bin: raw little-endian row-major elements; bf16 as its 16-bit pattern, bool
as one byte), then prints a summary: parameters, linalg matmul counts, file
sizes, export time."""

_EPILOG = """\
sources:
  --module FILE.py:FACTORY
      FILE.py defines FACTORY(), which returns (module, inputs): an nn.Module
      and a tuple of example input tensors. torch.manual_seed(SEED) is called
      before FACTORY(). --dtype, if given, casts the module and the
      floating-point inputs.
  --hf-config CONFIG.json | PRESET
      a transformers causal LM built from the config with random weights
      (torch.manual_seed(SEED), transformers' own initialisation: linear and
      embedding weights N(0, initializer_range), norms 1). Presets (their
      initializer_range is 1/sqrt(hidden)):
{presets}
  --hf-checkpoint DIR
      the same from a local checkpoint folder (config.json and *.safetensors,
      sharded or not). Nothing is downloaded.

parts (--hf-config, --hf-checkpoint):
  decoder-layer  layer 0 of the model with its rotary embedding and causal
                 mask, as the model computes them: the base model cut to one
                 layer, its final norm removed, called with inputs_embeds.
                 Input: hidden states [B, T, hidden] in DTYPE, N(0,1).
                 Model types: {llama_like}.
  model          the whole causal LM up to the logits. Input: token ids
                 [B, T] (i64, uniform in [0, vocab)); output: logits
                 [B, T, vocab] in DTYPE.
Both use eager attention, no KV cache, and precompute the rotary cos/sin for
positions 0..T-1 as constants (the model's own rotary embedding computes
them once, in DTYPE). The causal mask stays in the graph as i1 tensors,
computed by transformers' mask helpers with an all-ones padding mask (what a
tokenizer gives for unpadded rows; without one, transformers looks for packed
sequences with a cumsum, which torch-mlir lowers to tm_tensor.scan, which
fp4-opt does not parse). Non-persistent buffers are made persistent so that
torch-mlir's importer can turn them into constants. Weights: seeded by
torch.manual_seed(SEED); inputs: a torch.Generator seeded with SEED.

examples:
  fp4-import-torch --hf-config llama-small --part decoder-layer --seq 128 -o out
  fp4-import-torch --module mymodel.py:make --name mlp -o out
  fp4-import-torch --hf-checkpoint ./ckpt --part model --seq 64 --dtype f32 -o out
"""


def build_parser():
    presets = "\n".join(
        "        {:<12} {}, hidden {}, {} heads, {} KV heads, head_dim {}, "
        "intermediate {}, vocab {}, {} layers".format(
            name, p["model_type"], p["hidden_size"], p["num_attention_heads"],
            p["num_key_value_heads"], p["head_dim"], p["intermediate_size"],
            p["vocab_size"], p["num_hidden_layers"])
        for name, p in PRESETS.items())
    parser = argparse.ArgumentParser(
        prog="fp4-import-torch",
        description=_DESCRIPTION,
        epilog=_EPILOG.format(presets=presets, llama_like=", ".join(LLAMA_LIKE)),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--module", metavar="FILE.py:FACTORY",
                     help="a Python file and a factory returning (module, inputs)")
    src.add_argument("--hf-config", metavar="CONFIG.json|PRESET",
                     help="a transformers config file, or a preset: "
                     + ", ".join(PRESETS))
    src.add_argument("--hf-checkpoint", metavar="DIR",
                     help="a local checkpoint folder (config.json + safetensors)")
    parser.add_argument("--part", choices=("decoder-layer", "model"),
                        help="what to export from a transformers model "
                        "(required with --hf-config/--hf-checkpoint)")
    parser.add_argument("--seq", type=int, metavar="T",
                        help="sequence length (transformers models; default 128)")
    parser.add_argument("--batch", type=int, metavar="B",
                        help="batch size (transformers models; default 1)")
    parser.add_argument("--dtype", choices=MODEL_DTYPES,
                        help="model dtype (default: bf16 for --hf-config, the "
                        "checkpoint's own for --hf-checkpoint when it is one of "
                        "these, else bf16; --module: the factory's)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights and the inputs (default 0)")
    parser.add_argument("--name", help="base name of the output files (default: "
                        "FACTORY, or PRESET-PART / MODELTYPE-PART)")
    parser.add_argument("-o", "--output-dir", required=True, metavar="OUTDIR",
                        help="folder for the outputs (created if missing)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="show library warnings and, on failure, the traceback")
    return parser


# ---------------------------------------------------------------------------
# Model sources
# ---------------------------------------------------------------------------

class Model:
    """What was built: the module to export, its inputs and a description."""

    def __init__(self, module, inputs, name, source, params):
        self.module = module
        self.inputs = inputs
        self.name = name
        self.source = source  # for io.json
        self.params = params  # a one-line description for the summary


def _torch_dtype(name):
    import torch
    return getattr(torch, _DTYPES[name][0])


def _dtype_name(torch_dtype):
    for name, (tname, _, _) in _DTYPES.items():
        if str(torch_dtype) == "torch." + tname:
            return name
    raise UserError("unsupported tensor dtype {} (supported: {})".format(
        torch_dtype, ", ".join(_DTYPES)))


def load_module_source(spec, args):
    """--module FILE.py:FACTORY."""
    path, sep, factory_name = spec.rpartition(":")
    if not sep or not path or not factory_name:
        raise UserError("--module expects FILE.py:FACTORY, got '{}'".format(spec))
    if not factory_name.isidentifier():
        raise UserError("--module: '{}' is not a Python name".format(factory_name))
    if not os.path.isfile(path):
        raise UserError("--module: no such file: {}".format(path))
    for flag in ("part", "seq", "batch"):
        if getattr(args, flag) is not None:
            raise UserError("--{} applies to --hf-config and --hf-checkpoint, "
                            "not to --module".format(flag))
    import torch

    mod_name = "fp4_import_torch_user_" + re.sub(r"\W", "_",
                                                 os.path.splitext(os.path.basename(path))[0])
    loader_spec = importlib.util.spec_from_file_location(mod_name, path)
    if loader_spec is None:
        raise UserError("--module: cannot load {} as Python".format(path))
    user = importlib.util.module_from_spec(loader_spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        loader_spec.loader.exec_module(user)
    except Exception as e:
        raise UserError("--module: loading {} raised {}: {}".format(
            path, type(e).__name__, e)) from e
    factory = getattr(user, factory_name, None)
    if not callable(factory):
        raise UserError("--module: {} defines no function {}".format(path, factory_name))
    torch.manual_seed(args.seed)
    try:
        made = factory()
    except Exception as e:
        raise UserError("--module: {}() raised {}: {}".format(
            factory_name, type(e).__name__, e)) from e
    if (not isinstance(made, (tuple, list)) or len(made) != 2
            or not isinstance(made[0], torch.nn.Module)):
        raise UserError("--module: {}() must return (nn.Module, tuple of input "
                        "tensors), got {}".format(factory_name, _describe(made)))
    module, inputs = made
    if isinstance(inputs, torch.Tensor):
        inputs = (inputs,)
    if (not isinstance(inputs, (tuple, list)) or not inputs
            or not all(isinstance(t, torch.Tensor) for t in inputs)):
        raise UserError("--module: {}() must return a non-empty tuple of input "
                        "tensors as its second element, got {}".format(
                            factory_name, _describe(inputs)))
    inputs = tuple(inputs)
    if args.dtype:
        dt = _torch_dtype(args.dtype)
        module = module.to(dt)
        inputs = tuple(t.to(dt) if t.is_floating_point() else t for t in inputs)
    source = {"kind": "module", "file": path, "factory": factory_name}
    if args.dtype:
        source["dtype"] = args.dtype
    return Model(module.eval(), inputs, args.name or factory_name, source,
                 "{}() from {}".format(factory_name, path))


def _first_paragraph(error):
    """The message of a library's exception up to its first blank line (torch's
    export errors go on for pages); --verbose shows the whole traceback."""
    text = str(error).strip()
    head = text.split("\n\n", 1)[0]
    return head if head == text else head + " [...] (--verbose: all of it)"


def _describe(value):
    import torch
    if isinstance(value, torch.Tensor):
        return "a tensor"
    if isinstance(value, (tuple, list)):
        return "a {} of {}".format(type(value).__name__, len(value))
    return "a value of type " + type(value).__name__


def _read_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise UserError("{}: cannot read {}: {}".format(what, path, e.strerror)) from e
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError
        raise UserError("{}: {} is not valid JSON: {}".format(what, path, e)) from e


def _make_config(config_dict, what):
    from transformers import AutoConfig
    config_dict = dict(config_dict)
    model_type = config_dict.pop("model_type", None)
    if not model_type:
        raise UserError("{}: the config has no model_type".format(what))
    try:
        config = AutoConfig.for_model(model_type, **config_dict)
    except ValueError as e:
        raise UserError("{}: unknown model_type '{}'".format(what, model_type)) from e
    except (KeyError, TypeError) as e:
        raise UserError("{}: not a transformers config ({})".format(what, e)) from e
    return config


def _check_llama_like(config, part, what):
    from transformers import AutoModelForCausalLM
    if type(config) not in AutoModelForCausalLM._model_mapping:
        raise UserError("{}: model_type '{}' is not a causal LM".format(
            what, config.model_type))
    if part == "decoder-layer" and config.model_type not in LLAMA_LIKE:
        raise UserError("{}: --part decoder-layer needs a Llama-like causal LM "
                        "(model_type one of {}), got '{}'".format(
                            what, ", ".join(LLAMA_LIKE), config.model_type))


def _fixed_rotary_module(rotary, hidden_size, seq, dtype):
    """Stands in for the model's rotary embedding: cos/sin for positions
    0..T-1, computed once by the model's own rotary embedding."""
    import torch

    class FixedRotary(torch.nn.Module):
        def __init__(self, cos, sin):
            super().__init__()
            self.register_buffer("cos", cos)
            self.register_buffer("sin", sin)

        def forward(self, x, position_ids=None):
            return self.cos, self.sin

    with torch.no_grad():
        positions = torch.arange(seq).unsqueeze(0)
        cos, sin = rotary(torch.zeros(1, seq, hidden_size, dtype=dtype), positions)
    return FixedRotary(cos.contiguous(), sin.contiguous())


def _make_buffers_persistent(module):
    # torch-mlir's importer: "Could not find state mapping for buffer" on
    # non-persistent buffers (e.g. LlamaRotaryEmbedding.inv_freq).
    for m in module.modules():
        m._non_persistent_buffers_set.clear()


def load_hf_source(args):
    """--hf-config / --hf-checkpoint."""
    import torch

    if args.part is None:
        raise UserError("--part decoder-layer|model is required with "
                        "--hf-config and --hf-checkpoint")
    seq = 128 if args.seq is None else args.seq
    batch = 1 if args.batch is None else args.batch
    if seq < 1 or batch < 1:
        raise UserError("--seq and --batch must be positive, got {} and {}".format(
            seq, batch))

    checkpoint = args.hf_checkpoint
    if checkpoint is not None:
        what = "--hf-checkpoint"
        if not os.path.isdir(checkpoint):
            raise UserError("--hf-checkpoint: no such folder: {}".format(checkpoint))
        cfg_path = os.path.join(checkpoint, "config.json")
        if not os.path.isfile(cfg_path):
            raise UserError("--hf-checkpoint: {} has no config.json".format(checkpoint))
        config_dict = _read_json(cfg_path, what)
        base_name = None
        source = {"kind": "hf-checkpoint", "dir": checkpoint}
    else:
        what = "--hf-config"
        spec = args.hf_config
        if os.path.isfile(spec):
            config_dict = _read_json(spec, what)
            source = {"kind": "hf-config", "file": spec}
            base_name = None
        elif spec in PRESETS:
            config_dict = dict(PRESETS[spec])
            source = {"kind": "hf-config", "preset": spec}
            base_name = spec
        else:
            raise UserError("--hf-config: '{}' is neither a file nor a preset ({})".format(
                spec, ", ".join(PRESETS)))
    if not isinstance(config_dict, dict):
        raise UserError("{}: the config is not a JSON object".format(what))
    if base_name is None:
        base_name = str(config_dict.get("model_type", "model"))
    config = _make_config(config_dict, what)
    _check_llama_like(config, args.part, what)

    dtype_name = args.dtype
    if dtype_name is None:
        stored = str(config_dict.get("torch_dtype") or config_dict.get("dtype") or "")
        dtype_name = {"bfloat16": "bf16", "float16": "f16", "float32": "f32"}.get(
            stored.replace("torch.", ""), "bf16") if checkpoint else "bf16"
    dtype = _torch_dtype(dtype_name)
    max_pos = getattr(config, "max_position_embeddings", None)
    if max_pos is not None and seq > max_pos:
        raise UserError("--seq {} exceeds the config's max_position_embeddings {}".format(
            seq, max_pos))

    config._attn_implementation = "eager"
    config.use_cache = False
    torch.manual_seed(args.seed)
    if args.part == "decoder-layer":
        module = _decoder_layer(config, checkpoint, dtype, seq, what)
        gen = torch.Generator().manual_seed(args.seed)
        inputs = (torch.randn(batch, seq, config.hidden_size, generator=gen, dtype=dtype),)
    else:
        module = _causal_lm(config, checkpoint, dtype, seq, what)
        gen = torch.Generator().manual_seed(args.seed)
        inputs = (torch.randint(0, config.vocab_size, (batch, seq), generator=gen,
                                dtype=torch.int64),)

    source.update({"part": args.part, "model_type": config.model_type,
                   "seq": seq, "batch": batch, "dtype": dtype_name,
                   "config": _config_summary(config)})
    shown = _config_summary(config)
    if args.part == "decoder-layer":
        shown = {k: v for k, v in shown.items()
                 if k not in ("num_hidden_layers", "vocab_size")}
    params = "{} {} ({}): {}; seq {}, batch {}, {}".format(
        base_name, args.part, config.model_type,
        ", ".join("{} {}".format(k, v) for k, v in shown.items()),
        seq, batch, dtype_name)
    return Model(module.eval(), inputs, args.name or "{}-{}".format(base_name, args.part),
                 source, params)


def _config_summary(config):
    keys = ("hidden_size", "num_attention_heads", "num_key_value_heads", "head_dim",
            "intermediate_size", "num_hidden_layers", "vocab_size")
    out = {}
    for k in keys:
        v = getattr(config, k, None)
        if v is not None:
            out[k] = v
    return out


def _build(make, what):
    # A config with values the model code cannot use (a string for a size,
    # heads that do not divide hidden_size, ...) fails here.
    try:
        return make()
    except Exception as e:
        raise UserError("{}: cannot build the model from the config: {}: {}".format(
            what, type(e).__name__, e)) from e


def _decoder_layer(config, checkpoint, dtype, seq, what):
    """Layer 0 of the model, with the model's own mask and rotary embedding:
    the base model cut to one layer, no final norm, fed inputs_embeds."""
    import copy

    import torch
    from transformers import AutoModel

    cfg = copy.deepcopy(config)
    cfg.num_hidden_layers = 1
    if getattr(cfg, "layer_types", None):
        cfg.layer_types = cfg.layer_types[:1]
    # The embedding is never used (inputs_embeds): keep it tiny.
    cfg.vocab_size = 1
    cfg.pad_token_id = None
    base = _build(lambda: AutoModel.from_config(cfg, attn_implementation="eager"), what)
    base.embed_tokens = None
    base.norm = torch.nn.Identity()
    if checkpoint is not None:
        _load_layer0(base.layers[0], checkpoint, what)
    base = base.to(dtype)
    base.rotary_emb = _fixed_rotary_module(base.rotary_emb, cfg.hidden_size, seq, dtype)

    class DecoderLayer(torch.nn.Module):
        def __init__(self, base):
            super().__init__()
            self.base = base

        def forward(self, hidden_states):
            # An all-ones padding mask, as a tokenizer gives for one unpadded
            # sequence per row; without it transformers looks for packed
            # sequences in position_ids (a cumsum: tm_tensor.scan in the IR).
            padding = torch.ones(hidden_states.shape[:2], dtype=torch.bool)
            return self.base(inputs_embeds=hidden_states, attention_mask=padding,
                             use_cache=False).last_hidden_state

    module = DecoderLayer(base)
    _make_buffers_persistent(module)
    return module


def _causal_lm(config, checkpoint, dtype, seq, what):
    import torch
    from transformers import AutoModelForCausalLM

    if checkpoint is not None:
        try:
            lm = AutoModelForCausalLM.from_pretrained(
                checkpoint, config=config, dtype=dtype, local_files_only=True,
                attn_implementation="eager")
        except Exception as e:  # OSError, ValueError, RuntimeError (shapes), ...
            raise UserError("--hf-checkpoint: cannot load {}: {}: {}".format(
                checkpoint, type(e).__name__, _first_paragraph(e))) from e
    else:
        lm = _build(lambda: AutoModelForCausalLM.from_config(
            config, attn_implementation="eager"), what)
    lm = lm.to(dtype)
    base = getattr(lm, lm.base_model_prefix, None)
    if base is not None and hasattr(base, "rotary_emb"):
        base.rotary_emb = _fixed_rotary_module(base.rotary_emb, config.hidden_size, seq, dtype)

    class CausalLM(torch.nn.Module):
        def __init__(self, lm):
            super().__init__()
            self.lm = lm

        def forward(self, input_ids):
            # As in _decoder_layer: the tokenizer's all-ones padding mask.
            padding = torch.ones(input_ids.shape, dtype=torch.bool)
            return self.lm(input_ids=input_ids, attention_mask=padding,
                           use_cache=False).logits

    module = CausalLM(lm)
    _make_buffers_persistent(module)
    return module


def _load_layer0(layer, checkpoint, what):
    """Loads layer 0's weights from the checkpoint's safetensors files."""
    from safetensors import safe_open

    index_path = os.path.join(checkpoint, "model.safetensors.index.json")
    if os.path.isfile(index_path):
        weight_map = _read_json(index_path, what).get("weight_map", {})
        files = sorted(set(weight_map.values()))
    else:
        files = sorted(f for f in os.listdir(checkpoint) if f.endswith(".safetensors"))
    if not files:
        raise UserError("{}: no *.safetensors in {}".format(what, checkpoint))
    pattern = re.compile(r"^(?:.*\.)?layers\.0\.(.+)$")
    state = {}
    for fname in files:
        try:
            with safe_open(os.path.join(checkpoint, fname), framework="pt") as f:
                for key in f.keys():
                    m = pattern.match(key)
                    if m:
                        state[m.group(1)] = f.get_tensor(key)
        except Exception as e:  # safetensors raises its own error types
            raise UserError("{}: cannot read {}: {}".format(what, fname, e)) from e
    want = set(layer.state_dict())
    missing = sorted(want - set(state))
    if missing:
        raise UserError("{}: the checkpoint lacks layer 0's {}".format(what, ", ".join(missing)))
    unexpected = sorted(set(state) - want)
    if unexpected:
        raise UserError("{}: layer 0 has no {}".format(what, ", ".join(unexpected)))
    for k, v in state.items():
        if tuple(v.shape) != tuple(layer.state_dict()[k].shape):
            raise UserError("{}: layers.0.{} has shape {}, the config wants {}".format(
                what, k, list(v.shape), list(layer.state_dict()[k].shape)))
    layer.load_state_dict(state)


# ---------------------------------------------------------------------------
# Export, files, summary
# ---------------------------------------------------------------------------

def _flatten_tensors(value):
    import torch
    from torch.utils._pytree import tree_flatten
    return [v for v in tree_flatten(value)[0] if isinstance(v, torch.Tensor)]


def _write_tensor(path, tensor):
    import torch
    name = _dtype_name(tensor.dtype)
    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    elif t.dtype == torch.bool:
        t = t.to(torch.uint8)
    data = t.numpy().astype(_DTYPES[name][1], copy=False).tobytes()
    with open(path, "wb") as f:
        f.write(data)
    return {"file": os.path.basename(path), "dtype": name, "shape": list(tensor.shape)}


def _tensor_type(entry):
    return "tensor<{}{}>".format(
        "".join("{}x".format(d) for d in entry["shape"]), _DTYPES[entry["dtype"]][2])


_FORWARD_RE = re.compile(r"func\.func @forward\((.*?)\)\s*(?:->\s*(\(.*?\)|[^{\s]+))?\s*\{")
_TYPE_RE = re.compile(r"tensor<[^>]*>")


def forward_signature(ir):
    """(argument types, result types) of @forward in the printed module."""
    m = _FORWARD_RE.search(ir)
    if not m:
        return None
    return _TYPE_RE.findall(m.group(1)), _TYPE_RE.findall(m.group(2) or "")


def matmul_counts(ir):
    """linalg matmul-family named ops in the module, by name."""
    counts = {"linalg.matmul": 0, "linalg.batch_matmul": 0}
    for op in re.findall(r"\b(linalg\.(?:\w*matmul\w*|matvec|vecmat|dot))\b", ir):
        counts[op] = counts.get(op, 0) + 1
    return counts


# The dialects fp4-opt registers: a module with ops of any other (torch-mlir's
# tm_tensor.scan for a cumsum, say) does not parse there.
FP4_OPT_DIALECTS = ("affine", "arith", "bufferization", "builtin", "cf", "complex", "func",
                    "gpu", "linalg", "llvm", "math", "memref", "nvfp4", "nvvm", "scf",
                    "tensor", "ub", "vector")
_OP_RE = re.compile(r"^\s*(?:%[^=]*=\s*)?\"?([a-z_][a-z0-9_]*)\.[a-z_][a-z0-9_.]*", re.M)


def foreign_ops(ir):
    """Sorted op names of dialects fp4-opt does not register."""
    body = ir.split("\n{-#", 1)[0]
    ops = set()
    for m in _OP_RE.finditer(body):
        if m.group(1) not in FP4_OPT_DIALECTS:
            ops.add(m.group(0).strip().split("=")[-1].strip().strip('"').split()[0])
    return sorted(ops)


def _versions():
    out = {}
    for pkg in ("torch", "torch-mlir", "transformers"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def export(model, out_dir, argv, seed, verbose=False):
    import torch
    from torch_mlir import fx

    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise UserError("cannot create {}: {}".format(out_dir, e.strerror)) from e
    if not re.fullmatch(r"[A-Za-z0-9._+-]+", model.name):
        raise UserError("--name: '{}' is not a plain file name".format(model.name))

    # Eager first, on exactly the inputs written out.
    try:
        with torch.no_grad():
            eager = model.module(*model.inputs)
    except Exception as e:
        raise UserError("the model failed in PyTorch eager: {}: {}".format(
            type(e).__name__, _first_paragraph(e))) from e
    outputs = _flatten_tensors(eager)
    if not outputs:
        raise UserError("the model returns no tensor")

    start = time.monotonic()
    # torch.export writes graph dumps to stderr on some failures: kept for
    # --verbose, dropped otherwise (the error line says what failed).
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stderr(chatter):
            mlir_module = fx.export_and_import(
                model.module, *model.inputs, output_type="linalg-on-tensors",
                func_name="forward")
    except Exception as e:
        if verbose:
            sys.stderr.write(chatter.getvalue())
        raise ExportError("torch-mlir could not import the model: {}: {}".format(
            type(e).__name__, _first_paragraph(e))) from e
    if verbose:
        sys.stderr.write(chatter.getvalue())
    ir = str(mlir_module)
    seconds = time.monotonic() - start

    base = os.path.join(out_dir, model.name)
    with open(base + ".mlir", "w") as f:
        f.write(ir)
    inputs = [_write_tensor("{}.in{}.bin".format(base, i), t)
              for i, t in enumerate(model.inputs)]
    results = [_write_tensor("{}.out{}.torch.bin".format(base, i), t)
               for i, t in enumerate(outputs)]

    sig = forward_signature(ir)
    want = ([_tensor_type(e) for e in inputs], [_tensor_type(e) for e in results])
    if sig != want:
        raise ExportError("@forward's signature {} does not match the eager inputs and "
                          "outputs {}".format(sig, want))

    versions = _versions()
    io_json = {
        "entry": "forward",
        "inputs": inputs,
        "outputs": results,
        "source": dict(model.source, command=" ".join(
            ["fp4-import-torch"] + [shlex.quote(a) for a in argv])),
        "torch": versions["torch"],
        "torch_mlir": versions["torch-mlir"],
        "transformers": versions["transformers"],
        "seed": seed,
    }
    with open(base + ".io.json", "w") as f:
        json.dump(io_json, f, indent=2)
        f.write("\n")

    n_params = sum(p.numel() for p in model.module.parameters())
    print("fp4-import-torch: {}".format(model.params))
    print("  parameters: {:,} ({})".format(
        n_params, ", ".join(sorted({_dtype_name(p.dtype) for p in model.module.parameters()}))
        or "none"))
    print("  @forward({}) -> {}".format(", ".join(want[0]), ", ".join(want[1])))
    print("  matmuls: " + ", ".join("{} {}".format(v, k) for k, v in matmul_counts(ir).items()))
    print("  dense_resource constants: {}".format(
        len(set(re.findall(r"dense_resource<([^>]+)>", ir)))))
    foreign = foreign_ops(ir)
    if foreign:
        print("  warning: ops of dialects fp4-opt does not parse: " + ", ".join(foreign))
    for path in [base + ".mlir", base + ".io.json"] + [
            os.path.join(out_dir, e["file"]) for e in inputs + results]:
        print("  wrote {} ({:,} bytes)".format(path, os.path.getsize(path)))
    print("  export: {:.1f} s (torch {}, torch-mlir {})".format(
        seconds, versions["torch"], versions["torch-mlir"]))


class ExportError(Exception):
    """torch-mlir failed on a model: reported without a traceback, exit 1."""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if not args.verbose:
        warnings.filterwarnings("ignore")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        # torch's own warnings (torch.export's graph dumps among them).
        import logging

        import torch._logging
        torch._logging.set_logs(all=logging.ERROR)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        if args.module is not None:
            model = load_module_source(args.module, args)
        else:
            model = load_hf_source(args)
        export(model, args.output_dir, argv, args.seed, args.verbose)
    except (UserError, ExportError) as e:
        if args.verbose:
            import traceback
            traceback.print_exc()
        print("fp4-import-torch: error: {}".format(e), file=sys.stderr)
        return 1
    return 0
