//===- LaunchFuncEffects.cpp - Memory effects of gpu.launch_func ----------===//
//
// Part of fp4-mlir. Upstream gpu.launch_func declares no memory effects, and
// ownership-based buffer deallocation rejects ops with unknown effects ("ops
// with unknown memory side effects are not supported"), so host code with
// kernel launches could not be bufferized and deallocated. This model says
// what a launch does: it reads and writes every memref it is passed, and
// writes memory in general (so it is never erased as dead). The
// synchronous launches of nvfp4-lower-to-sm100a (no async tokens; gpu-to-llvm
// synchronizes the stream) have finished with their buffers when the next
// host op runs, so freeing them afterwards is safe.
//
//===----------------------------------------------------------------------===//

#include "fp4/InitAll.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
struct LaunchFuncMemoryEffects
    : MemoryEffectOpInterface::ExternalModel<LaunchFuncMemoryEffects,
                                             gpu::LaunchFuncOp> {
  void
  getEffects(Operation *op,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) const {
    // The kernel runs: never dead, even once gpu-to-llvm has turned the
    // memref operands into pointers.
    effects.emplace_back(MemoryEffects::Write::get());
    for (OpOperand &operand : op->getOpOperands()) {
      if (!isa<MemRefType>(operand.get().getType()))
        continue;
      effects.emplace_back(MemoryEffects::Read::get(), &operand);
      effects.emplace_back(MemoryEffects::Write::get(), &operand);
    }
  }
};
} // namespace

void fp4::registerLaunchFuncMemoryEffects(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, gpu::GPUDialect *) {
    gpu::LaunchFuncOp::attachInterface<LaunchFuncMemoryEffects>(*context);
  });
}
