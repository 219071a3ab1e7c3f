//===- NVFP4Dialect.td - nvfp4 dialect definition ----------*- tablegen -*-===//
//
// Part of fp4-mlir. The nvfp4 dialect: block-scaled 4-bit floating point
// (NVFP4 and MXFP4) quantization, dequantization and matrix multiplication.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_IR_NVFP4DIALECT_TD
#define FP4_DIALECT_NVFP4_IR_NVFP4DIALECT_TD

include "mlir/IR/OpBase.td"

def NVFP4_Dialect : Dialect {
  let name = "nvfp4";
  let cppNamespace = "::mlir::nvfp4";
  let summary = "Block-scaled 4-bit floating point (NVFP4, MXFP4)";
  let description = [{
    The `nvfp4` dialect quantizes tensors to block-scaled 4-bit floating point,
    dequantizes them, and multiplies them, with the numerics fixed to the bit
    by fp4-mlir's numerics library (`docs/numerics.md`).

    Formats:
    - **NVFP4**: E2M1 values, one `f8E4M3FN` scale per 16 consecutive values
      along the last dimension (or per 16x16 tile), one fp32 tensor scale.
    - **MXFP4**: E2M1 values, one `f8E8M0FNU` scale per 32 values, no tensor
      scale (its tensor scale is 1.0).

    Storage. E2M1 codes are stored packed, two per byte, the even element in
    bits 3..0 and the odd one in bits 7..4, as `i8` tensors whose last
    dimension is half the logical one. This is the layout Blackwell tcgen05,
    cuBLAS and checkpoints use; MLIR's `f4E2M1FN` element type has no packed
    storage (a dense attribute or an LLVM array spends a byte per element), so
    the packed form is explicit in the types. Block scales use the builtin
    `f8E4M3FN` / `f8E8M0FNU` element types.

    Tensor scale. `nvfp4.quantize` returns the fp32 decode scale
    `g = 1 / ((Q * M) / amax)` (Q = 6 or 4, M = 448 or 256 by scale rule), so a
    value decodes as `(e2m1 * scale) * g`, whatever rule produced it.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes (in NVFP4Attrs.cpp, next to their storage).
    void registerAttributes();
  }];
}

#endif // FP4_DIALECT_NVFP4_IR_NVFP4DIALECT_TD
