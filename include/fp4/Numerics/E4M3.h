//===- E4M3.h - FP8 E4M3FN scale codec --------------------------*- C++ -*-===//
//
// FP8 E4M3FN (the NVFP4 block scale): bias 7, no infinities, NaN = 0x7F/0xFF,
// largest finite 448 (0x7E), smallest normal 2^-6 (0x08), subnormals m*2^-9
// (0x01..0x07). For bytes 0x00..0x7E byte order equals value order.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_E4M3_H
#define FP4_NUMERICS_E4M3_H

#include <cstdint>

namespace mlir::fp4 {

/// Largest finite E4M3 value.
inline constexpr float kE4M3Max = 448.0f;
/// Byte of the largest finite positive E4M3 value.
inline constexpr uint8_t kE4M3MaxByte = 0x7E;
/// Canonical E4M3 NaN byte.
inline constexpr uint8_t kE4M3NaN = 0x7F;

/// Decodes an E4M3FN byte to fp32 (exact; 0x7F/0xFF give NaN).
float e4m3Decode(uint8_t byte);

/// Encodes fp32 `x` to E4M3FN with a single round-to-nearest-even step from
/// the fp32 value (never through fp16). Magnitudes above 448 (including
/// +-Inf) saturate to +-448; NaN gives 0x7F (sign kept). Negative inputs set
/// bit 7.
uint8_t e4m3Encode(float x);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_E4M3_H
