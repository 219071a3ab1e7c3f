// nvfp4-lower-to-gpu{chip=sm_90a}: every kind of kernel for Hopper, serialized
// to PTX by MLIR and assembled by ptxas for sm_90a. The matmul runs on the
// tensor cores (HMMA bf16 with fp32 accumulation) without spills; quantize
// converts its scales with the hardware E4M3 convert and has no E2M1
// convert (sm_90a has none). These kernels run on the H200 in
// fp4-gpu-check (scripts/gpu-run.sh); here they are only assembled.
// REQUIRES: ptxas, cuobjdump
// RUN: fp4-opt --nvfp4-lower-to-gpu=chip=sm_90a %s -o %t.mlir
// RUN: %python %fp4_src_root/scripts/extract-gpu-binary.py %t.mlir %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -arch=sm_90a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: %cuobjdump -sass %t.cubin | FileCheck %s --check-prefix=SASS
// RUN: fp4-opt --nvfp4-lower-to-gpu="chip=sm_90a format=bin host=true" %s | FileCheck %s --check-prefix=HOST

// PTX: .target sm_90a
// PTX-DAG: .entry scaled_mma_sm90_nvfp4_256x256x512_tcgen05_bf16(
// PTX-DAG: .entry scaled_mma_sm90_mxfp4_100x72x96_rowmajor_f32(
// PTX-DAG: .entry quantize_nvfp4_mse_256x512_bf16_tcgen05(
// PTX-DAG: .entry dequantize_nvfp4_256x512_f32_tcgen05(
// PTX-DAG: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-DAG: cvt.rn.satfinite.e4m3x2.f32
// PTX-NOT: e2m1x2

// PTXAS-DAG: Function properties for scaled_mma_sm90_nvfp4_256x256x512_tcgen05_bf16
// PTXAS-DAG: Function properties for scaled_mma_sm90_mxfp4_100x72x96_rowmajor_f32
// PTXAS-NOT: {{[1-9][0-9]*}} bytes spill

// SASS-DAG: HMMA.16816.F32.BF16
// SASS-DAG: LDSM.16.M88.4
// SASS-DAG: F2FP.SATFINITE.E4M3.F32.PACK_AB_MERGE_C
// SASS-NOT: E2M1

// With host=true the host code allocates device memory, copies in, launches
// and copies back (fp4-stage-device-buffers), through the MLIR CUDA runtime.
// HOST-LABEL: llvm.func @model
// HOST:       llvm.call @mgpuStreamCreate
// HOST:       llvm.call @mgpuMemAlloc
// HOST:       llvm.call @mgpuMemcpy
// HOST:       gpu.launch_func <%{{.*}} : !llvm.ptr> @nvfp4_kernels::@amax_256x512_bf16
// HOST:       gpu.launch_func <%{{.*}} : !llvm.ptr> @nvfp4_kernels::@quantize_nvfp4_mse_256x512_bf16_tcgen05
// HOST:       llvm.call @mgpuMemFree
// HOST:       llvm.call @mgpuStreamSynchronize
// HOST:       gpu.binary @nvfp4_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">, properties = {{.*}}, bin = "

func.func @model(%x: tensor<256x512xbf16>, %w: tensor<256x256xi8>, %ws: tensor<2x8x32x4x4xf8E4M3FN>, %gw: f32,
                 %a: tensor<100x48xi8>, %as: tensor<100x3xf8E8M0FNU>, %b: tensor<72x48xi8>, %bs: tensor<72x3xf8E8M0FNU>)
    -> (tensor<256x256xbf16>, tensor<256x512xf32>, tensor<100x72xf32>) {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>,
                                 scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<256x512xbf16> -> tensor<256x256xi8>, tensor<2x8x32x4x4xf8E4M3FN>
  %y = nvfp4.scaled_matmul %q[%s, %g], %w[%ws, %gw]
      : tensor<256x256xi8>, tensor<2x8x32x4x4xf8E4M3FN>, tensor<256x256xi8>, tensor<2x8x32x4x4xf8E4M3FN> -> tensor<256x256xbf16>
  %r = nvfp4.dequantize %q, %s, %g : tensor<256x256xi8>, tensor<2x8x32x4x4xf8E4M3FN> -> tensor<256x512xf32>
  %one = arith.constant 1.0 : f32
  %m = nvfp4.scaled_matmul %a[%as, %one], %b[%bs, %one]
      : tensor<100x48xi8>, tensor<100x3xf8E8M0FNU>, tensor<72x48xi8>, tensor<72x3xf8E8M0FNU> -> tensor<100x72xf32>
  return %y, %r, %m : tensor<256x256xbf16>, tensor<256x512xf32>, tensor<100x72xf32>
}
