// One-shot bufferization of extract/insert_slice pairs in loops (the batch
// loops of nvfp4-quantize-matmuls) and of linalg.copy needs the ValueBounds
// and Subset interface models; without them fp4-opt aborted ("interface
// promised by dialect 'scf' but never implemented").
// RUN: fp4-opt --nvfp4-quantize-matmuls=scale-layout=row_major --nvfp4-lower-to-cpu --split-input-file %s | FileCheck %s
// RUN: fp4-opt --nvfp4-quantize-matmuls --nvfp4-lower-to-sm100a="host=true" --split-input-file %s | FileCheck %s --check-prefix=HOST
// RUN: %if mlir-opt-plugins %{ %mlir_opt_fp4 --pass-pipeline='builtin.module(nvfp4-quantize-matmuls,nvfp4-lower-to-sm100a{host=true})' --split-input-file %s | FileCheck %s --check-prefix=HOST %}

// CHECK-LABEL: llvm.func @batch_accumulate
// HOST-LABEL: llvm.func @batch_accumulate
// Kernels run on device buffers (fp4-stage-device-buffers).
//       HOST: llvm.call @mgpuMemAlloc
//       HOST: gpu.launch_func <%{{.*}} : !llvm.ptr> @nvfp4_kernels::@scaled_mma
func.func @batch_accumulate(%a: tensor<2x128x64xf32>, %b: tensor<2x64x128xf32>, %c: tensor<2x128x128xf32>) -> tensor<2x128x128xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x128x64xf32>, tensor<2x64x128xf32>) outs(%c : tensor<2x128x128xf32>) -> tensor<2x128x128xf32>
  return %r : tensor<2x128x128xf32>
}

// -----

// CHECK-LABEL: llvm.func @copy
// HOST-LABEL: llvm.func @copy
func.func @copy(%m: tensor<16xf32>, %o: tensor<16xf32>) -> tensor<16xf32> {
  %r = linalg.copy ins(%m : tensor<16xf32>) outs(%o : tensor<16xf32>) -> tensor<16xf32>
  return %r : tensor<16xf32>
}
