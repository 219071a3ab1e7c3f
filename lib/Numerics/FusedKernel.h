//===- FusedKernel.h - The fused NVFP4 / MXFP4 row kernel -------*- C++ -*-===//
//
// One source, compiled once per ISA (FusedKernel.cpp: the portable baseline;
// FusedKernelAVX2.cpp: the same text with AVX2 enabled), each time in its own
// namespace FP4_KERNEL_NS. Round to nearest only (stochastic rounding stays on
// quantizeReference()).
//
// A row (or, for 2-D tiles, a group of 16 rows) is processed W = 8 blocks at
// a time. The blocks are cleaned (NaN flag, +-Inf clamped) into `xc`, their
// block order kept, and their magnitudes transposed into `xt`, element i of
// block l at xt[i * W + l]: every per-block quantity (block amax, scale
// bytes, candidate errors, the exact search's bounds) is then one GCC/Clang
// vector of W lanes, lane l = block l. Each lane runs the scalar op sequence
// of ScaleRules.cpp (candidateError, laneErrors, laneBounds, e4m3Encode,
// ue8m0RoundUp, isBetterCandidate) on its own block, in element order, so
// every error sum is that block's sequential fp32 sum and the bytes are
// those of quantizeReference() exactly. Encoding and packing run on `xc`.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_KERNEL_NS
#error "define FP4_KERNEL_NS before including FusedKernel.h"
#endif

#include "FusedKernelApi.h"

#include <cfloat>
#include <cmath>
#include <cstring>

namespace mlir::fp4::fused {
namespace FP4_KERNEL_NS {
namespace {

constexpr int W = 8;
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
inline bool allSet(VI m) {
  int32_t r = -1;
  for (int l = 0; l < W; ++l)
    r &= m[l];
  return r != 0;
}

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
  CandV c;
  for (int l = 0; l < W; ++l) {
    int b = bytes[l] & 0xFF;
    c.r[l] = k.tabR[b];
    for (int j = 1; j < 8; ++j)
      c.t[j][l] = k.tabX[j * 256 + b];
  }
  return c;
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
template <ErrorMetric M, int K>
inline void errors(const float *xt, int n, const CandV *c, VF *out) {
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
template <bool Upward, int K>
inline void errorsAndBounds(const float *xt, int n, const CandV *c, VF *err,
                            VF *bound) {
  const VF zero = {};
  VF acc[K] = {}, bacc[K] = {};
  for (int i = 0; i < n; ++i) {
    const VF a = load(xt + i * W);
    for (int j = 0; j < K; ++j) {
      VF y = a * c[j].r;
      VF d = selectXhat(y, c[j]) - a;
      acc[j] = acc[j] + d * d;
      if (Upward) {
        bacc[j] = bacc[j] + (y <= 0.25f ? zero + a * a : zero);
      } else {
        VF dc = a - c[j].t[7];
        bacc[j] = bacc[j] + (dc > 0.0f ? dc * dc : zero);
      }
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

template <ErrorMetric M>
inline VI chooseFourOverSixV(const float *xt, int n, VF bamax,
                             const KernelRule &k) {
  VF sHp6 = (bamax / k.ts.q) * k.ts.gEnc;
  VF sHp4 = sHp6 * 1.5f;
  VI b6 = vmin(e4m3EncodeV(sHp6), splatI(k.ts.maxByte));
  VI b4 = vmin(e4m3EncodeV(sHp4), splatI(k.ts.maxByte));
  CandV c[2] = {gather(k, b6), gather(k, b4)};
  VF e[2];
  errors<M, 2>(xt, n, c, e);
  return e[1] < e[0] ? b4 : b6;
}

inline VI searchV(const float *xt, int n, VI c0, const KernelRule &k) {
  CandV c = gather(k, c0);
  VF bestE;
  errors<ErrorMetric::MSE, 1>(xt, n, &c, &bestE);
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
    errors<ErrorMetric::MSE, 2>(xt, n, cv, e);
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
inline VI exactV(const float *xt, int n, VI c0, VI skip, const KernelRule &k) {
  CandV c = gather(k, c0);
  VF bestE;
  errors<ErrorMetric::MSE, 1>(xt, n, &c, &bestE);
  VI bestB = c0;
  const VI top = splatI(k.top), one = splatI(1);
  const VI start = skip | (bestE == 0.0f);
  constexpr int K = 2;
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
        errorsAndBounds<true, K>(xt, n, cv, e, b);
      else
        errorsAndBounds<false, K>(xt, n, cv, e, b);
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

/// Packs 8 codes (int32 lanes) into 4 bytes, element 2j in the low nibble.
inline void pack8(VI codes, uint8_t *dst) {
  for (int j = 0; j < W / 2; ++j)
    dst[j] = static_cast<uint8_t>(codes[2 * j] | (codes[2 * j + 1] << 4));
}

/// E2M1 codes of y = x * r (e2m1EncodeNearest), packed.
inline void encodeBlock(const float *x, int n, float r, uint8_t *dst) {
  const VF rv = splat(r);
  for (int i = 0; i < n; i += W) {
    VF y = load(x + i) * rv;
    VF a = vabs(y);
    VI code = (y < 0.0f ? splatI(8) : splatI(0)) - (a > 0.25f) -
              (a >= 0.75f) - (a > 1.25f) - (a >= 1.75f) - (a > 2.5f) -
              (a >= 3.5f) - (a > 5.0f);
    pack8(code, dst + i / 2);
  }
}

/// One group of up to W blocks (count of them) of n elements: the element
/// i of block l lives at blockBase(l) + (i / seg) * stride + i % seg.
/// Writes the packed codes of block l to dst(l) + (i / seg) * dstStride +
/// (i % seg) / 2 and the scale bytes to bytesOut[l]; returns NaN blocks.
uint64_t group(const KernelRule &k, const float *base, int count, int n,
               int seg, uint64_t stride, uint8_t *dst, uint64_t dstStride,
               uint8_t *bytesOut) {
  alignas(32) float xc[W * kMaxBlockElements];
  alignas(32) float xt[W * kMaxBlockElements];
  VI nanLane = {};
  // Clean (cleanChunk16) into xc, block by block; pad lanes copy block 0.
  const VF clampV = splat(k.infClamp);
  for (int l = 0; l < W; ++l) {
    const float *b = base + static_cast<uint64_t>(l < count ? l : 0) * seg;
    VI nan = {};
    for (int i = 0; i < n; i += W) {
      VF v = load(b + (i / seg) * stride + i % seg);
      nan |= v != v;
      VF clamped = floatOf((bitsOf(v) & 0x80000000u) | bitsOf(clampV));
      store(xc + l * n + i, vabs(v) == INFINITY ? clamped : v);
    }
    int any = 0;
    for (int j = 0; j < W; ++j)
      any |= nan[j];
    nanLane[l] = any ? -1 : 0;
  }
  uint64_t nanBlocks = 0;
  for (int l = 0; l < count; ++l)
    nanBlocks += nanLane[l] != 0;

  VI bytes = {};
  VF r = {};
  if (!k.zeroTensor) {
    // Transpose the magnitudes and take the block maxima.
    VF bamax = {};
    for (int i = 0; i < n; ++i) {
      VF a;
      for (int l = 0; l < W; ++l)
        a[l] = xc[l * n + i];
      a = vabs(a);
      store(xt + i * W, a);
      bamax = vmax(a, bamax);
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
                  ? chooseFourOverSixV<ErrorMetric::MSE>(xt, n, bamax, k)
              : k.metric == ErrorMetric::MAE
                  ? chooseFourOverSixV<ErrorMetric::MAE>(xt, n, bamax, k)
                  : chooseFourOverSixV<ErrorMetric::AbsMax>(xt, n, bamax, k);
      break;
    case ScaleRule::ScaleSearch:
    case ScaleRule::Exact: {
      VI c0 = nv ? nvStandardV(bamax, k) : ue8m0StandardV(bamax / 6.0f);
      bytes = k.rule == ScaleRule::Exact ? exactV(xt, n, c0, nanLane, k)
                                         : searchV(xt, n, c0, k);
      break;
    }
    }
    for (int l = 0; l < W; ++l)
      r[l] = k.tabR[bytes[l] & 0xFF];
  }
  // NaN blocks (and a zero tensor) encode with r = 0: every code is 0.
  bytes = nanLane ? splatI(k.nanByte) : bytes;
  r = nanLane ? VF{} : r;
  for (int l = 0; l < count; ++l) {
    bytesOut[l] = static_cast<uint8_t>(bytes[l]);
    uint8_t packed[kMaxBlockElements / 2];
    encodeBlock(xc + l * n, n, r[l], packed);
    uint8_t *d = dst + static_cast<uint64_t>(l) * (seg / 2);
    for (int s = 0; s < n / seg; ++s)
      std::memcpy(d + s * dstStride, packed + s * (seg / 2), seg / 2);
  }
  return nanBlocks;
}

} // namespace

uint64_t quantizeRowGroup(const KernelRule &k, const float *rows,
                          uint64_t outCols, uint8_t *values,
                          uint64_t valuesStride, uint8_t *blockBytes) {
  const int b = static_cast<int>(k.blockLen);
  const int groupRows = k.block2D ? 16 : 1;
  const int n = b * groupRows;
  const uint64_t blocks = outCols / b;
  uint64_t nanBlocks = 0;
  for (uint64_t first = 0; first < blocks; first += W) {
    int count = blocks - first < W ? static_cast<int>(blocks - first) : W;
    nanBlocks += group(k, rows + first * b, count, n, b, outCols,
                       values + first * b / 2, valuesStride, blockBytes + first);
  }
  return nanBlocks;
}

} // namespace FP4_KERNEL_NS
} // namespace mlir::fp4::fused
