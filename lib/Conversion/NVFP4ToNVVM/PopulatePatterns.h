//===- PopulatePatterns.h - NVFP4ToNVVM pattern families --------*- C++ -*-===//
//
// Part of fp4-mlir. Private to the NVFP4ToNVVM lowering.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <string>

namespace mlir::nvfp4::nvvm_lowering {

/// The gpu.module that receives the generated kernels.
inline constexpr llvm::StringLiteral kKernelModule = "nvfp4_kernels";

/// Why `op` cannot become a tcgen05 kernel, or std::nullopt.
std::optional<std::string> unsupportedReason(ScaledMatmulOp op);
/// Why `op` cannot become sm_100a kernels, or std::nullopt.
std::optional<std::string> unsupportedReason(QuantizeOp op);

/// The gpu.module @nvfp4_kernels of `module` (sm_100a, +ptx88), created on
/// first use; marks `module` as a GPU container module.
gpu::GPUModuleOp getKernelModule(ModuleOp module, OpBuilder &b);

void populateScaledMmaPatterns(RewritePatternSet &patterns);
void populateQuantizePatterns(RewritePatternSet &patterns);

} // namespace mlir::nvfp4::nvvm_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H
