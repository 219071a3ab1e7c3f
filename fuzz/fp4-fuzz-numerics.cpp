//===- fp4-fuzz-numerics.cpp - Invariants of the numerics library ---------===//
//
// Part of fp4-mlir. Arbitrary bytes become options, a shape and elements;
// quantize() must then either refuse (validateQuantizeOptions says why, and
// nothing is written) or produce output that satisfies, checked here
// independently of how the library computes it:
//   - NaN blocks are exactly the blocks holding a NaN, with all-zero codes;
//     every other scale is finite and every decoded value finite (a quantizer
//     never turns finite input into Inf); info.nanBlocks counts them;
//   - each element decodes to the E2M1 grid point of its block scale nearest
//     to the (Inf-clamped) input, or one of its two neighbours under
//     stochastic rounding; the sign is the input's; a zero scale has zero
//     codes;
//   - per block, in the library's own fp32 MSE: exact <= scale_search:R <=
//     scale_search:1 <= static_6;
//   - Four Over Six's block error is exactly min(E4, E6) of its candidates;
//   - quantizing x with `transpose` equals quantizing x^T without; the
//     tcgen05 scale layout is the row-major one permuted;
//   - the scaled-matmul reference of the result with itself lies within the
//     sequential fp32 summation bound of the exact (f64) product.
// Any violation aborts with a message (a finding).
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/ScaledMatmul.h"
#include "fp4/Numerics/UE8M0.h"

#include "FuzzInputs.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace mlir::fp4;

namespace {

/// What the current input decoded to, printed with a finding.
std::string currentCase;

[[noreturn]] void finding(const char *what, long long a = 0, long long b = 0) {
  std::fprintf(stderr, "fp4-fuzz-numerics: %s (%lld, %lld)\n  case: %s\n",
               what, a, b, currentCase.c_str());
  std::abort();
}

#define REQUIRE(cond, ...)                                                     \
  do {                                                                         \
    if (!(cond))                                                               \
      finding(#cond, ##__VA_ARGS__);                                          \
  } while (0)

struct Case {
  QuantizeOptions o;
  ElementType type = ElementType::F32;
  uint64_t rows = 0, cols = 0;
  std::vector<uint8_t> input; ///< rows x cols elements of `type`.
};

float elementAt(const Case &c, uint64_t i) {
  float f;
  widenToFloat(c.input.data(), c.type, i, 1, 1, &f);
  return f;
}

/// Options, shape and elements (FuzzInputs.h) from the fuzzer's bytes.
Case decode(FuzzedDataProvider &in) {
  Case c;
  QuantizeOptions &o = c.o;
  o.format = in.ConsumeBool() ? Format::MXFP4 : Format::NVFP4;
  o.rule = static_cast<ScaleRule>(in.ConsumeIntegralInRange<int>(0, 4));
  o.metric = static_cast<ErrorMetric>(in.ConsumeIntegralInRange<int>(0, 2));
  o.searchRadius = in.ConsumeIntegralInRange<int>(-1, 128);
  uint8_t flags = in.ConsumeIntegral<uint8_t>();
  o.block2D = flags & 1;
  o.transpose = flags & 2;
  o.scaleLayout = (flags & 4) ? ScaleLayout::Tcgen05 : ScaleLayout::RowMajor;
  o.rounding = (flags & 8) ? Rounding::Stochastic : Rounding::Nearest;
  o.seed = in.ConsumeIntegral<uint8_t>();
  if (flags & 16) {
    o.hasCalibratedAmax = true;
    o.amax = in.ConsumeFloatingPoint<float>();
  }
  c.type = static_cast<ElementType>(in.ConsumeIntegralInRange<int>(0, 2));
  // Mostly whole blocks; sometimes any count, which must be refused.
  bool aligned = !(flags & 32);
  c.rows = in.ConsumeIntegralInRange<uint64_t>(0, 2) * 16 +
           in.ConsumeIntegralInRange<uint64_t>(0, aligned ? 0 : 15);
  if (c.rows == 0 && aligned)
    c.rows = in.ConsumeIntegralInRange<uint64_t>(1, 16);
  c.cols = in.ConsumeIntegralInRange<uint64_t>(0, 2) * 32 +
           in.ConsumeIntegralInRange<uint64_t>(0, aligned ? 0 : 31);
  if (c.cols == 0 && aligned)
    c.cols = 32;
  c.input = fp4fuzz::fuzzElements(in, c.type, c.rows * c.cols);
  return c;
}

struct Quantized {
  QuantizeResult result;
  std::vector<uint8_t> values, scales;
};

Quantized run(const Case &c, const QuantizeOptions &o) {
  Quantized q;
  q.values.assign(packedValuesBytes(o, c.rows, c.cols), 0xAA);
  q.scales.assign(scaleBytes(o, c.rows, c.cols), 0xAA);
  q.result = quantize(c.input.data(), c.type, c.rows, c.cols, o,
                      q.values.data(), q.values.size(), q.scales.data(),
                      q.scales.size());
  return q;
}

/// The quantized matrix's view of the input: element (r, c) of the R x C
/// matrix, Inf clamped as docs/numerics.md says, and its block geometry.
struct View {
  const Case &c;
  const QuantizeOptions &o;
  uint64_t R, C, B, scaleCols;
  float clampTo;

  View(const Case &c, const QuantizeOptions &o, float amax)
      : c(c), o(o), R(o.transpose ? c.cols : c.rows),
        C(o.transpose ? c.rows : c.cols), B(blockSize(o.format)),
        scaleCols(C / B),
        clampTo(o.format == Format::MXFP4 ? FLT_MAX
                : o.hasCalibratedAmax    ? o.amax
                                         : amax) {}

  float raw(uint64_t r, uint64_t col) const {
    return elementAt(c, o.transpose ? col * c.cols + r : r * c.cols + col);
  }
  float x(uint64_t r, uint64_t col) const {
    float v = raw(r, col);
    return std::isinf(v) ? std::copysign(clampTo, v) : v;
  }
  uint8_t scale(const std::vector<uint8_t> &s, uint64_t r,
                uint64_t blockCol) const {
    return s[scaleOffset(o.scaleLayout, r, blockCol, scaleCols)];
  }
  /// Elements of block (r, blockCol) in the library's order (a 2-D tile is
  /// row-major over its 16 rows).
  std::vector<std::pair<uint64_t, uint64_t>> block(uint64_t r,
                                                   uint64_t blockCol) const {
    std::vector<std::pair<uint64_t, uint64_t>> e;
    uint64_t r0 = o.block2D ? r / 16 * 16 : r, r1 = o.block2D ? r0 + 16 : r + 1;
    for (uint64_t i = r0; i < r1; ++i)
      for (uint64_t k = 0; k < B; ++k)
        e.push_back({i, blockCol * B + k});
    return e;
  }
};

float mxfp4Scale(uint8_t code) { return ue8m0Decode(code); }

/// NVFP4 tensors whose scale is unusable quantize to all zeros but NaN
/// blocks (docs/numerics.md): amax 0, divisor / amax not finite, or
/// gDec * 2^-9 (the smallest E4M3 scale) not a normal fp32 number.
bool allZeroTensor(const QuantizeOptions &o, const QuantizeInfo &info) {
  if (o.format != Format::NVFP4)
    return false;
  float gEnc = info.divisor / info.amax;
  return info.amax == 0.0f || !std::isfinite(gEnc) ||
         (1.0f / gEnc) * 0x1p-9f < FLT_MIN;
}

/// Decoded value of magnitude code k under scale byte `s` (the library's
/// dequantize op order, docs/numerics.md).
float gridValue(const QuantizeOptions &o, const QuantizeInfo &info, uint8_t s,
                int k) {
  if (o.format == Format::MXFP4)
    return kE2M1Magnitudes[k] * mxfp4Scale(s);
  return ((kE2M1Magnitudes[k] * e4m3Decode(s)) * info.amax) / info.divisor;
}

void checkElementsAndNaN(const Case &c, const Quantized &q) {
  const QuantizeOptions &o = c.o;
  const QuantizeInfo &info = q.result.info;
  View v(c, o, info.amax);
  std::vector<float> out(v.R * v.C);
  REQUIRE(dequantize(q.values.data(), q.scales.data(), v.R, v.C, o.format,
                     o.scaleLayout, info.amax, info.divisor, out.data())
              .empty());
  uint8_t nanByte = o.format == Format::MXFP4 ? kUE8M0NaN : kE4M3NaN;
  uint8_t maxByte = o.format == Format::MXFP4 ? kMaxMXFP4Code : kMaxNVFP4Byte;
  uint64_t nanBlocks = 0;
  for (uint64_t r = 0; r < v.R; ++r) {
    for (uint64_t bc = 0; bc < v.scaleCols; ++bc) {
      uint8_t s = v.scale(q.scales, r, bc);
      bool hasNaN = false;
      for (auto [i, k] : v.block(r, bc))
        hasNaN |= std::isnan(v.raw(i, k));
      if (hasNaN != (s == nanByte) && std::getenv("FP4_FUZZ_DUMP"))
        for (auto [i, k] : v.block(r, bc))
          std::fprintf(stderr, "block (%llu, %llu): %a\n",
                       (unsigned long long)i, (unsigned long long)k,
                       v.raw(i, k));
      REQUIRE(hasNaN == (s == nanByte), r * 1000 + bc, s * 10 + hasNaN);
      if (!o.block2D || r % 16 == 0)
        nanBlocks += hasNaN;
      if (hasNaN) {
        for (uint64_t k = 0; k < v.B; ++k)
          REQUIRE(unpackE2M1(q.values.data(), r * v.C + bc * v.B + k) == 0);
        continue;
      }
      REQUIRE(s <= maxByte, s);
      if (allZeroTensor(o, info))
        REQUIRE(s == 0, s);
      float top = gridValue(o, info, s, 7);
      for (uint64_t k = 0; k < v.B; ++k) {
        uint64_t col = bc * v.B + k;
        uint8_t code = unpackE2M1(q.values.data(), r * v.C + col);
        float xv = v.x(r, col), got = out[r * v.C + col];
        REQUIRE(std::isfinite(got), r, col);
        if (s == 0) {
          REQUIRE(code == 0, r, col);
          continue;
        }
        if (code & 7)
          REQUIRE(std::signbit(got) == std::signbit(xv), r, col);
        // Distance to the nearest grid point, and the two neighbours.
        float a = std::fabs(xv), best = INFINITY, below = 0, above = top;
        for (int g = 0; g < 8; ++g) {
          float gv = gridValue(o, info, s, g);
          best = std::min(best, std::fabs(gv - a));
          if (gv <= a)
            below = gv;
          if (gv >= a && gv < above)
            above = gv;
        }
        float err = std::fabs(std::fabs(got) - a);
        // fp32 slack: y = x * r with a rounded r, near-midpoint choices.
        float slack = 0x1p-18f * std::max(a, top) + 0x1p-133f;
        float bound = o.rounding == Rounding::Nearest
                          ? best
                          : std::max(a - below, above - a);
        if (err > bound + slack && std::getenv("FP4_FUZZ_DUMP"))
          std::fprintf(stderr,
                       "element (%llu, %llu): x %a decoded %a, scale byte "
                       "0x%02X, grid top %a, error %a, bound %a, slack %a\n",
                       (unsigned long long)r, (unsigned long long)col, xv, got,
                       s, top, err, bound, slack);
        REQUIRE(err <= bound + slack, r, col);
      }
    }
  }
  REQUIRE(info.nanBlocks == nanBlocks, info.nanBlocks, nanBlocks);
}

/// The library's MSE of every block of `q` under rule options `o` (the
/// candidate of the block's scale byte, the blocks' own codes).
std::vector<float> blockErrors(const Case &c, const QuantizeOptions &o,
                               const Quantized &q, ErrorMetric metric) {
  const QuantizeInfo &info = q.result.info;
  View v(c, o, info.amax);
  TensorScale ts{};
  if (!allZeroTensor(o, info))
    ts = tensorScaleForRule(o.rule, info.amax);
  std::vector<float> errors;
  for (uint64_t r = 0; r < v.R; r += o.block2D ? 16 : 1) {
    for (uint64_t bc = 0; bc < v.scaleCols; ++bc) {
      std::vector<float> x;
      std::vector<uint8_t> codes;
      bool hasNaN = false;
      for (auto [i, k] : v.block(r, bc)) {
        x.push_back(v.x(i, k));
        hasNaN |= std::isnan(x.back());
        codes.push_back(unpackE2M1(q.values.data(), i * v.C + k));
      }
      uint8_t s = v.scale(q.scales, r, bc);
      if (hasNaN || allZeroTensor(o, info)) {
        errors.push_back(NAN);
        continue;
      }
      ScaleCandidate cand = o.format == Format::MXFP4
                                ? makeMXFP4Candidate(s)
                                : makeNVFP4Candidate(s, ts);
      errors.push_back(codesError(x.data(), codes.data(), x.size(), cand,
                                  metric));
    }
  }
  return errors;
}

void checkRuleOrdering(const Case &c) {
  const QuantizeOptions &base = c.o;
  if (base.rounding != Rounding::Nearest || base.hasCalibratedAmax)
    return;
  auto with = [&](ScaleRule rule, int radius) {
    QuantizeOptions o = base;
    o.rule = rule;
    o.metric = ErrorMetric::MSE;
    o.searchRadius = radius;
    return o;
  };
  int radius = std::clamp(base.searchRadius, kMinSearchRadius, 6);
  QuantizeOptions oExact = with(ScaleRule::Exact, 1),
                  oSearch = with(ScaleRule::ScaleSearch, radius),
                  oSearch1 = with(ScaleRule::ScaleSearch, 1),
                  oStatic = with(ScaleRule::Static6, 1);
  for (const QuantizeOptions *o : {&oExact, &oSearch, &oSearch1, &oStatic})
    if (!validateQuantizeOptions(*o, c.rows, c.cols).empty())
      return;
  Quantized qe = run(c, oExact), qs = run(c, oSearch), q1 = run(c, oSearch1),
            q6 = run(c, oStatic);
  REQUIRE(qe.result.ok && qs.result.ok && q1.result.ok && q6.result.ok);
  std::vector<float> ee = blockErrors(c, oExact, qe, ErrorMetric::MSE),
                     es = blockErrors(c, oSearch, qs, ErrorMetric::MSE),
                     e1 = blockErrors(c, oSearch1, q1, ErrorMetric::MSE),
                     e6 = blockErrors(c, oStatic, q6, ErrorMetric::MSE);
  for (size_t b = 0; b < ee.size(); ++b) {
    if (std::isnan(ee[b]))
      continue;
    REQUIRE(ee[b] <= es[b], b, radius);
    REQUIRE(es[b] <= e1[b], b, radius);
    REQUIRE(e1[b] <= e6[b], b);
  }
}

void checkFourOverSix(const Case &c, const Quantized &q) {
  const QuantizeOptions &o = c.o;
  if (o.rule != ScaleRule::FourOverSix || o.format != Format::NVFP4 ||
      o.rounding != Rounding::Nearest || allZeroTensor(o, q.result.info))
    return;
  TensorScale ts = tensorScaleForRule(o.rule, q.result.info.amax);
  std::vector<float> chosen = blockErrors(c, o, q, o.metric);
  View v(c, o, q.result.info.amax);
  size_t b = 0;
  for (uint64_t r = 0; r < v.R; r += o.block2D ? 16 : 1) {
    for (uint64_t bc = 0; bc < v.scaleCols; ++bc, ++b) {
      if (std::isnan(chosen[b]))
        continue;
      std::vector<float> x;
      float bamax = 0;
      for (auto [i, k] : v.block(r, bc)) {
        x.push_back(v.x(i, k));
        bamax = std::max(bamax, std::fabs(x.back()));
      }
      float e[2];
      float hp6 = nvfp4ScaleHp(bamax, ts);
      // Both candidates capped at the largest byte whose codes decode
      // finitely (ScaleRules.h, TensorScale::maxByte).
      uint8_t cap = nvfp4LargestFiniteByte(ts.amax, ts.divisor);
      uint8_t bytes[2] = {std::min(e4m3Encode(hp6), cap),
                          std::min(e4m3Encode(hp6 * 1.5f), cap)};
      for (int j = 0; j < 2; ++j) {
        ScaleCandidate cand = makeNVFP4Candidate(bytes[j], ts);
        std::vector<uint8_t> codes(x.size());
        encodeBlock(x.data(), x.size(), cand, nullptr, codes.data());
        e[j] = codesError(x.data(), codes.data(), x.size(), cand, o.metric);
      }
      float best = e[1] < e[0] ? e[1] : e[0];
      REQUIRE(floatToBits(chosen[b]) == floatToBits(best), b);
    }
  }
}

void checkTransposeAndLayout(const Case &c, const Quantized &q) {
  // Transpose: x^T quantized with the flag toggled gives the same bytes.
  Case t = c;
  t.rows = c.cols;
  t.cols = c.rows;
  size_t es = elementSize(c.type);
  for (uint64_t i = 0; i < c.rows; ++i)
    for (uint64_t k = 0; k < c.cols; ++k)
      std::memcpy(&t.input[(k * c.rows + i) * es],
                  &c.input[(i * c.cols + k) * es], es);
  t.o.transpose = !c.o.transpose;
  Quantized qt = run(t, t.o);
  REQUIRE(qt.result.ok);
  REQUIRE(qt.values == q.values && qt.scales == q.scales);

  if (c.o.scaleLayout != ScaleLayout::RowMajor)
    return;
  QuantizeOptions lo = c.o;
  lo.scaleLayout = ScaleLayout::Tcgen05;
  if (!validateQuantizeOptions(lo, c.rows, c.cols).empty())
    return;
  Quantized ql = run(c, lo);
  REQUIRE(ql.result.ok && ql.values == q.values);
  View v(c, c.o, q.result.info.amax);
  for (uint64_t r = 0; r < v.R; ++r)
    for (uint64_t bc = 0; bc < v.scaleCols; ++bc)
      REQUIRE(ql.scales[tcgen05ScaleOffset(r, bc, v.scaleCols)] ==
                  q.scales[r * v.scaleCols + bc],
              r, bc);
}

void checkMatmul(const Case &c, const Quantized &q) {
  const QuantizeOptions &o = c.o;
  const QuantizeInfo &info = q.result.info;
  View v(c, o, info.amax);
  float g = decodeTensorScale(o, info);
  // Each operand element e2m1 * scale, exact in fp32 (dequantize with g = 1).
  std::vector<float> d(v.R * v.C);
  REQUIRE(dequantize(q.values.data(), q.scales.data(), v.R, v.C, o.format,
                     o.scaleLayout, 1.0f, d.data())
              .empty());
  std::vector<float> out(v.R * v.R);
  QuantizedMatrix a{q.values.data(), q.scales.data(), g};
  REQUIRE(scaledMatmulReference(a, a, v.R, v.R, v.C, o.format, o.scaleLayout,
                                out.data())
              .empty());
  float gg = g * g; // The reference multiplies the fp32 sum by this.
  if (!std::isfinite(gg))
    return;
  for (uint64_t i = 0; i < v.R; ++i) {
    for (uint64_t j = 0; j < v.R; ++j) {
      double exact = 0, magnitude = 0;
      for (uint64_t k = 0; k < v.C; ++k) {
        double p = static_cast<double>(d[i * v.C + k]) * d[j * v.C + k];
        exact += p;
        magnitude += std::fabs(p);
      }
      float got = out[i * v.R + j];
      // NaN blocks, and fp32 sums or results that overflow along the way.
      if (std::isnan(exact) || std::isnan(got) || magnitude > 0x1p126 ||
          magnitude * gg > 0x1p126)
        continue;
      // Sequential fp32 sum: |error| <= (k - 1) u sum|p| (first order); then
      // the product with gg, rounded once; gg itself is rounded (absolutely
      // by up to 2^-150 when it is denormal); plus underflow of the result.
      double bound = ((static_cast<double>(v.C) + 3) * 0x1p-24 * gg +
                      0x1p-149) * magnitude * 1.001 +
                     0x1p-120;
      REQUIRE(std::fabs(got - exact * gg) <= bound, i, j);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  Case c = decode(in);
  {
    const QuantizeOptions &o = c.o;
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "%s %s radius %d type %d %llux%llu 2d %d transpose %d "
                  "tcgen05 %d stochastic %d seed %llu calibrated %d amax %a",
                  o.format == Format::MXFP4 ? "mxfp4" : "nvfp4",
                  ruleSpecName(o).c_str(), o.searchRadius, int(c.type),
                  (unsigned long long)c.rows, (unsigned long long)c.cols,
                  o.block2D, o.transpose,
                  o.scaleLayout == ScaleLayout::Tcgen05,
                  o.rounding == Rounding::Stochastic,
                  (unsigned long long)o.seed, o.hasCalibratedAmax, o.amax);
    currentCase = buf;
    if (std::getenv("FP4_FUZZ_DUMP")) {
      std::fprintf(stderr, "case: %s\n", buf);
      for (uint64_t i = 0; i < c.rows * c.cols; ++i)
        std::fprintf(stderr, "%a%s", elementAt(c, i),
                     (i + 1) % c.cols ? " " : "\n");
    }
  }
  std::string invalid = validateQuantizeOptions(c.o, c.rows, c.cols);
  Quantized q = run(c, c.o);
  if (!invalid.empty()) {
    // Refused, with the same message, and nothing written.
    REQUIRE(!q.result.ok && q.result.error == invalid);
    for (uint8_t b : q.values)
      REQUIRE(b == 0xAA);
    for (uint8_t b : q.scales)
      REQUIRE(b == 0xAA);
    return 0;
  }
  REQUIRE(q.result.ok);
  // A buffer one byte short is refused too.
  if (!q.values.empty()) {
    std::vector<uint8_t> v(q.values.size() - 1), s(q.scales.size());
    REQUIRE(!quantize(c.input.data(), c.type, c.rows, c.cols, c.o, v.data(),
                      v.size(), s.data(), s.size())
                 .ok);
  }
  checkElementsAndNaN(c, q);
  checkFourOverSix(c, q);
  checkTransposeAndLayout(c, q);
  checkMatmul(c, q);
  checkRuleOrdering(c);
  return 0;
}
