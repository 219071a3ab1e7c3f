// RUN: fp4-opt --convert-nvfp4-to-nvvm --split-input-file %s | FileCheck %s

// NVFP4, N = 256: one 128 x 256 tile, kind mxf4nvf4 with block16 scales.
// CHECK-LABEL: func.func @nvfp4
// CHECK-SAME: (%[[A:.*]]: tensor<128x128xi8>, %[[SA:.*]]: tensor<1x4x32x4x4xf8E4M3FN>, %[[GA:.*]]: f32, %[[B:.*]]: tensor<256x128xi8>, %[[SB:.*]]: tensor<2x4x32x4x4xf8E4M3FN>, %[[GB:.*]]: f32)
// CHECK:       %[[G:.*]] = arith.mulf %[[GA]], %[[GB]] : f32
// CHECK:       %[[OUT:.*]] = memref.alloc() : memref<128x256xf32>
// CHECK-DAG:   %[[ABUF:.*]] = bufferization.to_buffer %[[A]] read_only
// CHECK-DAG:   %[[BBUF:.*]] = bufferization.to_buffer %[[B]] read_only
// CHECK:       gpu.launch_func @nvfp4_kernels::@scaled_mma_nvfp4_128x256x256_bn256_f32 blocks in (%c1, %c1, %c1) threads in (%c128, %c1, %c1) args(%[[ABUF]] : memref<128x128xi8>, %{{.*}} : memref<1x4x32x4x4xf8E4M3FN>, %[[BBUF]] : memref<256x128xi8>, %{{.*}} : memref<2x4x32x4x4xf8E4M3FN>, %[[OUT]] : memref<128x256xf32>, %[[G]] : f32) {fp4.operand_access = array<i32: 1, 1, 1, 1, 2, 0>}
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:     gpu.module @nvfp4_kernels [#nvvm.target<O = 3, chip = "sm_100a", features = "+ptx88">]
// CHECK:       gpu.func @scaled_mma_nvfp4_128x256x256_bn256_f32
// CHECK-DAG:     %[[NCOLS:.*]] = arith.constant 512 : i32
// CHECK-DAG:     %[[IDESC:.*]] = arith.constant 138413184 : i32
// CHECK-DAG:     %[[STEPS:.*]] = arith.constant 4 : index
// CHECK:         nvvm.mbarrier.init
// CHECK:         nvvm.tcgen05.alloc %{{.*}}, %[[NCOLS]] : !llvm.ptr<3>, i32
// CHECK:         nvvm.tcgen05.relinquish_alloc_permit
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[STEPS]]
// CHECK:           nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-COUNT-3:   nvvm.tcgen05.cp %{{.*}}, %{{.*}} {multicast = #nvvm.tcgen05_cp_multicast<warpx4>, shape = #nvvm.tcgen05_cp_shape<shape_32x128b>}
// CHECK:           arith.select %{{.*}}, %[[IDESC]], %[[IDESC]] : i32
// CHECK:           nvvm.tcgen05.mma.block_scale {{.*}} {blockScale = #nvvm.tcgen05_mma_block_scale<block16>, ctaGroup = #nvvm.cta_group<cta_1>, kind = #nvvm.block_scale_kind<mxf4nvf4>}
// CHECK:           nvvm.tcgen05.commit
// CHECK:           nvvm.mbarrier.try_wait.parity
// CHECK:         nvvm.tcgen05.ld %{{.*}} {shape = #nvvm.tcgen05_ldst_shape<shape_32x32b>} : vector<32xi32>
// CHECK:         nvvm.tcgen05.wait <load>
// CHECK:         arith.mulf %{{.*}}, %{{.*}} : vector<32xf32>
// CHECK:         llvm.store %{{.*}} : vector<32xf32>, !llvm.ptr<1>
// CHECK:         nvvm.tcgen05.dealloc %{{.*}}, %[[NCOLS]] : !llvm.ptr<6>, i32
func.func @nvfp4(%a: tensor<128x128xi8>, %sa: tensor<1x4x32x4x4xf8E4M3FN>, %ga: f32,
                 %b: tensor<256x128xi8>, %sb: tensor<2x4x32x4x4xf8E4M3FN>, %gb: f32) -> tensor<128x256xf32> {
  %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
      : tensor<128x128xi8>, tensor<1x4x32x4x4xf8E4M3FN>, tensor<256x128xi8>, tensor<2x4x32x4x4xf8E4M3FN> -> tensor<128x256xf32>
  return %d : tensor<128x256xf32>
}

// -----

// MXFP4, N = 384: 128-column tiles, kind mxf4 with block32 scales; one scale
// atom serves two K steps, the second with scale factor IDs 2; bf16 stores.
// CHECK-LABEL: func.func @mxfp4
// CHECK:       gpu.launch_func @nvfp4_kernels::@scaled_mma_mxfp4_256x384x256_bn128_bf16 blocks in (%c2, %c3, %c1) threads in (%c128, %c1, %c1)
// CHECK:       gpu.func @scaled_mma_mxfp4_256x384x256_bn128_bf16
// CHECK-DAG:     %[[NCOLS:.*]] = arith.constant 256 : i32
// CHECK-DAG:     %[[ID0:.*]] = arith.constant 144704640 : i32
// CHECK-DAG:     %[[ID2:.*]] = arith.constant 1218446496 : i32
// CHECK:         nvvm.tcgen05.alloc %{{.*}}, %[[NCOLS]]
// CHECK:         scf.for
// CHECK-COUNT-2:   nvvm.tcgen05.cp
// CHECK:           arith.select %{{.*}}, %[[ID2]], %[[ID0]] : i32
// CHECK:           nvvm.tcgen05.mma.block_scale {{.*}} {blockScale = #nvvm.tcgen05_mma_block_scale<block32>, ctaGroup = #nvvm.cta_group<cta_1>, kind = #nvvm.block_scale_kind<mxf4>}
// CHECK:         arith.truncf %{{.*}} : vector<32xf32> to vector<32xbf16>
// CHECK:         llvm.store %{{.*}} : vector<32xbf16>, !llvm.ptr<1>
func.func @mxfp4(%a: tensor<256x128xi8>, %sa: tensor<2x2x32x4x4xf8E8M0FNU>, %ga: f32,
                 %b: tensor<384x128xi8>, %sb: tensor<3x2x32x4x4xf8E8M0FNU>, %gb: f32) -> tensor<256x384xbf16> {
  %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
      : tensor<256x128xi8>, tensor<2x2x32x4x4xf8E8M0FNU>, tensor<384x128xi8>, tensor<3x2x32x4x4xf8E8M0FNU> -> tensor<256x384xbf16>
  return %d : tensor<256x384xbf16>
}

// -----

// Two matmuls of one shape share one kernel.
// CHECK-LABEL: func.func @shared_kernel
// CHECK-COUNT-2: gpu.launch_func @nvfp4_kernels::@scaled_mma_nvfp4_128x128x64_bn128_f32
// CHECK:       gpu.module @nvfp4_kernels
// CHECK-COUNT-1: gpu.func @scaled_mma_nvfp4_128x128x64_bn128_f32
// CHECK-NOT:   gpu.func
func.func @shared_kernel(%a: tensor<128x32xi8>, %sa: tensor<1x1x32x4x4xf8E4M3FN>, %g: f32) -> (tensor<128x128xf32>, tensor<128x128xf32>) {
  %d0 = nvfp4.scaled_matmul %a[%sa, %g], %a[%sa, %g]
      : tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN> -> tensor<128x128xf32>
  %d1 = nvfp4.scaled_matmul %a[%sa, %g], %a[%sa, %g]
      : tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN> -> tensor<128x128xf32>
  return %d0, %d1 : tensor<128x128xf32>, tensor<128x128xf32>
}
