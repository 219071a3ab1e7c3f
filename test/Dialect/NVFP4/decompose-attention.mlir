// RUN: fp4-opt %s --nvfp4-decompose-attention | FileCheck %s
// RUN: fp4-opt %s --nvfp4-decompose-attention=products=scaled-matmul | FileCheck %s --check-prefix=SCALED
// RUN: not fp4-opt %s --nvfp4-decompose-attention=products=fast 2>&1 | FileCheck %s --check-prefix=BADPRODUCTS
// RUN: not fp4-opt %s --nvfp4-decompose-attention=scale-layout=tiled 2>&1 | FileCheck %s --check-prefix=BADLAYOUT

// The decomposition of one attention: a loop over batch and heads; Q, K and V
// quantized with the rule's divisor as calibrated amax (static_6: 2688, so
// no tensor scale); two full key tiles in an scf.for, then the remainder
// tile; each tile quantizes its P. products=reference dequantizes and sums
// with linalg; products=scaled-matmul uses nvfp4.scaled_matmul.

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

// BADPRODUCTS: error: nvfp4-decompose-attention: unknown products 'fast' (expected reference or scaled-matmul)
// BADLAYOUT: error: nvfp4-decompose-attention: unknown scale-layout 'tiled' (expected row_major or tcgen05)

func.func @attention(%q: tensor<1x2x32x32xbf16>, %k: tensor<1x2x80x32xbf16>, %v: tensor<1x2x80x16xbf16>) -> tensor<1x2x32x16xf32> {
  %o = nvfp4.attention %q, %k, %v {causal, key_tile = 32} : tensor<1x2x32x32xbf16>, tensor<1x2x80x32xbf16>, tensor<1x2x80x16xbf16> -> tensor<1x2x32x16xf32>
  return %o : tensor<1x2x32x16xf32>
}
