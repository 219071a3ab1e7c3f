//===- ScaleRules.h - NVFP4 / MXFP4 block scale rules -----------*- C++ -*-===//
//
// The per-block primitives of every scale rule (algorithms.md sections 2-5):
// tensor scale, standard block scale, candidate encoding, candidate error,
// Four Over Six selection, ScaleSearch and the exact E4M3-optimal scale.
//
// Exact fp32 operation order (round to nearest even, no FMA contraction; the
// library is compiled with -ffp-contract=off). Lowerings replicate it op by op.
//
//   NVFP4 tensor scale (Q = 6 or 4, M = 448, or M = 256 for Four Over Six):
//     divisor = Q * M          (2688, 1792 or 1536; exact)
//     gEnc    = divisor / amax
//     gDec    = 1 / gEnc       (reciprocal of gEnc, not amax / divisor)
//   NVFP4 block (n elements x_i, bamax = max_i |x_i|):
//     sHp  = (bamax / Q) * gEnc           (divide first, then multiply)
//     byte = e4m3Encode(sHp), s = e4m3Decode(byte)
//     Four Over Six: sHp6 = (bamax / 6) * gEnc, sHp4 = sHp6 * 1.5
//   Encoding one candidate scale s (byte != 0):
//     r      = min(1 / (gDec * s), FLT_MAX)
//     y_i    = x_i * r
//     code_i = E2M1(y_i)                  (E2M1.h; sign bit from x_i)
//     byte == 0 (s == 0): every code is 0 (no sign bit).
//   Dequantized value of a candidate (errors and dequantize()):
//     xhat_i = ((e2m1(code_i) * s) * amax) / divisor   (e2m1 * s is exact;
//     amax >= 2^64: amax and divisor both times 2^-16, see decodeAmax)
//   MXFP4 (no tensor scale; amax and divisor are 1):
//     code = ue8m0RoundUp(bamax / Q); code 0 is a zero block;
//     y_i = x_i * 2^(127 - code) (exact, equal to x_i / 2^(code-127));
//     xhat_i = e2m1(code_i) * 2^(code - 127).
//   Block errors, d_i = xhat_i - x_i, accumulated in fp32 starting from 0 in
//   element order i = 0 .. n-1 (a 2-D tile is row-major, rows 0..15):
//     MSE: E = (((0 + d_0*d_0) + d_1*d_1) + ...)   (sequential, no FMA)
//     MAE: E = (((0 + |d_0|) + |d_1|) + ...)
//     AbsMax: E = max_i |d_i|
//   Four Over Six picks "4" only if E4 < E6 (strict).
//   ScaleSearch and Exact minimize the MSE sum; ties keep the candidate
//   nearest the standard byte c0, the lower one at equal distance.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_SCALERULES_H
#define FP4_NUMERICS_SCALERULES_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mlir::fp4 {

/// Block-scaled 4-bit format.
enum class Format { NVFP4, MXFP4 };

/// Block scale rule.
enum class ScaleRule { Static6, Static4, FourOverSix, ScaleSearch, Exact };

/// Block error metric of Four Over Six.
enum class ErrorMetric { MSE, MAE, AbsMax };

/// Element rounding.
enum class Rounding { Nearest, Stochastic };

/// E4M3 maximum M of the standard NVFP4 tensor scale.
inline constexpr float kStandardM = 448.0f;
/// E4M3 maximum M of the Four Over Six tensor scale (algorithms.md 3.1).
inline constexpr float kFourOverSixM = 256.0f;
/// Largest block (a 16x16 tile) the block primitives accept.
inline constexpr size_t kMaxBlockElements = 256;
/// Highest finite positive E4M3 byte and UE8M0 code (the search ranges are
/// [1, kMaxNVFP4Byte] and [1, kMaxMXFP4Code]).
inline constexpr int kMaxNVFP4Byte = 0x7E;
inline constexpr int kMaxMXFP4Code = 254;

/// NVFP4 per-tensor scale (see the op order above).
struct TensorScale {
  float amax;    ///< Tensor amax used.
  float q;       ///< E2M1 value the block max maps to (6 or 4).
  float divisor; ///< Q * M: the dequantization divisor.
  float gEnc;    ///< divisor / amax.
  float gDec;    ///< 1 / gEnc.
  /// The largest scale byte whose every code decodes to a finite value
  /// (nvfp4LargestFiniteByte): the standard scales never exceed it.
  uint8_t maxByte;
};

/// The dequantized value ((e2m1 * s) * amax) / divisor of NVFP4 is evaluated
/// as if fp32 had no exponent limit on the intermediate product, so that a
/// finite value is never lost to an overflowing (e2m1 * s) * amax (possible
/// for amax above FLT_MAX / 2688, about 1.3e35): from amax >= 2^64 on, both
/// amax and divisor are scaled by 2^-16 first. That is exact, no product can
/// then underflow (it stays >= 2^38), and the quotient is the same correctly
/// rounded value, so below the overflow the bits are those of the plain
/// formula. decodeAmax/decodeDivisor give the pair to use.
inline constexpr float kDecodeRescaleFrom = 0x1p64f;
inline float decodeAmax(float amax) {
  return amax >= kDecodeRescaleFrom ? amax * 0x1p-16f : amax;
}
inline float decodeDivisor(float amax, float divisor) {
  return amax >= kDecodeRescaleFrom ? divisor * 0x1p-16f : divisor;
}

/// The largest E4M3 byte b in [1, kMaxNVFP4Byte] whose largest dequantized
/// value ((6 * s_b) * amax) / divisor (decodeAmax/decodeDivisor) is finite.
/// It is below kMaxNVFP4Byte only for amax above FLT_MAX / 1.5 (static_4)
/// or FLT_MAX / 1.75 (four_over_six), where a block scale of 448 would let
/// code 7 reach 1.5 or 1.75 times amax: possible when a calibrated amax is
/// below the data or stochastic rounding goes up to 6 (found by fuzzing).
/// Larger bytes are monotonically larger values, so a scan from the top is
/// exact.
uint8_t nvfp4LargestFiniteByte(float amax, float divisor);

/// Builds the tensor scale for `amax` (> 0) with constants `q` and `m`.
TensorScale makeTensorScale(float amax, float q, float m);

/// Whether an NVFP4 tensor scale can be used: amax > 0, gEnc finite, and
/// gDec * 2^-9 (the smallest non-zero E4M3 scale) a normal fp32 number, so
/// that every candidate's r = 1 / (gDec * s) is finite and exact to fp32
/// precision. Otherwise (amax below about divisor * 2^-117, ~2^-105.6 for
/// static_6) the tensor quantizes to zeros, NaN blocks excepted: before,
/// r overflowed and was clamped to FLT_MAX, which encoded elements of
/// subnormal-scale blocks far too small (found by fuzzing).
inline constexpr float kSmallestE4M3Scale = 0x1p-9f;
bool usableTensorScale(const TensorScale &ts);

/// The NVFP4 tensor scale of `rule`: Q = 4 for Static4, M = 256 for
/// FourOverSix, otherwise Q = 6, M = 448.
TensorScale tensorScaleForRule(ScaleRule rule, float amax);

/// sHp = (bamax / Q) * gEnc.
float nvfp4ScaleHp(float bamax, const TensorScale &ts);

/// The standard (max-based) NVFP4 scale byte: e4m3Encode(nvfp4ScaleHp()),
/// at most ts.maxByte. Four Over Six caps both of its candidates the same
/// way. The searches start from the capped byte; a larger candidate whose
/// codes reach Inf has infinite error and never wins (ties keep c0).
uint8_t nvfp4StandardScale(float bamax, const TensorScale &ts);

/// The largest UE8M0 code whose every E2M1 value is finite: 6 * 2^125
/// (code 252) is, 6 * 2^126 (code 253) and 4 * 2^127 are not.
inline constexpr uint8_t kMXFP4LargestFiniteCode = 252;

/// The standard MXFP4 scale code: ue8m0RoundUp(bamax / q), at most
/// kMXFP4LargestFiniteCode, so that finite input never decodes to Inf (a
/// block max above 1.5 * 2^127, or static_4 stochastically rounding up to 6
/// under code 253).
uint8_t mxfp4StandardScale(float bamax, float q);

/// One candidate block scale, preprocessed for encoding and error evaluation.
struct ScaleCandidate {
  uint8_t byte;  ///< Scale byte (E4M3 or UE8M0).
  bool zero;     ///< A zero scale: every code is 0.
  float r;       ///< Element multiplier: y = x * r (0 when zero).
  float xhat[8]; ///< Dequantized magnitude of each magnitude code.
};

/// NVFP4 candidate for E4M3 `byte` (0x00..0x7E) under tensor scale `ts`.
/// Without `withErrorTable` xhat is left zero (enough for encodeBlock).
ScaleCandidate makeNVFP4Candidate(uint8_t byte, const TensorScale &ts,
                                  bool withErrorTable = true);

/// MXFP4 candidate for UE8M0 `code` (0..254; 0 is a zero block).
ScaleCandidate makeMXFP4Candidate(uint8_t code);

/// Every candidate of a tensor, indexed by scale byte (256 entries; NVFP4
/// bytes above 0x7E and the UE8M0 NaN code are unused). Building it once per
/// tensor moves the candidate divisions out of the block loop; the entries
/// are exactly makeNVFP4Candidate / makeMXFP4Candidate.
std::vector<ScaleCandidate> makeCandidateTable(Format format,
                                               const TensorScale &ts);

/// Counter-based stochastic-rounding offset u in (-0.5, 0.5) for element
/// `index` (row-major index in the quantized output) under `seed`:
/// u = (2m + 1) / 2^24 - 1/2 with m the top 23 bits of a SplitMix64 hash of
/// (seed, index). Results are independent of traversal order and threading,
/// and values already on the E2M1 grid never move.
float stochasticOffset(uint64_t seed, uint64_t index);

/// Encodes `n` elements with candidate `c`, one unpacked code per element.
/// `u` holds stochastic offsets (one per element) or is null for round to
/// nearest.
void encodeBlock(const float *x, size_t n, const ScaleCandidate &c,
                 const float *u, uint8_t *codes);

/// Error of already-encoded `codes` (see the op order above).
float codesError(const float *x, const uint8_t *codes, size_t n,
                 const ScaleCandidate &c, ErrorMetric metric);

/// Error of candidate `c` under round to nearest; equals
/// codesError(encodeBlock(...)) bit for bit but needs no code buffer.
/// `n` must be a multiple of 16.
float candidateError(const float *x, size_t n, const ScaleCandidate &c,
                     ErrorMetric metric);

/// Four Over Six selection: true iff the "4" candidate wins (E4 < E6).
inline bool fourOverSixPicksFour(float error4, float error6) {
  return error4 < error6;
}

/// Search tie-break: true iff (error, byte) beats the incumbent
/// (bestError, bestByte) for standard byte c0: strictly lower error, or equal
/// error and nearer c0 (the lower byte at equal distance).
bool isBetterCandidate(float error, int byte, float bestError, int bestByte,
                       int c0);

/// Result of a per-block scale choice.
struct ScaleChoice {
  uint8_t byte;  ///< Chosen scale byte.
  float error;   ///< Its block error.
  int evaluated; ///< Full candidate evaluations spent.
};

/// Four Over Six on one NVFP4 block (tensor scale with M = 256). Also
/// returns both candidate errors through `error4` / `error6` when non-null.
/// `table` (optional, from makeCandidateTable) only saves time, here and in
/// searchScale / exactScale.
ScaleChoice chooseFourOverSix(const float *x, size_t n, float bamax,
                              const TensorScale &ts, ErrorMetric metric,
                              const float *u, float *error4 = nullptr,
                              float *error6 = nullptr,
                              const ScaleCandidate *table = nullptr);

/// ScaleSearch (algorithms.md 4.2): candidate bytes c0 and
/// [max(1, c0-r), min(max, c0+r)], MSE objective, isBetterCandidate ties.
/// Works on NVFP4 (E4M3 bytes, `ts`) or MXFP4 (UE8M0 codes, `ts` unused).
ScaleChoice searchScale(Format format, const float *x, size_t n, int c0,
                        int radius, const TensorScale &ts, const float *u,
                        const ScaleCandidate *table = nullptr);

/// The exact MSE-optimal scale over {c0} and every code 1..max
/// (algorithms.md 5 with corrections i-v). Walks upward from c0 until the
/// dead-zone bound D(c) = sum over {i : |x_i| * r_c <= 0.25} of x_i^2 exceeds
/// the best error, and downward until the clipping bound
/// H(c) = sum over {i : |x_i| > xhat_c[7]} of (|x_i| - xhat_c[7])^2 does.
/// Both bounds are computed in the same sequential fp32 order as the error,
/// so by monotonicity of rounding they never exceed the computed error and
/// never prune the optimum. With stochastic rounding it searches all codes.
ScaleChoice exactScale(Format format, const float *x, size_t n, int c0,
                       const TensorScale &ts, const float *u,
                       const ScaleCandidate *table = nullptr);

/// Per-block rule parameters.
struct BlockRule {
  Format format = Format::NVFP4;
  ScaleRule rule = ScaleRule::Static6;
  ErrorMetric metric = ErrorMetric::MSE;
  int searchRadius = 1;
  TensorScale ts{}; ///< NVFP4 only (tensorScaleForRule).
  /// Optional makeCandidateTable(format, ts) (speed only).
  const ScaleCandidate *table = nullptr;
};

/// Quantizes one block of `n` finite elements (n a multiple of 16, at most
/// kMaxBlockElements) under `rule`: writes `n` unpacked codes and returns the
/// scale byte. `u` as in encodeBlock.
uint8_t quantizeBlock(const float *x, size_t n, const BlockRule &rule,
                      const float *u, uint8_t *codes);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_SCALERULES_H
