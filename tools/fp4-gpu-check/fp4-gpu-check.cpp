//===- fp4-gpu-check.cpp - GPU kernels against the numerics library -------===//
//
// Part of fp4-mlir. The GPU twin of fp4-cpu-check: the same checks
// (tools/fp4-cpu-check/Checks.cpp), with the kernels compiled ahead of time,
// because the GPU machine has none of the MLIR toolchain:
//
//   fp4-gpu-check emit GOLDEN_DIR OUT.mlir
//       (here) writes every check's test function, renamed @case0, @case1,
//       ..., into one module; scripts/gpu-bundle.sh compiles it with
//       nvfp4-lower-to-gpu{chip=sm_90a format=bin host=true} into an object
//       with the cubin embedded.
//   fp4-gpu-check emit-bench OUT.mlir OUT.json
//       (here) the benchmark's functions (bench/gpu-bench.py: quantize of
//       8192^2 and 16384^2 bf16 per rule and format, calibrated and
//       on-device amax; scaled_matmul at 4096^3 and 8192^3) and a manifest
//       of what each computes and the bytes or flops it needs.
//   fp4-gpu-check run GOLDEN_DIR
//       (on the GPU machine, linked with that object and the MLIR CUDA
//       runtime wrappers: scripts/gpu-run.sh) calls each _mlir_ciface_caseN
//       and compares with the library: quantize and dequantize byte for
//       byte, scaled_matmul within the fp32 summation-order bound.
//
// Both walk the checks in the same order, so case numbers agree. Exits 1 on
// any mismatch.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "KernelSource.h"

#include "fp4/Numerics/BlockQuantize.h"

#include <dlfcn.h>

#include <cstdio>
#include <fstream>
#include <regex>

using namespace fp4tools;

namespace {
/// `source` (one KernelSource.h test function) with the function renamed
/// `name`, so that many share one module.
std::string renamed(const std::string &source, const std::string &name) {
  static const std::regex function(
      R"(func\.func @(quantize|dequantize|matmul|attention)\()");
  return std::regex_replace(source, function, "func.func @" + name + "(");
}

/// Emit mode: collects the sources; nothing runs.
class Recorder : public Executor {
public:
  std::unique_ptr<Callable> compile(const std::string &source,
                                    std::string &) override {
    module += renamed(source, "case" + std::to_string(next++));
    struct Nothing : Callable {
      bool call(const std::string &, const std::vector<void *> &) override {
        return true;
      }
    };
    return std::make_unique<Nothing>();
  }
  bool compares() const override { return false; }
  std::string module;

private:
  int next = 0;
};

/// Run mode: case N is _mlir_ciface_caseN of the linked object.
class LinkedCases : public Executor {
public:
  std::unique_ptr<Callable> compile(const std::string &,
                                    std::string &error) override {
    std::string symbol = "_mlir_ciface_case" + std::to_string(next++);
    void *function = dlsym(RTLD_DEFAULT, symbol.c_str());
    if (!function) {
      error = "no " + symbol + " (is the cases object linked with -rdynamic?)";
      return nullptr;
    }
    struct Linked : Callable {
      void *function;
      bool call(const std::string &, const std::vector<void *> &a) override {
        using F4 = void (*)(void *, void *, void *, void *);
        using F7 =
            void (*)(void *, void *, void *, void *, void *, void *, void *);
        if (a.size() == 4)
          reinterpret_cast<F4>(function)(a[0], a[1], a[2], a[3]);
        else if (a.size() == 7)
          reinterpret_cast<F7>(function)(a[0], a[1], a[2], a[3], a[4], a[5],
                                         a[6]);
        else
          return false;
        return true;
      }
    };
    auto callable = std::make_unique<Linked>();
    callable->function = function;
    return callable;
  }
  bool exactMatmul() const override { return false; }
  /// nvfp4-lower-to-gpu{chip=sm_90a} lowers attention fused by default:
  /// one thread per query row in the reference's order.
  bool exactAttention() const override { return true; }

private:
  int next = 0;
};

using namespace mlir::fp4;

/// The benchmark's functions (@bench0, ...) and their manifest entries.
bool emitBench(const std::string &mlirPath, const std::string &jsonPath) {
  std::string module, json = "[\n";
  int next = 0;
  auto add = [&](std::string source, const std::string &entry) {
    std::string fn = "bench" + std::to_string(next++);
    module += renamed(source, fn);
    json += std::string(next > 1 ? ",\n" : "") + "  {\"function\": \"" + fn +
            "\", " + entry + "}";
  };
  for (uint64_t size : {8192, 16384}) {
    for (Format format : {Format::NVFP4, Format::MXFP4}) {
      std::vector<const char *> rules = {"static_6", "search:6", "exact"};
      if (format == Format::NVFP4)
        rules.insert(rules.begin() + 1, "mse");
      for (const char *rule : rules)
        for (bool calibrated : {true, false}) {
          if (format == Format::MXFP4 && !calibrated)
            continue; // MXFP4 has no tensor amax
          QuantizeOptions o;
          o.format = format;
          parseRuleSpec(rule, o);
          o.hasCalibratedAmax = format == Format::NVFP4 && calibrated;
          o.amax = 4.0f;
          // Traffic the op needs: the input once, the codes and scales out.
          uint64_t bytes = size * size * 2 + packedValuesBytes(o, size, size) +
                           scaleBytes(o, size, size);
          add(quantizeKernel(o, size, size, ElementType::BF16),
              "\"op\": \"quantize\", \"format\": \"" +
                  std::string(format == Format::NVFP4 ? "nvfp4" : "mxfp4") +
                  "\", \"rule\": \"" + rule + "\", \"amax\": \"" +
                  (format == Format::MXFP4 ? "none"
                   : calibrated            ? "calibrated"
                                           : "device") +
                  "\", \"rows\": " + std::to_string(size) +
                  ", \"cols\": " + std::to_string(size) +
                  ", \"bytes\": " + std::to_string(bytes));
        }
    }
  }
  for (uint64_t size : {4096, 8192})
    for (ScaleLayout layout : {ScaleLayout::Tcgen05, ScaleLayout::RowMajor})
      add(matmulKernel(size, size, size, Format::NVFP4, layout,
                       ElementType::BF16),
          "\"op\": \"matmul\", \"format\": \"nvfp4\", \"layout\": \"" +
              std::string(layout == ScaleLayout::Tcgen05 ? "tcgen05"
                                                         : "row_major") +
              "\", \"m\": " + std::to_string(size) + ", \"n\": " +
              std::to_string(size) + ", \"k\": " + std::to_string(size) +
              ", \"flops\": " + std::to_string(2 * size * size * size));
  json += "\n]\n";
  std::ofstream mlir(mlirPath), manifest(jsonPath);
  mlir << "// Generated by fp4-gpu-check emit-bench.\n" << module;
  manifest << json;
  return mlir && manifest;
}

int runAll(Executor &exec, const std::string &goldenDir) {
  int failed = runQuantizeChecks(exec, goldenDir);
  failed |= runDequantizeChecks(exec);
  failed |= runMatmulChecks(exec);
  failed |= runAttentionChecks(exec);
  return failed;
}
} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "emit" && argc == 4) {
    Recorder recorder;
    if (runAll(recorder, argv[2]))
      return 1;
    std::ofstream out(argv[3]);
    out << "// Generated by fp4-gpu-check emit: the GPU check's cases.\n"
        << recorder.module;
    return out ? 0 : 1;
  }
  if (mode == "emit-bench" && argc == 4)
    return emitBench(argv[2], argv[3]) ? 0 : 1;
  if (mode == "run" && argc == 3) {
    LinkedCases cases;
    int failed = runAll(cases, argv[2]);
    std::printf("fp4-gpu-check: %s\n", failed ? "FAILED" : "all cases passed");
    return failed;
  }
  std::fprintf(stderr, "usage: fp4-gpu-check emit GOLDEN_DIR OUT.mlir\n"
                       "       fp4-gpu-check emit-bench OUT.mlir OUT.json\n"
                       "       fp4-gpu-check run GOLDEN_DIR\n");
  return 2;
}
