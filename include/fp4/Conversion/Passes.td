//===- Passes.td - fp4-mlir conversion passes ----------------*- tablegen -*-===//
//
// Part of fp4-mlir. The conversions out of the nvfp4 dialect, and the host
// code passes their pipelines run.
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
  let summary = "Lower nvfp4 ops to GPU kernels for sm_100a or sm_90a";
  let description = [{
    Rewrites `nvfp4.quantize`, `nvfp4.dequantize` and `nvfp4.scaled_matmul`
    (static shapes) into `gpu.launch_func`s of kernels in the
    `gpu.module @nvfp4_kernels`, created with the chosen chip's target
    (`sm_100a` with `+ptx88`, or `sm_90a` with `+ptx80`).

    Host side: each rewritten op copies its operands into device buffers
    (`gpu.alloc`, `gpu.memcpy`, all in the async form that `gpu-to-llvm`
    lowers), launches its kernels on them, copies its results back into host
    buffers and frees the device buffers; kernels never see host memory, so
    no HMM/ATS is needed.

    Kernels:
    - `nvfp4.quantize`: an amax kernel (NVFP4 without a calibrated amax: an
      atomic max of the finite |x| bits in device memory) and a kernel with
      one thread per block that runs the portable lowering's block code (the
      numerics library's order). The block kernel reads the amax from device
      memory. The E4M3 scale byte uses `cvt.rn.satfinite.e4m3x2.f32` on both
      chips; E2M1 elements use `cvt.rn.satfinite.e2m1x2.f32` on sm_100a and
      the portable codec on sm_90a, which has no E2M1 convert. The host reads
      the 4-byte amax back for the op's decode-scale result.
    - `nvfp4.dequantize`: one thread per block, the portable lowering's
      block code.
    - `nvfp4.scaled_matmul` on sm_100a (tcgen05 scale layout only): the
      `tcgen05` block-scaled MMA kernel: `tcgen05.alloc`, `tcgen05.cp` of the
      128x4 scale atoms, `tcgen05.mma.block_scale` (kind `mxf4nvf4` with
      `block16` for NVFP4, `mxf4` with `block32` for MXFP4), `tcgen05.commit`
      with an mbarrier wait, `tcgen05.ld` of the accumulator, the two tensor
      scales applied in the epilogue, f32 or bf16 stores.
    - `nvfp4.scaled_matmul` on sm_90a (either scale layout, any shape the
      verifier accepts): FP4 tiles and their scales are staged in shared
      memory and decoded to bf16 there (exact for NVFP4), multiplied on the
      Hopper tensor cores (`mma.sync`, fp32 accumulation), the epilogue as
      on sm_100a.

    The tensor cores sum products in their own order, so matmul results
    agree with the reference to fp32 accumulation rounding, not bit for bit.

    An op the chip cannot run (dynamic shapes; on sm_100a a matmul with
    row-major scales) is reported with its location and the pass fails.
    `nvfp4.amax` is left alone (`convert-nvfp4-to-arith` lowers it).

    Example:
    ```
    fp4-opt --convert-nvfp4-to-nvvm=chip=sm_90a in.mlir
    fp4-opt --nvfp4-lower-to-gpu="chip=sm_90a format=bin host=true" in.mlir
    ```
  }];
  let options = [
    Option<"chip", "chip", "::mlir::fp4::GpuChip",
           "::mlir::fp4::GpuChip::SM100a", "The GPU to generate kernels for",
           [{::llvm::cl::values(
             clEnumValN(::mlir::fp4::GpuChip::SM90a, "sm_90a",
                        "Hopper (H100, H200): portable E2M1 encode, mma.sync"),
             clEnumValN(::mlir::fp4::GpuChip::SM100a, "sm_100a",
                        "Blackwell (B200): E2M1 convert, tcgen05 MMA"))}]>,
  ];
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

def StageDeviceBuffersPass
    : Pass<"fp4-stage-device-buffers", "::mlir::ModuleOp"> {
  let summary = "Run kernel launches on device buffers instead of host memory";
  let description = [{
    Host code after bufferization launches kernels (`gpu.launch_func`,
    synchronous form) on host buffers, which a GPU can read only through
    unified memory (HMM/ATS). This pass gives every launch device memory.
    Each block is walked in order, with the state of every host buffer a
    kernel used: its device copy (`gpu.alloc` on first use) and which side
    holds the newest data.
    - A launch copies in (`gpu.memcpy`) what its kernel reads while the host
      side is newer, runs on the device copies, and makes what it writes
      newer on the device. All of it joins one async chain.
    - A host op that reads or writes a staged buffer (by its memory effects)
      first gets it back if the device side is newer, after waiting for the
      chain (`gpu.wait`); a write makes the host side newer. Deallocating a
      staged buffer frees its device copy, without a copy back.
    - A host op whose effects are not known per buffer (calls, ops with
      regions, effects on no value) and the end of the block copy back
      everything newer on the device, free every device copy and wait.
    Host ops that touch no staged buffer leave device copies in place, so an
    op's outputs reach the next op's kernels without a round trip (a
    quantize's codes and scales feeding a scaled_matmul, the amax shared by
    the amax and block kernels).

    How a kernel uses each operand comes from the launch's
    `fp4.operand_access` attribute (1 read, 2 write: the kernel overwrites
    all of it, 3 both), which convert-nvfp4-to-nvvm sets; without it every
    memref operand is copied in and back. Two different views of one buffer
    in one launch are a located error.

    Run it after buffer deallocation (which rejects `gpu.dealloc`) and
    before `gpu-to-llvm`; nvfp4-lower-to-gpu{host=true} does.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect"];
}

def WidenSubByteTensorsPass
    : Pass<"fp4-widen-sub-byte-tensors", "::mlir::ModuleOp"> {
  let summary = "Give tensors of i1..i7 elements i8 elements, before "
                "bufferization";
  let description = [{
    MLIR 22's memref-to-LLVM conversion asserts on memrefs of integers
    narrower than 8 bits, which bufferization makes of tensors like the
    `tensor<128x128xi1>` causal masks and comparison results of PyTorch
    models. This pass runs on tensors, before bufferization, and gives every
    tensor of signless `i1`..`i7` elements the same shape with `i8` elements.
    An i8 element holds the zero extension of the original bits (true is 1),
    and every place that reads an element as a scalar truncates it back with
    `arith.trunci`, so the scalar code keeps its types and meaning, signed or
    not.

    - `arith.constant`: dense constants (splat or not) are zero-extended; a
      `dense_resource` of `i1` keeps its blob (one 0 or 1 byte per element,
      the layout of a bool array) under the i8 type.
    - Named linalg ops (including `linalg.fill`) are generalized first, and
      elementwise ops on ranked tensors (`arith.cmpf` on tensors) become
      `linalg.generic`. In `linalg.generic` and `linalg.map` bodies, the
      argument of a widened tensor operand becomes i8 followed by
      `arith.trunci`; a value yielded into a widened init gets `arith.extui`.
    - `tensor.extract` reads i8 and truncates; `tensor.insert`,
      `tensor.from_elements`, `tensor.splat` and the yielded value of
      `tensor.pad` and `tensor.generate` zero-extend their scalar.
    - Ops that only move elements are retyped: `tensor.empty`, `cast`,
      `extract_slice`, `insert_slice`, `parallel_insert_slice`,
      `expand_shape`, `collapse_shape`, `concat`, `reshape`, `dim`, `rank`;
      `arith.select` with a scalar condition; `bufferization.alloc_tensor`,
      `materialize_in_destination` (into a tensor) and `dealloc_tensor`; the
      scf ops and their iteration arguments; `cf.br` and `cf.cond_br` with
      their block arguments; `func.func` (argument and result types,
      declarations too), `func.call` and `func.return`. Functions therefore
      take and return i8 tensors, one byte per element.

    Any other op with a sub-byte tensor operand, result or block argument
    (`bufferization.to_buffer`, `vector.transfer_read`, `func.call_indirect`,
    a constant it cannot widen, ...) is reported with its location before
    anything is rewritten, and the pass fails. Sub-byte memrefs and vectors,
    and tensors of `si1`/`ui4`-style signed or unsigned integers, are left
    alone.

    Example:
    ```
    %m = arith.constant dense<[true, false]> : tensor<2xi1>
    // becomes
    %m = arith.constant dense<[1, 0]> : tensor<2xi8>
    ```
    nvfp4-lower-to-cpu and nvfp4-lower-to-gpu{host=true} run it before
    bufferization.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // FP4_CONVERSION_PASSES_TD
