//===- BufferPlumbing.h - Buffers and scale indices of the lowerings -*- C++
//-*-===//
//
// Part of fp4-mlir. How the nvfp4 lowerings (portable and sm_100a) move
// between tensors and buffers, and address block scales. Private to the
// conversion libraries.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_BUFFERPLUMBING_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_BUFFERPLUMBING_H

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::nvfp4::arith_lowering {

/// The lowering works on buffers inside a tensor program: operands enter
/// through bufferization.to_buffer (read only) and results leave through
/// bufferization.to_tensor of a fresh allocation, so one-shot bufferization
/// later fuses them with the surrounding code.
/// The identity-layout memref type of a tensor type's buffer.
MemRefType bufferType(RankedTensorType type);
Value readBuffer(ImplicitLocOpBuilder &b, Value tensor);
Value allocBuffer(ImplicitLocOpBuilder &b, RankedTensorType type);
Value bufferToTensor(ImplicitLocOpBuilder &b, Value buffer,
                     RankedTensorType type);

/// The indices of block scale (row, blockCol) in a scale buffer of `layout`
/// (row_major: [row, blockCol]; tcgen05: the 128x4 tile layout
/// [row/128, blockCol/4, row%32, (row%128)/32, blockCol%4]).
SmallVector<Value> scaleIndices(ImplicitLocOpBuilder &b, ScaleLayout layout,
                                Value row, Value blockCol);

/// Fails `op` unless every operand and result type is statically shaped.
LogicalResult requireStaticShapes(Operation *op, PatternRewriter &rewriter);

} // namespace mlir::nvfp4::arith_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_BUFFERPLUMBING_H
