//===- ScaledMatmul.cpp - Reference block-scaled matmul -------------------===//

#include "fp4/Numerics/ScaledMatmul.h"

#include <vector>

namespace mlir::fp4 {

std::string scaledMatmulReference(const QuantizedMatrix &a,
                                  const QuantizedMatrix &b, uint64_t m,
                                  uint64_t n, uint64_t k, Format format,
                                  ScaleLayout layout, float *out) {
  std::vector<float> da(m * k), db(n * k);
  // Decoding with tensor scale 1 gives e2m1 * scale exactly.
  std::string error =
      dequantize(a.values, a.scales, m, k, format, layout, 1.0f, da.data());
  if (error.empty())
    error =
        dequantize(b.values, b.scales, n, k, format, layout, 1.0f, db.data());
  if (!error.empty())
    return error;
  const float g = a.tensorScale * b.tensorScale;
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (uint64_t kk = 0; kk < k; ++kk)
        acc = acc + da[i * k + kk] * db[j * k + kk];
      out[i * n + j] = acc * g;
    }
  return "";
}

} // namespace mlir::fp4
