// Buffers that flow through calls the inliner cannot inline (here a
// recursion) make buffer deallocation store memref<?xi1>, which MLIR 22's
// memref-to-LLVM conversion asserts on. The pipelines report it instead, the
// sm_100a one with the host lowered too (there gpu-to-llvm lowers memrefs
// first). So do sub-byte memrefs in the input (below); sub-byte tensors are
// widened to i8 first (fp4-widen-sub-byte-tensors, sub-byte-masks.mlir).
// RUN: not fp4-opt --nvfp4-lower-to-cpu --split-input-file %s -o /dev/null 2>&1 | FileCheck %s
// RUN: not fp4-opt --nvfp4-lower-to-sm100a="host=true" --split-input-file %s -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: cannot lower 'memref<{{.*}}xi1>' to LLVM: MLIR 22's memref-to-LLVM conversion does not support memrefs of integers narrower than 8 bits. Sub-byte tensors are widened to i8 before bufferization; these memrefs come from buffer deallocation of buffers passed through calls that could not be inlined (recursive or external callees) or from the input
// CHECK: error: cannot lower 'memref<16xi1>' to LLVM
// CHECK-NOT: Assertion
func.func @f(%x: tensor<128x64xf32>, %n: index) -> tensor<128x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %done = arith.cmpi eq, %n, %c0 : index
  %r = scf.if %done -> tensor<128x64xf32> {
    scf.yield %x : tensor<128x64xf32>
  } else {
    %m = arith.subi %n, %c1 : index
    %q, %s, %g = nvfp4.quantize %x : tensor<128x64xf32> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
    %d = nvfp4.dequantize %q, %s, %g : tensor<128x32xi8>, tensor<128x4xf8E4M3FN> -> tensor<128x64xf32>
    %a = func.call @f(%d, %m) : (tensor<128x64xf32>, index) -> tensor<128x64xf32>
    %b = func.call @f(%x, %m) : (tensor<128x64xf32>, index) -> tensor<128x64xf32>
    %e = tensor.empty() : tensor<128x64xf32>
    %sum = linalg.add ins(%a, %b : tensor<128x64xf32>, tensor<128x64xf32>) outs(%e : tensor<128x64xf32>) -> tensor<128x64xf32>
    scf.yield %sum : tensor<128x64xf32>
  }
  return %r : tensor<128x64xf32>
}

// -----

func.func @mask(%m: memref<16xi1>, %i: index) -> i1 {
  %v = memref.load %m[%i] : memref<16xi1>
  return %v : i1
}
