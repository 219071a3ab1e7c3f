//===- NVFP4ToNVVM.h - nvfp4 to Blackwell tcgen05 kernels -------*- C++ -*-===//
//
// Part of fp4-mlir. The sm_100a lowering of the nvfp4 dialect (see
// ConvertNVFP4ToNVVMPass in fp4/Conversion/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CONVERSION_NVFP4TONVVM_NVFP4TONVVM_H
#define FP4_CONVERSION_NVFP4TONVVM_NVFP4TONVVM_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace fp4 {

#define GEN_PASS_DECL_CONVERTNVFP4TONVVMPASS
#include "fp4/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite nvfp4.scaled_matmul (static shapes,
/// tcgen05 scale layout) into a launch of a tcgen05 kernel and
/// nvfp4.quantize (static shapes) into launches of amax and quantize
/// kernels; the kernels go to the gpu.module @nvfp4_kernels of the enclosing
/// module.
void populateNVFP4ToNVVMPatterns(RewritePatternSet &patterns);

} // namespace fp4
} // namespace mlir

#endif // FP4_CONVERSION_NVFP4TONVVM_NVFP4TONVVM_H
