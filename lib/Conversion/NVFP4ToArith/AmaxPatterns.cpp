//===- AmaxPatterns.cpp - nvfp4.amax to a linalg reduction ----------------===//
//
// finiteAbsMax: max |x| over the finite elements (NaN and Inf count as 0).
// The values reduced are non-negative and never NaN, so their maximum does
// not depend on the order. Static shapes whose size is a multiple of 16 get
// a vector<16xf32> running-max loop over the flattened buffer; other shapes
// (dynamic ones included) a linalg.generic reduction, which any later tiling,
// vectorization or parallelization keeps bit-exact.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "QuantizeEmitter.h"


#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace {
constexpr int64_t kLanes = 16;

/// The vector loop over a flattened static buffer of n = 16k elements.
Value vectorAmax(ImplicitLocOpBuilder &b, Value input, int64_t n) {
  auto type = cast<RankedTensorType>(input.getType());
  Value buffer = readBuffer(b, input);
  if (type.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < type.getRank(); ++i)
      all.push_back(i);
    buffer = memref::CollapseShapeOp::create(
        b, buffer, ArrayRef<ReassociationIndices>{all});
  }
  auto lanes = VectorType::get({kLanes}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, DenseElementsAttr::get(lanes, b.getF32FloatAttr(0.0f)));
  auto loop = scf::ForOp::create(
      b, arith::ConstantIndexOp::create(b, 0),
      arith::ConstantIndexOp::create(b, n),
      arith::ConstantIndexOp::create(b, kLanes), ValueRange{zero},
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange acc) {
        Value x = vector::LoadOp::create(
            nested, loc, VectorType::get({kLanes}, type.getElementType()),
            buffer, ValueRange{iv});
        Value m = arith::MaxNumFOp::create(nested, loc, acc[0],
                                           emitFiniteAbs(nested, loc, x));
        scf::YieldOp::create(nested, loc, m);
      });
  return vector::ReductionOp::create(b, vector::CombiningKind::MAXNUMF,
                                     loop.getResult(0));
}

struct AmaxLowering : OpRewritePattern<AmaxOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AmaxOp op,
                                PatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto inputType = cast<RankedTensorType>(op.getInput().getType());
    if (inputType.hasStaticShape() && inputType.getNumElements() > 0 &&
        inputType.getNumElements() % kLanes == 0) {
      rewriter.replaceOp(
          op, vectorAmax(b, op.getInput(), inputType.getNumElements()));
      return success();
    }
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
          Value m = arith::MaxNumFOp::create(nested, loc, args[1],
                                             emitFiniteAbs(nested, loc, args[0]));
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
