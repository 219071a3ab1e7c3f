//===- BenchCases.h - Inputs and cases shared by the benchmarks -*- C++ -*-===//
//
// Part of fp4-mlir. The quantize benchmarks (fp4-bench-numerics,
// fp4-bench-lowering) time the same rules on the same input, so that their
// figures compare.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_BENCH_BENCHCASES_H
#define FP4_BENCH_BENCHCASES_H

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/Float16.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

namespace fp4bench {

/// rows x cols N(0,1) values rounded to bf16 (nearest even), seed 7.
inline std::vector<uint16_t> gaussianBF16(uint64_t rows, uint64_t cols) {
  std::mt19937 gen(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<uint16_t> input(rows * cols);
  for (uint16_t &v : input)
    v = mlir::fp4::floatToBF16(normal(gen));
  return input;
}

/// One benchmarked configuration: format name and rule (parseRuleSpec).
struct Case {
  const char *format, *rule;
};

/// The library options of a configuration (format "nvfp4" or "mxfp4", rule
/// as parseRuleSpec spells it).
inline mlir::fp4::QuantizeOptions caseOptions(const char *format,
                                              const char *rule) {
  mlir::fp4::QuantizeOptions o;
  o.format =
      format[0] == 'n' ? mlir::fp4::Format::NVFP4 : mlir::fp4::Format::MXFP4;
  mlir::fp4::parseRuleSpec(rule, o);
  return o;
}

inline constexpr Case kCases[] = {
    {"nvfp4", "static_6"}, {"nvfp4", "static_4"}, {"nvfp4", "mse"},
    {"nvfp4", "mae"},      {"nvfp4", "abs_max"},  {"nvfp4", "search:1"},
    {"nvfp4", "search:6"}, {"nvfp4", "exact"},    {"mxfp4", "static_6"},
    {"mxfp4", "search:1"}, {"mxfp4", "exact"}};

/// The fastest of `reps` calls of `run`, in seconds.
template <typename F>
double bestSeconds(int reps, F run) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    run();
    auto t1 = std::chrono::steady_clock::now();
    best = std::fmin(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

/// The header of the serial-vs-OpenMP table (fp4-bench-lowering --threads,
/// fp4-bench-openmp): `title`, how the kernels were compiled (`how`), then
/// one column per thread count in `counts`.
inline void printThreadsHeader(const char *title, const char *how,
                               uint64_t rows, uint64_t cols, int reps,
                               const std::vector<int> &counts) {
  std::printf("%s: %llux%llu bf16 N(0,1), compiled serial vs "
              "threads=openmp%s, best of %d\n",
              title, (unsigned long long)rows, (unsigned long long)cols, how,
              reps);
  std::printf("%-6s %-9s %11s", "format", "rule", "serial el/s");
  for (int n : counts)
    std::printf(" %8s%-3d", "omp el/s ", n);
  for (int n : counts)
    std::printf(" %6s%-3d", "x omp", n);
  std::printf(" %s\n", "identical");
}

} // namespace fp4bench

#endif // FP4_BENCH_BENCHCASES_H
