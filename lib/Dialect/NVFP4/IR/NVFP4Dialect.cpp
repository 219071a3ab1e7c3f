//===- NVFP4Dialect.cpp - nvfp4 dialect -----------------------------------===//
//
// Part of fp4-mlir.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::nvfp4;

#include "fp4/Dialect/NVFP4/IR/NVFP4Dialect.cpp.inc"

namespace {
/// Every nvfp4 op is a pure function of its operands, so any of them may be
/// inlined. Without this the inliner keeps every call whose callee holds an
/// nvfp4 op, and the pipelines' buffer deallocation then cannot see through
/// the calls (see buildNVFP4LowerToCPUPipeline).
struct NVFP4InlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void NVFP4Dialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "fp4/Dialect/NVFP4/IR/NVFP4Ops.cpp.inc"
      >();
  addInterfaces<NVFP4InlinerInterface>();
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
