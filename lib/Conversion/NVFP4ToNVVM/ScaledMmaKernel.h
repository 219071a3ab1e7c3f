//===- ScaledMmaKernel.h - The tcgen05 block-scaled matmul kernel -*- C++
//-*-===//
//
// Part of fp4-mlir. The sm_100a kernel that nvfp4.scaled_matmul lowers to:
// one CTA of 128 threads per 128 x BN output tile, a K loop of one
// tcgen05.mma.block_scale (K = 64) per step. Private to NVFP4ToNVVM.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_SCALEDMMAKERNEL_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_SCALEDMMAKERNEL_H

#include <cstdint>
#include <string>

namespace mlir::fp4::tcgen05 {

/// One kernel instantiation (all sizes static).
struct ScaledMmaConfig {
  int64_t m, n, k; ///< D is m x n; A is m x k, B is n x k (K-major).
  int64_t tileN;   ///< BN: 128 or 256 (n % tileN == 0).
  bool nvfp4;      ///< true: mxf4nvf4 + block16 (E4M3 scales); false: mxf4.
  bool bf16Result; ///< f32 or bf16 stores.

  /// A symbol name that identifies the instantiation.
  std::string kernelName() const;
};

/// The kernel as MLIR text: a gpu.func (and its shared-memory global) for a
/// gpu.module targeting sm_100a. Its arguments: A data (m x k/2 i8), A scales
/// (tcgen05 layout), B data, B scales, the output (m x n), and g = gA * gB.
/// Returns "" and sets `error` for a configuration the tiling cannot take.
std::string scaledMmaKernelSource(const ScaledMmaConfig &config,
                                  std::string &error);

} // namespace mlir::fp4::tcgen05

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_SCALEDMMAKERNEL_H
