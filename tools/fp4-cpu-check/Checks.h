//===- Checks.h - nvfp4 kernels against the numerics library ---*- C++ -*-===//
//
// Part of fp4-mlir. The checks of fp4-cpu-check (JIT on the host) and
// fp4-gpu-check (a compiled object on the GPU). They only see an Executor,
// so this code needs no MLIR and also builds on the device machine.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_CHECKS_H
#define FP4_TOOLS_CHECKS_H

#include <memory>
#include <string>
#include <vector>

namespace fp4tools {

/// One compiled module of test functions.
class Callable {
public:
  virtual ~Callable() = default;
  /// Calls `name` (quantize, dequantize, matmul: KernelSource.h) with
  /// pointers to its memref descriptors; false if it is missing.
  virtual bool call(const std::string &name,
                    const std::vector<void *> &args) = 0;
};

/// How the checks get their kernels run.
class Executor {
public:
  virtual ~Executor() = default;
  /// Compiles the functions in `source`; null with `error` on failure.
  virtual std::unique_ptr<Callable> compile(const std::string &source,
                                            std::string &error) = 0;
  /// False while only the sources are collected (nothing runs).
  virtual bool compares() const { return true; }
  /// Whether scaled_matmul must equal the sequential fp32 reference bit for
  /// bit (the portable lowering) or lie within the summation-order bound
  /// (tensor cores).
  virtual bool exactMatmul() const { return true; }
  /// Whether nvfp4.attention must equal attentionReference bit for bit (the
  /// fused lowering, on the CPU and sm_90a) or lie within the criterion of
  /// tensor-core products (AttentionChecks.cpp).
  virtual bool exactAttention() const { return true; }
};

/// Each returns 0 when every case matched, 1 otherwise.
int runQuantizeChecks(Executor &exec, const std::string &goldenDir);
int runDequantizeChecks(Executor &exec);
int runMatmulChecks(Executor &exec);
/// nvfp4.attention against attentionReference (AttentionChecks.cpp).
int runAttentionChecks(Executor &exec);

} // namespace fp4tools

#endif // FP4_TOOLS_CHECKS_H
