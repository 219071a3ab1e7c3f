// RUN: fp4-opt %s | fp4-opt | FileCheck %s
// RUN: fp4-opt %s --mlir-print-op-generic | fp4-opt | FileCheck %s

// nvfp4.attention_rows round-trips, with and without its optional operands.

// CHECK-LABEL: func.func @plain
// CHECK: nvfp4.attention_rows %{{.*}}, %{{.*}}, %{{.*}} {causal, key_tile = 64 : i64, softmax_scale = 1.250000e-01 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
func.func @plain(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  %o = nvfp4.attention_rows %q, %k, %v {causal, key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// CHECK-LABEL: func.func @everything
// CHECK: nvfp4.attention_rows %{{.*}}, %{{.*}}, %{{.*}} bf16(%{{.*}}, %{{.*}} : tensor<1x160x32xf32>, tensor<1x64x32xf32>) correction(%{{.*}} : tensor<1x2x64xf32>) {format = #nvfp4.format<mxfp4>, key_tile = 32 : i64, p_mode = #nvfp4.p_mode<direct>, p_rule = #nvfp4.scale_rule<exact>, recent_tokens = 2 : i64, sink_tokens = 4 : i64, softmax_scale = 5.000000e-01 : f32}
func.func @everything(%q: tensor<1x160x32xf32>, %k: tensor<1x64x32xf32>, %v: tensor<1x32x64xf32>, %qb: tensor<1x160x32xf32>, %kb: tensor<1x64x32xf32>, %ds: tensor<1x2x64xf32>) -> tensor<1x160x32xf32> {
  %o = nvfp4.attention_rows %q, %k, %v bf16(%qb, %kb : tensor<1x160x32xf32>, tensor<1x64x32xf32>) correction(%ds : tensor<1x2x64xf32>) {format = #nvfp4.format<mxfp4>, key_tile = 32 : i64, p_mode = #nvfp4.p_mode<direct>, p_rule = #nvfp4.scale_rule<exact>, recent_tokens = 2 : i64, sink_tokens = 4 : i64, softmax_scale = 0.5 : f32} : tensor<1x160x32xf32>, tensor<1x64x32xf32>, tensor<1x32x64xf32> -> tensor<1x160x32xf32>
  return %o : tensor<1x160x32xf32>
}
