//===- WidenSubByteTensors.cpp - i1..i7 tensors to i8 ---------------------===//
//
// Part of fp4-mlir. The fp4-widen-sub-byte-tensors pass (Passes.td describes
// it), in three steps, so that bad input fails before anything changes:
//   1. check: every op touching a sub-byte tensor must be one of those the
//      pass knows; each other one gets a located error and nothing changes.
//   2. generics: named linalg ops and elementwise ops on such tensors become
//      linalg.generic, whose payload is explicit and can be fixed up.
//   3. retype in place: every sub-byte tensor value (results, block
//      arguments, function types) gets i8 elements, and where scalars leave
//      or enter such a tensor an arith.trunci or arith.extui keeps the
//      scalar code on the original type.
//
//===----------------------------------------------------------------------===//

#include "fp4/Conversion/WidenSubByteTensors/WidenSubByteTensors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_WIDENSUBBYTETENSORSPASS
#include "fp4/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {
/// A signless integer of 1 to 7 bits: what the pass widens. Signed and
/// unsigned integers have no arith ops to fix the scalar code up with.
IntegerType subByteInt(Type type) {
  auto integer = dyn_cast<IntegerType>(type);
  return integer && integer.isSignless() && integer.getWidth() < 8 ? integer
                                                                   : nullptr;
}

IntegerType subByteElement(Type type) {
  auto tensor = dyn_cast<TensorType>(type);
  return tensor ? subByteInt(tensor.getElementType()) : nullptr;
}

Type widen(Type type) {
  if (!subByteElement(type))
    return type;
  return cast<TensorType>(type).cloneWith(
      std::nullopt, IntegerType::get(type.getContext(), 8));
}

IntegerType firstSubByteElement(TypeRange types) {
  for (Type type : types)
    if (IntegerType element = subByteElement(type))
      return element;
  return nullptr;
}

/// The element type of the first sub-byte tensor among `op`'s operands,
/// results, block arguments and function type; null if it has none.
IntegerType findSubByteElement(Operation *op) {
  if (IntegerType element = firstSubByteElement(op->getOperandTypes()))
    return element;
  if (IntegerType element = firstSubByteElement(op->getResultTypes()))
    return element;
  for (Region &region : op->getRegions())
    for (Block &block : region)
      if (IntegerType element = firstSubByteElement(block.getArgumentTypes()))
        return element;
  if (auto function = dyn_cast<FunctionOpInterface>(op)) {
    if (IntegerType element = firstSubByteElement(function.getArgumentTypes()))
      return element;
    return firstSubByteElement(function.getResultTypes());
  }
  return nullptr;
}

/// `value` with i8 elements holding the zero-extended bits; null for what the
/// pass cannot widen: sparse constants, and dense_resource blobs other than
/// i1 with one 0 or 1 byte per element (numpy's and torch's bools; MLIR gives
/// no layout for i2..i7 blobs).
TypedAttr widenConstant(TypedAttr value) {
  auto type = dyn_cast<TensorType>(value.getType());
  if (!type)
    return nullptr;
  auto wide = cast<ShapedType>(widen(type));
  if (auto dense = dyn_cast<DenseIntElementsAttr>(value))
    return dense.mapValues(wide.getElementType(),
                           [](const APInt &bits) { return bits.zext(8); });
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource || !type.getElementType().isInteger(1))
    return nullptr;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob || !type.hasStaticShape() ||
      int64_t(blob->getData().size()) != type.getNumElements() ||
      llvm::any_of(blob->getData(), [](char byte) { return byte & ~1; }))
    return nullptr;
  return DenseResourceElementsAttr::get(wide, resource.getRawHandle());
}

/// Elementwise ops on ranked tensors (arith.cmpf on tensors), which linalg's
/// elementwise-to-linalg patterns turn into a linalg.generic.
bool isElementwiseOnRankedTensors(Operation *op) {
  return OpTrait::hasElementwiseMappableTraits(op) &&
         op->getNumOperands() > 0 &&
         llvm::all_of(op->getOperandTypes(), llvm::IsaPred<RankedTensorType>);
}

/// Ops that step 2 rewrites into a linalg.generic.
bool becomesGeneric(Operation *op) {
  if (isa<linalg::GenericOp, linalg::MapOp>(op))
    return false;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalgOp->getNumRegions() == 1 && linalgOp.hasPureTensorSemantics();
  return isElementwiseOnRankedTensors(op);
}

/// Ops that step 3 retypes (and fixes up where scalars cross).
bool canRetype(Operation *op) {
  if (isa<tensor::EmptyOp, tensor::CastOp, tensor::ExtractSliceOp,
          tensor::InsertSliceOp, tensor::ParallelInsertSliceOp,
          tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ConcatOp,
          tensor::ReshapeOp, tensor::DimOp, tensor::RankOp, tensor::ExtractOp,
          tensor::InsertOp, tensor::FromElementsOp, tensor::SplatOp,
          tensor::PadOp, tensor::GenerateOp, bufferization::AllocTensorOp,
          bufferization::DeallocTensorOp, scf::ForOp, scf::ForallOp, scf::IfOp,
          scf::WhileOp, scf::ExecuteRegionOp, scf::IndexSwitchOp, scf::YieldOp,
          scf::ConditionOp, cf::BranchOp, cf::CondBranchOp, func::FuncOp,
          func::CallOp, func::ReturnOp, linalg::GenericOp, linalg::MapOp>(op))
    return true;
  if (auto select = dyn_cast<arith::SelectOp>(op))
    return !isa<ShapedType>(select.getCondition().getType());
  if (auto materialize =
          dyn_cast<bufferization::MaterializeInDestinationOp>(op))
    return isa<TensorType>(materialize.getDest().getType());
  if (auto constant = dyn_cast<arith::ConstantOp>(op))
    return bool(widenConstant(constant.getValue()));
  return false;
}

/// Gives `value` (a sub-byte scalar read from a widened tensor) type i8 and
/// its users the arith.trunci of it.
void narrowUses(OpBuilder &builder, Value value) {
  Type narrow = value.getType();
  if (!subByteInt(narrow))
    return;
  value.setType(builder.getI8Type());
  if (value.use_empty())
    return;
  builder.setInsertionPointAfterValue(value);
  auto truncated =
      arith::TruncIOp::create(builder, value.getLoc(), narrow, value);
  value.replaceAllUsesExcept(truncated, truncated);
}

/// Zero-extends the sub-byte scalar that `operand` writes into a widened
/// tensor.
void widenOperand(OpBuilder &builder, OpOperand &operand) {
  if (!subByteInt(operand.get().getType()))
    return;
  builder.setInsertionPoint(operand.getOwner());
  operand.set(arith::ExtUIOp::create(builder, operand.get().getLoc(),
                                     builder.getI8Type(), operand.get()));
}

/// linalg.generic and linalg.map: the payload arguments of tensor operands
/// and the values yielded into tensor inits.
void widenPayload(OpBuilder &builder, linalg::LinalgOp op) {
  Block *body = op.getBlock();
  // Payload arguments follow the operands.
  for (auto [argument, operand] :
       llvm::zip(body->getArguments(), op->getOperands()))
    if (isa<TensorType>(operand.getType()))
      narrowUses(builder, argument);
  for (auto [yielded, init] :
       llvm::zip(body->getTerminator()->getOpOperands(), op.getDpsInits()))
    if (isa<TensorType>(init.getType()))
      widenOperand(builder, yielded);
}

void retype(Operation *op) {
  for (OpResult result : op->getResults())
    result.setType(widen(result.getType()));
  for (Region &region : op->getRegions())
    for (Block &block : region)
      for (BlockArgument argument : block.getArguments())
        argument.setType(widen(argument.getType()));

  OpBuilder builder(op);
  auto widenAll = [&](MutableArrayRef<OpOperand> operands) {
    for (OpOperand &operand : operands)
      widenOperand(builder, operand);
  };
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](arith::ConstantOp constant) {
        constant.setValueAttr(widenConstant(constant.getValue()));
      })
      .Case([&](func::FuncOp function) {
        FunctionType type = function.getFunctionType();
        auto inputs = llvm::map_to_vector(type.getInputs(), widen);
        auto results = llvm::map_to_vector(type.getResults(), widen);
        function.setFunctionType(
            FunctionType::get(op->getContext(), inputs, results));
      })
      .Case([&](linalg::LinalgOp linalgOp) { widenPayload(builder, linalgOp); })
      .Case([&](tensor::ExtractOp extract) {
        narrowUses(builder, extract.getResult());
      })
      .Case([&](tensor::InsertOp insert) {
        widenOperand(builder, insert.getScalarMutable());
      })
      .Case([&](tensor::FromElementsOp fromElements) {
        widenAll(fromElements->getOpOperands());
      })
      .Case([&](tensor::SplatOp splat) {
        widenOperand(builder, splat.getInputMutable());
      })
      .Case<tensor::PadOp, tensor::GenerateOp>([&](Operation *padOrGenerate) {
        Block &body = padOrGenerate->getRegion(0).front();
        widenAll(body.getTerminator()->getOpOperands());
      });
}

struct WidenSubByteTensorsPass
    : fp4::impl::WidenSubByteTensorsPassBase<WidenSubByteTensorsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();

    // 1. Check everything first, reporting every op the pass cannot take.
    bool unsupported = false, generics = false;
    module->walk([&](Operation *op) {
      IntegerType element = findSubByteElement(op);
      if (!element)
        return;
      generics |= becomesGeneric(op);
      if (becomesGeneric(op) || canRetype(op))
        return;
      unsupported = true;
      InFlightDiagnostic diag = op->emitError()
                                << "fp4-widen-sub-byte-tensors: cannot widen "
                                   "the i"
                                << element.getWidth() << " tensors of '"
                                << op->getName() << "'";
      if (isa<arith::ConstantOp>(op))
        diag << ": only dense constants and dense_resource blobs of i1 with "
                "one 0 or 1 byte per element can be widened";
    });
    if (unsupported)
      return signalPassFailure();

    // 2. Explicit payloads, only for the ops that need them.
    if (generics) {
      ConversionTarget target(getContext());
      target.markUnknownOpDynamicallyLegal([](Operation *op) {
        return !findSubByteElement(op) || !becomesGeneric(op);
      });
      RewritePatternSet patterns(&getContext());
      linalg::populateLinalgNamedOpsGeneralizationPatterns(patterns);
      linalg::populateElementwiseToLinalgConversionPatterns(patterns);
      // No folding: it could create constants that step 1 did not check.
      ConversionConfig config;
      config.foldingMode = DialectConversionFoldingMode::Never;
      if (failed(applyPartialConversion(module, target, std::move(patterns),
                                        config)))
        return signalPassFailure();
    }

    // 3. The ops are found before any is retyped: retyping an op changes the
    // operand types its users are found by.
    SmallVector<Operation *> touched;
    module->walk([&](Operation *op) {
      if (findSubByteElement(op))
        touched.push_back(op);
    });
    for (Operation *op : touched)
      retype(op);
  }
};
} // namespace
