//===- NVFP4Dialect.cpp - nvfp4 dialect -----------------------------------===//
//
// Part of fp4-mlir.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::nvfp4;

#include "fp4/Dialect/NVFP4/IR/NVFP4Dialect.cpp.inc"

void NVFP4Dialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "fp4/Dialect/NVFP4/IR/NVFP4Ops.cpp.inc"
      >();
}

Operation *NVFP4Dialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  // Folded tensors and tensor scales are plain arith constants.
  if (auto typed = dyn_cast<TypedAttr>(value);
      typed && arith::ConstantOp::isBuildableWith(typed, type))
    return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}
