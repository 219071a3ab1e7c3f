//===- QuantizeKernels.h - quantize() implementations and ISA choice -*- C++ -*-===//
//
// quantize() (BlockQuantize.h) runs the fused row kernel for round to nearest:
// clean, block amax, scale choice, encode and pack for several blocks at once,
// one block per SIMD lane for the candidate error sums (lib/Numerics/
// FusedKernel.h). The same kernel source is compiled twice: for the portable
// baseline ISA and, on x86-64, with AVX2 enabled; the AVX2 copy runs when the
// CPU has it. Both give the bytes of quantizeReference() exactly (every lane
// op is the scalar IEEE fp32 op, each block's error sum keeps its element
// order); unittests/Numerics/Fused.cpp checks that.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_QUANTIZEKERNELS_H
#define FP4_NUMERICS_QUANTIZEKERNELS_H

#include "fp4/Numerics/BlockQuantize.h"

namespace mlir::fp4 {

/// The block-at-a-time quantizer that quantize() used before the fused
/// kernel: same contract and bytes as quantize(). quantize() still calls it
/// for stochastic rounding; otherwise it is the tests' reference.
QuantizeResult quantizeReference(const void *input, ElementType type,
                                 uint64_t rows, uint64_t cols,
                                 const QuantizeOptions &options,
                                 uint8_t *values, uint64_t valuesBytes,
                                 uint8_t *scales, uint64_t scalesBytes);

/// Instruction set of the fused kernel copy quantize() runs.
enum class KernelIsa { Baseline, AVX2 };

/// Whether this build has a copy for `isa` and the CPU can run it.
bool kernelIsaAvailable(KernelIsa isa);

/// The copy quantize() runs: by default the best available one; the
/// environment variable FP4_NUMERICS_ISA=baseline forces the baseline.
KernelIsa activeKernelIsa();

/// Selects the copy (tests and benchmarks); returns false, changing nothing,
/// when it is not available. Not thread-safe against concurrent quantize().
bool setKernelIsa(KernelIsa isa);

/// "baseline" or "avx2".
const char *kernelIsaName(KernelIsa isa);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_QUANTIZEKERNELS_H
