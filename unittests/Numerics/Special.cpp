//===- Special.cpp - Special values, layouts, options and API contract ----===//
//
// The documented special-value policy (BlockQuantize.h, docs/numerics.md),
// transposition, the tcgen05 scale layout, 2-D tiles, stochastic rounding,
// dequantization order and option validation.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/E4M3.h"

#include <cfloat>
#include <cmath>
#include <cstring>

using namespace mlir::fp4;

namespace fp4test {
namespace {

/// Output of one quantize() call.
struct Quantized {
  QuantizeResult result;
  std::vector<uint8_t> values, scales;
  uint8_t code(uint64_t row, uint64_t col) const {
    return unpackE2M1(values.data() + row * (result.info.outCols / 2), col);
  }
};

Quantized run(const std::vector<float> &x, uint64_t rows, uint64_t cols,
              const QuantizeOptions &o) {
  Quantized q;
  q.values.assign(packedValuesBytes(o, rows, cols), 0xAB);
  q.scales.assign(scaleBytes(o, rows, cols), 0xAB);
  q.result =
      quantize(x.data(), ElementType::F32, rows, cols, o, q.values.data(),
               q.values.size(), q.scales.data(), q.scales.size());
  return q;
}

bool sameOutput(const Quantized &a, const Quantized &b) {
  return a.result.ok && b.result.ok && a.values == b.values &&
         a.scales == b.scales;
}

void testNaNAndInf(Checker &c) {
  std::vector<float> x = gaussianSamples(11, 4 * 64);
  for (Format f : {Format::NVFP4, Format::MXFP4}) {
    QuantizeOptions o;
    o.format = f;
    std::vector<float> withNaN = x, zeroed = x;
    withNaN[70] = NAN; // block 2 of row 1 (NVFP4), block 0 of row 1 (MXFP4)
    uint64_t b = blockSize(f), first = 70 / b * b;
    for (uint64_t i = first; i < first + b; ++i)
      zeroed[i] = 0.0f;
    Quantized qn = run(withNaN, 4, 64, o), qz = run(zeroed, 4, 64, o);
    uint64_t blockIdx = 70 / b;
    bool othersSame = true;
    for (uint64_t i = 0; i < qn.scales.size(); ++i)
      othersSame &= i == blockIdx || qn.scales[i] == qz.scales[i];
    for (uint64_t i = 0; i < x.size(); ++i)
      othersSame &= i / b == blockIdx ||
                    qn.code(i / 64, i % 64) == qz.code(i / 64, i % 64);
    uint8_t nanByte = f == Format::NVFP4 ? 0x7F : 0xFF;
    bool codesZero = true;
    for (uint64_t i = first; i < first + b; ++i)
      codesZero &= qn.code(i / 64, i % 64) == 0;
    c.check(qn.result.ok && qn.scales[blockIdx] == nanByte && codesZero &&
                qn.result.info.nanBlocks == 1 && othersSame &&
                qn.result.info.amax == qz.result.info.amax,
            "NaN block gets the NaN scale, zero codes; amax ignores NaN");
    std::vector<float> deq(x.size());
    dequantize(qn.values.data(), qn.scales.data(), 4, 64, f,
               ScaleLayout::RowMajor, qn.result.info.amax,
               qn.result.info.divisor, deq.data());
    c.check(std::isnan(deq[first]) && std::isnan(deq[first + b - 1]) &&
                !std::isnan(deq[0]),
            "a NaN block dequantizes to NaN");
  }
  // +-Inf is clamped to +-amax (NVFP4) before quantization; amax ignores it.
  std::vector<float> withInf = x, clamped = x;
  withInf[5] = INFINITY;
  withInf[200] = -INFINITY;
  float amax = finiteAbsMax(x.data(), ElementType::F32, x.size());
  clamped[5] = amax;
  clamped[200] = -amax;
  for (const char *rule : {"static_6", "mse", "exact"}) {
    QuantizeOptions o;
    parseRuleSpec(rule, o);
    Quantized qi = run(withInf, 4, 64, o), qc = run(clamped, 4, 64, o);
    c.check(sameOutput(qi, qc) && qi.result.info.amax == amax,
            std::string("Inf is clamped to amax: ") + rule);
  }
  QuantizeOptions mx;
  mx.format = Format::MXFP4;
  std::vector<float> mxClamped = x;
  mxClamped[5] = FLT_MAX;
  mxClamped[200] = -FLT_MAX;
  c.check(sameOutput(run(withInf, 4, 64, mx), run(mxClamped, 4, 64, mx)),
          "MXFP4 Inf is clamped to FLT_MAX");
}

// MXFP4 blocks whose amax is near FLT_MAX: the max-based code 253 (2^126)
// would encode the largest element as 4 * 2^126 = Inf. Every rule keeps
// finite input finite (code 252: 6 * 2^125), for +-Inf input (clamped to
// FLT_MAX) too.
void testMXFP4NearFloatMax(Checker &c) {
  std::vector<float> x = gaussianSamples(23, 2 * 64);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] *= 0x1p122f;
  x[3] = FLT_MAX;          // block 0: amax FLT_MAX
  x[40] = -0x1.9p127f;     // block 1: just above the limit 1.5 * 2^127
  x[64 + 7] = INFINITY;    // block 2: Inf, clamped to FLT_MAX
  x[64 + 40] = 0x1.8p127f; // block 3: at the limit (code 252 anyway)
  for (const char *rule :
       {"static_6", "static_4", "search:1", "search:6", "exact"}) {
    QuantizeOptions o;
    o.format = Format::MXFP4;
    parseRuleSpec(rule, o);
    Quantized q = run(x, 2, 64, o);
    std::vector<float> deq(x.size());
    dequantize(q.values.data(), q.scales.data(), 2, 64, Format::MXFP4,
               ScaleLayout::RowMajor, 1.0f, 1.0f, deq.data());
    bool finite = q.result.ok;
    for (float v : deq)
      finite &= std::isfinite(v);
    c.check(finite && q.scales[0] <= 252 && q.scales[1] <= 252 &&
                q.scales[2] <= 252,
            std::string("MXFP4 near FLT_MAX stays finite: ") + rule);
  }
  QuantizeOptions o;
  o.format = Format::MXFP4;
  Quantized q = run(x, 2, 64, o);
  // static_6: block 0 (FLT_MAX / 6 > 2^125) would take 253; 252 with the
  // largest element saturated to code 7 (6 * 2^125).
  c.check(q.scales[0] == 252 && (q.code(0, 3) & 7) == 7,
          "MXFP4 static_6 at FLT_MAX: code 252, element 6 * 2^125");
}

// NVFP4 block scales are capped per tensor (nvfp4LargestFiniteByte) so that
// no code decodes to Inf: static_4 and four_over_six map amax to 4 * 448 and
// 6 * 256, so a block scale of 448 would let code 7 reach 1.5 or 1.75 times
// amax, reached when a calibrated amax is below the data or stochastic
// rounding goes up to 6 (a fuzzing finding, amax 0x1.777774p+127).
void testNVFP4ScaleCapNearFloatMax(Checker &c) {
  // The cap binds only above FLT_MAX / 1.5 and FLT_MAX / 1.75.
  c.check(nvfp4LargestFiniteByte(6.0f, 1792.0f) == 0x7E &&
              nvfp4LargestFiniteByte(6.0f, 1536.0f) == 0x7E &&
              nvfp4LargestFiniteByte(FLT_MAX, 2688.0f) == 0x7E &&
              nvfp4LargestFiniteByte(FLT_MAX / 1.75f, 1536.0f) == 0x7E,
          "NVFP4 scale cap is the top byte below FLT_MAX / 1.75");
  // At amax = FLT_MAX: four_over_six 256 (0x78), static_4 288 (0x79); the
  // next byte's code 7 is Inf.
  for (std::pair<float, int> entry :
       {std::pair{1536.0f, 0x78}, {1792.0f, 0x79}}) {
    float divisor = entry.first; // Not a structured binding: clang 14
    int cap = entry.second;      // cannot capture those in lambdas.
    auto top = [&](int byte) {
      return ((6.0f * e4m3Decode(byte)) * decodeAmax(FLT_MAX)) /
             decodeDivisor(FLT_MAX, divisor);
    };
    c.check(nvfp4LargestFiniteByte(FLT_MAX, divisor) == cap &&
                std::isfinite(top(cap)) && std::isinf(top(cap + 1)),
            "NVFP4 scale cap at amax FLT_MAX, divisor " +
                std::to_string(static_cast<int>(divisor)));
  }
  std::vector<float> x = gaussianSamples(37, 2 * 64);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] *= 0x1p125f;
  x[5] = 0x1.9p127f;
  x[64 + 9] = -FLT_MAX;
  for (const char *rule :
       {"static_6", "static_4", "mse", "mae", "abs_max", "search:2", "exact"}) {
    for (Rounding rounding : {Rounding::Nearest, Rounding::Stochastic}) {
      QuantizeOptions o;
      parseRuleSpec(rule, o);
      o.rounding = rounding;
      o.seed = 187;
      o.hasCalibratedAmax = true;
      o.amax = 0x1.777774p+127f; // below the data's amax
      Quantized q = run(x, 2, 64, o);
      std::vector<float> deq(x.size());
      dequantize(q.values.data(), q.scales.data(), 2, 64, Format::NVFP4,
                 ScaleLayout::RowMajor, q.result.info.amax,
                 q.result.info.divisor, deq.data());
      uint8_t cap = nvfp4LargestFiniteByte(o.amax, q.result.info.divisor);
      bool ok = q.result.ok;
      for (float v : deq)
        ok &= std::isfinite(v);
      for (uint8_t s : q.scales)
        ok &= s <= cap;
      c.check(ok, std::string("NVFP4 scales capped near FLT_MAX: ") + rule +
                      (rounding == Rounding::Stochastic ? " stochastic" : ""));
    }
  }
  // MXFP4 static_4: a block max in (2^127, 1.5 * 2^127] takes code 252, not
  // 253 (2^126, where stochastic rounding up to 4 would give 2^128 = Inf).
  std::vector<float> m(32, 0x1.7p127f);
  QuantizeOptions o;
  o.format = Format::MXFP4;
  parseRuleSpec("static_4", o);
  o.rounding = Rounding::Stochastic;
  Quantized q = run(m, 1, 32, o);
  std::vector<float> deq(m.size());
  dequantize(q.values.data(), q.scales.data(), 1, 32, Format::MXFP4,
             ScaleLayout::RowMajor, 1.0f, 1.0f, deq.data());
  bool finite = q.result.ok && q.scales[0] == 252;
  for (float v : deq)
    finite &= std::isfinite(v);
  c.check(finite, "MXFP4 static_4 near FLT_MAX: code 252, finite");
}

// NVFP4 tensors whose amax is above FLT_MAX / 2688 (about 1.3e35): the
// dequantized value ((e2m1 * s) * amax) / divisor must not overflow in its
// intermediate product (decodeAmax). Quantization is scale invariant under a
// power of two, so x * 2^120 must give the bytes of x for every rule whose
// block errors stay finite (MSE squares errors near 2^119 and overflows, see
// docs/numerics.md), and every dequantized value must be finite.
void testNVFP4LargeAmax(Checker &c) {
  std::vector<float> x = gaussianSamples(31, 4 * 64), big(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    big[i] = x[i] * 0x1p120f;
  for (const char *rule :
       {"static_6", "static_4", "mae", "abs_max", "search:3", "exact"}) {
    QuantizeOptions o;
    parseRuleSpec(rule, o);
    Quantized q = run(big, 4, 64, o), ref = run(x, 4, 64, o);
    std::vector<float> deq(big.size());
    dequantize(q.values.data(), q.scales.data(), 4, 64, Format::NVFP4,
               ScaleLayout::RowMajor, q.result.info.amax, q.result.info.divisor,
               deq.data());
    bool finite = q.result.ok;
    for (float v : deq)
      finite &= std::isfinite(v);
    bool invariant = o.metric != ErrorMetric::MSE ||
                     o.rule == ScaleRule::Static6 ||
                     o.rule == ScaleRule::Static4;
    c.check(finite && (!invariant || sameOutput(q, ref)),
            std::string("NVFP4 amax 2^122 decodes finite") +
                (invariant ? ", same bytes as amax 2^2: " : ": ") + rule);
  }
}

void testZerosAndTiny(Checker &c) {
  for (const char *rule :
       {"static_6", "static_4", "mse", "search:3", "exact"}) {
    QuantizeOptions o;
    parseRuleSpec(rule, o);
    std::vector<float> zeros(2 * 32, 0.0f), negZeros(2 * 32, -0.0f);
    for (const auto &x : {zeros, negZeros}) {
      Quantized q = run(x, 2, 32, o);
      bool allZero = q.result.ok && q.result.info.amax == 0.0f;
      for (uint8_t v : q.values)
        allZero &= v == 0;
      for (uint8_t s : q.scales)
        allZero &= s == 0;
      c.check(allZero,
              std::string("all-zero tensor gives zero bytes: ") + rule);
    }
  }
  // amax so small that 2688 / amax overflows: all zero (documented).
  std::vector<float> tiny(32, 1e-40f);
  Quantized qt = run(tiny, 1, 32, QuantizeOptions());
  c.check(qt.result.ok && qt.scales[0] == 0 && qt.values[0] == 0,
          "denormal-only tensor (divisor/amax overflows) quantizes to zero");
  // Denormal elements next to normal ones are ordinary values.
  std::vector<float> mixed(16, 0.0f);
  mixed[0] = 1.0f;
  mixed[1] = -1e-40f;
  mixed[2] = 1e-40f;
  mixed[3] = -0.0f;
  Quantized qm = run(mixed, 1, 16, QuantizeOptions());
  c.check(qm.code(0, 0) == 7 && qm.code(0, 1) == 0x8 && qm.code(0, 2) == 0 &&
              qm.code(0, 3) == 0,
          "denormals round to (signed) zero; -0.0 gives 0x0");
  // A block whose scale underflows E4M3 is flushed: scale 0, codes 0.
  std::vector<float> flushed(32, 0.0f);
  flushed[0] = 1000.0f;
  flushed[16] = -1e-4f;
  flushed[17] = 2e-5f;
  Quantized qf = run(flushed, 1, 32, QuantizeOptions());
  c.check(qf.scales[1] == 0 && qf.code(0, 16) == 0 && qf.code(0, 17) == 0,
          "underflowing block scale flushes the block without sign bits");
}

// A tensor with no finite non-zero element, or only tiny ones (the tensor
// scale is invalid): every block is zero, except that a block holding a NaN
// keeps the NaN scale, so the NaN is not silently decoded as 0.
void testNaNInZeroTensor(Checker &c) {
  for (float other : {0.0f, 1e-40f}) {
    std::vector<float> x(2 * 64, 0.0f);
    x[3] = NAN;
    x[64 + 40] = other;
    for (const char *rule : {"static_6", "mse", "exact"}) {
      QuantizeOptions o;
      parseRuleSpec(rule, o);
      Quantized q = run(x, 2, 64, o);
      bool zeros = q.result.ok && q.result.info.nanBlocks == 1 &&
                   q.scales[0] == kE4M3NaN;
      for (size_t i = 1; i < q.scales.size(); ++i)
        zeros &= q.scales[i] == 0;
      for (uint8_t v : q.values)
        zeros &= v == 0;
      c.check(zeros, std::string("NaN block keeps its NaN scale in a zero "
                                 "tensor: ") +
                         rule + (other ? ", tiny" : ""));
    }
  }
}

// Tiny tensors: the tensor scale is usable only while gDec * 2^-9 is a
// normal fp32 number (usableTensorScale). At amax 2^-100 quantization is
// still exact under scaling by 2^100 (a block with a subnormal E4M3 scale
// included); at amax 2^-110 the candidates' r = 1 / (gDec * s) would
// overflow and be clamped, so the tensor quantizes to zeros instead.
void testTinyTensorScale(Checker &c) {
  std::vector<float> unit(2 * 32);
  std::vector<float> g = gaussianSamples(37, unit.size());
  for (size_t i = 0; i < unit.size(); ++i) // Block 1: 2^-15 of block 0.
    unit[i] = (i % 32 < 16 ? 1.0f : 0x1p-15f) * g[i];
  for (float a : {0x1p-100f, 0x1p-110f}) {
    std::vector<float> x(unit.size());
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = unit[i] * a;
    QuantizeOptions o;
    Quantized q = run(x, 2, 32, o), ref = run(unit, 2, 32, o);
    bool ok;
    if (a == 0x1p-100f) {
      ok = sameOutput(q, ref);
    } else {
      ok = q.result.ok && decodeTensorScale(o, q.result.info) == 0.0f;
      for (uint8_t b : q.scales)
        ok &= b == 0;
      for (uint8_t b : q.values)
        ok &= b == 0;
    }
    c.check(ok, a == 0x1p-100f
                    ? "amax 2^-100: the bytes of amax 2^0 (subnormal scales)"
                    : "amax 2^-110: unusable tensor scale, all zeros, g = 0");
  }
}

void testCalibratedAmax(Checker &c) {
  std::vector<float> x(16, 0.5f);
  x[3] = 10.0f;
  QuantizeOptions o;
  o.hasCalibratedAmax = true;
  o.amax = 1.0f;
  Quantized q = run(x, 1, 16, o);
  c.check(q.result.ok && q.result.info.amax == 1.0f && q.scales[0] == 0x7E &&
              q.code(0, 3) == 7,
          "calibrated amax is used; values beyond it saturate");
}

void testTransposeAndLayout(Checker &c) {
  const uint64_t rows = 208, cols = 96;
  std::vector<float> x = gaussianSamples(5, rows * cols), xt(rows * cols);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t k = 0; k < cols; ++k)
      xt[k * rows + r] = x[r * cols + k];
  QuantizeOptions t;
  t.transpose = true;
  t.rule = ScaleRule::FourOverSix;
  QuantizeOptions plain = t;
  plain.transpose = false;
  Quantized qt = run(x, rows, cols, t), qp = run(xt, cols, rows, plain);
  c.check(sameOutput(qt, qp) && qt.result.info.outRows == cols,
          "transpose equals quantizing the materialized transpose");

  QuantizeOptions tc;
  tc.scaleLayout = ScaleLayout::Tcgen05;
  Quantized qr = run(x, rows, cols, QuantizeOptions()),
            qc = run(x, rows, cols, tc);
  const uint64_t scaleCols = cols / 16;
  c.check(qc.scales.size() == 256 * 8,
          "tcgen05 scale buffer is padded to 256 x 8");
  std::vector<bool> used(qc.scales.size(), false);
  bool same = qr.values == qc.values;
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t k = 0; k < scaleCols; ++k) {
      uint64_t off = tcgen05ScaleOffset(r, k, scaleCols);
      same &= off < qc.scales.size() && !used[off] &&
              qc.scales[off] == qr.scales[r * scaleCols + k];
      used[off] = true;
    }
  for (uint64_t i = 0; i < used.size(); ++i)
    same &= used[i] || qc.scales[i] == 0;
  c.check(same,
          "tcgen05 layout is a permutation of row-major with zero padding");
  c.check(tcgen05ScaleOffset(0, 0, 6) == 0 &&
              tcgen05ScaleOffset(1, 0, 6) == 16 &&
              tcgen05ScaleOffset(32, 0, 6) == 4 &&
              tcgen05ScaleOffset(0, 3, 6) == 3 &&
              tcgen05ScaleOffset(0, 4, 6) == 512 &&
              tcgen05ScaleOffset(128, 0, 6) == 1024 &&
              tcgen05ScaleOffset(127, 5, 6) == 512 + 16 * 31 + 12 + 1,
          "tcgen05 byte offsets follow algorithms.md 1.4");
  std::vector<float> deqR(rows * cols), deqC(rows * cols);
  dequantize(qr.values.data(), qr.scales.data(), rows, cols, Format::NVFP4,
             ScaleLayout::RowMajor, qr.result.info.amax, qr.result.info.divisor,
             deqR.data());
  dequantize(qc.values.data(), qc.scales.data(), rows, cols, Format::NVFP4,
             ScaleLayout::Tcgen05, qc.result.info.amax, qc.result.info.divisor,
             deqC.data());
  c.check(deqR == deqC, "dequantize reads the tcgen05 layout");
}

void testTiles(Checker &c) {
  const uint64_t rows = 32, cols = 64;
  std::vector<float> x = gaussianSamples(9, rows * cols);
  QuantizeOptions o;
  o.block2D = true;
  Quantized q = run(x, rows, cols, o);
  TensorScale ts = tensorScaleForRule(ScaleRule::Static6, q.result.info.amax);
  bool ok = q.result.ok;
  for (uint64_t tr = 0; tr < rows; tr += 16)
    for (uint64_t tc = 0; tc < cols; tc += 16) {
      float tileMax = 0;
      for (uint64_t r = tr; r < tr + 16; ++r)
        for (uint64_t k = tc; k < tc + 16; ++k)
          tileMax = std::fmax(tileMax, std::fabs(x[r * cols + k]));
      for (uint64_t r = tr; r < tr + 16; ++r)
        ok &= q.scales[r * (cols / 16) + tc / 16] ==
              nvfp4StandardScale(tileMax, ts);
    }
  c.check(ok, "2-D tiles use the tile amax and repeat the byte on 16 rows");
}

void testStochasticTensor(Checker &c) {
  // Every block holds 6 (its maximum, on the grid) and fifteen 1.1 (between
  // the codes for 1 and 1.5).
  std::vector<float> x(64 * 64, 1.1f);
  for (size_t i = 0; i < x.size(); i += 16)
    x[i] = 6.0f;
  QuantizeOptions o;
  o.rounding = Rounding::Stochastic;
  o.seed = 1234;
  Quantized a = run(x, 64, 64, o), b = run(x, 64, 64, o);
  QuantizeOptions o2 = o;
  o2.seed = 99;
  Quantized d = run(x, 64, 64, o2);
  c.check(sameOutput(a, b) && a.values != d.values,
          "stochastic rounding is seeded");
  // Block 1 encoded by hand with the counter-based offsets.
  TensorScale ts = tensorScaleForRule(ScaleRule::Static6, 6.0f);
  float u[16];
  for (int k = 0; k < 16; ++k)
    u[k] = stochasticOffset(1234, 16 + k);
  uint8_t codes[16];
  BlockRule rule;
  rule.ts = ts;
  uint8_t byte = quantizeBlock(x.data() + 16, 16, rule, u, codes);
  bool same = byte == a.scales[1];
  for (int k = 0; k < 16; ++k)
    same &= codes[k] == a.code(0, 16 + k);
  c.check(same, "stochastic offsets depend on the output element index");
  std::vector<float> deq(x.size()), deqNearest(x.size());
  dequantize(a.values.data(), a.scales.data(), 64, 64, Format::NVFP4,
             ScaleLayout::RowMajor, a.result.info.amax, a.result.info.divisor,
             deq.data());
  Quantized n = run(x, 64, 64, QuantizeOptions());
  dequantize(n.values.data(), n.scales.data(), 64, 64, Format::NVFP4,
             ScaleLayout::RowMajor, n.result.info.amax, n.result.info.divisor,
             deqNearest.data());
  double mean = 0, meanNearest = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (i % 16 == 0)
      continue;
    mean += deq[i] - x[i];
    meanNearest += deqNearest[i] - x[i];
  }
  mean /= x.size() * 15 / 16;
  meanNearest /= x.size() * 15 / 16;
  std::printf("constant 1.1: mean error nearest %.5f, stochastic %.5f\n",
              meanNearest, mean);
  c.check(std::fabs(mean) < 0.01 && std::fabs(meanNearest) > 0.05,
          "stochastic rounding is unbiased where nearest is not");
}

void testDequantizeOrder(Checker &c) {
  std::vector<float> x = gaussianSamples(3, 4 * 64);
  for (const char *rule : {"static_6", "static_4", "mse", "exact"}) {
    QuantizeOptions o;
    parseRuleSpec(rule, o);
    Quantized q = run(x, 4, 64, o);
    std::vector<float> deq(x.size());
    dequantize(q.values.data(), q.scales.data(), 4, 64, Format::NVFP4,
               ScaleLayout::RowMajor, q.result.info.amax, q.result.info.divisor,
               deq.data());
    TensorScale ts = tensorScaleForRule(o.rule, q.result.info.amax);
    bool same = true;
    for (uint64_t blk = 0; blk < x.size() / 16; ++blk) {
      float sse = 0;
      for (int k = 0; k < 16; ++k) {
        float d = deq[blk * 16 + k] - x[blk * 16 + k];
        sse = sse + d * d;
      }
      same &= sse == candidateError(x.data() + blk * 16, 16,
                                    makeNVFP4Candidate(q.scales[blk], ts),
                                    ErrorMetric::MSE);
    }
    c.check(same && q.result.info.divisor ==
                        (o.rule == ScaleRule::Static4       ? 1792.0f
                         : o.rule == ScaleRule::FourOverSix ? 1536.0f
                                                            : 2688.0f),
            std::string("dequantize uses the error's op order: ") + rule);
  }
}

void testInputTypes(Checker &c) {
  std::vector<float> x = gaussianSamples(4, 2 * 32);
  std::vector<uint16_t> bf(x.size()), h(x.size());
  std::vector<float> xb(x.size()), xh(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    bf[i] = static_cast<uint16_t>(floatToBits(x[i]) >> 16);
    h[i] = floatToF16(x[i]);
    xb[i] = bf16ToFloat(bf[i]);
    xh[i] = f16ToFloat(h[i]);
  }
  QuantizeOptions o;
  o.rule = ScaleRule::Exact;
  for (ElementType t : {ElementType::BF16, ElementType::F16}) {
    Quantized q;
    q.values.resize(packedValuesBytes(o, 2, 32));
    q.scales.resize(scaleBytes(o, 2, 32));
    q.result = quantize(
        t == ElementType::BF16 ? (const void *)bf.data() : h.data(), t, 2, 32,
        o, q.values.data(), q.values.size(), q.scales.data(), q.scales.size());
    c.check(sameOutput(q, run(t == ElementType::BF16 ? xb : xh, 2, 32, o)),
            "bf16/f16 input equals its exact f32 widening");
  }
}

void testValidation(Checker &c) {
  struct Bad {
    const char *what;
    QuantizeOptions o;
    uint64_t rows, cols;
  };
  std::vector<Bad> bad;
  auto add = [&](const char *what, uint64_t rows, uint64_t cols, auto edit) {
    Bad b{what, QuantizeOptions(), rows, cols};
    edit(b.o);
    bad.push_back(b);
  };
  add("mxfp4 four_over_six", 16, 64, [](QuantizeOptions &o) {
    o.format = Format::MXFP4;
    o.rule = ScaleRule::FourOverSix;
  });
  add("cols not a multiple of 16", 16, 40, [](QuantizeOptions &) {});
  add("mxfp4 cols not a multiple of 32", 16, 48,
      [](QuantizeOptions &o) { o.format = Format::MXFP4; });
  add("transpose rows not a multiple of 16", 20, 64,
      [](QuantizeOptions &o) { o.transpose = true; });
  add("2-D rows", 20, 64, [](QuantizeOptions &o) { o.block2D = true; });
  add("2-D mxfp4", 32, 64, [](QuantizeOptions &o) {
    o.block2D = true;
    o.format = Format::MXFP4;
  });
  add("metric with exact", 16, 64, [](QuantizeOptions &o) {
    o.rule = ScaleRule::Exact;
    o.metric = ErrorMetric::MAE;
  });
  add("radius 127", 16, 64, [](QuantizeOptions &o) {
    o.rule = ScaleRule::ScaleSearch;
    o.searchRadius = 127;
  });
  add("radius -1", 16, 64, [](QuantizeOptions &o) {
    o.rule = ScaleRule::ScaleSearch;
    o.searchRadius = -1;
  });
  for (float a : {0.0f, -1.0f, NAN, INFINITY})
    add("bad calibrated amax", 16, 64, [a](QuantizeOptions &o) {
      o.hasCalibratedAmax = true;
      o.amax = a;
    });
  add("mxfp4 calibrated amax", 16, 64, [](QuantizeOptions &o) {
    o.format = Format::MXFP4;
    o.hasCalibratedAmax = true;
    o.amax = 1.0f;
  });
  add("empty", 0, 64, [](QuantizeOptions &) {});
  for (const Bad &b : bad) {
    std::string err = validateQuantizeOptions(b.o, b.rows, b.cols);
    std::vector<float> x(b.rows * b.cols + 1, 1.0f);
    uint8_t values[4096], scales[4096];
    std::memset(values, 0xAB, sizeof(values));
    QuantizeResult r = quantize(x.data(), ElementType::F32, b.rows, b.cols, b.o,
                                values, sizeof(values), scales, sizeof(scales));
    c.check(!err.empty() && !r.ok && r.error == err && values[0] == 0xAB,
            std::string("rejected without writing: ") + b.what);
  }
  QuantizeOptions o;
  std::vector<float> x(16 * 64, 1.0f);
  uint8_t small[8];
  c.check(
      !quantize(x.data(), ElementType::F32, 16, 64, o, small, 8, small, 8).ok,
      "too-small output buffers are rejected");
  QuantizeOptions p;
  c.check(!parseRuleSpec("search:", p).empty() &&
              !parseRuleSpec("search:x", p).empty() &&
              !parseRuleSpec("four", p).empty() &&
              parseRuleSpec("search:12", p).empty() && p.searchRadius == 12 &&
              ruleSpecName(p) == "search:12",
          "rule spellings");
}

} // namespace

int runSpecial() {
  Checker c("special");
  testNaNAndInf(c);
  testZerosAndTiny(c);
  testCalibratedAmax(c);
  testNaNInZeroTensor(c);
  testTinyTensorScale(c);
  testTransposeAndLayout(c);
  testTiles(c);
  testMXFP4NearFloatMax(c);
  testNVFP4LargeAmax(c);
  testNVFP4ScaleCapNearFloatMax(c);
  testStochasticTensor(c);
  testDequantizeOrder(c);
  testInputTypes(c);
  testValidation(c);
  return c.finish();
}

} // namespace fp4test
