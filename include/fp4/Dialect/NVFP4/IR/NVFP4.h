//===- NVFP4.h - nvfp4 dialect, attributes and ops --------------*- C++ -*-===//
//
// Part of fp4-mlir. The one header users of the nvfp4 dialect include.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_IR_NVFP4_H
#define FP4_DIALECT_NVFP4_IR_NVFP4_H

#include "fp4/Numerics/Attention.h"
#include "fp4/Numerics/BlockQuantize.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "fp4/Dialect/NVFP4/IR/NVFP4Dialect.h.inc"
#include "fp4/Dialect/NVFP4/IR/NVFP4Enums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "fp4/Dialect/NVFP4/IR/NVFP4Attrs.h.inc"

#define GET_OP_CLASSES
#include "fp4/Dialect/NVFP4/IR/NVFP4Ops.h.inc"

namespace mlir::nvfp4 {

/// The numerics library's names for a format and a scale layout.
fp4::Format toNumerics(Format format);
fp4::ScaleLayout toNumerics(ScaleLayout layout);

/// Elements per block scale: 16 for NVFP4, 32 for MXFP4.
int64_t getBlockSize(Format format);

/// The format whose block scales have element type `scaleElementType`
/// (f8E4M3FN: nvfp4, f8E8M0FNU: mxfp4), or std::nullopt.
std::optional<Format> getFormatForScaleType(Type scaleElementType);

/// True when an operand or result of `op` is a shaped type with a dynamic
/// dimension (the lowerings take static shapes only).
bool hasDynamicShapes(Operation *op);

/// The numerics-library options that `op`'s attributes describe (the amax
/// operand, when present, is not included).
fp4::QuantizeOptions getQuantizeOptions(QuantizeOp op);

/// The numerics library's rule, metric and radius of `rule`.
void toNumerics(ScaleRuleAttr rule, fp4::ScaleRule &kind,
                fp4::ErrorMetric &metric, int &radius);

/// The #nvfp4.scale_rule of a library rule (the inverse of toNumerics).
ScaleRuleAttr getScaleRuleAttr(MLIRContext *context, fp4::ScaleRule kind,
                               fp4::ErrorMetric metric, int radius);

/// The numerics-library options of `op` (attentionReference).
fp4::AttentionOptions getAttentionOptions(AttentionOp op);
/// The options of `op` that it carries (format, P's rule and mode, the
/// scale, the mask, the key tile, sink and recent keys; Q smoothing when it
/// has a score correction); Q, K and V are unquantized (already prepared).
fp4::AttentionOptions getAttentionOptions(AttentionRowsOp op);

} // namespace mlir::nvfp4

#endif // FP4_DIALECT_NVFP4_IR_NVFP4_H
