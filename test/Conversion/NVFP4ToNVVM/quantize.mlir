// RUN: fp4-opt --convert-nvfp4-to-nvvm --split-input-file %s | FileCheck %s
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 --pass-pipeline='builtin.module(convert-nvfp4-to-nvvm)' --split-input-file %s | FileCheck %s %}

// NVFP4 four_over_six: an amax kernel (warp max, then atomic max, of the
// finite |x| bits),
// then one thread per block with the candidate table in shared memory and
// the sm_100a converts; the host reads the amax back for g.
// CHECK-LABEL: func.func @nvfp4
// CHECK-SAME: (%[[X:.*]]: tensor<128x64xbf16>)
// CHECK:       %[[BITS:.*]] = memref.alloc() : memref<1xi32>
// CHECK:       memref.store %{{.*}}, %[[BITS]]
// CHECK:       %[[IN:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK:       %[[DATA:.*]] = memref.alloc() : memref<128x32xi8>
// CHECK:       %[[SCALES:.*]] = memref.alloc() : memref<1x1x32x4x4xf8E4M3FN>
// CHECK:       gpu.launch_func @nvfp4_kernels::@amax_128x64_bf16 blocks in (%c4, %c1, %c1) threads in (%c128, %c1, %c1) args(%[[IN]] : memref<128x64xbf16>, %[[BITS]] : memref<1xi32>) {fp4.operand_access = array<i32: 1, 3>}
// CHECK:       gpu.launch_func @nvfp4_kernels::@quantize_nvfp4_mse_128x64_bf16_tcgen05 blocks in (%c4, %c1, %c1) threads in (%c128, %c1, %c1) args(%[[IN]] : memref<128x64xbf16>, %[[DATA]] : memref<128x32xi8>, %[[SCALES]] : memref<1x1x32x4x4xf8E4M3FN>, %[[BITS]] : memref<1xi32>) {fp4.operand_access = array<i32: 1, 2, 2, 1>}
// CHECK:       %[[AMAXBITS:.*]] = memref.load %[[BITS]]
// CHECK:       %[[AMAX:.*]] = arith.bitcast %[[AMAXBITS]] : i32 to f32
// CHECK:       arith.divf %{{.*}}, %[[AMAX]] : f32
// CHECK:     gpu.module @nvfp4_kernels [#nvvm.target<O = 3, chip = "sm_100a", features = "+ptx88">]
// CHECK:       gpu.func @amax_128x64_bf16
// CHECK:         memref.collapse_shape
// CHECK:         vector.reduction <maxnumf>
// CHECK:         gpu.shuffle  xor
// CHECK:         memref.atomic_rmw maxu
// CHECK:       gpu.func @quantize_nvfp4_mse_128x64_bf16_tcgen05({{.*}}) workgroup(%[[TABLE:.*]] : memref<256x8xf32, #gpu.address_space<workgroup>>) kernel
// CHECK:         vector.store %{{.*}}, %[[TABLE]]
// CHECK:         gpu.barrier
// CHECK:         nvvm.convert.f32x2.to.f8x2 %{{.*}}, %{{.*}} {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
// CHECK:         vector.reduction <add>
// CHECK:         arith.cmpf olt
// CHECK-COUNT-8: nvvm.convert.f32x2.to.f4x2 %{{.*}}, %{{.*}} : i8(f4E2M1FN)
// CHECK:         arith.andi %{{.*}} : vector<8xi8>
// CHECK:         vector.store %{{.*}} : memref<128x32xi8>, vector<8xi8>
func.func @nvfp4(%x: tensor<128x64xbf16>) -> (tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, f32) {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>,
                                 scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  return %q, %s, %g : tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, f32
}

// -----

// A calibrated amax skips the amax kernel.
// CHECK-LABEL: func.func @calibrated
// CHECK-NOT:   @amax_
// CHECK:       gpu.launch_func @nvfp4_kernels::@quantize_nvfp4_static_6_32x64_f32
// CHECK:       gpu.func @quantize_nvfp4_static_6_32x64_f32
// CHECK:         nvvm.convert.f32x2.to.f4x2
// CHECK-NOT:   gpu.func @amax_
func.func @calibrated(%x: tensor<32x64xf32>, %m: f32) -> tensor<32x32xi8> {
  %q, %s, %g = nvfp4.quantize %x amax(%m) : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %q : tensor<32x32xi8>
}

// -----

// MXFP4 has no amax kernel and keeps g = 1; stochastic rounding keeps the
// portable E2M1 code (the hardware cvt.rs draws its own random bits).
// CHECK-LABEL: func.func @mxfp4_stochastic
// CHECK-NOT:   @amax_
// CHECK:       gpu.launch_func @nvfp4_kernels::@quantize_mxfp4_exact_32x64_f32_sr7
// CHECK:       gpu.func @quantize_mxfp4_exact_32x64_f32_sr7
// CHECK-NOT:     nvvm.convert.f32x2.to.f4x2
// CHECK:         math.roundeven %{{.*}} : vector<16xf32>
// CHECK:         gpu.return
func.func @mxfp4_stochastic(%x: tensor<32x64xf32>) -> f32 {
  %q, %s, %g = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<exact>,
                                 rounding = #nvfp4.rounding<stochastic, seed = 7>}
      : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x2xf8E8M0FNU>
  return %g : f32
}

// -----

// Every rule runs in the kernel: ScaleSearch's candidate loops and the exact
// rule's bounded walks (scf.while) next to the sm_100a converts; 16x16 tiles
// and transposed input too.
// CHECK-LABEL: func.func @search
// CHECK:       gpu.func @quantize_nvfp4_search_4_32x64_f32
// CHECK:         nvvm.convert.f32x2.to.f8x2
// CHECK:         scf.for {{.*}} -> (f32, i32)
// CHECK:         nvvm.convert.f32x2.to.f4x2
func.func @search(%x: tensor<32x64xf32>) -> tensor<32x32xi8> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search, radius = 4>}
      : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %q : tensor<32x32xi8>
}

// -----

// CHECK-LABEL: func.func @exact_tile_transposed
// CHECK:       gpu.func @quantize_nvfp4_exact_32x64_f32_tile16_t
// CHECK-COUNT-16: memref.load %{{.*}} : memref<32x64xf32>
// CHECK:         scf.while
// CHECK:         scf.while
// CHECK:         nvvm.convert.f32x2.to.f4x2
func.func @exact_tile_transposed(%x: tensor<32x64xf32>) -> tensor<64x16xi8> {
  %q2, %s2, %g2 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<exact>,
                                    block_shape = #nvfp4.block_shape<tile_16x16>, transpose}
      : tensor<32x64xf32> -> tensor<64x16xi8>, tensor<64x2xf8E4M3FN>
  return %q2 : tensor<64x16xi8>
}
