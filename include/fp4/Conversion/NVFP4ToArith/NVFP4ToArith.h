//===- NVFP4ToArith.h - nvfp4 to portable upstream dialects -----*- C++ -*-===//
//
// Part of fp4-mlir. The portable lowering of the nvfp4 dialect (see
// ConvertNVFP4ToArithPass in fp4/Conversion/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CONVERSION_NVFP4TOARITH_NVFP4TOARITH_H
#define FP4_CONVERSION_NVFP4TOARITH_NVFP4TOARITH_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace fp4 {

#define GEN_PASS_DECL_CONVERTNVFP4TOARITHPASS
#include "fp4/Conversion/Passes.h.inc"

/// Adds the patterns that rewrite nvfp4.amax, quantize, dequantize and
/// scaled_matmul with static shapes into arith/math/vector/scf/memref/linalg
/// code on bufferization.to_buffer / to_tensor boundaries. For use in a
/// greedy rewrite: quantize and scaled_matmul create nvfp4.amax and
/// nvfp4.dequantize ops that these patterns lower in turn.
void populateNVFP4ToArithPatterns(RewritePatternSet &patterns);

} // namespace fp4
} // namespace mlir

#endif // FP4_CONVERSION_NVFP4TOARITH_NVFP4TOARITH_H
