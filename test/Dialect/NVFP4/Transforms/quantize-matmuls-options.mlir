// Minimum sizes, skipping by location name, the report, and bad options.
// RUN: fp4-opt --nvfp4-quantize-matmuls="min-m=256" --mlir-print-op-on-diagnostic=false %s 2>&1 | FileCheck %s --check-prefix=MIN
// RUN: fp4-opt --nvfp4-quantize-matmuls="skip-names=lm_head report" --mlir-print-op-on-diagnostic=false %s 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: fp4-opt --nvfp4-quantize-matmuls="fold-constant-weights=false report" --mlir-print-op-on-diagnostic=false %s 2>&1 | FileCheck %s --check-prefix=NOFOLD
// RUN: not fp4-opt --nvfp4-quantize-matmuls="weight-rule=median" %s 2>&1 | FileCheck %s --check-prefix=BADRULE
// RUN: not fp4-opt --nvfp4-quantize-matmuls="format=mxfp4 weight-rule=mse" %s 2>&1 | FileCheck %s --check-prefix=MXRULE
// RUN: fp4-opt --nvfp4-quantize-matmuls="format=mxfp4 report" --mlir-print-op-on-diagnostic=false %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=MXDEFAULT
// RUN: not fp4-opt --nvfp4-quantize-matmuls="format=fp8" %s 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not fp4-opt --nvfp4-quantize-matmuls="scale-layout=column" %s 2>&1 | FileCheck %s --check-prefix=BADLAYOUT
// RUN: not fp4-opt --nvfp4-quantize-matmuls="activation-rule=search:0" %s 2>&1 | FileCheck %s --check-prefix=BADRADIUS

// MIN: remark: matmul not rewritten to nvfp4: M = 128, N = 128, K = 128 is below the minimum size (min-m, min-n, min-k)
// MIN: remark: loc("lm_head"): matmul not rewritten to nvfp4: M = 128, N = 128, K = 128 is below the minimum size

// NAME: remark: loc("lm_head"): matmul not rewritten to nvfp4: its name is in skip-names
// NAME: remark: rewritten to nvfp4.scaled_matmul (nvfp4, M = 128, N = 128, K = 128): activations mse, weights mse; constant weight quantized at compile time, relative error 0.0
// NAME-LABEL: func.func @two_layers
//       NAME: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<128x64xi8>
//       NAME: nvfp4.scaled_matmul {{.*}}, %[[W]][
//       NAME: linalg.matmul

// NOFOLD: remark: rewritten to nvfp4.scaled_matmul (nvfp4, M = 128, N = 128, K = 128): activations mse, weights mse{{$}}
// NOFOLD: nvfp4.quantize %cst{{.*}}transpose

// BADRULE: error: nvfp4-quantize-matmuls: bad weight-rule 'median' for nvfp4: unknown scale rule
// MXRULE: error: nvfp4-quantize-matmuls: bad weight-rule 'mse' for mxfp4: {{.*}}
// MXDEFAULT: remark: rewritten to nvfp4.scaled_matmul (mxfp4, M = 128, N = 128, K = 128): activations static_6, weights static_6
// BADFORMAT: error: nvfp4-quantize-matmuls: unknown format 'fp8' (expected nvfp4 or mxfp4)
// BADLAYOUT: error: nvfp4-quantize-matmuls: unknown scale-layout 'column' (expected tcgen05 or row_major)
// BADRADIUS: error: nvfp4-quantize-matmuls: bad activation-rule 'search:0' for nvfp4: {{.*}}

func.func @two_layers(%a: tensor<128x128xf32>, %c: tensor<128x128xf32>) -> tensor<128x128xf32> {
  %w = arith.constant dense<[[0.25, -1.0, 3.0, 0.5], [2.0, 0.125, -0.75, 1.5]]> : tensor<2x4xf32>
  %big = tensor.empty() : tensor<128x128xf32>
  %wt = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i mod 2, j mod 4)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%w : tensor<2x4xf32>) outs(%big : tensor<128x128xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<128x128xf32>
  %cst = arith.constant dense<0.75> : tensor<128x128xf32>
  %r = linalg.matmul ins(%a, %cst : tensor<128x128xf32>, tensor<128x128xf32>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32>
  %s = linalg.matmul ins(%r, %wt : tensor<128x128xf32>, tensor<128x128xf32>) outs(%c : tensor<128x128xf32>) -> tensor<128x128xf32> loc("lm_head")
  return %s : tensor<128x128xf32>
}
