//===- ConvertNVFP4ToArith.cpp - The convert-nvfp4-to-arith pass ----------===//
//
// Part of fp4-mlir. The pass only; the patterns live in the op-family files
// (PopulatePatterns.h).
//
//===----------------------------------------------------------------------===//

#include "fp4/Conversion/NVFP4ToArith/NVFP4ToArith.h"
#include "PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_CONVERTNVFP4TOARITHPASS
#include "fp4/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

void mlir::fp4::populateNVFP4ToArithPatterns(RewritePatternSet &patterns) {
  nvfp4::arith_lowering::populateAmaxPatterns(patterns);
  nvfp4::arith_lowering::populateQuantizePatterns(patterns);
  nvfp4::arith_lowering::populateDequantizePatterns(patterns);
  nvfp4::arith_lowering::populateScaledMatmulPatterns(patterns);
  nvfp4::arith_lowering::populateAttentionRowsPatterns(patterns);
}

namespace {
struct ConvertNVFP4ToArithPass
    : fp4::impl::ConvertNVFP4ToArithPassBase<ConvertNVFP4ToArithPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    // Report every op the patterns cannot take, with its location.
    bool unsupported = false;
    root->walk([&](Operation *op) {
      if (!isa<nvfp4::QuantizeOp, nvfp4::DequantizeOp,
               nvfp4::ScaledMatmulOp, nvfp4::AttentionRowsOp>(op))
        return;
      if (nvfp4::hasDynamicShapes(op)) {
        op->emitOpError()
            << "has a dynamic dimension; convert-nvfp4-to-arith supports "
               "static shapes only";
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();

    RewritePatternSet patterns(&getContext());
    fp4::populateNVFP4ToArithPatterns(patterns);
    if (failed(applyPatternsGreedily(root, std::move(patterns))))
      return signalPassFailure();
    WalkResult left = root->walk([](Operation *op) {
      if (isa<nvfp4::NVFP4Dialect>(op->getDialect())) {
        InFlightDiagnostic diag = op->emitOpError()
                                  << "was not lowered by convert-nvfp4-to-arith";
        if (isa<nvfp4::AttentionOp>(op))
          diag << " (nvfp4-decompose-attention lowers it to ops this pass "
                  "takes; nvfp4-lower-to-cpu runs both)";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
