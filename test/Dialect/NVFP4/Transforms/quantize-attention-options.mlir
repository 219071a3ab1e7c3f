// Options reach the op; bad options are errors that name the option.
// RUN: fp4-opt --nvfp4-quantize-attention="q-rule=search:6 k-rule=mse v-rule=exact p-rule=static_4 key-tile=64 k-smoothing=false p-mode=direct" %s | FileCheck %s
// RUN: fp4-opt --nvfp4-quantize-attention="format=mxfp4" %s | FileCheck %s --check-prefix=MX
// RUN: not fp4-opt --nvfp4-quantize-attention="q-rule=median" %s 2>&1 | FileCheck %s --check-prefix=BADRULE
// RUN: not fp4-opt --nvfp4-quantize-attention="p-rule=none" %s 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not fp4-opt --nvfp4-quantize-attention="k-rule=search:0" %s 2>&1 | FileCheck %s --check-prefix=RADIUS
// RUN: not fp4-opt --nvfp4-quantize-attention="format=mxfp4 v-rule=mse" %s 2>&1 | FileCheck %s --check-prefix=MXRULE
// RUN: not fp4-opt --nvfp4-quantize-attention="format=fp8" %s 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not fp4-opt --nvfp4-quantize-attention="p-mode=three_level" %s 2>&1 | FileCheck %s --check-prefix=PMODE
// RUN: not fp4-opt --nvfp4-quantize-attention="key-tile=24" %s 2>&1 | FileCheck %s --check-prefix=TILE
// RUN: not fp4-opt --nvfp4-quantize-attention="key-tile=0" %s 2>&1 | FileCheck %s --check-prefix=TILE0

// CHECK-LABEL: func.func @attention
//       CHECK: nvfp4.attention %{{.*}} {k_rule = #nvfp4.scale_rule<four_over_six, metric = mse>, k_smoothing = false, key_tile = 64 : i64, p_mode = #nvfp4.p_mode<direct>, p_rule = #nvfp4.scale_rule<static_4>, q_rule = #nvfp4.scale_rule<scale_search, radius = 6>, softmax_scale = 2.500000e-01 : f32, v_rule = #nvfp4.scale_rule<exact>}
// MX: nvfp4.attention %{{.*}} {format = #nvfp4.format<mxfp4>, softmax_scale = 2.500000e-01 : f32}

// BADRULE: error: nvfp4-quantize-attention: bad q-rule 'median' for nvfp4: unknown scale rule
// NONE: error: nvfp4-quantize-attention: bad p-rule 'none' for nvfp4: nvfp4.attention quantizes every operand ('none' is not expressible)
// RADIUS: error: nvfp4-quantize-attention: bad k-rule 'search:0' for nvfp4: {{.*}}
// MXRULE: error: nvfp4-quantize-attention: bad v-rule 'mse' for mxfp4: {{.*}}
// FORMAT: error: nvfp4-quantize-attention: unknown format 'fp8' (expected nvfp4 or mxfp4)
// PMODE: error: nvfp4-quantize-attention: unknown p-mode 'three_level' (expected two_level or direct)
// TILE: error: nvfp4-quantize-attention: bad options for nvfp4: the key tile must be a positive multiple of the nvfp4 block size 16, got 24
// TILE0: error: nvfp4-quantize-attention: key-tile must be positive, got 0

func.func @attention(%q: tensor<2x32x32xf32>, %k: tensor<2x32x32xf32>, %vv: tensor<2x32x32xf32>) -> tensor<2x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<2x32x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x32x32xf32>, tensor<2x32x32xf32>) outs(%acc : tensor<2x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x32x32xf32>
  %e1 = tensor.empty() : tensor<2x32x32xf32>
  %masked = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b, i, j)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%scores : tensor<2x32x32xf32>) outs(%e1 : tensor<2x32x32xf32>) {
  ^bb0(%s: f32, %o: f32):
    %scale = arith.constant 2.500000e-01 : f32
    %v = arith.mulf %s, %scale : f32
    linalg.yield %v : f32
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
  %e6 = tensor.empty() : tensor<2x32x32xf32>
  %acc2 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  %ctx = linalg.batch_matmul ins(%probs, %vv : tensor<2x32x32xf32>, tensor<2x32x32xf32>) outs(%acc2 : tensor<2x32x32xf32>) -> tensor<2x32x32xf32>
  return %ctx : tensor<2x32x32xf32>
}

