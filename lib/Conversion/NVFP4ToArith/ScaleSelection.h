//===- ScaleSelection.h - Per-block scale choice as arith/scf ----*- C++ -*-===//
//
// Part of fp4-mlir. Emits the block-scale choice of every rule (static,
// Four Over Six, ScaleSearch, exact) for one block held in vector registers,
// mirroring quantizeBlock() in lib/Numerics/ScaleRules.cpp. Private to the
// NVFP4ToArith lowering.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_SCALESELECTION_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_SCALESELECTION_H

#include "fp4/Numerics/BlockQuantize.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::nvfp4::arith_lowering {

class QuantizeCodecs;

/// Elements per vector chunk: one NVFP4 block, half an MXFP4 block, one row
/// of a 16x16 tile.
inline constexpr int64_t kChunk = 16;

/// One block in registers, in the library's element order (row-major for a
/// 16x16 tile), plus the tensor-wide values its scale choice reads.
struct BlockValues {
  SmallVector<Value> x;       ///< vector<16xf32> chunks, Inf clamped, NaN 0.
  SmallVector<Value> abs;     ///< |x| per chunk.
  SmallVector<Value> offsets; ///< Stochastic offsets per chunk, or empty.
  Value bamax;                ///< f32: max |x| of the block.
  Value gEnc;                 ///< f32 tensor encode scale (NVFP4).
  Value maxByte;              ///< i32 cap of the standard scale bytes.
  /// memref<256x8xf32>: per scale byte, r then xhat[1..7]
  /// (makeCandidateTable; the zero candidate is all zeros).
  Value table;
  /// The E4M3 encoder of scale bytes (portable or a target's converts).
  const QuantizeCodecs *codecs = nullptr;
};

/// A candidate scale's encoding multiplier r and dequantized magnitudes
/// xhat[1..7], loaded from the table and splatted to chunk vectors.
struct Candidate {
  Value r;                   ///< vector<16xf32>
  SmallVector<Value, 7> xhat; ///< vector<16xf32> each
};

/// Loads candidate `byte` (i32) from `table`.
Candidate loadCandidate(ImplicitLocOpBuilder &b, Value table, Value byte);

/// The E2M1 magnitude grid value each element of `abs` encodes to under
/// candidate multiplier `r` (|x| * r, stochastically rounded when `offset` is
/// non-null). Its magnitude code is e2m1MagnitudeCode of the result.
Value scaledMagnitude(ImplicitLocOpBuilder &b, Value abs, Value r,
                      Value offset);

/// Emits the scale byte (i32) that `options.rule` picks for `block`.
Value emitScaleChoice(ImplicitLocOpBuilder &b,
                      const fp4::QuantizeOptions &options,
                      const BlockValues &block);

} // namespace mlir::nvfp4::arith_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_SCALESELECTION_H
