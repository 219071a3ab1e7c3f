//===- FusedKernel.h - The fused NVFP4 / MXFP4 row kernel -------*- C++ -*-===//
//
// One source, compiled once per ISA (FusedKernel.cpp: the portable baseline;
// FusedKernelAVX2.cpp: the same text with AVX2 enabled), each time in its own
// namespace FP4_KERNEL_NS. Round to nearest only (stochastic rounding stays on
// quantizeReference()).
//
// A row (or, for 2-D tiles, a band of 16 rows) is processed W blocks at a
// time (FP4_KERNEL_W: 4 in the baseline copy, 8 in the AVX2 copy). A first
// pass takes each block's integer maximum of magnitude bits (the block amax,
// or the sign of an Inf/NaN); blocks are read in place unless their group
// holds an Inf or NaN, which is cleaned (NaN flag, +-Inf clamped) into a
// local copy. Rules with candidate errors transpose the magnitudes into `xt`,
// element i of block l at xt[i * W + l]: every per-block quantity (scale
// bytes, candidate errors, the exact search's bounds) is then one GCC/Clang
// vector of W lanes, lane l = block l. Each lane runs the scalar op sequence
// of ScaleRules.cpp (candidateError, laneErrors, laneBounds, e4m3Encode,
// ue8m0RoundUp, isBetterCandidate) on its own block, in element order, so
// every error sum is that block's sequential fp32 sum and the bytes are
// those of quantizeReference() exactly (unittests/Numerics/Fused.cpp).
// Encoding and packing run block by block on the (cleaned) elements.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_KERNEL_NS
#error "define FP4_KERNEL_NS before including FusedKernel.h"
#endif

#include "FusedKernelApi.h"
#include "fp4/Numerics/Float16.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace mlir::fp4::fused {
namespace FP4_KERNEL_NS {
namespace {

#ifndef FP4_KERNEL_W
#error "define FP4_KERNEL_W (4 or 8 lanes) before including FusedKernel.h"
#endif
constexpr int W = FP4_KERNEL_W;
typedef float VF __attribute__((vector_size(4 * W)));
typedef int32_t VI __attribute__((vector_size(4 * W)));
typedef uint32_t VU __attribute__((vector_size(4 * W)));

inline VF load(const float *p) {
  VF v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void store(float *p, VF v) { std::memcpy(p, &v, sizeof(v)); }
inline VF splat(float f) { return VF{} + f; }
inline VI splatI(int32_t v) { return VI{} + v; }
inline VU bitsOf(VF v) {
  VU u;
  std::memcpy(&u, &v, sizeof(u));
  return u;
}
inline VF floatOf(VU u) {
  VF v;
  std::memcpy(&v, &u, sizeof(v));
  return v;
}
inline VF vabs(VF v) { return floatOf(bitsOf(v) & 0x7FFFFFFFu); }
inline VF vmax(VF a, VF m) { return a > m ? a : m; }
inline VI vmin(VI a, VI b) { return a < b ? a : b; }
inline bool anySet(VI m) {
  int32_t r = 0;
  for (int l = 0; l < W; ++l)
    r |= m[l];
  return r != 0;
}
inline bool allSet(VI m) {
  int32_t r = -1;
  for (int l = 0; l < W; ++l)
    r &= m[l];
  return r != 0;
}

#if defined(__clang__)
#define FP4_SHUF(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define FP4_SHUF(a, b, ...) __builtin_shuffle(a, b, VI{__VA_ARGS__})
#endif

inline VI imax(VI a, VI b) { return a > b ? a : b; }

#if FP4_KERNEL_W == 8
/// W x W transpose: out[i][l] = in[l][i] (unpack, shuffle, 128-bit swap).
template <typename V>
inline void transposeW(const V *in, V *out) {
  V t[8], u[8];
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = FP4_SHUF(in[2 * p], in[2 * p + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[2 * p + 1] =
        FP4_SHUF(in[2 * p], in[2 * p + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int h = 0; h < 8; h += 4) {
    u[h + 0] = FP4_SHUF(t[h], t[h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[h + 1] = FP4_SHUF(t[h], t[h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[h + 2] = FP4_SHUF(t[h + 1], t[h + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[h + 3] = FP4_SHUF(t[h + 1], t[h + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int q = 0; q < 4; ++q) {
    out[q] = FP4_SHUF(u[q], u[q + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    out[q + 4] = FP4_SHUF(u[q], u[q + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

/// Lane l of the result: the maximum over the lanes of in[l] (a transpose
/// that takes maxima at every stage).
inline VI reduceMaxW(const VI *in) {
  VI t[4], u[2];
  for (int p = 0; p < 4; ++p)
    t[p] = imax(FP4_SHUF(in[2 * p], in[2 * p + 1], 0, 8, 1, 9, 4, 12, 5, 13),
                FP4_SHUF(in[2 * p], in[2 * p + 1], 2, 10, 3, 11, 6, 14, 7, 15));
  for (int p = 0; p < 2; ++p)
    u[p] = imax(FP4_SHUF(t[2 * p], t[2 * p + 1], 0, 1, 8, 9, 4, 5, 12, 13),
                FP4_SHUF(t[2 * p], t[2 * p + 1], 2, 3, 10, 11, 6, 7, 14, 15));
  return imax(FP4_SHUF(u[0], u[1], 0, 1, 2, 3, 8, 9, 10, 11),
              FP4_SHUF(u[0], u[1], 4, 5, 6, 7, 12, 13, 14, 15));
}
#else
template <typename V>
inline void transposeW(const V *in, V *out) {
  V t0 = FP4_SHUF(in[0], in[1], 0, 4, 1, 5), t1 = FP4_SHUF(in[0], in[1], 2, 6, 3, 7);
  V t2 = FP4_SHUF(in[2], in[3], 0, 4, 1, 5), t3 = FP4_SHUF(in[2], in[3], 2, 6, 3, 7);
  out[0] = FP4_SHUF(t0, t2, 0, 1, 4, 5);
  out[1] = FP4_SHUF(t0, t2, 2, 3, 6, 7);
  out[2] = FP4_SHUF(t1, t3, 0, 1, 4, 5);
  out[3] = FP4_SHUF(t1, t3, 2, 3, 6, 7);
}

inline VI reduceMaxW(const VI *in) {
  VI t0 = imax(FP4_SHUF(in[0], in[1], 0, 4, 1, 5), FP4_SHUF(in[0], in[1], 2, 6, 3, 7));
  VI t1 = imax(FP4_SHUF(in[2], in[3], 0, 4, 1, 5), FP4_SHUF(in[2], in[3], 2, 6, 3, 7));
  return imax(FP4_SHUF(t0, t1, 0, 1, 4, 5), FP4_SHUF(t0, t1, 2, 3, 6, 7));
}
#endif

/// e4m3Encode of W non-negative values (no NaN; +Inf saturates).
inline VI e4m3EncodeV(VF x) {
  VU abs = bitsOf(x);
  // Subnormal range: nearbyint(x * 512) by the round-to-nearest-even of an
  // fp32 addition of 2^23 (x * 512 < 8, exact).
  VF steps = (x * 512.0f + 0x1p23f) - 0x1p23f;
  VI sub = __builtin_convertvector(steps, VI);
  VU rounded = abs + 0x7FFFFu + ((abs >> 20) & 1u);
  VU exp = (rounded >> 23) - 120u;
  VU mant = (rounded >> 20) & 7u;
  VI normal = (VI)((exp << 3) | mant);
  VI r = abs < 0x3C800000u ? sub : normal;
  return abs >= 0x43E00000u ? splatI(kE4M3MaxByte) : r;
}

/// mxfp4StandardScale for W values t = bamax / q (non-negative).
inline VI ue8m0StandardV(VF t) {
  VU bits = bitsOf(t) & 0x7FFFFFFFu;
  VI code = (VI)(bits >> 23) - ((bits & 0x7FFFFFu) != 0u);
  code = vmin(code, splatI(254));
  return vmin(code, splatI(kMXFP4LargestFiniteCode));
}

/// The NVFP4 standard byte min(e4m3Encode((bamax / q) * gEnc), maxByte).
inline VI nvStandardV(VF bamax, const KernelRule &k) {
  return vmin(e4m3EncodeV((bamax / k.ts.q) * k.ts.gEnc), splatI(k.ts.maxByte));
}

/// One candidate per lane: r and xhat[1..7] of table entry bytes[l].
struct CandV {
  VF r, t[8];
};
inline CandV gather(const KernelRule &k, VI bytes) {
  // Table rows are 8 floats (r, xhat[1..7]): W-float pieces, transposed.
  CandV c;
  VF *outs[8] = {&c.r, &c.t[1], &c.t[2], &c.t[3],
                 &c.t[4], &c.t[5], &c.t[6], &c.t[7]};
  for (int h = 0; h < 8; h += W) {
    VF rows[W], cols[W];
    for (int l = 0; l < W; ++l)
      rows[l] = load(k.tab + 8 * (bytes[l] & 0xFF) + h);
    transposeW(rows, cols);
    for (int j = 0; j < W; ++j)
      *outs[h + j] = cols[j];
  }
  return c;
}

/// W consecutive source elements as fp32 (bf16 widening is exact).
inline VF loadSrc(const float *p) { return load(p); }
typedef uint16_t VH __attribute__((vector_size(2 * W)));
inline VF loadSrc(const uint16_t *p) {
#if defined(__AVX2__) && FP4_KERNEL_W == 8
  // GCC splits the generic widening below into two halves; one vpmovzxwd.
  __m256i w = _mm256_cvtepu16_epi32(
      _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
  VU u;
  std::memcpy(&u, &w, sizeof(u));
  return floatOf(u << 16);
#else
  VH h;
  std::memcpy(&h, p, sizeof(h));
  return floatOf(__builtin_convertvector(h, VU) << 16);
#endif
}

/// The dequantized magnitude chunkErrors16 / laneErrors select.
inline VF selectXhat(VF y, const CandV &c) {
  const VF zero = {};
  VF m = y > 0.25f ? c.t[1] : zero;
  m = y >= 0.75f ? c.t[2] : m;
  m = y > 1.25f ? c.t[3] : m;
  m = y >= 1.75f ? c.t[4] : m;
  m = y > 2.5f ? c.t[5] : m;
  m = y >= 3.5f ? c.t[6] : m;
  m = y > 5.0f ? c.t[7] : m;
  return m;
}

template <ErrorMetric M>
inline VF addError(VF acc, VF d) {
  if (M == ErrorMetric::MSE)
    return acc + d * d;
  VF e = vabs(d);
  return M == ErrorMetric::AbsMax ? (e > acc ? e : acc) : acc + e;
}

/// Block errors of K candidates per lane over n elements of xt.
template <ErrorMetric M, int K, int n>
inline void errors(const float *xt, const CandV *c, VF *out) {
  VF acc[K] = {};
  for (int i = 0; i < n; ++i) {
    const VF a = load(xt + i * W);
    for (int j = 0; j < K; ++j)
      acc[j] = addError<M>(acc[j], selectXhat(a * c[j].r, c[j]) - a);
  }
  for (int j = 0; j < K; ++j)
    out[j] = acc[j];
}

/// Exact search: errors and bounds (laneBounds) of K candidates per lane.
template <bool Upward, int K, int n>
inline void errorsAndBounds(const float *xt, const CandV *c, VF *err,
                            VF *bound) {
  const VF zero = {};
  VF acc[K] = {}, bacc[K] = {};
  for (int i = 0; i < n; ++i) {
    const VF a = load(xt + i * W);
    for (int j = 0; j < K; ++j) {
      VF y = a * c[j].r;
      VF d = selectXhat(y, c[j]) - a;
      VF e = d * d;
      acc[j] = acc[j] + e;
      // The bound terms are error terms: in the dead zone (y <= 0.25) xhat
      // is 0 and e = (0 - a)^2 = a * a; beyond the top (a - xhat[7] > 0,
      // i.e. a > xhat[7], so y is about 6 or more and xhat = xhat[7]) e =
      // (xhat[7] - a)^2 = (a - xhat[7])^2, negation being exact.
      if (Upward)
        bacc[j] = bacc[j] + (y <= 0.25f ? e : zero);
      else
        bacc[j] = bacc[j] + (a > c[j].t[7] ? e : zero);
    }
  }
  for (int j = 0; j < K; ++j) {
    err[j] = acc[j];
    bound[j] = bacc[j];
  }
}

/// isBetterCandidate, lane-wise.
inline VI better(VF e, VI c, VF bestE, VI bestB, VI c0) {
  VI dist = c > c0 ? c - c0 : c0 - c;
  VI bestDist = bestB > c0 ? bestB - c0 : c0 - bestB;
  VI tie = (dist < bestDist) | ((dist == bestDist) & (c < bestB));
  return (e < bestE) | ((e == bestE) & tie);
}

template <ErrorMetric M, int n>
inline VI chooseFourOverSixV(const float *xt, VF bamax,
                             const KernelRule &k) {
  VF sHp6 = (bamax / k.ts.q) * k.ts.gEnc;
  VF sHp4 = sHp6 * 1.5f;
  VI b6 = vmin(e4m3EncodeV(sHp6), splatI(k.ts.maxByte));
  VI b4 = vmin(e4m3EncodeV(sHp4), splatI(k.ts.maxByte));
  CandV c[2] = {gather(k, b6), gather(k, b4)};
  VF e[2];
  errors<M, 1, n>(xt, &c[0], &e[0]);
  errors<M, 1, n>(xt, &c[1], &e[1]);
  return e[1] < e[0] ? b4 : b6;
}

template <int n>
inline VI searchV(const float *xt, VI c0, const KernelRule &k) {
  CandV c = gather(k, c0);
  VF bestE;
  errors<ErrorMetric::MSE, 1, n>(xt, &c, &bestE);
  VI bestB = c0;
  const VI top = splatI(k.top), one = splatI(1);
  for (int d = 1; d <= k.radius; ++d) {
    VI cand[2] = {c0 - d, c0 + d}, valid[2];
    if (allSet((cand[0] < one) & (cand[1] > top)))
      break; // Every lane's range is exhausted.
    CandV cv[2];
    for (int j = 0; j < 2; ++j) {
      valid[j] = (cand[j] >= one) & (cand[j] <= top);
      cv[j] = gather(k, valid[j] ? cand[j] : c0);
    }
    VF e[2];
    errors<ErrorMetric::MSE, 1, n>(xt, &cv[0], &e[0]);
    errors<ErrorMetric::MSE, 1, n>(xt, &cv[1], &e[1]);
    for (int j = 0; j < 2; ++j) {
      VI take = valid[j] & better(e[j], cand[j], bestE, bestB, c0);
      bestE = take ? e[j] : bestE;
      bestB = take ? cand[j] : bestB;
    }
  }
  return bestB;
}

/// exactScale for round to nearest: the upward walk, then the downward one,
/// each lane deciding code by code in walk order exactly as the scalar walk.
template <int n>
inline VI exactV(const float *xt, VI c0, VI skip, const KernelRule &k) {
  CandV c = gather(k, c0);
  VF bestE;
  errors<ErrorMetric::MSE, 1, n>(xt, &c, &bestE);
  VI bestB = c0;
  const VI top = splatI(k.top), one = splatI(1);
  const VI start = skip | (bestE == 0.0f);
  constexpr int K = 1;
  for (int step : {+1, -1}) {
    VI done = start;
    for (int d = 1; !allSet(done); d += K) {
      VI cand[K], valid[K];
      CandV cv[K];
      for (int j = 0; j < K; ++j) {
        cand[j] = c0 + step * (d + j);
        valid[j] = (cand[j] >= one) & (cand[j] <= top);
        cv[j] = gather(k, valid[j] ? cand[j] : c0);
      }
      VF e[K], b[K];
      if (step > 0)
        errorsAndBounds<true, K, n>(xt, cv, e, b);
      else
        errorsAndBounds<false, K, n>(xt, cv, e, b);
      for (int j = 0; j < K; ++j) {
        done |= ~valid[j] | (b[j] > bestE);
        VI take = ~done & better(e[j], cand[j], bestE, bestB, c0);
        bestE = take ? e[j] : bestE;
        bestB = take ? cand[j] : bestB;
      }
    }
  }
  return bestB;
}

/// E2M1 codes of W elements y = x * r (e2m1EncodeNearest) as int32 lanes.
inline VI encode8(VF x, VF r) { // W elements
  VF y = x * r;
  VF a = vabs(y);
  return ((y < 0.0f) & 8) - (a > 0.25f) - (a >= 0.75f) - (a > 1.25f) -
         (a >= 1.75f) - (a > 2.5f) - (a >= 3.5f) - (a > 5.0f);
}

typedef uint64_t VQ __attribute__((vector_size(4 * W)));
typedef uint8_t VB __attribute__((vector_size(4 * W)));

/// Packs 16 codes (16 / W vectors, element order) into 8 bytes, element 2j
/// in the low nibble of byte j. A 64-bit lane holds two codes: its byte is
/// (v | v >> 28) & 0xFF.
inline void pack16(const VI *c, uint8_t *dst) {
#if FP4_KERNEL_W == 8
  VQ a = (VQ)c[0], b = (VQ)c[1];
  a = (a | (a >> 28)) & 0xFFu;
  b = (b | (b >> 28)) & 0xFFu;
  VB m = (VB)(a | (b << 32)); // byte q at 8q, byte q + 4 at 8q + 4.
#if defined(__clang__)
  VB out = __builtin_shufflevector(m, m, 0, 8, 16, 24, 4, 12, 20, 28, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                   0, 0, 0, 0, 0, 0);
#else
  VB out = __builtin_shuffle(m, VB{0, 8, 16, 24, 4, 12, 20, 28});
#endif
  std::memcpy(dst, &out, 8);
#else
  // Vector q holds bytes 2q (lane 0) and 2q + 1 (lane 1).
  VQ m = {};
  for (int q = 0; q < 4; ++q) {
    VQ a = (VQ)c[q];
    m |= ((a | (a >> 28)) & 0xFFu) << (16 * q);
  }
  uint64_t out = m[0] | (m[1] << 8);
  std::memcpy(dst, &out, 8);
#endif
}

/// E2M1 codes of x * r, packed two per byte (element 2j in the low nibble);
/// segment s of `seg` elements goes to dst + s * dstStride.
template <int n, int seg, typename T>
inline void encodeBlock(const T *x, uint64_t segStride, float r, uint8_t *dst,
                        uint64_t dstStride) {
  const VF rv = splat(r);
  for (int sg = 0; sg < n; sg += seg, dst += dstStride, x += segStride)
    for (int i = 0; i < seg; i += 16) {
      VI c[16 / W];
      for (int j = 0; j < 16 / W; ++j)
        c[j] = encode8(loadSrc(x + i + j * W), rv);
      pack16(c, dst + i / 2);
    }
}

/// One group of up to W blocks (count of them) of n elements: the element
/// i of block l lives at blockBase(l) + (i / seg) * stride + i % seg.
/// Writes the packed codes of block l to dst(l) + (i / seg) * dstStride +
/// (i % seg) / 2 and the scale bytes to bytesOut[l]; returns NaN blocks.
/// Scale choice, encoding and packing of a group whose cleaned elements are
/// at p: element i of block l at p + l * blockStep + (i / seg) * segStride +
/// i % seg. maxBits: the blocks' magnitude-bit maxima (see group).
template <int n, int seg, typename T>
void finishGroup(const KernelRule &k, const T *p, uint64_t blockStep,
                 uint64_t segStride, int count, VI maxBits,
                 uint8_t *dst, uint64_t dstStride, uint8_t *bytesOut) {
  const VI nanLane = maxBits > 0x7F800000;
  VI bytes = {};
  VF r = {};
  if (!k.zeroTensor) {
    alignas(32) float xt[W * kMaxBlockElements];
    const VF bamax = floatOf((VU)maxBits);
    // Magnitudes transposed for the rules that sum candidate errors.
    if (k.rule != ScaleRule::Static6 && k.rule != ScaleRule::Static4)
      for (int sg = 0; sg < n; sg += seg)
        for (int i = 0; i < seg; i += W) {
          VF in[W], out[W];
          for (int l = 0; l < W; ++l)
            in[l] = vabs(loadSrc(p + (l < count ? l : 0) * blockStep +
                                 (sg / seg) * segStride + i));
          transposeW(in, out);
          for (int j = 0; j < W; ++j)
            store(xt + (sg + i + j) * W, out[j]);
        }
    const bool nv = k.format == Format::NVFP4;
    switch (k.rule) {
    case ScaleRule::Static6:
    case ScaleRule::Static4:
      bytes = nv ? nvStandardV(bamax, k)
                 : ue8m0StandardV(bamax /
                                  (k.rule == ScaleRule::Static4 ? 4.0f : 6.0f));
      break;
    case ScaleRule::FourOverSix:
      bytes = k.metric == ErrorMetric::MSE
                  ? chooseFourOverSixV<ErrorMetric::MSE, n>(xt, bamax, k)
              : k.metric == ErrorMetric::MAE
                  ? chooseFourOverSixV<ErrorMetric::MAE, n>(xt, bamax, k)
                  : chooseFourOverSixV<ErrorMetric::AbsMax, n>(xt, bamax, k);
      break;
    case ScaleRule::ScaleSearch:
    case ScaleRule::Exact: {
      VI c0 = nv ? nvStandardV(bamax, k) : ue8m0StandardV(bamax / 6.0f);
      bytes = k.rule == ScaleRule::Exact ? exactV<n>(xt, c0, nanLane, k)
                                         : searchV<n>(xt, c0, k);
      break;
    }
    }
    for (int l = 0; l < W; ++l)
      r[l] = k.tab[8 * (bytes[l] & 0xFF)];
  }
  // NaN blocks (and a zero tensor) encode with r = 0: every code is 0.
  bytes = nanLane ? splatI(k.nanByte) : bytes;
  r = nanLane ? VF{} : r;
  for (int l = 0; l < count; ++l) {
    bytesOut[l] = static_cast<uint8_t>(bytes[l]);
    encodeBlock<n, seg>(p + l * blockStep, segStride, r[l],
                dst + static_cast<uint64_t>(l) * (seg / 2), dstStride);
  }
}

/// One group of up to W blocks (count of them; pad lanes repeat block 0)
/// of n elements: element i of block l at base + l * seg + (i / seg) *
/// stride + i % seg. Packed codes of block l go to dst + l * seg / 2 +
/// (i / seg) * dstStride, scale bytes to bytesOut[l]. Returns NaN blocks.
///
/// A first pass takes the integer maximum of each block's magnitude bits:
/// non-negative floats order as their bits, so below 0x7F800000 it is the
/// block amax and the block needs no cleaning, which is the common case,
/// read in place. A group with an Inf or NaN is cleaned (cleanChunk16) into
/// a local copy, whose maxima are the amax or, above 0x7F800000, a NaN.
template <int n, int seg, typename Src>
uint64_t group(const KernelRule &k, const Src *base, int count,
               uint64_t stride, uint8_t *dst, uint64_t dstStride,
               uint8_t *bytesOut) {
  VI partial[W];
  for (int l = 0; l < W; ++l) {
    const Src *b = base + static_cast<uint64_t>(l < count ? l : 0) * seg;
    VI m = {};
    for (int sg = 0; sg < n; sg += seg, b += stride)
      for (int i = 0; i < seg; i += W)
        m = imax(m, (VI)bitsOf(vabs(loadSrc(b + i))));
    partial[l] = m;
  }
  VI maxBits = reduceMaxW(partial);
  if (!anySet(maxBits >= 0x7F800000)) {
    finishGroup<n, seg>(k, base, seg, stride, count, maxBits,
                dst, dstStride, bytesOut);
    return 0;
  }
  alignas(32) float xc[W * kMaxBlockElements];
  const VF clampV = splat(k.infClamp);
  for (int l = 0; l < W; ++l) {
    const Src *b = base + static_cast<uint64_t>(l < count ? l : 0) * seg;
    VI m = {};
    float *out = xc + l * n;
    for (int sg = 0; sg < n; sg += seg, b += stride)
      for (int i = 0; i < seg; i += W) {
        VF v = loadSrc(b + i);
        VF clamped = floatOf((bitsOf(v) & 0x80000000u) | bitsOf(clampV));
        VF cv = vabs(v) == INFINITY ? clamped : v;
        store(out + sg + i, cv);
        m = imax(m, (VI)bitsOf(vabs(cv)));
      }
    partial[l] = m;
  }
  maxBits = reduceMaxW(partial);
  uint64_t nanBlocks = 0;
  for (int l = 0; l < count; ++l)
    nanBlocks += maxBits[l] > 0x7F800000;
  finishGroup<n, seg>(k, static_cast<const float *>(xc), n, seg, count,
                      maxBits, dst, dstStride, bytesOut);
  return nanBlocks;
}

} // namespace

namespace {
/// The blocks of one row group, n elements per block in segments of seg.
template <int n, int seg>
uint64_t rowGroup(const KernelRule &k, const void *rows, bool bf16,
                  uint64_t rowStride, uint64_t outCols, uint8_t *values,
                  uint64_t valuesStride, uint8_t *blockBytes) {
  const uint64_t blocks = outCols / seg;
  uint64_t nanBlocks = 0;
  for (uint64_t first = 0; first < blocks; first += W) {
    int count = blocks - first < W ? static_cast<int>(blocks - first) : W;
    uint8_t *dst = values + first * seg / 2;
    nanBlocks +=
        bf16 ? group<n, seg>(k, static_cast<const uint16_t *>(rows) + first * seg,
                             count, rowStride, dst, valuesStride,
                             blockBytes + first)
             : group<n, seg>(k, static_cast<const float *>(rows) + first * seg,
                             count, rowStride, dst, valuesStride,
                             blockBytes + first);
  }
  return nanBlocks;
}
} // namespace

uint64_t quantizeRowGroup(const KernelRule &k, const void *rows, bool bf16,
                          uint64_t rowStride, uint64_t outCols,
                          uint8_t *values, uint64_t valuesStride,
                          uint8_t *blockBytes) {
  if (k.block2D)
    return rowGroup<256, 16>(k, rows, bf16, rowStride, outCols, values,
                             valuesStride, blockBytes);
  if (k.blockLen == 32)
    return rowGroup<32, 32>(k, rows, bf16, rowStride, outCols, values,
                            valuesStride, blockBytes);
  return rowGroup<16, 16>(k, rows, bf16, rowStride, outCols, values,
                          valuesStride, blockBytes);
}

namespace {
/// Maximum magnitude bits of the finite elements: T lanes of `bits`-wide
/// raw elements, `absMask` clears the sign, `limit` is the Inf pattern.
template <typename T>
T maxFiniteBits(const T *p, uint64_t count, T absMask, T limit) {
  constexpr int L = 4 * W / sizeof(T);
  typedef T V __attribute__((vector_size(4 * W)));
  V m = {};
  uint64_t i = 0;
  for (; i + L <= count; i += L) {
    V v;
    std::memcpy(&v, p + i, sizeof(v));
    v &= absMask;
    v = v < limit ? v : V{};
    m = v > m ? v : m;
  }
  T r = 0;
  for (int l = 0; l < L; ++l)
    r = m[l] > r ? m[l] : r;
  for (; i < count; ++i) {
    T a = p[i] & absMask;
    r = a < limit && a > r ? a : r;
  }
  return r;
}
} // namespace

float finiteAbsMax(const void *input, ElementType type, uint64_t count) {
  // Non-negative floats order as their bits, so the maximum bit pattern of
  // the finite magnitudes is the bit pattern of their maximum.
  switch (type) {
  case ElementType::F32:
    return bitsToFloat(static_cast<uint32_t>(
        maxFiniteBits<int32_t>(static_cast<const int32_t *>(input), count,
                               0x7FFFFFFF, 0x7F800000)));
  case ElementType::BF16:
    return bf16ToFloat(static_cast<uint16_t>(
        maxFiniteBits<int16_t>(static_cast<const int16_t *>(input), count,
                               0x7FFF, 0x7F80)));
  case ElementType::F16:
    return f16ToFloat(static_cast<uint16_t>(
        maxFiniteBits<int16_t>(static_cast<const int16_t *>(input), count,
                               0x7FFF, 0x7C00)));
  }
  return 0.0f;
}

} // namespace FP4_KERNEL_NS
} // namespace mlir::fp4::fused
