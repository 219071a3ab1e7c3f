//===- Gaussian.cpp - Scale rules on N(0,1) data
//---------------------------===//
//
// On 1M seeded N(0,1) samples: MSE of every rule in original units, relative
// to static_6; exact against an independent brute-force search on every
// block; ScaleSearch(6) against exact; the per-block SSE ordering
// exact <= search(r) <= static_6.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "fp4/Numerics/BlockQuantize.h"

#include <cmath>

using namespace mlir::fp4;

namespace fp4test {
namespace {

constexpr uint64_t kRows = 1024, kCols = 1024;

struct RuleRun {
  const char *spec;
  Format format;
  std::vector<uint8_t> scales;
  double mse = 0;
};

/// Quantizes, dequantizes and returns the MSE in original units.
bool runRule(const std::vector<float> &x, RuleRun &run, Checker &c) {
  QuantizeOptions o;
  o.format = run.format;
  c.check(parseRuleSpec(run.spec, o).empty(), "rule spec");
  std::vector<uint8_t> values(packedValuesBytes(o, kRows, kCols));
  run.scales.resize(scaleBytes(o, kRows, kCols));
  QuantizeResult r =
      quantize(x.data(), ElementType::F32, kRows, kCols, o, values.data(),
               values.size(), run.scales.data(), run.scales.size());
  if (!c.check(r.ok, std::string(run.spec) + ": " + r.error))
    return false;
  std::vector<float> xhat(x.size());
  dequantize(values.data(), run.scales.data(), kRows, kCols, o.format,
             o.scaleLayout, r.info.amax, r.info.divisor, xhat.data());
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double d = static_cast<double>(xhat[i]) - x[i];
    sum += d * d;
  }
  run.mse = sum / x.size();
  return true;
}

/// Independent brute force: every code 1..top plus c0, lowest candidateError,
/// ties by isBetterCandidate.
int bruteForce(Format format, const float *x, size_t n, int c0, int top,
               const TensorScale &ts) {
  auto make = [&](int c) {
    return format == Format::NVFP4
               ? makeNVFP4Candidate(static_cast<uint8_t>(c), ts)
               : makeMXFP4Candidate(static_cast<uint8_t>(c));
  };
  int best = c0;
  float bestError = candidateError(x, n, make(c0), ErrorMetric::MSE);
  for (int c = 1; c <= top; ++c) {
    float e = candidateError(x, n, make(c), ErrorMetric::MSE);
    if (isBetterCandidate(e, c, bestError, best, c0)) {
      best = c;
      bestError = e;
    }
  }
  return best;
}

/// Checks exact against brute force on every block of `format`.
void checkExactEverywhere(const std::vector<float> &x, Format format,
                          Checker &c) {
  const uint64_t b = blockSize(format);
  const int top = format == Format::NVFP4 ? kMaxNVFP4Byte : kMaxMXFP4Code;
  float amax = finiteAbsMax(x.data(), ElementType::F32, x.size());
  TensorScale ts = tensorScaleForRule(ScaleRule::Exact, amax);
  uint64_t blocks = 0, disagree = 0, codeMismatch = 0, evaluations = 0;
  for (uint64_t i = 0; i < x.size(); i += b) {
    const float *xb = x.data() + i;
    float bamax = 0;
    for (uint64_t k = 0; k < b; ++k)
      bamax = std::fmax(bamax, std::fabs(xb[k]));
    int c0 = format == Format::NVFP4 ? nvfp4StandardScale(bamax, ts)
                                     : mxfp4StandardScale(bamax, 6.0f);
    ScaleChoice ex = exactScale(format, xb, b, c0, ts, nullptr);
    evaluations += ex.evaluated;
    disagree += ex.byte != bruteForce(format, xb, b, c0, top, ts);
    // The fused error equals encode + codesError.
    ScaleCandidate cand = format == Format::NVFP4
                              ? makeNVFP4Candidate(ex.byte, ts)
                              : makeMXFP4Candidate(ex.byte);
    uint8_t codes[64];
    encodeBlock(xb, b, cand, nullptr, codes);
    codeMismatch +=
        codesError(xb, codes, b, cand, ErrorMetric::MSE) != ex.error;
    ++blocks;
  }
  const char *name = format == Format::NVFP4 ? "nvfp4" : "mxfp4";
  std::printf(
      "%s exact vs brute force (%d candidates): %llu blocks, %llu differ; "
      "%.2f candidate evaluations per block\n",
      name, top, (unsigned long long)blocks, (unsigned long long)disagree,
      static_cast<double>(evaluations) / blocks);
  c.check(disagree == 0, std::string(name) + " exact agrees with brute force");
  c.check(codeMismatch == 0,
          std::string(name) + " candidateError == codesError");
}

} // namespace

int runGaussian() {
  Checker c("gaussian");
  std::vector<float> x = gaussianSamples(2026, kRows * kCols);
  RuleRun runs[] = {{"static_6", Format::NVFP4}, {"static_4", Format::NVFP4},
                    {"mse", Format::NVFP4},      {"mae", Format::NVFP4},
                    {"abs_max", Format::NVFP4},  {"search:1", Format::NVFP4},
                    {"search:3", Format::NVFP4}, {"search:6", Format::NVFP4},
                    {"exact", Format::NVFP4},    {"static_6", Format::MXFP4},
                    {"search:1", Format::MXFP4}, {"exact", Format::MXFP4}};
  for (RuleRun &run : runs)
    if (!runRule(x, run, c))
      return c.finish();
  const double base = runs[0].mse, mxBase = runs[9].mse;
  std::printf("%-8s %-10s %12s %10s\n", "format", "rule", "MSE", "reduction");
  for (const RuleRun &run : runs) {
    double ref = run.format == Format::NVFP4 ? base : mxBase;
    std::printf("%-8s %-10s %12.6e %9.2f%%\n",
                run.format == Format::NVFP4 ? "nvfp4" : "mxfp4", run.spec,
                run.mse, 100.0 * (1.0 - run.mse / ref));
  }
  auto reduction = [&](int i) { return 1.0 - runs[i].mse / base; };
  c.check(reduction(8) >= 0.265, "exact reduces MSE by >= 26.5%");
  c.check(reduction(2) > 0.14 && reduction(2) < 0.18,
          "four_over_six mse reduces MSE by about 16%");
  c.check(runs[11].mse <= runs[10].mse && runs[10].mse <= mxBase,
          "mxfp4 exact <= search:1 <= static_6");
  // ScaleSearch(6) against exact, and the SSE ordering of the NVFP4 rules.
  // A block may differ only where the optimum lies outside c0 +- 6 (c0 is the
  // static_6 byte: same tensor scale).
  uint64_t differ6 = 0, outside6 = 0, unexplained = 0;
  for (size_t i = 0; i < runs[8].scales.size(); ++i) {
    int c0 = runs[0].scales[i], ex = runs[8].scales[i];
    bool outside = ex < c0 - 6 || ex > c0 + 6;
    bool differs = runs[7].scales[i] != ex;
    differ6 += differs;
    outside6 += outside;
    unexplained += differs != outside;
  }
  std::printf("search:6 vs exact: %llu of %zu blocks differ; %llu blocks have "
              "their optimum outside c0 +- 6\n",
              (unsigned long long)differ6, runs[8].scales.size(),
              (unsigned long long)outside6);
  c.check(unexplained == 0, "search:6 differs from exact exactly where the "
                            "optimum is outside c0 +- 6");
  c.check(differ6 * 1000 <= runs[8].scales.size(),
          "search:6 matches exact on >= 99.9% of blocks");
  c.check(runs[8].mse <= runs[7].mse && runs[7].mse <= runs[6].mse &&
              runs[6].mse <= runs[5].mse && runs[5].mse <= base,
          "exact <= search:6 <= search:3 <= search:1 <= static_6");
  checkExactEverywhere(x, Format::NVFP4, c);
  checkExactEverywhere(x, Format::MXFP4, c);
  return c.finish();
}

} // namespace fp4test
