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
// With a first argument --threads=N the compiled code is timed against
// itself instead: nvfp4-lower-to-cpu serial and with threads=openmp on 1, 2
// and N OpenMP threads, in the same run, with the ratios to serial (above 1:
// faster) and whether all outputs equal the library's; without RULE, a
// dequantize and a scaled_matmul row follow (checked against serial).
// Usage: fp4-bench-lowering --threads=N [ROWS COLS [REPS [RULE]]].
//
// --emit DIR [ROWS COLS] writes the same comparison for a machine without
// MLIR (scripts/cpu-omp-bundle.sh): DIR/serial.mlir and DIR/openmp.mlir, one
// quantize kernel per case named serial_quantize_I / openmp_quantize_I, and
// DIR/kernels.inc, the table that fp4-bench-openmp links them by.
//
//===----------------------------------------------------------------------===//

#include "CpuKernel.h"
#include "KernelSource.h"

#include "BenchCases.h"
#include "fp4/Numerics/BlockQuantize.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace mlir::fp4;
using namespace fp4tools;

namespace {
/// Compiles `source` (an nvfp4.quantize kernel) with `threads`; exits on
/// failure.
std::unique_ptr<CpuKernel> compileOrExit(const std::string &source,
                                         mlir::fp4::CpuThreads threads) {
  CompileHooks hooks;
  hooks.threads = threads;
  std::string error;
  std::unique_ptr<CpuKernel> kernel = CpuKernel::compile(source, error, hooks);
  if (!kernel) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    std::exit(1);
  }
  return kernel;
}

/// One row of the --threads table for `source`: `run` calls the kernel into
/// its output buffer; `work` is what one call does (elements, or MACs). The
/// OpenMP outputs must equal the serial one (fp4-cpu-check checks that one
/// against the library). Returns whether they did.
bool threadsRow(
    const char *format, const char *label, double work,
    const std::string &source, const std::vector<int> &counts, int reps,
    const std::function<void(CpuKernel &, std::vector<uint8_t> &)> &run) {
  std::vector<uint8_t> serialOut, out;
  std::unique_ptr<CpuKernel> serialKernel =
      compileOrExit(source, mlir::fp4::CpuThreads::Serial);
  double serial =
      fp4bench::bestSeconds(reps, [&] { run(*serialKernel, serialOut); });
  std::unique_ptr<CpuKernel> openmp =
      compileOrExit(source, mlir::fp4::CpuThreads::OpenMP);
  bool identical = true;
  std::vector<double> parallel;
  for (int n : counts) {
    if (!setOpenMPThreads(n)) {
      std::fprintf(stderr, "error: cannot set the OpenMP thread count\n");
      std::exit(1);
    }
    parallel.push_back(fp4bench::bestSeconds(reps, [&] { run(*openmp, out); }));
    identical &= out == serialOut;
  }
  std::printf("%-6s %-9s %11.4g", format, label, work / serial);
  for (double t : parallel)
    std::printf(" %11.4g", work / t);
  for (double t : parallel)
    std::printf(" %9.3f", serial / t);
  std::printf(" %s\n", identical ? "yes" : "NO");
  std::fflush(stdout);
  return identical;
}

/// --threads=N: serial vs OpenMP on 1, 2 and N threads, per rule.
int benchThreads(int threads, uint64_t rows, uint64_t cols, int reps,
                 const char *only) {
  std::vector<int> counts = {1, 2};
  if (threads != 1 && threads != 2)
    counts.push_back(threads);
  std::vector<uint16_t> input = fp4bench::gaussianBF16(rows, cols);
  fp4bench::printThreadsHeader("fp4-bench-lowering", "", rows, cols, reps,
                               counts);
  int status = 0;
  for (const fp4bench::Case &k : fp4bench::kCases) {
    if (only && std::strcmp(only, k.rule) != 0)
      continue;
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
    std::string source = quantizeKernel(o, rows, cols, ElementType::BF16);
    bool identical = true;
    // Times `kernel` and checks its bytes against the library's.
    auto time = [&](CpuKernel &kernel) {
      std::vector<uint8_t> q(values.size()), sc(scales.size());
      float g = 0.0f;
      auto x = describe(input.data(), {int64_t(rows), int64_t(cols)});
      auto qd = describe(q.data(), {int64_t(rows), int64_t(cols / 2)});
      auto sd = describe(sc.data(),
                         {int64_t(rows), int64_t(cols / blockSize(o.format))});
      auto gd = describe(&g, {1});
      double seconds = fp4bench::bestSeconds(reps, [&] {
        kernel.call("quantize", {&x, &qd, &sd, &gd});
      });
      identical &= q == values && sc == scales;
      return seconds;
    };
    double serial = time(*compileOrExit(source, mlir::fp4::CpuThreads::Serial));
    std::unique_ptr<CpuKernel> openmp =
        compileOrExit(source, mlir::fp4::CpuThreads::OpenMP);
    std::vector<double> parallel;
    for (int n : counts) {
      if (!setOpenMPThreads(n)) {
        std::fprintf(stderr, "error: cannot set the OpenMP thread count\n");
        return 1;
      }
      parallel.push_back(time(*openmp));
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
  if (only)
    return status;

  // The other two block loops on the static_6 codes of the same input:
  // dequantize to bf16 (elements/s) and an M = N = 512 scaled_matmul over
  // K = COLS (MACs/s; A's first rows times themselves).
  QuantizeOptions o;
  parseRuleSpec("static_6", o);
  std::vector<uint8_t> values(packedValuesBytes(o, rows, cols)),
      scales(scaleBytes(o, rows, cols));
  QuantizeResult res =
      quantize(input.data(), ElementType::BF16, rows, cols, o, values.data(),
               values.size(), scales.data(), scales.size());
  float g = decodeTensorScale(o, res.info);
  int64_t blockCols = cols / blockSize(o.format);
  auto q = describe(values.data(), {int64_t(rows), int64_t(cols / 2)});
  auto sd = describe(scales.data(), {int64_t(rows), blockCols});
  auto gd = describe(&g, {1});
  std::printf("dequantize: el/s; matmul: MAC/s (identical: OpenMP output "
              "= serial output)\n");
  status |= !threadsRow(
      "nvfp4", "deq bf16", double(rows * cols),
      dequantizeKernel(rows, cols, Format::NVFP4, ScaleLayout::RowMajor,
                       ElementType::BF16),
      counts, reps, [&](CpuKernel &kernel, std::vector<uint8_t> &out) {
        out.resize(rows * cols * 2);
        auto od = describe(out.data(), {int64_t(rows), int64_t(cols)});
        kernel.call("dequantize", {&q, &sd, &gd, &od});
      });
  uint64_t m = std::min<uint64_t>(rows, 512);
  auto a = describe(values.data(), {int64_t(m), int64_t(cols / 2)});
  auto sa = describe(scales.data(), {int64_t(m), blockCols});
  status |= !threadsRow(
      "nvfp4", "matmul", double(m * m * cols),
      matmulKernel(m, m, cols, Format::NVFP4, ScaleLayout::RowMajor,
                   ElementType::F32),
      counts, reps, [&](CpuKernel &kernel, std::vector<uint8_t> &out) {
        out.resize(m * m * 4);
        auto od = describe(out.data(), {int64_t(m), int64_t(m)});
        kernel.call("matmul", {&a, &sa, &gd, &a, &sa, &gd, &od});
      });
  return status;
}

/// --emit: the kernels of every case for scripts/cpu-omp-bundle.sh.
int emitBundle(const std::string &dir, uint64_t rows, uint64_t cols) {
  std::ofstream serial(dir + "/serial.mlir"), openmp(dir + "/openmp.mlir"),
      table(dir + "/kernels.inc");
  if (!serial || !openmp || !table) {
    std::fprintf(stderr, "error: cannot write to %s\n", dir.c_str());
    return 1;
  }
  table << "// Generated by fp4-bench-lowering --emit; do not edit.\n"
        << "constexpr uint64_t kRows = " << rows << ", kCols = " << cols
        << ";\n";
  std::string entries;
  int index = 0;
  for (const fp4bench::Case &k : fp4bench::kCases) {
    QuantizeOptions o = fp4bench::caseOptions(k.format, k.rule);
    std::string source = quantizeKernel(o, rows, cols, ElementType::BF16);
    std::string name = "quantize_" + std::to_string(index++);
    for (auto [os, prefix] :
         {std::pair<std::ofstream *, const char *>{&serial, "serial_"},
          {&openmp, "openmp_"}}) {
      std::string renamed = source;
      renamed.replace(renamed.find("@quantize("), 10,
                      "@" + (prefix + name) + "(");
      *os << renamed << "\n";
      table << "extern \"C\" void _mlir_ciface_" << prefix << name
            << "(void *, void *, void *, void *);\n";
    }
    entries += "    {\"" + std::string(k.format) + "\", \"" + k.rule +
               "\", _mlir_ciface_serial_" + name + ", _mlir_ciface_openmp_" +
               name + "},\n";
  }
  table << "constexpr BundledKernel kKernels[] = {\n" << entries << "};\n";
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "--emit") {
    if (argc != 3 && argc != 5) {
      std::fprintf(stderr,
                   "usage: fp4-bench-lowering --emit DIR [ROWS COLS]\n");
      return 2;
    }
    uint64_t rows = argc == 5 ? std::strtoull(argv[3], nullptr, 10) : 4096;
    uint64_t cols = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 4096;
    return emitBundle(argv[2], rows, cols);
  }
  const std::string threadsFlag = "--threads=";
  if (argc > 1 && std::string(argv[1]).rfind(threadsFlag, 0) == 0) {
    char *end = nullptr;
    long threads = std::strtol(argv[1] + threadsFlag.size(), &end, 10);
    if (*end != '\0' || threads < 1 || threads > 1024) {
      std::fprintf(stderr,
                   "fp4-bench-lowering: --threads expects a thread count "
                   "from 1 to 1024, got '%s'\n",
                   argv[1] + threadsFlag.size());
      return 2;
    }
    --argc;
    ++argv;
    uint64_t rows = argc > 2 ? std::strtoull(argv[1], nullptr, 10) : 4096;
    uint64_t cols = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4096;
    int reps = argc > 3 ? std::atoi(argv[3]) : 3;
    return benchThreads(static_cast<int>(threads), rows, cols, reps,
                        argc > 4 ? argv[4] : nullptr);
  }
  uint64_t rows = argc > 2 ? std::strtoull(argv[1], nullptr, 10) : 4096;
  uint64_t cols = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 4096;
  int reps = argc > 3 ? std::atoi(argv[3]) : 3;
  const char *only = argc > 4 ? argv[4] : nullptr;
  std::vector<uint16_t> input = fp4bench::gaussianBF16(rows, cols);
  std::printf("fp4-bench-lowering: %llux%llu bf16 N(0,1), one thread, best "
              "of %d\n",
              (unsigned long long)rows, (unsigned long long)cols, reps);
  std::printf("%-6s %-9s %14s %14s %9s %s\n", "format", "rule", "library el/s",
              "compiled el/s", "ratio", "identical");
  int status = 0;
  for (const fp4bench::Case &k : fp4bench::kCases) {
    if (only && std::strcmp(only, k.rule) != 0)
      continue;
    QuantizeOptions o = fp4bench::caseOptions(k.format, k.rule);
    std::vector<uint8_t> values(packedValuesBytes(o, rows, cols)),
        scales(scaleBytes(o, rows, cols)), jitValues(values.size()),
        jitScales(scales.size());
    QuantizeResult res;
    double library = fp4bench::bestSeconds(reps, [&] {
      res =
          quantize(input.data(), ElementType::BF16, rows, cols, o,
                   values.data(), values.size(), scales.data(), scales.size());
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
    double compiled = fp4bench::bestSeconds(reps, [&] {
      kernel->call("quantize", {&x, &q, &s, &gd});
    });
    bool identical = values == jitValues && scales == jitScales;
    status |= !identical;
    double n = static_cast<double>(rows * cols);
    std::printf("%-6s %-9s %14.4g %14.4g %9.3f %s\n", k.format, k.rule,
                n / library, n / compiled, library / compiled,
                identical ? "yes" : "NO");
  }
  return status;
}
