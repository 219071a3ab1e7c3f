//===- ScaledMmaPatterns.cpp - nvfp4.scaled_matmul to a tcgen05 launch ----===//
//
// The host side of the sm_100a lowering: operands enter through
// bufferization.to_buffer, the result is a fresh buffer returned through
// bufferization.to_tensor, and a gpu.launch_func runs the kernel of
// ScaledMmaKernel.cpp on a (M / 128) x (N / BN) grid of 128-thread CTAs.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "BufferPlumbing.h"
#include "ScaledMmaKernel.h"

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

std::optional<std::string> unsupportedReason(ScaledMatmulOp op) {
  if (hasDynamicShapes(op))
    return std::string("has a dynamic dimension; convert-nvfp4-to-nvvm "
                       "supports static shapes only");
  auto scales = cast<RankedTensorType>(op.getLhsScales().getType());
  if (scales.getRank() != 5)
    return std::string(
        "needs scales in the tcgen05 layout for the tensor cores; quantize "
        "with scale_layout = #nvfp4.scale_layout<tcgen05>");
  return std::nullopt;
}

/// The gpu.module that holds the kernels, created on first use.
gpu::GPUModuleOp getKernelModule(ModuleOp module, OpBuilder &b) {
  if (auto existing = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModule))
    return existing;
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto target = NVVM::NVVMTargetAttr::get(
      b.getContext(), /*optLevel=*/3, "nvptx64-nvidia-cuda", "sm_100a",
      "+ptx88");
  return gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule,
                                  b.getArrayAttr({target}));
}

/// The kernel of `config`, parsed into `kernels` unless already there.
static FailureOr<gpu::GPUFuncOp>
getKernel(gpu::GPUModuleOp kernels, const fp4::tcgen05::ScaledMmaConfig &config,
          Operation *user) {
  std::string name = config.kernelName();
  if (auto existing = kernels.lookupSymbol<gpu::GPUFuncOp>(name))
    return existing;
  std::string error;
  std::string body = fp4::tcgen05::scaledMmaKernelSource(config, error);
  if (body.empty())
    return user->emitOpError() << error;
  std::string source = "gpu.module @parsed [#nvvm.target<chip = \"sm_100a\", "
                       "features = \"+ptx88\">] {\n" +
                       body + "\n}\n";
  ParserConfig parserConfig(kernels.getContext());
  OwningOpRef<Operation *> parsed =
      parseSourceString(source, parserConfig, "scaled-mma-kernel");
  if (!parsed)
    return user->emitOpError() << "internal error: the tcgen05 kernel "
                                  "template did not parse";
  auto parsedKernels = dyn_cast<gpu::GPUModuleOp>(parsed.get());
  if (!parsedKernels)
    return user->emitOpError() << "internal error: the tcgen05 kernel "
                                  "template is not a gpu.module";
  for (Operation &op :
       llvm::make_early_inc_range(parsedKernels.getBody()->getOperations()))
    op.moveBefore(kernels.getBody(), kernels.getBody()->end());
  return kernels.lookupSymbol<gpu::GPUFuncOp>(name);
}

namespace {
struct ScaledMatmulToTcgen05 : OpRewritePattern<ScaledMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScaledMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (std::optional<std::string> reason = unsupportedReason(op))
      return rewriter.notifyMatchFailure(op, *reason);
    auto module = op->getParentOfType<ModuleOp>();
    if (!module)
      return rewriter.notifyMatchFailure(op, "not inside a module");
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto scalesType = cast<RankedTensorType>(op.getLhsScales().getType());
    fp4::tcgen05::ScaledMmaConfig config;
    config.m = resultType.getDimSize(0);
    config.n = resultType.getDimSize(1);
    config.k = 2 * cast<RankedTensorType>(op.getLhs().getType()).getDimSize(1);
    config.tileN = config.n % 256 == 0 ? 256 : 128;
    config.nvfp4 = isa<Float8E4M3FNType>(scalesType.getElementType());
    config.bf16Result = resultType.getElementType().isBF16();

    gpu::GPUModuleOp kernels = getKernelModule(module, rewriter);
    FailureOr<gpu::GPUFuncOp> kernel = getKernel(kernels, config, op);
    if (failed(kernel))
      return failure();

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    using arith_lowering::readBuffer;
    Value out = arith_lowering::allocBuffer(b, resultType);
    Value g = arith::MulFOp::create(b, op.getLhsTensorScale(),
                                    op.getRhsTensorScale());
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, v).getResult();
    };
    gpu::KernelDim3 grid{index(config.m / 128), index(config.n / config.tileN),
                         index(1)};
    gpu::KernelDim3 block{index(128), index(1), index(1)};
    gpu::LaunchFuncOp::create(
        b, *kernel, grid, block, /*dynamicSharedMemorySize=*/Value(),
        ValueRange{readBuffer(b, op.getLhs()), readBuffer(b, op.getLhsScales()),
                   readBuffer(b, op.getRhs()), readBuffer(b, op.getRhsScales()),
                   out, g});
    rewriter.replaceOp(op, arith_lowering::bufferToTensor(b, out, resultType));
    return success();
  }
};
} // namespace

void populateScaledMmaPatterns(RewritePatternSet &patterns) {
  patterns.add<ScaledMatmulToTcgen05>(patterns.getContext());
}

} // namespace mlir::nvfp4::nvvm_lowering
