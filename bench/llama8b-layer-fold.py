#!/usr/bin/env python3
"""Folding one Llama-3-8B decoder layer's real-size weights: wall time and
peak memory per rule, with all threads and with one.

The seven projections of a layer (q 4096x4096, k and v 4096x1024, o
4096x4096, gate and up 4096x14336, down 14336x4096: 218M bf16 parameters,
N(0, 1/64) from numpy) as dense_resource constants of one bytecode module,
each multiplied by a 128-token activation (M = 128: the default
tcgen05 scale layout takes it). fp4-opt runs in a fresh child per
row (bytecode in and out):

  parse+print        fp4-opt alone (reading and writing the 436 MB of
                     weights: the baseline)
  RULE, N threads    --nvfp4-quantize-matmuls="weight-rule=RULE": every
                     weight quantized at compile time, in chunks of 128 rows
                     on MLIR's thread pool (all threads of the machine)
  RULE, 1 thread     the same with --mlir-disable-threading

Prints wall seconds, the speedup of all threads over one, the seconds of
quantization beyond the baseline, and peak RSS against input + output size.

Usage: llama8b-layer-fold.py [--fp4-opt PATH] [--rules R ...]
"""

import argparse
import os
import subprocess
import tempfile

import ml_dtypes
import numpy as np

from fp4_opt_runs import run_once

HIDDEN, KV, FFN, TOKENS = 4096, 1024, 14336, 128
# (name, K, N) of y = x W with W stored K x N.
PROJECTIONS = [("q", HIDDEN, HIDDEN), ("k", HIDDEN, KV), ("v", HIDDEN, KV),
               ("o", HIDDEN, HIDDEN), ("gate", HIDDEN, FFN), ("up", HIDDEN, FFN),
               ("down", FFN, HIDDEN)]


def write_module(path):
    rng = np.random.default_rng(1)
    total = 0
    with open(path, "w") as f:
        for name, k, n in PROJECTIONS:
            f.write(f"""func.func @{name}(%x: tensor<{TOKENS}x{k}xbf16>) -> tensor<{TOKENS}x{n}xf32> {{
  %w = arith.constant dense_resource<{name}_weight> : tensor<{k}x{n}xbf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{TOKENS}x{n}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<{TOKENS}x{n}xf32>) -> tensor<{TOKENS}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{TOKENS}x{k}xbf16>, tensor<{k}x{n}xbf16>) outs(%acc : tensor<{TOKENS}x{n}xf32>) -> tensor<{TOKENS}x{n}xf32>
  return %y : tensor<{TOKENS}x{n}xf32>
}}
""")
        f.write("{-#\n  dialect_resources: {\n    builtin: {\n")
        for i, (name, k, n) in enumerate(PROJECTIONS):
            w = (rng.standard_normal((k, n), dtype=np.float32) / 8).astype(ml_dtypes.bfloat16)
            total += w.size
            f.write(f'      {name}_weight: "0x02000000')
            f.write(w.view(np.uint8).tobytes().hex())
            f.write('"' + ("," if i + 1 < len(PROJECTIONS) else "") + "\n")
        f.write("    }\n  }\n#-}\n")
    return total


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fp4-opt", default=os.path.join(here, "..", "build", "bin", "fp4-opt"))
    parser.add_argument("--rules", nargs="+", default=["static_6", "mse", "search:6", "exact"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "layer.mlir")
        params = write_module(text)
        source = os.path.join(tmp, "layer.mlirbc")
        subprocess.run([args.fp4_opt, text, "--emit-bytecode", "-o", source], check=True)
        os.remove(text)
        in_mib = params * 2 / 2**20
        # Output: packed E2M1 (half a byte) + one E4M3 scale per 16 values.
        out_mib = params * (0.5 + 1 / 16) / 2**20
        threads = os.cpu_count()
        print(f"one Llama-3-8B decoder layer: {params / 1e6:.0f}M bf16 parameters "
              f"({in_mib:.0f} MiB in, {out_mib:.0f} MiB out); {threads} hardware threads")
        print(f"{'run':<26} {'wall s':>8} {'quantize s':>11} {'speedup':>8} "
              f"{'peak RSS MiB':>13} {'RSS / (in+out)':>15}")
        # Every projection must fold (a declined matmul would time nothing).
        check = subprocess.run([args.fp4_opt, source, "--nvfp4-quantize-matmuls=report",
                                "-o", os.devnull], capture_output=True, text=True)
        folded = check.stderr.count("constant weight quantized at compile time")
        if folded != len(PROJECTIONS):
            raise SystemExit(f"only {folded} of {len(PROJECTIONS)} weights folded:\n"
                             + check.stderr[-2000:])
        base, base_rss = run_once(args.fp4_opt, source, ["--emit-bytecode"])
        print(f"{'parse+print':<26} {base:8.2f} {'':>11} {'':>8} {base_rss:13.0f} "
              f"{base_rss / (in_mib + out_mib):15.2f}")
        for rule in args.rules:
            one = None
            for label, extra in (("1 thread", ["--mlir-disable-threading"]),
                                 (f"{threads} threads", [])):
                wall, rss = run_once(args.fp4_opt, source,
                                     [f"--nvfp4-quantize-matmuls=weight-rule={rule}",
                                      "--emit-bytecode", *extra])
                one = one or wall - base
                speedup = one / (wall - base) if wall > base else float("nan")
                print(f"{rule + ', ' + label:<26} {wall:8.2f} {wall - base:11.2f} "
                      f"{speedup:8.2f} {rss:13.0f} {rss / (in_mib + out_mib):15.2f}")


if __name__ == "__main__":
    main()
