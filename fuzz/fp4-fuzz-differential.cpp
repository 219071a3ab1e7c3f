//===- fp4-fuzz-differential.cpp - Compiled quantize vs the library -------===//
//
// Part of fp4-mlir. The first two bytes pick one of a fixed table of
// quantize configurations (format x rule x variant: transpose, 16x16 tiles,
// tcgen05 scales, stochastic rounding, calibrated amax; f32/bf16/f16
// inputs); the rest become the input tensor (FuzzInputs.h). The
// configuration's kernel is compiled through nvfp4-lower-to-cpu and the JIT
// once, on first use, and cached; then every input costs one call. Any byte
// of values or scales, or the bits of g, that differs from the numerics
// library is a finding (abort).
//
//===----------------------------------------------------------------------===//

#include "CpuKernel.h"
#include "KernelSource.h"

#include "FuzzInputs.h"

#include "fp4/Numerics/BlockQuantize.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

using namespace mlir::fp4;
using namespace fp4tools;

namespace {

struct Config {
  QuantizeOptions o;
  ElementType type;
  uint64_t rows, cols;
};

/// Every valid combination of format, rule and variant (about a hundred).
std::vector<Config> makeConfigs() {
  struct Rule {
    ScaleRule rule;
    ErrorMetric metric;
    int radius;
  };
  const Rule rules[] = {{ScaleRule::Static6, ErrorMetric::MSE, 1},
                        {ScaleRule::Static4, ErrorMetric::MSE, 1},
                        {ScaleRule::FourOverSix, ErrorMetric::MSE, 1},
                        {ScaleRule::FourOverSix, ErrorMetric::MAE, 1},
                        {ScaleRule::FourOverSix, ErrorMetric::AbsMax, 1},
                        {ScaleRule::ScaleSearch, ErrorMetric::MSE, 1},
                        {ScaleRule::ScaleSearch, ErrorMetric::MSE, 5},
                        {ScaleRule::ScaleSearch, ErrorMetric::MSE, 126},
                        {ScaleRule::Exact, ErrorMetric::MSE, 1}};
  const ElementType types[] = {ElementType::F32, ElementType::BF16,
                               ElementType::F16};
  std::vector<Config> configs;
  for (Format format : {Format::NVFP4, Format::MXFP4}) {
    for (const Rule &r : rules) {
      for (int variant = 0; variant < 7; ++variant) {
        Config c;
        c.o.format = format;
        c.o.rule = r.rule;
        c.o.metric = r.metric;
        c.o.searchRadius = r.radius;
        c.o.seed = 7;
        c.type = types[(configs.size() + variant) % 3];
        c.rows = 32;
        c.cols = 64;
        switch (variant) {
        case 1:
          c.o.transpose = true;
          break;
        case 2:
          c.o.block2D = true;
          break;
        case 3: // One full 128 x 4 scale tile.
          c.o.scaleLayout = ScaleLayout::Tcgen05;
          c.rows = 128;
          c.cols = blockSize(format) * 4;
          break;
        case 4:
          c.o.rounding = Rounding::Stochastic;
          break;
        case 5:
          c.o.hasCalibratedAmax = true;
          c.o.amax = 3.0f;
          break;
        case 6:
          c.rows = 3;
          c.cols = 96;
          break;
        default:
          break;
        }
        if (validateQuantizeOptions(c.o, c.rows, c.cols).empty())
          configs.push_back(c);
      }
    }
  }
  return configs;
}

const std::vector<Config> &configs() {
  static std::vector<Config> table = makeConfigs();
  return table;
}

CpuKernel &kernelFor(size_t index) {
  // Never destroyed: tearing down ~90 JIT engines at exit took minutes under
  // ASan (each one's deinitializers are looked up and linked).
  static auto *cache = new std::map<size_t, std::unique_ptr<CpuKernel>>();
  std::unique_ptr<CpuKernel> &k = (*cache)[index];
  if (!k) {
    const Config &c = configs()[index];
    std::string error;
    k = CpuKernel::compile(quantizeKernel(c.o, c.rows, c.cols, c.type), error);
    if (!k) {
      std::fprintf(stderr, "fp4-fuzz-differential: config %zu: %s\n", index,
                   error.c_str());
      std::abort();
    }
  }
  return *k;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  std::fprintf(stderr, "fp4-fuzz-differential: %zu configurations\n",
               configs().size());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  size_t index = in.ConsumeIntegral<uint16_t>() % configs().size();
  const Config &c = configs()[index];
  std::vector<uint8_t> x = fp4fuzz::fuzzElements(in, c.type, c.rows * c.cols);

  uint64_t vBytes = packedValuesBytes(c.o, c.rows, c.cols);
  uint64_t sBytes = scaleBytes(c.o, c.rows, c.cols);
  std::vector<uint8_t> v(vBytes), s(sBytes), jv(vBytes, 0xAA),
      js(sBytes, 0xAA);
  QuantizeResult ref = quantize(x.data(), c.type, c.rows, c.cols, c.o,
                                v.data(), vBytes, s.data(), sBytes);
  if (!ref.ok) {
    std::fprintf(stderr, "fp4-fuzz-differential: library: %s\n",
                 ref.error.c_str());
    std::abort();
  }
  float g = decodeTensorScale(c.o, ref.info), jg = -1.0f;

  uint64_t outRows = c.o.transpose ? c.cols : c.rows;
  uint64_t outCols = c.o.transpose ? c.rows : c.cols;
  int64_t blockCols = outCols / blockSize(c.o.format);
  auto xd = describe(x.data(), {int64_t(c.rows), int64_t(c.cols)});
  auto qd = describe(jv.data(), {int64_t(outRows), int64_t(outCols / 2)});
  auto gd = describe(&jg, {1});
  bool called;
  if (c.o.scaleLayout == ScaleLayout::Tcgen05) {
    auto sd = describe(js.data(),
                       {int64_t(outRows / 128), blockCols / 4, 32, 4, 4});
    called = kernelFor(index).call("quantize", {&xd, &qd, &sd, &gd});
  } else {
    auto sd = describe(js.data(), {int64_t(outRows), blockCols});
    called = kernelFor(index).call("quantize", {&xd, &qd, &sd, &gd});
  }
  if (!called) {
    std::fprintf(stderr, "fp4-fuzz-differential: no @quantize\n");
    std::abort();
  }
  auto compare = [&](const char *what, const std::vector<uint8_t> &want,
                     const std::vector<uint8_t> &got) {
    for (size_t i = 0; i < want.size(); ++i)
      if (want[i] != got[i]) {
        std::fprintf(stderr,
                     "fp4-fuzz-differential: config %zu (%s): %s byte %zu: "
                     "library 0x%02X, compiled 0x%02X\n",
                     index, quantizeAttributes(c.o).c_str(), what, i, want[i],
                     got[i]);
        std::abort();
      }
  };
  compare("value", v, jv);
  compare("scale", s, js);
  if (floatToBits(g) != floatToBits(jg)) {
    std::fprintf(stderr,
                 "fp4-fuzz-differential: config %zu: g library %a, compiled "
                 "%a\n",
                 index, g, jg);
    std::abort();
  }
  return 0;
}
