//===- FusedKernel.cpp - The fused row kernel, portable baseline ISA ------===//

#define FP4_KERNEL_W 4
#define FP4_KERNEL_NS baseline
#include "FusedKernel.h"
