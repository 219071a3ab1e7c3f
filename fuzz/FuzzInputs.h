//===- FuzzInputs.h - Tensor elements from fuzzer bytes ---------*- C++ -*-===//
//
// Part of fp4-mlir. Shared by the numerics and differential fuzz targets:
// elements are either raw bit patterns (NaN, Inf and denormals anywhere) or
// small integers times a power of two (realistic blocks, with ties, outliers,
// +-Inf and values near FLT_MAX mixed in).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_FUZZ_FUZZINPUTS_H
#define FP4_FUZZ_FUZZINPUTS_H

#include "fp4/Numerics/Float16.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace fp4fuzz {

inline void writeElement(std::vector<uint8_t> &buf, mlir::fp4::ElementType type,
                         uint64_t i, float v) {
  using mlir::fp4::ElementType;
  if (type == ElementType::F32) {
    std::memcpy(&buf[4 * i], &v, 4);
    return;
  }
  uint16_t h = type == ElementType::BF16 ? mlir::fp4::floatToBF16(v)
                                         : mlir::fp4::floatToF16(v);
  std::memcpy(&buf[2 * i], &h, 2);
}

/// `count` elements of `type`, consuming bytes from `in` (zeros once it is
/// exhausted).
inline std::vector<uint8_t> fuzzElements(FuzzedDataProvider &in,
                                         mlir::fp4::ElementType type,
                                         uint64_t count) {
  std::vector<uint8_t> buf(count * mlir::fp4::elementSize(type), 0);
  bool rawBits = in.ConsumeBool();
  int exponent = in.ConsumeIntegralInRange<int>(-140, 130);
  if (rawBits) {
    std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(buf.size());
    std::copy(bytes.begin(), bytes.end(), buf.begin());
    return buf;
  }
  for (uint64_t i = 0; i < count && in.remaining_bytes(); ++i) {
    int8_t k = in.ConsumeIntegral<int8_t>();
    float v = std::ldexp(static_cast<float>(k), exponent);
    if (k == -128) // A few specials and outliers.
      v = (i & 1) ? INFINITY : 3.3e38f;
    writeElement(buf, type, i, v);
  }
  return buf;
}

} // namespace fp4fuzz

#endif // FP4_FUZZ_FUZZINPUTS_H
