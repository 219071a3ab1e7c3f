// RUN: fp4-opt %s --split-input-file --verify-diagnostics

// Every shape and option nvfp4.attention refuses, with a located error. The
// option checks are the numerics library's (validateAttentionOptions).

func.func @rank(%q: tensor<2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{expected the query to be rank 4 [batch, heads, tokens, dim], but it has rank 3}}
  %o = nvfp4.attention %q, %k, %v : tensor<2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @dynamic(%q: tensor<1x2x?x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{expected a static shape for the query (the lowerings take static shapes only)}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x2x?x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @heads(%q: tensor<1x4x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x4x64x64xf32> {
  // expected-error @+1 {{query, key and value must have the same batch and head sizes}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x4x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x4x64x64xf32>
  return %o : tensor<1x4x64x64xf32>
}

// -----

func.func @tokens(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x32x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{key and value must have the same number of tokens, but have 64 and 32}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x32x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @head_dim(%q: tensor<1x2x64x128xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{query and key must have the same head dim, but have 128 and 64}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x2x64x128xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @result(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x32xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{expected a result of shape [1, 2, 64, 32]}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x32xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @block(%q: tensor<1x2x64x24xbf16>, %k: tensor<1x2x64x24xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{the head dims D = 24 and Dv = 64 must be multiples of the nvfp4 block size 16}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x2x64x24xbf16>, tensor<1x2x64x24xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @keys(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x40x64xbf16>, %v: tensor<1x2x40x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{Lk = 40 must be a multiple of the nvfp4 block size 16 when V or P is quantized}}
  %o = nvfp4.attention %q, %k, %v : tensor<1x2x64x64xbf16>, tensor<1x2x40x64xbf16>, tensor<1x2x40x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @tile(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{the key tile must be a positive multiple of the nvfp4 block size 16, got 24}}
  %o = nvfp4.attention %q, %k, %v {key_tile = 24} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @negative(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{key_tile must be positive, sink_tokens and recent_tokens not negative}}
  %o = nvfp4.attention %q, %k, %v {sink_tokens = -1} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @scale(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{softmax_scale must be finite and positive}}
  %o = nvfp4.attention %q, %k, %v {softmax_scale = 0.0 : f32} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @four_over_six_mxfp4(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{p: four_over_six applies to nvfp4 only}}
  %o = nvfp4.attention %q, %k, %v {format = #nvfp4.format<mxfp4>, p_rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}

// -----

func.func @tensor_scale_mxfp4(%q: tensor<1x2x64x64xbf16>, %k: tensor<1x2x64x64xbf16>, %v: tensor<1x2x64x64xbf16>) -> tensor<1x2x64x64xf32> {
  // expected-error @+1 {{a per-head tensor scale applies to nvfp4 only (mxfp4 has none)}}
  %o = nvfp4.attention %q, %k, %v {format = #nvfp4.format<mxfp4>, qkv_tensor_scale} : tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16>, tensor<1x2x64x64xbf16> -> tensor<1x2x64x64xf32>
  return %o : tensor<1x2x64x64xf32>
}
