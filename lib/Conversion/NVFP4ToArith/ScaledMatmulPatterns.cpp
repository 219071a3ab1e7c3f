//===- ScaledMatmulPatterns.cpp - nvfp4.scaled_matmul to arith/vector/scf -===//
//
// The reference order of scaledMatmulReference (lib/Numerics/ScaledMatmul.cpp):
// both operands decoded to e2m1 * scale (nvfp4.dequantize with g = 1, which
// is exact), then for every (m, n) the products a[m][k] * b[n][k] summed in
// fp32 for k = 0 .. K-1 from 0, and the sum multiplied by gA * gB. Lanes of
// a vector hold different n, so each lane keeps its own sequential sum; B is
// transposed once so that those lanes are contiguous.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace {
struct ScaledMatmulLowering : OpRewritePattern<ScaledMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScaledMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    int64_t m = resultType.getDimSize(0), n = resultType.getDimSize(1);
    int64_t k =
        2 * cast<RankedTensorType>(op.getLhs().getType()).getDimSize(1);
    // Lanes across n: the widest of 16, 8, 4, 2, 1 that divides N.
    int64_t lanes = 16;
    while (n % lanes != 0)
      lanes /= 2;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type f32 = b.getF32Type();
    auto index = [](ImplicitLocOpBuilder &ib, int64_t v) {
      return arith::ConstantIndexOp::create(ib, v);
    };
    Value one = arith::ConstantFloatOp::create(b, cast<FloatType>(f32),
                                               APFloat(1.0f));
    Value a = DequantizeOp::create(b, RankedTensorType::get({m, k}, f32),
                                   op.getLhs(), op.getLhsScales(), one);
    Value bRows = DequantizeOp::create(b, RankedTensorType::get({n, k}, f32),
                                       op.getRhs(), op.getRhsScales(), one);
    Value bInit = tensor::EmptyOp::create(b, ArrayRef<int64_t>{k, n}, f32);
    Value bCols = linalg::TransposeOp::create(b, bRows, bInit,
                                              ArrayRef<int64_t>{1, 0})
                      .getResult()[0];
    Value aBuf = readBuffer(b, a);
    Value bBuf = readBuffer(b, bCols);
    Value out = allocBuffer(b, resultType);
    Value g = arith::MulFOp::create(b, op.getLhsTensorScale(),
                                    op.getRhsTensorScale());
    auto laneType = VectorType::get({lanes}, f32);
    scf::ParallelOp::create(
        b, ValueRange{index(b, 0), index(b, 0)},
        ValueRange{index(b, m), index(b, n / lanes)},
        ValueRange{index(b, 1), index(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value row = ivs[0];
          Value col = arith::MulIOp::create(ib, ivs[1], index(ib, lanes));
          Value zero = arith::ConstantOp::create(
              ib, DenseElementsAttr::get(laneType, ib.getF32FloatAttr(0.0f)));
          auto sum = scf::ForOp::create(
              ib, index(ib, 0), index(ib, k), index(ib, 1), ValueRange{zero},
              [&](OpBuilder &inner, Location innerLoc, Value kk,
                  ValueRange acc) {
                ImplicitLocOpBuilder kb(innerLoc, inner);
                Value lhs = vector::BroadcastOp::create(
                    kb, laneType,
                    memref::LoadOp::create(kb, aBuf, ValueRange{row, kk}));
                Value rhs = vector::LoadOp::create(kb, laneType, bBuf,
                                                   ValueRange{kk, col});
                Value product = arith::MulFOp::create(kb, lhs, rhs);
                scf::YieldOp::create(
                    kb, ValueRange{arith::AddFOp::create(kb, acc[0], product)});
              });
          Value result = arith::MulFOp::create(
              ib, sum.getResult(0),
              vector::BroadcastOp::create(ib, laneType, g));
          Type element = resultType.getElementType();
          if (!element.isF32())
            result = arith::TruncFOp::create(
                ib, VectorType::get({lanes}, element), result);
          vector::StoreOp::create(ib, result, out, ValueRange{row, col});
        });
    rewriter.replaceOp(op, bufferToTensor(b, out, resultType));
    return success();
  }
};
} // namespace

void mlir::nvfp4::arith_lowering::populateScaledMatmulPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ScaledMatmulLowering>(patterns.getContext());
}
