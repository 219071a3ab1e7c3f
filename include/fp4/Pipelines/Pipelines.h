//===- Pipelines.h - fp4-mlir named pass pipelines --------------*- C++ -*-===//
//
// Part of fp4-mlir. Pipelines that take nvfp4 IR on tensors to a target.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_PIPELINES_PIPELINES_H
#define FP4_PIPELINES_PIPELINES_H

#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"

#include <string>

namespace mlir {
class OpPassManager;

namespace fp4 {

/// How the pipelines lower nvfp4.attention (nvfp4-decompose-attention's
/// `products`): Default is Fused on the CPU and sm_90a, ScaledMatmul
/// (tcgen05) on sm_100a.
enum class AttentionLowering { Default, Reference, Fused, ScaledMatmul };

/// How nvfp4-lower-to-cpu runs the scf.parallel loops (the block loops of
/// quantize, dequantize and scaled_matmul, the query-row loop of
/// attention_rows): Serial lowers them to sequential loops; OpenMP makes each
/// outermost one without reductions an omp.parallel + omp.wsloop (calls into
/// the LLVM OpenMP runtime, libomp.so.5, which the program must load).
enum class CpuThreads { Serial, OpenMP };

/// nvfp4-lower-to-cpu: nvfp4-decompose-attention, convert-nvfp4-to-arith,
/// one-shot bufferization (with function boundaries, identity layouts), buffer
/// deallocation, and the conversions to the LLVM dialect for the host CPU. The
/// result translates with mlir-translate --mlir-to-llvmir or runs in an
/// ExecutionEngine. With `threads` = OpenMP the result needs the OpenMP
/// dialect translation and the LLVM OpenMP runtime.
void buildNVFP4LowerToCPUPipeline(
    OpPassManager &pm, AttentionLowering attention = AttentionLowering::Default,
    CpuThreads threads = CpuThreads::Serial);

/// nvfp4-lower-to-gpu (nvfp4-lower-to-sm100a is chip = SM100a):
/// convert-nvfp4-to-nvvm for `chip` (the nvfp4 ops become kernel launches on
/// device buffers), then the kernels' gpu.module down to NVVM/LLVM and
/// gpu-module-to-binary with `format` ("isa": PTX, "bin": cubin,
/// "fatbin"). With `lowerHost`, the host code (copies, launches and every
/// other op, a lone nvfp4.amax through convert-nvfp4-to-arith) follows to
/// the LLVM dialect as in nvfp4-lower-to-cpu, GPU ops becoming GPU runtime
/// calls (gpu-to-llvm); else it is left for a host pipeline.
void buildNVFP4LowerToGpuPipeline(
    OpPassManager &pm, GpuChip chip, const std::string &format = "isa",
    bool lowerHost = false,
    AttentionLowering attention = AttentionLowering::Default);

/// Registers the named pipelines with the pass registry (fp4-opt).
void registerPipelines();

} // namespace fp4
} // namespace mlir

#endif // FP4_PIPELINES_PIPELINES_H
