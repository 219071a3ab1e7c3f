//===- NVFP4Attrs.td - nvfp4 enums and attributes ----------*- tablegen -*-===//
//
// Part of fp4-mlir. The attributes that parameterize nvfp4 ops: the format,
// the scale-selection rule (with its named parameters), rounding, the block
// shape and the block-scale layout.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_IR_NVFP4ATTRS_TD
#define FP4_DIALECT_NVFP4_IR_NVFP4ATTRS_TD

include "fp4/Dialect/NVFP4/IR/NVFP4Dialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

class NVFP4_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<NVFP4_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def NVFP4_Format : I32EnumAttr<"Format", "block-scaled 4-bit format", [
    I32EnumAttrCase<"nvfp4", 0>,
    I32EnumAttrCase<"mxfp4", 1>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

def NVFP4_ScaleRuleKind : I32EnumAttr<"ScaleRuleKind", "block scale selection rule", [
    I32EnumAttrCase<"static_6", 0>,
    I32EnumAttrCase<"static_4", 1>,
    I32EnumAttrCase<"four_over_six", 2>,
    I32EnumAttrCase<"scale_search", 3>,
    I32EnumAttrCase<"exact", 4>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

def NVFP4_ErrorMetric : I32EnumAttr<"ErrorMetric", "block error metric", [
    I32EnumAttrCase<"mse", 0>,
    I32EnumAttrCase<"mae", 1>,
    I32EnumAttrCase<"abs_max", 2>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

def NVFP4_RoundingMode : I32EnumAttr<"RoundingMode", "E2M1 rounding", [
    I32EnumAttrCase<"nearest", 0>,
    I32EnumAttrCase<"stochastic", 1>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

def NVFP4_BlockShape : I32EnumAttr<"BlockShape", "quantization block shape", [
    I32EnumAttrCase<"row", 0>,
    I32EnumAttrCase<"tile_16x16", 1>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

def NVFP4_PMode : I32EnumAttr<"PMode", "how attention brings P to 4 bits", [
    I32EnumAttrCase<"two_level", 0>,
    I32EnumAttrCase<"direct", 1>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

def NVFP4_ScaleLayout : I32EnumAttr<"ScaleLayout", "block scale layout", [
    I32EnumAttrCase<"row_major", 0>,
    I32EnumAttrCase<"tcgen05", 1>]> {
  let cppNamespace = "::mlir::nvfp4";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// FormatAttr
//===----------------------------------------------------------------------===//

def NVFP4_FormatAttr : EnumAttr<NVFP4_Dialect, NVFP4_Format, "format"> {
  let summary = "block-scaled 4-bit format";
  let description = [{
    `nvfp4`: blocks of 16 E2M1 values with an `f8E4M3FN` scale and an fp32
    tensor scale. `mxfp4`: blocks of 32 with an `f8E8M0FNU` scale (power of
    two, rounded up so the block maximum never clips) and no tensor scale.

    Example: `#nvfp4.format<mxfp4>`
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// ScaleRuleAttr
//===----------------------------------------------------------------------===//

def NVFP4_ScaleRuleAttr : NVFP4_Attr<"ScaleRule", "scale_rule"> {
  let summary = "how each block's scale is chosen";
  let description = [{
    The block-scale selection rule of `nvfp4.quantize` (algorithms.md):

    - `static_6`: the standard max-based scale; the block maximum maps to 6
      (tensor bound M = 448).
    - `static_4`: the block maximum maps to 4 (M = 448).
    - `four_over_six`: Four Over Six. Per block, encode with the maximum
      mapped to 6 and to 4 and keep the one with the lower `metric` error
      (`mse` = sum of squares, `mae` = sum of absolute values, `abs_max` =
      largest absolute error, in original units, summed sequentially in fp32);
      "4" wins only on a strictly lower error. The tensor bound is M = 256.
      NVFP4 only.
    - `scale_search`: ScaleSearch. Try the E4M3 scale codes within `radius`
      of the standard one (binade boundaries crossed, codes clamped to
      1..126) and keep the lowest block squared error; ties keep the code
      nearest the standard one (the lower one at equal distance). MXFP4
      searches the neighbouring powers of two. Radius 1..126.
    - `exact`: the block scale with the least squared error over all
      representable scales, found with provable bounds.

    `metric` is required by, and only allowed with, `four_over_six`;
    `radius` likewise with `scale_search`.

    Examples:
    ```mlir
    #nvfp4.scale_rule<static_6>
    #nvfp4.scale_rule<four_over_six, metric = mse>
    #nvfp4.scale_rule<scale_search, radius = 6>
    #nvfp4.scale_rule<exact>
    ```
  }];
  let parameters = (ins
    EnumParameter<NVFP4_ScaleRuleKind>:$kind,
    OptionalParameter<"std::optional<::mlir::nvfp4::ErrorMetric>">:$metric,
    OptionalParameter<"std::optional<int64_t>">:$radius);
  let assemblyFormat = [{
    `<` $kind (`,` struct($metric, $radius)^)? `>`
  }];
  let genVerifyDecl = 1;
  // Lets ops name a default rule as a C++ expression.
  let constBuilderCall = "$0";
}

//===----------------------------------------------------------------------===//
// RoundingAttr
//===----------------------------------------------------------------------===//

def NVFP4_RoundingAttr : NVFP4_Attr<"Rounding", "rounding"> {
  let summary = "E2M1 rounding of the scaled values";
  let description = [{
    `nearest`: round to nearest, ties to the even code, saturating at 6.
    `stochastic`: add a uniform offset in [-0.5, 0.5) grid steps, drawn from
    a counter-based generator keyed by `seed` and the element index, before
    rounding (reproducible and independent of traversal order). `seed` is
    required by, and only allowed with, `stochastic`.

    Examples: `#nvfp4.rounding<nearest>`, `#nvfp4.rounding<stochastic, seed = 42>`
  }];
  let parameters = (ins
    EnumParameter<NVFP4_RoundingMode>:$mode,
    OptionalParameter<"std::optional<uint64_t>">:$seed);
  let assemblyFormat = "`<` $mode (`,` `seed` `=` $seed^)? `>`";
  let genVerifyDecl = 1;
  let constBuilderCall = "$0";
}

def NVFP4_PModeAttr : EnumAttr<NVFP4_Dialect, NVFP4_PMode, "p_mode"> {
  let summary = "how nvfp4.attention quantizes the probabilities P";
  let description = [{
    `two_level` (SageAttention3): P~ = 2688 * exp(S - m) against the running
    row max m, so a row's largest value maps to 448 * 6, then block scales per
    16 keys; the row sum uses the unquantized P~ and 2688 cancels in O / l.
    `direct`: exp(S - m) itself is block-quantized.

    Example: `#nvfp4.p_mode<direct>`
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// BlockShapeAttr, ScaleLayoutAttr
//===----------------------------------------------------------------------===//

def NVFP4_BlockShapeAttr : EnumAttr<NVFP4_Dialect, NVFP4_BlockShape, "block_shape"> {
  let summary = "quantization block shape";
  let description = [{
    `row`: 1 x B blocks along the last dimension (B = 16 for NVFP4, 32 for
    MXFP4). `tile_16x16`: 16 x 16 tiles (NVFP4 only), one scale per tile,
    stored on each of the tile's 16 rows so the scale tensor keeps the `row`
    shape; a matrix and its transpose then quantize identically.

    Example: `#nvfp4.block_shape<tile_16x16>`
  }];
  let assemblyFormat = "`<` $value `>`";
}

def NVFP4_ScaleLayoutAttr : EnumAttr<NVFP4_Dialect, NVFP4_ScaleLayout, "scale_layout"> {
  let summary = "layout of the block-scale tensor";
  let description = [{
    `row_major`: scales as an R x (C / B) tensor. `tcgen05`: the Blackwell
    tcgen05 / cuBLAS layout of 128 x 4 scale tiles, as a rank-5 tensor
    [R / 128, (C / B) / 4, 32, 4, 4] whose element [i, j, a, b, c] is the
    scale of row 128*i + 32*b + a and block column 4*j + c (algorithms.md
    section 1.4). It needs R % 128 == 0 and (C / B) % 4 == 0.

    Example: `#nvfp4.scale_layout<tcgen05>`
  }];
  let assemblyFormat = "`<` $value `>`";
}

#endif // FP4_DIALECT_NVFP4_IR_NVFP4ATTRS_TD
