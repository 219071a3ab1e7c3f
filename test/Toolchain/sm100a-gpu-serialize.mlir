// Proof (2), route A: MLIR's own GPU serialization (gpu-module-to-binary with
// the NVPTX backend inside libMLIR) turns a gpu.module using the MXFP4
// block-scaled MMA and the E2M1 convert into sm_100a PTX.
// RUN: fp4-opt %s --gpu-module-to-binary=format=isa | FileCheck %s

// CHECK: gpu.binary @kernels
// CHECK-SAME: .target sm_100a
// CHECK-SAME: tcgen05.mma.cta_group::1.kind::mxf4.block_scale.block32
// CHECK-SAME: cvt.rn.satfinite.e2m1x2.f32

module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "sm_100a", features = "+ptx88">] {
    llvm.func @mxf4_mma(%d: !llvm.ptr<6>, %a: i64, %b: i64, %idesc: i32,
                        %sa: !llvm.ptr<6>, %sb: !llvm.ptr<6>,
                        %x: f32, %y: f32, %out: !llvm.ptr<1>)
        attributes {nvvm.kernel} {
      %false = llvm.mlir.constant(false) : i1
      nvvm.tcgen05.mma.block_scale %d, %a, %b, %idesc, %false, %sa, %sb
        {kind = #nvvm.block_scale_kind<mxf4>, ctaGroup = #nvvm.cta_group<cta_1>,
         blockScale = #nvvm.tcgen05_mma_block_scale<block32>}
        : (!llvm.ptr<6>, i64, i64, i32, i1, !llvm.ptr<6>, !llvm.ptr<6>)
      %p = nvvm.convert.f32x2.to.f4x2 %x, %y : i8 (f4E2M1FN)
      llvm.store %p, %out : i8, !llvm.ptr<1>
      llvm.return
    }
  }
}
