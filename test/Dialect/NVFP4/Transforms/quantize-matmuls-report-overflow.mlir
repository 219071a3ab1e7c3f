// RUN: fp4-opt --nvfp4-quantize-matmuls="format=mxfp4 scale-layout=row_major report" --mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s
// A weight near FLT_MAX: the MXFP4 block scale 2^126 times code 4 decoded to
// +Inf, and the report said 0.00000 (it skipped those elements). Now the
// scale is capped at 2^125 above 1.5 * 2^127 (docs/numerics.md), so 3e38
// becomes 6 * 2^125 = 2.55e38: finite, with the error that costs.
// CHECK: remark: rewritten to nvfp4.scaled_matmul (mxfp4, M = 128, N = 128, K = 64): activations static_6, weights static_6; constant weight quantized at compile time, relative error 0.14929
func.func @huge(%a: tensor<128x64xf32>, %acc: tensor<128x128xf32>) -> tensor<128x128xf32> {
  %w = arith.constant dense<3.0e38> : tensor<64x128xf32>
  %r = linalg.matmul ins(%a, %w : tensor<128x64xf32>, tensor<64x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}
