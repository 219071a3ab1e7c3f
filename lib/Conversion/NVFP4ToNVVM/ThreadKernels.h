//===- ThreadKernels.h - Kernels of one thread per work item ----*- C++ -*-===//
//
// Part of fp4-mlir. Private to the NVFP4ToNVVM lowering. The amax, quantize
// and dequantize kernels hand out work items (a chunk or a block) to the
// threads of a 1-D grid of kThreads-thread CTAs in a grid-stride loop: the
// grid is capped at kMaxCtas, so that per-CTA setup (the quantize kernel's
// candidate table) and per-thread results (the amax kernel's atomic) are
// paid once per many items. These build that frame, and the launches of
// every kernel.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_THREADKERNELS_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_THREADKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <algorithm>
#include <string>

namespace mlir::nvfp4::nvvm_lowering {

inline constexpr int64_t kThreads = 128;
/// Enough CTAs to fill a B200 or H200 (148 / 132 SMs, up to 16 CTAs each).
inline constexpr int64_t kMaxCtas = 2048;

/// The grid for `items` work items: one per thread, at most kMaxCtas CTAs.
inline int64_t gridFor(int64_t items) {
  return std::min((items + kThreads - 1) / kThreads, kMaxCtas);
}

/// A kernel gpu.func `name` with `argTypes` and workgroup buffers, unless
/// `kernels` already has it; `body` fills it (builder at the entry, before
/// the gpu.return).
gpu::GPUFuncOp getOrCreateKernel(
    gpu::GPUModuleOp kernels, Location loc, StringRef name, TypeRange argTypes,
    TypeRange workgroup,
    function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> body);

/// Runs `body` for each work item of this thread: its global index (blocks
/// of kThreads along x), then every grid size further, below `items`.
void forEachItem(ImplicitLocOpBuilder &b, int64_t items,
                 function_ref<void(ImplicitLocOpBuilder &, Value)> body);

/// forEachItem carrying one value: `body` gets the item and the value so
/// far and returns the next; the result is the value after the last item
/// (`init` for a thread without items).
Value reduceItems(
    ImplicitLocOpBuilder &b, int64_t items, Value init,
    function_ref<Value(ImplicitLocOpBuilder &, Value item, Value acc)> body);

/// reduceItems handing `body` up to `unroll` of the thread's items at once
/// (item, item + grid size, ...): whole groups while they fit, then the rest
/// one by one. A body that issues the loads of a group before its arithmetic
/// keeps `unroll` times the bytes in flight (a null `init` carries nothing).
Value reduceItemGroups(
    ImplicitLocOpBuilder &b, int64_t items, int64_t unroll, Value init,
    function_ref<Value(ImplicitLocOpBuilder &, ValueRange items, Value acc)>
        body);

/// A gpu.launch_func of `kernel` on a 1-D or 2-D grid of `threads`-thread
/// CTAs, tagged with how the kernel uses each memref operand (`access`,
/// one fp4::OperandAccess per operand) for fp4-stage-device-buffers.
void launchKernel(ImplicitLocOpBuilder &b, gpu::GPUFuncOp kernel,
                  ArrayRef<int64_t> grid, int64_t threads, ValueRange args,
                  ArrayRef<int32_t> access, int64_t dynamicSharedBytes = 0);

/// `t` printed, for kernel names ("bf16", "f32").
std::string typeName(Type t);

} // namespace mlir::nvfp4::nvvm_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_THREADKERNELS_H
