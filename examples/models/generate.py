#!/usr/bin/env python3
"""Writes the example models as MLIR: linalg on tensors, weights as
dense_resource blobs drawn from a seeded generator (nothing typed by hand).

  mlp.mlir      a SwiGLU MLP block: down(silu(x Wg) * (x Wu))
  decoder.mlir  a pre-norm transformer decoder layer: RMSNorm, causal
                multi-head attention (q, k, v, o projections), RMSNorm, the
                MLP block, two residual adds

Both define `func.func @forward(%x: tensor<TxDxf32>) -> tensor<TxDxf32>`.
Weights are bf16, activations f32. Every matmul carries a name location
(loc("layer0.mlp.down_proj")), which the remarks of nvfp4-quantize-matmuls
show and its skip-names option matches.

Usage: generate.py OUTDIR [--tokens T] [--hidden D] [--heads H] [--ffn F]
                          [--seed S]
Only the Python standard library is used.
"""

import argparse
import math
import os
import random
import struct


def bf16_bits(value):
    """fp32 -> bf16 bits, round to nearest even (no NaN in our data)."""
    bits = struct.unpack("<I", struct.pack("<f", value))[0]
    return (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16


class Module:
    """Accumulates SSA lines and dense_resource blobs."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.blobs = {}
        self.counter = 0

    def fresh(self, stem):
        self.counter += 1
        return f"%{stem}{self.counter}"

    def emit(self, line):
        self.lines.append("  " + line)

    def weight(self, name, rows, cols, scale):
        """A rows x cols bf16 weight ~ N(0, scale^2) with a few outlier
        columns (the outliers that make scale selection matter)."""
        outliers = set(self.rng.sample(range(cols), max(1, cols // 64)))
        payload = bytearray()
        for _ in range(rows):
            for c in range(cols):
                v = self.rng.gauss(0.0, scale)
                if c in outliers:
                    v *= 8.0
                payload += struct.pack("<H", bf16_bits(v))
        # A dense_resource blob starts with its alignment (u32, little endian).
        self.blobs[name] = struct.pack("<I", 2) + bytes(payload)
        value = self.fresh("w")
        self.emit(f"{value} = arith.constant dense_resource<{name}> : "
                  f"tensor<{rows}x{cols}xbf16>")
        return value

    def norm_weight(self, name, size):
        payload = b"".join(struct.pack("<f", 1.0 + 0.1 * self.rng.gauss(0, 1))
                           for _ in range(size))
        self.blobs[name] = struct.pack("<I", 4) + payload
        value = self.fresh("gamma")
        self.emit(f"{value} = arith.constant dense_resource<{name}> : "
                  f"tensor<{size}xf32>")
        return value

    def zeros(self, shape):
        t = "x".join(map(str, shape)) + "xf32"
        empty, zero, filled = self.fresh("e"), self.fresh("z"), self.fresh("acc")
        self.emit(f"{empty} = tensor.empty() : tensor<{t}>")
        self.emit(f"{zero} = arith.constant 0.0 : f32")
        self.emit(f"{filled} = linalg.fill ins({zero} : f32) outs({empty} : "
                  f"tensor<{t}>) -> tensor<{t}>")
        return filled

    def matmul(self, name, x, w, m, k, n):
        acc = self.zeros([m, n])
        out = self.fresh("mm")
        self.emit(f"{out} = linalg.matmul ins({x}, {w} : tensor<{m}x{k}xf32>, "
                  f"tensor<{k}x{n}xbf16>) outs({acc} : tensor<{m}x{n}xf32>) "
                  f"-> tensor<{m}x{n}xf32> loc(\"{name}\")")
        return out

    def elementwise(self, inputs, shape, body):
        """linalg.generic over identity maps; `body` maps the block argument
        names to (lines, result)."""
        t = "x".join(map(str, shape)) + "xf32"
        rank = len(shape)
        dims = ", ".join(f"d{i}" for i in range(rank))
        ident = f"affine_map<({dims}) -> ({dims})>"
        out, empty = self.fresh("ew"), self.fresh("e")
        self.emit(f"{empty} = tensor.empty() : tensor<{t}>")
        args = [f"%in{i}" for i in range(len(inputs))]
        lines, result = body(*args)
        maps = ", ".join([ident] * (len(inputs) + 1))
        iters = ", ".join(['"parallel"'] * rank)
        self.emit(f"{out} = linalg.generic {{indexing_maps = [{maps}], "
                  f"iterator_types = [{iters}]}} ins({', '.join(inputs)} : "
                  f"{', '.join(['tensor<' + t + '>'] * len(inputs))}) "
                  f"outs({empty} : tensor<{t}>) {{")
        block_args = ", ".join(f"{a}: f32" for a in args) + ", %out: f32"
        self.emit(f"^bb0({block_args}):")
        for line in lines:
            self.emit("  " + line)
        self.emit(f"  linalg.yield {result} : f32")
        self.emit(f"}} -> tensor<{t}>")
        return out

    def add(self, a, b, shape):
        return self.elementwise([a, b], shape, lambda x, y: (
            [f"%s = arith.addf {x}, {y} : f32"], "%s"))

    def rmsnorm(self, x, gamma, t, d):
        """x * rsqrt(mean(x^2) + 1e-5) * gamma, row by row."""
        sums, empty, zero = self.fresh("ss"), self.fresh("e"), self.fresh("z")
        self.emit(f"{zero} = arith.constant 0.0 : f32")
        self.emit(f"{empty} = tensor.empty() : tensor<{t}xf32>")
        fill = self.fresh("acc")
        self.emit(f"{fill} = linalg.fill ins({zero} : f32) outs({empty} : "
                  f"tensor<{t}xf32>) -> tensor<{t}xf32>")
        self.emit(f"{sums} = linalg.generic {{indexing_maps = ["
                  "affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], "
                  'iterator_types = ["parallel", "reduction"]} '
                  f"ins({x} : tensor<{t}x{d}xf32>) outs({fill} : tensor<{t}xf32>) {{")
        self.emit("^bb0(%v: f32, %s: f32):")
        self.emit("  %sq = arith.mulf %v, %v : f32")
        self.emit("  %r = arith.addf %s, %sq : f32")
        self.emit("  linalg.yield %r : f32")
        self.emit(f"}} -> tensor<{t}xf32>")
        out, empty2 = self.fresh("norm"), self.fresh("e")
        self.emit(f"{empty2} = tensor.empty() : tensor<{t}x{d}xf32>")
        self.emit(f"{out} = linalg.generic {{indexing_maps = ["
                  "affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, "
                  "affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], "
                  'iterator_types = ["parallel", "parallel"]} '
                  f"ins({x}, {sums}, {gamma} : tensor<{t}x{d}xf32>, "
                  f"tensor<{t}xf32>, tensor<{d}xf32>) outs({empty2} : "
                  f"tensor<{t}x{d}xf32>) {{")
        self.emit("^bb0(%v: f32, %s: f32, %g: f32, %o: f32):")
        self.emit(f"  %n = arith.constant {float(d):e} : f32")
        self.emit("  %eps = arith.constant 1.0e-05 : f32")
        self.emit("  %mean = arith.divf %s, %n : f32")
        self.emit("  %me = arith.addf %mean, %eps : f32")
        self.emit("  %inv = math.rsqrt %me : f32")
        self.emit("  %xn = arith.mulf %v, %inv : f32")
        self.emit("  %r = arith.mulf %xn, %g : f32")
        self.emit("  linalg.yield %r : f32")
        self.emit(f"}} -> tensor<{t}x{d}xf32>")
        return out

    def mlp(self, prefix, x, t, d, f):
        wg = self.weight(f"{prefix}_gate_proj", d, f, 1 / math.sqrt(d))
        wu = self.weight(f"{prefix}_up_proj", d, f, 1 / math.sqrt(d))
        wd = self.weight(f"{prefix}_down_proj", f, d, 1 / math.sqrt(f))
        g = self.matmul(f"{prefix.replace('_', '.')}.gate_proj", x, wg, t, d, f)
        u = self.matmul(f"{prefix.replace('_', '.')}.up_proj", x, wu, t, d, f)
        # silu(g) * u = g / (1 + exp(-g)) * u
        a = self.elementwise([g, u], [t, f], lambda gv, uv: ([
            f"%ng = arith.negf {gv} : f32",
            "%ex = math.exp %ng : f32",
            "%one = arith.constant 1.0 : f32",
            "%den = arith.addf %ex, %one : f32",
            f"%sl = arith.divf {gv}, %den : f32",
            f"%r = arith.mulf %sl, {uv} : f32"], "%r"))
        return self.matmul(f"{prefix.replace('_', '.')}.down_proj", a, wd, t, f, d)

    def heads(self, x, t, h, hd):
        """[T, H*hd] -> [H, T, hd]."""
        e, tr, empty = self.fresh("split"), self.fresh("heads"), self.fresh("e")
        self.emit(f"{e} = tensor.expand_shape {x} [[0], [1, 2]] output_shape "
                  f"[{t}, {h}, {hd}] : tensor<{t}x{h * hd}xf32> into "
                  f"tensor<{t}x{h}x{hd}xf32>")
        self.emit(f"{empty} = tensor.empty() : tensor<{h}x{t}x{hd}xf32>")
        self.emit(f"{tr} = linalg.transpose ins({e} : tensor<{t}x{h}x{hd}xf32>) "
                  f"outs({empty} : tensor<{h}x{t}x{hd}xf32>) permutation = [1, 0, 2]")
        return tr

    def attention(self, x, t, d, h):
        hd = d // h
        ws = {p: self.weight(f"layer0_attn_{p}", d, d, 1 / math.sqrt(d))
              for p in ("q_proj", "k_proj", "v_proj", "o_proj")}
        q, k, v = (self.matmul(f"layer0.attn.{p}", x, ws[p], t, d, d)
                   for p in ("q_proj", "k_proj", "v_proj"))
        qh, kh, vh = (self.heads(y, t, h, hd) for y in (q, k, v))
        # Scores: a linalg.generic contraction q(b, m, k) * k(b, n, k).
        acc = self.zeros([h, t, t])
        scores = self.fresh("scores")
        self.emit(f"{scores} = linalg.generic {{indexing_maps = ["
                  "affine_map<(b, m, n, k) -> (b, m, k)>, "
                  "affine_map<(b, m, n, k) -> (b, n, k)>, "
                  "affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = "
                  '["parallel", "parallel", "parallel", "reduction"]} '
                  f"ins({qh}, {kh} : tensor<{h}x{t}x{hd}xf32>, "
                  f"tensor<{h}x{t}x{hd}xf32>) outs({acc} : tensor<{h}x{t}x{t}xf32>) {{")
        self.emit("^bb0(%a: f32, %b: f32, %c: f32):")
        self.emit("  %p = arith.mulf %a, %b : f32")
        self.emit("  %s = arith.addf %c, %p : f32")
        self.emit("  linalg.yield %s : f32")
        self.emit(f"}} -> tensor<{h}x{t}x{t}xf32> loc(\"layer0.attn.scores\")")
        probs = self.softmax(scores, h, t, 1 / math.sqrt(hd))
        acc2 = self.zeros([h, t, hd])
        ctx = self.fresh("ctx")
        self.emit(f"{ctx} = linalg.batch_matmul ins({probs}, {vh} : "
                  f"tensor<{h}x{t}x{t}xf32>, tensor<{h}x{t}x{hd}xf32>) "
                  f"outs({acc2} : tensor<{h}x{t}x{hd}xf32>) -> "
                  f"tensor<{h}x{t}x{hd}xf32> loc(\"layer0.attn.context\")")
        back, empty, merged = self.fresh("tok"), self.fresh("e"), self.fresh("merged")
        self.emit(f"{empty} = tensor.empty() : tensor<{t}x{h}x{hd}xf32>")
        self.emit(f"{back} = linalg.transpose ins({ctx} : tensor<{h}x{t}x{hd}xf32>) "
                  f"outs({empty} : tensor<{t}x{h}x{hd}xf32>) permutation = [1, 0, 2]")
        self.emit(f"{merged} = tensor.collapse_shape {back} [[0], [1, 2]] : "
                  f"tensor<{t}x{h}x{hd}xf32> into tensor<{t}x{d}xf32>")
        return self.matmul("layer0.attn.o_proj", merged, ws["o_proj"], t, d, d)

    def softmax(self, scores, h, t, scale):
        """Causal softmax over the last dimension of scale * scores."""
        ty = f"tensor<{h}x{t}x{t}xf32>"
        rty = f"tensor<{h}x{t}xf32>"
        masked, empty = self.fresh("masked"), self.fresh("e")
        self.emit(f"{empty} = tensor.empty() : {ty}")
        self.emit(f"{masked} = linalg.generic {{indexing_maps = ["
                  "affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], "
                  'iterator_types = ["parallel", "parallel", "parallel"]} '
                  f"ins({scores} : {ty}) outs({empty} : {ty}) {{")
        self.emit("^bb0(%s: f32, %o: f32):")
        self.emit("  %i = linalg.index 1 : index")
        self.emit("  %j = linalg.index 2 : index")
        self.emit(f"  %scale = arith.constant {scale:e} : f32")
        self.emit("  %ninf = arith.constant 0xFF800000 : f32")
        self.emit("  %v = arith.mulf %s, %scale : f32")
        self.emit("  %future = arith.cmpi ugt, %j, %i : index")
        self.emit("  %r = arith.select %future, %ninf, %v : f32")
        self.emit("  linalg.yield %r : f32")
        self.emit(f"}} -> {ty}")
        reduce_maps = ("affine_map<(b, i, j) -> (b, i, j)>, "
                       "affine_map<(b, i, j) -> (b, i)>")
        iters = '["parallel", "parallel", "reduction"]'

        def row_reduce(value, init, op):
            out, e, f = self.fresh("red"), self.fresh("e"), self.fresh("acc")
            self.emit(f"{e} = tensor.empty() : {rty}")
            cst = self.fresh("init")
            self.emit(f"{cst} = arith.constant {init} : f32")
            self.emit(f"{f} = linalg.fill ins({cst} : f32) outs({e} : {rty}) -> {rty}")
            self.emit(f"{out} = linalg.generic {{indexing_maps = [{reduce_maps}], "
                      f"iterator_types = {iters}}} ins({value} : {ty}) "
                      f"outs({f} : {rty}) {{")
            self.emit("^bb0(%v: f32, %a: f32):")
            self.emit(f"  %r = {op} %a, %v : f32")
            self.emit("  linalg.yield %r : f32")
            self.emit(f"}} -> {rty}")
            return out

        row_max = row_reduce(masked, "0xFF800000", "arith.maximumf")
        bcast = ("affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, "
                 "affine_map<(b, i, j) -> (b, i, j)>")
        exps, e1 = self.fresh("exp"), self.fresh("e")
        self.emit(f"{e1} = tensor.empty() : {ty}")
        self.emit(f"{exps} = linalg.generic {{indexing_maps = [{bcast}], iterator_types = "
                  f'["parallel", "parallel", "parallel"]}} ins({masked}, {row_max} : '
                  f"{ty}, {rty}) outs({e1} : {ty}) {{")
        self.emit("^bb0(%v: f32, %m: f32, %o: f32):")
        self.emit("  %d = arith.subf %v, %m : f32")
        self.emit("  %r = math.exp %d : f32")
        self.emit("  linalg.yield %r : f32")
        self.emit(f"}} -> {ty}")
        row_sum = row_reduce(exps, "0.0", "arith.addf")
        probs, e2 = self.fresh("probs"), self.fresh("e")
        self.emit(f"{e2} = tensor.empty() : {ty}")
        self.emit(f"{probs} = linalg.generic {{indexing_maps = [{bcast}], iterator_types = "
                  f'["parallel", "parallel", "parallel"]}} ins({exps}, {row_sum} : '
                  f"{ty}, {rty}) outs({e2} : {ty}) {{")
        self.emit("^bb0(%v: f32, %s: f32, %o: f32):")
        self.emit("  %r = arith.divf %v, %s : f32")
        self.emit("  linalg.yield %r : f32")
        self.emit(f"}} -> {ty}")
        return probs

    def text(self, t, d, body_result, comment):
        blobs = ",\n".join(f"      {name}: \"0x{data.hex()}\""
                           for name, data in self.blobs.items())
        return (f"// {comment}\n// Generated by examples/models/generate.py; "
                "do not edit.\n"
                f"func.func @forward(%x: tensor<{t}x{d}xf32>) -> tensor<{t}x{d}xf32> {{\n"
                + "\n".join(self.lines)
                + f"\n  return {body_result} : tensor<{t}x{d}xf32>\n}}\n\n"
                "{-#\n  dialect_resources: {\n    builtin: {\n"
                + blobs + "\n    }\n  }\n#-}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--ffn", type=int, default=768)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    t, d, h, f = args.tokens, args.hidden, args.heads, args.ffn
    if d % h:
        parser.error("--hidden must be a multiple of --heads")
    os.makedirs(args.outdir, exist_ok=True)

    mlp = Module(random.Random(args.seed))
    out = mlp.mlp("layer0_mlp", "%x", t, d, f)
    with open(os.path.join(args.outdir, "mlp.mlir"), "w") as file:
        file.write(mlp.text(t, d, out, f"SwiGLU MLP block: T={t}, D={d}, F={f}."))

    dec = Module(random.Random(args.seed + 1))
    g1 = dec.norm_weight("layer0_attn_norm", d)
    g2 = dec.norm_weight("layer0_mlp_norm", d)
    attn = dec.attention(dec.rmsnorm("%x", g1, t, d), t, d, h)
    hidden = dec.add("%x", attn, [t, d])
    mlp_out = dec.mlp("layer0_mlp", dec.rmsnorm(hidden, g2, t, d), t, d, f)
    out = dec.add(hidden, mlp_out, [t, d])
    with open(os.path.join(args.outdir, "decoder.mlir"), "w") as file:
        file.write(dec.text(t, d, out, f"Decoder layer: T={t}, D={d}, "
                            f"H={h}, F={f}."))


if __name__ == "__main__":
    main()
