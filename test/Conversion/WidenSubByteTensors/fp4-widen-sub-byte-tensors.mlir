// fp4-widen-sub-byte-tensors: tensors of i1..i7 get i8 elements holding the
// zero-extended bits; scalar code keeps its types through arith.trunci where
// it reads an element and arith.extui where it writes one.
// RUN: fp4-opt --fp4-widen-sub-byte-tensors --split-input-file %s | FileCheck %s

#id = affine_map<(i, j) -> (i, j)>

// A causal mask constant applied with select (torch-mlir's masked fill).
// CHECK-LABEL: func.func @causal_mask
//  CHECK-SAME: (%[[X:.*]]: tensor<4x4xf32>) -> tensor<4x4xf32>
//       CHECK: %[[MASK:.*]] = arith.constant dense<{{\[}}[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 1, 1, 1]]> : tensor<4x4xi8>
//       CHECK: linalg.generic {{.*}} ins(%[[MASK]], %[[X]] : tensor<4x4xi8>, tensor<4x4xf32>)
//  CHECK-NEXT: ^bb0(%[[M:.*]]: i8, %[[V:.*]]: f32, %{{.*}}: f32):
//  CHECK-NEXT:   %[[B:.*]] = arith.trunci %[[M]] : i8 to i1
//  CHECK-NEXT:   %[[S:.*]] = arith.select %[[B]], %[[V]], %{{.*}} : f32
//  CHECK-NEXT:   linalg.yield %[[S]] : f32
func.func @causal_mask(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %mask = arith.constant dense<[[true, false, false, false], [true, true, false, false],
                                [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mask, %x : tensor<4x4xi1>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%m: i1, %v: f32, %o: f32):
    %s = arith.select %m, %v, %ninf : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// Splat and i4 constants: i8 holds the zero-extended bits (-1 : i4 is 15).
// CHECK-LABEL: func.func @constants
//       CHECK: arith.constant dense<1> : tensor<8xi8>
//       CHECK: arith.constant dense<[15, 7, 8, 0]> : tensor<4xi8>
//       CHECK: return %{{.*}}, %{{.*}} : tensor<8xi8>, tensor<4xi8>
func.func @constants() -> (tensor<8xi1>, tensor<4xi4>) {
  %t = arith.constant dense<true> : tensor<8xi1>
  %n = arith.constant dense<[-1, 7, -8, 0]> : tensor<4xi4>
  return %t, %n : tensor<8xi1>, tensor<4xi4>
}

// -----

// A dense_resource of i1 (one byte per element) keeps its blob.
// CHECK-LABEL: func.func @resource
//       CHECK: arith.constant dense_resource<mask> : tensor<4xi8>
func.func @resource() -> tensor<4xi1> {
  %m = arith.constant dense_resource<mask> : tensor<4xi1>
  return %m : tensor<4xi1>
}
{-#
  dialect_resources: {
    builtin: {
      mask: "0x0100000001000100"
    }
  }
#-}

// -----

#id = affine_map<(i) -> (i)>
#all = affine_map<(i) -> ()>

// A comparison yielding i1 into a mask consumed by another generic; an i1
// reduction reads its accumulator (trunci) and writes it back (extui).
// CHECK-LABEL: func.func @compare
//       CHECK: %[[E:.*]] = tensor.empty() : tensor<8xi8>
//       CHECK: %[[C:.*]] = linalg.generic {{.*}} outs(%[[E]] : tensor<8xi8>)
//  CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: i8):
//  CHECK-NEXT:   %[[LT:.*]] = arith.cmpf olt, %[[A]], %[[B]] : f32
//  CHECK-NEXT:   %[[W:.*]] = arith.extui %[[LT]] : i1 to i8
//  CHECK-NEXT:   linalg.yield %[[W]] : i8
//  CHECK-NEXT: } -> tensor<8xi8>
//       CHECK: linalg.generic {{.*}} ins(%[[C]], %{{.*}} : tensor<8xi8>, tensor<8xf32>)
//  CHECK-NEXT: ^bb0(%[[M:.*]]: i8,
//  CHECK-NEXT:   arith.trunci %[[M]] : i8 to i1
//       CHECK: %[[ANY:.*]] = linalg.generic {{.*}} ins(%[[C]] : tensor<8xi8>) outs(%{{.*}} : tensor<i8>)
//  CHECK-NEXT: ^bb0(%[[IN:.*]]: i8, %[[OUT:.*]]: i8):
//   CHECK-DAG:   %[[IN1:.*]] = arith.trunci %[[IN]] : i8 to i1
//   CHECK-DAG:   %[[OUT1:.*]] = arith.trunci %[[OUT]] : i8 to i1
//       CHECK:   %[[OR:.*]] = arith.ori %[[OUT1]], %[[IN1]] : i1
//  CHECK-NEXT:   %[[OR8:.*]] = arith.extui %[[OR]] : i1 to i8
//  CHECK-NEXT:   linalg.yield %[[OR8]] : i8
//       CHECK: return %{{.*}}, %[[ANY]] : tensor<8xf32>, tensor<i8>
func.func @compare(%a: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<8xf32>, tensor<i1>) {
  %e1 = tensor.empty() : tensor<8xi1>
  %c = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<8xf32>, tensor<8xf32>) outs(%e1 : tensor<8xi1>) {
  ^bb0(%x: f32, %y: f32, %o: i1):
    %lt = arith.cmpf olt, %x, %y : f32
    linalg.yield %lt : i1
  } -> tensor<8xi1>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%c, %a : tensor<8xi1>, tensor<8xf32>) outs(%e2 : tensor<8xf32>) {
  ^bb0(%m: i1, %x: f32, %o: f32):
    %s = arith.select %m, %x, %zero : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %false = arith.constant dense<false> : tensor<i1>
  %any = linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction"]}
      ins(%c : tensor<8xi1>) outs(%false : tensor<i1>) {
  ^bb0(%in: i1, %acc: i1):
    %or = arith.ori %acc, %in : i1
    linalg.yield %or : i1
  } -> tensor<i1>
  return %r, %any : tensor<8xf32>, tensor<i1>
}

// -----

// Elementwise arith on tensors becomes a linalg.generic first.
// CHECK-LABEL: func.func @elementwise
//       CHECK: linalg.generic
//  CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: i8):
//  CHECK-NEXT:   %[[LT:.*]] = arith.cmpf olt, %[[A]], %[[B]] : f32
//  CHECK-NEXT:   %[[W:.*]] = arith.extui %[[LT]] : i1 to i8
//  CHECK-NEXT:   linalg.yield %[[W]] : i8
//  CHECK-NEXT: } -> tensor<4xi8>
func.func @elementwise(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xi1> {
  %c = arith.cmpf olt, %a, %b : tensor<4xf32>
  return %c : tensor<4xi1>
}

// -----

// Element-agnostic ops are retyped: reshapes, slices, loop-carried values,
// function arguments and results.
// CHECK-LABEL: func.func @reshape_slice_loop
//  CHECK-SAME: (%[[M:.*]]: tensor<16xi8>, %{{.*}}: index) -> tensor<2x4xi8>
//       CHECK: %[[E:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0, 1]] output_shape [4, 4] : tensor<16xi8> into tensor<4x4xi8>
//       CHECK: %[[S:.*]] = tensor.extract_slice %[[E]][0, 0] [2, 4] [1, 1] : tensor<4x4xi8> to tensor<2x4xi8>
//       CHECK: %[[R:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[S]]) -> (tensor<2x4xi8>)
//       CHECK:   %[[NOT:.*]] = linalg.generic {{.*}} outs(%[[ACC]] : tensor<2x4xi8>)
//       CHECK:   scf.yield %[[NOT]] : tensor<2x4xi8>
//       CHECK: return %[[R]] : tensor<2x4xi8>
#id2 = affine_map<(i, j) -> (i, j)>
func.func @reshape_slice_loop(%m: tensor<16xi1>, %n: index) -> tensor<2x4xi1> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  %e = tensor.expand_shape %m [[0, 1]] output_shape [4, 4] : tensor<16xi1> into tensor<4x4xi1>
  %s = tensor.extract_slice %e[0, 0] [2, 4] [1, 1] : tensor<4x4xi1> to tensor<2x4xi1>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %s) -> (tensor<2x4xi1>) {
    %not = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]}
        outs(%acc : tensor<2x4xi1>) {
    ^bb0(%b: i1):
      %x = arith.xori %b, %true : i1
      linalg.yield %x : i1
    } -> tensor<2x4xi1>
    scf.yield %not : tensor<2x4xi1>
  }
  return %r : tensor<2x4xi1>
}

// -----

// Declarations and calls change with the functions' types.
// CHECK-LABEL: func.func private @external(tensor<4xi8>) -> tensor<4xi8>
// CHECK-LABEL: func.func @caller
//  CHECK-SAME: (%[[M:.*]]: tensor<4xi8>, %[[C:.*]]: i1) -> tensor<4xi8>
//       CHECK: %[[R:.*]] = call @external(%[[M]]) : (tensor<4xi8>) -> tensor<4xi8>
//       CHECK: %[[S:.*]] = arith.select %[[C]], %[[R]], %[[M]] : tensor<4xi8>
//       CHECK: return %[[S]] : tensor<4xi8>
func.func private @external(tensor<4xi1>) -> tensor<4xi1>
func.func @caller(%m: tensor<4xi1>, %c: i1) -> tensor<4xi1> {
  %r = func.call @external(%m) : (tensor<4xi1>) -> tensor<4xi1>
  %s = arith.select %c, %r, %m : tensor<4xi1>
  return %s : tensor<4xi1>
}

// -----

// Block arguments of other blocks, and the branches to them.
// CHECK-LABEL: func.func @branches
//       CHECK: cf.cond_br %{{.*}}, ^[[BB:.*]](%{{.*}} : tensor<4xi8>), ^[[BB]](%{{.*}} : tensor<4xi8>)
//       CHECK: ^[[BB]](%[[M:.*]]: tensor<4xi8>):
//  CHECK-NEXT: return %[[M]] : tensor<4xi8>
func.func @branches(%a: tensor<4xi1>, %b: tensor<4xi1>, %c: i1) -> tensor<4xi1> {
  cf.cond_br %c, ^bb1(%a : tensor<4xi1>), ^bb1(%b : tensor<4xi1>)
^bb1(%m: tensor<4xi1>):
  return %m : tensor<4xi1>
}

// -----

// An element read as a scalar is truncated back.
// CHECK-LABEL: func.func @extract
//       CHECK: %[[V:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<16xi8>
//  CHECK-NEXT: %[[B:.*]] = arith.trunci %[[V]] : i8 to i1
//  CHECK-NEXT: return %[[B]] : i1
func.func @extract(%m: tensor<16xi1>, %i: index) -> i1 {
  %v = tensor.extract %m[%i] : tensor<16xi1>
  return %v : i1
}

// -----

// Scalars written into tensors are zero-extended first; linalg.fill is
// generalized (its own cast would sign-extend an i1).
// CHECK-LABEL: func.func @scalars_in
//  CHECK-SAME: (%[[B:.*]]: i1, %[[T:.*]]: tensor<4xi8>, %[[I:.*]]: index)
//       CHECK: %[[B8:.*]] = arith.extui %[[B]] : i1 to i8
//  CHECK-NEXT: tensor.insert %[[B8]] into %[[T]][%[[I]]] : tensor<4xi8>
//       CHECK: %[[B8:.*]] = arith.extui %[[B]] : i1 to i8
//       CHECK: tensor.from_elements %[[B8]], %{{.*}} : tensor<2xi8>
//       CHECK: %[[B8:.*]] = arith.extui %[[B]] : i1 to i8
//  CHECK-NEXT: tensor.splat %[[B8]] : tensor<3xi8>
//       CHECK: linalg.generic {{.*}} ins(%[[B]] : i1) outs(%{{.*}} : tensor<5xi8>)
//  CHECK-NEXT: ^bb0(%[[IN:.*]]: i1, %{{.*}}: i8):
//  CHECK-NEXT:   %[[IN8:.*]] = arith.extui %[[IN]] : i1 to i8
//  CHECK-NEXT:   linalg.yield %[[IN8]] : i8
//       CHECK: tensor.pad %[[T]] low[1] high[1]
//       CHECK:   %[[B8:.*]] = arith.extui %[[B]] : i1 to i8
//  CHECK-NEXT:   tensor.yield %[[B8]] : i8
//  CHECK-NEXT: } : tensor<4xi8> to tensor<6xi8>
func.func @scalars_in(%b: i1, %t: tensor<4xi1>, %i: index)
    -> (tensor<4xi1>, tensor<2xi1>, tensor<3xi1>, tensor<5xi1>, tensor<6xi1>) {
  %a = tensor.insert %b into %t[%i] : tensor<4xi1>
  %f = tensor.from_elements %b, %b : tensor<2xi1>
  %s = tensor.splat %b : tensor<3xi1>
  %e = tensor.empty() : tensor<5xi1>
  %l = linalg.fill ins(%b : i1) outs(%e : tensor<5xi1>) -> tensor<5xi1>
  %p = tensor.pad %t low[1] high[1] {
  ^bb0(%j: index):
    tensor.yield %b : i1
  } : tensor<4xi1> to tensor<6xi1>
  return %a, %f, %s, %l, %p : tensor<4xi1>, tensor<2xi1>, tensor<3xi1>, tensor<5xi1>, tensor<6xi1>
}

// -----

// linalg.map keeps its form: arguments truncated, the result extended.
// CHECK-LABEL: func.func @map
//       CHECK: linalg.map ins(%{{.*}}, %{{.*}} : tensor<4xi8>, tensor<4xi8>) outs(%{{.*}} : tensor<4xi8>)
//  CHECK-NEXT: (%[[X:.*]]: i8, %[[Y:.*]]: i8, %{{.*}}: i8) {
//   CHECK-DAG:   %[[X1:.*]] = arith.trunci %[[X]] : i8 to i1
//   CHECK-DAG:   %[[Y1:.*]] = arith.trunci %[[Y]] : i8 to i1
//       CHECK:   %[[Z:.*]] = arith.xori %[[X1]], %[[Y1]] : i1
//  CHECK-NEXT:   %[[Z8:.*]] = arith.extui %[[Z]] : i1 to i8
//  CHECK-NEXT:   linalg.yield %[[Z8]] : i8
func.func @map(%a: tensor<4xi1>, %b: tensor<4xi1>) -> tensor<4xi1> {
  %e = tensor.empty() : tensor<4xi1>
  %r = linalg.map ins(%a, %b : tensor<4xi1>, tensor<4xi1>) outs(%e : tensor<4xi1>)
    (%x: i1, %y: i1, %o: i1) {
      %z = arith.xori %x, %y : i1
      linalg.yield %z : i1
    }
  return %r : tensor<4xi1>
}

// -----

// Nothing else changes: scalar i1 and memrefs of i1 are left alone.
// CHECK-LABEL: func.func @untouched
//  CHECK-SAME: (%{{.*}}: memref<4xi1>, %{{.*}}: i1) -> vector<4xi1>
func.func @untouched(%m: memref<4xi1>, %b: i1) -> vector<4xi1> {
  %v = vector.broadcast %b : i1 to vector<4xi1>
  return %v : vector<4xi1>
}
