// An nvfp4 example: a constant weight quantized at compile time with the
// Four Over Six rule, and an activation quantized at run time with
// ScaleSearch, multiplied as NVFP4. scripts/main.sh runs
//   fp4-opt examples/quantize-constant.mlir -canonicalize
// which folds the weight's quantize into packed bytes and E4M3 scales.
func.func @linear(%act: tensor<16x32xbf16>) -> tensor<16x2xf32> {
  %w = arith.constant dense<[
    [6.0, 5.0, 4.0, 3.0, 2.5, 2.0, 1.5, 1.25, 1.0, 0.75, 0.5, 0.25, 0.0, -0.75, -3.5, -5.0,
     0.9, -0.85, 0.8, 0.7, -0.66, 0.6, 0.5, 0.45, -0.4, 0.33, 0.3, -0.2, 0.15, 0.1, -0.05, 0.01],
    [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, -2.0,
     1.0, -1.0, 0.5, -0.5, 0.25, -0.25, 0.125, -0.125, 3.0, -3.0, 1.5, -1.5, 0.75, -0.75, 0.0, 0.0]
  ]> : tensor<2x32xbf16>
  %wq, %ws, %wg = nvfp4.quantize %w {rule = #nvfp4.scale_rule<four_over_six, metric = mse>}
      : tensor<2x32xbf16> -> tensor<2x16xi8>, tensor<2x2xf8E4M3FN>
  %aq, %as, %ag = nvfp4.quantize %act {rule = #nvfp4.scale_rule<scale_search, radius = 6>}
      : tensor<16x32xbf16> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  %y = nvfp4.scaled_matmul %aq[%as, %ag], %wq[%ws, %wg]
      : tensor<16x16xi8>, tensor<16x2xf8E4M3FN>, tensor<2x16xi8>, tensor<2x2xf8E4M3FN> -> tensor<16x2xf32>
  return %y : tensor<16x2xf32>
}
