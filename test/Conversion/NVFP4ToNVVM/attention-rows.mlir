// RUN: fp4-opt %s --convert-nvfp4-to-nvvm=chip=sm_90a | FileCheck %s

// nvfp4.attention_rows on the GPU: one launch, one thread per (head, query
// row) (2 x 64 rows: one CTA of 128 threads). The kernel fills P's candidate
// table in shared memory (one row per thread), waits at a barrier, keeps
// each thread's scratch in private allocas, and runs the portable row code
// (the one the CPU lowering runs, checked bit for bit by fp4-cpu-check;
// fp4-gpu-check runs this kernel on the H200).

//       CHECK: gpu.launch_func @nvfp4_kernels::@[[KERNEL:attention_rows_2x64x128x64x32_[0-9a-f]+]] blocks in (%c1{{.*}}, %c1{{.*}}, %c1{{.*}}) threads in (%c128{{.*}}, %c1{{.*}}, %c1{{.*}}) args(%{{.*}} : memref<2x64x64xf32>, %{{.*}} : memref<2x128x64xf32>, %{{.*}} : memref<2x32x128xf32>, %{{.*}} : memref<2x64x32xf32>)
//       CHECK: gpu.func @[[KERNEL]]({{.*}}) workgroup(%[[TABLE:.*]] : memref<256x8xf32, #gpu.address_space<workgroup>>) kernel
//       CHECK: vector.store %{{.*}}, %[[TABLE]]
//       CHECK: gpu.barrier
//       CHECK: memref.alloca() : memref<1x64xf32>
//       CHECK: memref.alloca() : memref<32xf32>
//       CHECK: vector.load %[[TABLE]][
//   CHECK-NOT: nvfp4.
func.func @rows(%q: tensor<2x64x64xf32>, %k: tensor<2x128x64xf32>, %v: tensor<2x32x128xf32>) -> tensor<2x64x32xf32> {
  %o = nvfp4.attention_rows %q, %k, %v {causal, key_tile = 64 : i64, softmax_scale = 0.125 : f32} : tensor<2x64x64xf32>, tensor<2x128x64xf32>, tensor<2x32x128xf32> -> tensor<2x64x32xf32>
  return %o : tensor<2x64x32xf32>
}
