//===- fp4-cpu-check.cpp - Run the portable lowering against the library --===//
//
// Part of fp4-mlir. JIT-compiles nvfp4 kernels through nvfp4-lower-to-cpu and
// compares every output byte with the numerics library on the same inputs:
//
//   fp4-cpu-check quantize GOLDEN_DIR   every rule, format, block shape,
//                                       layout, rounding, transpose and a
//                                       calibrated amax, on the golden inputs
//                                       and on random inputs with specials
//   fp4-cpu-check dequantize            random codes and scale bytes
//   fp4-cpu-check matmul                scaled_matmul against
//                                       scaledMatmulReference
//
// Prints one line per case with its mismatch counts; exits 1 on any
// mismatch or compile failure.
//
//===----------------------------------------------------------------------===//

#include "CpuKernel.h"
#include "KernelSource.h"

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/Float16.h"
#include "fp4/Numerics/ScaledMatmul.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace mlir::fp4;
using namespace fp4tools;

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

/// f32 -> f16 bits, round to nearest even (bf16: floatToBF16).
uint16_t toF16(float f) {
  _Float16 h = static_cast<_Float16>(f); // RNE on x86-64 (GCC >= 12).
  uint16_t b;
  std::memcpy(&b, &h, 2);
  return b;
}

bool readFile(const std::string &path, std::vector<uint8_t> &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

/// Random values over many binades, with (if `specials`) NaN, +-Inf, -0,
/// subnormals, huge values and all-zero rows; stored as `type`.
Input randomInput(ElementType type, uint64_t rows, uint64_t cols,
                  uint32_t seed, bool specials = true) {
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
      uint64_t i = r * cols + c;
      if (type == ElementType::F32) {
        std::memcpy(&in.bytes[4 * i], &v, 4);
      } else {
        uint16_t h = type == ElementType::BF16 ? floatToBF16(v) : toF16(v);
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
  float amax = 0.0f; ///< > 0: calibrated
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
  if (c.amax > 0)
    s += " amax=" + std::to_string(c.amax);
  return s;
}

/// Quantizes every input of one type and shape with one compiled kernel and
/// with the library; returns false on a compile failure.
void checkQuantize(const QuantizeCase &c, const std::vector<Input> &inputs) {
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
  auto kernel = CpuKernel::compile(
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
    QuantizeResult ref = quantize(in.bytes.data(), in.type, in.rows, in.cols,
                                  o, v.data(), vBytes, s.data(), sBytes);
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
      auto sd = describe(js.data(), {int64_t(outRows / 128), blockCols / 4,
                                     32, 4, 4});
      called = kernel->call("quantize", {&x, &q, &sd, &gd});
    } else {
      auto sd = describe(js.data(),
                         {int64_t(outRows), int64_t(outCols / blockSize(o.format))});
      called = kernel->call("quantize", {&x, &q, &sd, &gd});
    }
    if (!called) {
      std::printf("FAIL %s: no @quantize\n", caseName(c).c_str());
      ++failures;
      return;
    }
    for (uint64_t i = 0; i < vBytes; ++i)
      valueMismatches += v[i] != jv[i];
    for (uint64_t i = 0; i < sBytes; ++i)
      scaleMismatches += s[i] != js[i];
    gMismatches += floatBits(g) != floatBits(jg);
  }
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

int runQuantize(const std::string &goldenDir) {
  std::vector<Input> bf16Inputs;
  for (const char *dist : {"gauss", "t3", "rows", "edge"}) {
    Input in{dist, ElementType::BF16, 256, 2048, {}};
    if (!readFile(goldenDir + "/" + dist + "/input.bf16", in.bytes) ||
        in.bytes.size() != 256 * 2048 * 2) {
      std::printf("FAIL cannot read %s/%s/input.bf16\n", goldenDir.c_str(),
                  dist);
      return 1;
    }
    bf16Inputs.push_back(std::move(in));
  }
  bf16Inputs.push_back(randomInput(ElementType::BF16, 256, 2048, 1));
  std::vector<Input> f32Inputs{randomInput(ElementType::F32, 128, 256, 2),
                               randomInput(ElementType::F32, 128, 256, 3)};
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

  for (const QuantizeCase &c : cases) {
    checkQuantize(c, bf16Inputs);
    if (c.allTypes) {
      checkQuantize(c, f32Inputs);
      checkQuantize(c, f16Inputs);
    }
  }
  std::printf("quantize: %zu cases, %d failed\n", cases.size(), failures);
  return failures != 0;
}

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
      expected = type == ElementType::BF16 ? floatToBF16(ref[i]) : toF16(ref[i]);
      uint16_t h;
      std::memcpy(&h, static_cast<const char *>(out) + 2 * i, 2);
      actual = h;
      bool bothNaN =
          std::isnan(ref[i]) && (type == ElementType::BF16
                                     ? (h & 0x7FFF) > 0x7F80
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

int runDequantize() {
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
        dequantize(values.data(), scales.data(), rows, cols, format, layout,
                   g, ref.data());
        std::string error;
        auto kernel = CpuKernel::compile(
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
        uint64_t bad = countMismatches(ref, out.data(), type);
        failures += bad != 0;
        std::printf("%s dequantize %s %-9s -> %-4s %llux%llu: %llu/%llu "
                    "values mismatched\n",
                    bad ? "FAIL" : "ok  ", name, layoutName, typeName,
                    (unsigned long long)rows, (unsigned long long)cols,
                    (unsigned long long)bad,
                    (unsigned long long)(rows * cols));
      }
  std::printf("dequantize: %d failed\n", failures);
  return failures != 0;
}

int runMatmul() {
  struct Shape {
    uint64_t m, n, k;
  };
  for (Format format : {Format::NVFP4, Format::MXFP4})
    for (ScaleLayout layout : {ScaleLayout::RowMajor, ScaleLayout::Tcgen05})
      for (ElementType type : {ElementType::F32, ElementType::BF16})
        for (Shape s : {Shape{128, 256, 512}, Shape{128, 136, 256}}) {
          if (layout == ScaleLayout::Tcgen05 && s.n % 128 != 0)
            continue;
          QuantizeOptions o;
          o.format = format;
          o.scaleLayout = layout;
          if (format == Format::NVFP4)
            parseRuleSpec("mse", o);
          // Finite inputs: a NaN block would make whole rows NaN.
          Input a = randomInput(ElementType::F32, s.m, s.k, 11, false);
          Input b = randomInput(ElementType::F32, s.n, s.k, 12, false);
          std::vector<uint8_t> av(packedValuesBytes(o, s.m, s.k)),
              as(scaleBytes(o, s.m, s.k)), bv(packedValuesBytes(o, s.n, s.k)),
              bs(scaleBytes(o, s.n, s.k));
          QuantizeResult ra = quantize(a.bytes.data(), ElementType::F32, s.m,
                                       s.k, o, av.data(), av.size(), as.data(),
                                       as.size());
          QuantizeResult rb = quantize(b.bytes.data(), ElementType::F32, s.n,
                                       s.k, o, bv.data(), bv.size(), bs.data(),
                                       bs.size());
          float ga = decodeTensorScale(o, ra.info);
          float gb = decodeTensorScale(o, rb.info);
          std::vector<float> ref(s.m * s.n);
          std::string error = scaledMatmulReference(
              {av.data(), as.data(), ga}, {bv.data(), bs.data(), gb}, s.m, s.n,
              s.k, format, layout, ref.data());
          auto kernel = CpuKernel::compile(
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
            auto sad = describe(as.data(), {int64_t(s.m / 128), kb / 4, 32, 4, 4});
            auto sbd = describe(bs.data(), {int64_t(s.n / 128), kb / 4, 32, 4, 4});
            kernel->call("matmul", {&ad, &sad, &gad, &bd, &sbd, &gbd, &od});
          } else {
            auto sad = describe(as.data(), {int64_t(s.m), kb});
            auto sbd = describe(bs.data(), {int64_t(s.n), kb});
            kernel->call("matmul", {&ad, &sad, &gad, &bd, &sbd, &gbd, &od});
          }
          uint64_t bad = countMismatches(ref, out.data(), type);
          failures += bad != 0;
          std::printf("%s matmul %s %-9s -> %-4s %llux%llux%llu: %llu/%llu "
                      "results mismatched\n",
                      bad ? "FAIL" : "ok  ", name, layoutName, typeName,
                      (unsigned long long)s.m, (unsigned long long)s.n,
                      (unsigned long long)s.k, (unsigned long long)bad,
                      (unsigned long long)(s.m * s.n));
        }
  std::printf("matmul: %d failed\n", failures);
  return failures != 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "quantize" && argc == 3)
    return runQuantize(argv[2]);
  if (mode == "dequantize" && argc == 2)
    return runDequantize();
  if (mode == "matmul" && argc == 2)
    return runMatmul();
  std::fprintf(stderr,
               "usage: fp4-cpu-check quantize GOLDEN_DIR | dequantize | "
               "matmul\n");
  return 2;
}
