//===- AmaxPatterns.cpp - nvfp4.amax to a linalg reduction ----------------===//
//
// finiteAbsMax: max |x| over the finite elements (NaN and Inf count as 0).
// The values reduced are non-negative and never NaN, so their maximum does
// not depend on the order: a linalg.generic reduction, which any later
// tiling, vectorization or parallelization keeps bit-exact.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::nvfp4;

namespace {
struct AmaxLowering : OpRewritePattern<AmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AmaxOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    Type f32 = b.getF32Type();
    auto c = [&](OpBuilder &builder, Location loc, float v) {
      return arith::ConstantFloatOp::create(builder, loc, cast<FloatType>(f32),
                                            APFloat(v));
    };
    Value init = tensor::EmptyOp::create(b, ArrayRef<int64_t>{}, f32);
    init = linalg::FillOp::create(b, ValueRange{c(b, b.getLoc(), 0.0f)},
                                  ValueRange{init})
               .getResult(0);
    int64_t rank = inputType.getRank();
    SmallVector<AffineMap> maps{
        AffineMap::getMultiDimIdentityMap(rank, b.getContext()),
        AffineMap::get(rank, 0, b.getContext())};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    auto reduce = linalg::GenericOp::create(
        b, TypeRange{init.getType()}, ValueRange{op.getInput()},
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &nested, Location loc, ValueRange args) {
          Value x = args[0];
          if (!x.getType().isF32())
            x = arith::ExtFOp::create(nested, loc, f32, x);
          Value a = math::AbsFOp::create(nested, loc, x);
          Value finite = arith::CmpFOp::create(
              nested, loc, arith::CmpFPredicate::OLE, a, c(nested, loc, FLT_MAX));
          a = arith::SelectOp::create(nested, loc, finite, a,
                                      c(nested, loc, 0.0f));
          Value m = arith::MaxNumFOp::create(nested, loc, args[1], a);
          linalg::YieldOp::create(nested, loc, m);
        });
    rewriter.replaceOpWithNewOp<tensor::ExtractOp>(op, reduce.getResult(0),
                                                   ValueRange{});
    return success();
  }
};
} // namespace

void mlir::nvfp4::arith_lowering::populateAmaxPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AmaxLowering>(patterns.getContext());
}
