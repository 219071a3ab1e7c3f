//===- DequantizeEmitter.h - One dequantize block as arith/vector -*- C++
//-*-===//
//
// Part of fp4-mlir. The dequantize block code of the library
// (out = (e2m1 * scale) * g in fp32, rounded to the result type), shared by
// the portable lowering (an scf.parallel loop) and the GPU lowering (one
// thread per block).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_DEQUANTIZEEMITTER_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_DEQUANTIZEEMITTER_H

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::nvfp4::arith_lowering {

/// What a statically shaped dequantize decodes: format, scale layout, and
/// rows x blockCols blocks.
struct DequantizeShape {
  Format format;
  ScaleLayout layout;
  int64_t rows, cols, blockCols;
};

/// The shape of `op`, or std::nullopt for an unknown scale type.
std::optional<DequantizeShape> getDequantizeShape(DequantizeOp op);

/// Decodes block `block` (index) of row `row` (index) of the packed `data`
/// buffer with its scale in `scales` (`layout`) and the f32 `tensorScale`
/// into the `out` buffer (f32, bf16 or f16 elements).
void emitDequantizeBlock(ImplicitLocOpBuilder &b, Format format,
                         ScaleLayout layout, Value data, Value scales,
                         Value tensorScale, Value out, Value row, Value block);

} // namespace mlir::nvfp4::arith_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_DEQUANTIZEEMITTER_H
