//===- CpuKernel.h - JIT-compile nvfp4 IR for the host CPU ------*- C++ -*-===//
//
// Part of fp4-mlir. Compiles a module through nvfp4-lower-to-cpu and the MLIR
// ExecutionEngine, and calls its functions through their C interface (every
// argument a memref descriptor). Used by fp4-cpu-check and the benchmark.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_CPUKERNEL_H
#define FP4_TOOLS_CPUKERNEL_H

#include "MemRefDescriptor.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fp4/Pipelines/Pipelines.h"

namespace mlir {
class ExecutionEngine;
class MLIRContext;
class ModuleOp;
} // namespace mlir

namespace fp4tools {

/// What a caller adds to a compilation.
struct CompileHooks {
  /// Runs on the parsed module before nvfp4-lower-to-cpu; returns false (and
  /// reports through the module's diagnostics) on failure.
  std::function<bool(mlir::ModuleOp)> prepare;
  /// Host functions that the module calls: (symbol name, address).
  std::vector<std::pair<std::string, void *>> symbols;
  /// How nvfp4-lower-to-cpu lowers nvfp4.attention.
  mlir::fp4::AttentionLowering attention =
      mlir::fp4::AttentionLowering::Default;
  /// How nvfp4-lower-to-cpu runs the parallel loops; OpenMP loads the LLVM
  /// OpenMP runtime found at configure time (an error without one).
  mlir::fp4::CpuThreads threads = mlir::fp4::CpuThreads::Serial;
};

/// Sets the thread count of the LLVM OpenMP runtime that threads=openmp
/// kernels run on (omp_set_num_threads, for this thread's later parallel
/// loops); false if the runtime was not configured or cannot be loaded.
bool setOpenMPThreads(int threads);

/// Parses a --threads value ("serial" or "openmp"); false if it is neither.
bool parseCpuThreads(const std::string &value, mlir::fp4::CpuThreads &threads);

/// One compiled module.
class CpuKernel {
public:
  /// Parses `source`, lowers it with nvfp4-lower-to-cpu and JIT-compiles it;
  /// null with `error` set on failure.
  static std::unique_ptr<CpuKernel> compile(const std::string &source,
                                            std::string &error,
                                            const CompileHooks &hooks = {});
  ~CpuKernel();

  /// Calls `name` (declared with llvm.emit_c_interface) with pointers to
  /// its memref descriptors; false if the function is missing.
  bool call(const std::string &name, const std::vector<void *> &args);
  /// The same for any number of arguments (the engine's packed wrapper).
  bool callPacked(const std::string &name, std::vector<void *> &args);

private:
  CpuKernel();
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

} // namespace fp4tools

#endif // FP4_TOOLS_CPUKERNEL_H
