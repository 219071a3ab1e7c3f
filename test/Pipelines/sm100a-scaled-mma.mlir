// nvfp4-lower-to-sm100a: the tcgen05 kernels of an NVFP4 and an MXFP4
// scaled_matmul, serialized to PTX by MLIR, assembled by ptxas for sm_100a
// without spills; the SASS holds the block-scaled MMA (UTCOMMA.4X: mxf4nvf4
// with 4X scale vectors; UTCOMMA: mxf4), the scale-factor copy and the
// accumulator loads. Nothing here runs: there is no Blackwell GPU.
// REQUIRES: ptxas, cuobjdump
// RUN: fp4-opt --nvfp4-lower-to-sm100a %s -o %t.mlir
// RUN: %python %fp4_src_root/scripts/extract-gpu-binary.py %t.mlir %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -arch=sm_100a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: %cuobjdump -sass %t.cubin | FileCheck %s --check-prefix=SASS
// RUN: fp4-opt --nvfp4-lower-to-sm100a=format=bin %s | FileCheck %s --check-prefix=BIN

// PTX: .target sm_100a
// PTX-DAG: tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32
// PTX-DAG: tcgen05.cp.cta_group::1.32x128b.warpx4
// PTX-DAG: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.block16
// PTX-DAG: tcgen05.mma.cta_group::1.kind::mxf4.block_scale.block32
// PTX-DAG: tcgen05.commit.cta_group::1.mbarrier::arrive::one.shared::cluster.b64
// PTX-DAG: mbarrier.try_wait.parity.shared.b64
// PTX-DAG: tcgen05.ld.sync.aligned.32x32b.x32.b32
// PTX-DAG: tcgen05.dealloc.cta_group::1.sync.aligned.b32

// PTXAS: Compiling entry function 'scaled_mma_nvfp4_128x256x256_bn256_f32' for 'sm_100a'
// PTXAS-NEXT: Function properties for scaled_mma_nvfp4_128x256x256_bn256_f32
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS: Compiling entry function 'scaled_mma_mxfp4_128x128x256_bn128_bf16' for 'sm_100a'
// PTXAS-NEXT: Function properties for scaled_mma_mxfp4_128x128x256_bn128_bf16
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SASS-DAG: UTCOMMA.4X
// SASS-DAG: UTCOMMA gdesc
// SASS-DAG: UTCCP.T.S.4x32dp128bit
// SASS-DAG: LDTM.x32
// SASS-DAG: UTCBAR

// BIN: gpu.binary @nvfp4_kernels {{.*}}chip = "sm_100a"{{.*}}bin = "\7FELF

func.func @nvfp4(%a: tensor<128x128xi8>, %sa: tensor<1x4x32x4x4xf8E4M3FN>, %ga: f32,
                 %b: tensor<256x128xi8>, %sb: tensor<2x4x32x4x4xf8E4M3FN>, %gb: f32) -> tensor<128x256xf32> {
  %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
      : tensor<128x128xi8>, tensor<1x4x32x4x4xf8E4M3FN>, tensor<256x128xi8>, tensor<2x4x32x4x4xf8E4M3FN> -> tensor<128x256xf32>
  return %d : tensor<128x256xf32>
}

func.func @mxfp4(%a: tensor<128x128xi8>, %sa: tensor<1x2x32x4x4xf8E8M0FNU>, %ga: f32,
                 %b: tensor<128x128xi8>, %sb: tensor<1x2x32x4x4xf8E8M0FNU>, %gb: f32) -> tensor<128x128xbf16> {
  %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
      : tensor<128x128xi8>, tensor<1x2x32x4x4xf8E8M0FNU>, tensor<128x128xi8>, tensor<1x2x32x4x4xf8E8M0FNU> -> tensor<128x128xbf16>
  return %d : tensor<128x128xbf16>
}
