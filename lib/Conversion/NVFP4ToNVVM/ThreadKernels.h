//===- ThreadKernels.h - Kernels of one thread per work item ----*- C++ -*-===//
//
// Part of fp4-mlir. Private to the NVFP4ToNVVM lowering. The amax, quantize
// and dequantize kernels give each thread one work item (a chunk or a
// block) in 1-D grids of kThreads-thread CTAs; these build their frame, and
// the launches of every kernel.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_THREADKERNELS_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_THREADKERNELS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <string>

namespace mlir::nvfp4::nvvm_lowering {

inline constexpr int64_t kThreads = 128;

/// CTAs of kThreads threads that cover `items` work items.
inline int64_t gridFor(int64_t items) {
  return (items + kThreads - 1) / kThreads;
}

/// A kernel gpu.func `name` with `argTypes` and workgroup buffers, unless
/// `kernels` already has it; `body` fills it (builder at the entry, before
/// the gpu.return).
gpu::GPUFuncOp getOrCreateKernel(
    gpu::GPUModuleOp kernels, Location loc, StringRef name, TypeRange argTypes,
    TypeRange workgroup,
    function_ref<void(ImplicitLocOpBuilder &, gpu::GPUFuncOp)> body);

/// Runs `body` in an scf.if on the threads whose global index (blocks of
/// kThreads along x) is below `items`; `body` gets that index.
void forEachItem(ImplicitLocOpBuilder &b, int64_t items,
                 function_ref<void(ImplicitLocOpBuilder &, Value)> body);

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
