// RUN: fp4-opt --nvfp4-quantize-attention=report --split-input-file --verify-diagnostics %s | FileCheck %s

// Attention-like patterns that are not provably softmax(Q K^T * scale) V
// (masks: quantize-attention-declined-mask.mlir) stay as they were, with a
// remark saying why.

// CHECK-LABEL: func.func @scale_not_constant
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @scale_not_constant(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %s : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the logits are multiplied by something that is not a constant}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @mask_before_scale
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @mask_before_scale(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
        %future = arith.cmpi ugt, %j, %i : index
    %r0 = arith.select %future, %ninf, %s : f32
    %r = arith.mulf %r0, %scale : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the mask is applied before the scale}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @no_max
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @no_max(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.addf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the softmax numerator is not exp(x - max)}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @head_dim_not_block
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @head_dim_not_block(%q: tensor<2x32x8xf32>, %k: tensor<2x32x8xf32>, %vv: tensor<2x32x8xf32>) -> tensor<2x32x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x8xf32>, tensor<2x32x8xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x8xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x8xf32>) -> tensor<2x32x8xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the head dims D = 8 and Dv = 8 must be multiples of the nvfp4 block size 16}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x8xf32>) outs(%acc2 : tensor<2x32x8xf32>) -> tensor<2x32x8xf32>
  return %ctx : tensor<2x32x8xf32>
}

// -----

// CHECK-LABEL: func.func @negative_scale
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @negative_scale(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant -2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the softmax scale -0.25 is not finite and positive}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @scores_accumulate
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @scores_accumulate(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%e0 : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the scores: a contraction accumulates into a tensor that is not zero}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @other_row_sum
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @other_row_sum(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the softmax divides by the row sum of another tensor}}
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}

// -----

// CHECK-LABEL: func.func @no_normalization
//       CHECK: linalg.batch_matmul
//       CHECK-NOT: nvfp4.attention
func.func @no_normalization(%q: tensor<2x32x16xf32>, %k: tensor<2x32x16xf32>, %vv: tensor<2x32x16xf32>) -> tensor<2x32x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x16xf32>, tensor<2x32x16xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %scale = arith.constant 2.500000e-01 : f32
    %ninf = arith.constant 0xFF800000 : f32
    %v = arith.mulf %s, %scale : f32
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %ninf0 = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x32xf32>
  %maxinit = linalg.fill ins(%ninf0 : f32) outs(%e2 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%masked : tensor<2x32x32xf32>) outs(%maxinit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.maximumf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e3 = tensor.empty() : tensor<2x32x32xf32>
  %exps = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%masked, %max : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e3 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %m: f32, %o: f32):
    %d = arith.subf %v, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e4 = tensor.empty() : tensor<2x32xf32>
  %suminit = linalg.fill ins(%zero : f32) outs(%e4 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%exps : tensor<2x32x32xf32>) outs(%suminit : tensor<2x32xf32>) {
  ^bb0(%v: f32, %a: f32):
    %r = arith.addf %a, %v : f32
    linalg.yield %r : f32
  } -> tensor<2x32xf32>
  %e5 = tensor.empty() : tensor<2x32x32xf32>
  %probs = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%exps, %sum : tensor<2x32x32xf32>, tensor<2x32xf32>) outs(%e5 : tensor<2x32x32xf32>) {
  ^bb0(%v: f32, %s: f32, %o: f32):
    %r = arith.divf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x32x32xf32>
  %e6 = tensor.empty() : tensor<2x32x16xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  // expected-remark @+1 {{attention-like pattern not rewritten to nvfp4.attention: the probabilities are not exp(x - max) / sum (no division by the row sum)}}
  %ctx = linalg.batch_matmul ins(%exps, %vv : tensor<2x32x32xf32>, tensor<2x32x16xf32>) outs(%acc2 : tensor<2x32x16xf32>) -> tensor<2x32x16xf32>
  return %ctx : tensor<2x32x16xf32>
}
