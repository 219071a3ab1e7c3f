// The CPU pipeline leaves only the LLVM dialect, which translates to LLVM IR
// whose error sums are ordered reductions (no reassociation flags).
// RUN: fp4-opt --nvfp4-lower-to-cpu %s | FileCheck %s --check-prefix=MLIR
// RUN: fp4-opt --nvfp4-lower-to-cpu %s | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVM
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 --pass-pipeline='builtin.module(nvfp4-lower-to-cpu)' %s | FileCheck %s --check-prefix=MLIR %}

// MLIR-LABEL: llvm.func @quantize
// MLIR-NOT:   nvfp4.
// MLIR-NOT:   bufferization.
// MLIR-NOT:   scf.
// MLIR-NOT:   memref.
// MLIR-NOT:   builtin.unrealized_conversion_cast
// MLIR:       llvm.return

// LLVM-LABEL: define {{.*}} @quantize(
// LLVM:       call float @llvm.vector.reduce.fadd.v16f32(float
// LLVM-NOT:   reduce.fadd{{.*}}reassoc
// LLVM-NOT:   call reassoc
// LLVM-NOT:   fast float
func.func @quantize(%x: tensor<32x64xbf16>) -> (tensor<32x32xi8>, tensor<32x4xf8E4M3FN>, f32) {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>}
      : tensor<32x64xbf16> -> tensor<32x32xi8>, tensor<32x4xf8E4M3FN>
  return %q, %s, %g : tensor<32x32xi8>, tensor<32x4xf8E4M3FN>, f32
}
