//===- ConstantQuantization.h - Compile-time quantization ------*- C++ -*-===//
//
// Part of fp4-mlir. Compile-time quantization of constant tensors (dense or
// dense_resource) through the numerics library, shared by the quantize
// folder and nvfp4-quantize-matmuls. The input bytes are read in place, and
// large results are written straight into dense_resource blobs, so memory
// stays at the weight plus its packed form.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_IR_CONSTANTQUANTIZATION_H
#define FP4_DIALECT_NVFP4_IR_CONSTANTQUANTIZATION_H

#include "fp4/Numerics/BlockQuantize.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"

#include <string>
#include <vector>

namespace mlir::nvfp4 {

/// The row-major element bytes of a constant float tensor as the numerics
/// library reads them. Non-splat dense and dense_resource constants are
/// viewed in place; a splat is expanded into `storage`.
struct ConstantBytes {
  const char *data = nullptr;
  fp4::ElementType type = fp4::ElementType::F32;
  std::vector<char> storage;
};

/// Compile-time limits (docs/lowering.md, "Limits"). Constants beyond them
/// are quantized at run time instead: the folders decline, and
/// nvfp4-quantize-matmuls says why in its report. Elements: 2^28 (1 GiB of
/// f32; every projection of a 70B Llama fits, an LM head of 128256 x 4096
/// does not). Work: 2^32 candidate evaluations (elements x candidates per
/// block: 1 static, 2 four_over_six, 2r + 1 scale_search, 16 exact, its
/// typical cost after pruning), about ten seconds on one core.
constexpr int64_t kMaxFoldElements = int64_t(1) << 28;
constexpr int64_t kMaxFoldWork = int64_t(1) << 32;

/// "" if a constant of `elements` elements may be folded under `options`,
/// else why not (the limits above).
std::string checkFoldLimits(int64_t elements,
                            const fp4::QuantizeOptions &options);

/// Views `attr` (f32, bf16 or f16 elements). Fails for other element types,
/// for a dense_resource whose blob is not available (e.g. elided), and for a
/// splat of more than kMaxFoldElements elements (it would be expanded).
FailureOr<ConstantBytes> getConstantBytes(ElementsAttr attr);

/// The packed data types of a quantized R x C matrix: R x C/2 `i8` data and
/// its scales (R x C/B row-major, or [R/128, C/B/4, 32, 4, 4] for tcgen05).
/// The shapes must be legal for the layout (see the quantize verifier).
std::pair<RankedTensorType, RankedTensorType>
getQuantizedTypes(MLIRContext *context, int64_t rows, int64_t cols,
                  const fp4::QuantizeOptions &options);

/// A constant quantized at compile time.
struct QuantizedConstant {
  ElementsAttr data;
  ElementsAttr scales;
  float tensorScale = 0.0f;
  fp4::QuantizeInfo info;
};

/// Results of more than this many bytes become dense_resource blobs, which
/// are neither uniqued (hashed) nor copied.
constexpr size_t kResourceThresholdBytes = 1 << 16;

/// Quantizes the rank-2 constant `input` with `options` (which must include
/// a calibrated amax if one is wanted). On failure `error` says why.
FailureOr<QuantizedConstant>
quantizeConstant(ElementsAttr input, const fp4::QuantizeOptions &options,
                 std::string &error);

/// The bytes of a `data` or `scales` constant (one byte per element), such
/// as quantizeConstant produces: a blob viewed in place, or a dense constant
/// copied into `storage` (a splat expanded).
const uint8_t *getQuantizedBytes(ElementsAttr attr,
                                 std::vector<uint8_t> &storage);

/// ||x - dequantize(quantize(x))|| / ||x|| (Frobenius, finite elements only)
/// of a constant and its quantization, computed in 128-row chunks; 0 for an
/// all-zero input.
double relativeQuantizationError(ElementsAttr input,
                                 const QuantizedConstant &quantized,
                                 const fp4::QuantizeOptions &options);

} // namespace mlir::nvfp4

#endif // FP4_DIALECT_NVFP4_IR_CONSTANTQUANTIZATION_H
