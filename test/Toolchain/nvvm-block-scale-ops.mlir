// Proof (1): this MLIR's NVVM dialect has the ops fp4-mlir lowers to: the
// tcgen05 block-scaled MMA with the NVFP4 (mxf4nvf4, 4X = block16) and MXFP4
// (mxf4, block32) kinds, and the f32x2 -> packed E2M1 convert. They parse,
// verify and print back.
// RUN: fp4-opt %s | FileCheck %s
// RUN: fp4-opt %s | fp4-opt | FileCheck %s

// CHECK-LABEL: llvm.func @block_scaled_mma
llvm.func @block_scaled_mma(%d: !llvm.ptr<6>, %a: i64, %b: i64, %idesc: i32,
                            %sa: !llvm.ptr<6>, %sb: !llvm.ptr<6>, %acc: i1) {
  // CHECK: nvvm.tcgen05.mma.block_scale {{.*}}blockScale = #nvvm.tcgen05_mma_block_scale<block16>{{.*}}kind = #nvvm.block_scale_kind<mxf4nvf4>
  nvvm.tcgen05.mma.block_scale %d, %a, %b, %idesc, %acc, %sa, %sb
    {kind = #nvvm.block_scale_kind<mxf4nvf4>, ctaGroup = #nvvm.cta_group<cta_1>,
     blockScale = #nvvm.tcgen05_mma_block_scale<block16>}
    : (!llvm.ptr<6>, i64, i64, i32, i1, !llvm.ptr<6>, !llvm.ptr<6>)
  // CHECK: nvvm.tcgen05.mma.block_scale {{.*}}blockScale = #nvvm.tcgen05_mma_block_scale<block32>{{.*}}kind = #nvvm.block_scale_kind<mxf4>
  nvvm.tcgen05.mma.block_scale %d, %a, %b, %idesc, %acc, %sa, %sb
    {kind = #nvvm.block_scale_kind<mxf4>, ctaGroup = #nvvm.cta_group<cta_1>,
     blockScale = #nvvm.tcgen05_mma_block_scale<block32>}
    : (!llvm.ptr<6>, i64, i64, i32, i1, !llvm.ptr<6>, !llvm.ptr<6>)
  llvm.return
}

// CHECK-LABEL: llvm.func @convert_to_e2m1
llvm.func @convert_to_e2m1(%x: f32, %y: f32) -> i8 {
  // CHECK: nvvm.convert.f32x2.to.f4x2 %{{.*}}, %{{.*}} : i8(f4E2M1FN)
  %p = nvvm.convert.f32x2.to.f4x2 %x, %y : i8 (f4E2M1FN)
  llvm.return %p : i8
}
