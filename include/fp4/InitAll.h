//===- InitAll.h - Register fp4-mlir dialects and passes --------*- C++ -*-===//
//
// Part of fp4-mlir. One place that lists every dialect, interface and pass
// the fp4-mlir tools use, so fp4-opt, the C API and embedders agree.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_INITALL_H
#define FP4_INITALL_H

namespace mlir {
class DialectRegistry;

namespace fp4 {

/// Adds the dialects fp4-mlir works with (the upstream ones its pipelines go
/// through, plus nvfp4) and their external interface models (bufferization,
/// LLVM/NVVM translation, the NVVM GPU target) to `registry`.
void registerAllDialects(DialectRegistry &registry);

/// Declares that gpu.launch_func reads and writes its memref operands
/// (LaunchFuncEffects.cpp), so host code with launches can be bufferized and
/// its buffers deallocated. Part of registerAllDialects.
void registerLaunchFuncMemoryEffects(DialectRegistry &registry);

/// Registers fp4-mlir's passes and pipelines and the upstream passes they are
/// built from, so they are available on the fp4-opt command line.
void registerAllPasses();

} // namespace fp4
} // namespace mlir

#endif // FP4_INITALL_H
