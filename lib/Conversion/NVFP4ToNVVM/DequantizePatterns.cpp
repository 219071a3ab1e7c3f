//===- DequantizePatterns.cpp - nvfp4.dequantize to a GPU kernel ----------===//
//
// One thread per block runs the portable lowering's block code
// (emitDequantizeBlock: the library's order, so the bytes are the
// library's); the same kernel on sm_90a and sm_100a. The tensor scale is a
// kernel argument.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "BufferPlumbing.h"
#include "DequantizeEmitter.h"
#include "ThreadKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace mlir::nvfp4::nvvm_lowering {

namespace {
struct DequantizeToGpu : OpRewritePattern<DequantizeOp> {
  DequantizeToGpu(MLIRContext *context, fp4::GpuChip chip)
      : OpRewritePattern(context), chip(chip) {}

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ModuleOp> module =
        kernelHostModule(op, unsupportedReason(op), rewriter);
    if (failed(module))
      return failure();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    std::optional<DequantizeShape> shape = getDequantizeShape(op);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "unknown scale type");
    Format format = shape->format;
    ScaleLayout layout = shape->layout;
    int64_t rows = shape->rows, cols = shape->cols;
    int64_t blockCols = shape->blockCols;

    MemRefType dataType = bufferType(op.getData().getType()),
               scaleType = bufferType(op.getScales().getType()),
               outType = bufferType(resultType);
    std::string name = std::string("dequantize_") +
                       (format == Format::nvfp4 ? "nvfp4_" : "mxfp4_") +
                       std::to_string(rows) + "x" + std::to_string(cols) + "_" +
                       typeName(resultType.getElementType()) +
                       (layout == ScaleLayout::tcgen05 ? "_tcgen05" : "");
    gpu::GPUModuleOp kernels = getKernelModule(*module, rewriter, chip);
    gpu::GPUFuncOp kernel = getOrCreateKernel(
        kernels, op.getLoc(), name,
        {dataType, scaleType, rewriter.getF32Type(), outType}, {},
        [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp func) {
          forEachItem(
              b, rows * blockCols, [&](ImplicitLocOpBuilder &ib, Value gid) {
                Value n = arith::ConstantIndexOp::create(ib, blockCols);
                emitDequantizeBlock(ib, format, layout, func.getArgument(0),
                                    func.getArgument(1), func.getArgument(2),
                                    func.getArgument(3),
                                    arith::DivUIOp::create(ib, gid, n),
                                    arith::RemUIOp::create(ib, gid, n));
              });
        });

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value out = allocBuffer(b, resultType);
    launchKernel(b, kernel, {gridFor(rows * blockCols)}, kThreads,
                 ValueRange{readBuffer(b, op.getData()),
                            readBuffer(b, op.getScales()), op.getTensorScale(),
                            out},
                 {fp4::kRead, fp4::kRead, fp4::kAccessNone, fp4::kWrite});
    rewriter.replaceOp(op, bufferToTensor(b, out, resultType));
    return success();
  }

private:
  fp4::GpuChip chip;
};
} // namespace

std::optional<std::string> unsupportedReason(DequantizeOp op) {
  if (hasDynamicShapes(op))
    return std::string("has a dynamic dimension; convert-nvfp4-to-nvvm "
                       "supports static shapes only");
  return std::nullopt;
}

void populateDequantizePatterns(RewritePatternSet &patterns,
                                fp4::GpuChip chip) {
  patterns.add<DequantizeToGpu>(patterns.getContext(), chip);
}

} // namespace mlir::nvfp4::nvvm_lowering
