// RUN: fp4-opt --nvfp4-quantize-matmuls="skip-names=lm_head,keep_me" --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: fp4-opt --nvfp4-quantize-matmuls="scale-layout=row_major" --split-input-file %s 2>/dev/null | FileCheck %s --check-prefix=ROW

// Every matmul that stays as it was says why; the others are rewritten.

// CHECK-LABEL: func.func @k_not_a_block_multiple
//       CHECK: linalg.matmul
// ROW-LABEL: func.func @k_not_a_block_multiple
//       ROW: linalg.matmul
func.func @k_not_a_block_multiple(%a: tensor<128x72xf32>, %b: tensor<72x128xf32>, %c: tensor<128x128xf32>) -> tensor<128x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: K = 72 is not a multiple of the nvfp4 block size 16}}
  %r = linalg.matmul ins(%a, %b : tensor<128x72xf32>, tensor<72x128xf32>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}

// -----

// CHECK-LABEL: func.func @integer_operands
//       CHECK: linalg.matmul
func.func @integer_operands(%a: tensor<128x64xi8>, %b: tensor<64x128xi8>, %c: tensor<128x128xi32>) -> tensor<128x128xi32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: its operands are not f32, bf16 or f16}}
  %r = linalg.matmul ins(%a, %b : tensor<128x64xi8>, tensor<64x128xi8>) outs(%c : tensor<128x128xi32>) -> tensor<128x128xi32>
  return %r : tensor<128x128xi32>
}

// -----

// CHECK-LABEL: func.func @f16_result
//       CHECK: linalg.matmul
func.func @f16_result(%a: tensor<128x64xf16>, %b: tensor<64x128xf16>, %c: tensor<128x128xf16>) -> tensor<128x128xf16> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: its result is not f32 or bf16 (what nvfp4.scaled_matmul produces)}}
  %r = linalg.matmul ins(%a, %b : tensor<128x64xf16>, tensor<64x128xf16>) outs(%c : tensor<128x128xf16>) -> tensor<128x128xf16>
  return %r : tensor<128x128xf16>
}

// -----

// CHECK-LABEL: func.func @dynamic
//       CHECK: linalg.matmul
func.func @dynamic(%a: tensor<?x64xf32>, %b: tensor<64x128xf32>, %c: tensor<?x128xf32>) -> tensor<?x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: it has dynamic shapes}}
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x128xf32>) outs(%c : tensor<?x128xf32>) -> tensor<?x128xf32>
  return %r : tensor<?x128xf32>
}

// -----

// The tcgen05 layout needs M, N in multiples of 128; row_major takes it.
// CHECK-LABEL: func.func @small_m
//       CHECK: linalg.matmul
// ROW-LABEL: func.func @small_m
//       ROW: nvfp4.scaled_matmul
func.func @small_m(%a: tensor<16x64xf32>, %b: tensor<64x128xf32>, %c: tensor<16x128xf32>) -> tensor<16x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: M = 16, N = 128, K = 64: the tcgen05 scale layout needs M and N multiples of 128 and K a multiple of 64 (use scale-layout=row_major for CPU code)}}
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x128xf32>) outs(%c : tensor<16x128xf32>) -> tensor<16x128xf32>
  return %r : tensor<16x128xf32>
}

// -----

// CHECK-LABEL: func.func @k_not_four_blocks
//       CHECK: linalg.matmul
func.func @k_not_four_blocks(%a: tensor<128x32xf32>, %b: tensor<32x128xf32>, %c: tensor<128x128xf32>) -> tensor<128x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: M = 128, N = 128, K = 32: the tcgen05 scale layout needs}}
  %r = linalg.matmul ins(%a, %b : tensor<128x32xf32>, tensor<32x128xf32>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}

// -----

// Skipped by attribute, by location name and by function name.
// CHECK-LABEL: func.func @skip_attribute
//       CHECK: linalg.matmul {{.*}}nvfp4.skip
func.func @skip_attribute(%a: tensor<128x64xf32>, %b: tensor<64x128xf32>, %c: tensor<128x128xf32>) -> tensor<128x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: it carries the 'nvfp4.skip' attribute}}
  %r = linalg.matmul {nvfp4.skip} ins(%a, %b : tensor<128x64xf32>, tensor<64x128xf32>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}

// -----

// CHECK-LABEL: func.func @keep_me
//       CHECK: linalg.matmul
func.func @keep_me(%a: tensor<128x64xf32>, %b: tensor<64x128xf32>, %c: tensor<128x128xf32>) -> tensor<128x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: its name is in skip-names}}
  %r = linalg.matmul ins(%a, %b : tensor<128x64xf32>, tensor<64x128xf32>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
  return %r : tensor<128x128xf32>
}

// -----

// A contraction that is not a matmul (a matvec) is reported too.
// CHECK-LABEL: func.func @matvec
//       CHECK: linalg.matvec
func.func @matvec(%a: tensor<128x64xf32>, %x: tensor<64xf32>, %y: tensor<128xf32>) -> tensor<128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: the contraction is not a matmul or batch matmul}}
  %r = linalg.matvec ins(%a, %x : tensor<128x64xf32>, tensor<64xf32>) outs(%y : tensor<128xf32>) -> tensor<128xf32>
  return %r : tensor<128xf32>
}

// -----

// Element-wise ops are not contractions: no remark.
// CHECK-LABEL: func.func @elementwise
//       CHECK: linalg.add
func.func @elementwise(%a: tensor<128x64xf32>, %b: tensor<128x64xf32>) -> tensor<128x64xf32> {
  %r = linalg.add ins(%a, %b : tensor<128x64xf32>, tensor<128x64xf32>) outs(%a : tensor<128x64xf32>) -> tensor<128x64xf32>
  return %r : tensor<128x64xf32>
}

// -----

// CHECK-LABEL: func.func @empty
//       CHECK: linalg.matmul
func.func @empty(%a: tensor<0x64xf32>, %b: tensor<64x128xf32>, %c: tensor<0x128xf32>) -> tensor<0x128xf32> {
  // expected-remark @+1 {{matmul not rewritten to nvfp4: it is empty (a zero-sized dimension)}}
  %r = linalg.matmul ins(%a, %b : tensor<0x64xf32>, tensor<64x128xf32>) outs(%c : tensor<0x128xf32>) -> tensor<0x128xf32>
  return %r : tensor<0x128xf32>
}
