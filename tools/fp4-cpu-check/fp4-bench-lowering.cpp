//===- fp4-bench-lowering.cpp - Compiled quantize vs the library ----------===//
//
// Part of fp4-mlir. Quantizes one bf16 N(0,1) matrix (default 4096 x 4096)
// per scale rule two ways in this process, on one thread: with the numerics
// library's quantize() and with the nvfp4.quantize kernel compiled by
// nvfp4-lower-to-cpu (JIT, host CPU). Prints elements per second, the ratio
// compiled / library (above 1: the compiled code is faster) and whether the
// outputs are identical. Best of REPS runs; both timings include the amax
// pass. Usage: fp4-bench-lowering [ROWS COLS [REPS [RULE]]].
//
//===----------------------------------------------------------------------===//

#include "CpuKernel.h"
#include "KernelSource.h"

#include "BenchCases.h"
#include "fp4/Numerics/BlockQuantize.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace mlir::fp4;
using namespace fp4tools;

int main(int argc, char **argv) {
  uint64_t rows = argc > 2 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  uint64_t cols = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4096;
  int reps = argc > 3 ? std::atoi(argv[3]) : 3;
  const char *only = argc > 4 ? argv[4] : nullptr;
  std::vector<uint16_t> input = fp4bench::gaussianBF16(rows, cols);
  std::printf("fp4-bench-lowering: %llux%llu bf16 N(0,1), one thread, best "
              "of %d\n",
              (unsigned long long)rows, (unsigned long long)cols, reps);
  std::printf("%-6s %-9s %14s %14s %9s %s\n", "format", "rule",
              "library el/s", "compiled el/s", "ratio", "identical");
  int status = 0;
  for (const fp4bench::Case &k : fp4bench::kCases) {
    if (only && std::strcmp(only, k.rule) != 0)
      continue;
    QuantizeOptions o;
    o.format = k.format[0] == 'n' ? Format::NVFP4 : Format::MXFP4;
    parseRuleSpec(k.rule, o);
    std::vector<uint8_t> values(packedValuesBytes(o, rows, cols)),
        scales(scaleBytes(o, rows, cols)), jitValues(values.size()),
        jitScales(scales.size());
    QuantizeResult res;
    double library = fp4bench::bestSeconds(reps, [&] {
      res = quantize(input.data(), ElementType::BF16, rows, cols, o,
                     values.data(), values.size(), scales.data(),
                     scales.size());
    });
    if (!res.ok) {
      std::fprintf(stderr, "error: %s\n", res.error.c_str());
      return 1;
    }
    std::string error;
    auto kernel = CpuKernel::compile(
        quantizeKernel(o, rows, cols, ElementType::BF16), error);
    if (!kernel) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return 1;
    }
    float g = 0.0f;
    auto x = describe(input.data(), {int64_t(rows), int64_t(cols)});
    auto q = describe(jitValues.data(), {int64_t(rows), int64_t(cols / 2)});
    auto s = describe(jitScales.data(),
                      {int64_t(rows), int64_t(cols / blockSize(o.format))});
    auto gd = describe(&g, {1});
    double compiled = fp4bench::bestSeconds(
        reps, [&] { kernel->call("quantize", {&x, &q, &s, &gd}); });
    bool identical = values == jitValues && scales == jitScales;
    status |= !identical;
    double n = static_cast<double>(rows * cols);
    std::printf("%-6s %-9s %14.4g %14.4g %9.3f %s\n", k.format, k.rule,
                n / library, n / compiled, library / compiled,
                identical ? "yes" : "NO");
  }
  return status;
}
