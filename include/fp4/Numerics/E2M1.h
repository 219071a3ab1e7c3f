//===- E2M1.h - FP4 E2M1 element codec --------------------------*- C++ -*-===//
//
// E2M1 (FP4) element codes: bit 3 = sign, bits 2..1 = exponent (bias 1),
// bit 0 = mantissa. Magnitudes by the low three bits: 0, 0.5, 1, 1.5, 2, 3,
// 4, 6. Code 0x8 is -0 and decodes to -0.0 (numerically zero).
//
// Round to nearest (algorithms.md 1.1): ties go to the even code; the decision
// rule on a = |y| is
//   a <= 0.25 -> 0, a < 0.75 -> 0.5, a <= 1.25 -> 1, a < 1.75 -> 1.5,
//   a <= 2.5 -> 2,  a < 3.5 -> 3,    a <= 5 -> 4,    a > 5 -> 6 (saturating).
// The sign bit is set for negative inputs (y < 0) even when the magnitude
// rounds to 0 (-0.1 -> 0x8), as the PyTorch reference does; -0.0 itself is
// not negative and encodes as 0x0 (the golden data confirms both). NaN
// encodes as 0x0.
//
// Packing: two codes per byte, element 2j in bits 3..0 and element 2j+1 in
// bits 7..4.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_E2M1_H
#define FP4_NUMERICS_E2M1_H

#include <cstdint>

namespace mlir::fp4 {

/// Largest E2M1 magnitude.
inline constexpr float kE2M1Max = 6.0f;

/// Magnitude of the non-negative E2M1 codes 0..7.
inline constexpr float kE2M1Magnitudes[8] = {0.0f, 0.5f, 1.0f, 1.5f,
                                             2.0f, 3.0f, 4.0f, 6.0f};

/// Decodes an E2M1 code (low four bits of `code`) to fp32.
float e2m1Decode(uint8_t code);

/// Magnitude code (0..7) of the non-negative value `a` under round to nearest,
/// ties to the even code, saturating at 6. Branch-free (seven compares) and
/// int-valued so that loops over blocks vectorize. NaN gives 0.
inline int e2m1MagnitudeCode(float a) {
  return (a > 0.25f) + (a >= 0.75f) + (a > 1.25f) + (a >= 1.75f) + (a > 2.5f) +
         (a >= 3.5f) + (a > 5.0f);
}

/// Encodes `y` to E2M1 with round to nearest (ties to even code), saturating
/// at +-6; the sign bit is y < 0 (tiny negatives give 0x8, -0.0 gives 0x0).
uint8_t e2m1EncodeNearest(float y);

/// Stochastic rounding (algorithms.md 3.7) of `y` with offset `u` in
/// (-0.5, 0.5). With a = |y|, computed in fp32 and rounded half-even:
///   a < 2: round(2a + u) / 2;  a < 4: round(a + u);  else 2 * round(a/2 + u),
/// then clamped to 6. The range is chosen from the unperturbed a. The sign bit
/// is y < 0.
uint8_t e2m1EncodeStochastic(float y, float u);

/// Packs two codes into one byte: `even` in bits 3..0, `odd` in bits 7..4.
inline uint8_t packE2M1(uint8_t even, uint8_t odd) {
  return static_cast<uint8_t>((even & 0xF) | ((odd & 0xF) << 4));
}

/// Code of element `index` of a packed E2M1 row.
inline uint8_t unpackE2M1(const uint8_t *packed, uint64_t index) {
  uint8_t byte = packed[index / 2];
  return (index & 1) ? static_cast<uint8_t>(byte >> 4)
                     : static_cast<uint8_t>(byte & 0xF);
}

} // namespace mlir::fp4

#endif // FP4_NUMERICS_E2M1_H
