//===- PopulatePatterns.h - NVFP4ToNVVM pattern families --------*- C++ -*-===//
//
// Part of fp4-mlir. Private to the NVFP4ToNVVM lowering.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/IR/PatternMatch.h"

#include <optional>
#include <string>

namespace mlir::nvfp4::nvvm_lowering {

/// The gpu.module that receives the generated kernels.
inline constexpr llvm::StringLiteral kKernelModule = "nvfp4_kernels";

/// Why `op` cannot become a tcgen05 kernel, or std::nullopt.
std::optional<std::string> unsupportedReason(ScaledMatmulOp op);

void populateScaledMmaPatterns(RewritePatternSet &patterns);

} // namespace mlir::nvfp4::nvvm_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_POPULATEPATTERNS_H
