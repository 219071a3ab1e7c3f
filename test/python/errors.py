# RUN: %python %s | FileCheck %s
# Every bad argument is a Python exception with the library's message, never
# a crash.
import ml_dtypes
import numpy as np

import fp4_mlir

x = np.ones((32, 64), dtype=np.float32)


def attempt(name, f):
    try:
        f()
        print(f"{name}: no error")
    except (ValueError, TypeError) as error:
        print(f"{name}: {type(error).__name__}: {error}")


# CHECK: rule: ValueError: unknown scale rule 'median'
attempt("rule", lambda: fp4_mlir.quantize(x, "median"))
# CHECK: format: ValueError: unknown format 'fp8' (expected nvfp4 or mxfp4)
attempt("format", lambda: fp4_mlir.quantize(x, "static_6", "fp8"))
# CHECK: layout: ValueError: unknown scale layout 'column' (expected row_major or tcgen05)
attempt("layout", lambda: fp4_mlir.quantize(x, scale_layout="column"))
# CHECK: block: ValueError: the quantized dimension has 48 elements, which is not a multiple of the mxfp4 block size 32
attempt("block", lambda: fp4_mlir.quantize(np.ones((4, 48), np.float32), "static_6", "mxfp4"))
# CHECK: 4/6 mxfp4: ValueError: {{.*}}four_over_six{{.*}}
attempt("4/6 mxfp4", lambda: fp4_mlir.quantize(x, "mse", "mxfp4"))
# CHECK: radius: ValueError: {{.*}}radius{{.*}}
attempt("radius", lambda: fp4_mlir.quantize(x, "search:200"))
# CHECK: amax: ValueError: {{.*}}amax{{.*}}
attempt("amax", lambda: fp4_mlir.quantize(x, amax=-1.0))
# CHECK: rank: ValueError: expected a 2-D array, got 3-D
attempt("rank", lambda: fp4_mlir.quantize(np.ones((2, 2, 16), np.float32)))
# CHECK: dtype: ValueError: unsupported dtype int32 (expected float32, bfloat16 or float16)
attempt("dtype", lambda: fp4_mlir.quantize(np.ones((4, 16), np.int32)))
# CHECK: block shape: ValueError: unknown block_shape '8x8' (expected row or 16x16)
attempt("block shape", lambda: fp4_mlir.quantize(x, block_shape="8x8"))
# CHECK: 2d rows: ValueError: {{.*}}16{{.*}}
attempt("2d rows", lambda: fp4_mlir.quantize(np.ones((8, 64), np.float32), block_shape="16x16"))

q = fp4_mlir.quantize(x, "mse")
short = fp4_mlir.QuantizedTensor(q.values[:16], q.scales, q.tensor_scale, q.amax, "nvfp4", "row_major")
# CHECK: dequantize sizes: ValueError: expected 64 scale bytes, got 128
attempt("dequantize sizes", lambda: fp4_mlir.dequantize(short))
# Every input type works, and agrees: bf16 and f16 copies of bf16-exact data.
exact = np.arange(-512, 512, dtype=np.float32).reshape(16, 64) / 8
results = [fp4_mlir.quantize(exact.astype(t), "exact") for t in
           (np.float32, ml_dtypes.bfloat16, np.float16)]
# CHECK: input types agree: True
print("input types agree:", all(np.array_equal(r.values, results[0].values) for r in results))

# The native module bounds shapes before computing sizes (an overflowing
# shape used to pass the size checks and crash).
from fp4_mlir import _fp4
# CHECK: native dequantize: ValueError: bad matrix shape 9223372036854775808 x 32
attempt("native dequantize", lambda: _fp4.dequantize(
    np.zeros(0, np.uint8), np.zeros(0, np.uint8), 2**63, 32, "nvfp4", "row_major", 1.0))
# CHECK: pack odd: ValueError: expected a 2-D array with an even number of columns, got shape (2, 3)
attempt("pack odd", lambda: fp4_mlir.pack_e2m1(np.zeros((2, 3), ml_dtypes.float4_e2m1fn)))
# CHECK: unpack 1-D: ValueError: expected 2-D packed values, got 1-D
attempt("unpack 1-D", lambda: fp4_mlir.unpack_e2m1(np.zeros(3, np.uint8)))
# CHECK: pipeline splice: ValueError: quantize_matmuls takes pass options only
attempt("pipeline splice", lambda: fp4_mlir.compile_to_gpu(None, quantize_matmuls="},canonicalize,{"))
# CHECK: bad chip: ValueError: unknown chip 'sm_80' (expected sm_90a or sm_100a)
attempt("bad chip", lambda: fp4_mlir.compile_to_gpu(None, chip="sm_80"))
# CHECK: no context: ValueError: no MLIR context: pass one, or call inside `with mlir.ir.Context():`
attempt("no context", lambda: fp4_mlir.register_dialects())
