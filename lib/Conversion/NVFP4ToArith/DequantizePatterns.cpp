//===- DequantizePatterns.cpp - nvfp4.dequantize to arith/vector/scf ------===//
//
// dequantize(tensorScale) of the library: out = (e2m1 * scale) * g in fp32,
// then rounded to the result type. An scf.parallel loop over blocks; each
// 16-element chunk unpacks 8 bytes with one shuffle and decodes in vectors.
//
//===----------------------------------------------------------------------===//

#include "ArithNumerics.h"
#include "PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_numerics;
using namespace mlir::nvfp4::arith_lowering;

namespace {
constexpr int64_t kChunk = 16;

struct DequantizeLowering : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    auto scalesType = cast<RankedTensorType>(op.getScales().getType());
    std::optional<Format> format =
        getFormatForScaleType(scalesType.getElementType());
    if (!format)
      return rewriter.notifyMatchFailure(op, "unknown scale type");
    ScaleLayout layout = scalesType.getRank() == 5 ? ScaleLayout::tcgen05
                                                   : ScaleLayout::row_major;
    int64_t blockSize = getBlockSize(*format);
    int64_t rows = resultType.getDimSize(0), cols = resultType.getDimSize(1);

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
        ValueRange{index(b, rows), index(b, cols / blockSize)},
        ValueRange{index(b, 1), index(b, 1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          ImplicitLocOpBuilder ib(loc, nested);
          Value row = ivs[0], block = ivs[1];
          auto f32Chunk = VectorType::get({kChunk}, ib.getF32Type());
          Value byte = memref::LoadOp::create(
              ib, scales, scaleIndices(ib, layout, row, block));
          byte = arith::BitcastOp::create(ib, ib.getI8Type(), byte);
          Value scale = *format == Format::nvfp4 ? e4m3Decode(ib, byte)
                                                 : ue8m0Decode(ib, byte);
          Value scaleChunk = vector::BroadcastOp::create(ib, f32Chunk, scale);
          Value gChunk = vector::BroadcastOp::create(ib, f32Chunk, tensorScale);
          auto packedType = VectorType::get({kChunk / 2}, ib.getI8Type());
          SmallVector<int64_t> interleave;
          for (int64_t i = 0; i < kChunk / 2; ++i) {
            interleave.push_back(i);
            interleave.push_back(i + kChunk / 2);
          }
          Value col0 = arith::MulIOp::create(ib, block, index(ib, blockSize));
          for (int64_t k = 0; k < blockSize; k += kChunk) {
            Value col = arith::AddIOp::create(ib, col0, index(ib, k));
            Value byteCol = arith::DivUIOp::create(ib, col, index(ib, 2));
            Value packed = vector::LoadOp::create(ib, packedType, data,
                                                  ValueRange{row, byteCol});
            // Even elements in the low nibbles, odd in the high ones.
            Value low = arith::AndIOp::create(
                ib, packed, intConst(ib, 0xF, 8, packedType));
            Value high = arith::ShRUIOp::create(
                ib, packed, intConst(ib, 4, 8, packedType));
            Value codes = vector::ShuffleOp::create(ib, low, high, interleave);
            Value value = arith::MulFOp::create(
                ib, arith::MulFOp::create(ib, e2m1Decode(ib, codes), scaleChunk),
                gChunk);
            Type element = resultType.getElementType();
            if (!element.isF32())
              value = arith::TruncFOp::create(
                  ib, VectorType::get({kChunk}, element), value);
            vector::StoreOp::create(ib, value, out, ValueRange{row, col});
          }
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
