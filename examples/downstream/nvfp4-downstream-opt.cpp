//===- nvfp4-downstream-opt.cpp - A downstream tool embedding fp4-mlir ----===//
//
// Built against the installed FP4MLIR CMake package: an mlir-opt style tool
// of another project that registers the nvfp4 dialect and lowers nvfp4 ops in
// a pass of its own with fp4-mlir's public populateNVFP4ToArithPatterns.
//
//===----------------------------------------------------------------------===//

#include "fp4/Conversion/NVFP4ToArith/NVFP4ToArith.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace {
/// The downstream project's own lowering, built from fp4-mlir's patterns.
/// (A real project declares its passes in a Passes.td; one file keeps the
/// example small.)
struct DownstreamLowerNVFP4Pass
    : PassWrapper<DownstreamLowerNVFP4Pass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DownstreamLowerNVFP4Pass)

  StringRef getArgument() const final { return "downstream-lower-nvfp4"; }
  StringRef getDescription() const final {
    return "Lower nvfp4 ops with fp4::populateNVFP4ToArithPatterns";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, bufferization::BufferizationDialect,
                    linalg::LinalgDialect, math::MathDialect,
                    memref::MemRefDialect, scf::SCFDialect,
                    tensor::TensorDialect, vector::VectorDialect>();
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    fp4::populateNVFP4ToArithPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

int main(int argc, char **argv) {
  DialectRegistry registry;
  registry.insert<func::FuncDialect, nvfp4::NVFP4Dialect>();
  PassRegistration<DownstreamLowerNVFP4Pass>();
  return asMainReturnCode(MlirOptMain(
      argc, argv, "A downstream tool built on the FP4MLIR package\n",
      registry));
}
