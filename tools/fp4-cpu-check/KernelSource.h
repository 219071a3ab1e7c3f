//===- KernelSource.h - nvfp4 test kernels as MLIR text ---------*- C++ -*-===//
//
// Part of fp4-mlir. Writes one-op nvfp4 functions on memref arguments (with
// llvm.emit_c_interface) for the JIT checks and the benchmark: the op sees
// tensors, and its results are materialized into the caller's buffers.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_KERNELSOURCE_H
#define FP4_TOOLS_KERNELSOURCE_H

#include "fp4/Numerics/Attention.h"
#include "fp4/Numerics/BlockQuantize.h"

#include <string>

namespace fp4tools {

/// The #nvfp4.scale_rule attribute of `o`'s rule.
std::string ruleAttribute(const mlir::fp4::QuantizeOptions &o);

/// The nvfp4 attribute list that describes `o` (the amax is not included).
std::string quantizeAttributes(const mlir::fp4::QuantizeOptions &o);

/// @quantize(%x: rows x cols input, %q: data, %s: scales, %g: memref<1xf32>).
/// A calibrated amax in `o` becomes an amax operand.
std::string quantizeKernel(const mlir::fp4::QuantizeOptions &o, uint64_t rows,
                           uint64_t cols, mlir::fp4::ElementType type);

/// @dequantize(%q, %s, %g: memref<1xf32>, %out: rows x cols of `type`).
std::string dequantizeKernel(uint64_t rows, uint64_t cols,
                             mlir::fp4::Format format,
                             mlir::fp4::ScaleLayout layout,
                             mlir::fp4::ElementType type);

/// @matmul(%a, %sa, %ga, %b, %sb, %gb, %out: m x n of `type`); A is m x k,
/// B is n x k, both quantized along k.
std::string matmulKernel(uint64_t m, uint64_t n, uint64_t k,
                         mlir::fp4::Format format,
                         mlir::fp4::ScaleLayout layout,
                         mlir::fp4::ElementType type);

/// @attention(%q, %k, %v: [B, H, L, D] of `type`, %out: f32) running one
/// nvfp4.attention with `attributes` (the text inside its braces).
/// The nvfp4.attention attribute list that describes `o`; "" with `error`
/// set when the op cannot express it (an unquantized operand).
std::string attentionAttributes(const mlir::fp4::AttentionOptions &o,
                                std::string &error);

std::string attentionKernel(const mlir::fp4::AttentionShape &shape,
                            const std::string &attributes,
                            mlir::fp4::ElementType type);

} // namespace fp4tools

#endif // FP4_TOOLS_KERNELSOURCE_H
