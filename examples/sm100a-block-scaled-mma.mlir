// A Blackwell (sm_100a) kernel fragment: one NVFP4 block-scaled MMA
// (tcgen05.mma, kind mxf4nvf4, 4X scale vectors) and an f32 pair -> packed
// E2M1 convert. scripts/main.sh compiles it to PTX and a cubin.
module attributes {gpu.container_module} {
  gpu.module @example [#nvvm.target<chip = "sm_100a", features = "+ptx88">] {
    llvm.func @nvfp4_mma(%d: !llvm.ptr<6>, %a: i64, %b: i64, %idesc: i32,
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
}
