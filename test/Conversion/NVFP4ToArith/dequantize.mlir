// RUN: fp4-opt --convert-nvfp4-to-arith --split-input-file %s | FileCheck %s

// (e2m1 * scale) * g per 16-element chunk: 8 packed bytes, low and high
// nibbles interleaved, decoded in integer ops.
// CHECK-LABEL: func.func @nvfp4_f32
// CHECK-SAME: (%[[Q:.*]]: tensor<32x32xi8>, %[[S:.*]]: tensor<32x4xf8E4M3FN>, %[[G:.*]]: f32)
// CHECK:       %[[DATA:.*]] = bufferization.to_buffer %[[Q]] read_only
// CHECK:       %[[SCALES:.*]] = bufferization.to_buffer %[[S]] read_only
// CHECK:       %[[OUT:.*]] = memref.alloc() : memref<32x64xf32>
// CHECK:       scf.parallel (%[[ROW:.*]], %[[BLOCK:.*]]) = (%{{.*}}, %{{.*}}) to (%c32, %c4)
// CHECK:         %[[RAW:.*]] = memref.load %[[SCALES]][%[[ROW]], %[[BLOCK]]] : memref<32x4xf8E4M3FN>
// CHECK:         arith.bitcast %[[RAW]] : f8E4M3FN to i8
// CHECK:         %[[GV:.*]] = vector.broadcast %[[G]] : f32 to vector<16xf32>
// CHECK:         %[[PACKED:.*]] = vector.load %[[DATA]][%[[ROW]], %{{.*}}] : memref<32x32xi8>, vector<8xi8>
// CHECK:         %[[LOW:.*]] = arith.andi %[[PACKED]]
// CHECK:         %[[HIGH:.*]] = arith.shrui %[[PACKED]]
// CHECK:         vector.shuffle %[[LOW]], %[[HIGH]] [0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15]
// CHECK:         %[[ES:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:         %[[V:.*]] = arith.mulf %[[ES]], %[[GV]] : vector<16xf32>
// CHECK:         vector.store %[[V]], %[[OUT]][%[[ROW]], %{{.*}}] : memref<32x64xf32>, vector<16xf32>
// CHECK:       bufferization.to_tensor %[[OUT]] restrict writable
func.func @nvfp4_f32(%q: tensor<32x32xi8>, %s: tensor<32x4xf8E4M3FN>, %g: f32) -> tensor<32x64xf32> {
  %x = nvfp4.dequantize %q, %s, %g : tensor<32x32xi8>, tensor<32x4xf8E4M3FN> -> tensor<32x64xf32>
  return %x : tensor<32x64xf32>
}

// -----

// MXFP4 (UE8M0 scales, two chunks per block) from the tcgen05 layout, to bf16.
// CHECK-LABEL: func.func @mxfp4_tcgen05_bf16
// CHECK:       scf.parallel (%[[ROW:.*]], %[[BLOCK:.*]]) = (%{{.*}}, %{{.*}}) to (%c128, %c4)
// CHECK:         memref.load %{{.*}} : memref<1x1x32x4x4xf8E8M0FNU>
// CHECK-COUNT-2: arith.truncf %{{.*}} : vector<16xf32> to vector<16xbf16>
func.func @mxfp4_tcgen05_bf16(%q: tensor<128x64xi8>, %s: tensor<1x1x32x4x4xf8E8M0FNU>, %g: f32) -> tensor<128x128xbf16> {
  %x = nvfp4.dequantize %q, %s, %g : tensor<128x64xi8>, tensor<1x1x32x4x4xf8E8M0FNU> -> tensor<128x128xbf16>
  return %x : tensor<128x128xbf16>
}
