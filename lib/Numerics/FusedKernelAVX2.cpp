//===- FusedKernelAVX2.cpp - The fused row kernel compiled for AVX2 -------===//
//
// The same source as FusedKernel.cpp; CMake compiles this file with -mavx2
// (AVX2 only: no FMA, and -ffp-contract=off applies anyway). quantize() runs
// it only when the CPU reports AVX2.
//
//===----------------------------------------------------------------------===//

#include "FusedKernelApi.h"

#ifdef FP4_FUSED_HAVE_AVX2
#define FP4_KERNEL_W 8
#define FP4_KERNEL_NS avx2
#include "FusedKernel.h"
#endif
