//===- ScaledMatmul.h - Reference block-scaled matmul -----------*- C++ -*-===//
//
// Part of fp4-mlir. The reference semantics of nvfp4.scaled_matmul: both
// operands decoded to e2m1 * block scale (exact in fp32), products summed in
// fp32 sequentially over k from 0, the sum multiplied by gA * gB.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_SCALEDMATMUL_H
#define FP4_NUMERICS_SCALEDMATMUL_H

#include "fp4/Numerics/BlockQuantize.h"

#include <cstdint>
#include <string>

namespace mlir::fp4 {

/// One quantized operand: rows x cols logical values, quantized along rows.
struct QuantizedMatrix {
  const uint8_t *values; ///< rows x cols/2 packed E2M1 bytes.
  const uint8_t *scales; ///< Block scales in `layout`.
  float tensorScale;     ///< g (decode scale).
};

/// out[i][j] = (sum_{k} a(i, k) * b(j, k)) * (a.g * b.g) for A (m x k) and
/// B (n x k), sum in fp32 for k = 0 .. k-1 starting from 0, where a(i, k) =
/// e2m1 * scale. Returns an error message for a bad shape, else "".
std::string scaledMatmulReference(const QuantizedMatrix &a,
                                  const QuantizedMatrix &b, uint64_t m,
                                  uint64_t n, uint64_t k, Format format,
                                  ScaleLayout layout, float *out);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_SCALEDMATMUL_H
