// One case per distinct nvfp4 verifier message.
// RUN: fp4-opt %s -split-input-file -verify-diagnostics
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 %s -split-input-file -verify-diagnostics %}

func.func @four_over_six_needs_metric(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{scale rule 'four_over_six' needs a metric (metric = mse | mae | abs_max)}}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @metric_only_for_four_over_six(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{scale rule 'exact' takes no metric; only 'four_over_six' does}}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<exact, metric = mse>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @search_needs_radius(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{scale rule 'scale_search' needs a radius (radius = 1..126)}}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @radius_only_for_search(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{scale rule 'static_6' takes no radius; only 'scale_search' does}}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<static_6, radius = 2>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @radius_range(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{scale_search radius must be in [1, 126], got 127}}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search, radius = 127>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @stochastic_needs_seed(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{stochastic rounding needs a seed (seed = N)}}
  %0:3 = nvfp4.quantize %x {rounding = #nvfp4.rounding<stochastic>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @nearest_takes_no_seed(%x: tensor<16x16xf32>) {
  // expected-error @+1 {{round-to-nearest takes no seed}}
  %0:3 = nvfp4.quantize %x {rounding = #nvfp4.rounding<nearest, seed = 1>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @unknown_rule(%x: tensor<16x16xf32>) {
  // expected-error @+2 {{expected ::mlir::nvfp4::ScaleRuleKind to be one of: static_6, static_4, four_over_six, scale_search, exact}}
  // expected-error @+1 {{failed to parse NVFP4_ScaleRuleAttr parameter 'kind'}}
  %0:3 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<six_over_four>} : tensor<16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @rank(%x: tensor<4x16x16xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op expected a rank-2 input, but got rank 3}}
  %0:3 = nvfp4.quantize %x : tensor<4x16x16xf32> -> tensor<16x8xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @mxfp4_four_over_six(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op scale rule 'four_over_six' does not apply to mxfp4 (it needs E4M3 block scales)}}
  %0:3 = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>, rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<16x32xf32> -> tensor<16x16xi8>, tensor<16x1xf8E8M0FNU>
  return
}

// -----

func.func @mxfp4_amax(%x: tensor<16x32xf32>, %a: f32) {
  // expected-error @+1 {{'nvfp4.quantize' op mxfp4 has no tensor scale, so it takes no amax}}
  %0:3 = nvfp4.quantize %x amax(%a) {format = #nvfp4.format<mxfp4>} : tensor<16x32xf32> -> tensor<16x16xi8>, tensor<16x1xf8E8M0FNU>
  return
}

// -----

func.func @tile_needs_nvfp4(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op 16x16 blocks need the nvfp4 format}}
  %0:3 = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>, block_shape = #nvfp4.block_shape<tile_16x16>} : tensor<16x32xf32> -> tensor<16x16xi8>, tensor<16x1xf8E8M0FNU>
  return
}

// -----

func.func @tile_rows(%x: tensor<8x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op 16x16 blocks need rows in multiples of 16, but the quantized matrix has 8}}
  %0:3 = nvfp4.quantize %x {block_shape = #nvfp4.block_shape<tile_16x16>} : tensor<8x32xf32> -> tensor<8x16xi8>, tensor<8x2xf8E4M3FN>
  return
}

// -----

func.func @k_not_multiple_of_block(%x: tensor<16x24xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op the quantized matrix has 24 columns, not a multiple of the nvfp4 block size 16}}
  %0:3 = nvfp4.quantize %x : tensor<16x24xf32> -> tensor<16x12xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @packed_shape(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op expected packed data of shape 16x16 (two E2M1 codes per byte), but got 16x32}}
  %0:3 = nvfp4.quantize %x : tensor<16x32xf32> -> tensor<16x32xi8>, tensor<16x2xf8E4M3FN>
  return
}

// -----

func.func @scale_type(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op expected f8E4M3FN scales for nvfp4, but got 'f8E8M0FNU'}}
  %0:3 = nvfp4.quantize %x : tensor<16x32xf32> -> tensor<16x16xi8>, tensor<16x2xf8E8M0FNU>
  return
}

// -----

func.func @scale_shape(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op expected result scales of shape 16x2 (row_major layout, 16-element blocks), but got 16x1}}
  %0:3 = nvfp4.quantize %x : tensor<16x32xf32> -> tensor<16x16xi8>, tensor<16x1xf8E4M3FN>
  return
}

// -----

func.func @transposed_shape(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op the quantized matrix has 16 columns, not a multiple of the mxfp4 block size 32}}
  %0:3 = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>, transpose} : tensor<16x32xf32> -> tensor<32x8xi8>, tensor<32x1xf8E8M0FNU>
  return
}

// -----

func.func @tcgen05_rows(%x: tensor<64x64xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op the tcgen05 scale layout needs rows in multiples of 128, but result has 64}}
  %0:3 = nvfp4.quantize %x {scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<64x64xf32> -> tensor<64x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  return
}

// -----

func.func @tcgen05_block_cols(%x: tensor<128x32xf32>) {
  // expected-error @+1 {{'nvfp4.quantize' op the tcgen05 scale layout needs block columns in multiples of 4, but result has 2}}
  %0:3 = nvfp4.quantize %x {scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<128x32xf32> -> tensor<128x16xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  return
}

// -----

func.func @input_type(%x: tensor<16x32xi32>) {
  // expected-error @+1 {{'nvfp4.quantize' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values}}
  %0:3 = nvfp4.quantize %x : tensor<16x32xi32> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  return
}

// -----

func.func @dequantize_scale_type(%q: tensor<16x16xi8>, %s: tensor<16x2xf16>, %g: f32) {
  // expected-error @+1 {{'nvfp4.dequantize' op operand #1 must be ranked tensor of f8E4M3FN type or f8E8M0FNU type values}}
  %0 = nvfp4.dequantize %q, %s, %g : tensor<16x16xi8>, tensor<16x2xf16> -> tensor<16x32xf32>
  return
}

// -----

func.func @dequantize_scale_rank(%q: tensor<16x16xi8>, %s: tensor<16x2x1xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.dequantize' op expected operand scales of rank 2 (row_major) or 5 (tcgen05), but got rank 3}}
  %0 = nvfp4.dequantize %q, %s, %g : tensor<16x16xi8>, tensor<16x2x1xf8E4M3FN> -> tensor<16x32xf32>
  return
}

// -----

func.func @dequantize_block(%q: tensor<16x8xi8>, %s: tensor<16x1xf8E8M0FNU>, %g: f32) {
  // expected-error @+1 {{'nvfp4.dequantize' op operand has 16 columns, not a multiple of the mxfp4 block size 32}}
  %0 = nvfp4.dequantize %q, %s, %g : tensor<16x8xi8>, tensor<16x1xf8E8M0FNU> -> tensor<16x16xf32>
  return
}

// -----

func.func @dequantize_result(%q: tensor<16x16xi8>, %s: tensor<16x2xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.dequantize' op expected a result of shape 16x32, but got 16x16}}
  %0 = nvfp4.dequantize %q, %s, %g : tensor<16x16xi8>, tensor<16x2xf8E4M3FN> -> tensor<16x16xf32>
  return
}

// -----

func.func @matmul_formats(%a: tensor<128x32xi8>, %sa: tensor<128x4xf8E4M3FN>, %b: tensor<128x32xi8>, %sb: tensor<128x2xf8E8M0FNU>, %g: f32) {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op operands have different formats: lhs is nvfp4, rhs is mxfp4}}
  %0 = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g] : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<128x32xi8>, tensor<128x2xf8E8M0FNU> -> tensor<128x128xf32>
  return
}

// -----

func.func @matmul_layouts(%a: tensor<128x32xi8>, %sa: tensor<128x4xf8E4M3FN>, %b: tensor<128x32xi8>, %sb: tensor<1x1x32x4x4xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op operands have different scale layouts: lhs is row_major, rhs is tcgen05}}
  %0 = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g] : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN> -> tensor<128x128xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<128x32xi8>, %sa: tensor<128x4xf8E4M3FN>, %b: tensor<128x16xi8>, %sb: tensor<128x2xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op contraction sizes differ: lhs has K = 64, rhs has K = 32}}
  %0 = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g] : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<128x16xi8>, tensor<128x2xf8E4M3FN> -> tensor<128x128xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<128x32xi8>, %sa: tensor<128x4xf8E4M3FN>, %b: tensor<64x32xi8>, %sb: tensor<64x4xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op expected a result of shape 128x64 (M x N), but got 128x128}}
  %0 = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g] : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, tensor<64x32xi8>, tensor<64x4xf8E4M3FN> -> tensor<128x128xf32>
  return
}

// -----

func.func @matmul_scale_shape(%a: tensor<128x32xi8>, %sa: tensor<128x2xf8E4M3FN>, %b: tensor<64x32xi8>, %sb: tensor<64x4xf8E4M3FN>, %g: f32) {
  // expected-error @+1 {{'nvfp4.scaled_matmul' op expected lhs scales of shape 128x4 (row_major layout, 16-element blocks), but got 128x2}}
  %0 = nvfp4.scaled_matmul %a[%sa, %g], %b[%sb, %g] : tensor<128x32xi8>, tensor<128x2xf8E4M3FN>, tensor<64x32xi8>, tensor<64x4xf8E4M3FN> -> tensor<128x64xf32>
  return
}
