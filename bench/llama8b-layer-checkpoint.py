"""fp4-quantize-checkpoint on one Llama-3-8B decoder layer: wall time and peak RSS.

Writes the layer's seven projections (the shapes of llama8b-layer-fold.py, in
the [out, in] layout of nn.Linear: q and o 4096x4096, k and v 1024x4096, gate
and up 14336x4096, down 4096x14336; 218M random bf16 parameters, 436 MB) and
its two norms as model.safetensors, converts it with 1 and 2 threads (or
--threads) under /usr/bin/time -v, checks that the outputs are identical and
prints a Markdown table for docs/checkpoints.md.

  python bench/llama8b-layer-checkpoint.py [--tool build/bin/fp4-quantize-checkpoint]
      [--rule four_over_six] [--threads 1 2]
"""

import argparse
import filecmp
import os
import re
import subprocess
import tempfile

import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

HIDDEN, KV, FFN = 4096, 1024, 14336
# (module, N, K): nn.Linear weights are N x K.
LINEARS = [("self_attn.q_proj", HIDDEN, HIDDEN), ("self_attn.k_proj", KV, HIDDEN),
           ("self_attn.v_proj", KV, HIDDEN), ("self_attn.o_proj", HIDDEN, HIDDEN),
           ("mlp.gate_proj", FFN, HIDDEN), ("mlp.up_proj", FFN, HIDDEN),
           ("mlp.down_proj", HIDDEN, FFN)]


def write_layer(path):
    rng = np.random.default_rng(1)
    tensors = {}
    for module, n, k in LINEARS:
        w = rng.standard_normal((n, k), dtype=np.float32) / 8
        tensors[f"model.layers.0.{module}.weight"] = w.astype(ml_dtypes.bfloat16)
    for norm in ("input_layernorm", "post_attention_layernorm"):
        tensors[f"model.layers.0.{norm}.weight"] = np.ones(HIDDEN, ml_dtypes.bfloat16)
    save_file(tensors, path, metadata={"format": "pt"})
    return sum(t.size for t in tensors.values())


def run(tool, src, out, rule, threads):
    cmd = ["/usr/bin/time", "-v", tool, "--input", src, "--output", out,
           "--rule", rule, "--threads", str(threads)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    hours, minutes, seconds = wall.groups()
    wall_s = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return wall_s, rss_kb / 1024, done.stdout


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tool", default=os.path.join(here, "..", "build", "bin",
                                                       "fp4-quantize-checkpoint"))
    parser.add_argument("--rule", default="four_over_six")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "model.safetensors")
        params = write_layer(src)
        in_mb = os.path.getsize(src) / 2**20
        print(f"one Llama-3-8B layer: {params / 1e6:.0f}M parameters, {in_mb:.0f} MiB bf16, "
              f"rule {args.rule}, {os.cpu_count()} CPUs")
        print("| threads | wall (s) | peak RSS (MiB) | output (MiB) |")
        print("|---|---|---|---|")
        first = None
        for threads in args.threads:
            out = os.path.join(tmp, f"out{threads}")
            wall, rss, _ = run(args.tool, src, out, args.rule, threads)
            result = os.path.join(out, "model.safetensors")
            out_mb = os.path.getsize(result) / 2**20
            print(f"| {threads} | {wall:.2f} | {rss:.0f} | {out_mb:.0f} |")
            if first is None:
                first = result
            elif not filecmp.cmp(first, result, shallow=False):
                raise SystemExit(f"outputs differ between thread counts: {first} {result}")
        print("outputs identical for every thread count")


if __name__ == "__main__":
    main()
