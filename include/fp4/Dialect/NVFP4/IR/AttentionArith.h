//===- AttentionArith.h - Attention's scalar arithmetic in arith -*- C++
//-*-===//
//
// Part of fp4-mlir. The numerics library's attention arithmetic that is not
// a plain fp32 operation, written in arith for every lowering of attention:
// the decomposition (nvfp4-decompose-attention) and the row code shared by
// the CPU and GPU lowerings of nvfp4.attention_rows.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_IR_ATTENTIONARITH_H
#define FP4_DIALECT_NVFP4_IR_ATTENTIONARITH_H

#include "mlir/IR/Builders.h"

namespace mlir::nvfp4 {

/// attentionExp (include/fp4/Numerics/Attention.h) of the f32 `x`, operation
/// for operation, so that every lowering gets the library's bits.
Value emitAttentionExp(OpBuilder &b, Location loc, Value x);

/// bf16(x) widened back to f32 (round to nearest even).
Value emitBF16Round(OpBuilder &b, Location loc, Value x);

} // namespace mlir::nvfp4

#endif // FP4_DIALECT_NVFP4_IR_ATTENTIONARITH_H
