// RUN: fp4-opt %s | fp4-opt | FileCheck %s
// RUN: fp4-opt %s --mlir-print-op-generic | fp4-opt | FileCheck %s

// nvfp4.attention round-trips with its defaults (SageAttention3's recipe)
// and with every option set (ScaleSearchAttention and its ablations).

// CHECK-LABEL: func.func @sage3
//       CHECK: nvfp4.attention %arg0, %arg1, %arg2 {causal} : tensor<1x2x128x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x128x64xf32>
func.func @sage3(%q: tensor<1x2x128x64xbf16>, %k: tensor<1x2x256x64xbf16>, %v: tensor<1x2x256x64xbf16>) -> tensor<1x2x128x64xf32> {
  %o = nvfp4.attention %q, %k, %v {causal} : tensor<1x2x128x64xbf16>, tensor<1x2x256x64xbf16>, tensor<1x2x256x64xbf16> -> tensor<1x2x128x64xf32>
  return %o : tensor<1x2x128x64xf32>
}

// CHECK-LABEL: func.func @scale_search_attention
//       CHECK: nvfp4.attention %arg0, %arg1, %arg2
//  CHECK-SAME: k_rule = #nvfp4.scale_rule<scale_search, radius = 6>
//  CHECK-SAME: k_smoothing = false
//  CHECK-SAME: key_tile = 64 : i64
//  CHECK-SAME: p_mode = #nvfp4.p_mode<direct>
//  CHECK-SAME: p_rule = #nvfp4.scale_rule<exact>
//  CHECK-SAME: q_rule = #nvfp4.scale_rule<four_over_six, metric = mse>
//  CHECK-SAME: q_smoothing
//  CHECK-SAME: qkv_tensor_scale
//  CHECK-SAME: recent_tokens = 32 : i64
//  CHECK-SAME: rotate
//  CHECK-SAME: sink_tokens = 16 : i64
//  CHECK-SAME: softmax_scale = 1.250000e-01 : f32
//  CHECK-SAME: v_rule = #nvfp4.scale_rule<static_4>
func.func @scale_search_attention(%q: tensor<2x4x256x128xf32>, %k: tensor<2x4x256x128xf16>, %v: tensor<2x4x256x64xbf16>) -> tensor<2x4x256x64xf32> {
  %o = nvfp4.attention %q, %k, %v {
      q_rule = #nvfp4.scale_rule<four_over_six, metric = mse>,
      k_rule = #nvfp4.scale_rule<scale_search, radius = 6>,
      v_rule = #nvfp4.scale_rule<static_4>, p_rule = #nvfp4.scale_rule<exact>,
      softmax_scale = 0.125 : f32, key_tile = 64, k_smoothing = false,
      q_smoothing, p_mode = #nvfp4.p_mode<direct>, rotate, sink_tokens = 16,
      recent_tokens = 32, qkv_tensor_scale}
      : tensor<2x4x256x128xf32>, tensor<2x4x256x128xf16>, tensor<2x4x256x64xbf16> -> tensor<2x4x256x64xf32>
  return %o : tensor<2x4x256x64xf32>
}

// CHECK-LABEL: func.func @mxfp4
//       CHECK: nvfp4.attention %arg0, %arg1, %arg2 {format = #nvfp4.format<mxfp4>}
func.func @mxfp4(%q: tensor<1x1x64x64xbf16>, %k: tensor<1x1x64x64xbf16>, %v: tensor<1x1x64x64xbf16>) -> tensor<1x1x64x64xf32> {
  %o = nvfp4.attention %q, %k, %v {format = #nvfp4.format<mxfp4>} : tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16>, tensor<1x1x64x64xbf16> -> tensor<1x1x64x64xf32>
  return %o : tensor<1x1x64x64xf32>
}
