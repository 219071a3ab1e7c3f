// Every nvfp4 op and attribute form parses, verifies and prints back, in both
// the custom and the generic form.
// RUN: fp4-opt %s | fp4-opt | FileCheck %s
// RUN: fp4-opt %s --mlir-print-op-generic | fp4-opt | FileCheck %s
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 %s | %mlir_opt_fp4 | FileCheck %s %}

// CHECK-LABEL: func.func @amax
func.func @amax(%x: tensor<128x64xbf16>) -> f32 {
  // CHECK: nvfp4.amax %{{.*}} : tensor<128x64xbf16>
  %m = nvfp4.amax %x : tensor<128x64xbf16>
  return %m : f32
}

// CHECK-LABEL: func.func @quantize_defaults
func.func @quantize_defaults(%x: tensor<128x64xf32>) -> (tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, f32) {
  // Default attributes (nvfp4, static_6, nearest, row blocks, row_major) are elided.
  // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = nvfp4.quantize %{{.*}} : tensor<128x64xf32> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
  %q, %s, %g = nvfp4.quantize %x : tensor<128x64xf32> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
  return %q, %s, %g : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, f32
}

// CHECK-LABEL: func.func @quantize_rules
func.func @quantize_rules(%x: tensor<32x64xbf16>, %a: f32) {
  // CHECK: nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<static_4>}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<static_4>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  // CHECK: nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<four_over_six, metric = mse>}
  %1:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  // CHECK: nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<four_over_six, metric = mae>}
  %2:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mae>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  // CHECK: nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<four_over_six, metric = abs_max>}
  %3:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = abs_max>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  // CHECK: nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<scale_search, radius = 6>}
  %4:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search, radius = 6>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  // CHECK: nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<exact>}
  %5:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<exact>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  // CHECK: nvfp4.quantize %{{.*}} amax(%{{.*}}) {block_shape = #nvfp4.block_shape<tile_16x16>, rounding = #nvfp4.rounding<stochastic, seed = 42>}
  %6:3 = nvfp4.quantize %x amax(%a) {rounding = #nvfp4.rounding<stochastic, seed = 42>, block_shape = #nvfp4.block_shape<tile_16x16>} : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return
}

// CHECK-LABEL: func.func @quantize_mxfp4
func.func @quantize_mxfp4(%x: tensor<8x64xf16>) -> tensor<8x2xf8E8M0FNU> {
  // CHECK: nvfp4.quantize %{{.*}} {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<scale_search, radius = 1>} : tensor<8x64xf16> -> tensor<8x32xi8>, tensor<8x2xf8E8M0FNU>
  %q, %s, %g = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<scale_search, radius = 1>} : tensor<8x64xf16> -> tensor<8x32xi8>, tensor<8x2xf8E8M0FNU>
  return %s : tensor<8x2xf8E8M0FNU>
}

// CHECK-LABEL: func.func @quantize_tcgen05_transposed
func.func @quantize_tcgen05_transposed(%x: tensor<64x128xbf16>) -> tensor<1x1x32x4x4xf8E4M3FN> {
  // CHECK: nvfp4.quantize %{{.*}} {scale_layout = #nvfp4.scale_layout<tcgen05>, transpose} : tensor<64x128xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  %q, %s, %g = nvfp4.quantize %x {scale_layout = #nvfp4.scale_layout<tcgen05>, transpose} : tensor<64x128xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  return %s : tensor<1x1x32x4x4xf8E4M3FN>
}

// CHECK-LABEL: func.func @quantize_dynamic
func.func @quantize_dynamic(%x: tensor<?x64xf32>) -> tensor<?x4xf8E4M3FN> {
  // CHECK: nvfp4.quantize %{{.*}} : tensor<?x64xf32> -> tensor<?x32xi8>, tensor<?x4xf8E4M3FN>
  %q, %s, %g = nvfp4.quantize %x : tensor<?x64xf32> -> tensor<?x32xi8>, tensor<?x4xf8E4M3FN>
  return %s : tensor<?x4xf8E4M3FN>
}

// CHECK-LABEL: func.func @dequantize
func.func @dequantize(%q: tensor<128x32xi8>, %s: tensor<128x4xf8E4M3FN>, %g: f32,
                      %mq: tensor<8x32xi8>, %ms: tensor<8x2xf8E8M0FNU>) -> (tensor<128x64xf32>, tensor<8x64xbf16>) {
  // CHECK: nvfp4.dequantize %{{.*}}, %{{.*}}, %{{.*}} : tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x64xf32>
  %0 = nvfp4.dequantize %q, %s, %g : tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x64xf32>
  // CHECK: nvfp4.dequantize %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x32xi8>, tensor<8x2xf8E8M0FNU> -> tensor<8x64xbf16>
  %1 = nvfp4.dequantize %mq, %ms, %g : tensor<8x32xi8>, tensor<8x2xf8E8M0FNU> -> tensor<8x64xbf16>
  return %0, %1 : tensor<128x64xf32>, tensor<8x64xbf16>
}

// CHECK-LABEL: func.func @scaled_matmul
func.func @scaled_matmul(%a: tensor<128x32xi8>, %sa: tensor<128x4xf8E4M3FN>, %ga: f32,
                         %b: tensor<256x32xi8>, %sb: tensor<256x4xf8E4M3FN>, %gb: f32,
                         %ta: tensor<1x1x32x4x4xf8E4M3FN>, %tb: tensor<2x1x32x4x4xf8E4M3FN>) -> (tensor<128x256xf32>, tensor<128x256xbf16>) {
  // CHECK: nvfp4.scaled_matmul %{{.*}}[%{{.*}}, %{{.*}}], %{{.*}}[%{{.*}}, %{{.*}}] : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<256x32xi8>, tensor<256x4xf8E4M3FN> -> tensor<128x256xf32>
  %0 = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb] : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<256x32xi8>, tensor<256x4xf8E4M3FN> -> tensor<128x256xf32>
  // CHECK: nvfp4.scaled_matmul {{.*}} -> tensor<128x256xbf16>
  %1 = nvfp4.scaled_matmul %a[%ta, %ga], %b[%tb, %gb] : tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>, tensor<256x32xi8>, tensor<2x1x32x4x4xf8E4M3FN> -> tensor<128x256xbf16>
  return %0, %1 : tensor<128x256xf32>, tensor<128x256xbf16>
}
