// RUN: fp4-opt %s --nvfp4-decompose-attention | FileCheck %s
// RUN: fp4-opt %s --nvfp4-decompose-attention=products=scaled-matmul | FileCheck %s --check-prefix=SCALED
// RUN: fp4-opt %s --nvfp4-decompose-attention=products=fused | FileCheck %s --check-prefix=FUSED
// RUN: not fp4-opt %s --nvfp4-decompose-attention=products=fast 2>&1 | FileCheck %s --check-prefix=BADPRODUCTS
// RUN: not fp4-opt %s --nvfp4-decompose-attention=scale-layout=tiled 2>&1 | FileCheck %s --check-prefix=BADLAYOUT

// The decomposition of one attention: a loop over batch and heads; Q, K and V
// quantized with the rule's divisor as calibrated amax (static_6: 2688, so
// no tensor scale); two full key tiles in an scf.for, then the remainder
// tile; each tile quantizes its P. products=reference dequantizes and sums
// with linalg; products=scaled-matmul uses nvfp4.scaled_matmul.
// products=fused only prepares Q, K and V per head, gathered into
// [B * H, ...] tensors (V transposed), then one nvfp4.attention_rows with the
// effective softmax scale 1/sqrt(32) for every head.

// CHECK-LABEL: func.func @attention
//       CHECK: scf.for
//       CHECK: scf.for
//       CHECK: %[[DQ:.*]] = arith.constant 2.688000e+03 : f32
//       CHECK: nvfp4.quantize %{{.*}} amax(%[[DQ]]) : tensor<32x32xf32>
//       CHECK: %[[DK:.*]] = arith.constant 2.688000e+03 : f32
//       CHECK: nvfp4.quantize %{{.*}} amax(%[[DK]]) : tensor<80x32xf32>
//       CHECK: %[[DV:.*]] = arith.constant 2.688000e+03 : f32
//       CHECK: nvfp4.quantize %{{.*}} amax(%[[DV]]) {transpose} : tensor<80x16xf32> -> tensor<16x40xi8>
//       CHECK: nvfp4.dequantize
//       CHECK: scf.for %{{.*}} = %{{.*}} to %c64 step %c32 iter_args
//       CHECK: nvfp4.quantize %{{.*}} : tensor<32x32xf32>
//       CHECK: bufferization.materialize_in_destination
//       CHECK: scf.yield
//       CHECK: nvfp4.quantize %{{.*}} : tensor<32x16xf32>
//   CHECK-NOT: nvfp4.attention
//   CHECK-NOT: nvfp4.scaled_matmul

// SCALED-LABEL: func.func @attention
//       SCALED: scf.for %{{.*}} iter_args
//       SCALED: nvfp4.scaled_matmul
//       SCALED: nvfp4.quantize
//       SCALED: nvfp4.scaled_matmul
//   SCALED-NOT: nvfp4.dequantize
//   SCALED-NOT: nvfp4.attention

// FUSED-LABEL: func.func @attention
//       FUSED: scf.for {{.*}} -> (tensor<2x32x32xf32>, tensor<2x80x32xf32>, tensor<2x16x80xf32>)
//       FUSED: scf.for
//       FUSED: nvfp4.quantize %{{.*}} : tensor<32x32xf32>
//       FUSED: nvfp4.quantize %{{.*}} : tensor<80x32xf32>
//       FUSED: nvfp4.quantize %{{.*}} {transpose} : tensor<80x16xf32>
//       FUSED: tensor.insert_slice %{{.*}} into %{{.*}}[%[[G:.*]], 0, 0] [1, 32, 32] [1, 1, 1] : tensor<32x32xf32> into tensor<2x32x32xf32>
//       FUSED: tensor.insert_slice %{{.*}} into %{{.*}}[%[[G]], 0, 0] [1, 80, 32] [1, 1, 1]
//       FUSED: tensor.insert_slice %{{.*}} into %{{.*}}[%[[G]], 0, 0] [1, 16, 80] [1, 1, 1]
//       FUSED: %[[ROWS:.*]] = nvfp4.attention_rows %{{.*}}#0, %{{.*}}#1, %{{.*}}#2 {causal, key_tile = 32 : i64, softmax_scale = 0.176776692 : f32} : tensor<2x32x32xf32>, tensor<2x80x32xf32>, tensor<2x16x80xf32> -> tensor<2x32x16xf32>
//       FUSED: tensor.expand_shape %[[ROWS]] {{\[\[}}0, 1], [2], [3]] output_shape [1, 2, 32, 16]
//   FUSED-NOT: nvfp4.quantize
//   FUSED-NOT: nvfp4.attention

// BADPRODUCTS: error: nvfp4-decompose-attention: unknown products 'fast' (expected reference, fused or scaled-matmul)
// BADLAYOUT: error: nvfp4-decompose-attention: unknown scale-layout 'tiled' (expected row_major or tcgen05)

func.func @attention(%q: tensor<1x2x32x32xbf16>, %k: tensor<1x2x80x32xbf16>, %v: tensor<1x2x80x16xbf16>) -> tensor<1x2x32x16xf32> {
  %o = nvfp4.attention %q, %k, %v {causal, key_tile = 32} : tensor<1x2x32x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16> -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}
