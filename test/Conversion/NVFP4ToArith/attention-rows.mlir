// RUN: fp4-opt %s --convert-nvfp4-to-arith | FileCheck %s

// nvfp4.attention_rows on the CPU: P's candidate table (static_6, 127 rows)
// once, then an scf.parallel loop over (head, query row) whose body keeps its
// scratch on the heap (test/Pipelines/cpu-heap-scratch.mlir says why): the
// key tiles (two full ones in an
// scf.for, no remainder), each with the scores (four keys side by side),
// exp, P quantized and dequantized block by block, and the output update;
// then O / l. The execution checks (fp4-cpu-check attention) compare it
// with attentionReference bit for bit.

// CHECK-LABEL: func.func @rows
//       CHECK: %[[TABLE:.*]] = memref.alloc() : memref<256x8xf32>
//       CHECK: scf.for %{{.*}} = %c0{{.*}} to %c127
//       CHECK: scf.parallel (%[[G:.*]], %[[I:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c2{{.*}}, %c64{{.*}})
//       CHECK: memref.alloc() : memref<1x64xf32>
//       CHECK: memref.alloc() : memref<1x32xi8>
//       CHECK: memref.alloc() : memref<1x4xi8>
//       CHECK: memref.alloc() : memref<32xf32>
//       CHECK: scf.for %{{.*}} = %c0{{.*}} to %c128{{.*}} step %c64
//       CHECK: scf.for %{{.*}} step %c4
//  CHECK-NOT: nvfp4.
// CHECK-LABEL: return
func.func @rows(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  %o = nvfp4.attention_rows %q, %k, %v {causal, key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}
