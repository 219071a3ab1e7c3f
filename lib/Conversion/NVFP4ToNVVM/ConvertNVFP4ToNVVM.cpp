//===- ConvertNVFP4ToNVVM.cpp - The convert-nvfp4-to-nvvm pass ------------===//
//
// Part of fp4-mlir. The pass only; the patterns live in ScaledMmaPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"
#include "PopulatePatterns.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_CONVERTNVFP4TONVVMPASS
#include "fp4/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

void mlir::fp4::populateNVFP4ToNVVMPatterns(RewritePatternSet &patterns) {
  nvfp4::nvvm_lowering::populateScaledMmaPatterns(patterns);
  nvfp4::nvvm_lowering::populateQuantizePatterns(patterns);
}

namespace {
struct ConvertNVFP4ToNVVMPass
    : fp4::impl::ConvertNVFP4ToNVVMPassBase<ConvertNVFP4ToNVVMPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool unsupported = false;
    module.walk([&](Operation *op) {
      std::optional<std::string> reason;
      if (auto matmul = dyn_cast<nvfp4::ScaledMatmulOp>(op))
        reason = nvfp4::nvvm_lowering::unsupportedReason(matmul);
      else if (auto quantize = dyn_cast<nvfp4::QuantizeOp>(op))
        reason = nvfp4::nvvm_lowering::unsupportedReason(quantize);
      if (reason) {
        op->emitOpError() << *reason;
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    fp4::populateNVFP4ToNVVMPatterns(patterns);
    GreedyRewriteConfig config;
    // Kernels are added to a gpu.module beside the rewritten op.
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(module, std::move(patterns), config)))
      return signalPassFailure();
    WalkResult left = module.walk([](Operation *op) {
      if (!isa<nvfp4::ScaledMatmulOp, nvfp4::QuantizeOp>(op))
        return WalkResult::advance();
      op->emitOpError() << "was not lowered by convert-nvfp4-to-nvvm";
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
