//===- StageDeviceBuffers.cpp - Launches on device buffers ----------------===//
//
// Part of fp4-mlir. The fp4-stage-device-buffers pass (Passes.td describes
// it). Each block is walked in order with the state of every host buffer a
// kernel used: its device copy, and which side holds the newest data.
//   launch: device copies are allocated on first use and filled from the
//     host when the kernel reads them and the host side is newer; the
//     launch joins the open async chain; what it writes is newer on the
//     device.
//   a host op that reads or writes a staged buffer (through its memory
//     effects): if the device side is newer it is copied back first (the
//     chain is waited for); a write makes the host side newer. A dealloc of
//     a staged buffer frees its device copy, without a copy back.
//   a host op whose effects are not known per buffer (calls, regions,
//     global effects), and the block's end: everything newer on the device
//     is copied back, every device copy freed, the chain waited for.
// Host ops that touch no staged buffer (index arithmetic, the amax load of
// another buffer) leave the device copies in place, so an op's outputs
// reach the next op's kernels without a round trip.
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

int32_t accessOf(gpu::LaunchFuncOp launch, unsigned operand) {
  auto access =
      launch->getAttrOfType<DenseI32ArrayAttr>(fp4::kOperandAccessAttrName);
  if (!access || access.size() != launch.getNumKernelOperands())
    return fp4::kReadWrite;
  return access[operand];
}

/// The staging state of one block.
class BlockStaging {
public:
  explicit BlockStaging(MLIRContext *context)
      : tokenType(gpu::AsyncTokenType::get(context)) {}

  /// Stages `op`; false (with an error) for a launch it cannot stage.
  LogicalResult visit(Operation *op) {
    if (isSyncLaunch(op))
      return launch(cast<gpu::LaunchFuncOp>(op));
    visitHostOp(op);
    return success();
  }

  void visitHostOp(Operation *op) {
    if (staged.empty())
      return;
    if (op->hasTrait<OpTrait::IsTerminator>())
      return flush(op);
    if (isMemoryEffectFree(op) && op->getNumRegions() == 0)
      return;
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects || op->getNumRegions() != 0)
      return flush(op);
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances) {
      Value value = effect.getValue();
      if (!value) {
        if (!isa<SideEffects::AutomaticAllocationScopeResource>(
                effect.getResource()))
          return flush(op);
        continue;
      }
      if (isa<MemoryEffects::Allocate>(effect.getEffect()))
        continue;
      Buffer *buffer = find(value);
      if (!buffer)
        continue;
      if (isa<MemoryEffects::Free>(effect.getEffect())) {
        release(op, *buffer);
        continue;
      }
      // Copies from or into the host buffer may be in flight: wait.
      OpBuilder b(op);
      if (buffer->deviceNewer)
        copyBack(b, op->getLoc(), *buffer);
      wait(b, op->getLoc());
      if (isa<MemoryEffects::Write>(effect.getEffect()))
        buffer->hostNewer = true;
    }
  }

  /// Copies back, frees and waits before `op` (the block's end, or an op
  /// whose effects are not known per buffer).
  void flush(Operation *op) {
    OpBuilder b(op);
    for (auto &[root, buffer] : staged)
      if (buffer.deviceNewer)
        copyBack(b, op->getLoc(), buffer);
    for (auto &[root, buffer] : staged)
      free(b, op->getLoc(), buffer);
    staged.clear();
    wait(b, op->getLoc());
  }

private:
  struct Buffer {
    Value host, device;
    bool hostNewer = true, deviceNewer = false;
  };

  Buffer *find(Value v) {
    auto it = staged.find(rootBuffer(v));
    return it == staged.end() ? nullptr : &it->second;
  }

  Value chain(OpBuilder &b, Location loc) {
    if (!token)
      token =
          gpu::WaitOp::create(b, loc, tokenType, ValueRange{}).getAsyncToken();
    return token;
  }

  void wait(OpBuilder &b, Location loc) {
    if (token)
      gpu::WaitOp::create(b, loc, Type(), ValueRange{token});
    token = Value();
  }

  void copyBack(OpBuilder &b, Location loc, Buffer &buffer) {
    token = gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{chain(b, loc)},
                                  buffer.host, buffer.device)
                .getAsyncToken();
    buffer.deviceNewer = false;
  }

  void free(OpBuilder &b, Location loc, Buffer &buffer) {
    token = gpu::DeallocOp::create(b, loc, tokenType, ValueRange{chain(b, loc)},
                                   buffer.device)
                .getAsyncToken();
  }

  /// Frees the device copy of a host buffer that `op` deallocates (its data
  /// is dead: no copy back).
  void release(Operation *op, Buffer &buffer) {
    OpBuilder b(op);
    free(b, op->getLoc(), buffer);
    // The host buffer dies here: its copy must be freed before it.
    wait(b, op->getLoc());
    staged.erase(rootBuffer(buffer.host));
  }

  LogicalResult launch(gpu::LaunchFuncOp launch) {
    // Distinct views of one buffer would need device copies that alias.
    llvm::DenseMap<Value, Value> valueOfRoot;
    for (Value v : launch.getKernelOperands())
      if (isa<MemRefType>(v.getType())) {
        auto [it, inserted] = valueOfRoot.try_emplace(rootBuffer(v), v);
        if (!inserted && it->second != v)
          return launch.emitOpError()
                 << "passes two different views of one buffer; "
                    "fp4-stage-device-buffers cannot give them device copies";
      }
    // A buffer staged through another view: back to the host first.
    for (Value v : launch.getKernelOperands())
      if (Buffer *known = isa<MemRefType>(v.getType()) ? find(v) : nullptr;
          known && known->host != v) {
        flush(launch);
        break;
      }
    OpBuilder b(launch);
    Location loc = launch.getLoc();
    SmallVector<Value> operands;
    // By host value: later insertions into `staged` move its entries.
    SmallVector<Value> written;
    for (auto [i, host] : llvm::enumerate(launch.getKernelOperands())) {
      auto type = dyn_cast<MemRefType>(host.getType());
      if (!type) {
        operands.push_back(host);
        continue;
      }
      int32_t access = accessOf(launch, i);
      Buffer *buffer = find(host);
      if (!buffer) {
        auto alloc = gpu::AllocOp::create(b, loc, type, tokenType,
                                          ValueRange{chain(b, loc)},
                                          ValueRange{}, ValueRange{},
                                          /*hostShared=*/false);
        token = alloc.getAsyncToken();
        buffer = &staged[rootBuffer(host)];
        buffer->host = host;
        buffer->device = alloc.getMemref();
        // A kernel that overwrites the whole buffer needs no copy in.
        buffer->hostNewer = access != fp4::kWrite;
      }
      if ((access & fp4::kRead) && buffer->hostNewer) {
        token =
            gpu::MemcpyOp::create(b, loc, tokenType, ValueRange{chain(b, loc)},
                                  buffer->device, host)
                .getAsyncToken();
      }
      buffer->hostNewer = false;
      if (access & fp4::kWrite)
        written.push_back(host);
      operands.push_back(buffer->device);
    }
    auto staged = gpu::LaunchFuncOp::create(
        b, loc, launch.getKernel(), launch.getGridSizeOperandValues(),
        launch.getBlockSizeOperandValues(), launch.getDynamicSharedMemorySize(),
        operands, tokenType, ValueRange{chain(b, loc)});
    token = staged.getAsyncToken();
    for (Value host : written)
      find(host)->deviceNewer = true;
    launch.erase();
    return success();
  }

  Type tokenType;
  Value token;
  llvm::MapVector<Value, Buffer> staged; // by root buffer
};

struct StageDeviceBuffersPass
    : fp4::impl::StageDeviceBuffersPassBase<StageDeviceBuffersPass> {
  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) {
      if (llvm::any_of(*block, [](Operation &op) { return isSyncLaunch(&op); }))
        blocks.push_back(block);
    });
    for (Block *block : blocks) {
      BlockStaging staging(&getContext());
      for (Operation &op : llvm::make_early_inc_range(*block))
        if (failed(staging.visit(&op)))
          return signalPassFailure();
    }
  }
};
} // namespace
