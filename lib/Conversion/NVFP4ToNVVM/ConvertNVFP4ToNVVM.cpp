//===- ConvertNVFP4ToNVVM.cpp - The convert-nvfp4-to-nvvm pass ------------===//
//
// Part of fp4-mlir. The pass only; the patterns live in ScaledMmaPatterns.cpp,
// QuantizePatterns.cpp, DequantizePatterns.cpp and AttentionRowsPatterns.cpp.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"

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

const char *mlir::fp4::gpuChipName(GpuChip chip) {
  return chip == GpuChip::SM100a ? "sm_100a" : "sm_90a";
}

void mlir::fp4::populateNVFP4ToNVVMPatterns(RewritePatternSet &patterns,
                                            GpuChip chip) {
  nvfp4::nvvm_lowering::populateScaledMmaPatterns(patterns, chip);
  nvfp4::nvvm_lowering::populateQuantizePatterns(patterns, chip);
  nvfp4::nvvm_lowering::populateDequantizePatterns(patterns, chip);
  nvfp4::nvvm_lowering::populateAttentionRowsPatterns(patterns, chip);
}

namespace {
/// The chip of an existing kernel module's NVVM target, if any.
std::optional<StringRef> kernelModuleChip(ModuleOp module) {
  auto kernels = module.lookupSymbol<gpu::GPUModuleOp>(
      nvfp4::nvvm_lowering::kKernelModule);
  if (!kernels || !kernels.getTargets())
    return std::nullopt;
  for (Attribute target : *kernels.getTargets())
    if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(target))
      return nvvm.getChip();
  return std::nullopt;
}

struct ConvertNVFP4ToNVVMPass
    : fp4::impl::ConvertNVFP4ToNVVMPassBase<ConvertNVFP4ToNVVMPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (std::optional<StringRef> existing = kernelModuleChip(module);
        existing && *existing != fp4::gpuChipName(chip)) {
      module.emitError() << "the module's gpu.module @"
                         << nvfp4::nvvm_lowering::kKernelModule << " targets "
                         << *existing
                         << ", but convert-nvfp4-to-nvvm was asked for chip="
                         << fp4::gpuChipName(chip);
      return signalPassFailure();
    }
    bool unsupported = false;
    module.walk([&](Operation *op) {
      std::optional<std::string> reason;
      if (auto matmul = dyn_cast<nvfp4::ScaledMatmulOp>(op))
        reason = nvfp4::nvvm_lowering::unsupportedReason(matmul, chip);
      else if (auto quantize = dyn_cast<nvfp4::QuantizeOp>(op))
        reason = nvfp4::nvvm_lowering::unsupportedReason(quantize);
      else if (auto dequantize = dyn_cast<nvfp4::DequantizeOp>(op))
        reason = nvfp4::nvvm_lowering::unsupportedReason(dequantize);
      if (reason) {
        op->emitOpError() << *reason;
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    fp4::populateNVFP4ToNVVMPatterns(patterns, chip);
    GreedyRewriteConfig config;
    // Kernels are added to a gpu.module beside the rewritten op.
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    if (failed(applyPatternsGreedily(module, std::move(patterns), config)))
      return signalPassFailure();
    WalkResult left = module.walk([](Operation *op) {
      if (!isa<nvfp4::ScaledMatmulOp, nvfp4::QuantizeOp, nvfp4::DequantizeOp,
               nvfp4::AttentionRowsOp>(op))
        return WalkResult::advance();
      op->emitOpError() << "was not lowered by convert-nvfp4-to-nvvm";
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
