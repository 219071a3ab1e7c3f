//===- FusedKernelApi.h - Interface of the fused row kernel -----*- C++ -*-===//
//
// What quantize() (BlockQuantize.cpp) hands the fused kernel (FusedKernel.h),
// and the per-ISA entry points. Private to lib/Numerics.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_FUSEDKERNELAPI_H
#define FP4_NUMERICS_FUSEDKERNELAPI_H

#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/Float16.h"
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
  /// The candidate table (makeCandidateTable), 8 floats per byte b:
  /// tab[8b] = r, tab[8b + j] = xhat[j] for j = 1..7. Unused for a zero
  /// tensor.
  const float *tab = nullptr;
};

/// quantizeRowGroup: quantizes one output row (or 16 rows for 2-D tiles) of
/// `outCols` elements, fp32 or (`bf16`) bf16, `rowStride` elements apart:
/// packed codes into `values` (row stride `valuesStride` bytes), one scale
/// byte per block (tile) into `blockBytes`. Returns the number of NaN
/// blocks. finiteAbsMax: as mlir::fp4::finiteAbsMax (BlockQuantize.h).
#define FP4_FUSED_DECL(NS)                                                     \
  namespace NS {                                                               \
  uint64_t quantizeRowGroup(const KernelRule &k, const void *rows, bool bf16,  \
                            uint64_t rowStride, uint64_t outCols,              \
                            uint8_t *values, uint64_t valuesStride,            \
                            uint8_t *blockBytes);                              \
  float finiteAbsMax(const void *input, ElementType type, uint64_t count);     \
  }
FP4_FUSED_DECL(baseline)
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FP4_FUSED_HAVE_AVX2 1
FP4_FUSED_DECL(avx2)
#endif
#undef FP4_FUSED_DECL

} // namespace mlir::fp4::fused

#endif // FP4_NUMERICS_FUSEDKERNELAPI_H
