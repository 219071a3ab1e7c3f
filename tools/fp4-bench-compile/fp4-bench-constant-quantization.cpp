//===- fp4-bench-constant-quantization.cpp - Weight quantization ---------===//
//
// Part of fp4-mlir. Times what nvfp4-quantize-matmuls does to a constant
// weight: quantizeConstant() on a dense_resource bf16 K x N weight (default
// 4096 x 14336, N(0, 1/64)), quantized along K (transposed, as the pass does
// for a linalg.matmul weight) with the tcgen05 scale layout. Baseline, in the
// same process: the numerics library's quantize() on the same bytes, without
// MLIR. One thread. Prints seconds, elements per second, the ratio baseline /
// constant time, whether both give the same bytes, and the peak resident
// memory. Exits 1 if any rule's bytes differ.
//
//   fp4-bench-constant-quantization [K N [RULE...]]
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/ConstantQuantization.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace mlir;

static double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

static double peakRSSMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

int main(int argc, char **argv) {
  int64_t k = 4096, n = 14336;
  std::vector<std::string> rules = {"static_6", "static_4", "mse",
                                    "mae",      "abs_max",  "search:1",
                                    "search:6", "exact"};
  if (argc >= 3) {
    k = std::atoll(argv[1]);
    n = std::atoll(argv[2]);
    if (k <= 0 || n <= 0) {
      std::fprintf(stderr, "usage: fp4-bench-constant-quantization [K N "
                           "[RULE...]]\n");
      return 2;
    }
  }
  if (argc >= 4)
    rules.assign(argv + 3, argv + argc);

  double baseRSS = peakRSSMiB();
  MLIRContext context;
  context.loadDialect<nvfp4::NVFP4Dialect>();
  // The weight: bf16 bits of N(0, 1/64), in a blob the context owns.
  size_t count = static_cast<size_t>(k) * n;
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(count * 2, 2);
  {
    auto *bits = reinterpret_cast<uint16_t *>(blob.getMutableData().data());
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.125f);
    for (size_t i = 0; i < count; ++i)
      bits[i] = fp4::floatToBF16(normal(rng));
  }
  auto type = RankedTensorType::get({k, n}, BFloat16Type::get(&context));
  auto weight = cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, "weight", std::move(blob)));
  const void *raw = nvfp4::getConstantBytes(weight)->data;
  double weightMiB = count * 2 / 1048576.0;
  double inputRSS = peakRSSMiB();

  std::printf("constant %lldx%lld bf16 weight (%.0f MiB), quantized along K "
              "(transposed), tcgen05 scales, one thread\n",
              static_cast<long long>(k), static_cast<long long>(n), weightMiB);
  std::printf("%-9s %9s %12s %9s %12s %8s %10s %5s\n", "rule", "library s",
              "library el/s", "const s", "const el/s", "ratio", "rel.error",
              "same");
  int differing = 0;
  for (const std::string &spec : rules) {
    fp4::QuantizeOptions options;
    std::string error = fp4::parseRuleSpec(spec, options);
    options.transpose = true;
    options.scaleLayout = fp4::ScaleLayout::Tcgen05;
    if (error.empty())
      error = fp4::validateQuantizeOptions(options, k, n);
    if (!error.empty()) {
      std::fprintf(stderr, "fp4-bench-constant-quantization: %s: %s\n",
                   spec.c_str(), error.c_str());
      return 2;
    }
    // Baseline: the library on the raw bytes.
    std::vector<uint8_t> values(fp4::packedValuesBytes(options, k, n));
    std::vector<uint8_t> scales(fp4::scaleBytes(options, k, n));
    auto t0 = std::chrono::steady_clock::now();
    fp4::quantize(raw, fp4::ElementType::BF16, k, n, options, values.data(),
                  values.size(), scales.data(), scales.size());
    double library = seconds(t0);

    t0 = std::chrono::steady_clock::now();
    FailureOr<nvfp4::QuantizedConstant> folded =
        nvfp4::quantizeConstant(weight, options, error);
    double constant = seconds(t0);
    if (failed(folded)) {
      std::fprintf(stderr, "fp4-bench-constant-quantization: %s\n",
                   error.c_str());
      return 1;
    }
    double relError =
        nvfp4::relativeQuantizationError(weight, *folded, options);
    // The constant path must produce the library's bytes.
    std::vector<uint8_t> valueStorage, scaleStorage;
    const uint8_t *foldedValues =
        nvfp4::getQuantizedBytes(folded->data, valueStorage);
    const uint8_t *foldedScales =
        nvfp4::getQuantizedBytes(folded->scales, scaleStorage);
    bool same = std::memcmp(foldedValues, values.data(), values.size()) == 0 &&
                std::memcmp(foldedScales, scales.data(), scales.size()) == 0;
    if (!same)
      ++differing;
    std::printf("%-9s %9.3f %12.3g %9.3f %12.3g %8.2f %10.5f %5s\n",
                spec.c_str(), library, count / library, constant,
                count / constant, library / constant, relError,
                same ? "yes" : "NO");
  }
  // The results of every rule stay in the context's blobs; the peak above
  // the input is one rule's library buffers plus all results.
  std::printf("peak RSS: %.0f MiB before the weight, %.0f MiB with it, %.0f "
              "MiB at the end (%zu results of %.1f MiB each kept)\n",
              baseRSS, inputRSS, peakRSSMiB(), rules.size(),
              (count / 2 + count / 16) / 1048576.0);
  return differing == 0 ? 0 : 1;
}
