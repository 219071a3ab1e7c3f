#!/usr/bin/env python3
"""fp4-opt on one real-size constant weight: wall time and peak memory.

Writes a module with a 128 x 4096 activation times a 4096 x 14336 bf16
weight held as a dense_resource blob (N(0, 1/64), numpy), as text and as
MLIR bytecode (which stores the blob raw), then runs fp4-opt in a fresh
child per run and reports wall seconds and peak RSS:

  parse+print           fp4-opt alone (the baseline: reading and writing
                        the 112 MiB blob; bytecode in, bytecode out for the
                        bytecode rows)
  quantize RULE         --nvfp4-quantize-matmuls="weight-rule=RULE": the
                        weight quantized at compile time; the output keeps
                        only the packed bytes and scales

Usage: constant-weight-compile.py [--fp4-opt PATH] [--rules R ...] [--k K] [--n N]
"""

import argparse
import os
import subprocess
import tempfile

import ml_dtypes
import numpy as np

from fp4_opt_runs import run_once


def write_module(path, k, n):
    rng = np.random.default_rng(1)
    weight = (rng.standard_normal((k, n), dtype=np.float32) / 8).astype(ml_dtypes.bfloat16)
    with open(path, "w") as f:
        f.write(f"""func.func @layer(%x: tensor<128x{k}xbf16>) -> tensor<128x{n}xf32> {{
  %w = arith.constant dense_resource<weight> : tensor<{k}x{n}xbf16>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x{n}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<128x{n}xf32>) -> tensor<128x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<128x{k}xbf16>, tensor<{k}x{n}xbf16>) outs(%acc : tensor<128x{n}xf32>) -> tensor<128x{n}xf32>
  return %y : tensor<128x{n}xf32>
}}
{{-#
  dialect_resources: {{
    builtin: {{
      weight: "0x02000000""")
        f.write(weight.view(np.uint8).tobytes().hex())
        f.write('"\n    }\n  }\n#-}\n')
    return weight.nbytes


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fp4-opt", default=os.path.join(here, "..", "build", "bin", "fp4-opt"))
    parser.add_argument("--rules", nargs="+", default=["static_6", "mse", "exact"])
    parser.add_argument("--k", type=int, default=4096)
    parser.add_argument("--n", type=int, default=14336)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "weight.mlir")
        size = write_module(path, args.k, args.n) / 2**20
        print(f"one {args.k}x{args.n} bf16 dense_resource weight ({size:.0f} MiB; "
              f"file {os.path.getsize(path) / 2**20:.0f} MiB of hex)")
        bytecode = os.path.join(tmp, "weight.mlirbc")
        subprocess.run([args.fp4_opt, path, "--emit-bytecode", "-o", bytecode], check=True)
        print(f"{'input':<9} {'run':<18} {'wall s':>8} {'peak RSS MiB':>13} {'RSS / weight':>13}")
        for kind, source, extra in (("text", path, []),
                                    ("bytecode", bytecode, ["--emit-bytecode"])):
            base = run_once(args.fp4_opt, source, extra)
            print(f"{kind:<9} {'parse+print':<18} {base[0]:8.2f} {base[1]:13.0f} "
                  f"{base[1] / size:13.2f}")
            for rule in args.rules:
                wall, rss = run_once(args.fp4_opt, source,
                                [f"--nvfp4-quantize-matmuls=weight-rule={rule}", *extra])
                print(f"{kind:<9} {'quantize ' + rule:<18} {wall:8.2f} {rss:13.0f} "
                      f"{rss / size:13.2f}")


if __name__ == "__main__":
    main()
