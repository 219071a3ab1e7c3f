//===- DequantizePatterns.cpp - nvfp4.dequantize to arith/vector/scf ------===//
//
// dequantize(tensorScale) of the library: an scf.parallel loop over blocks,
// each decoded by emitDequantizeBlock.
//
//===----------------------------------------------------------------------===//

#include "ArithNumerics.h"
#include "BufferPlumbing.h"
#include "DequantizeEmitter.h"
#include "PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace {

struct DequantizeLowering : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    std::optional<DequantizeShape> shape = getDequantizeShape(op);
    if (!shape)
      return rewriter.notifyMatchFailure(op, "unknown scale type");

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto index = [&](ImplicitLocOpBuilder &ib, int64_t v) {
      return arith::ConstantIndexOp::create(ib, v);
    };
    Value data = readBuffer(b, op.getData());
    Value scales = readBuffer(b, op.getScales());
    Value out = allocBuffer(b, resultType);
    Value tensorScale = op.getTensorScale();
    scf::ParallelOp::create(
        b, ValueRange{index(b, 0), index(b, 0)},
        ValueRange{index(b, shape->rows), index(b, shape->blockCols)},
        ValueRange{index(b, 1), index(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          emitDequantizeBlock(ib, shape->format, shape->layout, data, scales,
                              tensorScale, out, ivs[0], ivs[1]);
        });
    rewriter.replaceOp(op, bufferToTensor(b, out, resultType));
    return success();
  }
};
} // namespace

void mlir::nvfp4::arith_lowering::populateDequantizePatterns(
    RewritePatternSet &patterns) {
  patterns.add<DequantizeLowering>(patterns.getContext());
}
