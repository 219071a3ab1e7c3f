// RUN: fp4-opt %s --nvfp4-quantize-matmuls="scale-layout=row_major report=true" --split-input-file --verify-diagnostics | FileCheck %s

// What torch-mlir puts between a weight and its matmul: nn.Linear is
// transpose(W) for W [N, K]; in bf16, extf(transpose(W)) and extf(x). The
// pass traces the operands back through them, so the weight is constant at
// the matmul and quantized at compile time (no transpose or widening left,
// the weight's bytes gone), and x is quantized as the bf16 it is.

// CHECK-LABEL: func.func @linear
//   CHECK-NOT: linalg.transpose
//       CHECK: nvfp4.quantize %arg0
//   CHECK-NOT: nvfp4.quantize
//       CHECK: nvfp4.scaled_matmul
//   CHECK-NOT: dense<5.000000e-01>
func.func @linear(%x: tensor<16x64xf32>) -> tensor<16x32xf32> {
  %w = arith.constant dense<0.5> : tensor<32x64xf32>
  %e = tensor.empty() : tensor<64x32xf32>
  %wt = linalg.transpose ins(%w : tensor<32x64xf32>) outs(%e : tensor<64x32xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<16x32xf32>
  %c = linalg.fill ins(%zero : f32) outs(%o : tensor<16x32xf32>) -> tensor<16x32xf32>
  // expected-remark @+1 {{constant weight quantized at compile time, relative error 0.00000 (seen through linalg.transpose)}}
  %r = linalg.matmul ins(%x, %wt : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @linear_bf16
//   CHECK-NOT: linalg.transpose
//       CHECK: nvfp4.quantize %arg0 {{.*}} : tensor<16x64xbf16>
//   CHECK-NOT: nvfp4.quantize
//       CHECK: nvfp4.scaled_matmul
//   CHECK-NOT: arith.extf
func.func @linear_bf16(%x: tensor<16x64xbf16>) -> tensor<16x32xf32> {
  %w = arith.constant dense<0.5> : tensor<32x64xbf16>
  %e = tensor.empty() : tensor<64x32xbf16>
  %wt = linalg.transpose ins(%w : tensor<32x64xbf16>) outs(%e : tensor<64x32xbf16>) permutation = [1, 0]
  %ex = tensor.empty() : tensor<16x64xf32>
  %xf = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<16x64xbf16>) outs(%ex : tensor<16x64xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %v = arith.extf %in : bf16 to f32
    linalg.yield %v : f32
  } -> tensor<16x64xf32>
  %ew = tensor.empty() : tensor<64x32xf32>
  %wf = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%wt : tensor<64x32xbf16>) outs(%ew : tensor<64x32xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %v = arith.extf %in : bf16 to f32
    linalg.yield %v : f32
  } -> tensor<64x32xf32>
  %zero = arith.constant 0.0 : f32
  %o = tensor.empty() : tensor<16x32xf32>
  %c = linalg.fill ins(%zero : f32) outs(%o : tensor<16x32xf32>) -> tensor<16x32xf32>
  // expected-remark @+1 {{constant weight quantized at compile time, relative error 0.00000 (seen through linalg.generic, linalg.transpose)}}
  %r = linalg.matmul ins(%xf, %wf : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

// A transpose written as a generic, and a reshaped constant.
#t = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @generic_transpose_of_reshape
//   CHECK-NOT: linalg.generic
//   CHECK-NOT: tensor.collapse_shape
//       CHECK: nvfp4.quantize %arg0
//   CHECK-NOT: nvfp4.quantize
//       CHECK: nvfp4.scaled_matmul
func.func @generic_transpose_of_reshape(%x: tensor<16x64xf32>) -> tensor<16x32xf32> {
  %w3 = arith.constant dense<0.25> : tensor<2x16x64xf32>
  %w = tensor.collapse_shape %w3 [[0, 1], [2]] : tensor<2x16x64xf32> into tensor<32x64xf32>
  %e = tensor.empty() : tensor<64x32xf32>
  %wt = linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<32x64xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x32xf32>
  %c = arith.constant dense<0.0> : tensor<16x32xf32>
  // expected-remark @+1 {{constant weight quantized at compile time, relative error 0.00000 (seen through linalg.generic, tensor.collapse_shape)}}
  %r = linalg.matmul ins(%x, %wt : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

// Two matmuls of one weight through two transposes: quantized once.
// CHECK-LABEL: func.func @shared_weight
//   CHECK-COUNT-1: arith.constant dense<{{.*}}> : tensor<32x32xi8>
//   CHECK-NOT: arith.constant dense<{{.*}}> : tensor<32x32xi8>
func.func @shared_weight(%x: tensor<16x64xf32>, %y: tensor<16x64xf32>) -> (tensor<16x32xf32>, tensor<16x32xf32>) {
  %w = arith.constant dense<0.5> : tensor<32x64xf32>
  %e = tensor.empty() : tensor<64x32xf32>
  %wt1 = linalg.transpose ins(%w : tensor<32x64xf32>) outs(%e : tensor<64x32xf32>) permutation = [1, 0]
  %wt2 = linalg.transpose ins(%w : tensor<32x64xf32>) outs(%e : tensor<64x32xf32>) permutation = [1, 0]
  %c = arith.constant dense<0.0> : tensor<16x32xf32>
  // expected-remark @+1 {{seen through linalg.transpose}}
  %r1 = linalg.matmul ins(%x, %wt1 : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  // expected-remark @+1 {{constant weight quantized at compile time, shared with an earlier matmul (seen through linalg.transpose)}}
  %r2 = linalg.matmul ins(%y, %wt2 : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r1, %r2 : tensor<16x32xf32>, tensor<16x32xf32>
}

// -----

// A generic that changes the values is not looked through: the weight is
// quantized at run time, and the report says nothing of compile time.
#id = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @scaled_weight
//       CHECK: linalg.generic
//       CHECK: nvfp4.quantize
//       CHECK: nvfp4.quantize
func.func @scaled_weight(%x: tensor<16x64xf32>) -> tensor<16x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %e = tensor.empty() : tensor<64x32xf32>
  %w2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<64x32xf32>) outs(%e : tensor<64x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.mulf %in, %in : f32
    linalg.yield %v : f32
  } -> tensor<64x32xf32>
  %c = arith.constant dense<0.0> : tensor<16x32xf32>
  // expected-remark-re @+1 {{rewritten to nvfp4.scaled_matmul (nvfp4, M = 16, N = 32, K = 64): activations mse, weights mse{{$}}}}
  %r = linalg.matmul ins(%x, %w2 : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}
