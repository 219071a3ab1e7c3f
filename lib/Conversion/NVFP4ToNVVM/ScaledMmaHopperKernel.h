//===- ScaledMmaHopperKernel.h - The sm_90a block-scaled matmul -*- C++ -*-===//
//
// Part of fp4-mlir. The sm_90a kernel that nvfp4.scaled_matmul lowers to:
// FP4 tiles are decoded (e2m1 x block scale) to bf16 in shared memory and
// multiplied with mma.sync m16n8k16 bf16 (fp32 accumulation). One CTA of 256
// threads per 256 (or 128) x 128 output tile, K steps of 64, two
// shared-memory stages.
// Any M and N; K a multiple of the block size. Private to NVFP4ToNVVM.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_SCALEDMMAHOPPERKERNEL_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_SCALEDMMAHOPPERKERNEL_H

#include <cstdint>
#include <string>

namespace mlir::fp4::hopper {

/// One kernel instantiation (all sizes static).
struct ScaledMmaConfig {
  int64_t m, n, k;    ///< D is m x n; A is m x k, B is n x k (K-major).
  bool nvfp4;         ///< true: E4M3 scales per 16; false: UE8M0 per 32.
  bool bf16Result;    ///< f32 or bf16 stores.
  bool tcgen05Layout; ///< Scales in the tcgen05 128x4 layout (5-D), else
                      ///< row-major (rows x k / block size).
  /// Rows of A per CTA: 256 (8 warps of 64 x 64, 1 CTA per SM) or 128 (8
  /// warps of 64 x 32, 2 CTAs per SM; the first version of the kernel).
  int64_t tileM = 256;
  /// Decode step s + 1 between the MMAs of step s (else after them); for
  /// tileM = 256 only (the 128-row tile keeps it after them).
  bool interleaveDecode = true;

  /// A symbol name that identifies the instantiation.
  std::string kernelName() const;
  /// The launch: gridX() x gridY() CTAs of threads() threads, with
  /// dynamicSharedBytes() bytes of dynamic shared memory (over 48 KiB: the
  /// launch must raise the kernel's dynamic shared-memory limit, as the MLIR
  /// CUDA runtime's mgpuLaunchKernel does).
  int64_t gridX() const;
  int64_t gridY() const;
  int64_t threads() const;
  int64_t dynamicSharedBytes() const;
};

/// The kernel as MLIR text: a gpu.func (and its dynamic shared-memory
/// global) for a gpu.module targeting sm_90a. Its arguments: A data
/// (m x k/2 i8), A scales, B data (n x k/2 i8), B scales, the output
/// (m x n), and g = gA * gB. Returns "" and sets `error` for a configuration
/// the kernel cannot take.
std::string scaledMmaKernelSource(const ScaledMmaConfig &config,
                                  std::string &error);

} // namespace mlir::fp4::hopper

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_SCALEDMMAHOPPERKERNEL_H
