// convert-nvfp4-to-nvvm{chip=sm_90a}: the Hopper kernels. Quantize keeps the
// portable E2M1 code (sm_90a has no e2m1x2 convert) and the hardware E4M3
// convert; dequantize is a kernel; scaled_matmul takes either scale layout
// and becomes the mma.sync kernel (bf16 tiles decoded in shared memory).
// RUN: fp4-opt --convert-nvfp4-to-nvvm=chip=sm_90a --split-input-file %s | FileCheck %s

// CHECK-LABEL: func.func @quantize
// CHECK:       gpu.launch_func @nvfp4_kernels::@amax_128x64_bf16
// CHECK:       gpu.launch_func @nvfp4_kernels::@quantize_nvfp4_mse_128x64_bf16
// CHECK:     gpu.module @nvfp4_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
// CHECK:       gpu.func @quantize_nvfp4_mse_128x64_bf16
// CHECK:         nvvm.convert.f32x2.to.f8x2 {{.*}} : i16(f8E4M3FN)
// CHECK-NOT:     nvvm.convert.f32x2.to.f4x2
// CHECK:         gpu.return
func.func @quantize(%x: tensor<128x64xbf16>) -> (tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, f32) {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>}
      : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
  return %q, %s, %g : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, f32
}

// -----

// One thread per block (here 256 x 2 MXFP4 blocks), the tensor scale passed
// by value; the result is written, the operands only read.
// CHECK-LABEL: func.func @dequantize
// CHECK-SAME:  (%[[Q:.*]]: tensor<256x32xi8>, %[[S:.*]]: tensor<256x2xf8E8M0FNU>, %[[G:.*]]: f32)
// CHECK:       %[[OUT:.*]] = memref.alloc() : memref<256x64xbf16>
// CHECK:       gpu.launch_func @nvfp4_kernels::@dequantize_mxfp4_256x64_bf16 blocks in (%c4, %c1, %c1) threads in (%c128, %c1, %c1) args(%{{.*}} : memref<256x32xi8>, %{{.*}} : memref<256x2xf8E8M0FNU>, %[[G]] : f32, %[[OUT]] : memref<256x64xbf16>) {fp4.operand_access = array<i32: 1, 1, 0, 2>}
// CHECK:       gpu.func @dequantize_mxfp4_256x64_bf16
// CHECK:         gpu.grid_dim x
// CHECK:         scf.for
// CHECK:           vector.store %{{.*}} : memref<256x64xbf16>, vector<16xbf16>
func.func @dequantize(%q: tensor<256x32xi8>, %s: tensor<256x2xf8E8M0FNU>, %g: f32) -> tensor<256x64xbf16> {
  %y = nvfp4.dequantize %q, %s, %g : tensor<256x32xi8>, tensor<256x2xf8E8M0FNU> -> tensor<256x64xbf16>
  return %y : tensor<256x64xbf16>
}

// -----

// Row-major scales and a shape that is no multiple of the tiles: accepted on
// sm_90a (sm_100a needs the tcgen05 layout).
// CHECK-LABEL: func.func @matmul
// CHECK:       gpu.launch_func @nvfp4_kernels::@scaled_mma_sm90_nvfp4_100x72x48_rowmajor_f32 blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %{{.*}} args(
// CHECK:       gpu.func @scaled_mma_sm90_nvfp4_100x72x48_rowmajor_f32
// CHECK:         nvvm.ldmatrix
// CHECK:         nvvm.mma.sync
// CHECK-SAME:    #nvvm.mma_type<bf16>
func.func @matmul(%a: tensor<100x24xi8>, %sa: tensor<100x3xf8E4M3FN>, %b: tensor<72x24xi8>, %sb: tensor<72x3xf8E4M3FN>, %g: f32) -> tensor<100x72xf32> {
  %d = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g]
      : tensor<100x24xi8>, tensor<100x3xf8E4M3FN>, tensor<72x24xi8>, tensor<72x3xf8E4M3FN> -> tensor<100x72xf32>
  return %d : tensor<100x72xf32>
}
