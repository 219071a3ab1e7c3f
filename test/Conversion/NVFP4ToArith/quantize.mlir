// RUN: fp4-opt --convert-nvfp4-to-arith --split-input-file %s | FileCheck %s
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 --pass-pipeline='builtin.module(convert-nvfp4-to-arith)' --split-input-file %s | FileCheck %s %}

// The standard rule: amax loop, tensor scale, candidate table, block loop.
// CHECK-LABEL: func.func @static_6
// CHECK-SAME: (%[[X:.*]]: tensor<32x64xbf16>)
// CHECK-DAG:   %[[DIVISOR:.*]] = arith.constant 2.688000e+03 : f32
// CHECK:       %[[IN:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<32x64xbf16> to memref<32x64xbf16>
// CHECK:       %[[DATA:.*]] = memref.alloc() : memref<32x32xi8>
// CHECK:       %[[SCALES:.*]] = memref.alloc() : memref<32x4xf8E4M3FN>
// CHECK:       scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>)
// CHECK:       %[[AMAX:.*]] = vector.reduction <maxnumf>, %{{.*}} : vector<16xf32> into f32
// CHECK:       %[[GENC:.*]] = arith.divf %[[DIVISOR]], %[[AMAX]] : f32
// CHECK:       %[[GDEC:.*]] = arith.divf %{{.*}}, %[[GENC]] : f32
// CHECK:       scf.if %[[VALID:.*]] {
// CHECK:         %[[TABLE:.*]] = memref.alloc() : memref<256x8xf32>
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c127 step
// CHECK:           vector.store %{{.*}}, %[[TABLE]]
// CHECK:         scf.parallel (%[[ROW:.*]], %[[BLOCK:.*]]) = (%{{.*}}, %{{.*}}) to (%c32, %c4)
// CHECK:           vector.load %[[IN]][%[[ROW]], %{{.*}}] : memref<32x64xbf16>, vector<16xbf16>
// CHECK:           arith.extf %{{.*}} : vector<16xbf16> to vector<16xf32>
// CHECK:           arith.cmpf uno
// CHECK:           %[[BAMAX:.*]] = vector.reduction <maxnumf>
// CHECK:           arith.divf %[[BAMAX]]
// CHECK:           math.roundeven %{{.*}} : f32
// CHECK:           vector.load %[[TABLE]]
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14]
// CHECK:           vector.store %{{.*}}, %[[DATA]][%[[ROW]], %{{.*}}] : memref<32x32xi8>, vector<8xi8>
// CHECK:           %[[BYTE:.*]] = arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK:           memref.store %[[BYTE]], %[[SCALES]][%[[ROW]], %[[BLOCK]]]
// An invalid tensor scale (amax 0 or tiny): zero blocks, but a block holding
// a NaN keeps the NaN scale.
// CHECK:       } else {
// CHECK:         scf.parallel
// CHECK:           arith.cmpf uno
// CHECK:           vector.store %{{.*}}, %[[DATA]]
// CHECK:           %[[ZBYTE:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : i8
// CHECK:           %[[ZSCALE:.*]] = arith.bitcast %[[ZBYTE]] : i8 to f8E4M3FN
// CHECK:           memref.store %[[ZSCALE]], %[[SCALES]]
// CHECK:       %[[G:.*]] = arith.select %[[VALID]], %[[GDEC]], %{{.*}} : f32
// CHECK:       %[[Q:.*]] = bufferization.to_tensor %[[DATA]] restrict writable
// CHECK:       %[[S:.*]] = bufferization.to_tensor %[[SCALES]] restrict writable
// CHECK:       return %[[Q]], %[[S]], %[[G]]
// CHECK-NOT:   nvfp4.
func.func @static_6(%x: tensor<32x64xbf16>) -> (tensor<32x32xi8>, tensor<32x4xf8E4M3FN>, f32) {
  %q, %s, %g = nvfp4.quantize %x : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %q, %s, %g : tensor<32x32xi8>, tensor<32x4xf8E4M3FN>, f32
}

// -----

// static_4: Q = 4 in the tensor scale (4 * 448) and in the block scale.
// CHECK-LABEL: func.func @static_4
// CHECK-DAG:   arith.constant 1.792000e+03 : f32
// CHECK-DAG:   %[[Q:.*]] = arith.constant 4.000000e+00 : f32
// CHECK:       scf.parallel
// CHECK:         %[[BAMAX:.*]] = vector.reduction <maxnumf>
// CHECK:         arith.divf %[[BAMAX]], %[[Q]] : f32
func.func @static_4(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<static_4>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// Four Over Six: the M = 256 tensor scale, two candidate errors summed in
// element order, "4" only on a strictly lower error.
// CHECK-LABEL: func.func @four_over_six_mse
// CHECK-DAG:   arith.constant 1.536000e+03 : f32
// CHECK-DAG:   %[[ONE_AND_HALF:.*]] = arith.constant 1.500000e+00 : f32
// CHECK:       scf.parallel
// CHECK:         %[[SHP6:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK:         arith.mulf %[[SHP6]], %[[ONE_AND_HALF]] : f32
// CHECK:         %[[D6:.*]] = arith.subf
// CHECK:         %[[SQ6:.*]] = arith.mulf %[[D6]], %[[D6]] : vector<16xf32>
// CHECK:         %[[E6:.*]] = vector.reduction <add>, %[[SQ6]], %{{.*}} : vector<16xf32> into f32
// CHECK:         %[[D4:.*]] = arith.subf
// CHECK:         %[[SQ4:.*]] = arith.mulf %[[D4]], %[[D4]] : vector<16xf32>
// CHECK:         %[[E4:.*]] = vector.reduction <add>, %[[SQ4]], %{{.*}} : vector<16xf32> into f32
// CHECK:         %[[FOUR:.*]] = arith.cmpf olt, %[[E4]], %[[E6]] : f32
// CHECK:         arith.select %[[FOUR]], %{{.*}}, %{{.*}} : i32
func.func @four_over_six_mse(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// CHECK-LABEL: func.func @four_over_six_mae
// CHECK:       scf.parallel
// CHECK:         %[[D6:.*]] = arith.subf
// CHECK:         %[[A6:.*]] = math.absf %[[D6]] : vector<16xf32>
// CHECK:         %[[E6:.*]] = vector.reduction <add>, %[[A6]]
// CHECK:         %[[D4:.*]] = arith.subf
// CHECK:         %[[A4:.*]] = math.absf %[[D4]] : vector<16xf32>
// CHECK:         %[[E4:.*]] = vector.reduction <add>, %[[A4]]
// CHECK:         arith.cmpf olt, %[[E4]], %[[E6]] : f32
func.func @four_over_six_mae(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mae>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// CHECK-LABEL: func.func @four_over_six_abs_max
// CHECK:       scf.parallel
// CHECK:         %[[D6:.*]] = arith.subf
// CHECK:         %[[A6:.*]] = math.absf %[[D6]] : vector<16xf32>
// CHECK:         %[[E6:.*]] = vector.reduction <maxnumf>, %[[A6]]
// CHECK:         %[[D4:.*]] = arith.subf
// CHECK:         %[[A4:.*]] = math.absf %[[D4]] : vector<16xf32>
// CHECK:         %[[E4:.*]] = vector.reduction <maxnumf>, %[[A4]]
// CHECK:         arith.cmpf olt, %[[E4]], %[[E6]] : f32
func.func @four_over_six_abs_max(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = abs_max>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// ScaleSearch: c0's error, then the bytes below and above c0 within the
// radius, each loop carrying (best error, best byte).
// CHECK-LABEL: func.func @scale_search
// CHECK-DAG:   %[[R:.*]] = arith.constant 3 : i32
// CHECK:       scf.parallel
// CHECK:         %[[E0:.*]] = vector.reduction <add>
// CHECK:         arith.subi %[[C0:.*]], %[[R]] : i32
// CHECK:         arith.maxsi
// CHECK:         arith.addi %[[C0]], %[[R]] : i32
// CHECK:         arith.minsi
// CHECK:         %[[LOW:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[E0]], %{{.*}} = %[[C0]]) -> (f32, i32)
// CHECK:           vector.reduction <add>
// CHECK:           arith.cmpf une
// CHECK:           math.absi
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[LOW]]#0, %{{.*}} = %[[LOW]]#1) -> (f32, i32)
func.func @scale_search(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<scale_search, radius = 3>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// Exact: a bounded walk up from c0 (dead-zone bound), then down (clipping
// bound), each an scf.while that stops once the bound exceeds the best error.
// CHECK-LABEL: func.func @exact
// CHECK:       scf.parallel
// CHECK:         %[[UP:.*]]:3 = scf.while
// CHECK:           arith.cmpf ole
// CHECK:           %[[DEAD:.*]] = vector.reduction <add>
// CHECK:           arith.cmpf ule, %[[DEAD]]
// CHECK:           scf.condition
// CHECK:         } do {
// CHECK:           vector.reduction <add>
// CHECK:           scf.yield
// CHECK:         scf.while ({{.*}} = %{{.*}}, %{{.*}} = %[[UP]]#1, %{{.*}} = %[[UP]]#2)
// CHECK:           arith.cmpf ogt
// CHECK:           %[[CLIP:.*]] = vector.reduction <add>
// CHECK:           arith.cmpf ule, %[[CLIP]]
func.func @exact(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<exact>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// MXFP4: no tensor scale (g = 1, no amax, no validity test), 255 UE8M0
// candidates, 32-element blocks in two chunks, round-up scale codes.
// CHECK-LABEL: func.func @mxfp4
// CHECK-DAG:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NOT:   scf.if
// CHECK:       scf.for %{{.*}} = %{{.*}} to %c255 step
// CHECK:       scf.parallel (%[[ROW:.*]], %[[BLOCK:.*]]) = (%{{.*}}, %{{.*}}) to (%c32, %c2)
// CHECK-COUNT-2: vector.load %{{.*}} : memref<32x64xf32>, vector<16xf32>
// CHECK:         arith.minui
// CHECK-COUNT-2: vector.store %{{.*}} : memref<32x32xi8>, vector<8xi8>
// CHECK:         arith.bitcast %{{.*}} : i8 to f8E8M0FNU
// CHECK:         memref.store %{{.*}}[%[[ROW]], %[[BLOCK]]] : memref<32x2xf8E8M0FNU>
// CHECK:       return %{{.*}}, %[[ONE]]
func.func @mxfp4(%x: tensor<32x64xf32>) -> (tensor<32x2xf8E8M0FNU>, f32) {
  %q, %s, %g = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x2xf8E8M0FNU>
  return %s, %g : tensor<32x2xf8E8M0FNU>, f32
}

// -----

// 16x16 tiles: one loop iteration per tile, 16 row chunks, the scale byte
// stored on all 16 rows.
// CHECK-LABEL: func.func @tile_16x16
// CHECK:       scf.parallel (%{{.*}}, %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c2, %c4)
// CHECK-COUNT-16: vector.load %{{.*}} : memref<32x64xf32>, vector<16xf32>
// CHECK-COUNT-16: vector.store %{{.*}} : memref<32x32xi8>, vector<8xi8>
// CHECK-COUNT-16: memref.store %{{.*}} : memref<32x4xf8E4M3FN>
func.func @tile_16x16(%x: tensor<32x64xf32>) -> tensor<32x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {block_shape = #nvfp4.block_shape<tile_16x16>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %s : tensor<32x4xf8E4M3FN>
}

// -----

// Transpose: output row i gathers input column i.
// CHECK-LABEL: func.func @transpose
// CHECK:       scf.parallel (%[[ROW:.*]], %{{.*}}) = (%{{.*}}, %{{.*}}) to (%c64, %c2)
// CHECK-COUNT-16: memref.load %{{.*}}[%{{.*}}, %[[ROW]]] : memref<32x64xf16>
// CHECK:         vector.from_elements {{.*}} : vector<16xf16>
func.func @transpose(%x: tensor<32x64xf16>) -> tensor<64x16xi8> {
  %q, %s, %g = nvfp4.quantize %x {transpose} : tensor<32x64xf16> -> tensor<64x16xi8>, tensor<64x2xf8E4M3FN>
  return %q : tensor<64x16xi8>
}

// -----

// The tcgen05 scale layout: [row/128, block/4, row%32, (row%128)/32, block%4].
// CHECK-LABEL: func.func @tcgen05
// CHECK:       scf.parallel (%[[ROW:.*]], %[[BLOCK:.*]]) =
// CHECK-DAG:     %[[T:.*]] = arith.divui %[[ROW]], %c128
// CHECK-DAG:     %[[BT:.*]] = arith.divui %[[BLOCK]], %c4
// CHECK-DAG:     %[[R32:.*]] = arith.remui %[[ROW]], %c32
// CHECK-DAG:     %[[R128:.*]] = arith.remui %[[ROW]], %c128
// CHECK-DAG:     %[[SUB:.*]] = arith.divui %[[R128]], %c32
// CHECK-DAG:     %[[B4:.*]] = arith.remui %[[BLOCK]], %c4
// CHECK:         memref.store %{{.*}}[%[[T]], %[[BT]], %[[R32]], %[[SUB]], %[[B4]]] : memref<1x1x32x4x4xf8E4M3FN>
func.func @tcgen05(%x: tensor<128x64xf32>) -> tensor<1x1x32x4x4xf8E4M3FN> {
  %q, %s, %g = nvfp4.quantize %x {scale_layout = #nvfp4.scale_layout<tcgen05>} : tensor<128x64xf32> -> tensor<128x32xi8>, tensor<1x1x32x4x4xf8E4M3FN>
  return %s : tensor<1x1x32x4x4xf8E4M3FN>
}

// -----

// Stochastic rounding: SplitMix64 offsets of (seed, element index), then
// nearbyint on the E2M1 grid.
// CHECK-LABEL: func.func @stochastic
// CHECK-DAG:   arith.constant dense<-7046029254386353131> : vector<16xi64>
// CHECK-DAG:   arith.constant dense<42> : vector<16xi64>
// CHECK:       scf.parallel
// CHECK:         arith.muli %{{.*}} : vector<16xi64>
// CHECK:         arith.uitofp %{{.*}} : vector<16xi64> to vector<16xf32>
// CHECK:         math.roundeven %{{.*}} : vector<16xf32>
func.func @stochastic(%x: tensor<32x64xf32>) -> tensor<32x32xi8> {
  %q, %s, %g = nvfp4.quantize %x {rounding = #nvfp4.rounding<stochastic, seed = 42>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %q : tensor<32x32xi8>
}

// -----

// A calibrated amax replaces the amax pass.
// CHECK-LABEL: func.func @calibrated
// CHECK-SAME: (%{{.*}}: tensor<32x64xf32>, %[[M:.*]]: f32)
// CHECK-NOT:   vector.reduction
// CHECK:       arith.divf %{{.*}}, %[[M]] : f32
func.func @calibrated(%x: tensor<32x64xf32>, %m: f32) -> f32 {
  %q, %s, %g = nvfp4.quantize %x amax(%m) : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %g : f32
}
