//===- fp4-bench-openmp.cpp - Bundled serial vs OpenMP quantize -----------===//
//
// Part of fp4-mlir. The driver of the CPU OpenMP bundle
// (scripts/cpu-omp-bundle.sh, scripts/cpu-omp-run.sh): links, without MLIR,
// the quantize kernels that nvfp4-lower-to-cpu compiled ahead of time serial
// and with threads=openmp (kernels.inc names them), and times them on one
// bf16 N(0,1) matrix per rule, as fp4-bench-lowering --threads=N does with
// the JIT: serial, then OpenMP on 1, 2 and N threads (N: a comma-separated
// list; default every core the runtime sees), with the ratios to serial and
// whether every output equals the numerics library's.
// Usage: fp4-bench-openmp [N[,N...] [REPS]].
//
//===----------------------------------------------------------------------===//

#include "MemRefDescriptor.h"

#include "BenchCases.h"
#include "fp4/Numerics/BlockQuantize.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads();

using namespace mlir::fp4;
using namespace fp4tools;

namespace {
using KernelFn = void (*)(void *, void *, void *, void *);
struct BundledKernel {
  const char *format, *rule;
  KernelFn serial, openmp;
};
#include "kernels.inc"
} // namespace

int main(int argc, char **argv) {
  std::vector<int> counts = {1, 2};
  std::string list = argc > 1 ? argv[1] : std::to_string(omp_get_max_threads());
  for (size_t begin = 0; begin <= list.size();) {
    size_t end = std::min(list.find(',', begin), list.size());
    int n = std::atoi(list.substr(begin, end - begin).c_str());
    if (n < 1) {
      std::fprintf(stderr, "usage: fp4-bench-openmp [N[,N...] [REPS]] "
                           "(thread counts from 1)\n");
      return 2;
    }
    if (std::find(counts.begin(), counts.end(), n) == counts.end())
      counts.push_back(n);
    begin = end + 1;
  }
  int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  if (reps < 1) {
    std::fprintf(stderr, "usage: fp4-bench-openmp [N[,N...] [REPS]]\n");
    return 2;
  }
  const uint64_t rows = kRows, cols = kCols;
  std::vector<uint16_t> input = fp4bench::gaussianBF16(rows, cols);
  fp4bench::printThreadsHeader("fp4-bench-openmp", " (AOT)", rows, cols, reps,
                               counts);
  int status = 0;
  for (const BundledKernel &k : kKernels) {
    QuantizeOptions o = fp4bench::caseOptions(k.format, k.rule);
    std::vector<uint8_t> values(packedValuesBytes(o, rows, cols)),
        scales(scaleBytes(o, rows, cols));
    QuantizeResult res =
        quantize(input.data(), ElementType::BF16, rows, cols, o, values.data(),
                 values.size(), scales.data(), scales.size());
    if (!res.ok) {
      std::fprintf(stderr, "error: %s\n", res.error.c_str());
      return 1;
    }
    bool identical = true;
    auto time = [&](KernelFn fn) {
      std::vector<uint8_t> q(values.size()), sc(scales.size());
      float g = 0.0f;
      auto x = describe(input.data(), {int64_t(rows), int64_t(cols)});
      auto qd = describe(q.data(), {int64_t(rows), int64_t(cols / 2)});
      auto sd = describe(sc.data(),
                         {int64_t(rows), int64_t(cols / blockSize(o.format))});
      auto gd = describe(&g, {1});
      double seconds =
          fp4bench::bestSeconds(reps, [&] { fn(&x, &qd, &sd, &gd); });
      identical &= q == values && sc == scales;
      return seconds;
    };
    double serial = time(k.serial);
    std::vector<double> parallel;
    for (int n : counts) {
      omp_set_num_threads(n);
      parallel.push_back(time(k.openmp));
    }
    status |= !identical;
    double elements = static_cast<double>(rows * cols);
    std::printf("%-6s %-9s %11.4g", k.format, k.rule, elements / serial);
    for (double t : parallel)
      std::printf(" %11.4g", elements / t);
    for (double t : parallel)
      std::printf(" %9.3f", serial / t);
    std::printf(" %s\n", identical ? "yes" : "NO");
    std::fflush(stdout);
  }
  return status;
}
