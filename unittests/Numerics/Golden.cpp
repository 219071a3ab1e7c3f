//===- Golden.cpp - Four Over Six reference golden data -------------------===//
//
// Reproduces every case of the golden data (README.md in its directory).
// Static rules and MXFP4 must match byte for byte. A Four Over Six block may
// differ only when it is a near tie: the golden bytes are exactly our other
// candidate (scale byte and all codes) and the two candidate errors satisfy
//   |E4 - E6| <= 2 (n - 1) 2^-24 max(E4, E6)        (mse, mae; n = 16 or 256)
// which bounds the difference between two fp32 summation orders of n
// non-negative terms (the reference sums with torch, we sum sequentially).
// abs_max is order-independent, so it gets no tolerance.
//
// The README says the inputs avoid the reference's unclamped E2M1 rounding,
// but the `edge` inputs do reach it (blocks under subnormal E4M3 scales, where
// |y| >= 7 rounds to 8 and packs as nibble 0x8). We saturate at 6 as
// algorithms.md 1.1 specifies; a block is counted as "reference overflow"
// only when the golden bytes equal an emulation of exactly that defect.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/E4M3.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

using namespace mlir::fp4;

namespace fp4test {
namespace {

/// Every golden input has 2048 columns; the full set has 256 rows, the subset
/// committed under test/golden fewer (test/golden/README.md).
constexpr uint64_t kCols = 2048;

/// Value of a string or bare field `key` in a flat JSON object.
std::string jsonField(const std::string &json, const std::string &key) {
  size_t at = json.find("\"" + key + "\"");
  if (at == std::string::npos)
    return "";
  at = json.find(':', at);
  size_t begin = json.find_first_not_of(" \t\n\"", at + 1);
  size_t end = json.find_first_of(",\n}\"", begin);
  return json.substr(begin, end - begin);
}

struct CaseStats {
  uint64_t valueMismatch = 0, scaleMismatch = 0, tolerated = 0, overflow = 0,
           unexplained = 0;
  bool amaxOk = false;
};

/// The reference's encoding of NVFP4 candidate `byte`: ours, except that it
/// does not clamp before rounding, so an element with |y| >= 7 (possible only
/// under a subnormal E4M3 scale) gets magnitude 2 * rint(|y| / 2) = 8, which
/// its packer stores as nibble 0x8. Returns the reference's error of that
/// encoding (dequantizing the unclamped magnitude) and sets `overflowed`.
float emulateReference(const float *x, size_t n, uint8_t byte,
                       const TensorScale &ts, ErrorMetric metric,
                       uint8_t *codes, bool &overflowed) {
  ScaleCandidate c = makeNVFP4Candidate(byte, ts);
  encodeBlock(x, n, c, nullptr, codes);
  float s = e4m3Decode(byte);
  overflowed = false;
  float err = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    float a = std::fabs(x[i]), y = a * c.r;
    float xhat = c.xhat[codes[i] & 7];
    if (!c.zero && y >= 7.0f) {
      codes[i] = 0x8;
      overflowed = true;
      xhat = ((2.0f * std::nearbyint(y * 0.5f) * s) * ts.amax) / ts.divisor;
    }
    float d = std::fabs(xhat - a);
    float e = metric == ErrorMetric::MSE ? d * d : d;
    err = metric == ErrorMetric::AbsMax ? std::fmax(err, e) : err + e;
  }
  return err;
}

enum class Explained { No, NearTie, ReferenceOverflow };

/// Explains a mismatching NVFP4 block (see the file comment): either the
/// reference's E2M1 overflow (the golden bytes are exactly the emulated
/// reference's choice and encoding, and that encoding overflowed), or, for
/// Four Over Six, a near tie (the golden bytes are exactly the other
/// candidate and |E4 - E6| is within the summation-order bound).
Explained explainBlock(const float *x, size_t n, const QuantizeOptions &o,
                       const TensorScale &ts, uint8_t goldenScale,
                       const uint8_t *goldenCodes) {
  float bamax = 0;
  for (size_t i = 0; i < n; ++i)
    bamax = std::fmax(bamax, std::fabs(x[i]));
  bool fos = o.rule == ScaleRule::FourOverSix;
  float sHp = nvfp4ScaleHp(bamax, ts);
  uint8_t b6 = e4m3Encode(sHp), b4 = e4m3Encode(sHp * 1.5f);
  uint8_t codes6[kMaxBlockElements], codes4[kMaxBlockElements];
  bool over6, over4 = false;
  float e6 = emulateReference(x, n, b6, ts, o.metric, codes6, over6);
  float e4 = fos ? emulateReference(x, n, b4, ts, o.metric, codes4, over4) : e6;
  bool pick4 = fos && fourOverSixPicksFour(e4, e6);
  uint8_t chosen = pick4 ? b4 : b6, other = pick4 ? b6 : b4;
  const uint8_t *chosenCodes = pick4 ? codes4 : codes6;
  const uint8_t *otherCodes = pick4 ? codes6 : codes4;
  if (goldenScale == chosen && std::memcmp(chosenCodes, goldenCodes, n) == 0 &&
      (pick4 ? over4 : over6))
    return Explained::ReferenceOverflow;
  float tol = 2.0f * (n - 1) * 0x1p-24f * std::fmax(e4, e6);
  if (fos && o.metric != ErrorMetric::AbsMax && b4 != b6 &&
      goldenScale == other && std::memcmp(otherCodes, goldenCodes, n) == 0 &&
      std::fabs(e4 - e6) <= tol)
    return Explained::NearTie;
  return Explained::No;
}

CaseStats runCase(const std::string &dir, uint64_t rows,
                  const std::vector<float> &x,
                  const std::vector<uint8_t> &inputBits, Checker &c) {
  CaseStats st;
  std::vector<uint8_t> metaBytes, goldenValues, goldenScales;
  if (!c.check(readWholeFile(dir + "/meta.json", metaBytes) &&
                   readWholeFile(dir + "/values.u8", goldenValues) &&
                   readWholeFile(dir + "/scales.u8", goldenScales),
               "cannot read " + dir)) {
    st.unexplained = 1;
    return st;
  }
  std::string meta(metaBytes.begin(), metaBytes.end());
  QuantizeOptions o;
  o.format =
      jsonField(meta, "format") == "mxfp4" ? Format::MXFP4 : Format::NVFP4;
  std::string err = parseRuleSpec(jsonField(meta, "scale_rule"), o);
  o.block2D = jsonField(meta, "block_scale_2d") == "true";
  c.check(err.empty(), dir + ": " + err);
  std::vector<uint8_t> values(packedValuesBytes(o, rows, kCols));
  std::vector<uint8_t> scales(scaleBytes(o, rows, kCols));
  c.check(values.size() == goldenValues.size() &&
              scales.size() == goldenScales.size(),
          dir + ": golden file sizes");
  QuantizeResult r =
      quantize(inputBits.data(), ElementType::BF16, rows, kCols, o,
               values.data(), values.size(), scales.data(), scales.size());
  if (!c.check(r.ok && values.size() == goldenValues.size() &&
                   scales.size() == goldenScales.size(),
               dir + ": quantize failed: " + r.error)) {
    st.unexplained = 1;
    return st;
  }
  float goldenAmax = std::strtof(jsonField(meta, "amax").c_str(), nullptr);
  st.amaxOk = goldenAmax == r.info.amax;
  c.check(st.amaxOk, dir + ": amax " + std::to_string(r.info.amax) +
                         " vs golden " + std::to_string(goldenAmax));

  const uint64_t b = blockSize(o.format), groupRows = o.block2D ? 16 : 1;
  const uint64_t scaleCols = kCols / b;
  for (uint64_t i = 0; i < values.size(); ++i)
    st.valueMismatch += values[i] != goldenValues[i];
  for (uint64_t i = 0; i < scales.size(); ++i)
    st.scaleMismatch += scales[i] != goldenScales[i];
  // Classify mismatching blocks (tiles for 2-D).
  TensorScale ts = tensorScaleForRule(o.rule, r.info.amax);
  for (uint64_t row0 = 0; row0 < rows; row0 += groupRows) {
    for (uint64_t col0 = 0; col0 < kCols; col0 += b) {
      float xb[kMaxBlockElements];
      uint8_t golden[kMaxBlockElements];
      bool differs = false;
      for (uint64_t rr = 0; rr < groupRows; ++rr) {
        uint64_t row = row0 + rr;
        differs |= scales[row * scaleCols + col0 / b] !=
                   goldenScales[row * scaleCols + col0 / b];
        for (uint64_t k = 0; k < b; ++k) {
          uint64_t idx = row * kCols + col0 + k;
          xb[rr * b + k] = x[idx];
          golden[rr * b + k] = (goldenValues[idx / 2] >> (4 * (idx & 1))) & 0xF;
          differs |=
              ((values[idx / 2] ^ goldenValues[idx / 2]) >> (4 * (idx & 1))) &
              0xF;
        }
      }
      if (!differs)
        continue;
      Explained why =
          o.format == Format::NVFP4
              ? explainBlock(xb, b * groupRows, o, ts,
                             goldenScales[row0 * scaleCols + col0 / b], golden)
              : Explained::No;
      st.tolerated += why == Explained::NearTie;
      st.overflow += why == Explained::ReferenceOverflow;
      st.unexplained += why == Explained::No;
    }
  }
  return st;
}

} // namespace

int runGolden(const std::string &root) {
  Checker c("golden");
  const char *dists[] = {"gauss", "t3", "rows", "edge"};
  const char *cases[] = {
      "nvfp4_static_6", "nvfp4_static_4", "nvfp4_mse",
      "nvfp4_mae",      "nvfp4_abs_max",  "nvfp4_static_6_2d",
      "nvfp4_mse_2d",   "mxfp4_static_6", "mxfp4_static_4"};
  uint64_t numCases = 0, unexplained = 0, tolerated = 0, overflow = 0,
           amaxOk = 0;
  std::printf("%-24s %10s %10s %9s %9s %11s %5s\n", "case", "value-diff",
              "scale-diff", "near-ties", "ref-ovfl", "unexplained", "amax");
  for (const char *dist : dists) {
    std::vector<uint8_t> bits;
    if (!c.check(readWholeFile(root + "/" + dist + "/input.bf16", bits) &&
                     !bits.empty() && bits.size() % (kCols * 2 * 16) == 0,
                 std::string("cannot read ") + dist +
                     "/input.bf16 (rows of 2048 bf16, a multiple of 16)"))
      continue;
    const uint64_t rows = bits.size() / (kCols * 2);
    std::vector<float> x(rows * kCols);
    widenToFloat(bits.data(), ElementType::BF16, 0, 1, x.size(), x.data());
    for (const char *name : cases) {
      std::string id = std::string(dist) + "/" + name;
      CaseStats st = runCase(root + "/" + id, rows, x, bits, c);
      ++numCases;
      unexplained += st.unexplained;
      tolerated += st.tolerated;
      overflow += st.overflow;
      amaxOk += st.amaxOk;
      std::printf(
          "%-24s %10llu %10llu %9llu %9llu %11llu %5s\n", id.c_str(),
          (unsigned long long)st.valueMismatch,
          (unsigned long long)st.scaleMismatch,
          (unsigned long long)st.tolerated, (unsigned long long)st.overflow,
          (unsigned long long)st.unexplained, st.amaxOk ? "ok" : "DIFF");
      c.check(st.unexplained == 0, id + ": unexplained mismatching blocks");
    }
  }
  std::printf("golden: %llu cases, %llu unexplained mismatches, %llu tolerated "
              "near-tie blocks, %llu reference-overflow blocks, amax matches "
              "%llu/%llu\n",
              (unsigned long long)numCases, (unsigned long long)unexplained,
              (unsigned long long)tolerated, (unsigned long long)overflow,
              (unsigned long long)amaxOk, (unsigned long long)numCases);
  return c.finish();
}

} // namespace fp4test
