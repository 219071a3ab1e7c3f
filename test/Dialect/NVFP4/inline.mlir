// RUN: fp4-opt --inline %s | FileCheck %s
// nvfp4 ops are pure, so calls to functions holding them inline (the CPU and
// sm_100a host pipelines rely on it: buffer deallocation cannot see through
// the calls that remain, and MLIR 22 then asserts).

// CHECK-LABEL: func.func @caller
//  CHECK-NOT:    call @layer
//      CHECK:    nvfp4.quantize
//      CHECK:    nvfp4.scaled_matmul
//      CHECK:    nvfp4.dequantize
//      CHECK:    nvfp4.amax
func.func private @layer(%a: tensor<128x64xf32>) -> (tensor<128x128xf32>, tensor<128x64xf32>, f32) {
  %q, %s, %g = nvfp4.quantize %a : tensor<128x64xf32> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
  %d = nvfp4.scaled_matmul %q[%s, %g], %q[%s, %g]
      : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x128xf32>
  %x = nvfp4.dequantize %q, %s, %g : tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x64xf32>
  %m = nvfp4.amax %a : tensor<128x64xf32>
  return %d, %x, %m : tensor<128x128xf32>, tensor<128x64xf32>, f32
}
func.func @caller(%a: tensor<128x64xf32>) -> (tensor<128x128xf32>, tensor<128x64xf32>, f32) {
  %d, %x, %m = func.call @layer(%a) : (tensor<128x64xf32>) -> (tensor<128x128xf32>, tensor<128x64xf32>, f32)
  return %d, %x, %m : tensor<128x128xf32>, tensor<128x64xf32>, f32
}
