//===- UE8M0.h - MXFP4 UE8M0 scale codec ------------------------*- C++ -*-===//
//
// UE8M0 (E8M0, the MXFP4 block scale): an 8-bit biased exponent, value
// 2^(code - 127), no sign or mantissa; 0xFF is NaN.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_UE8M0_H
#define FP4_NUMERICS_UE8M0_H

#include <cstdint>

namespace mlir::fp4 {

/// Canonical UE8M0 NaN byte.
inline constexpr uint8_t kUE8M0NaN = 0xFF;

/// Decodes a UE8M0 byte: 2^(code-127) (code 0 gives 2^-127, an fp32
/// denormal); 0xFF gives NaN.
float ue8m0Decode(uint8_t code);

/// Returns 2^(127-code), the exact reciprocal of a UE8M0 scale (code 1..254).
float ue8m0Reciprocal(uint8_t code);

/// Rounds a non-negative fp32 `t` up to a power of two (FOS rule, algorithms.md
/// 2.1): the biased exponent field of t, plus 1 if t's mantissa bits are
/// non-zero; saturates at 254. t = 0 gives 0 (a zero block); an fp32
/// denormal t gives 1.
uint8_t ue8m0RoundUp(float t);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_UE8M0_H
