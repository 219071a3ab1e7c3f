"""Writes a module whose two matmuls have 512 x 384 constant weights (one
K-major, one N-major, so one is quantized transposed), for fold-threads.mlir."""
import random
import struct
import sys

random.seed(7)


def bf16_hex(values):
    out = []
    for v in values:
        bits = struct.unpack("<I", struct.pack("<f", v))[0]
        out.append(struct.pack("<H", (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).hex())
    return "0x" + "".join(out).upper()


def weight(rows, cols):
    # Gaussian with a few large outliers, so that blocks differ.
    vals = [random.gauss(0, 1) * (30 if random.random() < 0.01 else 1) for _ in range(rows * cols)]
    return f'dense<"{bf16_hex(vals)}"> : tensor<{rows}x{cols}xbf16>'


print(f"""func.func @k_major(%x: tensor<128x512xbf16>) -> tensor<128x384xf32> {{
  %w = arith.constant {weight(512, 384)}
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x384xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<128x384xf32>) -> tensor<128x384xf32>
  %r = linalg.matmul ins(%x, %w : tensor<128x512xbf16>, tensor<512x384xbf16>) outs(%init : tensor<128x384xf32>) -> tensor<128x384xf32>
  return %r : tensor<128x384xf32>
}}
func.func @n_major(%x: tensor<128x384xbf16>) -> tensor<128x512xf32> {{
  %w = arith.constant {weight(512, 384)}
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<128x512xf32>
  %init = linalg.fill ins(%z : f32) outs(%e : tensor<128x512xf32>) -> tensor<128x512xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<128x384xbf16>, tensor<512x384xbf16>) outs(%init : tensor<128x512xf32>) -> tensor<128x512xf32>
  return %r : tensor<128x512xf32>
}}""")
