// nvfp4.attention for sm_100a: nvfp4-lower-to-sm100a decomposes it with
// scaled-matmul products in the tcgen05 scale layout, so both Q.K^T (per key
// tile: 128 queries x 128 keys x D = 128) and P.V (128 queries x Dv = 128 x
// 128 keys) are the tcgen05 block-scaled MMA kernel; ptxas assembles it
// without spills and the SASS holds UTCOMMA.4X (mxf4nvf4, 4X scale
// vectors). Q, K, V and each P tile are quantized by the sm_100a quantize
// kernels (hardware E2M1 convert). Nothing here runs: there is no Blackwell.
// REQUIRES: ptxas, cuobjdump
// RUN: fp4-opt --nvfp4-lower-to-sm100a %s -o %t.mlir
// RUN: FileCheck %s --check-prefix=LAUNCH < %t.mlir
// RUN: %python %fp4_src_root/scripts/extract-gpu-binary.py %t.mlir %t.ptx
// RUN: %ptxas -arch=sm_100a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: %cuobjdump -sass %t.cubin | FileCheck %s --check-prefix=SASS
//
// Dv = 64 cannot be an N of the tcgen05 layout: P.V stays a dequantized
// linalg product (a remark says so) while Q.K^T is still tcgen05.
// RUN: fp4-opt --nvfp4-decompose-attention="products=scaled-matmul scale-layout=tcgen05" %S/Inputs/attention-dv64.mlir -o /dev/null 2>&1 | FileCheck %s --check-prefix=DV64

// LAUNCH: gpu.launch_func  @nvfp4_kernels::@quantize_nvfp4_static_6_128x128_f32_tcgen05
// LAUNCH: gpu.launch_func  @nvfp4_kernels::@quantize_nvfp4_static_6_256x128_f32_tcgen05
// LAUNCH: gpu.launch_func  @nvfp4_kernels::@quantize_nvfp4_static_6_256x128_f32_t_tcgen05
// LAUNCH: scf.for {{.*}} step %c128
// LAUNCH: gpu.launch_func  @nvfp4_kernels::@scaled_mma_nvfp4_128x128x128_bn128_f32
// LAUNCH: gpu.launch_func  @nvfp4_kernels::@quantize_nvfp4_static_6_128x128_f32_tcgen05
// LAUNCH: gpu.launch_func  @nvfp4_kernels::@scaled_mma_nvfp4_128x128x128_bn128_f32
// LAUNCH-NOT: nvfp4.

// PTXAS: Compiling entry function 'scaled_mma_nvfp4_128x128x128_bn128_f32' for 'sm_100a'
// PTXAS-NEXT: Function properties for scaled_mma_nvfp4_128x128x128_bn128_f32
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SASS-DAG: UTCOMMA.4X
// SASS-DAG: F2FP.SATFINITE.E2M1.F32.PACK_AB_MERGE_C

// DV64: remark: P.V is not a tcgen05 scaled matmul: Dv = 64 is not a multiple of 128
// DV64-NOT: Q.K^T is not

func.func @attention(%q: tensor<1x2x128x128xbf16>, %k: tensor<1x2x256x128xbf16>, %v: tensor<1x2x256x128xbf16>) -> tensor<1x2x128x128xf32> {
  %o = nvfp4.attention %q, %k, %v {causal} : tensor<1x2x128x128xbf16>, tensor<1x2x256x128xbf16>, tensor<1x2x256x128xbf16> -> tensor<1x2x128x128xf32>
  return %o : tensor<1x2x128x128xf32>
}
