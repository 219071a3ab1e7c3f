//===- Attention.h - Reference NVFP4 / MXFP4 attention ----------*- C++ -*-===//
//
// The reference semantics of nvfp4.attention (SageAttention3 and
// ScaleSearchAttention, shared/docs/attention.md): block-scaled 4-bit Q, K, V
// and P inside a FlashAttention-2 style online softmax. Lowerings replicate
// the operation order below op for op (the CPU lowering byte for byte; GPU
// lowerings are checked against it with a stated bound). docs/attention.md
// gives the choices made where the sources are open.
//
// Layout: q [B][H][Lq][D], k [B][H][Lk][D], v [B][H][Lk][Dv],
// out [B][H][Lq][Dv], row-major fp32. Every (b, h) head is independent.
//
// Exact order per head, fp32, round to nearest even, no FMA (the library is
// compiled with -ffp-contract=off); every sum starts from 0 and runs in
// increasing index order:
//   1. K smoothing: mean_d = (sum_j K[j][d]) / float(Lk); K'[j][d] =
//      K[j][d] - mean_d. (Softmax is invariant to it: nothing compensates.)
//   2. Q smoothing (blocks of kQSmoothBlock queries, the last one partial):
//      qbar_d = (sum_{i in block} Q[i][d]) / float(n_block); Q'[i][d] =
//      Q[i][d] - qbar_d; dS[i][j] = (sum_d qbar_d * K'[j][d]) * scale, with
//      the unrotated, unquantized K'.
//   3. Hadamard (optional): each 16-channel group of Q' and K' rows becomes
//      y_r = (sum_c H16[r][c] * x_c) * 0.25 (H16 Sylvester, entries +-1,
//      added or subtracted in c order).
//   4. Quantization with the operand's rule (ScaleRules.h order): Q' blocks
//      along D, K' along D, V transposed (blocks of consecutive tokens of one
//      channel). Sink and recent keys (the first `sinkTokens`, the last
//      `recentTokens`) are zero in K' and V for this step and take bf16
//      values instead (below). Without `qkvTensorScale` no tensor scale is
//      used (SageAttention3): quantize() with the calibrated amax equal to
//      the rule's divisor, so gEnc = gDec = 1 and a block scale is
//      bamax / Q; with it, one tensor scale per (b, h) head and operand.
//      Qh, Kh, Vh are the dequantized values ((e2m1 * s) * g, BlockQuantize.h);
//      an unquantized operand keeps its fp32 values.
//   5. For each key tile [j0, j0 + n) (n = keyTile, the last one shorter),
//      for each query row i:
//        S[j] = (sum_d Qh[i][d] * Kh[j][d]) * scale; sink/recent keys use
//               bf16(Q'[i][d]) * bf16(K'[j][d]) instead of the products;
//        S[j] = S[j] + dS[i][j]                      (Q smoothing only);
//        S[j] = -inf where masked (causal: key j visible iff
//               j <= i + (Lk - Lq), the bottom-right alignment of
//               FlashAttention; a row that sees no key outputs 0);
//        mNew = max(m, max_j S[j]); if mNew == -inf the tile is skipped;
//        alpha = attentionExp(m - mNew)              (0 while m == -inf);
//        p[j] = attentionExp(S[j] - mNew), times kTwoLevelPScale (2688)
//               for PMode::TwoLevel;
//        l = l * alpha + rowsum, rowsum = sum_j p[j] (unquantized p);
//      then the tile of p (Lq x n) is quantized with P's rule, blocks of
//      consecutive keys of one row, no tensor scale (calibrated amax = the
//      divisor: a block scale is bamax / Q, dividing by the rounded scale);
//      sink/recent keys are zero there and take bf16(p[j]) instead: Ph;
//        O[i][e] = O[i][e] * alpha; then O[i][e] = O[i][e] + Ph[j] * Vh[j][e]
//               for j in key order.
//   6. out[i][e] = O[i][e] / l (0 when l == 0).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_ATTENTION_H
#define FP4_NUMERICS_ATTENTION_H

#include "fp4/Numerics/BlockQuantize.h"

#include <cstdint>
#include <string>

namespace mlir::fp4 {

/// Queries per Q-smoothing block (SageAttention3's query tile).
inline constexpr uint64_t kQSmoothBlock = 128;
/// Two-level P: P~ = 2688 * exp(S - m), so a row's largest value maps to the
/// E4M3 maximum 448 times the E2M1 maximum 6 (SageAttention3's code).
inline constexpr float kTwoLevelPScale = 2688.0f;

/// How P is brought to the 4-bit format.
enum class PMode { TwoLevel, Direct };

/// One operand's quantization: a scale rule, or kept in fp32.
struct OperandRule {
  bool quantized = true;
  ScaleRule rule = ScaleRule::Static6;
  ErrorMetric metric = ErrorMetric::MSE;
  int searchRadius = 1;
};

/// Parses "none" (unquantized) or a parseRuleSpec spelling (static_6,
/// static_4, mse, mae, abs_max, search:R, exact). Returns "" or an error.
std::string parseOperandRule(const std::string &spec, OperandRule &rule);

/// The spelling parseOperandRule accepts for `rule`.
std::string operandRuleName(const OperandRule &rule);

/// Options of attentionReference (see the order above).
struct AttentionOptions {
  /// Softmax scale; 0 means 1.0f / sqrtf(float(D)).
  float softmaxScale = 0.0f;
  bool causal = false;
  /// Keys per online-softmax tile: a multiple of the block size.
  uint64_t keyTile = 128;
  Format format = Format::NVFP4;
  OperandRule q, k, v, p;
  /// One fp32 tensor scale per (b, h) head for Q, K and V (P never has one).
  bool qkvTensorScale = false;
  bool smoothK = true;
  bool smoothQ = false;
  PMode pMode = PMode::TwoLevel;
  /// 16-point normalized Hadamard rotation of Q and K along the head dim.
  bool hadamard = false;
  /// First and last keys kept in bf16 in both Q.K^T and P.V.
  uint64_t sinkTokens = 0;
  uint64_t recentTokens = 0;
};

/// Shape of an attention call.
struct AttentionShape {
  uint64_t batch = 1, heads = 1, lq = 0, lk = 0, d = 0, dv = 0;
};

/// The softmax scale `options` means for head dim `d`.
float effectiveSoftmaxScale(const AttentionOptions &options, uint64_t d);

/// Checks `options` for `shape`; returns "" or an error message.
std::string validateAttentionOptions(const AttentionOptions &options,
                                     const AttentionShape &shape);

/// exp(x) in fp32 with a fully specified operation order (Attention.cpp):
/// NaN -> NaN, x > 88.72 -> +Inf, x < -104 (and -Inf) -> 0; otherwise
/// k = roundeven(x * log2(e)), r = (x - k * ln2Hi) - k * ln2Lo, a degree-7
/// Horner polynomial (Taylor coefficients, no FMA), times 2^k by ldexp.
/// attentionExp(0) == 1 exactly; at most 2 ulp from exp (tested).
float attentionExp(float x);

/// The reference (see the order above); `out` gets B*H*Lq*Dv floats.
/// Returns "" or an error message (then nothing is written).
std::string attentionReference(const float *q, const float *k, const float *v,
                               const AttentionShape &shape,
                               const AttentionOptions &options, float *out);

/// Exact attention in double: no quantization, no smoothing, plain softmax
/// with the row max subtracted; the same causal convention and `scale`
/// (effectiveSoftmaxScale). A row that sees no key outputs 0.
void attentionF64(const float *q, const float *k, const float *v,
                  const AttentionShape &shape, float scale, bool causal,
                  double *out);

/// Error of an output against a reference (attention.md's metrics).
struct AttentionError {
  double cosSim = 0; ///< sum O*R / (||O|| ||R||).
  double relL1 = 0;  ///< sum |O - R| / sum |R|.
  double rmse = 0;   ///< sqrt(mean((O - R)^2)).
};

/// Metrics of `out` against `ref` over `n` elements, accumulated in double.
AttentionError compareAttention(const float *out, const double *ref,
                                uint64_t n);
AttentionError compareAttention(const float *out, const float *ref, uint64_t n);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_ATTENTION_H
