//===- Attention.cpp - Reference NVFP4 / MXFP4 attention ------------------===//
//
// The operation order is specified in Attention.h; the loops below keep it
// while running the independent sums side by side (over keys in Q.K^T, over
// channels in P.V) so that they vectorize.
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/Attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace mlir::fp4 {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float bf16Round(float x) { return bf16ToFloat(floatToBF16(x)); }

const char *operandName(int index) {
  static const char *names[] = {"q", "k", "v", "p"};
  return names[index];
}

QuantizeOptions quantizeOptionsOf(const OperandRule &r, Format format) {
  QuantizeOptions o;
  o.format = format;
  o.rule = r.rule;
  o.metric = r.metric;
  o.searchRadius = r.searchRadius;
  return o;
}

/// Quantizes a rows x cols row-major matrix with blocks along cols (along
/// rows with `transpose`) and writes the dequantized values, row-major in the
/// input's layout, to `out`. Without `tensorScale`, the calibrated amax is
/// the rule's divisor, so gEnc = gDec = 1 (no tensor scale).
std::string quantizeDequantize(const float *x, uint64_t rows, uint64_t cols,
                               bool transpose, Format format,
                               const OperandRule &r, bool tensorScale,
                               float *out) {
  if (!r.quantized) {
    std::memcpy(out, x, rows * cols * sizeof(float));
    return "";
  }
  QuantizeOptions o = quantizeOptionsOf(r, format);
  o.transpose = transpose;
  if (!tensorScale && format == Format::NVFP4) {
    o.hasCalibratedAmax = true;
    o.amax = tensorScaleForRule(r.rule, 1.0f).divisor;
  }
  std::vector<uint8_t> values(packedValuesBytes(o, rows, cols));
  std::vector<uint8_t> scales(scaleBytes(o, rows, cols));
  QuantizeResult res =
      quantize(x, ElementType::F32, rows, cols, o, values.data(), values.size(),
               scales.data(), scales.size());
  if (!res.ok)
    return res.error;
  float g = decodeTensorScale(o, res.info);
  if (!transpose)
    return dequantize(values.data(), scales.data(), rows, cols, format,
                      ScaleLayout::RowMajor, g, out);
  std::vector<float> t(rows * cols); // cols x rows
  std::string error = dequantize(values.data(), scales.data(), cols, rows,
                                 format, ScaleLayout::RowMajor, g, t.data());
  for (uint64_t i = 0; i < rows; ++i)
    for (uint64_t j = 0; j < cols; ++j)
      out[i * cols + j] = t[j * rows + i];
  return error;
}

/// In place: each 16-channel group of each row becomes
/// y_r = (sum_c H16[r][c] * x_c) * 0.25, c in order, H16[r][c] =
/// (-1)^popcount(r & c) (Sylvester).
void hadamard16(float *x, uint64_t rows, uint64_t d) {
  for (uint64_t i = 0; i < rows; ++i)
    for (uint64_t g = 0; g < d; g += 16) {
      float *row = x + i * d + g;
      float y[16];
      for (int r = 0; r < 16; ++r) {
        float acc = 0.0f;
        for (int c = 0; c < 16; ++c)
          acc = __builtin_popcount(r & c) % 2 ? acc - row[c] : acc + row[c];
        y[r] = acc * 0.25f;
      }
      std::memcpy(row, y, sizeof(y));
    }
}

/// Key j is visible to query i iff j <= i + (lk - lq).
bool visible(uint64_t i, uint64_t j, const AttentionShape &s, bool causal) {
  return !causal || static_cast<int64_t>(j) <=
                        static_cast<int64_t>(i) + (static_cast<int64_t>(s.lk) -
                                                   static_cast<int64_t>(s.lq));
}

/// One (b, h) head of the reference.
std::string attentionHead(const float *q, const float *k, const float *v,
                          const AttentionShape &s, const AttentionOptions &o,
                          float scale, float *out) {
  const uint64_t lq = s.lq, lk = s.lk, d = s.d, dv = s.dv;
  auto isHighPrecision = [&](uint64_t j) {
    return j < o.sinkTokens || j + o.recentTokens >= lk;
  };
  const bool anyHighPrecision = o.sinkTokens > 0 || o.recentTokens > 0;

  // 1. K smoothing.
  std::vector<float> ks(k, k + lk * d);
  if (o.smoothK) {
    std::vector<float> mean(d, 0.0f);
    for (uint64_t j = 0; j < lk; ++j)
      for (uint64_t c = 0; c < d; ++c)
        mean[c] = mean[c] + ks[j * d + c];
    for (uint64_t c = 0; c < d; ++c)
      mean[c] = mean[c] / static_cast<float>(lk);
    for (uint64_t j = 0; j < lk; ++j)
      for (uint64_t c = 0; c < d; ++c)
        ks[j * d + c] = ks[j * d + c] - mean[c];
  }

  // 2. Q smoothing and its score correction dS (scaled).
  std::vector<float> qs(q, q + lq * d);
  const uint64_t qBlocks = (lq + kQSmoothBlock - 1) / kQSmoothBlock;
  std::vector<float> dS;
  if (o.smoothQ) {
    dS.assign(qBlocks * lk, 0.0f);
    for (uint64_t b = 0; b < qBlocks; ++b) {
      uint64_t i0 = b * kQSmoothBlock, i1 = std::min(lq, i0 + kQSmoothBlock);
      std::vector<float> mean(d, 0.0f);
      for (uint64_t i = i0; i < i1; ++i)
        for (uint64_t c = 0; c < d; ++c)
          mean[c] = mean[c] + qs[i * d + c];
      for (uint64_t c = 0; c < d; ++c)
        mean[c] = mean[c] / static_cast<float>(i1 - i0);
      for (uint64_t i = i0; i < i1; ++i)
        for (uint64_t c = 0; c < d; ++c)
          qs[i * d + c] = qs[i * d + c] - mean[c];
      for (uint64_t j = 0; j < lk; ++j) {
        float acc = 0.0f;
        for (uint64_t c = 0; c < d; ++c)
          acc = acc + mean[c] * ks[j * d + c];
        dS[b * lk + j] = acc * scale;
      }
    }
  }

  // 3. Hadamard rotation.
  if (o.hadamard) {
    hadamard16(qs.data(), lq, d);
    hadamard16(ks.data(), lk, d);
  }

  // 4. Quantization; sink/recent keys are zero here and bf16 below.
  std::vector<float> kq = ks, vq(v, v + lk * dv);
  for (uint64_t j = 0; j < lk; ++j)
    if (isHighPrecision(j)) {
      std::fill(kq.begin() + j * d, kq.begin() + (j + 1) * d, 0.0f);
      std::fill(vq.begin() + j * dv, vq.begin() + (j + 1) * dv, 0.0f);
    }
  std::vector<float> qh(lq * d), kh(lk * d), vh(lk * dv);
  std::string error = quantizeDequantize(qs.data(), lq, d, false, o.format, o.q,
                                         o.qkvTensorScale, qh.data());
  if (error.empty())
    error = quantizeDequantize(kq.data(), lk, d, false, o.format, o.k,
                               o.qkvTensorScale, kh.data());
  if (error.empty())
    error = quantizeDequantize(vq.data(), lk, dv, true, o.format, o.v,
                               o.qkvTensorScale, vh.data());
  if (!error.empty())
    return error;
  std::vector<float> qb, kb;
  if (anyHighPrecision) {
    qb.resize(lq * d);
    kb.resize(lk * d);
    for (uint64_t x = 0; x < lq * d; ++x)
      qb[x] = bf16Round(qs[x]);
    for (uint64_t x = 0; x < lk * d; ++x)
      kb[x] = bf16Round(ks[x]);
    for (uint64_t j = 0; j < lk; ++j)
      if (isHighPrecision(j))
        for (uint64_t e = 0; e < dv; ++e)
          vh[j * dv + e] = bf16Round(v[j * dv + e]);
  }
  // K transposed (D x Lk), so the sums of one row run side by side.
  std::vector<float> khT(d * lk);
  for (uint64_t j = 0; j < lk; ++j)
    for (uint64_t c = 0; c < d; ++c)
      khT[c * lk + j] = kh[j * d + c];

  // 5. Online softmax over key tiles.
  std::vector<float> o32(lq * dv, 0.0f), m(lq, kNegInf), l(lq, 0.0f);
  std::vector<float> alpha(lq), pTile, pq, ph, acc(o.keyTile);
  for (uint64_t j0 = 0; j0 < lk; j0 += o.keyTile) {
    const uint64_t n = std::min(o.keyTile, lk - j0);
    pTile.assign(lq * n, 0.0f);
    for (uint64_t i = 0; i < lq; ++i) {
      std::fill(acc.begin(), acc.begin() + n, 0.0f);
      for (uint64_t c = 0; c < d; ++c) {
        const float qc = qh[i * d + c];
        const float *kRow = khT.data() + c * lk + j0;
        for (uint64_t j = 0; j < n; ++j)
          acc[j] = acc[j] + qc * kRow[j];
      }
      float mNew = m[i];
      for (uint64_t j = 0; j < n; ++j) {
        const uint64_t key = j0 + j;
        if (anyHighPrecision && isHighPrecision(key)) {
          float a = 0.0f;
          for (uint64_t c = 0; c < d; ++c)
            a = a + qb[i * d + c] * kb[key * d + c];
          acc[j] = a;
        }
        float sc = acc[j] * scale;
        if (o.smoothQ)
          sc = sc + dS[(i / kQSmoothBlock) * lk + key];
        if (!visible(i, key, s, o.causal))
          sc = kNegInf;
        acc[j] = sc;
        mNew = std::max(mNew, sc);
      }
      if (mNew == kNegInf) { // Nothing visible yet: p = 0, O and l stay.
        alpha[i] = 1.0f;
        continue;
      }
      alpha[i] = attentionExp(m[i] - mNew);
      m[i] = mNew;
      float rowSum = 0.0f;
      for (uint64_t j = 0; j < n; ++j) {
        float p = attentionExp(acc[j] - mNew);
        if (o.pMode == PMode::TwoLevel)
          p = p * kTwoLevelPScale;
        pTile[i * n + j] = p;
        rowSum = rowSum + p;
      }
      l[i] = l[i] * alpha[i] + rowSum;
    }
    // P: blocks of consecutive keys of one row, no tensor scale.
    pq = pTile;
    for (uint64_t i = 0; i < lq; ++i)
      for (uint64_t j = 0; j < n; ++j)
        if (isHighPrecision(j0 + j))
          pq[i * n + j] = 0.0f;
    ph.resize(lq * n);
    error = quantizeDequantize(pq.data(), lq, n, false, o.format, o.p, false,
                               ph.data());
    if (!error.empty())
      return error;
    for (uint64_t i = 0; i < lq; ++i) {
      float *oRow = o32.data() + i * dv;
      for (uint64_t e = 0; e < dv; ++e)
        oRow[e] = oRow[e] * alpha[i];
      for (uint64_t j = 0; j < n; ++j) {
        const uint64_t key = j0 + j;
        const float p =
            isHighPrecision(key) ? bf16Round(pTile[i * n + j]) : ph[i * n + j];
        const float *vRow = vh.data() + key * dv;
        for (uint64_t e = 0; e < dv; ++e)
          oRow[e] = oRow[e] + p * vRow[e];
      }
    }
  }

  // 6. Normalization.
  for (uint64_t i = 0; i < lq; ++i)
    for (uint64_t e = 0; e < dv; ++e)
      out[i * dv + e] = l[i] == 0.0f ? 0.0f : o32[i * dv + e] / l[i];
  return "";
}

} // namespace

std::string parseOperandRule(const std::string &spec, OperandRule &rule) {
  if (spec == "none") {
    rule = OperandRule();
    rule.quantized = false;
    return "";
  }
  QuantizeOptions o;
  std::string error = parseRuleSpec(spec, o);
  if (!error.empty())
    return error + " or none";
  rule.quantized = true;
  rule.rule = o.rule;
  rule.metric = o.metric;
  rule.searchRadius = o.searchRadius;
  return "";
}

std::string operandRuleName(const OperandRule &rule) {
  if (!rule.quantized)
    return "none";
  return ruleSpecName(quantizeOptionsOf(rule, Format::NVFP4));
}

float effectiveSoftmaxScale(const AttentionOptions &o, uint64_t d) {
  if (o.softmaxScale != 0.0f)
    return o.softmaxScale;
  return 1.0f / std::sqrt(static_cast<float>(d));
}

std::string validateAttentionOptions(const AttentionOptions &o,
                                     const AttentionShape &s) {
  if (s.batch == 0 || s.heads == 0 || s.lq == 0 || s.lk == 0 || s.d == 0 ||
      s.dv == 0)
    return "every dimension (B, H, Lq, Lk, D, Dv) must be at least 1";
  if (s.lq > (uint64_t(1) << 24) || s.lk > (uint64_t(1) << 24) || s.d > 4096 ||
      s.dv > 4096)
    return "the shape is too large (Lq, Lk at most 2^24, D, Dv at most 4096)";
  const uint64_t b = blockSize(o.format);
  const char *fmt = o.format == Format::NVFP4 ? "nvfp4" : "mxfp4";
  if (s.d % b != 0 || s.dv % b != 0)
    return "the head dims D = " + std::to_string(s.d) +
           " and Dv = " + std::to_string(s.dv) + " must be multiples of the " +
           fmt + " block size " + std::to_string(b);
  if (o.keyTile == 0 || o.keyTile % b != 0)
    return "the key tile must be a positive multiple of the " +
           std::string(fmt) + " block size " + std::to_string(b) + ", got " +
           std::to_string(o.keyTile);
  if ((o.v.quantized || o.p.quantized) && s.lk % b != 0)
    return "Lk = " + std::to_string(s.lk) + " must be a multiple of the " +
           fmt + " block size " + std::to_string(b) +
           " when V or P is quantized (their blocks run along the keys)";
  if (!std::isfinite(o.softmaxScale) || o.softmaxScale < 0.0f)
    return "the softmax scale must be finite and positive (0 means "
           "1/sqrt(D))";
  if (o.qkvTensorScale && o.format != Format::NVFP4)
    return "a per-head tensor scale applies to nvfp4 only (mxfp4 has none)";
  const OperandRule *rules[] = {&o.q, &o.k, &o.v, &o.p};
  for (int x = 0; x < 4; ++x) {
    if (!rules[x]->quantized)
      continue;
    // The shape here only carries the block-size check, already done.
    std::string error =
        validateQuantizeOptions(quantizeOptionsOf(*rules[x], o.format), 1, b);
    if (!error.empty())
      return std::string(operandName(x)) + ": " + error;
  }
  return "";
}

float attentionExp(float x) {
  if (std::isnan(x))
    return x;
  if (x > 89.0f)
    return std::numeric_limits<float>::infinity();
  if (x < -104.0f)
    return 0.0f;
  // Cody-Waite: k * kLn2Hi is exact (kLn2Hi has 9 significant bits,
  // |k| <= 150) and x - k * kLn2Hi is exact (Sterbenz).
  const float kLog2e = 0x1.715476p+0f, kLn2Hi = 0.693359375f,
              kLn2Lo = -2.12194440e-4f;
  const float kf = std::nearbyint(x * kLog2e); // Round half to even.
  const float r = (x - kf * kLn2Hi) - kf * kLn2Lo;
  // Taylor coefficients 1/n!, each the nearest float; Horner without FMA.
  const float c[8] = {1.0f / 5040.0f, 1.0f / 720.0f, 1.0f / 120.0f,
                      1.0f / 24.0f,   1.0f / 6.0f,   0.5f,
                      1.0f,           1.0f};
  float p = c[0];
  for (int n = 1; n < 8; ++n)
    p = p * r + c[n];
  return std::ldexp(p, static_cast<int>(kf));
}

std::string attentionReference(const float *q, const float *k, const float *v,
                               const AttentionShape &s,
                               const AttentionOptions &o, float *out) {
  std::string error = validateAttentionOptions(o, s);
  if (!error.empty())
    return error;
  const float scale = effectiveSoftmaxScale(o, s.d);
  const uint64_t heads = s.batch * s.heads;
  std::vector<float> headOut(s.lq * s.dv);
  // Heads are independent; write `out` only when every head succeeded.
  std::vector<float> all(heads * s.lq * s.dv);
  for (uint64_t h = 0; h < heads; ++h) {
    error = attentionHead(q + h * s.lq * s.d, k + h * s.lk * s.d,
                          v + h * s.lk * s.dv, s, o, scale,
                          all.data() + h * s.lq * s.dv);
    if (!error.empty())
      return error;
  }
  std::memcpy(out, all.data(), all.size() * sizeof(float));
  return "";
}

void attentionF64(const float *q, const float *k, const float *v,
                  const AttentionShape &s, float scale, bool causal,
                  double *out) {
  const uint64_t lq = s.lq, lk = s.lk, d = s.d, dv = s.dv;
  std::vector<double> kT(d * lk), sc(lk), o(dv);
  for (uint64_t h = 0; h < s.batch * s.heads; ++h) {
    const float *qh = q + h * lq * d, *kh = k + h * lk * d,
                *vh = v + h * lk * dv;
    for (uint64_t j = 0; j < lk; ++j)
      for (uint64_t c = 0; c < d; ++c)
        kT[c * lk + j] = kh[j * d + c];
    for (uint64_t i = 0; i < lq; ++i) {
      std::fill(sc.begin(), sc.end(), 0.0);
      for (uint64_t c = 0; c < d; ++c) {
        const double qc = qh[i * d + c];
        for (uint64_t j = 0; j < lk; ++j)
          sc[j] += qc * kT[c * lk + j];
      }
      double mx = -std::numeric_limits<double>::infinity();
      uint64_t seen = 0;
      for (uint64_t j = 0; j < lk; ++j)
        if (visible(i, j, s, causal)) {
          sc[j] *= scale;
          mx = std::max(mx, sc[j]);
          ++seen;
        }
      std::fill(o.begin(), o.end(), 0.0);
      double sum = 0.0;
      for (uint64_t j = 0; j < lk && seen; ++j) {
        if (!visible(i, j, s, causal))
          continue;
        const double p = std::exp(sc[j] - mx);
        sum += p;
        for (uint64_t e = 0; e < dv; ++e)
          o[e] += p * vh[j * dv + e];
      }
      double *outRow = out + (h * lq + i) * dv;
      for (uint64_t e = 0; e < dv; ++e)
        outRow[e] = seen ? o[e] / sum : 0.0;
    }
  }
}

namespace {
template <typename T>
AttentionError compareImpl(const float *out, const T *ref, uint64_t n) {
  double dot = 0, nOut = 0, nRef = 0, l1 = 0, l1Ref = 0, sq = 0;
  for (uint64_t x = 0; x < n; ++x) {
    const double a = out[x], b = ref[x], e = a - b;
    dot += a * b;
    nOut += a * a;
    nRef += b * b;
    l1 += std::fabs(e);
    l1Ref += std::fabs(b);
    sq += e * e;
  }
  AttentionError r;
  r.cosSim = dot / (std::sqrt(nOut) * std::sqrt(nRef));
  r.relL1 = l1 / l1Ref;
  r.rmse = n ? std::sqrt(sq / static_cast<double>(n)) : 0.0;
  return r;
}
} // namespace

AttentionError compareAttention(const float *out, const double *ref,
                                uint64_t n) {
  return compareImpl(out, ref, n);
}

AttentionError compareAttention(const float *out, const float *ref,
                                uint64_t n) {
  return compareImpl(out, ref, n);
}

} // namespace mlir::fp4
