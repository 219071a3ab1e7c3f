// nvfp4 canonicalization patterns.
// RUN: fp4-opt %s -canonicalize | FileCheck %s

// quantize's amax operand is dropped when it is the input's own amax.
// CHECK-LABEL: func.func @drop_own_amax
// CHECK-NOT: nvfp4.amax
// CHECK: nvfp4.quantize %{{[a-z0-9]+}} {rule
func.func @drop_own_amax(%x: tensor<16x32xbf16>) -> tensor<16x16xi8> {
  %m = nvfp4.amax %x : tensor<16x32xbf16>
  %q, %s, %g = nvfp4.quantize %x amax(%m) {rule = #nvfp4.scale_rule<exact>} : tensor<16x32xbf16> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  return %q : tensor<16x16xi8>
}

// An amax of another tensor (calibration) stays.
// CHECK-LABEL: func.func @keep_other_amax
// CHECK: %[[M:.*]] = nvfp4.amax %{{.*}} : tensor<16x32xf32>
// CHECK: nvfp4.quantize %{{.*}} amax(%[[M]])
func.func @keep_other_amax(%x: tensor<16x32xbf16>, %calib: tensor<16x32xf32>) -> tensor<16x16xi8> {
  %m = nvfp4.amax %calib : tensor<16x32xf32>
  %q, %s, %g = nvfp4.quantize %x amax(%m) : tensor<16x32xbf16> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  return %q : tensor<16x16xi8>
}

// Unused quantizes are dead (the ops are pure).
// CHECK-LABEL: func.func @dead
// CHECK-NEXT: return
func.func @dead(%x: tensor<16x32xbf16>) {
  %q, %s, %g = nvfp4.quantize %x : tensor<16x32xbf16> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  return
}
