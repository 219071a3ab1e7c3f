// The upstream mlir-opt knows neither the nvfp4 dialect nor our passes on
// its own, so the `%mlir_opt_fp4` RUN lines in the dialect, conversion and
// pipeline tests pass only through the plugins.
// REQUIRES: mlir-opt-plugins
// RUN: not %upstream_mlir_opt %s 2>&1 | FileCheck %s --check-prefix=NO-DIALECT
// RUN: not %upstream_mlir_opt --load-dialect-plugin=%fp4_dialect_plugin --pass-pipeline="builtin.module(convert-nvfp4-to-arith)" %s 2>&1 | FileCheck %s --check-prefix=NO-PASS
// RUN: %upstream_mlir_opt --load-dialect-plugin=%fp4_dialect_plugin %s | FileCheck %s --check-prefix=DIALECT

// NO-DIALECT: Dialect `nvfp4' not found for custom op 'nvfp4.quantize'
// NO-PASS: 'convert-nvfp4-to-arith' does not refer to a registered pass or pass pipeline
// DIALECT-LABEL: func.func @quantize
// DIALECT: nvfp4.quantize
func.func @quantize(%x: tensor<16x32xbf16>) -> tensor<16x16xi8> {
  %q, %s, %g = nvfp4.quantize %x : tensor<16x32xbf16> -> tensor<16x16xi8>, tensor<16x2xf8E4M3FN>
  return %q : tensor<16x16xi8>
}
