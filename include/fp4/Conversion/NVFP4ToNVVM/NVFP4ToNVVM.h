//===- NVFP4ToNVVM.h - nvfp4 to NVIDIA GPU kernels --------------*- C++ -*-===//
//
// Part of fp4-mlir. The GPU lowering of the nvfp4 dialect, for Blackwell
// (sm_100a) and Hopper (sm_90a); see ConvertNVFP4ToNVVMPass in
// fp4/Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CONVERSION_NVFP4TONVVM_NVFP4TONVVM_H
#define FP4_CONVERSION_NVFP4TONVVM_NVFP4TONVVM_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace fp4 {

/// The GPUs the lowering targets. They share the kernels except for the
/// tensor-core instructions and the E2M1 convert, which only sm_100a has.
enum class GpuChip { SM90a, SM100a };

/// "sm_90a" / "sm_100a".
const char *gpuChipName(GpuChip chip);

/// How a kernel launched by the lowering uses each of its operands: the
/// launch carries one value per operand in the dense i32 array attribute
/// kOperandAccessAttrName; fp4-stage-device-buffers copies in what is read
/// and copies back what is written (without it: every memref, both ways).
enum OperandAccess : int32_t {
  kAccessNone = 0,
  kRead = 1,
  kWrite = 2,
  kReadWrite = 3
};
inline constexpr const char *kOperandAccessAttrName = "fp4.operand_access";

#define GEN_PASS_DECL_CONVERTNVFP4TONVVMPASS
#define GEN_PASS_DECL_STAGEDEVICEBUFFERSPASS
#include "fp4/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite nvfp4.scaled_matmul, nvfp4.quantize and
/// nvfp4.dequantize (static shapes) into kernel launches for `chip`, with
/// device buffers and copies around them; the kernels go to the gpu.module
/// @nvfp4_kernels of the enclosing module.
void populateNVFP4ToNVVMPatterns(RewritePatternSet &patterns,
                                 GpuChip chip = GpuChip::SM100a);

} // namespace fp4
} // namespace mlir

#endif // FP4_CONVERSION_NVFP4TONVVM_NVFP4TONVVM_H
