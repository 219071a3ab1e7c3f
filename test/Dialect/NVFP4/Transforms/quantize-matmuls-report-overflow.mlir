// RUN: fp4-opt --nvfp4-quantize-matmuls="format=mxfp4 scale-layout=row_major report" --mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s
// A weight near FLT_MAX: the MXFP4 block scale 2^126 times code 4 decodes to
// +Inf (a known limit of the numerics at the top of the fp32 range). The
// report must say the error is infinite, not skip those elements (it said
// 0.00000).
// CHECK: remark: rewritten to nvfp4.scaled_matmul (mxfp4, M = 128, N = 128, K = 64): activations static_6, weights static_6; constant weight quantized at compile time, relative error INF
func.func @huge(%a: tensor<128x64xf32>, %acc: tensor<128x128xf32>) -> tensor<128x128xf32> {
  %w = arith.constant dense<3.0e38> : tensor<64x128xf32>
  %r = linalg.matmul ins(%a, %w : tensor<128x64xf32>, tensor<64x128xf32>) outs(%acc : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}
