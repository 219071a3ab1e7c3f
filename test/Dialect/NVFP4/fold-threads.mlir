// Constant weights are quantized in chunks of 128 result rows on MLIR's
// thread pool; the bytes do not depend on the number of threads: the folded
// module is the same with all threads and with --mlir-disable-threading, for
// a K-major weight (quantized transposed) and an N-major one, every rule
// family and both formats and scale layouts.
// RUN: %python %S/Inputs/fold-threads.py > %t.mlir
// RUN: fp4-opt %t.mlir --nvfp4-quantize-matmuls=weight-rule=mse -o %t.threads.mlir
// RUN: fp4-opt %t.mlir --nvfp4-quantize-matmuls=weight-rule=mse --mlir-disable-threading -o %t.one.mlir
// RUN: cmp %t.threads.mlir %t.one.mlir
// RUN: fp4-opt %t.mlir --nvfp4-quantize-matmuls="weight-rule=exact scale-layout=row_major" -o %t.threads.mlir
// RUN: fp4-opt %t.mlir --nvfp4-quantize-matmuls="weight-rule=exact scale-layout=row_major" --mlir-disable-threading -o %t.one.mlir
// RUN: cmp %t.threads.mlir %t.one.mlir
// RUN: fp4-opt %t.mlir --nvfp4-quantize-matmuls="format=mxfp4 weight-rule=search:2" -o %t.threads.mlir
// RUN: fp4-opt %t.mlir --nvfp4-quantize-matmuls="format=mxfp4 weight-rule=search:2" --mlir-disable-threading -o %t.one.mlir
// RUN: cmp %t.threads.mlir %t.one.mlir
// RUN: FileCheck %s < %t.one.mlir
// CHECK-COUNT-2: dense_resource<nvfp4_data
