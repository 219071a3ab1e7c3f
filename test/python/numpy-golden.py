# RUN: %python %s %golden | FileCheck %s
# numpy quantization through fp4_mlir against the Four Over Six authors'
# reference bytes (../shared/golden/fouroversix, or the subset in
# test/golden), byte for byte: every case of
# the gauss, t3 and rows inputs, and the edge cases without reference
# overflow or near ties (the numerics golden test explains the others).
# Then dequantize, the E2M1 pack/unpack views, and the ml_dtypes types.
import json
import os
import sys

import ml_dtypes
import numpy as np

import fp4_mlir

golden = sys.argv[1]
RULES = {"static_6": "static_6", "static_4": "static_4", "mse": "mse",
         "mae": "mae", "abs_max": "abs_max"}
cases = total = 0
for dist in ("gauss", "t3", "rows", "edge"):
    x = np.fromfile(os.path.join(golden, dist, "input.bf16"), dtype=ml_dtypes.bfloat16)
    x = x.reshape(-1, 2048)  # 256 rows, or 16 in the subset
    for case in sorted(os.listdir(os.path.join(golden, dist))):
        path = os.path.join(golden, dist, case)
        if not os.path.isdir(path):
            continue
        if dist == "edge" and case not in ("nvfp4_static_4", "nvfp4_static_6_2d",
                                           "mxfp4_static_6", "mxfp4_static_4"):
            continue
        fmt, rest = case.split("_", 1)
        tile = rest.endswith("_2d")
        rule = RULES[rest[:-3] if tile else rest]
        q = fp4_mlir.quantize(x, rule, fmt, block_shape="16x16" if tile else "row")
        want_values = np.fromfile(os.path.join(path, "values.u8"), dtype=np.uint8)
        want_scales = np.fromfile(os.path.join(path, "scales.u8"), dtype=np.uint8)
        bad_values = int(np.count_nonzero(q.values.reshape(-1) != want_values))
        bad_scales = int(np.count_nonzero(q.scales.view(np.uint8).reshape(-1) != want_scales))
        meta = json.load(open(os.path.join(path, "meta.json")))
        amax_ok = fmt == "mxfp4" or float.fromhex(meta["amax"]) == q.amax
        cases += 1
        total += bad_values + bad_scales + (not amax_ok)
        if bad_values or bad_scales or not amax_ok:
            print(f"MISMATCH {dist}/{case}: {bad_values} values, {bad_scales} scales, amax ok {amax_ok}")
# CHECK-NOT: MISMATCH
# CHECK: golden: 31 cases, 0 mismatched bytes
print(f"golden: {cases} cases, {total} mismatched bytes")

# Types: scales are ml_dtypes float8 views, values unpack to float4_e2m1fn.
x = np.fromfile(os.path.join(golden, "gauss", "input.bf16"), dtype=ml_dtypes.bfloat16).reshape(-1, 2048)
q = fp4_mlir.quantize(x, "mse")
# CHECK: nvfp4: values uint8 ({{256|16}}, 1024), scales float8_e4m3fn ({{256|16}}, 128)
print(f"nvfp4: values {q.values.dtype} {q.values.shape}, scales {q.scales.dtype} {q.scales.shape}")
# (tcgen05 scales have a 5-D shape when R is a multiple of 128: the subset's
# 16 rows are repeated to 256.)
m = fp4_mlir.quantize(np.tile(x, (256 // x.shape[0], 1)), "static_6", "mxfp4", scale_layout="tcgen05")
# CHECK: mxfp4: scales float8_e8m0fnu (2, 16, 32, 4, 4), tensor scale 1.0
print(f"mxfp4: scales {m.scales.dtype} {m.scales.shape}, tensor scale {m.tensor_scale}")
codes = fp4_mlir.unpack_e2m1(q.values)
assert codes.dtype == ml_dtypes.float4_e2m1fn and codes.shape == x.shape
assert np.array_equal(fp4_mlir.pack_e2m1(codes), q.values)

# dequantize is (e2m1 * scale) * g: recompute it with ml_dtypes, exactly.
y = fp4_mlir.dequantize(q)
blocks = q.scales.astype(np.float32).repeat(16, axis=1)
expected = (codes.astype(np.float32) * blocks) * np.float32(q.tensor_scale)
# CHECK: dequantize: float32, 0 differences from e2m1 * e4m3 * g
print(f"dequantize: {y.dtype}, {int(np.count_nonzero(y != expected))} differences from e2m1 * e4m3 * g")
xd = x.astype(np.float64)
rel_mse = ((y.astype(np.float64) - xd) ** 2).sum() / (xd ** 2).sum()
ref = json.load(open(os.path.join(golden, "gauss", "nvfp4_mse", "meta.json")))
# CHECK: relative error matches the reference's rel_mse: True
print("relative error matches the reference's rel_mse:",
      abs(rel_mse - ref["rel_mse"]) < 1e-6 * ref["rel_mse"])
# bf16 output is the fp32 result rounded to nearest even.
assert np.array_equal(fp4_mlir.dequantize(q, ml_dtypes.bfloat16), y.astype(ml_dtypes.bfloat16))

# Transposed quantization equals quantizing the transposed copy.
t = fp4_mlir.quantize(x, "mse", transpose=True)
c = fp4_mlir.quantize(np.ascontiguousarray(x.T), "mse")
# CHECK: transpose: True True
print("transpose:", np.array_equal(t.values, c.values), np.array_equal(t.scales.view(np.uint8), c.scales.view(np.uint8)))
