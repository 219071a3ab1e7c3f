// nvfp4-lower-to-cpu{threads=openmp}: the outermost scf.parallel loops
// without reductions become omp.parallel + omp.wsloop (checked right after
// convert-scf-to-openmp and the scratch hoisting, still on memrefs); loops
// nested in another parallel loop and loops with reductions stay sequential
// (scf.for), the reductions combined in iteration order. The default is
// serial, and the omp ops reach LLVM IR as OpenMP runtime calls.
// RUN: fp4-opt --nvfp4-lower-to-cpu="threads=openmp" --mlir-print-ir-before=convert-scf-to-cf --split-input-file %s -o /dev/null 2>&1 | FileCheck %s
// RUN: fp4-opt --nvfp4-lower-to-cpu="threads=openmp" --split-input-file %s | FileCheck %s --check-prefix=LLVM
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 --pass-pipeline='builtin.module(nvfp4-lower-to-cpu{threads=openmp})' --split-input-file %s | FileCheck %s --check-prefix=LLVM %}
// RUN: fp4-opt --nvfp4-lower-to-cpu="threads=openmp" --split-input-file %s | mlir-translate --mlir-to-llvmir --split-input-file | FileCheck %s --check-prefix=LLVMIR
// RUN: fp4-opt --nvfp4-lower-to-cpu --split-input-file %s | FileCheck %s --check-prefix=SERIAL
// RUN: fp4-opt --nvfp4-lower-to-cpu="threads=serial" --split-input-file %s | FileCheck %s --check-prefix=SERIAL
// RUN: not fp4-opt --nvfp4-lower-to-cpu="threads=gpu" %s 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: for the --threads option: Cannot find option named 'gpu'!

// SERIAL-NOT: omp.
// SERIAL-LABEL: llvm.func @quantize
// SERIAL-NOT: omp.
// SERIAL-LABEL: llvm.func @nested
// SERIAL-NOT: omp.

// The block loop over (row, block column), both dimensions shared out.
// CHECK-LABEL: func.func @quantize
//       CHECK: omp.parallel {
//  CHECK-NEXT:   omp.wsloop {
//  CHECK-NEXT:     omp.loop_nest (%{{.*}}, %{{.*}}) : index = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step (%{{.*}}, %{{.*}}) collapse(2) {
//   CHECK-NOT:       scf.parallel
//       CHECK:       omp.yield
//       CHECK: omp.terminator
// LLVM-LABEL: llvm.func @quantize
//       LLVM: omp.parallel
//       LLVM: omp.wsloop
// LLVMIR-LABEL: define {{.*}} @quantize(
//       LLVMIR: call void {{.*}}@__kmpc_fork_call
func.func @quantize(%x: tensor<128x64xbf16>) -> (tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, f32) {
  %q, %s, %g = nvfp4.quantize %x : tensor<128x64xbf16> -> tensor<128x32xi8>, tensor<128x4xf8E4M3FN>
  return %q, %s, %g : tensor<128x32xi8>, tensor<128x4xf8E4M3FN>, f32
}

// -----

// An inner loop that canonicalization cannot merge into the outer one (the
// outer body does more) stays sequential; the scratch buffer moves to the top
// of omp.parallel (one per thread) and the alloca scope goes.
// CHECK-LABEL: func.func @nested
//       CHECK: omp.parallel {
//  CHECK-NEXT:   %[[SCRATCH:.*]] = memref.alloca() : memref<64xf32>
//  CHECK-NEXT:   omp.wsloop {
//  CHECK-NEXT:     omp.loop_nest (%[[I:.*]]) : index
//   CHECK-NOT:       alloca_scope
//       CHECK:       scf.for %[[J:.*]] =
//  CHECK-NEXT:         memref.load %{{.*}}[%[[I]], %[[J]]]
//  CHECK-NEXT:         memref.store %{{.*}}, %[[SCRATCH]][%[[J]]]
//   CHECK-NOT: omp.parallel
//       CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
//  CHECK-NEXT:   %[[V:.*]] = memref.load %{{.*}}[%[[K]], %[[K]]]
//  CHECK-NEXT:   %[[NEXT:.*]] = arith.addf %[[ACC]], %[[V]] : f32
//  CHECK-NEXT:   scf.yield %[[NEXT]] : f32
//   CHECK-NOT: omp.parallel
//       CHECK: return %[[SUM]]
// LLVM-LABEL: llvm.func @nested
// LLVM-COUNT-1: omp.parallel
//   LLVM-NOT: omp.parallel
func.func @nested(%m: memref<64x64xf32>, %out: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %scratch = memref.alloca() : memref<64xf32>
    scf.parallel (%j) = (%c0) to (%c64) step (%c1) {
      %v = memref.load %m[%i, %j] : memref<64x64xf32>
      memref.store %v, %scratch[%j] : memref<64xf32>
      scf.reduce
    }
    %first = memref.load %scratch[%c0] : memref<64xf32>
    memref.store %first, %out[%i] : memref<64xf32>
    scf.reduce
  }
  %sum = scf.parallel (%k) = (%c0) to (%c64) step (%c1) init (%zero) -> f32 {
    %v = memref.load %m[%k, %k] : memref<64x64xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %r = arith.addf %a, %b : f32
      scf.reduce.return %r : f32
    }
  }
  return %sum : f32
}
