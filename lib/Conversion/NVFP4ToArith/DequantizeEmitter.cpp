//===- DequantizeEmitter.cpp - One dequantize block as arith/vector -------===//
//
// Each 16-element chunk unpacks 8 bytes with one shuffle and decodes in
// vectors.
//
//===----------------------------------------------------------------------===//

#include "DequantizeEmitter.h"

#include "ArithNumerics.h"
#include "BufferPlumbing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::nvfp4::arith_numerics;

namespace mlir::nvfp4::arith_lowering {

std::optional<DequantizeShape> getDequantizeShape(DequantizeOp op) {
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  auto scalesType = cast<RankedTensorType>(op.getScales().getType());
  std::optional<Format> format =
      getFormatForScaleType(scalesType.getElementType());
  if (!format)
    return std::nullopt;
  int64_t cols = resultType.getDimSize(1);
  return DequantizeShape{
      *format,
      scalesType.getRank() == 5 ? ScaleLayout::tcgen05 : ScaleLayout::row_major,
      resultType.getDimSize(0), cols, cols / getBlockSize(*format)};
}

void emitDequantizeBlock(ImplicitLocOpBuilder &b, Format format,
                         ScaleLayout layout, Value data, Value scales,
                         Value tensorScale, Value out, Value row, Value block) {
  constexpr int64_t kChunk = 16;
  int64_t blockSize = getBlockSize(format);
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  auto f32Chunk = VectorType::get({kChunk}, b.getF32Type());
  Value byte =
      memref::LoadOp::create(b, scales, scaleIndices(b, layout, row, block));
  byte = arith::BitcastOp::create(b, b.getI8Type(), byte);
  Value scale =
      format == Format::nvfp4 ? e4m3Decode(b, byte) : ue8m0Decode(b, byte);
  Value scaleChunk = vector::BroadcastOp::create(b, f32Chunk, scale);
  Value gChunk = vector::BroadcastOp::create(b, f32Chunk, tensorScale);
  auto packedType = VectorType::get({kChunk / 2}, b.getI8Type());
  SmallVector<int64_t> interleave;
  for (int64_t i = 0; i < kChunk / 2; ++i) {
    interleave.push_back(i);
    interleave.push_back(i + kChunk / 2);
  }
  Type element = cast<MemRefType>(out.getType()).getElementType();
  Value col0 = arith::MulIOp::create(b, block, index(blockSize));
  for (int64_t k = 0; k < blockSize; k += kChunk) {
    Value col = arith::AddIOp::create(b, col0, index(k));
    Value byteCol = arith::DivUIOp::create(b, col, index(2));
    Value packed =
        vector::LoadOp::create(b, packedType, data, ValueRange{row, byteCol});
    // Even elements in the low nibbles, odd in the high ones.
    Value low =
        arith::AndIOp::create(b, packed, intConst(b, 0xF, 8, packedType));
    Value high =
        arith::ShRUIOp::create(b, packed, intConst(b, 4, 8, packedType));
    Value codes = vector::ShuffleOp::create(b, low, high, interleave);
    Value value = arith::MulFOp::create(
        b, arith::MulFOp::create(b, e2m1Decode(b, codes), scaleChunk), gChunk);
    if (!element.isF32())
      value =
          arith::TruncFOp::create(b, VectorType::get({kChunk}, element), value);
    vector::StoreOp::create(b, value, out, ValueRange{row, col});
  }
}

} // namespace mlir::nvfp4::arith_lowering
