//===- FusedKernelApi.h - Interface of the fused row kernel -----*- C++ -*-===//
//
// What quantize() (BlockQuantize.cpp) hands the fused kernel (FusedKernel.h),
// and the per-ISA entry points. Private to lib/Numerics.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_FUSEDKERNELAPI_H
#define FP4_NUMERICS_FUSEDKERNELAPI_H

#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/ScaleRules.h"

#include <cstdint>

namespace mlir::fp4::fused {

/// The tensor-wide parameters of one quantize() call.
struct KernelRule {
  Format format = Format::NVFP4;
  ScaleRule rule = ScaleRule::Static6;
  ErrorMetric metric = ErrorMetric::MSE;
  int radius = 1;
  TensorScale ts{};     ///< NVFP4 (tensorScaleForRule).
  int top = 0;          ///< Highest candidate code (0x7E or 254).
  uint64_t blockLen = 16;
  bool block2D = false;
  float infClamp = 0.0f; ///< +-Inf becomes +-infClamp.
  bool zeroTensor = false; ///< Every non-NaN block is zero.
  uint8_t nanByte = 0;
  /// The candidate table (makeCandidateTable) as arrays indexed by byte:
  /// tabR[b] = r, tabX[j * 256 + b] = xhat[j]. Unused for a zero tensor.
  const float *tabR = nullptr;
  const float *tabX = nullptr;
};

/// Quantizes one output row (or 16 rows for 2-D tiles) held as fp32,
/// `outCols` per row: packed codes into `values` (row stride
/// `valuesStride` bytes), one scale byte per block (tile) into `blockBytes`.
/// Returns the number of NaN blocks.
#define FP4_FUSED_DECL(NS)                                                     \
  namespace NS {                                                               \
  uint64_t quantizeRowGroup(const KernelRule &k, const float *rows,            \
                            uint64_t outCols, uint8_t *values,                 \
                            uint64_t valuesStride, uint8_t *blockBytes);       \
  }
FP4_FUSED_DECL(baseline)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FP4_FUSED_HAVE_AVX2 1
FP4_FUSED_DECL(avx2)
#endif
#undef FP4_FUSED_DECL

} // namespace mlir::fp4::fused

#endif // FP4_NUMERICS_FUSEDKERNELAPI_H
