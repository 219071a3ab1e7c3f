//===- QuantizePatterns.cpp - nvfp4.quantize to arith/vector/scf ----------===//
//
// nvfp4.quantize becomes, in the library's order (BlockQuantize.cpp): the
// tensor scale from amax (an nvfp4.amax op unless amax is given), then the
// candidate table and an scf.parallel loop over blocks (QuantizeEmitter).
// An invalid tensor scale (amax 0, or a calibrated amax that is not finite
// and positive) gives all-zero data, zero scales and g = 0, as the library.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "QuantizeEmitter.h"

#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/ScaleRules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace {
struct QuantizeLowering : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    fp4::QuantizeOptions o = getQuantizeOptions(op);
    auto dataType = cast<RankedTensorType>(op.getData().getType());
    auto scalesType = cast<RankedTensorType>(op.getScales().getType());
    QuantizeGeometry g = getQuantizeGeometry(op, o);
    QuantizeCodecs codecs;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto f32 = [&](float v) {
      return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
    };
    Value input = readBuffer(b, op.getInput());
    Value data = allocBuffer(b, dataType);
    Value scales = allocBuffer(b, scalesType);
    Value tensorScale;
    if (o.format == fp4::Format::MXFP4) {
      // No tensor scale: gEnc, gDec and amax are unused, the Inf clamp is
      // FLT_MAX.
      QuantizeEmitter emitter(b, o, g, op.getScaleLayout(), input, data,
                              scales, codecs);
      emitter.emitBlocks(f32(1.0f), f32(1.0f), f32(1.0f), f32(FLT_MAX));
      tensorScale = f32(1.0f);
    } else {
      Value amax = op.getAmax();
      if (!amax)
        amax = AmaxOp::create(b, b.getF32Type(), op.getInput());
      TensorScaleValues ts = emitTensorScale(b, o, amax);
      Value gEnc = ts.gEnc, gDec = ts.gDec, valid = ts.valid;
      scf::IfOp::create(
          b, valid,
          [&](OpBuilder &nested, Location loc) {
            ImplicitLocOpBuilder ib(loc, nested);
            QuantizeEmitter inner(ib, o, g, op.getScaleLayout(), input, data,
                                  scales, codecs);
            inner.emitBlocks(gEnc, gDec, amax, amax);
            scf::YieldOp::create(ib);
          },
          [&](OpBuilder &nested, Location loc) {
            ImplicitLocOpBuilder ib(loc, nested);
            QuantizeEmitter inner(ib, o, g, op.getScaleLayout(), input, data,
                                  scales, codecs);
            inner.emitZeroBlocks();
            scf::YieldOp::create(ib);
          });
      tensorScale = arith::SelectOp::create(b, valid, gDec, f32(0.0f));
    }
    rewriter.replaceOp(op, {bufferToTensor(b, data, dataType),
                            bufferToTensor(b, scales, scalesType),
                            tensorScale});
    return success();
  }
};
} // namespace

void mlir::nvfp4::arith_lowering::populateQuantizePatterns(
    RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering>(patterns.getContext());
}
