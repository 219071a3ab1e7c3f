//===- Attention.cpp - The reference NVFP4 attention ----------------------===//
//
// attentionExp's accuracy; the unquantized reference against attentionF64
// within a bound derived from the fp32 operation order; a tiny case computed
// by hand; determinism; the causal mask; recipe comparisons (two-level P,
// scale search); validation messages.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "fp4/Numerics/Attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir::fp4;

namespace fp4test {
namespace {

constexpr double kU = 0x1p-24; // fp32 unit roundoff.
double gamma(double n) { return n * kU / (1.0 - n * kU); }

struct Inputs {
  AttentionShape s;
  std::vector<float> q, k, v;
};

/// N(0,1) Q, K, V; with `llmLike`, K gets a per-channel offset (the bias K
/// smoothing removes) and a few 10-20x outlier channels in Q and K.
Inputs makeInputs(uint64_t seed, AttentionShape s, bool llmLike,
                  bool outliers = true) {
  Inputs in;
  in.s = s;
  const uint64_t heads = s.batch * s.heads;
  in.q = gaussianSamples(seed, heads * s.lq * s.d);
  in.k = gaussianSamples(seed + 1, heads * s.lk * s.d);
  in.v = gaussianSamples(seed + 2, heads * s.lk * s.dv);
  if (llmLike) {
    std::vector<float> offset = gaussianSamples(seed + 3, s.d);
    for (uint64_t x = 0; x < in.k.size(); ++x) {
      uint64_t c = x % s.d;
      in.k[x] =
          in.k[x] * (outliers && c % 29 == 3 ? 20.0f : 1.0f) + 3.0f * offset[c];
    }
    for (uint64_t x = 0; x < in.q.size(); ++x)
      in.q[x] *= outliers && x % s.d % 31 == 5 ? 10.0f : 1.0f;
  }
  return in;
}

OperandRule rule(const char *spec) {
  OperandRule r;
  parseOperandRule(spec, r);
  return r;
}

AttentionOptions unquantized() {
  AttentionOptions o;
  o.q = o.k = o.v = o.p = rule("none");
  o.smoothK = false;
  return o;
}

std::vector<float> run(const Inputs &in, const AttentionOptions &o,
                       std::string *error = nullptr) {
  std::vector<float> out(in.s.batch * in.s.heads * in.s.lq * in.s.dv, -7.0f);
  std::string e = attentionReference(in.q.data(), in.k.data(), in.v.data(),
                                     in.s, o, out.data());
  if (error)
    *error = e;
  return out;
}

std::vector<double> exact(const Inputs &in, const AttentionOptions &o) {
  std::vector<double> out(in.s.batch * in.s.heads * in.s.lq * in.s.dv);
  attentionF64(in.q.data(), in.k.data(), in.v.data(), in.s,
               effectiveSoftmaxScale(o, in.s.d), o.causal, out.data());
  return out;
}

double rmseVsExact(const Inputs &in, const AttentionOptions &o) {
  std::vector<float> out = run(in, o);
  return compareAttention(out.data(), exact(in, o).data(), out.size()).rmse;
}

bool sees(const AttentionShape &s, bool causal, uint64_t i, uint64_t j) {
  return !causal || int64_t(j) <= int64_t(i) + int64_t(s.lk) - int64_t(s.lq);
}

/// The error bound of the unquantized reference (Attention.h's order) for
/// output (i, e) of head h, derived as follows. Scores: every computed S is
/// the exact one up to dS_ij <= scale * A_ij * (gamma(D + 40) + 4u), where
/// A_ij = sum_c (|q_c| + 2|qbar_c|) |k'_c| (k' the smoothed key; the errors
/// of the means shift a whole row, which softmax ignores); with Hadamard the
/// sums run over 16-channel groups, (sum_g |q|)(sum_g |k'|), which bounds the
/// rotation's rounding too. A weight exp(S_j - m) then has relative error
/// theta_j <= exp(2 max dS + u (|x_j| + 2 max|S|)) (1 + 2^-22)^(T+1)
/// (1 + u)^(2T+2) - 1 (attentionExp within 2 ulp, T tiles of rescaling,
/// x_j = S_j - m). A weighted mean with weights perturbed by theta_j moves
/// by at most 2 maxV sum w theta / sum w (1 - theta); the fp32 sums of O and
/// l add 2 gamma(Lk + T + 2) maxV, the division u maxV.
double errorBound(const Inputs &in, const AttentionOptions &o, uint64_t h,
                  uint64_t i, uint64_t e) {
  const AttentionShape &s = in.s;
  const double scale = effectiveSoftmaxScale(o, s.d);
  const float *q = in.q.data() + h * s.lq * s.d;
  const float *k = in.k.data() + h * s.lk * s.d;
  const float *v = in.v.data() + h * s.lk * s.dv;
  std::vector<double> kMean(s.d, 0.0), qBar(s.d, 0.0);
  if (o.smoothK)
    for (uint64_t j = 0; j < s.lk; ++j)
      for (uint64_t c = 0; c < s.d; ++c)
        kMean[c] += double(k[j * s.d + c]) / double(s.lk);
  if (o.smoothQ) {
    uint64_t i0 = i / kQSmoothBlock * kQSmoothBlock,
             i1 = std::min(s.lq, i0 + kQSmoothBlock);
    for (uint64_t r = i0; r < i1; ++r)
      for (uint64_t c = 0; c < s.d; ++c)
        qBar[c] += double(q[r * s.d + c]) / double(i1 - i0);
  }
  const uint64_t group = o.hadamard ? 16 : 1;
  std::vector<double> sc(s.lk), dS(s.lk);
  double maxDS = 0, maxAbsS = 0, m = -INFINITY, maxV = 0;
  for (uint64_t j = 0; j < s.lk; ++j) {
    if (!sees(s, o.causal, i, j))
      continue;
    double dot = 0, a = 0;
    for (uint64_t g = 0; g < s.d; g += group) {
      double qa = 0, ka = 0;
      for (uint64_t c = g; c < g + group; ++c) {
        double kp = k[j * s.d + c] - kMean[c];
        dot += double(q[i * s.d + c]) * kp;
        qa += std::fabs(q[i * s.d + c]) + 2 * std::fabs(qBar[c]);
        ka += std::fabs(kp);
      }
      a += qa * ka;
    }
    sc[j] = dot * scale;
    dS[j] = scale * a * (gamma(double(s.d) + 40) + 4 * kU);
    maxDS = std::max(maxDS, dS[j]);
    maxAbsS = std::max(maxAbsS, std::fabs(sc[j]));
    m = std::max(m, sc[j]);
    maxV = std::max(maxV, std::fabs(double(v[j * s.dv + e])));
  }
  if (m == -INFINITY)
    return 0;
  const double tiles = double((s.lk + o.keyTile - 1) / o.keyTile);
  double num = 0, den = 0;
  for (uint64_t j = 0; j < s.lk; ++j) {
    if (!sees(s, o.causal, i, j))
      continue;
    double x = sc[j] - m, w = std::exp(x);
    double theta = std::exp(2 * maxDS + kU * (std::fabs(x) + 2 * maxAbsS)) *
                       std::pow(1 + 0x1p-22, tiles + 1) *
                       std::pow(1 + kU, 2 * tiles + 2) -
                   1;
    num += w * theta;
    den += w * (1 - theta);
  }
  return 2 * maxV * num / den +
         (2 * gamma(double(s.lk) + tiles + 2) + kU) * maxV * 1.01 +
         double(s.lk) * 0x1p-140;
}

void testExp(Checker &c) {
  double worst = 0;
  float worstX = 0;
  for (int n = 0; n <= 2000000; ++n) {
    float x = -104.0f + 104.0f * float(n) / 2000000.0f;
    double want = std::exp(double(x));
    float got = attentionExp(x);
    if (want < 0x1p-126) // Subnormal results: absolute error.
      continue;
    double ulp = std::ldexp(1.0, std::ilogb(want) - 23);
    double err = std::fabs(got - want) / ulp;
    if (err > worst) {
      worst = err;
      worstX = x;
    }
  }
  for (float x : {0.5f, 10.0f, 88.0f}) {
    double want = std::exp(double(x));
    double ulp = std::ldexp(1.0, std::ilogb(want) - 23);
    worst = std::max(worst, std::fabs(attentionExp(x) - want) / ulp);
  }
  std::printf("attentionExp: max error %.3f ulp (at %a)\n", worst, worstX);
  c.check(worst <= 2.0,
          "attentionExp within 2 ulp, got " + std::to_string(worst));
  c.check(attentionExp(0.0f) == 1.0f, "attentionExp(0) == 1");
  c.check(attentionExp(-INFINITY) == 0.0f, "attentionExp(-inf) == 0");
  c.check(attentionExp(-103.0f) > 0.0f && attentionExp(-105.0f) == 0.0f,
          "attentionExp underflows between -103 and -105");
  c.check(std::isinf(attentionExp(89.5f)) && std::isnan(attentionExp(NAN)),
          "attentionExp(89.5) = inf, exp(NaN) = NaN");
}

/// Unquantized reference vs attentionF64 under errorBound, for every output.
void expectWithinBound(Checker &c, const Inputs &in, const AttentionOptions &o,
                       const std::string &name) {
  std::string error;
  std::vector<float> out = run(in, o, &error);
  std::vector<double> ref = exact(in, o);
  const AttentionShape &s = in.s;
  uint64_t bad = 0;
  double worstRatio = 0;
  for (uint64_t h = 0; h < s.batch * s.heads; ++h)
    for (uint64_t i = 0; i < s.lq; ++i)
      for (uint64_t e = 0; e < s.dv; ++e) {
        uint64_t x = (h * s.lq + i) * s.dv + e;
        double bound = errorBound(in, o, h, i, e);
        double err = std::fabs(out[x] - ref[x]);
        if (!(err <= bound))
          ++bad;
        if (bound > 0)
          worstRatio = std::max(worstRatio, err / bound);
      }
  // The worst-case bound is loose (random rounding errors cancel); the
  // observed relative L1 error, about 7e-7, is held to 3e-6 as well, so that
  // small systematic errors (a rescale off by 1e-5) fail too.
  double relL1 = compareAttention(out.data(), ref.data(), out.size()).relL1;
  std::printf("%s: max error / bound %.4f, relative L1 %.2e\n", name.c_str(),
              worstRatio, relL1);
  c.check(error.empty() && bad == 0, name + ": " + std::to_string(bad) +
                                         " outputs beyond the bound " + error);
  c.check(relL1 <= 3e-6, name + ": relative L1 " + std::to_string(relL1));
}

void testUnquantized(Checker &c) {
  for (bool causal : {false, true}) {
    // Lq != Lk and Lk not a multiple of the tiles: partial tiles, offset mask.
    Inputs in = makeInputs(11, {2, 1, 77, 200, 64, 32}, true);
    for (uint64_t tile : {16, 64, 128, 256}) {
      AttentionOptions o = unquantized();
      o.causal = causal;
      o.keyTile = tile;
      expectWithinBound(c, in, o,
                        std::string(causal ? "causal" : "full") + " tile " +
                            std::to_string(tile));
    }
    AttentionOptions o = unquantized();
    o.causal = causal;
    o.smoothK = true;
    expectWithinBound(c, in, o, causal ? "causal smoothK" : "full smoothK");
    o.smoothQ = true;
    Inputs longQ = makeInputs(12, {1, 1, 300, 320, 64, 16}, true);
    expectWithinBound(c, longQ, o,
                      causal ? "causal smoothK+Q" : "full smoothK+Q");
    o.hadamard = true;
    expectWithinBound(c, longQ, o,
                      causal ? "causal smooth+hadamard"
                             : "full smooth+hadamard");
  }
}

/// One query, 16 keys, one tile, Q and K in fp32, V and P static_6: the
/// scores put P~ / 448 on the E2M1 grid, and V is on the grid with block
/// max 6, so P^ and V^ are known exactly and O is computed here directly.
void testTinyByHand(Checker &c) {
  const double g[16] = {6, 4, 3, 2, 1.5, 1, 0.5, 6, 4, 3, 2, 1.5, 1, 0.5, 0, 0};
  const double grid[15] = {0,    0.5, 1,    1.5, 2,  3,  4, 6,
                           -0.5, -1,  -1.5, -2,  -3, -4, -6};
  Inputs in;
  in.s = {1, 1, 1, 16, 16, 16};
  in.q.assign(16, 0.0f);
  in.q[0] = 1.0f;
  in.k.assign(16 * 16, 0.0f);
  in.v.resize(16 * 16);
  for (int j = 0; j < 16; ++j) {
    in.k[j * 16] = g[j] > 0 ? float(std::log(g[j] / 6)) : -30.0f;
    for (int e = 0; e < 16; ++e)
      in.v[j * 16 + e] = float(grid[(7 * j + 3 * e) % 15]);
  }
  AttentionOptions o;
  o.softmaxScale = 1.0f;
  o.smoothK = false;
  o.q = o.k = rule("none");
  for (PMode mode : {PMode::TwoLevel, PMode::Direct}) {
    o.pMode = mode;
    // Two-level: block max 2688, scale 448, codes g_j. Direct: block max 1,
    // scale e4m3(1/6) = 0.171875, p / 0.171875 = 0.9697 g_j rounds to g_j.
    const double pScale = mode == PMode::TwoLevel ? 448.0 : 0.171875;
    const double pMul = mode == PMode::TwoLevel ? 2688.0 : 1.0;
    std::vector<float> out = run(in, o);
    double l = 0;
    for (int j = 0; j < 16; ++j)
      l += pMul * std::exp(double(in.k[j * 16]));
    double worst = 0;
    for (int e = 0; e < 16; ++e) {
      double num = 0;
      for (int j = 0; j < 16; ++j)
        num += g[j] * pScale * in.v[j * 16 + e];
      worst = std::max(worst, std::fabs(out[e] - num / l));
    }
    const char *name = mode == PMode::TwoLevel ? "two-level" : "direct";
    std::printf("tiny %s: O[0] = %.7g, max |O - hand| = %.3g\n", name, out[0],
                worst);
    c.check(worst <= 1e-5, std::string("tiny ") + name + " by hand, error " +
                               std::to_string(worst));
  }
}

AttentionOptions allRules(const char *spec) {
  AttentionOptions o;
  o.q = o.k = o.v = o.p = rule(spec);
  return o;
}

void testDeterminism(Checker &c) {
  Inputs in = makeInputs(21, {1, 2, 64, 96, 32, 32}, true);
  AttentionOptions o = allRules("exact");
  o.smoothQ = o.hadamard = o.causal = true;
  o.sinkTokens = 16;
  o.recentTokens = 16;
  std::vector<float> a = run(in, o), b = run(in, o);
  c.check(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0,
          "two runs give the same bytes");
}

void testCausalMask(Checker &c) {
  // Row 20 sees keys 0..20 (Lq == Lk). Perturb K of every key > 20 and V of
  // the keys of whole 16-token V blocks beyond it (32..63): rows 0..20 keep
  // their bytes. (K smoothing, the tensor scale and V's blocks along tokens
  // would let later keys in; they are off or avoided here.)
  for (uint64_t lq : {64, 16}) {
    Inputs in = makeInputs(31, {1, 1, lq, 64, 32, 32}, true);
    AttentionOptions o = allRules("static_6");
    o.smoothK = false;
    o.causal = true;
    o.keyTile = 32;
    const uint64_t off = 64 - lq, row = lq == 64 ? 20 : 4, last = row + off;
    Inputs p = in;
    for (uint64_t j = last + 1; j < 64; ++j)
      for (uint64_t x = 0; x < 32; ++x) {
        p.k[j * 32 + x] += 5.0f;
        if (j >= (last / 16 + 1) * 16)
          p.v[j * 32 + x] -= 3.0f;
      }
    std::vector<float> a = run(in, o), b = run(p, o);
    c.check(std::memcmp(a.data(), b.data(), (row + 1) * 32 * 4) == 0,
            "causal: rows <= " + std::to_string(row) +
                " do not depend on later keys (Lq " + std::to_string(lq) + ")");
    c.check(std::memcmp(a.data(), b.data(), a.size() * 4) != 0,
            "causal: the perturbation reaches the later rows");
    // Row `row` does see key `last` (the mask is not off by one).
    Inputs p2 = in;
    for (uint64_t x = 0; x < 32; ++x) // Key `last` now dominates row `row`.
      p2.k[last * 32 + x] = 3.0f * in.q[row * 32 + x];
    b = run(p2, o);
    c.check(std::memcmp(a.data() + row * 32, b.data() + row * 32, 32 * 4) != 0,
            "causal: row " + std::to_string(row) + " sees key " +
                std::to_string(last));
    o.causal = false;
    a = run(in, o);
    b = run(p, o);
    c.check(std::memcmp(a.data(), b.data(), 32 * 4) != 0,
            "without the mask row 0 sees the perturbed keys");
  }
  // Lq > Lk: queries i < Lq - Lk see no key and output 0.
  Inputs in = makeInputs(32, {1, 1, 64, 16, 16, 16}, false);
  AttentionOptions o = allRules("static_6");
  o.causal = true;
  std::vector<float> out = run(in, o);
  bool zeros = true, finite = true;
  for (uint64_t x = 0; x < out.size(); ++x) {
    zeros &= x >= 48 * 16 || out[x] == 0.0f;
    finite &= std::isfinite(out[x]);
  }
  c.check(zeros && finite && out[48 * 16] != 0.0f,
          "causal Lq > Lk: rows without keys output 0, the others do not");
}

void testRecipes(Checker &c) {
  Inputs in = makeInputs(41, {1, 2, 256, 256, 64, 64}, true);
  AttentionOptions twoLevel = allRules("static_6"), direct = twoLevel;
  direct.pMode = PMode::Direct;
  double rTwo = rmseVsExact(in, twoLevel), rDirect = rmseVsExact(in, direct);
  std::printf("rmse: two-level P %.5f, direct P %.5f\n", rTwo, rDirect);
  c.check(rTwo < rDirect, "two-level P beats direct P");

  double rStatic = rTwo, rSearch = rmseVsExact(in, allRules("search:6")),
         rExact = rmseVsExact(in, allRules("exact"));
  std::printf("rmse: static_6 %.5f, search:6 %.5f, exact %.5f\n", rStatic,
              rSearch, rExact);
  c.check(rSearch <= rStatic, "search:6 on Q, K, V, P no worse than static_6");
  c.check(rExact <= rStatic, "exact on Q, K, V, P no worse than static_6");

  // K smoothing, with only K quantized, on offset keys without outlier
  // channels: the offset no longer inflates the block scales.
  Inputs offsetK = makeInputs(42, {1, 2, 256, 256, 64, 64}, true, false);
  AttentionOptions kOnly = unquantized();
  kOnly.k = rule("static_6");
  double rNoSmooth = rmseVsExact(offsetK, kOnly);
  kOnly.smoothK = true;
  double rSmooth = rmseVsExact(offsetK, kOnly);
  std::printf("rmse, only K quantized: smoothed %.5f, not %.5f\n", rSmooth,
              rNoSmooth);
  c.check(rSmooth < rNoSmooth, "K smoothing helps on offset keys");

  // Every key in bf16: no FP4 left in Q.K^T or P.V.
  AttentionOptions bf16 = twoLevel;
  bf16.sinkTokens = 100;
  bf16.recentTokens = 156;
  std::vector<float> out = run(in, bf16);
  AttentionError err =
      compareAttention(out.data(), exact(in, bf16).data(), out.size());
  std::printf("all keys bf16: cossim %.7f rmse %.5f\n", err.cosSim, err.rmse);
  c.check(err.cosSim > 0.9999 && err.rmse < rTwo / 5,
          "sink + recent covering every key is bf16-accurate");
}

void expectError(Checker &c, const Inputs &in, const AttentionOptions &o,
                 const std::string &want) {
  std::string error;
  std::vector<float> out = run(in, o, &error);
  bool untouched =
      std::all_of(out.begin(), out.end(), [](float x) { return x == -7.0f; });
  c.check(error.find(want) != std::string::npos && untouched,
          "error '" + error + "' should contain '" + want + "'");
}

void testValidation(Checker &c) {
  Inputs in = makeInputs(51, {1, 1, 16, 48, 32, 32}, false);
  AttentionOptions o;
  Inputs bad = in;
  bad.s.d = 24;
  expectError(c, bad, o, "must be multiples of the nvfp4 block size 16");
  bad = in;
  bad.s.lk = 40;
  expectError(c, bad, o, "Lk = 40 must be a multiple of the nvfp4 block size");
  bad.s.lk = 0;
  expectError(c, bad, o, "every dimension");
  AttentionOptions t = o;
  t.keyTile = 40;
  expectError(c, in, t, "the key tile must be a positive multiple");
  t.format = Format::MXFP4;
  t.keyTile = 32;
  expectError(c, in, t, "mxfp4 block size 32"); // Lk = 48.
  t.p = rule("mse");
  Inputs in64 = makeInputs(52, {1, 1, 16, 64, 32, 32}, false);
  expectError(c, in64, t, "p: four_over_six applies to nvfp4 only");
  t = o;
  t.k.searchRadius = 0;
  t.k.rule = ScaleRule::ScaleSearch;
  expectError(c, in, t, "k: the search radius must be in [1, 126]");
  t = o;
  t.softmaxScale = -1.0f;
  expectError(c, in, t, "softmax scale must be finite and positive");
  t = o;
  t.format = Format::MXFP4;
  t.qkvTensorScale = true;
  expectError(c, in64, t, "tensor scale applies to nvfp4 only");
  OperandRule r;
  c.check(parseOperandRule("search:", r).find("or none") != std::string::npos,
          "parseOperandRule rejects search: without a radius");
  c.check(parseOperandRule("none", r).empty() && !r.quantized &&
              operandRuleName(r) == "none",
          "parseOperandRule none");
  c.check(parseOperandRule("search:6", r).empty() && r.quantized &&
              operandRuleName(r) == "search:6",
          "parseOperandRule search:6");
  // The unquantized path accepts any Lk.
  bad = in;
  bad.s.lk = 40;
  std::string error;
  run(bad, unquantized(), &error);
  c.check(error.empty(), "unquantized V and P take Lk = 40: " + error);
}

} // namespace

int runAttention() {
  Checker c("attention");
  testExp(c);
  testUnquantized(c);
  testTinyByHand(c);
  testDeterminism(c);
  testCausalMask(c);
  testRecipes(c);
  testValidation(c);
  return c.finish();
}

} // namespace fp4test
