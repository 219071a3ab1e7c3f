//===- fp4-bench-numerics.cpp - Quantizer throughput per scale rule -------===//
//
// Quantizes a 4096 x 4096 bf16 N(0,1) tensor on one thread with every scale
// rule and prints elements per second (best of a few repetitions; the whole
// quantize() call is timed, including the amax pass) for, in the same run:
//   fused    quantize(): the fused row kernel, the ISA copy the CPU runs
//   baseline the same kernel, portable baseline copy (when it differs)
//   ref      quantizeReference(): the block-at-a-time quantizer it replaced
// then fused / ref and fused / the issue-16 per-core target. Rates are per
// second of the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other
// processes on a busy machine do not distort them; the wall-clock rate of
// the fused kernel is printed too.
//
// Usage: fp4-bench-numerics [--no-ref] [ROWS COLS [REPS [RULE]]]
//
//===----------------------------------------------------------------------===//

#include "BenchCases.h"
#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/QuantizeKernels.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

using namespace mlir::fp4;

namespace {
double threadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// Best CPU and wall seconds of `reps` calls of `run`.
template <typename F>
void best(int reps, F run, double &cpu, double &wall) {
  cpu = wall = 1e30;
  for (int r = 0; r < reps; ++r) {
    double c0 = threadSeconds();
    auto t0 = std::chrono::steady_clock::now();
    run();
    auto t1 = std::chrono::steady_clock::now();
    cpu = std::fmin(cpu, threadSeconds() - c0);
    wall = std::fmin(wall, std::chrono::duration<double>(t1 - t0).count());
  }
}

/// The issue-16 per-core targets (elements/s), 0 where none is set.
double target(const char *rule) {
  if (!std::strcmp(rule, "static_6") || !std::strcmp(rule, "static_4"))
    return 1e9;
  if (!std::strcmp(rule, "mse") || !std::strcmp(rule, "mae") ||
      !std::strcmp(rule, "abs_max"))
    return 4e8;
  if (!std::strcmp(rule, "search:6"))
    return 1.5e8;
  if (!std::strcmp(rule, "exact"))
    return 1e8;
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  bool withRef = true;
  if (argc > 1 && std::strcmp(argv[1], "--no-ref") == 0) {
    withRef = false;
    --argc;
    ++argv;
  }
  uint64_t rows = argc > 2 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  uint64_t cols = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4096;
  int reps = argc > 3 ? std::atoi(argv[3]) : 3;
  const char *only = argc > 4 ? argv[4] : nullptr;
  std::vector<uint16_t> input = fp4bench::gaussianBF16(rows, cols);
  KernelIsa isa = activeKernelIsa();
  bool twoIsas = isa != KernelIsa::Baseline;
  std::printf("fp4-bench-numerics: %llux%llu bf16 N(0,1), one thread, best of "
              "%d, elements per CPU-second; fused = the %s kernel copy\n",
              (unsigned long long)rows, (unsigned long long)cols, reps,
              kernelIsaName(isa));
  std::printf("%-6s %-10s %11s %11s %11s %11s %8s %8s\n", "format", "rule",
              "fused", "fused-wall", twoIsas ? "baseline" : "-",
              withRef ? "ref" : "-", "vs ref", "vs goal");
  for (const fp4bench::Case &k : fp4bench::kCases) {
    if (only && std::strcmp(only, k.rule) != 0)
      continue;
    QuantizeOptions o = fp4bench::caseOptions(k.format, k.rule);
    std::vector<uint8_t> values(packedValuesBytes(o, rows, cols));
    std::vector<uint8_t> scales(scaleBytes(o, rows, cols));
    QuantizeResult res;
    auto fused = [&] {
      res = quantize(input.data(), ElementType::BF16, rows, cols, o,
                     values.data(), values.size(), scales.data(), scales.size());
    };
    double cpu, wall, cpuBase = 0, cpuRef = 0, unused;
    setKernelIsa(isa);
    best(reps, fused, cpu, wall);
    if (!res.ok) {
      std::fprintf(stderr, "error: %s\n", res.error.c_str());
      return 1;
    }
    if (twoIsas) {
      setKernelIsa(KernelIsa::Baseline);
      best(reps, fused, cpuBase, unused);
      setKernelIsa(isa);
    }
    if (withRef)
      best(reps,
           [&] {
             res = quantizeReference(input.data(), ElementType::BF16, rows,
                                     cols, o, values.data(), values.size(),
                                     scales.data(), scales.size());
           },
           cpuRef, unused);
    double n = static_cast<double>(rows * cols);
    double rate = n / cpu;
    char base[16] = "-", ref[16] = "-", vsRef[16] = "-", vsGoal[16] = "-";
    if (twoIsas)
      std::snprintf(base, sizeof(base), "%.3g", n / cpuBase);
    if (withRef) {
      std::snprintf(ref, sizeof(ref), "%.3g", n / cpuRef);
      std::snprintf(vsRef, sizeof(vsRef), "%.2f", cpuRef / cpu);
    }
    if (o.format == Format::NVFP4 && target(k.rule) > 0)
      std::snprintf(vsGoal, sizeof(vsGoal), "%.2f", rate / target(k.rule));
    std::printf("%-6s %-10s %11.3g %11.3g %11s %11s %8s %8s\n", k.format,
                k.rule, rate, n / wall, base, ref, vsRef, vsGoal);
  }
  return 0;
}
