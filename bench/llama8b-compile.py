#!/usr/bin/env python3
"""fp4-opt compile time and peak memory on a Llama-3-8B-shaped module.

32 decoder layers x 7 matmuls (q 4096x4096, k and v 4096x1024, o 4096x4096,
gate and up 4096x14336, down 14336x4096) on T tokens, weights as function
arguments (so the file stays small and every quantize runs on the GPU).
Each layer is one function; @forward chains them, and every matmul's result
is used (h' = h + o + down, kv' = kv + k + v), so none is dead code. Timed, each the
best of --reps runs of fp4-opt in a child process:

  parse+print   fp4-opt with no pass (the baseline)
  to PTX        --nvfp4-quantize-matmuls --nvfp4-lower-to-sm100a (format=isa)
  to cubin      --nvfp4-quantize-matmuls --nvfp4-lower-to-sm100a=format=bin
  + host        the same with host=true: the host code to LLVM as well

Prints wall seconds, the ratio to the baseline, and each run's peak RSS
(ru_maxrss of a fresh child). Target: to PTX in at most 2 s.

Usage: llama8b-compile.py [--fp4-opt PATH] [--tokens T] [--reps N]
"""

import argparse
import os
import tempfile

from fp4_opt_runs import run_best

HIDDEN, KV, FFN, LAYERS = 4096, 1024, 14336, 32


def layer(i, t):
    """One decoder layer's matmuls, all live: h' = h + o + down and
    kv' = kv + k + v (the attention itself is left out)."""
    w = lambda k, n: f"tensor<{k}x{n}xbf16>"
    out = lambda n: f"tensor<{t}x{n}xf32>"
    lines = [
        f"func.func private @layer{i}(%x: {out(HIDDEN)}, %kv: {out(KV)}, "
        f"%wq: {w(HIDDEN, HIDDEN)}, %wk: {w(HIDDEN, KV)}, %wv: {w(HIDDEN, KV)}, "
        f"%wo: {w(HIDDEN, HIDDEN)}, %wg: {w(HIDDEN, FFN)}, %wu: {w(HIDDEN, FFN)}, "
        f"%wd: {w(FFN, HIDDEN)}) -> ({out(HIDDEN)}, {out(KV)}) {{",
        "  %zero = arith.constant 0.0 : f32",
    ]

    def matmul(name, lhs, weight, k, n):
        lines.append(f"  %{name}_e = tensor.empty() : {out(n)}")
        lines.append(f"  %{name}_acc = linalg.fill ins(%zero : f32) outs(%{name}_e : "
                     f"{out(n)}) -> {out(n)}")
        lines.append(f"  %{name} = linalg.matmul ins({lhs}, {weight} : {out(k)}, "
                     f"{w(k, n)}) outs(%{name}_acc : {out(n)}) -> {out(n)} "
                     f"loc(\"layers.{i}.{name}\")")

    def add(name, a, b, n):
        lines.append(f"  %{name}_e = tensor.empty() : {out(n)}")
        lines.append(f"  %{name} = linalg.add ins({a}, {b} : {out(n)}, {out(n)}) "
                     f"outs(%{name}_e : {out(n)}) -> {out(n)}")

    matmul("q", "%x", "%wq", HIDDEN, HIDDEN)
    matmul("k", "%x", "%wk", HIDDEN, KV)
    matmul("v", "%x", "%wv", HIDDEN, KV)
    matmul("o", "%q", "%wo", HIDDEN, HIDDEN)
    matmul("gate", "%x", "%wg", HIDDEN, FFN)
    matmul("up", "%x", "%wu", HIDDEN, FFN)
    lines.append(f"  %act_e = tensor.empty() : {out(FFN)}")
    lines.append(f"  %act = linalg.mul ins(%gate, %up : {out(FFN)}, {out(FFN)}) "
                 f"outs(%act_e : {out(FFN)}) -> {out(FFN)}")
    matmul("down", "%act", "%wd", FFN, HIDDEN)
    add("h1", "%x", "%o", HIDDEN)
    add("h", "%h1", "%down", HIDDEN)
    add("kv1", "%kv", "%k", KV)
    add("kv2", "%kv1", "%v", KV)
    lines.append(f"  return %h, %kv2 : {out(HIDDEN)}, {out(KV)}")
    lines.append("}")
    return "\n".join(lines)


def module(t):
    parts = [layer(i, t) for i in range(LAYERS)]
    shapes = (("q", HIDDEN, HIDDEN), ("k", HIDDEN, KV), ("v", HIDDEN, KV),
              ("o", HIDDEN, HIDDEN), ("g", HIDDEN, FFN), ("u", HIDDEN, FFN),
              ("d", FFN, HIDDEN))
    weights = ", ".join(f"%w{i}_{n}: tensor<{k}x{m}xbf16>"
                        for i in range(LAYERS) for n, k, m in shapes)
    h, kv = f"tensor<{t}x{HIDDEN}xf32>", f"tensor<{t}x{KV}xf32>"
    body = [f"func.func @forward(%x: {h}, %kv: {kv}, {weights}) -> ({h}, {kv}) {{"]
    types = ", ".join([h, kv] + [f"tensor<{k}x{m}xbf16>" for _, k, m in shapes])
    prev = ("%x", "%kv")
    for i in range(LAYERS):
        args = ", ".join(f"%w{i}_{n}" for n, _, _ in shapes)
        body.append(f"  %h{i}:2 = call @layer{i}({prev[0]}, {prev[1]}, {args}) : "
                    f"({types}) -> ({h}, {kv})")
        prev = (f"%h{i}#0", f"%h{i}#1")
    body.append(f"  return {prev[0]}, {prev[1]} : {h}, {kv}")
    body.append("}")
    return "\n\n".join(parts) + "\n\n" + "\n".join(body) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--fp4-opt", default=os.path.join(here, "..", "build", "bin", "fp4-opt"))
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "llama8b.mlir")
        with open(path, "w") as f:
            f.write(module(args.tokens))
        size = os.path.getsize(path) / 1024
        print(f"Llama-8B-shaped module: {LAYERS} layers x 7 matmuls, T = {args.tokens}, "
              f"weights as arguments ({size:.0f} KiB of MLIR); best of {args.reps}")
        base = run_best(args.fp4_opt, path, [], args.reps)
        print(f"{'run':<12} {'wall s':>8} {'ratio':>7} {'peak RSS MiB':>13}")
        print(f"{'parse+print':<12} {base[0]:8.3f} {1.0:7.2f} {base[1]:13.0f}")
        for name, extra in (("to PTX", ["--nvfp4-quantize-matmuls",
                                        "--nvfp4-lower-to-sm100a"]),
                            ("to cubin", ["--nvfp4-quantize-matmuls",
                                          "--nvfp4-lower-to-sm100a=format=bin"]),
                            ("+ host", ["--nvfp4-quantize-matmuls",
                                        "--nvfp4-lower-to-sm100a=format=bin host=true"])):
            wall, rss = run_best(args.fp4_opt, path, extra, args.reps)
            print(f"{name:<12} {wall:8.3f} {wall / base[0]:7.2f} {rss:13.0f}")


if __name__ == "__main__":
    main()
