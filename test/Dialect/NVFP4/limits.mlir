// Resource limits (docs/lowering.md, "Limits"): nothing here may take more
// than a moment or more than a little memory.
// RUN: fp4-opt %s --split-input-file --verify-diagnostics
// RUN: fp4-opt %s --split-input-file --verify-diagnostics -canonicalize 2>/dev/null | FileCheck %s --check-prefix=FOLD

// Every nvfp4 operand and result has at most 2^48 elements: offsets in
// bytes then fit in 64-bit index arithmetic.
func.func @too_many_elements(%x: tensor<33554432x16777216xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op type 'tensor<33554432x16777216xf32>' exceeds the nvfp4 limit of 2^48 elements}}
  %q, %s, %g = nvfp4.quantize %x : tensor<33554432x16777216xf32> -> tensor<33554432x8388608xi8>, tensor<33554432x1048576xf8E4M3FN>
  return
}

// -----

// A dimension near 2^63 (2 * cols would overflow) is refused the same way.
func.func @huge_packed_dim(%q: tensor<1x4611686018427387904xi8>, %s: tensor<1x576460752303423488xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.dequantize' op type 'tensor<1x4611686018427387904xi8>' exceeds the nvfp4 limit of 2^48 elements}}
  %x = nvfp4.dequantize %q, %s, %g : tensor<1x4611686018427387904xi8>, tensor<1x576460752303423488xf8E4M3FN> -> tensor<1x9223372036854775807xf32>
  return
}

// -----

// 2^40 elements is a legal type, but a constant of that size is not folded
// (more than 2^28 elements): the splat is never expanded.
// FOLD-LABEL: func.func @huge_splat
// FOLD: nvfp4.quantize
// FOLD: nvfp4.amax
func.func @huge_splat() -> (tensor<1048576x524288xi8>, f32) {
  %x = arith.constant dense<1.5> : tensor<1048576x1048576xbf16>
  %q, %s, %g = nvfp4.quantize %x : tensor<1048576x1048576xbf16> -> tensor<1048576x524288xi8>, tensor<1048576x65536xf8E4M3FN>
  %m = nvfp4.amax %x : tensor<1048576x1048576xbf16>
  return %q, %m : tensor<1048576x524288xi8>, f32
}

// -----

// Dequantizing constants into more than 2^28 elements is not folded either.
// FOLD-LABEL: func.func @huge_dequantize
// FOLD: nvfp4.dequantize
func.func @huge_dequantize() -> tensor<32768x16384xf32> {
  %q = arith.constant dense<1> : tensor<32768x8192xi8>
  %s = arith.constant dense<0x38> : tensor<32768x1024xf8E4M3FN>
  %g = arith.constant 1.0 : f32
  %x = nvfp4.dequantize %q, %s, %g : tensor<32768x8192xi8>, tensor<32768x1024xf8E4M3FN> -> tensor<32768x16384xf32>
  return %x : tensor<32768x16384xf32>
}

// -----

// Within the element limit but over the work budget: 2^27 elements x 253
// candidates of scale_search at radius 126.
// FOLD-LABEL: func.func @search_budget
// FOLD: nvfp4.quantize
func.func @search_budget() -> tensor<16384x4096xi8> {
  %x = arith.constant dense<1.5> : tensor<16384x8192xbf16>
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search, radius = 126>} : tensor<16384x8192xbf16> -> tensor<16384x4096xi8>, tensor<16384x512xf8E4M3FN>
  return %q : tensor<16384x4096xi8>
}
