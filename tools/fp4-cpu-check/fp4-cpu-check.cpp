//===- fp4-cpu-check.cpp - Run the portable lowering against the library --===//
//
// Part of fp4-mlir. JIT-compiles nvfp4 kernels through nvfp4-lower-to-cpu and
// compares every output byte with the numerics library on the same inputs
// (Checks.cpp):
//
//   fp4-cpu-check quantize GOLDEN_DIR   every rule, format, block shape,
//                                       layout, rounding, transpose and a
//                                       calibrated amax, on the golden inputs
//                                       and on random inputs with specials
//   fp4-cpu-check dequantize            random codes and scale bytes
//   fp4-cpu-check matmul                scaled_matmul against
//                                       scaledMatmulReference, bit for bit
//   fp4-cpu-check attention [LOWERING]  nvfp4.attention against
//                                       attentionReference, bit for bit;
//                                       LOWERING: fused (default),
//                                       reference or scaled-matmul
//
// A first argument --threads=openmp lowers with nvfp4-lower-to-cpu{
// threads=openmp} (OpenMP loops; OMP_NUM_THREADS sets the thread count); the
// bytes must not change. Prints one line per case with its mismatch counts;
// exits 1 on any mismatch or compile failure.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "CpuKernel.h"

#include <cstdio>

using namespace fp4tools;

namespace {
class CpuCallable : public Callable {
public:
  explicit CpuCallable(std::unique_ptr<CpuKernel> kernel)
      : kernel(std::move(kernel)) {}
  bool call(const std::string &name, const std::vector<void *> &args) override {
    return kernel->call(name, args);
  }

private:
  std::unique_ptr<CpuKernel> kernel;
};

class CpuExecutor : public Executor {
public:
  std::unique_ptr<Callable> compile(const std::string &source,
                                    std::string &error) override {
    std::unique_ptr<CpuKernel> kernel =
        CpuKernel::compile(source, error, hooks);
    if (!kernel)
      return nullptr;
    return std::make_unique<CpuCallable>(std::move(kernel));
  }
  CompileHooks hooks;
};
} // namespace

int main(int argc, char **argv) {
  CpuExecutor exec;
  const std::string threadsFlag = "--threads=";
  if (argc > 1 && std::string(argv[1]).rfind(threadsFlag, 0) == 0) {
    std::string value = std::string(argv[1]).substr(threadsFlag.size());
    if (!parseCpuThreads(value, exec.hooks.threads)) {
      std::fprintf(stderr,
                   "fp4-cpu-check: unknown --threads value '%s' (expected "
                   "serial or openmp)\n",
                   value.c_str());
      return 2;
    }
    --argc;
    ++argv;
  }
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "quantize" && argc == 3)
    return runQuantizeChecks(exec, argv[2]);
  if (mode == "dequantize" && argc == 2)
    return runDequantizeChecks(exec);
  if (mode == "matmul" && argc == 2)
    return runMatmulChecks(exec);
  if (mode == "attention" && (argc == 2 || argc == 3)) {
    std::string lowering = argc == 3 ? argv[2] : "fused";
    if (lowering == "reference")
      exec.hooks.attention = mlir::fp4::AttentionLowering::Reference;
    else if (lowering == "scaled-matmul")
      exec.hooks.attention = mlir::fp4::AttentionLowering::ScaledMatmul;
    else if (lowering == "fused")
      exec.hooks.attention = mlir::fp4::AttentionLowering::Fused;
    else {
      std::fprintf(stderr,
                   "fp4-cpu-check attention: unknown lowering '%s' "
                   "(expected fused, reference or scaled-matmul)\n",
                   lowering.c_str());
      return 2;
    }
    return runAttentionChecks(exec);
  }
  std::fprintf(stderr,
               "usage: fp4-cpu-check [--threads=serial|openmp] quantize "
               "GOLDEN_DIR | dequantize | matmul | attention "
               "[fused|reference|scaled-matmul]\n");
  return 2;
}
