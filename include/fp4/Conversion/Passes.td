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

def ConvertNVFP4ToNVVMPass : Pass<"convert-nvfp4-to-nvvm", "::mlir::ModuleOp"> {
  let summary = "Lower nvfp4.scaled_matmul and quantize to sm_100a kernels";
  let description = [{
    Rewrites each `nvfp4.scaled_matmul` whose scales are in the `tcgen05`
    layout into a `gpu.launch_func` of an sm_100a kernel in the
    `gpu.module @nvfp4_kernels` (created with
    `#nvvm.target<chip = "sm_100a", features = "+ptx88">`). The kernel is
    built from real NVVM ops: `tcgen05.alloc`, `tcgen05.cp` of the 128x4
    scale atoms, `tcgen05.mma.block_scale` (kind `mxf4nvf4` with `block16`
    for NVFP4, `mxf4` with `block32` for MXFP4), `tcgen05.commit` with an
    mbarrier wait, `tcgen05.ld` of the accumulator, the two tensor scales
    applied in the epilogue, f32 or bf16 stores, `tcgen05.dealloc`.
    One CTA of 128 threads computes a 128 x BN tile (BN = 256 when N allows,
    else 128) with one K = 64 MMA per step. The instruction and
    shared-memory descriptors come from unit-tested pure encoders.

    The tensor core sums the products in its own order, so results agree
    with the reference to fp32 accumulation rounding, not bit for bit.

    Each `nvfp4.quantize` becomes an amax kernel (NVFP4 without a calibrated
    amax: an atomic max of the finite |x| bits) and a kernel with one thread
    per block that runs the portable lowering's block code (the numerics
    library's order) with `cvt.rn.satfinite.e2m1x2.f32` and
    `cvt.rn.satfinite.e4m3x2.f32` (`nvvm.convert.f32x2.to.f4x2` /
    `.to.f8x2`); the host reads the amax back for the decode scale.
    Host buffers are passed to the kernels as they are (unified memory).

    Matmul operands with row-major scales, and dynamic shapes, are reported
    with their location and the pass fails. `nvfp4.amax` and
    `nvfp4.dequantize` are left alone (`convert-nvfp4-to-arith` lowers
    them).

    Example:
    ```
    fp4-opt --convert-nvfp4-to-nvvm in.mlir
    fp4-opt --nvfp4-lower-to-sm100a in.mlir   # kernels to PTX (gpu.binary)
    ```
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // FP4_CONVERSION_PASSES_TD
