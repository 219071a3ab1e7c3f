// RUN: fp4-opt --convert-nvfp4-to-arith --split-input-file %s | FileCheck %s

// A static size that is a multiple of 16: a vector running max over the
// flattened buffer, finite |x| only.
// CHECK-LABEL: func.func @vector_loop
// CHECK-DAG:   %[[MAX:.*]] = arith.constant dense<3.40282347E+38> : vector<16xf32>
// CHECK:       %[[FLAT:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : memref<2x8x16xf16> into memref<256xf16>
// CHECK:       %[[RUNNING:.*]] = scf.for %[[I:.*]] = %{{.*}} to %c256 step %c16 iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK:         %[[X:.*]] = vector.load %[[FLAT]][%[[I]]] : memref<256xf16>, vector<16xf16>
// CHECK:         %[[W:.*]] = arith.extf %[[X]]
// CHECK:         %[[A:.*]] = math.absf %[[W]]
// CHECK:         %[[OK:.*]] = arith.cmpf ole, %[[A]], %[[MAX]]
// CHECK:         %[[F:.*]] = arith.select %[[OK]], %[[A]]
// CHECK:         arith.maxnumf %[[ACC]], %[[F]]
// CHECK:       vector.reduction <maxnumf>, %[[RUNNING]] : vector<16xf32> into f32
func.func @vector_loop(%x: tensor<2x8x16xf16>) -> f32 {
  %m = nvfp4.amax %x : tensor<2x8x16xf16>
  return %m : f32
}

// -----

// Other shapes, dynamic ones included: a linalg.generic max reduction.
// CHECK-LABEL: func.func @generic
// CHECK:       linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%{{.*}} : tensor<?x5xbf16>) outs(%{{.*}} : tensor<f32>)
// CHECK:         arith.extf
// CHECK:         math.absf
// CHECK:         arith.maxnumf
// CHECK:       tensor.extract %{{.*}}[] : tensor<f32>
func.func @generic(%x: tensor<?x5xbf16>) -> f32 {
  %m = nvfp4.amax %x : tensor<?x5xbf16>
  return %m : f32
}
