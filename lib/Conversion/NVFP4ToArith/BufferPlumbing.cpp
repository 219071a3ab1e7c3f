//===- BufferPlumbing.cpp - Buffers and scale indices for NVFP4ToArith ----===//

#include "BufferPlumbing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace mlir::nvfp4::arith_lowering {

MemRefType bufferType(RankedTensorType type) {
  return MemRefType::get(type.getShape(), type.getElementType());
}

Value readBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(b, bufferType(type), tensor,
                                           /*read_only=*/true);
}

Value allocBuffer(ImplicitLocOpBuilder &b, RankedTensorType type) {
  return memref::AllocOp::create(b, bufferType(type));
}

Value bufferToTensor(ImplicitLocOpBuilder &b, Value buffer,
                     RankedTensorType type) {
  return bufferization::ToTensorOp::create(b, type, buffer,
                                           /*restrict=*/b.getUnitAttr(),
                                           /*writable=*/b.getUnitAttr());
}

SmallVector<Value> scaleIndices(ImplicitLocOpBuilder &b, ScaleLayout layout,
                                Value row, Value blockCol) {
  if (layout == ScaleLayout::row_major)
    return {row, blockCol};
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  auto div = [&](Value x, int64_t d) {
    return arith::DivUIOp::create(b, x, c(d)).getResult();
  };
  auto rem = [&](Value x, int64_t d) {
    return arith::RemUIOp::create(b, x, c(d)).getResult();
  };
  return {div(row, 128), div(blockCol, 4), rem(row, 32), div(rem(row, 128), 32),
          rem(blockCol, 4)};
}

LogicalResult requireStaticShapes(Operation *op, PatternRewriter &rewriter) {
  if (hasDynamicShapes(op))
    return rewriter.notifyMatchFailure(op, "dynamic shapes are not supported");
  return success();
}

} // namespace mlir::nvfp4::arith_lowering
