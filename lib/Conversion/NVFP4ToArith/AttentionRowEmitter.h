//===- AttentionRowEmitter.h - One query row of attention_rows --*- C++ -*-===//
//
// Part of fp4-mlir. Emits one query row of nvfp4.attention_rows in the
// numerics library's order (attentionReference, steps 5 and 6): per key
// tile, the scores (sums over D in channel order), the mask and running max,
// exp, P quantized in blocks of keys (QuantizeEmitter, no tensor scale) and
// dequantized, and the output row's update (sums over keys in key order);
// then the normalization. Rows are independent: the CPU lowering runs them
// in an scf.parallel loop, the GPU lowering one per thread, with this code.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_ATTENTIONROWEMITTER_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_ATTENTIONROWEMITTER_H

#include "QuantizeEmitter.h"

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Numerics/Attention.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::nvfp4::arith_lowering {

/// The op's operands and result as f32 memrefs (null when absent).
struct AttentionRowBuffers {
  Value q, k, vT, qBf16, kBf16, correction, out;
};

/// One row's working memory: P of a key tile ([1, T] f32), P with the sink
/// and recent keys zeroed (the same buffer without them), its codes and
/// scales, its dequantized values ([1, T] f32), and the output row ([Dv]).
struct AttentionRowScratch {
  Value p, pq, data, scales, ph, o;
};

/// P's quantizer constants: no tensor scale (g = 1), so they are constants
/// apart from the largest finite scale byte (a short loop).
struct PScaleValues {
  Value gEnc, gDec, amax, clamp, maxByte;
};

class AttentionRowEmitter {
public:
  AttentionRowEmitter(AttentionRowsOp op, const QuantizeCodecs &codecs);

  /// The candidate table's type (256 x 8 f32) in `memorySpace`.
  MemRefType tableType(Attribute memorySpace = {}) const;
  /// The largest scale byte of the format (the table's last row).
  int64_t topByte() const;
  PScaleValues emitPScale(ImplicitLocOpBuilder &b) const;
  /// Row `index` of P's candidate table.
  void emitTableEntry(ImplicitLocOpBuilder &b, Value table, Value index,
                      const PScaleValues &ps) const;
  /// One row's scratch: memref.alloca (a GPU thread's local memory, at the
  /// kernel's entry) or, with `heap`, memref.alloc (buffer deallocation
  /// frees it).
  AttentionRowScratch allocScratch(ImplicitLocOpBuilder &b,
                                   bool heap = false) const;
  /// Query row `i` (index) of head `g` (index) into buffers.out.
  void emitRow(ImplicitLocOpBuilder &b, const AttentionRowBuffers &buffers,
               const AttentionRowScratch &scratch, Value table,
               const PScaleValues &ps, Value g, Value i) const;

  int64_t heads() const { return g; }
  int64_t queries() const { return lq; }

private:
  /// Keys [j0, j0 + n) of the row; returns the new (m, l).
  std::pair<Value, Value> emitTile(ImplicitLocOpBuilder &b,
                                   const AttentionRowBuffers &buffers,
                                   const AttentionRowScratch &scratch,
                                   Value table, const PScaleValues &ps,
                                   Value head, Value i, Value j0, int64_t n,
                                   Value m, Value l) const;
  /// Whether key `key` (index) is a sink or recent key.
  Value isHighPrecision(ImplicitLocOpBuilder &b, Value key) const;
  /// sum_c x[head, row, c] * y[head, key, c] in c order, from 0, for the
  /// keys `keys` side by side.
  SmallVector<Value> dots(ImplicitLocOpBuilder &b, Value x, Value y, Value head,
                          Value row, ValueRange keys) const;
  QuantizeEmitter quantizer(ImplicitLocOpBuilder &b,
                            const AttentionRowScratch &scratch) const;

  mutable AttentionRowsOp op; // Op getters are not const.
  const QuantizeCodecs &codecs;
  fp4::AttentionOptions o;
  fp4::QuantizeOptions pOptions;
  QuantizeGeometry pGeometry;
  int64_t g, lq, lk, d, dv, tile, blockSize;
  float scale;
  bool highPrecision;
};

} // namespace mlir::nvfp4::arith_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_ATTENTIONROWEMITTER_H
