//===- Float16.h - bf16 / f16 / f32 input widening --------------*- C++ -*-===//
//
// Exact widening of the 16-bit input formats the quantizer accepts to fp32.
// Every bf16 and f16 value (denormals, infinities, NaN payloads included) is
// exactly representable in fp32, so widening never rounds.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_FLOAT16_H
#define FP4_NUMERICS_FLOAT16_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace mlir::fp4 {

/// Element type of a quantizer input buffer (raw little-endian bits).
enum class ElementType { F32, BF16, F16 };

/// Size in bytes of one element of type `type`.
size_t elementSize(ElementType type);

/// Reinterprets the bits of `bits` as an fp32 value.
inline float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

/// Returns the raw bits of the fp32 value `f`.
inline uint32_t floatToBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

/// Widens bf16 bits to fp32 (exact: the bf16 bits are the upper half).
inline float bf16ToFloat(uint16_t bits) {
  return bitsToFloat(static_cast<uint32_t>(bits) << 16);
}

/// Narrows fp32 to bf16 bits, round to nearest even (NaN stays a quiet NaN).
inline uint16_t floatToBF16(float f) {
  uint32_t bits = floatToBits(f);
  if ((bits & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

/// Widens IEEE binary16 bits to fp32 (exact, including denormals, +-Inf and
/// NaN, whose payload is kept in the upper mantissa bits).
float f16ToFloat(uint16_t bits);

/// Narrows fp32 to IEEE binary16 bits, round to nearest even: overflow to
/// +-Inf, denormal results as they round, NaN stays a quiet NaN. (Compilers
/// disagree on _Float16 support, so tools and tests use this.)
uint16_t floatToF16(float f);

/// Widens `count` elements of `type` starting at element `first` of `src`,
/// reading every `stride`-th element, into `dst`.
void widenToFloat(const void *src, ElementType type, size_t first,
                  size_t stride, size_t count, float *dst);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_FLOAT16_H
