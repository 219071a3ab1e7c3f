//===- Passes.td - fp4-mlir conversion passes ----------------*- tablegen -*-===//
//
// Part of fp4-mlir. The conversions out of the nvfp4 dialect.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CONVERSION_PASSES_TD
#define FP4_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertNVFP4ToArithPass : Pass<"convert-nvfp4-to-arith"> {
  let summary = "Lower nvfp4 ops to portable arith/math/vector/scf code";
  let description = [{
    Rewrites `nvfp4.amax`, `nvfp4.quantize`, `nvfp4.dequantize` and
    `nvfp4.scaled_matmul` into upstream dialects that every target has:
    arith, math, vector, scf, memref, tensor, linalg and bufferization.
    The generated code performs the numerics library's fp32 operations in the
    library's order (docs/numerics.md), so its results are bit-identical to
    the library, hence to constant folding, for every scale rule, format,
    rounding, block shape and scale layout.

    Structure: blocks are processed by an `scf.parallel` loop (ready for
    `gpu-map-parallel-loops`), each block held in `vector<16xf32>` chunks;
    candidate errors are summed with ordered `vector.reduction`s in element
    order. Operands enter through `bufferization.to_buffer` and results leave
    through `bufferization.to_tensor` of fresh allocations, so the output is a
    tensor program for one-shot bufferization. `nvfp4.amax` becomes an
    order-independent `linalg.generic` max reduction.

    Only static shapes are supported: an op with a dynamic dimension is
    reported with its location and the pass fails.

    Example:
    ```
    fp4-opt --convert-nvfp4-to-arith input.mlir
    fp4-opt --nvfp4-lower-to-cpu input.mlir   # the whole way to LLVM
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // FP4_CONVERSION_PASSES_TD
