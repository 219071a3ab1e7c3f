// RUN: fp4-opt %s --split-input-file --verify-diagnostics

// Every shape and option nvfp4.attention_rows refuses, with a located error.

func.func @rank(%q: tensor<64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{expected q to be rank 3 [heads, tokens, dim], but it has rank 2}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @dynamic(%q: tensor<2x?x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{expected a static shape for q}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x?x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @heads(%q: tensor<2x64x64xf32>, %k: tensor<1x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{q, k and v_t must have the same number of heads}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<1x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @v_not_transposed(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x128x32xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{expected k [G, Lk, D] and v_t [G, Dv, Lk] for q [G, Lq, D]}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x128x32xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @result(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x64xf32> {
  // expected-error @+1 {{expected a result of shape [2, 64, 32]}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x64xf32>
  return %o : tensor<2x64x64xf32>
}

// -----

func.func @key_tile(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{key_tile must be positive, sink_tokens and recent_tokens not negative}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = -16 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @tile_blocks(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{the key tile must be a positive multiple of the nvfp4 block size 16, got 24}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 24 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @scale(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{softmax_scale must be finite and positive}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.0 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @sink_without_bf16(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{q_bf16 and k_bf16 are given exactly when there are sink or recent tokens}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, sink_tokens = 4 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @bf16_types(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>, %qb: tensor<2x64x64xf32>, %kb: tensor<2x64x64xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{q_bf16 and k_bf16 must have the types of q and k}}
  %o = nvfp4.attention_rows %q, %k, %v bf16(%qb, %kb : tensor<2x64x64xf32>, tensor<2x64x64xf32>) {key_tile = 64 : i64, sink_tokens = 4 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}

// -----

func.func @correction(%q: tensor<2x200x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>, %ds: tensor<2x1x128xf32>) -> tensor<2x200x32xf32> {
  // expected-error @+1 {{expected score_correction of shape [2, 2, 128]}}
  %o = nvfp4.attention_rows %q, %k, %v correction(%ds : tensor<2x1x128xf32>) {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x200x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x200x32xf32>
  return %o : tensor<2x200x32xf32>
}

// -----

func.func @head_dim(%q: tensor<2x64x40xf32>, %k: tensor<2x128x40xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  // expected-error @+1 {{the head dims D = 40 and Dv = 32 must be multiples of the nvfp4 block size 16}}
  %o = nvfp4.attention_rows %q, %k, %v {key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x40xf32>, tensor<2x128x40xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}
