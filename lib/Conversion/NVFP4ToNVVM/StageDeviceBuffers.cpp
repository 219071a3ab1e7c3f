//===- StageDeviceBuffers.cpp - Launches on device buffers ----------------===//
//
// Part of fp4-mlir. The fp4-stage-device-buffers pass (Passes.td describes
// it): runs of synchronous gpu.launch_func ops on host buffers become async
// chains of device allocations, copies, launches and frees.
//
//===----------------------------------------------------------------------===//

#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/MapVector.h"

namespace mlir::fp4 {
#define GEN_PASS_DEF_STAGEDEVICEBUFFERSPASS
#include "fp4/Conversion/Passes.h.inc"
} // namespace mlir::fp4

using namespace mlir;

namespace {
bool isSyncLaunch(Operation *op) {
  auto launch = dyn_cast<gpu::LaunchFuncOp>(op);
  return launch && !launch.getAsyncToken() &&
         launch.getAsyncDependencies().empty() && !launch.getAsyncObject();
}

/// The buffer a memref value views (through view-like ops).
Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether two distinct memref operands of `launches` view one buffer.
bool hasAliasingOperands(ArrayRef<gpu::LaunchFuncOp> launches) {
  llvm::DenseMap<Value, Value> valueOfRoot;
  for (gpu::LaunchFuncOp launch : launches)
    for (Value v : launch.getKernelOperands()) {
      if (!isa<MemRefType>(v.getType()))
        continue;
      auto [it, inserted] = valueOfRoot.try_emplace(rootBuffer(v), v);
      if (!inserted && it->second != v)
        return true;
    }
  return false;
}

int32_t accessOf(gpu::LaunchFuncOp launch, unsigned operand) {
  auto access =
      launch->getAttrOfType<DenseI32ArrayAttr>(fp4::kOperandAccessAttrName);
  if (!access || access.size() != launch.getNumKernelOperands())
    return fp4::kReadWrite;
  return access[operand];
}

/// Rewrites `launches` (consecutive in one block) into one async chain.
void stage(MutableArrayRef<gpu::LaunchFuncOp> launches) {
  OpBuilder b(launches.front().getOperation());
  Type tokenType = b.getType<gpu::AsyncTokenType>();
  Value token =
      gpu::WaitOp::create(b, launches.front().getLoc(), tokenType, ValueRange{})
          .getAsyncToken();
  llvm::MapVector<Value, Value> deviceOf; // host buffer -> device buffer
  llvm::SetVector<Value> written;
  for (gpu::LaunchFuncOp launch : launches) {
    Location loc = launch.getLoc();
    b.setInsertionPoint(launch);
    SmallVector<Value> operands;
    for (auto [i, host] : llvm::enumerate(launch.getKernelOperands())) {
      auto type = dyn_cast<MemRefType>(host.getType());
      if (!type) {
        operands.push_back(host);
        continue;
      }
      int32_t access = accessOf(launch, i);
      auto it = deviceOf.find(host);
      if (it == deviceOf.end()) {
        auto alloc = gpu::AllocOp::create(b, loc, type, tokenType,
                                          ValueRange{token}, ValueRange{},
                                          ValueRange{}, /*hostShared=*/false);
        token = alloc.getAsyncToken();
        if (access & fp4::kRead)
          token = gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{token},
                                        alloc.getMemref(), host)
                      .getAsyncToken();
        it = deviceOf.insert({host, alloc.getMemref()}).first;
      }
      if (access & fp4::kWrite)
        written.insert(host);
      operands.push_back(it->second);
    }
    auto staged = gpu::LaunchFuncOp::create(
        b, loc, launch.getKernel(), launch.getGridSizeOperandValues(),
        launch.getBlockSizeOperandValues(), launch.getDynamicSharedMemorySize(),
        operands, tokenType, ValueRange{token});
    token = staged.getAsyncToken();
    launch.erase();
    b.setInsertionPointAfter(staged);
  }
  for (Value host : written)
    token = gpu::MemcpyOp::create(b, host.getLoc(), tokenType,
                                  ValueRange{token}, host, deviceOf[host])
                .getAsyncToken();
  for (auto &[host, device] : deviceOf)
    token = gpu::DeallocOp::create(b, host.getLoc(), tokenType,
                                   ValueRange{token}, device)
                .getAsyncToken();
  gpu::WaitOp::create(b, b.getUnknownLoc(), Type(), ValueRange{token});
}

struct StageDeviceBuffersPass
    : fp4::impl::StageDeviceBuffersPassBase<StageDeviceBuffersPass> {
  void runOnOperation() override {
    SmallVector<SmallVector<gpu::LaunchFuncOp>> runs;
    getOperation()->walk([&](Block *block) {
      SmallVector<gpu::LaunchFuncOp> run;
      for (Operation &op : *block) {
        if (isSyncLaunch(&op)) {
          run.push_back(cast<gpu::LaunchFuncOp>(op));
          continue;
        }
        if (isMemoryEffectFree(&op) && op.getNumRegions() == 0)
          continue;
        if (!run.empty())
          runs.push_back(std::move(run));
        run.clear();
      }
      if (!run.empty())
        runs.push_back(std::move(run));
    });
    for (MutableArrayRef<gpu::LaunchFuncOp> run : runs) {
      if (!hasAliasingOperands(run)) {
        stage(run);
        continue;
      }
      for (gpu::LaunchFuncOp launch : run)
        stage(MutableArrayRef<gpu::LaunchFuncOp>(launch));
    }
  }
};
} // namespace
