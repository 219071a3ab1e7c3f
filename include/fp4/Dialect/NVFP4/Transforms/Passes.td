//===- Passes.td - nvfp4 transformations -------------------*- tablegen -*-===//
//
// Part of fp4-mlir. Passes that bring models into the nvfp4 dialect.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_TRANSFORMS_PASSES_TD
#define FP4_DIALECT_NVFP4_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def NVFP4QuantizeMatmulsPass : Pass<"nvfp4-quantize-matmuls"> {
  let summary = "Rewrite linalg matmuls on floats into NVFP4/MXFP4 "
                "quantize + scaled_matmul";
  let description = [{
    Rewrites every matmul-shaped linalg contraction on f32, bf16 or f16
    tensors into `nvfp4.quantize` of both operands and `nvfp4.scaled_matmul`:
    `linalg.matmul` (with its default or transposing `indexing_maps`),
    `linalg.batch_matmul`, and `linalg.generic` ops whose body is a
    multiply-accumulate and whose maps are those of a matmul (operands
    (m, k) or (k, m), and (k, n) or (n, k); batched with a leading batch
    dimension). The left operand is the activation and the right the weight;
    each is quantized along K with its own rule. A batched matmul becomes an
    `scf.for` over the batch. A non-zero accumulator is added to the
    product in fp32.

    When the weight is a constant (`dense` or `dense_resource`), it is
    quantized now, by the numerics library, and only its packed data (i8)
    and scales remain in the IR (as `dense_resource` blobs when large);
    `fold-constant-weights=false` leaves an `nvfp4.quantize` instead.

    A matmul that cannot be taken stays as it was, with a remark saying why:
    dynamic shapes, K not a multiple of the block size, an f16 result (the
    scaled matmul produces f32 or bf16), sizes that the tcgen05 scale layout
    cannot hold (M and N multiples of 128, K a multiple of 4 blocks), sizes
    below the `min-*` options, or a skip request: the unit attribute named by
    `skip-attribute` on the op, or a name in `skip-names` that is the op's
    location name (`loc("name")`) or its enclosing function's name.

    With `report`, each rewritten matmul gets a remark naming the rules, and
    a constant weight's relative quantization error
    ||W - dequantize(quantize(W))|| / ||W||.

    Example:
    ```
    fp4-opt --nvfp4-quantize-matmuls="weight-rule=exact report" model.mlir
    fp4-opt --nvfp4-quantize-matmuls --nvfp4-lower-to-sm100a model.mlir
    ```
  }];
  let options = [
    Option<"weightRule", "weight-rule", "std::string", "\"mse\"",
           "Scale rule for weights: static_6, static_4, mse, mae, abs_max "
           "(Four Over Six with that metric), search:R or exact (default "
           "mse; static_6 with format=mxfp4)">,
    Option<"activationRule", "activation-rule", "std::string", "\"mse\"",
           "Scale rule for activations (same spellings and defaults)">,
    Option<"format", "format", "std::string", "\"nvfp4\"",
           "Block format: nvfp4 (E4M3 scale per 16) or mxfp4 (UE8M0 per 32)">,
    Option<"scaleLayout", "scale-layout", "std::string", "\"tcgen05\"",
           "Scale layout: tcgen05 (what the sm_100a lowering needs) or "
           "row_major">,
    Option<"minM", "min-m", "int64_t", "0", "Skip matmuls with fewer rows">,
    Option<"minN", "min-n", "int64_t", "0", "Skip matmuls with fewer columns">,
    Option<"minK", "min-k", "int64_t", "0",
           "Skip matmuls with a shorter reduction">,
    ListOption<"skipNames", "skip-names", "std::string",
               "Skip matmuls whose location name or function name is listed">,
    Option<"skipAttribute", "skip-attribute", "std::string",
           "\"nvfp4.skip\"", "Skip matmuls carrying this unit attribute">,
    Option<"foldConstantWeights", "fold-constant-weights", "bool", "true",
           "Quantize constant weights at compile time">,
    Option<"report", "report", "bool", "false",
           "Emit a remark per rewritten matmul (rules, weight error)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::nvfp4::NVFP4Dialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def NVFP4DecomposeAttentionPass : Pass<"nvfp4-decompose-attention"> {
  let summary = "Decompose nvfp4.attention into nvfp4 quantize/dequantize, "
                "scaled_matmul and linalg ops, in the reference's order";
  let description = [{
    Rewrites every `nvfp4.attention` into the operations of the numerics
    library's `attentionReference` (include/fp4/Numerics/Attention.h), per
    (batch, head) in an `scf.for` nest: K and Q smoothing, the Hadamard
    rotation, masks and the online softmax as `linalg.generic` ops (the exp
    is the library's `attentionExp`, emulated in arith), Q, K, V and each
    tile of P quantized by `nvfp4.quantize` (a calibrated amax equal to the
    rule's divisor when there is no tensor scale), and an `scf.for` over the
    full key tiles followed by the remainder tile.

    `products` says how the two products are computed:
    - `reference` (default): dequantize, then `linalg.generic` contractions
      whose reduction loop is innermost and runs in increasing order, so that
      the loops of the CPU lowering add in the reference's order: the CPU
      result equals `attentionReference` bit for bit.
    - `scaled-matmul`: `nvfp4.scaled_matmul` for Q.K^T and P.V (tensor cores
      on the GPU); the tile's P.V product is added to the rescaled O. Only
      the summation order of the two products differs from the reference.
      With `scale-layout=tcgen05` (what the sm_100a lowering needs) a
      product whose sizes the layout cannot hold (M, N multiples of 128, K
      a multiple of 4 blocks; Lq, the key tile dividing Lk, D, and Dv for
      P.V) stays a dequantized linalg product, with a remark saying why.
    - `fused`: only the preparation (smoothing, rotation, quantization and
      dequantization of Q, K and V) runs per head; the online softmax of
      every head and query row is one `nvfp4.attention_rows` op, which the
      CPU lowering runs as an scf.parallel loop over rows and the GPU
      lowering as one kernel of a thread per row, both in the reference's
      order (bit-exact).

    nvfp4-lower-to-cpu runs it with `products=fused` by default;
    nvfp4-lower-to-gpu with `products=fused` on sm_90a and
    `products=scaled-matmul` (tcgen05 scales) on sm_100a. Both pipelines
    take an `attention` option to choose another.
  }];
  let options = [
    Option<"products", "products", "std::string", "\"reference\"",
           "How Q.K^T and P.V are computed: reference (dequantize + "
           "sequential contractions; bit-exact), fused (one "
           "nvfp4.attention_rows op for the online softmax; bit-exact) or "
           "scaled-matmul (nvfp4.scaled_matmul)">,
    Option<"scaleLayout", "scale-layout", "std::string", "\"row_major\"",
           "Scale layout of the quantized operands with "
           "products=scaled-matmul: row_major or tcgen05">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::nvfp4::NVFP4Dialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def NVFP4QuantizeAttentionPass : Pass<"nvfp4-quantize-attention"> {
  let summary = "Rewrite scaled-dot-product attention written in linalg into "
                "nvfp4.attention";
  let description = [{
    Finds softmax(Q K^T * scale + mask) V written as linalg, tensor and arith
    ops and replaces it with one `nvfp4.attention` (plus the reshapes,
    transposes and casts that bring Q, K, V to [B, H, L, D] and the result
    back to the original shape and element type).

    What is matched, from the context product backwards: a matmul-shaped
    contraction P V (`linalg.batch_matmul` or an equivalent
    `linalg.generic`, zero accumulator) whose P is `E / rowsum(E)`, with
    `E = exp(X - rowmax(X))`, and whose logits X are the scores Q K^T (a
    second matmul-shaped contraction, K indexed (n, k) or (k, n)) times a
    proven constant scale (`arith.mulf` / `arith.divf` by a scalar
    constant), plus an optional mask. The softmax may be split over several
    elementwise `linalg.generic`s or fused into fewer; reshapes
    (`tensor.expand_shape` / `collapse_shape`, which keep the row-major
    order) and element casts (`arith.extf` / `arith.truncf`, rounding only)
    between the steps are looked through.

    The mask must be proven to be absent or exactly the causal mask (query
    i sees key j iff j <= i + (Lk - Lq)): an additive mask whose values do
    not depend on any function argument is evaluated at compile time (a
    small evaluator over constants, `linalg.fill`, reshapes and
    elementwise `linalg.generic`s with `linalg.index`, integer and float
    arith), and so is the condition of an `arith.select` that replaces
    masked logits by a constant. A masked entry must be -inf or at most
    minus half the largest finite value of its type (torch's finfo.min is),
    an unmasked one exactly 0. Anything else is declined.

    With `report`, each rewritten attention gets a remark (shape, scale,
    mask, rules), and each attention-like pattern that was not rewritten (a
    contraction that reads, through generics, an `exp`, a reduction and
    another contraction) a remark saying why.

    Run it before `nvfp4-quantize-matmuls`: the attention's two contractions
    are then gone (replaced by the attention op) and the matmul pass quantizes
    only the projections. Run after it, the matmul pass has already turned the
    two contractions into scaled matmuls (where their sizes allow) and this
    pass finds no attention.

    Example:
    ```
    fp4-opt --nvfp4-quantize-attention=report --nvfp4-quantize-matmuls model.mlir
    ```
  }];
  let options = [
    Option<"qRule", "q-rule", "std::string", "\"static_6\"",
           "Scale rule for Q: static_6, static_4, mse, mae, abs_max, "
           "search:R or exact (default static_6, SageAttention3's)">,
    Option<"kRule", "k-rule", "std::string", "\"static_6\"",
           "Scale rule for K (same spellings)">,
    Option<"vRule", "v-rule", "std::string", "\"static_6\"",
           "Scale rule for V (same spellings)">,
    Option<"pRule", "p-rule", "std::string", "\"static_6\"",
           "Scale rule for the probabilities P (same spellings)">,
    Option<"format", "format", "std::string", "\"nvfp4\"",
           "Block format: nvfp4 or mxfp4">,
    Option<"keyTile", "key-tile", "int64_t", "128",
           "Keys per online-softmax tile (a multiple of the block size)">,
    Option<"kSmoothing", "k-smoothing", "bool", "true",
           "Subtract K's mean over the tokens before quantizing">,
    Option<"pMode", "p-mode", "std::string", "\"two_level\"",
           "How P is quantized: two_level or direct">,
    Option<"report", "report", "bool", "false",
           "Emit a remark per rewritten attention and per declined "
           "attention-like pattern">,
  ];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::nvfp4::NVFP4Dialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // FP4_DIALECT_NVFP4_TRANSFORMS_PASSES_TD
