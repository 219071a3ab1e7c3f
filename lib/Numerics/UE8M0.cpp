//===- UE8M0.cpp - MXFP4 UE8M0 scale codec --------------------------------===//

#include "fp4/Numerics/UE8M0.h"
#include "fp4/Numerics/Float16.h"

#include <cmath>
#include <limits>

namespace mlir::fp4 {

float ue8m0Decode(uint8_t code) {
  if (code == kUE8M0NaN)
    return std::numeric_limits<float>::quiet_NaN();
  return std::ldexp(1.0f, static_cast<int>(code) - 127);
}

float ue8m0Reciprocal(uint8_t code) {
  return std::ldexp(1.0f, 127 - static_cast<int>(code));
}

uint8_t ue8m0RoundUp(float t) {
  uint32_t bits = floatToBits(t) & 0x7FFFFFFF;
  uint32_t exp = bits >> 23;
  uint32_t code = exp + ((bits & 0x7FFFFF) != 0 ? 1 : 0);
  return static_cast<uint8_t>(code > 254 ? 254 : code);
}

} // namespace mlir::fp4
