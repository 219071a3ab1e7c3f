// The passes that load dialect interfaces at run time find them: with the
// inliner and ConvertToLLVM interfaces missing, fp4-opt aborted here.
// RUN: fp4-opt --split-input-file --inline --convert-to-llvm %s | FileCheck %s
// RUN: fp4-opt --split-input-file --pass-pipeline='builtin.module(gpu.module(convert-gpu-to-nvvm))' %s | FileCheck %s --check-prefix=GPU

// CHECK-LABEL: llvm.func @caller
// CHECK:         llvm.fadd
// CHECK-NOT:     call @callee
func.func private @callee(%x: f32) -> f32 {
  %y = arith.addf %x, %x : f32
  return %y : f32
}
func.func @caller(%x: f32) -> f32 {
  %y = func.call @callee(%x) : (f32) -> f32
  return %y : f32
}

// -----

// GPU-LABEL: llvm.func @k
// GPU:         nvvm.read.ptx.sreg.tid.x
  gpu.module @m {
    gpu.func @k(%out: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %v = vector.broadcast %t : index to vector<4xindex>
      %e = vector.extract %v[0] : index from vector<4xindex>
      %f = arith.index_cast %e : index to i32
      %g = arith.sitofp %f : i32 to f32
      memref.store %g, %out[%t] : memref<32xf32>
      gpu.return
    }
  }
