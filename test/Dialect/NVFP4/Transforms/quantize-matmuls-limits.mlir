// A constant weight beyond the compile-time budget (ConstantQuantization.h:
// here 2^26 elements x 253 candidates of scale_search at radius 126) is
// quantized at run time, and the pass says so at the matmul, with or without
// `report`, instead of spending minutes.
// RUN: fp4-opt %s --nvfp4-quantize-matmuls="weight-rule=search:126 scale-layout=row_major" --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @big_search
// CHECK: nvfp4.quantize
// CHECK: nvfp4.scaled_matmul
func.func @big_search(%a: tensor<128x8192xbf16>) -> tensor<128x8192xf32> {
  %w = arith.constant dense<0.5> : tensor<8192x8192xbf16>
  %c = arith.constant dense<0.0> : tensor<128x8192xf32>
  // expected-remark @+1 {{constant weight not quantized at compile time (67108864 elements x 253 scale candidates per block exceed the compile-time budget of 2^32 evaluations); it is quantized at run time}}
  %r = linalg.matmul ins(%a, %w : tensor<128x8192xbf16>, tensor<8192x8192xbf16>) outs(%c : tensor<128x8192xf32>) -> tensor<128x8192xf32>
  return %r : tensor<128x8192xf32>
}
