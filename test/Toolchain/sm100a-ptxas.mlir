// Proof (3): ptxas from the CUDA 13 toolkit assembles the sm_100a PTX of both
// routes. The SASS holds the Blackwell block-scaled MMA (UTCOMMA.4X is
// mxf4nvf4 with 4X scale vectors) and the E2M1 convert.
// REQUIRES: ptxas, cuobjdump
// RUN: mlir-translate --mlir-to-llvmir %S/sm100a-llc.mlir -o %t.ll
// RUN: llc -mcpu=sm_100a -mattr=+ptx88 %t.ll -o %t.ptx
// RUN: %ptxas -arch=sm_100a %t.ptx -o %t.cubin
// RUN: %cuobjdump -sass %t.cubin | FileCheck %s
//
// MLIR's own serialization to a cubin (it runs ptxas itself) works too.
// RUN: fp4-opt %S/sm100a-gpu-serialize.mlir --gpu-module-to-binary=format=bin \
// RUN:   | FileCheck %s --check-prefix=BIN

// CHECK: UTCOMMA.4X
// CHECK: F2FP.SATFINITE.E2M1.F32.PACK_AB_MERGE_C

// BIN: gpu.binary @kernels [#gpu.object<#nvvm.target<chip = "sm_100a", features = "+ptx88">, {{.*}}bin = "\7FELF
