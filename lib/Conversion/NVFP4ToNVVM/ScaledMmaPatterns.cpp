//===- ScaledMmaPatterns.cpp - nvfp4.scaled_matmul to a kernel launch -----===//
//
// The host side of the GPU matmul: operands enter through
// bufferization.to_buffer, the result is a fresh buffer returned through
// bufferization.to_tensor, and a gpu.launch_func runs the chip's kernel
// (sm_100a: the tcgen05 kernel of ScaledMmaKernel.cpp; sm_90a: the mma.sync
// kernel of ScaledMmaHopperKernel.cpp). fp4-stage-device-buffers later puts
// the operands in device memory.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "BufferPlumbing.h"
#include "ScaledMmaHopperKernel.h"
#include "ScaledMmaKernel.h"
#include "ThreadKernels.h"

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;
using namespace mlir::nvfp4;

namespace mlir::nvfp4::nvvm_lowering {

const char *ptxFeatures(fp4::GpuChip chip) {
  return chip == fp4::GpuChip::SM100a ? "+ptx88" : "+ptx80";
}

std::optional<std::string> unsupportedReason(ScaledMatmulOp op,
                                             fp4::GpuChip chip) {
  if (hasDynamicShapes(op))
    return std::string("has a dynamic dimension; convert-nvfp4-to-nvvm "
                       "supports static shapes only");
  auto scales = cast<RankedTensorType>(op.getLhsScales().getType());
  if (chip == fp4::GpuChip::SM100a && scales.getRank() != 5)
    return std::string(
        "needs scales in the tcgen05 layout for the sm_100a tensor cores; "
        "quantize with scale_layout = #nvfp4.scale_layout<tcgen05>");
  return std::nullopt;
}

/// The gpu.module that holds the kernels, created on first use.
gpu::GPUModuleOp getKernelModule(ModuleOp module, OpBuilder &b,
                                 fp4::GpuChip chip) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModule))
    return existing;
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto target = NVVM::NVVMTargetAttr::get(
      b.getContext(), /*optLevel=*/3, "nvptx64-nvidia-cuda",
      fp4::gpuChipName(chip), ptxFeatures(chip));
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule,
                                  b.getArrayAttr({target}));
}

namespace {
/// One matmul kernel: its MLIR text and launch geometry.
struct KernelPlan {
  std::string name, source;
  int64_t gridX, gridY, threads, dynamicSharedBytes;
};

FailureOr<KernelPlan> planKernel(ScaledMatmulOp op, fp4::GpuChip chip) {
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  auto scalesType = cast<RankedTensorType>(op.getLhsScales().getType());
  int64_t m = resultType.getDimSize(0), n = resultType.getDimSize(1);
  int64_t k = 2 * cast<RankedTensorType>(op.getLhs().getType()).getDimSize(1);
  bool nvfp4 = isa<Float8E4M3FNType>(scalesType.getElementType());
  bool bf16 = resultType.getElementType().isBF16();
  std::string error;
  KernelPlan plan;
  if (chip == fp4::GpuChip::SM100a) {
    fp4::tcgen05::ScaledMmaConfig config;
    config.m = m;
    config.n = n;
    config.k = k;
    config.tileN = n % 256 == 0 ? 256 : 128;
    config.nvfp4 = nvfp4;
    config.bf16Result = bf16;
    plan = {config.kernelName(),
            fp4::tcgen05::scaledMmaKernelSource(config, error),
            m / 128,
            n / config.tileN,
            128,
            0};
  } else {
    fp4::hopper::ScaledMmaConfig config;
    config.m = m;
    config.n = n;
    config.k = k;
    config.nvfp4 = nvfp4;
    config.bf16Result = bf16;
    config.tcgen05Layout = scalesType.getRank() == 5;
    plan = {
        config.kernelName(), fp4::hopper::scaledMmaKernelSource(config, error),
        config.gridX(),      config.gridY(),
        config.threads(),    config.dynamicSharedBytes()};
  }
  if (plan.source.empty())
    return op.emitOpError() << error;
  return plan;
}

/// The kernel of `plan`, parsed into `kernels` unless already there.
FailureOr<gpu::GPUFuncOp> getKernel(gpu::GPUModuleOp kernels,
                                    const KernelPlan &plan, fp4::GpuChip chip,
                                    Operation *user) {
  if (auto existing = kernels.lookupSymbol<gpu::GPUFuncOp>(plan.name))
    return existing;
  std::string source = std::string("gpu.module @parsed [#nvvm.target<chip = "
                                   "\"") +
                       fp4::gpuChipName(chip) + "\", features = \"" +
                       ptxFeatures(chip) + "\">] {\n" + plan.source + "\n}\n";
  ParserConfig parserConfig(kernels.getContext());
  OwningOpRef<Operation *> parsed =
      parseSourceString(source, parserConfig, "scaled-mma-kernel");
  if (!parsed)
    return user->emitOpError() << "internal error: the matmul kernel "
                                  "template did not parse";
  auto parsedKernels = dyn_cast<gpu::GPUModuleOp>(parsed.get());
  if (!parsedKernels)
    return user->emitOpError() << "internal error: the matmul kernel "
                                  "template is not a gpu.module";
  for (Operation &op :
       llvm::make_early_inc_range(parsedKernels.getBody()->getOperations()))
    op.moveBefore(kernels.getBody(), kernels.getBody()->end());
  return kernels.lookupSymbol<gpu::GPUFuncOp>(plan.name);
}

struct ScaledMatmulToGpu : OpRewritePattern<ScaledMatmulOp> {
  ScaledMatmulToGpu(MLIRContext *context, fp4::GpuChip chip)
      : OpRewritePattern(context), chip(chip) {}

  LogicalResult matchAndRewrite(ScaledMatmulOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ModuleOp> module =
        kernelHostModule(op, unsupportedReason(op, chip), rewriter);
    if (failed(module))
      return failure();
    FailureOr<KernelPlan> plan = planKernel(op, chip);
    if (failed(plan))
      return failure();
    gpu::GPUModuleOp kernels = getKernelModule(*module, rewriter, chip);
    FailureOr<gpu::GPUFuncOp> kernel = getKernel(kernels, *plan, chip, op);
    if (failed(kernel))
      return failure();

    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    using arith_lowering::readBuffer;
    Value g = arith::MulFOp::create(b, op.getLhsTensorScale(),
                                    op.getRhsTensorScale());
    Value out = arith_lowering::allocBuffer(b, resultType);
    launchKernel(b, *kernel, {plan->gridX, plan->gridY}, plan->threads,
                 ValueRange{readBuffer(b, op.getLhs()),
                            readBuffer(b, op.getLhsScales()),
                            readBuffer(b, op.getRhs()),
                            readBuffer(b, op.getRhsScales()), out, g},
                 {fp4::kRead, fp4::kRead, fp4::kRead, fp4::kRead, fp4::kWrite,
                  fp4::kAccessNone},
                 plan->dynamicSharedBytes);
    rewriter.replaceOp(op, arith_lowering::bufferToTensor(b, out, resultType));
    return success();
  }

private:
  fp4::GpuChip chip;
};
} // namespace

void populateScaledMmaPatterns(RewritePatternSet &patterns, fp4::GpuChip chip) {
  patterns.add<ScaledMatmulToGpu>(patterns.getContext(), chip);
}

} // namespace mlir::nvfp4::nvvm_lowering
