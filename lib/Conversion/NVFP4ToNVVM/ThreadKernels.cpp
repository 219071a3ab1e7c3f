//===- ThreadKernels.cpp - Kernels of one thread per work item ------------===//

#include "ThreadKernels.h"

#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace mlir::nvfp4::nvvm_lowering {

static Value indexConstant(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

gpu::GPUFuncOp getOrCreateKernel(
    gpu::GPUModuleOp kernels, Location loc, StringRef name, TypeRange argTypes,
    TypeRange workgroup,
    function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> body) {
  if (auto existing = kernels.lookupSymbol<gpu::GPUFuncOp>(name))
    return existing;
  OpBuilder b(kernels.getContext());
  b.setInsertionPointToEnd(kernels.getBody());
  auto func = gpu::GPUFuncOp::create(
      b, loc, name, b.getFunctionType(argTypes, {}), workgroup, TypeRange{});
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({kThreads, 1, 1}));
  ImplicitLocOpBuilder ib(loc, b);
  ib.setInsertionPointToStart(&func.getBody().front());
  body(ib, func);
  gpu::ReturnOp::create(ib);
  return func;
}

Value reduceItemGroups(
    ImplicitLocOpBuilder &b, int64_t items, int64_t unroll, Value init,
    function_ref<Value(ImplicitLocOpBuilder &, ValueRange, Value)> body) {
  auto index = [&](int64_t v) { return indexConstant(b, v); };
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value bid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value ctas = gpu::GridDimOp::create(b, gpu::Dimension::x);
  Value first = arith::AddIOp::create(
      b, arith::MulIOp::create(b, bid, index(kThreads)), tid);
  Value stride = arith::MulIOp::create(b, ctas, index(kThreads));
  // A loop from `lower` handing `count` items, a grid size apart, to `body`.
  auto loop = [&](Value lower, Value upper, Value step, int64_t count,
                  Value acc) -> Value {
    SmallVector<Value> inits;
    if (acc)
      inits.push_back(acc);
    auto forOp = scf::ForOp::create(
        b, lower, upper, step, inits,
        [&](OpBuilder &nested, Location loc, Value item, ValueRange accs) {
          ImplicitLocOpBuilder ib(loc, nested);
          SmallVector<Value> group{item};
          for (int64_t k = 1; k < count; ++k)
            group.push_back(arith::AddIOp::create(ib, group.back(), stride));
          Value next = body(ib, group, accs.empty() ? Value() : accs.front());
          SmallVector<Value> yielded;
          if (next)
            yielded.push_back(next);
          scf::YieldOp::create(ib, yielded);
        });
    return acc ? forOp.getResult(0) : Value();
  };
  if (unroll == 1)
    return loop(first, index(items), stride, 1, init);
  // Groups while every item of one is below `full` (the largest multiple of
  // unroll grid sizes <= items), then the remaining items one at a time.
  Value groupStride = arith::MulIOp::create(b, stride, index(unroll));
  Value full = arith::MulIOp::create(
      b, arith::DivUIOp::create(b, index(items), groupStride), groupStride);
  Value acc = loop(first, full, groupStride, unroll, init);
  return loop(arith::AddIOp::create(b, full, first), index(items), stride, 1,
              acc);
}

Value reduceItems(
    ImplicitLocOpBuilder &b, int64_t items, Value init,
    function_ref<Value(ImplicitLocOpBuilder &, Value, Value)> body) {
  return reduceItemGroups(
      b, items, /*unroll=*/1, init,
      [&](ImplicitLocOpBuilder &ib, ValueRange group, Value acc) {
        return body(ib, group.front(), acc);
      });
}

void forEachItem(ImplicitLocOpBuilder &b, int64_t items,
                 function_ref<void(ImplicitLocOpBuilder &, Value)> body) {
  reduceItems(b, items, Value(),
              [&](ImplicitLocOpBuilder &ib, Value item, Value) {
                body(ib, item);
                return Value();
              });
}

void launchKernel(ImplicitLocOpBuilder &b, gpu::GPUFuncOp kernel,
                  ArrayRef<int64_t> grid, int64_t threads, ValueRange args,
                  ArrayRef<int32_t> access, int64_t dynamicSharedBytes) {
  auto index = [&](int64_t v) { return indexConstant(b, v); };
  Value one = index(1);
  gpu::KernelDim3 gridDim{index(grid[0]),
                          grid.size() > 1 ? index(grid[1]) : one, one};
  gpu::KernelDim3 blockDim{index(threads), one, one};
  Value shared;
  if (dynamicSharedBytes > 0)
    shared = arith::ConstantIntOp::create(b, dynamicSharedBytes, 32);
  auto launch =
      gpu::LaunchFuncOp::create(b, kernel, gridDim, blockDim, shared, args);
  launch->setAttr(fp4::kOperandAccessAttrName, b.getDenseI32ArrayAttr(access));
}

std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

} // namespace mlir::nvfp4::nvvm_lowering
