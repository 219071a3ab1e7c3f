//===- E4M3.cpp - FP8 E4M3FN scale codec ----------------------------------===//

#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/Float16.h"

#include <cmath>
#include <limits>

namespace mlir::fp4 {

namespace {
struct E4M3Table {
  float values[256];
  E4M3Table() {
    for (int byte = 0; byte < 256; ++byte) {
      int exp = (byte >> 3) & 0xF;
      int mant = byte & 7;
      float magnitude;
      if ((byte & 0x7F) == 0x7F)
        magnitude = std::numeric_limits<float>::quiet_NaN();
      else if (exp == 0)
        magnitude = std::ldexp(static_cast<float>(mant), -9);
      else
        magnitude = std::ldexp(1.0f + mant / 8.0f, exp - 7);
      values[byte] = (byte & 0x80) ? -magnitude : magnitude;
    }
  }
};
const E4M3Table kTable;
} // namespace

float e4m3Decode(uint8_t byte) { return kTable.values[byte]; }

uint8_t e4m3Encode(float x) {
  uint32_t bits = floatToBits(x);
  uint8_t sign = static_cast<uint8_t>((bits >> 24) & 0x80);
  uint32_t abs = bits & 0x7FFFFFFF;
  if (abs > 0x7F800000) // NaN
    return sign | kE4M3NaN;
  if (abs >= 0x43E00000) // >= 448, including +-Inf: saturate.
    return sign | kE4M3MaxByte;
  if (abs < 0x3C800000) { // < 2^-6: subnormal range, step 2^-9.
    // |x| * 512 is exact; nearbyint rounds half to even (default mode).
    float steps = std::nearbyint(bitsToFloat(abs) * 512.0f);
    return sign | static_cast<uint8_t>(steps); // 8 is 0x08 = 2^-6.
  }
  // Normal: round the 23-bit mantissa to 3 bits, ties to even; a carry moves
  // into the exponent. |x| < 448 so the result is at most 0x7E.
  uint32_t rounded = abs + 0x7FFFF + ((abs >> 20) & 1);
  uint32_t exp = (rounded >> 23) - 120; // rebias 127 -> 7
  uint32_t mant = (rounded >> 20) & 7;
  return sign | static_cast<uint8_t>((exp << 3) | mant);
}

} // namespace mlir::fp4
