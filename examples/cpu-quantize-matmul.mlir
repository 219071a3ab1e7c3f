// An NVFP4 layer compiled for the host CPU by `fp4-opt --nvfp4-lower-to-cpu`
// and run with mlir-runner (scripts/main.sh does both):
//   activations (f32) quantized with Four Over Six (mse), a bf16 weight with
//   the exact E4M3-optimal scales, multiplied with nvfp4.scaled_matmul.
// It prints the activations' relative quantization error for both rules and
// checks the scaled_matmul result against an independent formulation: both
// operands dequantized with g = 1 and a plain linalg contraction (k in
// order), times gA * gB. The two agree bit for bit by the op's definition.

func.func @main() {
  %a = call @activations() : () -> tensor<128x256xf32>
  %w = call @weight() : () -> tensor<64x256xbf16>

  %aq, %as, %ag = nvfp4.quantize %a {rule = #nvfp4.scale_rule<four_over_six, metric = mse>}
      : tensor<128x256xf32> -> tensor<128x128xi8>, tensor<128x16xf8E4M3FN>
  %wq, %ws, %wg = nvfp4.quantize %w {rule = #nvfp4.scale_rule<exact>}
      : tensor<64x256xbf16> -> tensor<64x128xi8>, tensor<64x16xf8E4M3FN>
  %d = nvfp4.scaled_matmul %aq[%as, %ag], %wq[%ws, %wg]
      : tensor<128x128xi8>, tensor<128x16xf8E4M3FN>, tensor<64x128xi8>, tensor<64x16xf8E4M3FN>
        -> tensor<128x64xf32>

  // The same product through dequantize and a linalg contraction.
  %one = arith.constant 1.0 : f32
  %ad = nvfp4.dequantize %aq, %as, %one : tensor<128x128xi8>, tensor<128x16xf8E4M3FN> -> tensor<128x256xf32>
  %wd = nvfp4.dequantize %wq, %ws, %one : tensor<64x128xi8>, tensor<64x16xf8E4M3FN> -> tensor<64x256xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<128x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<128x64xf32>) -> tensor<128x64xf32>
  %sum = linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ad, %wd : tensor<128x256xf32>, tensor<64x256xf32>) outs(%acc : tensor<128x64xf32>) {
    ^bb0(%x: f32, %y: f32, %c: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
  } -> tensor<128x64xf32>
  %g = arith.mulf %ag, %wg : f32
  %ref = linalg.generic {
      indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (m, n)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%sum : tensor<128x64xf32>) outs(%init : tensor<128x64xf32>) {
    ^bb0(%x: f32, %o: f32):
      %r = arith.mulf %x, %g : f32
      linalg.yield %r : f32
  } -> tensor<128x64xf32>
  %mismatches = call @count_differences(%d, %ref) : (tensor<128x64xf32>, tensor<128x64xf32>) -> i32

  // Relative quantization error of the activations: 4/6 and static_6.
  %rel46 = call @relative_error(%a, %ad, %ag) : (tensor<128x256xf32>, tensor<128x256xf32>, f32) -> f32
  %sq, %ss, %sg = nvfp4.quantize %a : tensor<128x256xf32> -> tensor<128x128xi8>, tensor<128x16xf8E4M3FN>
  %sd = nvfp4.dequantize %sq, %ss, %one : tensor<128x128xi8>, tensor<128x16xf8E4M3FN> -> tensor<128x256xf32>
  %rel6 = call @relative_error(%a, %sd, %sg) : (tensor<128x256xf32>, tensor<128x256xf32>, f32) -> f32

  vector.print str "activations 128x256 f32, relative squared error: static_6 "
  vector.print %rel6 : f32
  vector.print str "activations 128x256 f32, relative squared error: four_over_six mse "
  vector.print %rel46 : f32
  %better = arith.cmpf olt, %rel46, %rel6 : f32
  vector.print str "four_over_six has the lower error: "
  vector.print %better : i1
  vector.print str "scaled_matmul 128x64x256 vs dequantize + linalg contraction, mismatches: "
  vector.print %mismatches : i32
  %c0 = arith.constant 0 : index
  %d00 = tensor.extract %d[%c0, %c0] : tensor<128x64xf32>
  vector.print str "d[0][0] = "
  vector.print %d00 : f32
  return
}

// Deterministic inputs computed at run time (a constant would be folded at
// compile time instead of running the lowered code): a hash of (i, j) mapped
// to [-4, 4), with a per-row scale 2^(i mod 8 - 4).
func.func @activations() -> tensor<128x256xf32> {
  %init = tensor.empty() : tensor<128x256xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%init : tensor<128x256xf32>) {
    ^bb0(%o: f32):
      %i = linalg.index 0 : index
      %j = linalg.index 1 : index
      %v = func.call @hash(%i, %j) : (index, index) -> f32
      linalg.yield %v : f32
  } -> tensor<128x256xf32>
  return %x : tensor<128x256xf32>
}

func.func @weight() -> tensor<64x256xbf16> {
  %init = tensor.empty() : tensor<64x256xbf16>
  %x = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      outs(%init : tensor<64x256xbf16>) {
    ^bb0(%o: bf16):
      %i = linalg.index 0 : index
      %j = linalg.index 1 : index
      %v = func.call @hash(%j, %i) : (index, index) -> f32
      %b = arith.truncf %v : f32 to bf16
      linalg.yield %b : bf16
  } -> tensor<64x256xbf16>
  return %x : tensor<64x256xbf16>
}

// ((i * 131 + j * 71) mod 257 - 128) / 32 * 2^(i mod 8 - 4)
func.func @hash(%i: index, %j: index) -> f32 {
  %c131 = arith.constant 131 : index
  %c71 = arith.constant 71 : index
  %c257 = arith.constant 257 : index
  %c128 = arith.constant 128 : index
  %c8 = arith.constant 8 : index
  %a = arith.muli %i, %c131 : index
  %b = arith.muli %j, %c71 : index
  %s = arith.addi %a, %b : index
  %m = arith.remui %s, %c257 : index
  %centered = arith.subi %m, %c128 : index
  %ci = arith.index_cast %centered : index to i32
  %f = arith.sitofp %ci : i32 to f32
  %k32 = arith.constant 0.03125 : f32
  %v = arith.mulf %f, %k32 : f32
  %e = arith.remui %i, %c8 : index
  %ei = arith.index_cast %e : index to i32
  %c123 = arith.constant 123 : i32
  %biased = arith.addi %ei, %c123 : i32
  %c23 = arith.constant 23 : i32
  %bits = arith.shli %biased, %c23 : i32
  %scale = arith.bitcast %bits : i32 to f32
  %r = arith.mulf %v, %scale : f32
  return %r : f32
}

func.func @count_differences(%x: tensor<128x64xf32>, %y: tensor<128x64xf32>) -> i32 {
  %zero = arith.constant 0 : i32
  %init = tensor.empty() : tensor<i32>
  %acc = linalg.fill ins(%zero : i32) outs(%init : tensor<i32>) -> tensor<i32>
  %n = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                       affine_map<(i, j) -> ()>],
      iterator_types = ["reduction", "reduction"]}
      ins(%x, %y : tensor<128x64xf32>, tensor<128x64xf32>) outs(%acc : tensor<i32>) {
    ^bb0(%a: f32, %b: f32, %c: i32):
      %ai = arith.bitcast %a : f32 to i32
      %bi = arith.bitcast %b : f32 to i32
      %ne = arith.cmpi ne, %ai, %bi : i32
      %one = arith.extui %ne : i1 to i32
      %s = arith.addi %c, %one : i32
      linalg.yield %s : i32
  } -> tensor<i32>
  %r = tensor.extract %n[] : tensor<i32>
  return %r : i32
}

// sum((g * xhat - x)^2) / sum(x^2), where xhat = e2m1 * scale.
func.func @relative_error(%x: tensor<128x256xf32>, %xhat: tensor<128x256xf32>, %g: f32) -> f32 {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<f32>) -> tensor<f32>
  %sums:2 = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                       affine_map<(i, j) -> ()>, affine_map<(i, j) -> ()>],
      iterator_types = ["reduction", "reduction"]}
      ins(%x, %xhat : tensor<128x256xf32>, tensor<128x256xf32>) outs(%acc, %acc : tensor<f32>, tensor<f32>) {
    ^bb0(%a: f32, %b: f32, %e: f32, %n: f32):
      %v = arith.mulf %b, %g : f32
      %d = arith.subf %v, %a : f32
      %d2 = arith.mulf %d, %d : f32
      %a2 = arith.mulf %a, %a : f32
      %e2 = arith.addf %e, %d2 : f32
      %n2 = arith.addf %n, %a2 : f32
      linalg.yield %e2, %n2 : f32, f32
  } -> (tensor<f32>, tensor<f32>)
  %e = tensor.extract %sums#0[] : tensor<f32>
  %n = tensor.extract %sums#1[] : tensor<f32>
  %r = arith.divf %e, %n : f32
  return %r : f32
}
