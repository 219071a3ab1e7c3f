// RUN: fp4-opt --nvfp4-quantize-matmuls --split-input-file %s | FileCheck %s
// RUN: fp4-opt --nvfp4-quantize-matmuls="weight-rule=exact activation-rule=search:3 format=mxfp4 scale-layout=row_major" --split-input-file %s | FileCheck %s --check-prefix=MX
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 --pass-pipeline='builtin.module(nvfp4-quantize-matmuls{weight-rule=exact activation-rule=search:3 format=mxfp4 scale-layout=row_major})' --split-input-file %s | FileCheck %s --check-prefix=MX %}

// linalg.matmul with a zero accumulator: activations quantized as they are,
// the K x N weight quantized transposed (K-major), both with the default
// four_over_six mse rule and the tcgen05 layout; the fill is not used.
// CHECK-LABEL: func.func @matmul
//  CHECK-SAME: (%[[A:.*]]: tensor<128x64xbf16>, %[[B:.*]]: tensor<64x256xbf16>)
//       CHECK: %[[AQ:.*]], %[[AS:.*]], %[[AG:.*]] = nvfp4.quantize %[[A]] {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
//       CHECK: %[[BQ:.*]], %[[BS:.*]], %[[BG:.*]] = nvfp4.quantize %[[B]] {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>, transpose} : tensor<64x256xbf16> -> tensor<256x32xi8>, tensor<2x1x32x4x4xf8E4M3FN>
//       CHECK: %[[D:.*]] = nvfp4.scaled_matmul %[[AQ]][%[[AS]], %[[AG]]], %[[BQ]][%[[BS]], %[[BG]]] {{.*}} -> tensor<128x256xf32>
//   CHECK-NOT: linalg.matmul
//       CHECK: return %[[D]]
// MX-LABEL: func.func @matmul
//       MX: nvfp4.quantize %{{.*}} {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<scale_search, radius = 3>} : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<128x2xf8E8M0FNU>
//       MX: nvfp4.quantize %{{.*}} {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<exact>, transpose} : tensor<64x256xbf16> -> tensor<256x32xi8>, tensor<256x2xf8E8M0FNU>
//       MX: nvfp4.scaled_matmul
func.func @matmul(%a: tensor<128x64xbf16>, %b: tensor<64x256xbf16>) -> tensor<128x256xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<128x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<128x256xf32>) -> tensor<128x256xf32>
  %r = linalg.matmul ins(%a, %b : tensor<128x64xbf16>, tensor<64x256xbf16>) outs(%acc : tensor<128x256xf32>) -> tensor<128x256xf32>
  return %r : tensor<128x256xf32>
}

// -----

// B indexed (n, k) is already K-major: no transpose. A non-zero bf16
// accumulator: an f32 product, then extf + addf + truncf per element.
// CHECK-LABEL: func.func @transposed_b_accumulate
//  CHECK-SAME: (%[[A:.*]]: tensor<128x64xf32>, %[[B:.*]]: tensor<256x64xf32>, %[[C:.*]]: tensor<128x256xbf16>)
//       CHECK: nvfp4.quantize %[[A]] {{{.*}}} : tensor<128x64xf32>
//       CHECK: nvfp4.quantize %[[B]] {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<256x64xf32>
//       CHECK: %[[D:.*]] = nvfp4.scaled_matmul {{.*}} -> tensor<128x256xf32>
//       CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[C]], %[[D]] : tensor<128x256xbf16>, tensor<128x256xf32>) outs(%[[C]] : tensor<128x256xbf16>)
//       CHECK:   arith.extf
//       CHECK:   arith.addf
//       CHECK:   arith.truncf
//       CHECK: return %[[SUM]]
func.func @transposed_b_accumulate(%a: tensor<128x64xf32>, %b: tensor<256x64xf32>, %c: tensor<128x256xbf16>) -> tensor<128x256xbf16> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
     ins(%a, %b : tensor<128x64xf32>, tensor<256x64xf32>) outs(%c : tensor<128x256xbf16>) -> tensor<128x256xbf16>
  return %r : tensor<128x256xbf16>
}

// -----

// A indexed (k, m) is quantized transposed.
// CHECK-LABEL: func.func @transposed_a
//       CHECK: nvfp4.quantize %{{.*}} {{{.*}}transpose} : tensor<64x128xf16> -> tensor<128x32xi8>
//       CHECK: nvfp4.quantize %{{.*}} {{{.*}}transpose} : tensor<64x128xf16> -> tensor<128x32xi8>
//       CHECK: nvfp4.scaled_matmul
func.func @transposed_a(%a: tensor<64x128xf16>, %b: tensor<64x128xf16>, %c: tensor<128x128xf32>) -> tensor<128x128xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
     ins(%a, %b : tensor<64x128xf16>, tensor<64x128xf16>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}

// -----

// batch_matmul: an scf.for over the batch, one 2-D matmul per entry.
// CHECK-LABEL: func.func @batch
//       CHECK: %[[N:.*]] = arith.constant 2 : index
//       CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<2x128x128xf32>)
//       CHECK:   tensor.extract_slice %{{.*}}[%[[I]], 0, 0] [1, 128, 64] [1, 1, 1] : tensor<2x128x64xf32> to tensor<128x64xf32>
//       CHECK:   nvfp4.quantize
//       CHECK:   nvfp4.quantize {{.*}}transpose
//       CHECK:   %[[D:.*]] = nvfp4.scaled_matmul
//       CHECK:   %[[U:.*]] = tensor.insert_slice %[[D]] into %[[ACC]][%[[I]], 0, 0] [1, 128, 128] [1, 1, 1]
//       CHECK:   scf.yield %[[U]]
func.func @batch(%a: tensor<2x128x64xf32>, %b: tensor<2x64x128xf32>) -> tensor<2x128x128xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x128x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x128x128xf32>) -> tensor<2x128x128xf32>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x128x64xf32>, tensor<2x64x128xf32>) outs(%acc : tensor<2x128x128xf32>) -> tensor<2x128x128xf32>
  return %r : tensor<2x128x128xf32>
}

// -----

// A linalg.generic that is plainly a batched A * B^T (attention scores),
// accumulating into an argument: the product is added per batch entry.
// CHECK-LABEL: func.func @generic_contraction
//       CHECK: scf.for
//       CHECK:   nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<128x64xf32>
//       CHECK:   nvfp4.quantize %{{.*}} {rule = #nvfp4.scale_rule<four_over_six, metric = mse>, scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<128x64xf32>
//       CHECK:   %[[D:.*]] = nvfp4.scaled_matmul
//       CHECK:   linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel"]} ins(%{{.*}}, %[[D]] :
//       CHECK:     arith.addf
//   CHECK-NOT: "reduction"
func.func @generic_contraction(%q: tensor<4x128x64xf32>, %k: tensor<4x128x64xf32>, %acc: tensor<4x128x128xf32>) -> tensor<4x128x128xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<4x128x64xf32>, tensor<4x128x64xf32>) outs(%acc : tensor<4x128x128xf32>) {
  ^bb0(%x: f32, %y: f32, %z: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %z, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x128x128xf32>
  return %r : tensor<4x128x128xf32>
}

// -----

// A constant weight is quantized at compile time: only its packed bytes, its
// scales and its tensor scale remain (the f32 constant is erased). A splat 0.5 is E2M1 6.0 (code 7, two
// per byte: 0x77 = 119) times scale 256 times g = 0.5 / 1536.
// CHECK-LABEL: func.func @constant_weight
//   CHECK-DAG: %[[W:.*]] = arith.constant dense<119> : tensor<128x32xi8>
//   CHECK-DAG: %[[S:.*]] = arith.constant dense<2.560000e+02> : tensor<1x1x32x4x4xf8E4M3FN>
//   CHECK-DAG: %[[G:.*]] = arith.constant 3.25520843E-4 : f32
//   CHECK-NOT: nvfp4.quantize %cst
//   CHECK-NOT: dense<5.000000e-01>
//       CHECK: nvfp4.scaled_matmul %{{.*}}[%{{.*}}, %{{.*}}], %[[W]][%[[S]], %[[G]]]
func.func @constant_weight(%a: tensor<128x64xf32>) -> tensor<128x128xf32> {
  %w = arith.constant dense<0.5> : tensor<64x128xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<128x128xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<128x128xf32>) -> tensor<128x128xf32>
  %r = linalg.matmul ins(%a, %w : tensor<128x64xf32>, tensor<64x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}

// -----

// Two matmuls of one activation (gate and up) share its quantization.
// CHECK-LABEL: func.func @shared_activation
//  CHECK-SAME: (%[[X:.*]]: tensor<128x64xf32>
//       CHECK: %[[XQ:.*]], %[[XS:.*]], %[[XG:.*]] = nvfp4.quantize %[[X]]
//   CHECK-NOT: nvfp4.quantize %[[X]]
//       CHECK: nvfp4.scaled_matmul %[[XQ]][%[[XS]], %[[XG]]]
//       CHECK: nvfp4.scaled_matmul %[[XQ]][%[[XS]], %[[XG]]]
func.func @shared_activation(%x: tensor<128x64xf32>, %wg: tensor<64x128xf32>, %wu: tensor<64x128xf32>, %acc: tensor<128x128xf32>) -> (tensor<128x128xf32>, tensor<128x128xf32>) {
  %g = linalg.matmul ins(%x, %wg : tensor<128x64xf32>, tensor<64x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<128x64xf32>, tensor<64x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %g, %u : tensor<128x128xf32>, tensor<128x128xf32>
}

// -----

// X * X^T: one value is both the activation and the weight. Each role gets
// its own rule, so it is quantized twice.
// MX-LABEL: func.func @self_product
//       MX: nvfp4.quantize %arg0 {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<scale_search, radius = 3>}
//       MX: nvfp4.quantize %arg0 {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<exact>}
func.func @self_product(%x: tensor<128x128xf32>, %acc: tensor<128x128xf32>) -> tensor<128x128xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
     ins(%x, %x : tensor<128x128xf32>, tensor<128x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}
