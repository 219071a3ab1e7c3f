// Constant folding through the numerics library. Expected bytes are the
// independent test vectors of algorithms.md section 7 (A-D) and values worked
// out by hand from the format definitions, not output of the library.
// RUN: fp4-opt %s -canonicalize -split-input-file | FileCheck %s
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 %s -canonicalize -split-input-file | FileCheck %s %}

// Vector A, static_6: scale 0x7E (448), codes 7 6 6 5 4 4 3 2 2 2 1 0 0 A E E,
// packed 67 56 44 23 22 01 A0 EE; g = 1 / (2688 / 6).
// CHECK-LABEL: func.func @vector_a_static_6
// CHECK-DAG: arith.constant dense<{{\[}}[103, 86, 68, 35, 34, 1, -96, -18]]> : tensor<1x8xi8>
// CHECK-DAG: arith.constant dense<4.480000e+02> : tensor<1x1xf8E4M3FN>
// CHECK-DAG: arith.constant 0.00223214296 : f32
// CHECK-NOT: nvfp4.quantize
func.func @vector_a_static_6() -> (tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, f32) {
  %x = arith.constant dense<[[6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0, -0.75, -3.5, -5.0]]> : tensor<1x16xf32>
  %q, %s, %g = nvfp4.quantize %x : tensor<1x16xf32> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  return %q, %s, %g : tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, f32
}

// -----

// Vector A, Four Over Six (all three metrics pick "4"): scale 0x7C (384),
// codes 6 5 5 4 3 3 2 2 1 1 1 0 0 9 C D, packed 56 45 33 22 11 01 90 DC;
// tensor bound 256, so g = 1 / (1536 / 6) = 1/256.
// CHECK-LABEL: func.func @vector_a_four_over_six
// CHECK-DAG: %[[Q:.*]] = arith.constant dense<{{\[}}[86, 69, 51, 34, 17, 1, -112, -36]]> : tensor<1x8xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<3.840000e+02> : tensor<1x1xf8E4M3FN>
// CHECK-DAG: %[[G:.*]] = arith.constant 3.906250e-03 : f32
// CHECK: return %[[Q]], %[[Q]], %[[Q]], %[[S]], %[[G]]
func.func @vector_a_four_over_six() -> (tensor<1x8xi8>, tensor<1x8xi8>, tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, f32) {
  %x = arith.constant dense<[[6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0, -0.75, -3.5, -5.0]]> : tensor<1x16xbf16>
  %q0, %s0, %g0 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<1x16xbf16> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  %q1, %s1, %g1 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mae>} : tensor<1x16xbf16> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  %q2, %s2, %g2 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = abs_max>} : tensor<1x16xbf16> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  return %q0, %q1, %q2, %s0, %g0 : tensor<1x8xi8>, tensor<1x8xi8>, tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, f32
}

// -----

// Vectors A and B as one 1x32 tensor (amax 6). B, static_6: scale 0x68 (64),
// codes 7 F 7 6 E 6 5 5 D 4 4 B 2 1 9 0 (0.5 scales to 3.4999998 in the
// reference's order and becomes code 5, not 6), packed F7 67 6E 55 4D B4 12 09.
// CHECK-LABEL: func.func @vector_b_static_6
// CHECK-DAG: arith.constant dense<{{\[}}[103, 86, 68, 35, 34, 1, -96, -18, -9, 103, 110, 85, 77, -76, 18, 9]]> : tensor<1x16xi8>
// CHECK-DAG: arith.constant dense<{{\[}}[4.480000e+02, 6.400000e+01]]> : tensor<1x2xf8E4M3FN>
func.func @vector_b_static_6() -> (tensor<1x16xi8>, tensor<1x2xf8E4M3FN>) {
  %x = arith.constant dense<[[6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0, -0.75, -3.5, -5.0,
                              0.9, -0.85, 0.8, 0.7, -0.66, 0.6, 0.5, 0.45, -0.4, 0.33, 0.3, -0.2, 0.15, 0.1, -0.05, 0.01]]> : tensor<1x32xf32>
  %q, %s, %g = nvfp4.quantize %x : tensor<1x32xf32> -> tensor<1x16xi8>, tensor<1x2xf8E4M3FN>
  return %q, %s : tensor<1x16xi8>, tensor<1x2xf8E4M3FN>
}

// -----

// The searched scales: vector A's exact optimum is 0x7D (416); vector B's is
// 0x6C (96) = c0 + 4, inside a radius-6 search (c0+1..c0+3 are worse than c0,
// so a greedy search would stop short).
// CHECK-LABEL: func.func @searched_scales
// CHECK-DAG: arith.constant dense<{{\[}}[4.160000e+02, 9.600000e+01]]> : tensor<1x2xf8E4M3FN>
// CHECK-NOT: arith.constant dense<{{.*}}6.400000e+01{{.*}}f8E4M3FN
func.func @searched_scales() -> (tensor<1x2xf8E4M3FN>, tensor<1x2xf8E4M3FN>) {
  %x = arith.constant dense<[[6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0, -0.75, -3.5, -5.0,
                              0.9, -0.85, 0.8, 0.7, -0.66, 0.6, 0.5, 0.45, -0.4, 0.33, 0.3, -0.2, 0.15, 0.1, -0.05, 0.01]]> : tensor<1x32xf32>
  %q0, %s0, %g0 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<exact>} : tensor<1x32xf32> -> tensor<1x16xi8>, tensor<1x2xf8E4M3FN>
  %q1, %s1, %g1 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search, radius = 6>} : tensor<1x32xf32> -> tensor<1x16xi8>, tensor<1x2xf8E4M3FN>
  return %s0, %s1 : tensor<1x2xf8E4M3FN>, tensor<1x2xf8E4M3FN>
}

// -----

// Vector C with a calibrated amax of 6: static_6 scale 0x71 (144), codes 7 x15
// then F; Four Over Six picks the exact "4" scale 0x70 (128): codes 6 x15, E.
// CHECK-LABEL: func.func @vector_c_calibrated
// CHECK-DAG: arith.constant dense<{{\[}}[119, 119, 119, 119, 119, 119, 119, -9]]> : tensor<1x8xi8>
// CHECK-DAG: arith.constant dense<1.440000e+02> : tensor<1x1xf8E4M3FN>
// CHECK-DAG: arith.constant dense<{{\[}}[102, 102, 102, 102, 102, 102, 102, -26]]> : tensor<1x8xi8>
// CHECK-DAG: arith.constant dense<1.280000e+02> : tensor<1x1xf8E4M3FN>
func.func @vector_c_calibrated() -> (tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, tensor<1x8xi8>, tensor<1x1xf8E4M3FN>) {
  %x = arith.constant dense<[[2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, -2.0]]> : tensor<1x16xf16>
  %amax = arith.constant 6.0 : f32
  %q0, %s0, %g0 = nvfp4.quantize %x amax(%amax) : tensor<1x16xf16> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  %q1, %s1, %g1 = nvfp4.quantize %x amax(%amax) {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<1x16xf16> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  return %q0, %s0, %q1, %s1 : tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
}

// -----

// Vector D, all zeros: amax 0, zero scale, zero codes, tensor scale 0.
// CHECK-LABEL: func.func @vector_d_zeros
// CHECK-DAG: arith.constant dense<0> : tensor<1x8xi8>
// CHECK-DAG: arith.constant dense<0.000000e+00> : tensor<1x1xf8E4M3FN>
// CHECK-DAG: arith.constant 0.000000e+00 : f32
func.func @vector_d_zeros() -> (tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, f32) {
  %x = arith.constant dense<0.0> : tensor<1x16xf32>
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<1x16xf32> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  return %q, %s, %g : tensor<1x8xi8>, tensor<1x1xf8E4M3FN>, f32
}

// -----

// MXFP4 (by hand, algorithms.md 2.1): block max 7 -> t = 7/6, rounded up to
// the power of two 2 (code 128); 7/2 = 3.5 ties to the even code 6 (4.0),
// 1/2 -> code 1: first byte 0x16. No tensor scale: g = 1.
// CHECK-LABEL: func.func @mxfp4_round_up
// CHECK-DAG: arith.constant dense<{{\[}}[22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<1x16xi8>
// CHECK-DAG: arith.constant dense<2.000000e+00> : tensor<1x1xf8E8M0FNU>
// CHECK-DAG: arith.constant 1.000000e+00 : f32
func.func @mxfp4_round_up() -> (tensor<1x16xi8>, tensor<1x1xf8E8M0FNU>, f32) {
  %x = arith.constant dense<[[7.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                              0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %q, %s, %g = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>} : tensor<1x32xf32> -> tensor<1x16xi8>, tensor<1x1xf8E8M0FNU>
  return %q, %s, %g : tensor<1x16xi8>, tensor<1x1xf8E8M0FNU>, f32
}

// -----

// Dequantize folds: (e2m1 * scale) * g. Vector A's static_6 codes with scale
// 448 and g = 0.25 decode to e2m1 * 112, all exact.
// CHECK-LABEL: func.func @dequantize_fold
// CHECK: arith.constant dense<{{\[}}[6.720000e+02, 4.480000e+02, 4.480000e+02, 3.360000e+02, 2.240000e+02, 2.240000e+02, 1.680000e+02, 1.120000e+02, 1.120000e+02, 1.120000e+02, 5.600000e+01, 0.000000e+00, 0.000000e+00, -1.120000e+02, -4.480000e+02, -4.480000e+02]]> : tensor<1x16xf32>
// CHECK-NOT: nvfp4.dequantize
func.func @dequantize_fold() -> tensor<1x16xf32> {
  %q = arith.constant dense<[[103, 86, 68, 35, 34, 1, -96, -18]]> : tensor<1x8xi8>
  %s = arith.constant dense<448.0> : tensor<1x1xf8E4M3FN>
  %g = arith.constant 0.25 : f32
  %x = nvfp4.dequantize %q, %s, %g : tensor<1x8xi8>, tensor<1x1xf8E4M3FN> -> tensor<1x16xf32>
  return %x : tensor<1x16xf32>
}

// -----

// MXFP4 dequantize to bf16: e2m1 * 2^-1 * g with g = 3: 6 * 0.5 * 3 = 9 and
// 0.5 * 0.5 * 3 = 0.75 (exact in bf16).
// CHECK-LABEL: func.func @dequantize_mxfp4_bf16
// CHECK: arith.constant dense<{{\[}}[9.000000e+00, 7.500000e-01, 0.000000e+00
// CHECK-SAME: tensor<1x32xbf16>
func.func @dequantize_mxfp4_bf16() -> tensor<1x32xbf16> {
  %q = arith.constant dense<[[23, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<1x16xi8>
  %s = arith.constant dense<0.5> : tensor<1x1xf8E8M0FNU>
  %g = arith.constant 3.0 : f32
  %x = nvfp4.dequantize %q, %s, %g : tensor<1x16xi8>, tensor<1x1xf8E8M0FNU> -> tensor<1x32xbf16>
  return %x : tensor<1x32xbf16>
}

// -----

// amax folds, ignoring NaN and infinities as quantize does.
// CHECK-LABEL: func.func @amax_fold
// CHECK: %[[M:.*]] = arith.constant 5.000000e+00 : f32
// CHECK: return %[[M]]
func.func @amax_fold() -> f32 {
  %x = arith.constant dense<[[1.0, -5.0, 0x7FC00000, 0x7F800000]]> : tensor<1x4xf32>
  %m = nvfp4.amax %x : tensor<1x4xf32>
  return %m : f32
}
