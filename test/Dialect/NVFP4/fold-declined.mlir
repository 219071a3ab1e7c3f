// Folding declines, without crashing, where the numerics library rejects the
// input (empty tensor, non-positive or NaN calibrated amax) or the shape is
// dynamic; a NaN scale dequantizes to NaN.
// RUN: fp4-opt %s -canonicalize | FileCheck %s

// CHECK-LABEL: func.func @a
// CHECK: nvfp4.quantize
func.func @a() -> (tensor<0x8xi8>) {
  %x = arith.constant dense<> : tensor<0x16xf32>
  %q, %s, %g = nvfp4.quantize %x : tensor<0x16xf32> -> tensor<0x8xi8>, tensor<0x1xf8E4M3FN>
  return %q : tensor<0x8xi8>
}
// CHECK-LABEL: func.func @b
// CHECK: nvfp4.quantize
func.func @b() -> (tensor<1x8xi8>) {
  %x = arith.constant dense<1.0> : tensor<1x16xf32>
  %m = arith.constant -3.0 : f32
  %q, %s, %g = nvfp4.quantize %x amax(%m) : tensor<1x16xf32> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  return %q : tensor<1x8xi8>
}
// CHECK-LABEL: func.func @c
// CHECK: nvfp4.quantize
func.func @c() -> (tensor<1x8xi8>) {
  %x = arith.constant dense<0x7FC00000> : tensor<1x16xf32>
  %m = arith.constant 0x7FC00000 : f32
  %q, %s, %g = nvfp4.quantize %x amax(%m) : tensor<1x16xf32> -> tensor<1x8xi8>, tensor<1x1xf8E4M3FN>
  return %q : tensor<1x8xi8>
}
// CHECK-LABEL: func.func @d
// CHECK: arith.constant dense<0x7FC00000> : tensor<1x16xf32>
func.func @d() -> tensor<1x16xf32> {
  %q = arith.constant dense<1> : tensor<1x8xi8>
  %s = arith.constant dense<0x7F> : tensor<1x1xf8E4M3FN>
  %g = arith.constant 0x7F800000 : f32
  %x = nvfp4.dequantize %q, %s, %g : tensor<1x8xi8>, tensor<1x1xf8E4M3FN> -> tensor<1x16xf32>
  return %x : tensor<1x16xf32>
}
// CHECK-LABEL: func.func @e
// CHECK: nvfp4.quantize
func.func @e(%x: tensor<?x?xf32>) -> tensor<?x?xi8> {
  %q, %s, %g = nvfp4.quantize %x {scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<?x?xf32> -> tensor<?x?xi8>, tensor<?x?x32x4x4xf8E4M3FN>
  return %q : tensor<?x?xi8>
}
