// RUN: fp4-opt %s --nvfp4-lower-to-cpu | FileCheck %s

// The CPU lowering puts no buffer on the stack: scf loops are automatic
// allocation scopes, so the canonicalizer inlines a memref.alloca_scope in
// them, and their lowering to cf never restores the stack. An alloca in a
// loop then grew the stack by every iteration: attention's quantize tables
// per head and each query row's scratch overflowed the 8 MiB stack at
// B 1, H 8, L 1024 (bench/attention-bench.mlir). Both are heap buffers now,
// freed by buffer deallocation.

// CHECK-LABEL: llvm.func @attention
//   CHECK-NOT: llvm.alloca
//       CHECK: llvm.call @malloc
//   CHECK-NOT: llvm.alloca
//       CHECK: llvm.call @free
//   CHECK-NOT: llvm.alloca
//       CHECK: llvm.return
func.func @attention(%q: tensor<1x2x64x32xbf16>, %k: tensor<1x2x64x32xbf16>, %v: tensor<1x2x64x32xbf16>) -> tensor<1x2x64x32xf32> {
  %o = nvfp4.attention %q, %k, %v {causal, key_tile = 32} : tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16>, tensor<1x2x64x32xbf16> -> tensor<1x2x64x32xf32>
  return %o : tensor<1x2x64x32xf32>
}

// CHECK-LABEL: llvm.func @quantize_in_loop
//   CHECK-NOT: llvm.alloca
//       CHECK: llvm.return
func.func @quantize_in_loop(%x: tensor<4x32x64xf32>) -> tensor<4x32x32xi8> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %init = tensor.empty() : tensor<4x32x32xi8>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %init) -> tensor<4x32x32xi8> {
    %s = tensor.extract_slice %x[%i, 0, 0] [1, 32, 64] [1, 1, 1] : tensor<4x32x64xf32> to tensor<32x64xf32>
    %d, %sc, %g = nvfp4.quantize %s {rule = #nvfp4.scale_rule<four_over_six, metric = mse>} : tensor<32x64xf32> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
    %u = tensor.insert_slice %d into %acc[%i, 0, 0] [1, 32, 32] [1, 1, 1] : tensor<32x32xi8> into tensor<4x32x32xi8>
    scf.yield %u : tensor<4x32x32xi8>
  }
  return %r : tensor<4x32x32xi8>
}
