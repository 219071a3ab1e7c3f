// RUN: fp4-opt %s --convert-nvfp4-to-arith --verify-diagnostics

// nvfp4.attention is lowered by nvfp4-decompose-attention, not by the
// conversion itself: run alone, the conversion says so at the op.
func.func @attention(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{'nvfp4.attention' op was not lowered by convert-nvfp4-to-arith (nvfp4-decompose-attention lowers it to ops this pass takes; nvfp4-lower-to-cpu runs both)}}
  %o = nvfp4.attention %q, %k, %v {causal} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}
