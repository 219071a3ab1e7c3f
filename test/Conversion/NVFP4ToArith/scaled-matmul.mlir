// RUN: fp4-opt --convert-nvfp4-to-arith %s | FileCheck %s

// Both operands decoded with g = 1, B transposed so that lanes run along N,
// products summed over k in order (one sum per lane), then times gA * gB.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: %[[GA:[^:]*]]: f32, %{{[^:]*}}: tensor<48x32xi8>, %{{[^:]*}}: tensor<48x4xf8E4M3FN>, %[[GB:[^:]*]]: f32
// CHECK:       %[[A:.*]] = memref.alloc() : memref<16x64xf32>
// CHECK:       %[[B:.*]] = memref.alloc() : memref<48x64xf32>
// CHECK:       %[[BT:.*]] = linalg.transpose ins(%{{.*}} : tensor<48x64xf32>) outs(%{{.*}} : tensor<64x48xf32>) permutation = [1, 0]
// CHECK:       %[[BTBUF:.*]] = bufferization.to_buffer %[[BT]] read_only
// CHECK:       %[[OUT:.*]] = memref.alloc() : memref<16x48xbf16>
// CHECK:       %[[G:.*]] = arith.mulf %[[GA]], %[[GB]] : f32
// CHECK:       scf.parallel (%[[M:.*]], %[[N:.*]]) = (%{{.*}}, %{{.*}}) to (%c16, %c3)
// CHECK:         %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %c64 step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK:           memref.load %{{.*}}[%[[M]], %[[K]]] : memref<16x64xf32>
// CHECK:           vector.load %[[BTBUF]][%[[K]], %{{.*}}] : memref<64x48xf32>, vector<16xf32>
// CHECK:           %[[P:.*]] = arith.mulf
// CHECK:           %[[NEXT:.*]] = arith.addf %[[ACC]], %[[P]] : vector<16xf32>
// CHECK:           scf.yield %[[NEXT]]
// CHECK:         %[[GV:.*]] = vector.broadcast %[[G]]
// CHECK:         %[[R:.*]] = arith.mulf %[[SUM]], %[[GV]] : vector<16xf32>
// CHECK:         %[[RB:.*]] = arith.truncf %[[R]] : vector<16xf32> to vector<16xbf16>
// CHECK:         vector.store %[[RB]], %[[OUT]]
// CHECK-NOT:   nvfp4.
func.func @matmul(%a: tensor<16x32xi8>, %sa: tensor<16x4xf8E4M3FN>, %ga: f32,
                  %b: tensor<48x32xi8>, %sb: tensor<48x4xf8E4M3FN>, %gb: f32) -> tensor<16x48xbf16> {
  %d = nvfp4.scaled_matmul %a[%sa, %ga], %b[%sb, %gb]
      : tensor<16x32xi8>, tensor<16x4xf8E4M3FN>, tensor<48x32xi8>, tensor<48x4xf8E4M3FN> -> tensor<16x48xbf16>
  return %d : tensor<16x48xbf16>
}
