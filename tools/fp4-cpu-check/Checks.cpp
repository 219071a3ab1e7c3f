//===- Checks.cpp - nvfp4 kernels against the numerics library -----------===//
//
// Part of fp4-mlir. The checks behind fp4-cpu-check and fp4-gpu-check: every
// quantize configuration, dequantize and scaled_matmul, run through an
// Executor and compared with the numerics library on the same inputs. One
// line per case with its mismatch counts.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "KernelSource.h"
#include "MemRefDescriptor.h"

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/Float16.h"
#include "fp4/Numerics/ScaledMatmul.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace mlir::fp4;
namespace fp4tools {
namespace {

int failures = 0;

/// An input matrix as raw element bytes.
struct Input {
  std::string name;
  ElementType type;
  uint64_t rows, cols;
  std::vector<uint8_t> bytes;
};

uint32_t floatBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

float bitsFloat(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

bool readFile(const std::string &path, std::vector<uint8_t> &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

/// Random values over many binades, with (if `specials`) NaN, +-Inf, -0,
/// subnormals, huge values (up to 3.3e38) and all-zero rows; stored as
/// `type`.
Input randomInput(ElementType type, uint64_t rows, uint64_t cols, uint32_t seed,
                  bool specials = true) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-20, 20), pick(0, 999);
  int range = type == ElementType::F16 ? 6 : 20;
  Input in{"random", type, rows, cols, {}};
  in.bytes.resize(rows * cols * elementSize(type));
  for (uint64_t r = 0; r < rows; ++r) {
    float rowScale = std::ldexp(1.0f, exponent(rng) % (range + 1));
    bool zeroRow = specials && r % 37 == 5;
    for (uint64_t c = 0; c < cols; ++c) {
      float v = zeroRow ? 0.0f : normal(rng) * rowScale;
      int p = specials ? pick(rng) : 999;
      if (p == 0)
        v = NAN;
      else if (p == 1)
        v = INFINITY;
      else if (p == 2)
        v = -INFINITY;
      else if (p == 3)
        v = -0.0f;
      else if (p == 4)
        v = type == ElementType::F16 ? 3e-6f : 1e-40f; // subnormal
      else if (p == 5)
        v = type == ElementType::F16 ? -6e4f : -3e37f;
      else if (p == 6) // an MXFP4 block near FLT_MAX (bf16 holds 3.3e38)
        v = type == ElementType::F16 ? 6.1e4f : 3.3e38f;
      uint64_t i = r * cols + c;
      if (type == ElementType::F32) {
        std::memcpy(&in.bytes[4 * i], &v, 4);
      } else {
        uint16_t h = type == ElementType::BF16 ? floatToBF16(v) : floatToF16(v);
        std::memcpy(&in.bytes[2 * i], &h, 2);
      }
    }
  }
  return in;
}

/// One quantize configuration, named like fp4-quantize's --rule.
struct QuantizeCase {
  std::string rule; ///< parseRuleSpec syntax
  Format format = Format::NVFP4;
  bool block2D = false, transpose = false, tcgen05 = false, stochastic = false;
  float amax = 0.0f;     ///< > 0: calibrated
  bool allTypes = false; ///< also run the f32 and f16 inputs
};

std::string caseName(const QuantizeCase &c) {
  std::string s = (c.format == Format::NVFP4 ? "nvfp4 " : "mxfp4 ") + c.rule;
  if (c.block2D)
    s += " 16x16";
  if (c.transpose)
    s += " transpose";
  if (c.tcgen05)
    s += " tcgen05";
  if (c.stochastic)
    s += " stochastic";
  if (c.amax > 0) {
    char amax[32];
    std::snprintf(amax, sizeof amax, " amax=%g", c.amax);
    s += amax;
  }
  return s;
}

/// Quantizes every input of one type and shape with one compiled kernel and
/// with the library; returns false on a compile failure.
void checkQuantize(Executor &exec, const QuantizeCase &c,
                   const std::vector<Input> &inputs) {
  const Input &first = inputs.front();
  QuantizeOptions o;
  o.format = c.format;
  if (std::string e = parseRuleSpec(c.rule, o); !e.empty()) {
    std::printf("FAIL %s: %s\n", caseName(c).c_str(), e.c_str());
    ++failures;
    return;
  }
  o.block2D = c.block2D;
  o.transpose = c.transpose;
  o.scaleLayout = c.tcgen05 ? ScaleLayout::Tcgen05 : ScaleLayout::RowMajor;
  o.rounding = c.stochastic ? Rounding::Stochastic : Rounding::Nearest;
  o.seed = 20261122;
  o.hasCalibratedAmax = c.amax > 0;
  o.amax = c.amax;
  std::string error;
  auto kernel = exec.compile(
      quantizeKernel(o, first.rows, first.cols, first.type), error);
  const char *typeName = first.type == ElementType::F32    ? "f32"
                         : first.type == ElementType::BF16 ? "bf16"
                                                           : "f16";
  if (!kernel) {
    std::printf("FAIL %s %s: compile error:\n%s\n", caseName(c).c_str(),
                typeName, error.c_str());
    ++failures;
    return;
  }
  uint64_t outRows = c.transpose ? first.cols : first.rows;
  uint64_t outCols = c.transpose ? first.rows : first.cols;
  uint64_t vBytes = packedValuesBytes(o, first.rows, first.cols);
  uint64_t sBytes = scaleBytes(o, first.rows, first.cols);
  uint64_t valueMismatches = 0, scaleMismatches = 0, gMismatches = 0;
  for (const Input &in : inputs) {
    std::vector<uint8_t> v(vBytes), s(sBytes), jv(vBytes, 0xAA),
        js(sBytes, 0xAA);
    QuantizeResult ref = quantize(in.bytes.data(), in.type, in.rows, in.cols, o,
                                  v.data(), vBytes, s.data(), sBytes);
    if (!ref.ok) {
      std::printf("FAIL %s: library: %s\n", caseName(c).c_str(),
                  ref.error.c_str());
      ++failures;
      return;
    }
    float g = decodeTensorScale(o, ref.info), jg = -1.0f;
    auto x = describe(const_cast<uint8_t *>(in.bytes.data()),
                      {int64_t(in.rows), int64_t(in.cols)});
    auto q = describe(jv.data(), {int64_t(outRows), int64_t(outCols / 2)});
    auto gd = describe(&jg, {1});
    bool called;
    if (c.tcgen05) {
      int64_t blockCols = outCols / blockSize(o.format);
      auto sd = describe(js.data(),
                         {int64_t(outRows / 128), blockCols / 4, 32, 4, 4});
      called = kernel->call("quantize", {&x, &q, &sd, &gd});
    } else {
      auto sd = describe(js.data(), {int64_t(outRows),
                                     int64_t(outCols / blockSize(o.format))});
      called = kernel->call("quantize", {&x, &q, &sd, &gd});
    }
    if (!called) {
      std::printf("FAIL %s: no @quantize\n", caseName(c).c_str());
      ++failures;
      return;
    }
    if (!exec.compares())
      continue;
    for (uint64_t i = 0; i < vBytes; ++i)
      valueMismatches += v[i] != jv[i];
    for (uint64_t i = 0; i < sBytes; ++i)
      scaleMismatches += s[i] != js[i];
    gMismatches += floatBits(g) != floatBits(jg);
  }
  if (!exec.compares())
    return;
  bool ok = valueMismatches == 0 && scaleMismatches == 0 && gMismatches == 0;
  failures += !ok;
  std::printf("%s %-40s %-4s %zu inputs %llux%llu: value bytes %llu/%llu, "
              "scale bytes %llu/%llu, tensor scales %llu/%zu mismatched\n",
              ok ? "ok  " : "FAIL", caseName(c).c_str(), typeName,
              inputs.size(), (unsigned long long)first.rows,
              (unsigned long long)first.cols,
              (unsigned long long)valueMismatches,
              (unsigned long long)(vBytes * inputs.size()),
              (unsigned long long)scaleMismatches,
              (unsigned long long)(sBytes * inputs.size()),
              (unsigned long long)gMismatches, inputs.size());
}

} // namespace

int runQuantizeChecks(Executor &exec, const std::string &goldenDir) {
  std::vector<Input> bf16Inputs;
  for (const char *dist : {"gauss", "t3", "rows", "edge"}) {
    // 256 x 2048 bf16; the subset under test/golden has fewer rows (a
    // divisor of 256), repeated here to the same shape (the amax is kept).
    Input in{dist, ElementType::BF16, 256, 2048, {}};
    std::vector<uint8_t> bytes;
    const size_t full = 256 * 2048 * 2;
    if (!readFile(goldenDir + "/" + dist + "/input.bf16", bytes) ||
        bytes.empty() || full % bytes.size() != 0) {
      std::printf("FAIL cannot read %s/%s/input.bf16 (256 x 2048 bf16, or "
                  "a divisor of 256 rows)\n",
                  goldenDir.c_str(), dist);
      return 1;
    }
    for (size_t i = 0; i < full; i += bytes.size())
      in.bytes.insert(in.bytes.end(), bytes.begin(), bytes.end());
    bf16Inputs.push_back(std::move(in));
  }
  bf16Inputs.push_back(randomInput(ElementType::BF16, 256, 2048, 1));
  // A tensor with no finite non-zero element but NaNs: amax 0, so every block
  // is zero except the NaN blocks, which keep the NaN scale.
  Input nanOnly{"zeros-and-NaN", ElementType::F32, 128, 256,
                std::vector<uint8_t>(128 * 256 * 4, 0)};
  for (uint64_t i : {5u, 256u * 17 + 200, 256u * 127 + 255}) {
    float nan = bitsFloat(0x7FC00000);
    std::memcpy(&nanOnly.bytes[4 * i], &nan, 4);
  }
  // Tiny tensors: amax near 2^-100 still has a usable tensor scale (blocks
  // with subnormal E4M3 scales included); near 2^-110 it has not
  // (usableTensorScale), and the tensor quantizes to zeros. A huge one (amax
  // near FLT_MAX) caps the static_4 / four_over_six block scales
  // (nvfp4LargestFiniteByte).
  auto scaledRows = [](float factor, const char *name) {
    Input in{name, ElementType::F32, 128, 256,
             std::vector<uint8_t>(128 * 256 * 4)};
    for (uint32_t i = 0; i < 128 * 256; ++i) {
      // Uniform in [-1, 1], rows scaled by 1, 2^-8 or 2^-15 (subnormal E4M3
      // block scales), all by `factor`.
      float v = static_cast<float>((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
      v *= std::ldexp(factor, (i / 256) % 3 == 0 ? 0 : (i / 256) % 3 == 1 ? -8 : -15);
      std::memcpy(&in.bytes[4 * i], &v, 4);
    }
    return in;
  };
  std::vector<Input> f32Inputs{randomInput(ElementType::F32, 128, 256, 2),
                               randomInput(ElementType::F32, 128, 256, 3),
                               nanOnly, scaledRows(0x1p-100f, "tiny-2^-100"),
                               scaledRows(0x1p-110f, "tiny-2^-110"),
                               scaledRows(0x1.fffffep127f, "huge-FLT_MAX")};
  std::vector<Input> f16Inputs{randomInput(ElementType::F16, 128, 256, 4)};

  std::vector<QuantizeCase> cases;
  auto add = [&](QuantizeCase c) { cases.push_back(c); };
  for (const char *rule : {"static_6", "static_4", "mse", "mae", "abs_max",
                           "search:1", "search:6", "exact"})
    add({rule, Format::NVFP4, false, false, false, false, 0.0f, true});
  for (const char *rule : {"static_6", "mse", "abs_max", "search:2", "exact"})
    add({rule, Format::NVFP4, true});
  for (const char *rule : {"static_6", "static_4", "search:1", "exact"})
    add({rule, Format::MXFP4, false, false, false, false, 0.0f, true});
  add({"search:4", Format::MXFP4});
  for (const char *rule : {"static_6", "mse", "exact"})
    add({rule, Format::NVFP4, false, true, false, false, 0.0f, true});
  add({"exact", Format::MXFP4, false, true});
  add({"mse", Format::NVFP4, false, false, true});
  add({"static_6", Format::MXFP4, false, false, true});
  add({"mse", Format::NVFP4, true, true, true}); // 2-D, transposed, tcgen05
  for (const char *rule : {"static_6", "mse", "mae", "search:2", "exact"})
    add({rule, Format::NVFP4, false, false, false, true});
  add({"exact", Format::MXFP4, false, false, false, true});
  add({"static_6", Format::NVFP4, false, false, false, false, 3.0f, true});
  add({"mse", Format::NVFP4, false, false, false, false, 100.0f});
  // A calibrated amax near FLT_MAX and below the data (a fuzzing finding):
  // the capped scales with stochastic rounding up to code 7.
  for (const char *rule : {"static_4", "mae"})
    add({rule, Format::NVFP4, false, false, false, true, 0x1.777774p+127f,
         true});

  for (const QuantizeCase &c : cases) {
    checkQuantize(exec, c, bf16Inputs);
    if (c.allTypes) {
      checkQuantize(exec, c, f32Inputs);
      checkQuantize(exec, c, f16Inputs);
    }
  }
  std::printf("quantize: %zu cases, %d failed\n", cases.size(), failures);
  return failures != 0;
}

namespace {
/// Compares f32 results bit for bit, with any NaN equal to any NaN.
uint64_t countMismatches(const std::vector<float> &ref, const void *out,
                         ElementType type) {
  uint64_t mismatches = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    uint32_t expected, actual;
    if (type == ElementType::F32) {
      expected = floatBits(ref[i]);
      std::memcpy(&actual, static_cast<const char *>(out) + 4 * i, 4);
      if (std::isnan(ref[i]) && std::isnan(bitsFloat(actual)))
        continue;
    } else {
      expected =
          type == ElementType::BF16 ? floatToBF16(ref[i]) : floatToF16(ref[i]);
      uint16_t h;
      std::memcpy(&h, static_cast<const char *>(out) + 2 * i, 2);
      actual = h;
      bool bothNaN = std::isnan(ref[i]) &&
                     (type == ElementType::BF16 ? (h & 0x7FFF) > 0x7F80
                                                : (h & 0x7FFF) > 0x7C00);
      if (bothNaN)
        continue;
    }
    if (expected != actual && getenv("FP4_CHECK_VERBOSE") && mismatches < 8)
      std::printf("  [%zu] expected 0x%08X (%a) got 0x%08X\n", i, expected,
                  ref[i], actual);
    mismatches += expected != actual;
  }
  return mismatches;
}

struct BoundReport {
  uint64_t outside = 0;
  double maxAbsDiff = 0, maxRatio = 0;
};

/// Checks `out` against the sequential reference `ref` within the fp32
/// summation-order bound. Both sums carry at most k additions of the exact
/// products (e2m1 * scale products are exact in fp32); the reference rounds
/// each to nearest (error <= u |partial|, u = 2^-24), the tensor core in an
/// order and rounding of its own, assumed no worse than 2u per addition
/// (truncation). So |sum_gpu - sum_ref| <= 3 k u S with S = sum |a_i b_i|;
/// times |g|, plus one rounding of each product by g (2u |ref|), plus for
/// bf16 results the rounding of that interval's ends.
BoundReport checkSummationBound(const QuantizedMatrix &a,
                                const QuantizedMatrix &b, uint64_t m,
                                uint64_t n, uint64_t k, Format format,
                                ScaleLayout layout,
                                const std::vector<float> &ref, const void *out,
                                ElementType type) {
  std::vector<float> da(m * k), db(n * k);
  dequantize(a.values, a.scales, m, k, format, layout, 1.0f, da.data());
  dequantize(b.values, b.scales, n, k, format, layout, 1.0f, db.data());
  const double u = std::ldexp(1.0, -24);
  const double g = std::fabs(double(a.tensorScale) * b.tensorScale);
  BoundReport r;
  for (uint64_t i = 0; i < m; ++i)
    for (uint64_t j = 0; j < n; ++j) {
      double absSum = 0;
      for (uint64_t kk = 0; kk < k; ++kk)
        absSum += std::fabs(double(da[i * k + kk]) * db[j * k + kk]);
      double expected = ref[i * n + j];
      double bound = 3.0 * k * u * absSum * g + 2 * u * std::fabs(expected);
      double actual, diff;
      bool inside;
      if (type == ElementType::F32) {
        float f;
        std::memcpy(&f, static_cast<const char *>(out) + 4 * (i * n + j), 4);
        actual = f;
        diff = std::fabs(actual - expected);
        inside = diff <= bound; // false for NaN
      } else {
        // bf16 rounding is monotone: any fp32 sum within the bound rounds
        // into [bf16(ref - bound), bf16(ref + bound)]; the difference is
        // reported against bf16(ref).
        uint16_t h;
        std::memcpy(&h, static_cast<const char *>(out) + 2 * (i * n + j), 2);
        actual = bitsFloat(uint32_t(h) << 16);
        auto bf16 = [](double v) {
          return double(bitsFloat(uint32_t(floatToBF16(float(v))) << 16));
        };
        double lo = bf16(expected - bound), hi = bf16(expected + bound);
        diff = std::fabs(actual - bf16(expected));
        inside = actual >= lo && actual <= hi;
        bound = std::max(hi - bf16(expected), bf16(expected) - lo);
      }
      if (std::isnan(expected) && std::isnan(actual))
        continue;
      r.outside += !inside;
      if (!std::isnan(diff)) {
        r.maxAbsDiff = std::max(r.maxAbsDiff, diff);
        if (bound > 0)
          r.maxRatio = std::max(r.maxRatio, diff / bound);
      }
    }
  return r;
}

} // namespace

int runDequantizeChecks(Executor &exec) {
  const uint64_t rows = 256, cols = 512;
  std::mt19937 rng(7);
  for (Format format : {Format::NVFP4, Format::MXFP4})
    for (ScaleLayout layout : {ScaleLayout::RowMajor, ScaleLayout::Tcgen05})
      for (ElementType type :
           {ElementType::F32, ElementType::BF16, ElementType::F16}) {
        QuantizeOptions o;
        o.format = format;
        o.scaleLayout = layout;
        std::vector<uint8_t> values(packedValuesBytes(o, rows, cols)),
            scales(scaleBytes(o, rows, cols));
        for (uint8_t &b : values)
          b = static_cast<uint8_t>(rng());
        // Every scale byte, NaN ones included; NVFP4 mostly near 1.0 so the
        // products stay in range for f16.
        for (uint8_t &b : scales)
          b = static_cast<uint8_t>(rng());
        float g = format == Format::NVFP4 ? 0x1.8p-7f : 1.0f;
        std::vector<float> ref(rows * cols);
        dequantize(values.data(), scales.data(), rows, cols, format, layout, g,
                   ref.data());
        std::string error;
        auto kernel = exec.compile(
            dequantizeKernel(rows, cols, format, layout, type), error);
        const char *name = format == Format::NVFP4 ? "nvfp4" : "mxfp4";
        const char *layoutName =
            layout == ScaleLayout::RowMajor ? "row_major" : "tcgen05";
        const char *typeName = type == ElementType::F32    ? "f32"
                               : type == ElementType::BF16 ? "bf16"
                                                           : "f16";
        if (!kernel) {
          std::printf("FAIL dequantize %s %s %s: %s\n", name, layoutName,
                      typeName, error.c_str());
          ++failures;
          continue;
        }
        std::vector<uint8_t> out(rows * cols * elementSize(type));
        auto q = describe(values.data(), {int64_t(rows), int64_t(cols / 2)});
        auto gd = describe(&g, {1});
        auto od = describe(out.data(), {int64_t(rows), int64_t(cols)});
        int64_t blockCols = cols / blockSize(format);
        if (layout == ScaleLayout::Tcgen05) {
          auto sd = describe(scales.data(),
                             {int64_t(rows / 128), blockCols / 4, 32, 4, 4});
          kernel->call("dequantize", {&q, &sd, &gd, &od});
        } else {
          auto sd = describe(scales.data(), {int64_t(rows), blockCols});
          kernel->call("dequantize", {&q, &sd, &gd, &od});
        }
        if (!exec.compares())
          continue;
        uint64_t bad = countMismatches(ref, out.data(), type);
        failures += bad != 0;
        std::printf("%s dequantize %s %-9s -> %-4s %llux%llu: %llu/%llu "
                    "values mismatched\n",
                    bad ? "FAIL" : "ok  ", name, layoutName, typeName,
                    (unsigned long long)rows, (unsigned long long)cols,
                    (unsigned long long)bad, (unsigned long long)(rows * cols));
      }
  std::printf("dequantize: %d failed\n", failures);
  return failures != 0;
}

int runMatmulChecks(Executor &exec) {
  struct Shape {
    uint64_t m, n, k;
  };
  for (Format format : {Format::NVFP4, Format::MXFP4})
    for (ScaleLayout layout : {ScaleLayout::RowMajor, ScaleLayout::Tcgen05})
      for (ElementType type : {ElementType::F32, ElementType::BF16})
        for (Shape s :
             {Shape{128, 256, 512}, Shape{128, 136, 256}, Shape{100, 72, 48},
              // M and N below one warp's 64 x 64 tile (the attention's
              // P.V with Dv = 32): every fragment guard is false there.
              Shape{32, 32, 64}, Shape{48, 16, 96}, Shape{40, 24, 32},
              Shape{256, 384, 1056}, Shape{128, 128, 8192}}) {
          if (layout == ScaleLayout::Tcgen05 &&
              (s.m % 128 != 0 || s.n % 128 != 0))
            continue;
          if (s.k % (4 * blockSize(format)) != 0 &&
              layout == ScaleLayout::Tcgen05)
            continue;
          if (s.k % blockSize(format) != 0)
            continue;
          QuantizeOptions o;
          o.format = format;
          o.scaleLayout = layout;
          if (format == Format::NVFP4)
            parseRuleSpec("mse", o);
          // Finite inputs: a NaN block would make whole rows NaN.
          Input a = randomInput(ElementType::F32, s.m, s.k, 11, false);
          Input b = randomInput(ElementType::F32, s.n, s.k, 12, false);
          // Long sums of random-sign products stay within fp32's 24 bits
          // (no rounding, so any order gives the same sum); all-positive
          // ones grow linearly and round, so the summation order shows.
          if (s.k >= 8192)
            for (Input *in : {&a, &b})
              for (size_t i = 0; i < in->bytes.size(); i += 4)
                in->bytes[i + 3] &= 0x7F; // clear the f32 sign bit

          std::vector<uint8_t> av(packedValuesBytes(o, s.m, s.k)),
              as(scaleBytes(o, s.m, s.k)), bv(packedValuesBytes(o, s.n, s.k)),
              bs(scaleBytes(o, s.n, s.k));
          QuantizeResult ra =
              quantize(a.bytes.data(), ElementType::F32, s.m, s.k, o, av.data(),
                       av.size(), as.data(), as.size());
          QuantizeResult rb =
              quantize(b.bytes.data(), ElementType::F32, s.n, s.k, o, bv.data(),
                       bv.size(), bs.data(), bs.size());
          float ga = decodeTensorScale(o, ra.info);
          float gb = decodeTensorScale(o, rb.info);
          std::vector<float> ref(s.m * s.n);
          std::string error = scaledMatmulReference(
              {av.data(), as.data(), ga}, {bv.data(), bs.data(), gb}, s.m, s.n,
              s.k, format, layout, ref.data());
          auto kernel = exec.compile(
              matmulKernel(s.m, s.n, s.k, format, layout, type), error);
          const char *name = format == Format::NVFP4 ? "nvfp4" : "mxfp4";
          const char *layoutName =
              layout == ScaleLayout::RowMajor ? "row_major" : "tcgen05";
          const char *typeName = type == ElementType::F32 ? "f32" : "bf16";
          if (!kernel) {
            std::printf("FAIL matmul %s %s %s: %s\n", name, layoutName,
                        typeName, error.c_str());
            ++failures;
            continue;
          }
          std::vector<uint8_t> out(s.m * s.n * elementSize(type));
          auto ad = describe(av.data(), {int64_t(s.m), int64_t(s.k / 2)});
          auto bd = describe(bv.data(), {int64_t(s.n), int64_t(s.k / 2)});
          auto gad = describe(&ga, {1});
          auto gbd = describe(&gb, {1});
          auto od = describe(out.data(), {int64_t(s.m), int64_t(s.n)});
          int64_t kb = s.k / blockSize(format);
          if (layout == ScaleLayout::Tcgen05) {
            auto sad =
                describe(as.data(), {int64_t(s.m / 128), kb / 4, 32, 4, 4});
            auto sbd =
                describe(bs.data(), {int64_t(s.n / 128), kb / 4, 32, 4, 4});
            kernel->call("matmul", {&ad, &sad, &gad, &bd, &sbd, &gbd, &od});
          } else {
            auto sad = describe(as.data(), {int64_t(s.m), kb});
            auto sbd = describe(bs.data(), {int64_t(s.n), kb});
            kernel->call("matmul", {&ad, &sad, &gad, &bd, &sbd, &gbd, &od});
          }
          if (!exec.compares())
            continue;
          std::string measured;
          uint64_t bad;
          if (exec.exactMatmul()) {
            bad = countMismatches(ref, out.data(), type);
          } else {
            BoundReport r = checkSummationBound(
                {av.data(), as.data(), ga}, {bv.data(), bs.data(), gb}, s.m,
                s.n, s.k, format, layout, ref, out.data(), type);
            bad = r.outside;
            char text[128];
            std::snprintf(text, sizeof(text),
                          " (max |gpu - ref| = %.3g, max ratio to bound %.3f)",
                          r.maxAbsDiff, r.maxRatio);
            measured = text;
          }
          failures += bad != 0;
          std::printf("%s matmul %s %-9s -> %-4s %llux%llux%llu: %llu/%llu "
                      "results %s%s\n",
                      bad ? "FAIL" : "ok  ", name, layoutName, typeName,
                      (unsigned long long)s.m, (unsigned long long)s.n,
                      (unsigned long long)s.k, (unsigned long long)bad,
                      (unsigned long long)(s.m * s.n),
                      exec.exactMatmul() ? "mismatched" : "outside the bound",
                      measured.c_str());
        }
  std::printf("matmul: %d failed\n", failures);
  return failures != 0;
}

} // namespace fp4tools
