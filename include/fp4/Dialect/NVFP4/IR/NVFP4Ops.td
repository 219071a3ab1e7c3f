//===- NVFP4Ops.td - nvfp4 operations ----------------------*- tablegen -*-===//
//
// Part of fp4-mlir. The nvfp4 operations: amax, quantize, dequantize and the
// block-scaled matrix multiplication. All work on ranked tensors; quantized
// data is packed E2M1 in i8 (see the dialect description).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_IR_NVFP4OPS_TD
#define FP4_DIALECT_NVFP4_IR_NVFP4OPS_TD

include "fp4/Dialect/NVFP4/IR/NVFP4Attrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class NVFP4_Op<string mnemonic, list<Trait> traits = []>
    : Op<NVFP4_Dialect, mnemonic, traits>;

def NVFP4_FloatTensor : RankedTensorOf<[F32, BF16, F16]>;
def NVFP4_PackedTensor : TensorRankOf<[I8], [2]>;
def NVFP4_ScaleTensor : RankedTensorOf<[F8E4M3FN, F8E8M0FNU]>;

//===----------------------------------------------------------------------===//
// AmaxOp
//===----------------------------------------------------------------------===//

def NVFP4_AmaxOp : NVFP4_Op<"amax", [Pure]> {
  let summary = "largest absolute value of a tensor";
  let description = [{
    Returns max |x| over the finite elements, in fp32 (inputs are widened
    exactly); NaN and infinite elements are ignored, and an all-zero tensor
    gives 0. This is exactly the `amax` that
    `nvfp4.quantize` derives its tensor scale from; computing it separately
    lets a calibration pass or a reduction across devices supply it.

    Example:
    ```mlir
    %m = nvfp4.amax %x : tensor<128x64xbf16>
    ```
  }];
  let arguments = (ins NVFP4_FloatTensor:$input);
  let results = (outs F32:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def NVFP4_QuantizeOp : NVFP4_Op<"quantize", [Pure]> {
  let summary = "quantize a matrix to block-scaled 4-bit floating point";
  let description = [{
    Quantizes the R x C matrix `input` (or, with `transpose`, its transpose:
    then R and C are the input's columns and rows) along its rows into blocks
    of B = 16 (`nvfp4`) or 32 (`mxfp4`) consecutive values, or 16 x 16 tiles
    with `block_shape = #nvfp4.block_shape<tile_16x16>`.

    Results:
    - `data`: R x C/2 `i8`, packed E2M1 codes (even element in the low nibble).
    - `scales`: one `f8E4M3FN` (nvfp4) or `f8E8M0FNU` (mxfp4) scale per block,
      R x C/B for `row_major`, [R/128, C/B/4, 32, 4, 4] for `tcgen05`.
    - `tensor_scale`: the fp32 decode scale g = 1 / ((Q * M) / amax) for
      nvfp4 (Q and M from the rule), 1.0 for mxfp4. A value decodes as
      `(e2m1 * scale) * g`.

    `amax` is max |x| of the input unless given as an operand (calibration).
    The exact arithmetic, in fp32 and in this order, is that of the numerics
    library (docs/numerics.md, algorithms.md section 2): g_enc = (Q*M)/amax;
    per block s = e4m3_rne((bamax / Q) * g_enc); y = x * (1 / (g * s));
    code = e2m1(y) by `rounding`. Four Over Six compares the two candidates'
    errors summed sequentially over the block's elements in fp32, without
    contraction. amax = 0 gives g = 0, zero scales and +0 codes (so does a
    calibrated amax that is not finite and positive, at run time; folding
    declines it); a block
    whose scale underflows E4M3 is all zero; NaN and infinities follow the
    library's documented policy.

    Example:
    ```mlir
    %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>}
        : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
    %q2, %s2, %g2 = nvfp4.quantize %x amax(%m) {format = #nvfp4.format<nvfp4>,
        rule = #nvfp4.scale_rule<scale_search, radius = 6>,
        scale_layout = #nvfp4.scale_layout<tcgen05>, transpose}
        : tensor<128x256xbf16> -> tensor<256x64xi8>, tensor<2x2x32x4x4xf8E4M3FN>
    ```
  }];
  let arguments = (ins
    NVFP4_FloatTensor:$input,
    Optional<F32>:$amax,
    DefaultValuedAttr<NVFP4_FormatAttr, "::mlir::nvfp4::Format::nvfp4">:$format,
    DefaultValuedAttr<NVFP4_ScaleRuleAttr,
      "::mlir::nvfp4::ScaleRuleAttr::get($_builder.getContext(), ::mlir::nvfp4::ScaleRuleKind::static_6, std::nullopt, std::nullopt)">:$rule,
    DefaultValuedAttr<NVFP4_RoundingAttr,
      "::mlir::nvfp4::RoundingAttr::get($_builder.getContext(), ::mlir::nvfp4::RoundingMode::nearest, std::nullopt)">:$rounding,
    DefaultValuedAttr<NVFP4_BlockShapeAttr, "::mlir::nvfp4::BlockShape::row">:$block_shape,
    DefaultValuedAttr<NVFP4_ScaleLayoutAttr, "::mlir::nvfp4::ScaleLayout::row_major">:$scale_layout,
    UnitAttr:$transpose);
  let results = (outs NVFP4_PackedTensor:$data, NVFP4_ScaleTensor:$scales,
                      F32:$tensor_scale);
  let assemblyFormat = [{
    $input (`amax` `(` $amax^ `)`)? attr-dict `:` type($input) `->` type($data) `,` type($scales)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

def NVFP4_DequantizeOp : NVFP4_Op<"dequantize", [Pure]> {
  let summary = "decode block-scaled 4-bit data to floating point";
  let description = [{
    The inverse of `nvfp4.quantize`: element (r, c) of the R x C result is
    `(e2m1(code[r][c]) * scale(r, c / B)) * tensor_scale` in fp32, then
    rounded to the result element type (round to nearest even). The format
    (block size B) follows from the scale element type (`f8E4M3FN`: 16,
    `f8E8M0FNU`: 32) and the scale layout from the scales' rank (2:
    `row_major`, 5: `tcgen05`). Negative-zero codes decode to +0 * scale.

    Example:
    ```mlir
    %x = nvfp4.dequantize %q, %s, %g
        : tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x64xf32>
    ```
  }];
  let arguments = (ins NVFP4_PackedTensor:$data, NVFP4_ScaleTensor:$scales,
                       F32:$tensor_scale);
  let results = (outs NVFP4_FloatTensor:$result);
  let assemblyFormat = [{
    $data `,` $scales `,` $tensor_scale attr-dict `:` type($data) `,` type($scales) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// ScaledMatmulOp
//===----------------------------------------------------------------------===//

def NVFP4_ScaledMatmulOp : NVFP4_Op<"scaled_matmul", [Pure]> {
  let summary = "block-scaled 4-bit matrix multiplication";
  let description = [{
    D = (A * sA * gA) (B * sB * gB)^T for A (M x K) and B (N x K), both
    quantized along K as `nvfp4.quantize` produces them (B is the row-major
    N x K weight, i.e. K-major as tcgen05 wants). Every product
    `(e2m1_a * s_a) * (e2m1_b * s_b)` is exact in fp32; they are accumulated
    in fp32 and the sum is multiplied by `gA * gB`. The reference accumulates
    sequentially over k; other implementations (tensor cores) may sum in
    another order, so results agree to fp32 accumulation rounding. A bf16
    result is the fp32 result rounded to nearest even.

    Both operands must have the same format (scale element type) and scale
    layout; with the `tcgen05` layout M and N must be multiples of 128 and
    K / B a multiple of 4.

    Example:
    ```mlir
    %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
        : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<256x32xi8>, tensor<256x4xf8E4M3FN>
          -> tensor<128x256xf32>
    ```
  }];
  let arguments = (ins NVFP4_PackedTensor:$lhs, NVFP4_ScaleTensor:$lhs_scales,
                       F32:$lhs_tensor_scale, NVFP4_PackedTensor:$rhs,
                       NVFP4_ScaleTensor:$rhs_scales, F32:$rhs_tensor_scale);
  let results = (outs TensorRankOf<[F32, BF16], [2]>:$result);
  let assemblyFormat = [{
    $lhs `[` $lhs_scales `,` $lhs_tensor_scale `]` `,` $rhs `[` $rhs_scales `,` $rhs_tensor_scale `]`
    attr-dict `:` type($lhs) `,` type($lhs_scales) `,` type($rhs) `,` type($rhs_scales) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def NVFP4_AttentionOp : NVFP4_Op<"attention", [Pure]> {
  let summary = "block-scaled 4-bit attention (SageAttention3 / ScaleSearchAttention)";
  let description = [{
    softmax(Q K^T * softmax_scale [+ causal mask]) V for Q [B, H, Lq, D],
    K [B, H, Lk, D] and V [B, H, Lk, Dv], with Q and K quantized in blocks of
    16 (`nvfp4`) or 32 (`mxfp4`) along D, V in blocks along the tokens, and
    the probabilities P in blocks along the keys of a row, each with its own
    scale rule (`q_rule`, `k_rule`, `v_rule`, `p_rule`; default `static_6`).
    The result is f32 [B, H, Lq, Dv].

    The exact operation order (key tiles of `key_tile` keys, online-softmax
    rescaling, where P is quantized, every summation order, the exp) is that
    of the numerics library's `attentionReference`
    (include/fp4/Numerics/Attention.h, docs/attention.md); lowerings are
    checked against it.

    Options:
    - `causal`: query i sees key j iff j <= i + (Lk - Lq).
    - `k_smoothing` (default true): K minus its mean over the tokens, per
      (batch, head); softmax is invariant to it.
    - `q_smoothing`: Q minus its mean per block of 128 queries, with the
      correction q_mean * K^T added to the scores in fp32.
    - `p_mode`: `two_level` (default) or `direct` (`#nvfp4.p_mode`).
    - `rotate`: a normalized 16-point Hadamard rotation of Q and K along D.
    - `sink_tokens`, `recent_tokens`: the first and last keys kept in bf16
      in both products.
    - `qkv_tensor_scale`: one fp32 tensor scale per head for Q, K and V
      (NVFP4); without it, block scales only, as in SageAttention3.

    Example (SageAttention3's recipe, then ScaleSearchAttention's):
    ```mlir
    %o = nvfp4.attention %q, %k, %v {causal}
        : tensor<1x8x1024x128xbf16>, tensor<1x8x1024x128xbf16>, tensor<1x8x1024x128xbf16>
          -> tensor<1x8x1024x128xf32>
    %o2 = nvfp4.attention %q, %k, %v {causal,
        q_rule = #nvfp4.scale_rule<scale_search, radius = 6>,
        k_rule = #nvfp4.scale_rule<scale_search, radius = 6>,
        v_rule = #nvfp4.scale_rule<exact>, p_rule = #nvfp4.scale_rule<exact>}
        : tensor<1x8x1024x128xbf16>, tensor<1x8x1024x128xbf16>, tensor<1x8x1024x128xbf16>
          -> tensor<1x8x1024x128xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[F32, BF16, F16]>:$query,
    RankedTensorOf<[F32, BF16, F16]>:$key,
    RankedTensorOf<[F32, BF16, F16]>:$value,
    DefaultValuedAttr<NVFP4_FormatAttr, "::mlir::nvfp4::Format::nvfp4">:$format,
    OptionalAttr<NVFP4_ScaleRuleAttr>:$q_rule,
    OptionalAttr<NVFP4_ScaleRuleAttr>:$k_rule,
    OptionalAttr<NVFP4_ScaleRuleAttr>:$v_rule,
    OptionalAttr<NVFP4_ScaleRuleAttr>:$p_rule,
    OptionalAttr<F32Attr>:$softmax_scale,
    UnitAttr:$causal,
    DefaultValuedAttr<I64Attr, "128">:$key_tile,
    DefaultValuedAttr<BoolAttr, "true">:$k_smoothing,
    UnitAttr:$q_smoothing,
    DefaultValuedAttr<NVFP4_PModeAttr, "::mlir::nvfp4::PMode::two_level">:$p_mode,
    UnitAttr:$rotate,
    DefaultValuedAttr<I64Attr, "0">:$sink_tokens,
    DefaultValuedAttr<I64Attr, "0">:$recent_tokens,
    UnitAttr:$qkv_tensor_scale);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value attr-dict `:` type($query) `,` type($key) `,`
    type($value) `->` type($result)
  }];
  let hasVerifier = 1;
}

def NVFP4_AttentionRowsOp : NVFP4_Op<"attention_rows",
    [Pure, AttrSizedOperandSegments]> {
  let summary = "the online-softmax part of nvfp4.attention, one query row at a time";
  let description = [{
    Steps 5 and 6 of the numerics library's `attentionReference`
    (include/fp4/Numerics/Attention.h) on operands that steps 1 to 4 already
    prepared: for G independent heads, `q` [G, Lq, D], `k` [G, Lk, D] and
    `v_t` [G, Dv, Lk] hold the dequantized (smoothed, rotated) Q, K and
    V transposed, with V's sink and recent keys already in bf16. With sink or recent keys,
    `q_bf16` and `k_bf16` hold bf16(Q') and bf16(K') for the scores of those
    keys; with Q smoothing, `score_correction` [G, ceil(Lq / 128), Lk] holds
    the scaled correction dS. The result is the f32 output [G, Lq, Dv].

    Each query row is independent: the scores of a key tile (sums over D in
    channel order), the mask, the running max, exp, P (two-level or direct)
    quantized in blocks of keys with `p_rule` and no tensor scale, and the
    output row's update (sums over keys in key order) are exactly the
    reference's. `nvfp4-decompose-attention{products=fused}` produces it;
    the CPU lowering runs the rows in an scf.parallel loop, the GPU lowering
    one row per thread, both with the same code, so both are bit-exact.

    `softmax_scale` is the effective scale (never 0 here).
  }];
  let arguments = (ins
    RankedTensorOf<[F32]>:$q,
    RankedTensorOf<[F32]>:$k,
    RankedTensorOf<[F32]>:$v_t,
    Optional<RankedTensorOf<[F32]>>:$q_bf16,
    Optional<RankedTensorOf<[F32]>>:$k_bf16,
    Optional<RankedTensorOf<[F32]>>:$score_correction,
    DefaultValuedAttr<NVFP4_FormatAttr, "::mlir::nvfp4::Format::nvfp4">:$format,
    OptionalAttr<NVFP4_ScaleRuleAttr>:$p_rule,
    F32Attr:$softmax_scale,
    UnitAttr:$causal,
    I64Attr:$key_tile,
    DefaultValuedAttr<NVFP4_PModeAttr, "::mlir::nvfp4::PMode::two_level">:$p_mode,
    DefaultValuedAttr<I64Attr, "0">:$sink_tokens,
    DefaultValuedAttr<I64Attr, "0">:$recent_tokens);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v_t
    (`bf16` `(` $q_bf16^ `,` $k_bf16 `:` type($q_bf16) `,` type($k_bf16) `)`)?
    (`correction` `(` $score_correction^ `:` type($score_correction) `)`)?
    attr-dict `:` type($q) `,` type($k) `,` type($v_t) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // FP4_DIALECT_NVFP4_IR_NVFP4OPS_TD
