//===- fp4-bench-numerics.cpp - Quantizer throughput per scale rule -------===//
//
// Quantizes a 4096 x 4096 bf16 N(0,1) tensor on one thread with every scale
// rule and prints elements per second and the ratio to nvfp4 static_6
// (best of a few repetitions; the whole quantize() call is timed, including
// the amax pass). Usage: fp4-bench-numerics [ROWS COLS [REPS [RULE]]].
//
//===----------------------------------------------------------------------===//

#include "BenchCases.h"
#include "fp4/Numerics/BlockQuantize.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace mlir::fp4;

int main(int argc, char **argv) {
  uint64_t rows = argc > 2 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  uint64_t cols = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4096;
  int reps = argc > 3 ? std::atoi(argv[3]) : 3;
  const char *only = argc > 4 ? argv[4] : nullptr;
  std::vector<uint16_t> input = fp4bench::gaussianBF16(rows, cols);
  std::printf(
      "fp4-bench-numerics: %llux%llu bf16 N(0,1), one thread, best of %d\n",
      (unsigned long long)rows, (unsigned long long)cols, reps);
  std::printf("%-6s %-9s %14s %10s\n", "format", "rule", "elements/s",
              "vs static_6");
  double base = 0;
  for (const fp4bench::Case &k : fp4bench::kCases) {
    if (only && std::strcmp(only, k.rule) != 0)
      continue;
    QuantizeOptions o;
    o.format = k.format[0] == 'n' ? Format::NVFP4 : Format::MXFP4;
    parseRuleSpec(k.rule, o);
    std::vector<uint8_t> values(packedValuesBytes(o, rows, cols));
    std::vector<uint8_t> scales(scaleBytes(o, rows, cols));
    QuantizeResult res;
    double best = fp4bench::bestSeconds(reps, [&] {
      res = quantize(input.data(), ElementType::BF16, rows, cols, o,
                     values.data(), values.size(), scales.data(), scales.size());
    });
    if (!res.ok) {
      std::fprintf(stderr, "error: %s\n", res.error.c_str());
      return 1;
    }
    double rate = static_cast<double>(rows * cols) / best;
    if (base == 0)
      base = rate;
    std::printf("%-6s %-9s %14.4g %10.3f\n", k.format, k.rule, rate,
                rate / base);
  }
  return 0;
}
