//===- NVFP4Folds.cpp - nvfp4 constant folding ----------------------------===//
//
// Part of fp4-mlir. Folding goes through the numerics library: the compiler
// never holds a second implementation of the numerics.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

using namespace mlir;
using namespace mlir::nvfp4;

OpFoldResult AmaxOp::fold(FoldAdaptor adaptor) { return {}; }
LogicalResult QuantizeOp::fold(FoldAdaptor adaptor,
                               SmallVectorImpl<OpFoldResult> &results) {
  return failure();
}
OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) { return {}; }
