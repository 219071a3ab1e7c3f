//===- ArithNumerics.h - Numerics-library primitives as arith ops -*- C++ -*-===//
//
// Part of fp4-mlir. The fp32/integer primitives of lib/Numerics, emitted as
// arith/math ops on scalars or vectors, one library operation per op and in
// the library's order (include/fp4/Numerics/ScaleRules.h), so that lowered
// code is bit-identical to the library. Private to the NVFP4ToArith lowering.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_ARITHNUMERICS_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_ARITHNUMERICS_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::nvfp4::arith_numerics {

/// An f32 / integer constant shaped like `like` (a scalar or a vector type,
/// whose element type is replaced by the constant's).
Value f32Const(ImplicitLocOpBuilder &b, float value, Type like);
Value intConst(ImplicitLocOpBuilder &b, int64_t value, unsigned width,
               Type like);

/// `type` with its element type replaced by `element`.
Type withElementType(Type type, Type element);

/// e4m3Encode: f32 -> E4M3 byte (i8), round to nearest even, saturating.
Value e4m3Encode(ImplicitLocOpBuilder &b, Value x);
/// e4m3Decode: E4M3 byte (i8) -> f32 (0x7F / 0xFF decode to NaN).
Value e4m3Decode(ImplicitLocOpBuilder &b, Value byte);

/// ue8m0RoundUp: f32 t >= 0 -> the smallest UE8M0 code with 2^(code-127) >= t,
/// at most 254 (i8).
Value ue8m0RoundUp(ImplicitLocOpBuilder &b, Value t);
/// ue8m0Decode: code (i8) -> 2^(code-127) in f32 (0xFF is NaN).
Value ue8m0Decode(ImplicitLocOpBuilder &b, Value code);
/// ue8m0Reciprocal: code (i8, 1..254) -> 2^(127-code) in f32.
Value ue8m0Reciprocal(ImplicitLocOpBuilder &b, Value code);

/// e2m1MagnitudeCode: |y| -> magnitude code 0..7 (i8), round to nearest even.
Value e2m1MagnitudeCode(ImplicitLocOpBuilder &b, Value a);
/// The candidate's dequantized magnitude xhat[e2m1MagnitudeCode(a)], selected
/// by the same thresholds; `table` holds xhat[1..7] (xhat[0] is 0), splatted
/// to a's shape.
Value e2m1SelectMagnitude(ImplicitLocOpBuilder &b, Value a,
                          ArrayRef<Value> table);
/// e2m1Decode: code (i8, low nibble) -> f32 value (sign from bit 3).
Value e2m1Decode(ImplicitLocOpBuilder &b, Value code);

/// The E2M1 grid value that e2m1EncodeStochastic rounds |y| = `a` to with
/// offset `u` (its magnitude code is e2m1MagnitudeCode of the result).
Value e2m1StochasticGrid(ImplicitLocOpBuilder &b, Value a, Value u);
/// stochasticOffset(seed, index) for i64 `seed` (scalar) and `index` (i64,
/// scalar or vector): the SplitMix64-based offset in (-1/2, 1/2).
Value stochasticOffset(ImplicitLocOpBuilder &b, Value seed, Value index);

/// isBetterCandidate on i32 bytes: (error, byte) beats (bestError, bestByte)
/// around the standard byte c0.
Value isBetterCandidate(ImplicitLocOpBuilder &b, Value error, Value byte,
                        Value bestError, Value bestByte, Value c0);

} // namespace mlir::nvfp4::arith_numerics

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_ARITHNUMERICS_H
