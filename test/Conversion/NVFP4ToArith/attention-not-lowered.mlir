// RUN: fp4-opt %s --convert-nvfp4-to-arith --verify-diagnostics

// nvfp4.attention has a verifier and a library reference
// (include/fp4/Numerics/Attention.h) but no lowering yet: the conversion
// says so at the op instead of producing anything.
func.func @attention(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{'nvfp4.attention' op was not lowered by convert-nvfp4-to-arith}}
  %o = nvfp4.attention %q, %k, %v {causal} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}
