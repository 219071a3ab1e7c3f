// nvfp4-lower-to-sm100a on quantize: the amax and quantize kernels for
// every kind of rule, assembled by ptxas for sm_100a without spills; the
// SASS holds the E2M1 and E4M3 converts. Nothing here runs (no Blackwell).
// REQUIRES: ptxas, cuobjdump
// RUN: fp4-opt --nvfp4-lower-to-sm100a %s -o %t.mlir
// RUN: %python %fp4_src_root/scripts/extract-gpu-binary.py %t.mlir %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -arch=sm_100a -v %t.ptx -o %t.cubin 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: %cuobjdump -sass %t.cubin | FileCheck %s --check-prefix=SASS

// PTX-DAG: .entry amax_256x256_bf16(
// PTX-DAG: .entry quantize_nvfp4_mse_256x256_bf16_tcgen05(
// PTX-DAG: .entry quantize_nvfp4_exact_256x256_bf16_tile16_t(
// PTX-DAG: .entry quantize_mxfp4_search_3_256x256_bf16_tcgen05(
// PTX-DAG: cvt.rn.satfinite.e2m1x2.f32
// PTX-DAG: cvt.rn.satfinite.e4m3x2.f32
// PTX-DAG: atom.global.max.u32

// One thread per block: row blocks fit in registers. A 16x16 tile does not
// (256 values per thread): that kernel spills (about 4 KB), a known cost.
// PTXAS: Compiling entry function 'quantize_nvfp4_mse_256x256_bf16_tcgen05' for 'sm_100a'
// PTXAS-NEXT: Function properties for quantize_nvfp4_mse_256x256_bf16_tcgen05
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// PTXAS: Compiling entry function 'quantize_nvfp4_exact_256x256_bf16_tile16_t' for 'sm_100a'
// PTXAS: Compiling entry function 'amax_256x256_bf16' for 'sm_100a'
// PTXAS-NEXT: Function properties for amax_256x256_bf16
// PTXAS-NEXT: 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// SASS-DAG: F2FP.SATFINITE.E2M1.F32.PACK_AB_MERGE_C
// SASS-DAG: F2FP.SATFINITE.E4M3.F32.PACK_AB_MERGE_C

func.func @quantize(%x: tensor<256x256xbf16>) -> (tensor<1x4x32x4x4xf8E4M3FN>, tensor<256x128xi8>, tensor<2x2x32x4x4xf8E8M0FNU>) {
  %q, %s, %g = nvfp4.quantize %x {rule = #nvfp4.scale_rule<four_over_six, metric = mse>,
                                 scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<256x256xbf16> -> tensor<256x128xi8>, tensor<2x4x32x4x4xf8E4M3FN>
  %q2, %s2, %g2 = nvfp4.quantize %x {rule = #nvfp4.scale_rule<exact>,
                                    block_shape = #nvfp4.block_shape<tile_16x16>, transpose}
      : tensor<256x256xbf16> -> tensor<256x128xi8>, tensor<256x16xf8E4M3FN>
  %q3, %s3, %g3 = nvfp4.quantize %x {format = #nvfp4.format<mxfp4>,
                                    rule = #nvfp4.scale_rule<scale_search, radius = 3>,
                                    scale_layout = #nvfp4.scale_layout<tcgen05>}
      : tensor<256x256xbf16> -> tensor<256x128xi8>, tensor<2x2x32x4x4xf8E8M0FNU>
  %c = tensor.extract_slice %s[0, 0, 0, 0, 0] [1, 4, 32, 4, 4] [1, 1, 1, 1, 1]
      : tensor<2x4x32x4x4xf8E4M3FN> to tensor<1x4x32x4x4xf8E4M3FN>
  return %c, %q2, %s3 : tensor<1x4x32x4x4xf8E4M3FN>, tensor<256x128xi8>, tensor<2x2x32x4x4xf8E8M0FNU>
}
