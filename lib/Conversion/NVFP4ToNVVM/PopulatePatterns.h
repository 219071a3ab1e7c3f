//===- PopulatePatterns.h - NVFP4ToNVVM pattern families --------*- C++ -*-===//
//
// Part of fp4-mlir. Private to the NVFP4ToNVVM lowering.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H

#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <string>

namespace mlir::nvfp4::nvvm_lowering {

/// The gpu.module that receives the generated kernels.
inline constexpr llvm::StringLiteral kKernelModule = "nvfp4_kernels";

/// The PTX feature the chip's kernels are generated with.
const char *ptxFeatures(fp4::GpuChip chip);

/// Why `op` cannot become kernels for `chip`, or std::nullopt.
std::optional<std::string> unsupportedReason(ScaledMatmulOp op,
                                             fp4::GpuChip chip);
std::optional<std::string> unsupportedReason(QuantizeOp op);
std::optional<std::string> unsupportedReason(DequantizeOp op);

/// The module that will hold `op`'s kernels, or a match failure with the
/// reason `op` cannot be lowered (`reason`, if any).
inline FailureOr<ModuleOp> kernelHostModule(Operation *op,
                                            std::optional<std::string> reason,
                                            PatternRewriter &rewriter) {
  if (reason)
    return rewriter.notifyMatchFailure(op, *reason);
  auto module = op->getParentOfType<ModuleOp>();
  if (!module)
    return rewriter.notifyMatchFailure(op, "not inside a module");
  return module;
}

/// The gpu.module @nvfp4_kernels of `module` (the chip's target), created
/// on first use; marks `module` as a GPU container module.
gpu::GPUModuleOp getKernelModule(ModuleOp module, OpBuilder &b,
                                 fp4::GpuChip chip);

void populateScaledMmaPatterns(RewritePatternSet &patterns, fp4::GpuChip chip);
void populateQuantizePatterns(RewritePatternSet &patterns, fp4::GpuChip chip);
void populateDequantizePatterns(RewritePatternSet &patterns, fp4::GpuChip chip);
void populateAttentionRowsPatterns(RewritePatternSet &patterns,
                                   fp4::GpuChip chip);

} // namespace mlir::nvfp4::nvvm_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H
