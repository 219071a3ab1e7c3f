//===- PopulatePatterns.h - NVFP4ToArith pattern families -------*- C++ -*-===//
//
// Part of fp4-mlir. The op-family pattern sets that
// populateNVFP4ToArithPatterns combines, and the buffer plumbing they share.
// Private to the NVFP4ToArith lowering.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_POPULATEPATTERNS_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_POPULATEPATTERNS_H

#include "BufferPlumbing.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::nvfp4::arith_lowering {

void populateAmaxPatterns(RewritePatternSet &patterns);
void populateQuantizePatterns(RewritePatternSet &patterns);
void populateDequantizePatterns(RewritePatternSet &patterns);
void populateScaledMatmulPatterns(RewritePatternSet &patterns);
void populateAttentionRowsPatterns(RewritePatternSet &patterns);

} // namespace mlir::nvfp4::arith_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_POPULATEPATTERNS_H
