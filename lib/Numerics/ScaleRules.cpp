//===- ScaleRules.cpp - NVFP4 / MXFP4 block scale rules -------------------===//
//
// The hot loops work on fixed chunks of 16 elements with branch-free selects
// so that GCC vectorizes them; the error sums stay sequential (the op order in
// ScaleRules.h).
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/ScaleRules.h"
#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/Float16.h"
#include "fp4/Numerics/UE8M0.h"

#include <cfloat>
#include <cmath>
#include <initializer_list>

namespace mlir::fp4 {

uint8_t nvfp4LargestFiniteByte(float amax, float divisor) {
  float a = decodeAmax(amax), d = decodeDivisor(amax, divisor);
  int byte = kMaxNVFP4Byte;
  while (byte > 1 && !(((6.0f * e4m3Decode(byte)) * a) / d <= FLT_MAX))
    --byte;
  return static_cast<uint8_t>(byte);
}

TensorScale makeTensorScale(float amax, float q, float m) {
  TensorScale ts;
  ts.amax = amax;
  ts.q = q;
  ts.divisor = q * m;
  ts.gEnc = ts.divisor / amax;
  ts.gDec = 1.0f / ts.gEnc;
  ts.maxByte = nvfp4LargestFiniteByte(amax, ts.divisor);
  return ts;
}

bool usableTensorScale(const TensorScale &ts) {
  return ts.amax > 0.0f && std::isfinite(ts.gEnc) &&
         ts.gDec * kSmallestE4M3Scale >= FLT_MIN;
}

TensorScale tensorScaleForRule(ScaleRule rule, float amax) {
  if (rule == ScaleRule::Static4)
    return makeTensorScale(amax, 4.0f, kStandardM);
  if (rule == ScaleRule::FourOverSix)
    return makeTensorScale(amax, 6.0f, kFourOverSixM);
  return makeTensorScale(amax, 6.0f, kStandardM);
}

float nvfp4ScaleHp(float bamax, const TensorScale &ts) {
  return (bamax / ts.q) * ts.gEnc;
}

// The E4M3 byte of `sHp`, at most ts.maxByte.
static uint8_t cappedNVFP4Byte(float sHp, const TensorScale &ts) {
  uint8_t byte = e4m3Encode(sHp);
  return byte < ts.maxByte ? byte : ts.maxByte;
}

uint8_t nvfp4StandardScale(float bamax, const TensorScale &ts) {
  return cappedNVFP4Byte(nvfp4ScaleHp(bamax, ts), ts);
}

uint8_t mxfp4StandardScale(float bamax, float q) {
  uint8_t code = ue8m0RoundUp(bamax / q);
  return code < kMXFP4LargestFiniteCode ? code : kMXFP4LargestFiniteCode;
}

static ScaleCandidate zeroCandidate(uint8_t byte) {
  ScaleCandidate c;
  c.byte = byte;
  c.zero = true;
  c.r = 0.0f;
  for (float &v : c.xhat)
    v = 0.0f;
  return c;
}

ScaleCandidate makeNVFP4Candidate(uint8_t byte, const TensorScale &ts,
                                  bool withErrorTable) {
  float s = e4m3Decode(byte);
  if (s == 0.0f)
    return zeroCandidate(byte);
  ScaleCandidate c;
  c.byte = byte;
  c.zero = false;
  float r = 1.0f / (ts.gDec * s);
  c.r = r < FLT_MAX ? r : FLT_MAX;
  float amax = decodeAmax(ts.amax),
        divisor = decodeDivisor(ts.amax, ts.divisor);
  for (int k = 0; k < 8; ++k)
    c.xhat[k] =
        withErrorTable ? ((kE2M1Magnitudes[k] * s) * amax) / divisor : 0.0f;
  return c;
}

ScaleCandidate makeMXFP4Candidate(uint8_t code) {
  if (code == 0)
    return zeroCandidate(code);
  ScaleCandidate c;
  c.byte = code;
  c.zero = false;
  c.r = ue8m0Reciprocal(code);
  float scale = ue8m0Decode(code);
  for (int k = 0; k < 8; ++k)
    c.xhat[k] = kE2M1Magnitudes[k] * scale;
  return c;
}

float stochasticOffset(uint64_t seed, uint64_t index) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  // (2m + 1) / 2^24 - 1/2 for the top 23 bits m: exact in fp32, symmetric,
  // never +-0.5, so values already on the E2M1 grid are kept.
  return (static_cast<float>(z >> 41) + 0.5f) * 0x1p-23f - 0.5f;
}

void encodeBlock(const float *x, size_t n, const ScaleCandidate &c,
                 const float *u, uint8_t *codes) {
  if (c.zero) {
    for (size_t i = 0; i < n; ++i)
      codes[i] = 0;
    return;
  }
  const float r = c.r;
  if (u) {
    for (size_t i = 0; i < n; ++i)
      codes[i] = e2m1EncodeStochastic(x[i] * r, u[i]);
    return;
  }
  // Fixed chunks of 16 with 32-bit intermediates so the loop vectorizes.
  for (size_t j = 0; j < n; j += 16) {
    int32_t k[16];
    for (int i = 0; i < 16; ++i) {
      float y = x[j + i] * r;
      float a = std::fabs(y);
      k[i] = (y < 0.0f ? 8 : 0) + e2m1MagnitudeCode(a);
    }
    for (int i = 0; i < 16; ++i)
      codes[j + i] = static_cast<uint8_t>(k[i]);
  }
}

// Accumulates per-element errors e[0..n) into acc in element order.
static float accumulate(const float *e, size_t n, ErrorMetric metric,
                        float acc) {
  if (metric == ErrorMetric::AbsMax) {
    for (size_t i = 0; i < n; ++i)
      acc = e[i] > acc ? e[i] : acc;
    return acc;
  }
  for (size_t i = 0; i < n; ++i)
    acc = acc + e[i];
  return acc;
}

float codesError(const float *x, const uint8_t *codes, size_t n,
                 const ScaleCandidate &c, ErrorMetric metric) {
  float e[kMaxBlockElements];
  for (size_t i = 0; i < n; ++i) {
    // |xhat - x| = |xhat[k] - |x||: a non-zero code carries the sign of x,
    // and negation is exact.
    float d = c.xhat[codes[i] & 7] - std::fabs(x[i]);
    e[i] = metric == ErrorMetric::MSE ? d * d : std::fabs(d);
  }
  return accumulate(e, n, metric, 0.0f);
}

// Per-element errors of 16 elements under round to nearest: the magnitude
// code is selected by the same thresholds as e2m1MagnitudeCode.
template <ErrorMetric Metric>
static void chunkErrors16(const float *x, const ScaleCandidate &c, float *e) {
  const float r = c.r, t1 = c.xhat[1], t2 = c.xhat[2], t3 = c.xhat[3],
              t4 = c.xhat[4], t5 = c.xhat[5], t6 = c.xhat[6], t7 = c.xhat[7];
  for (int i = 0; i < 16; ++i) {
    float a = std::fabs(x[i]);
    float y = a * r;
    float m = 0.0f; // xhat[0] is always 0.
    m = y > 0.25f ? t1 : m;
    m = y >= 0.75f ? t2 : m;
    m = y > 1.25f ? t3 : m;
    m = y >= 1.75f ? t4 : m;
    m = y > 2.5f ? t5 : m;
    m = y >= 3.5f ? t6 : m;
    m = y > 5.0f ? t7 : m;
    float d = m - a;
    e[i] = Metric == ErrorMetric::MSE ? d * d : std::fabs(d);
  }
}

template <ErrorMetric Metric>
static float candidateErrorImpl(const float *x, size_t n,
                                const ScaleCandidate &c) {
  float acc = 0.0f;
  float e[16];
  for (size_t j = 0; j < n; j += 16) {
    chunkErrors16<Metric>(x + j, c, e);
    acc = accumulate(e, 16, Metric, acc);
  }
  return acc;
}

float candidateError(const float *x, size_t n, const ScaleCandidate &c,
                     ErrorMetric metric) {
  switch (metric) {
  case ErrorMetric::MSE:
    return candidateErrorImpl<ErrorMetric::MSE>(x, n, c);
  case ErrorMetric::MAE:
    return candidateErrorImpl<ErrorMetric::MAE>(x, n, c);
  case ErrorMetric::AbsMax:
    return candidateErrorImpl<ErrorMetric::AbsMax>(x, n, c);
  }
  return 0.0f;
}

bool isBetterCandidate(float error, int byte, float bestError, int bestByte,
                       int c0) {
  if (error != bestError)
    return error < bestError;
  int distance = byte > c0 ? byte - c0 : c0 - byte;
  int bestDistance = bestByte > c0 ? bestByte - c0 : c0 - bestByte;
  if (distance != bestDistance)
    return distance < bestDistance;
  return byte < bestByte;
}

// Error of a candidate under the block's rounding (nearest when u is null).
static float evaluate(const float *x, size_t n, const ScaleCandidate &c,
                      ErrorMetric metric, const float *u) {
  if (!u)
    return candidateError(x, n, c, metric);
  uint8_t codes[kMaxBlockElements];
  encodeBlock(x, n, c, u, codes);
  return codesError(x, codes, n, c, metric);
}

// Several candidates of one block are evaluated together, one per SIMD lane
// (GCC vector extensions; each lane op is the same IEEE fp32 op as the scalar
// code). Each lane still sums its own errors in element order, so every
// result equals candidateError() bit for bit; only the sequential sums of
// different candidates overlap instead of running one after another.
template <int Lanes>
struct FloatVec;
template <>
struct FloatVec<4> {
  typedef float type __attribute__((vector_size(16)));
};

template <ErrorMetric Metric, int Lanes>
static void laneErrors(const float *x, size_t n, const ScaleCandidate *const *c,
                       int count, float *errors) {
  using V = typename FloatVec<Lanes>::type;
  V r, t[8];
  for (int l = 0; l < Lanes; ++l) {
    const ScaleCandidate &cl = *c[l < count ? l : 0]; // Pad with a copy.
    r[l] = cl.r;
    for (int k = 0; k < 8; ++k)
      t[k][l] = cl.xhat[k];
  }
  const V zero = {};
  V acc = zero;
  for (size_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    // The same selection as chunkErrors16.
    V y = a * r;
    V m = zero;
    m = y > 0.25f ? t[1] : m;
    m = y >= 0.75f ? t[2] : m;
    m = y > 1.25f ? t[3] : m;
    m = y >= 1.75f ? t[4] : m;
    m = y > 2.5f ? t[5] : m;
    m = y >= 3.5f ? t[6] : m;
    m = y > 5.0f ? t[7] : m;
    V d = m - a;
    if (Metric == ErrorMetric::MSE) {
      acc = acc + d * d;
    } else {
      V e = d < 0.0f ? -d : d; // |d|; d is never NaN.
      acc = Metric == ErrorMetric::AbsMax ? (e > acc ? e : acc) : acc + e;
    }
  }
  for (int l = 0; l < count; ++l)
    errors[l] = acc[l];
}

template <ErrorMetric Metric>
static void candidateErrorsImpl(const float *x, size_t n,
                                const ScaleCandidate *const *c, int count,
                                float *errors) {
  // 4 lanes fill one SSE vector (the portable baseline).
  for (int first = 0; first < count; first += 4) {
    int m = count - first < 4 ? count - first : 4;
    laneErrors<Metric, 4>(x, n, c + first, m, errors + first);
  }
}

// errors[j] = evaluate(x, n, c[j], metric, u) for j < count.
static void evaluateMany(const float *x, size_t n,
                         const ScaleCandidate *const *c, int count,
                         ErrorMetric metric, const float *u, float *errors) {
  if (u) {
    for (int j = 0; j < count; ++j)
      errors[j] = evaluate(x, n, *c[j], metric, u);
    return;
  }
  switch (metric) {
  case ErrorMetric::MSE:
    return candidateErrorsImpl<ErrorMetric::MSE>(x, n, c, count, errors);
  case ErrorMetric::MAE:
    return candidateErrorsImpl<ErrorMetric::MAE>(x, n, c, count, errors);
  case ErrorMetric::AbsMax:
    return candidateErrorsImpl<ErrorMetric::AbsMax>(x, n, c, count, errors);
  }
}

static ScaleCandidate makeCandidate(Format format, int byte,
                                    const TensorScale &ts,
                                    const ScaleCandidate *table) {
  if (table)
    return table[byte];
  return format == Format::NVFP4
             ? makeNVFP4Candidate(static_cast<uint8_t>(byte), ts)
             : makeMXFP4Candidate(static_cast<uint8_t>(byte));
}

std::vector<ScaleCandidate> makeCandidateTable(Format format,
                                               const TensorScale &ts) {
  std::vector<ScaleCandidate> table(256);
  int top = format == Format::NVFP4 ? kMaxNVFP4Byte : kMaxMXFP4Code;
  for (int byte = 0; byte <= top; ++byte)
    table[byte] = makeCandidate(format, byte, ts, nullptr);
  return table;
}

static int maxCode(Format format) {
  return format == Format::NVFP4 ? kMaxNVFP4Byte : kMaxMXFP4Code;
}

ScaleChoice chooseFourOverSix(const float *x, size_t n, float bamax,
                              const TensorScale &ts, ErrorMetric metric,
                              const float *u, float *error4, float *error6,
                              const ScaleCandidate *table) {
  float sHp6 = nvfp4ScaleHp(bamax, ts);
  float sHp4 = sHp6 * 1.5f;
  ScaleCandidate c6 =
      makeCandidate(Format::NVFP4, cappedNVFP4Byte(sHp6, ts), ts, table);
  ScaleCandidate c4 =
      makeCandidate(Format::NVFP4, cappedNVFP4Byte(sHp4, ts), ts, table);
  float e6 = evaluate(x, n, c6, metric, u);
  float e4 = evaluate(x, n, c4, metric, u);
  if (error4)
    *error4 = e4;
  if (error6)
    *error6 = e6;
  if (fourOverSixPicksFour(e4, e6))
    return {c4.byte, e4, 2};
  return {c6.byte, e6, 2};
}

ScaleChoice searchScale(Format format, const float *x, size_t n, int c0,
                        int radius, const TensorScale &ts, const float *u,
                        const ScaleCandidate *table) {
  // Order c0, c0-1, c0+1, c0-2, ...; isBetterCandidate makes the order
  // immaterial. Candidates are evaluated in batches (evaluateMany).
  int top = maxCode(format);
  int bytes[2 * kMaxMXFP4Code + 1];
  int count = 0;
  bytes[count++] = c0;
  for (int d = 1; d <= radius; ++d)
    for (int c : {c0 - d, c0 + d})
      if (c >= 1 && c <= top)
        bytes[count++] = c;
  ScaleChoice best{static_cast<uint8_t>(c0), 0.0f, count};
  constexpr int kBatch = 8;
  for (int first = 0; first < count; first += kBatch) {
    int m = count - first < kBatch ? count - first : kBatch;
    ScaleCandidate local[kBatch];
    const ScaleCandidate *cands[kBatch];
    for (int j = 0; j < m; ++j) {
      if (table) {
        cands[j] = &table[bytes[first + j]];
      } else {
        local[j] = makeCandidate(format, bytes[first + j], ts, nullptr);
        cands[j] = &local[j];
      }
    }
    float errors[kBatch];
    evaluateMany(x, n, cands, m, ErrorMetric::MSE, u, errors);
    for (int j = 0; j < m; ++j) {
      int c = bytes[first + j];
      if (first + j == 0)
        best.error = errors[0];
      else if (isBetterCandidate(errors[j], c, best.error, best.byte, c0))
        best = {static_cast<uint8_t>(c), errors[j], count};
    }
  }
  return best;
}

// Lower bounds on the computed MSE error of up to 4 candidates, one per SIMD
// lane, each summed in the same sequential order as the error with zeros for
// the other elements. Upward: the dead zone, sum of x_i^2 over |x_i| * r <=
// 0.25 (those elements quantize to 0). Otherwise clipping, sum of
// (|x_i| - 6s)^2 over the elements beyond the largest representable value.
template <bool Upward>
static void laneBounds(const float *x, size_t n, const ScaleCandidate *const *c,
                       int count, float *bounds) {
  using V = FloatVec<4>::type;
  V r, top;
  for (int l = 0; l < 4; ++l) {
    const ScaleCandidate &cl = *c[l < count ? l : 0];
    r[l] = cl.r;
    top[l] = cl.xhat[7];
  }
  const V zero = {};
  V acc = zero;
  for (size_t i = 0; i < n; ++i) {
    const float a = std::fabs(x[i]);
    if (Upward) {
      acc = acc + (a * r <= 0.25f ? zero + a * a : zero);
    } else {
      V d = a - top;
      acc = acc + (d > 0.0f ? d * d : zero);
    }
  }
  for (int l = 0; l < count; ++l)
    bounds[l] = acc[l];
}

ScaleChoice exactScale(Format format, const float *x, size_t n, int c0,
                       const TensorScale &ts, const float *u,
                       const ScaleCandidate *table) {
  int top = maxCode(format);
  if (u) // The bounds assume round to nearest.
    return searchScale(format, x, n, c0, top, ts, u, table);
  ScaleChoice best{static_cast<uint8_t>(c0),
                   candidateError(x, n, makeCandidate(format, c0, ts, table),
                                  ErrorMetric::MSE),
                   1};
  if (best.error == 0.0f)
    return best;
  // Upward, D(c) is non-decreasing in c; downward, H(c) is non-decreasing.
  // The walk takes 4 codes at a time: their bounds, then the errors of those
  // not already pruned, both in SIMD lanes; the decisions are then made one
  // code at a time in walk order exactly as in a scalar walk.
  for (int step : {+1, -1}) {
    bool done = false;
    for (int c = c0 + step; !done && c >= 1 && c <= top; c += 4 * step) {
      ScaleCandidate local[4];
      const ScaleCandidate *cands[4];
      int count = 0;
      for (int k = c; count < 4 && k >= 1 && k <= top; k += step, ++count) {
        if (table) {
          cands[count] = &table[k];
        } else {
          local[count] = makeCandidate(format, k, ts, nullptr);
          cands[count] = &local[count];
        }
      }
      float bounds[4], errors[4];
      if (step > 0)
        laneBounds<true>(x, n, cands, count, bounds);
      else
        laneBounds<false>(x, n, cands, count, bounds);
      // best.error only decreases, so codes past the first bound above it
      // are never reached.
      int live = 0;
      while (live < count && !(bounds[live] > best.error))
        ++live;
      if (live > 0)
        candidateErrorsImpl<ErrorMetric::MSE>(x, n, cands, live, errors);
      for (int j = 0; j < count; ++j) {
        if (bounds[j] > best.error) {
          done = true;
          break;
        }
        int code = c + j * step;
        ++best.evaluated;
        if (isBetterCandidate(errors[j], code, best.error, best.byte, c0))
          best = {static_cast<uint8_t>(code), errors[j], best.evaluated};
      }
    }
  }
  return best;
}

// The block elements are finite, so |x_i| are non-negative non-NaN values
// and their maximum does not depend on the order: 16 lanes (vectorized),
// then a halving tree.
static float blockAbsMax(const float *x, size_t n) {
  float m[16] = {};
  for (size_t j = 0; j < n; j += 16)
    for (int i = 0; i < 16; ++i) {
      float a = std::fabs(x[j + i]);
      m[i] = a > m[i] ? a : m[i];
    }
  for (int i = 0; i < 8; ++i)
    m[i] = m[i + 8] > m[i] ? m[i + 8] : m[i];
  for (int i = 0; i < 4; ++i)
    m[i] = m[i + 4] > m[i] ? m[i + 4] : m[i];
  float m01 = m[1] > m[0] ? m[1] : m[0];
  float m23 = m[3] > m[2] ? m[3] : m[2];
  return m23 > m01 ? m23 : m01;
}

uint8_t quantizeBlock(const float *x, size_t n, const BlockRule &rule,
                      const float *u, uint8_t *codes) {
  float bamax = blockAbsMax(x, n);
  bool nv = rule.format == Format::NVFP4;
  uint8_t byte;
  switch (rule.rule) {
  case ScaleRule::Static6:
  case ScaleRule::Static4:
    byte = nv ? nvfp4StandardScale(bamax, rule.ts)
              : mxfp4StandardScale(
                    bamax, rule.rule == ScaleRule::Static4 ? 4.0f : 6.0f);
    break;
  case ScaleRule::FourOverSix:
    byte = chooseFourOverSix(x, n, bamax, rule.ts, rule.metric, u, nullptr,
                             nullptr, rule.table)
               .byte;
    break;
  case ScaleRule::ScaleSearch:
  case ScaleRule::Exact: {
    int c0 = nv ? nvfp4StandardScale(bamax, rule.ts)
                : mxfp4StandardScale(bamax, 6.0f);
    byte = rule.rule == ScaleRule::Exact
               ? exactScale(rule.format, x, n, c0, rule.ts, u, rule.table).byte
               : searchScale(rule.format, x, n, c0, rule.searchRadius, rule.ts,
                             u, rule.table)
                     .byte;
    break;
  }
  }
  if (rule.table) {
    encodeBlock(x, n, rule.table[byte], u, codes);
    return byte;
  }
  // Encoding needs only r, not the dequantization table.
  ScaleCandidate c =
      nv ? makeNVFP4Candidate(byte, rule.ts, /*withErrorTable=*/false)
         : makeMXFP4Candidate(byte);
  encodeBlock(x, n, c, u, codes);
  return byte;
}

} // namespace mlir::fp4
