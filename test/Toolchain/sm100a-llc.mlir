// Proof (2), route B: a device module using the NVFP4 block-scaled MMA
// (mxf4nvf4, 4X scale vectors = block16) and the E2M1 convert goes through
// mlir-translate and llc (NVPTX backend of the LLVM tools package) to PTX.
// RUN: mlir-translate --mlir-to-llvmir %s -o %t.ll
// RUN: llc -mcpu=sm_100a -mattr=+ptx88 %t.ll -o - | FileCheck %s
//
// LLVM 22's default PTX version for sm_100a is too old for the block16 form:
// without +ptx88 instruction selection aborts instead of diagnosing.
// RUN: not --crash llc -mcpu=sm_100a %t.ll -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOPTX88

// CHECK: .version 8.8
// CHECK: .target sm_100a
// CHECK: tcgen05.mma.cta_group::1.kind::mxf4nvf4.block_scale.block16
// CHECK: cvt.rn.satfinite.e2m1x2.f32

// NOPTX88: Cannot select: intrinsic %llvm.nvvm.tcgen05.mma.shared.mxf4nvf4.block_scale.block16

module attributes {llvm.target_triple = "nvptx64-nvidia-cuda"} {
  llvm.func @nvf4_mma(%d: !llvm.ptr<6>, %a: i64, %b: i64, %idesc: i32,
                      %sa: !llvm.ptr<6>, %sb: !llvm.ptr<6>,
                      %x: f32, %y: f32, %out: !llvm.ptr<1>)
      attributes {nvvm.kernel} {
    %true = llvm.mlir.constant(true) : i1
    nvvm.tcgen05.mma.block_scale %d, %a, %b, %idesc, %true, %sa, %sb
      {kind = #nvvm.block_scale_kind<mxf4nvf4>, ctaGroup = #nvvm.cta_group<cta_1>,
       blockScale = #nvvm.tcgen05_mma_block_scale<block16>}
      : (!llvm.ptr<6>, i64, i64, i32, i1, !llvm.ptr<6>, !llvm.ptr<6>)
    %p = nvvm.convert.f32x2.to.f4x2 %x, %y : i8 (f4E2M1FN)
    llvm.store %p, %out : i8, !llvm.ptr<1>
    llvm.return
  }
}
