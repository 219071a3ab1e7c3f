// Sub-byte tensors through nvfp4-lower-to-cpu (fp4-widen-sub-byte-tensors),
// run by mlir-runner. Causal masks built as an i1 constant and by arith.cmpi
// in a linalg.generic, applied with select, give bit for bit the scores of
// the same masking written without any i1 tensor (the comparison inside the
// select's payload); i1 and signed i4 elements keep their values.
// REQUIRES: mlir-runner
// RUN: fp4-opt --nvfp4-lower-to-cpu %s \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_c_runner_utils \
// RUN:   | FileCheck %s

// CHECK:      ( ( 1, -inf, -inf, -inf ), ( 5, 6, -inf, -inf ), ( 9, 10, 11, -inf ), ( 13, 14, 15, 16 ) )
// CHECK-NEXT: constant mask vs reference, mismatches: 0
// CHECK-NEXT: cmpi mask vs reference, mismatches: 0
// CHECK-NEXT: mask elements set: 10
// CHECK-NEXT: mask[2][1] read as a scalar: 1
// CHECK-NEXT: mask[1][2] read as a scalar: 0
// CHECK-NEXT: ( -8, -1, 0, 7 )
// CHECK-NEXT: ( -1, 0, -1 )
// CHECK-NEXT: mask negated 3 times in a loop, elements set: 6

#id = affine_map<(i, j) -> (i, j)>
#all = affine_map<(i, j) -> ()>

// s[i][j] = 4 i + j + 1
func.func @scores() -> tensor<4x4xf32> {
  %c4 = arith.constant 4 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4x4xf32>
  %s = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<4x4xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %row = arith.muli %i, %c4 : index
    %k = arith.addi %row, %j : index
    %k1 = arith.addi %k, %c1 : index
    %n = arith.index_cast %k1 : index to i32
    %f = arith.sitofp %n : i32 to f32
    linalg.yield %f : f32
  } -> tensor<4x4xf32>
  return %s : tensor<4x4xf32>
}

// select(mask, s, -inf) with the mask as a tensor operand.
func.func @apply(%mask: tensor<4x4xi1>, %s: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mask, %s : tensor<4x4xi1>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%m: i1, %v: f32, %o: f32):
    %x = arith.select %m, %v, %ninf : f32
    linalg.yield %x : f32
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// j <= i, computed into an i1 tensor.
func.func @causal_by_cmpi() -> tensor<4x4xi1> {
  %e = tensor.empty() : tensor<4x4xi1>
  %m = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%e : tensor<4x4xi1>) {
  ^bb0(%o: i1):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %keep = arith.cmpi ule, %j, %i : index
    linalg.yield %keep : i1
  } -> tensor<4x4xi1>
  return %m : tensor<4x4xi1>
}

// The reference: no i1 tensor anywhere, the comparison in the payload.
func.func @reference(%s: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %keep = arith.cmpi ule, %j, %i : index
    %x = arith.select %keep, %v, %ninf : f32
    linalg.yield %x : f32
  } -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// The number of elements whose bits differ.
func.func @mismatches(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>) -> i32 {
  %zero = arith.constant dense<0> : tensor<i32>
  %n = linalg.generic {indexing_maps = [#id, #id, #all], iterator_types = ["reduction", "reduction"]}
      ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%zero : tensor<i32>) {
  ^bb0(%x: f32, %y: f32, %acc: i32):
    %xi = arith.bitcast %x : f32 to i32
    %yi = arith.bitcast %y : f32 to i32
    %ne = arith.cmpi ne, %xi, %yi : i32
    %d = arith.extui %ne : i1 to i32
    %sum = arith.addi %acc, %d : i32
    linalg.yield %sum : i32
  } -> tensor<i32>
  %r = tensor.extract %n[] : tensor<i32>
  return %r : i32
}

// The number of set elements.
func.func @count(%m: tensor<4x4xi1>) -> i32 {
  %zero = arith.constant dense<0> : tensor<i32>
  %n = linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction", "reduction"]}
      ins(%m : tensor<4x4xi1>) outs(%zero : tensor<i32>) {
  ^bb0(%b: i1, %acc: i32):
    %d = arith.extui %b : i1 to i32
    %sum = arith.addi %acc, %d : i32
    linalg.yield %sum : i32
  } -> tensor<i32>
  %r = tensor.extract %n[] : tensor<i32>
  return %r : i32
}

// Sign-extends each element to i32 (i4 -8 stays -8, i1 true becomes -1).
func.func @print_signed_i4(%t: tensor<4xi4>) {
  %e = tensor.empty() : tensor<4xi32>
  %w = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%t : tensor<4xi4>) outs(%e : tensor<4xi32>) {
  ^bb0(%x: i4, %o: i32):
    %y = arith.extsi %x : i4 to i32
    linalg.yield %y : i32
  } -> tensor<4xi32>
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0 : i32
  %v = vector.transfer_read %w[%c0], %pad : tensor<4xi32>, vector<4xi32>
  vector.print %v : vector<4xi32>
  return
}

func.func @print_signed_i1(%t: tensor<3xi1>) {
  %e = tensor.empty() : tensor<3xi32>
  %w = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%t : tensor<3xi1>) outs(%e : tensor<3xi32>) {
  ^bb0(%x: i1, %o: i32):
    %y = arith.extsi %x : i1 to i32
    linalg.yield %y : i32
  } -> tensor<3xi32>
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0 : i32
  %v = vector.transfer_read %w[%c0], %pad : tensor<3xi32>, vector<3xi32>
  vector.print %v : vector<3xi32>
  return
}

// Prints 1 or 0 for mask[i][j], branching on the scalar read.
func.func @print_element(%m: tensor<4x4xi1>, %i: index, %j: index) {
  %b = tensor.extract %m[%i, %j] : tensor<4x4xi1>
  scf.if %b {
    vector.print str "1\n"
  } else {
    vector.print str "0\n"
  }
  return
}

func.func @main() {
  %s = call @scores() : () -> tensor<4x4xf32>
  %const = arith.constant dense<[[true, false, false, false], [true, true, false, false],
                                 [true, true, true, false], [true, true, true, true]]> : tensor<4x4xi1>
  %cmpi = call @causal_by_cmpi() : () -> tensor<4x4xi1>
  %a = call @apply(%const, %s) : (tensor<4x4xi1>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = call @apply(%cmpi, %s) : (tensor<4x4xi1>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %ref = call @reference(%s) : (tensor<4x4xf32>) -> tensor<4x4xf32>

  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %pad = arith.constant 0.0 : f32
  %va = vector.transfer_read %a[%c0, %c0], %pad : tensor<4x4xf32>, vector<4x4xf32>
  vector.print %va : vector<4x4xf32>
  %na = call @mismatches(%a, %ref) : (tensor<4x4xf32>, tensor<4x4xf32>) -> i32
  vector.print str "constant mask vs reference, mismatches: "
  vector.print %na : i32
  %nb = call @mismatches(%b, %ref) : (tensor<4x4xf32>, tensor<4x4xf32>) -> i32
  vector.print str "cmpi mask vs reference, mismatches: "
  vector.print %nb : i32
  %set = call @count(%cmpi) : (tensor<4x4xi1>) -> i32
  vector.print str "mask elements set: "
  vector.print %set : i32
  vector.print str "mask[2][1] read as a scalar: "
  call @print_element(%cmpi, %c2, %c1) : (tensor<4x4xi1>, index, index) -> ()
  vector.print str "mask[1][2] read as a scalar: "
  call @print_element(%cmpi, %c1, %c2) : (tensor<4x4xi1>, index, index) -> ()

  %i4 = arith.constant dense<[-8, -1, 0, 7]> : tensor<4xi4>
  call @print_signed_i4(%i4) : (tensor<4xi4>) -> ()
  %i1 = arith.constant dense<[true, false, true]> : tensor<3xi1>
  call @print_signed_i1(%i1) : (tensor<3xi1>) -> ()

  // Negated three times, as a loop-carried value: the upper triangle.
  %true = arith.constant true
  // In place (one-shot bufferization wants the yielded value equivalent to
  // the iteration argument, whatever the element type).
  %neg = scf.for %k = %c0 to %c3 step %c1 iter_args(%m = %cmpi) -> (tensor<4x4xi1>) {
    %n = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%m : tensor<4x4xi1>) {
    ^bb0(%x: i1):
      %y = arith.xori %x, %true : i1
      linalg.yield %y : i1
    } -> tensor<4x4xi1>
    scf.yield %n : tensor<4x4xi1>
  }
  %nset = call @count(%neg) : (tensor<4x4xi1>) -> i32
  vector.print str "mask negated 3 times in a loop, elements set: "
  vector.print %nset : i32
  return
}
