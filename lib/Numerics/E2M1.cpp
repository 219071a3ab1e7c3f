//===- E2M1.cpp - FP4 E2M1 element codec ----------------------------------===//

#include "fp4/Numerics/E2M1.h"

#include <cmath>

namespace mlir::fp4 {

float e2m1Decode(uint8_t code) {
  float magnitude = kE2M1Magnitudes[code & 7];
  return (code & 8) ? -magnitude : magnitude;
}

// The reference's sign test is y < 0: -0.0 encodes as 0x0, while a negative
// value whose magnitude rounds to zero encodes as 0x8.
static uint8_t signBit(float y) { return y < 0.0f ? 8 : 0; }

uint8_t e2m1EncodeNearest(float y) {
  return static_cast<uint8_t>(signBit(y) | e2m1MagnitudeCode(std::fabs(y)));
}

uint8_t e2m1EncodeStochastic(float y, float u) {
  float a = std::fabs(y);
  float q;
  if (a < 2.0f)
    q = std::nearbyint(2.0f * a + u) * 0.5f;
  else if (a < 4.0f)
    q = std::nearbyint(a + u);
  else
    q = std::fmin(2.0f * std::nearbyint(a * 0.5f + u), kE2M1Max);
  // q is on the E2M1 grid (or NaN), so the nearest code is exact.
  return static_cast<uint8_t>(signBit(y) | e2m1MagnitudeCode(q));
}

} // namespace mlir::fp4
