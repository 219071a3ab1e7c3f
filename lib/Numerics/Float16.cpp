//===- Float16.cpp - bf16 / f16 / f32 input widening ----------------------===//

#include "fp4/Numerics/Float16.h"

namespace mlir::fp4 {

size_t elementSize(ElementType type) {
  return type == ElementType::F32 ? 4 : 2;
}

float f16ToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exp = (bits >> 10) & 0x1F;
  uint32_t mant = bits & 0x3FF;
  if (exp == 0x1F) // Inf or NaN.
    return bitsToFloat(sign | 0x7F800000 | (mant << 13));
  if (exp != 0) // Normal: rebias 15 -> 127.
    return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  // Zero or denormal: mant * 2^-24, exact in fp32.
  float magnitude = static_cast<float>(mant) * 0x1p-24f;
  return bitsToFloat(sign | floatToBits(magnitude));
}

uint16_t floatToF16(float f) {
  uint32_t bits = floatToBits(f);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t abs = bits & 0x7FFFFFFF;
  if (abs > 0x7F800000) // NaN: quiet, upper payload bits kept.
    return sign | 0x7E00 | static_cast<uint16_t>((abs >> 13) & 0x3FF);
  if (abs >= 0x477FF000) // >= 65520 (65504 + half an ulp) and Inf.
    return sign | 0x7C00;
  if (abs >= 0x38800000) { // Normal result (>= 2^-14): rebias 127 -> 15.
    uint32_t r = abs - 0x38000000;
    r += 0xFFF + ((r >> 13) & 1); // RNE on the 13 dropped bits.
    return sign | static_cast<uint16_t>(r >> 13);
  }
  // Denormal or zero: |f| * 2^24 (exact) rounded to an integer by the RNE of
  // an fp32 addition of 2^23; 1024 becomes the smallest normal, correctly.
  float m = bitsToFloat(abs) * 0x1p24f;
  return sign | static_cast<uint16_t>((m + 0x1p23f) - 0x1p23f);
}

void widenToFloat(const void *src, ElementType type, size_t first,
                  size_t stride, size_t count, float *dst) {
  switch (type) {
  case ElementType::F32: {
    const float *p = static_cast<const float *>(src) + first;
    if (stride == 1) {
      std::memcpy(dst, p, count * sizeof(float));
      return;
    }
    for (size_t i = 0; i < count; ++i)
      dst[i] = p[i * stride];
    return;
  }
  case ElementType::BF16: {
    const uint16_t *p = static_cast<const uint16_t *>(src) + first;
    if (stride == 1) {
      for (size_t i = 0; i < count; ++i)
        dst[i] = bf16ToFloat(p[i]);
      return;
    }
    for (size_t i = 0; i < count; ++i)
      dst[i] = bf16ToFloat(p[i * stride]);
    return;
  }
  case ElementType::F16: {
    const uint16_t *p = static_cast<const uint16_t *>(src) + first;
    for (size_t i = 0; i < count; ++i)
      dst[i] = f16ToFloat(p[i * stride]);
    return;
  }
  }
}

} // namespace mlir::fp4
