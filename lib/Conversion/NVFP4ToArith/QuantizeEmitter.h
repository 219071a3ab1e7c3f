//===- QuantizeEmitter.h - The quantize block loop as arith/vector -*- C++
//-*-===//
//
// Part of fp4-mlir. Emits nvfp4.quantize on buffers in the numerics
// library's order: the candidate table, and per block the cleaning, block
// amax, scale choice, E2M1 encoding, packing and stores. Shared by the
// portable lowering (a CPU scf.parallel loop) and the sm_100a lowering (one
// GPU thread per block), which swaps in the hardware converts through
// QuantizeCodecs.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TOARITH_QUANTIZEEMITTER_H
#define FP4_LIB_CONVERSION_NVFP4TOARITH_QUANTIZEEMITTER_H

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::nvfp4::arith_lowering {

/// Shapes of one quantization (output orientation: transposed if asked).
struct QuantizeGeometry {
  int64_t outRows, outCols;
  int64_t blockSize; ///< Columns per block scale.
  int64_t groupRows; ///< Rows per block: 16 for 16x16 tiles, else 1.
  bool transpose;
  int64_t scaleCols() const { return outCols / blockSize; }
  int64_t numGroups() const { return outRows / groupRows; }
};

/// The geometry of a statically shaped quantize op.
QuantizeGeometry getQuantizeGeometry(QuantizeOp op,
                                     const fp4::QuantizeOptions &options);

/// The element codecs of the emitted code. The defaults are the portable
/// arith emulations of the library (ArithNumerics.h); a target overrides
/// them with instructions that give the same bytes.
class QuantizeCodecs {
public:
  virtual ~QuantizeCodecs() = default;
  /// The E4M3 byte (i8) of a non-negative f32 scale (e4m3Encode).
  virtual Value encodeE4M3(ImplicitLocOpBuilder &b, Value x) const;
  /// Packed E2M1 bytes (vector<8xi8>, even element in the low nibble) of 16
  /// elements `x` (|x| = `abs`) under candidate multiplier `r` (splatted),
  /// rounded stochastically with `offsets` when non-null.
  virtual Value encodePacked(ImplicitLocOpBuilder &b, Value x, Value abs,
                             Value r, Value offsets) const;
};

/// The alignment a 16-element chunk load of a buffer of `type` may declare
/// when the buffer itself is aligned to at least a chunk (device
/// allocations): chunks start at multiples of 16 elements. None for a
/// non-identity layout.
llvm::MaybeAlign chunkAlignment(MemRefType type);

/// The tensor scale of an NVFP4 quantization from `amax` (f32):
/// gEnc = (Q * M) / amax, gDec = 1 / gEnc, and whether it is usable (amax
/// finite and positive, gEnc finite); otherwise the output is all zero.
struct TensorScaleValues {
  Value gEnc, gDec, valid;
};
TensorScaleValues emitTensorScale(ImplicitLocOpBuilder &b,
                                  const fp4::QuantizeOptions &o, Value amax);

/// The largest scale byte (i32) whose codes all decode finitely under tensor
/// amax `amax` (f32): nvfp4LargestFiniteByte for NVFP4 (a scalar loop from
/// the top byte, one step below amax ~1.9e38), kMXFP4LargestFiniteCode for
/// MXFP4 (`amax` unused). The standard block scales are capped by it.
Value emitLargestFiniteByte(ImplicitLocOpBuilder &b,
                            const fp4::QuantizeOptions &o, Value amax);

/// |x| widened to f32 where x is finite, else 0 (what amax reduces); `x` a
/// scalar or a vector of f32/bf16/f16.
Value emitFiniteAbs(OpBuilder &b, Location loc, Value x);

class QuantizeEmitter {
public:
  QuantizeEmitter(ImplicitLocOpBuilder &b, const fp4::QuantizeOptions &o,
                  const QuantizeGeometry &g, ScaleLayout layout, Value input,
                  Value data, Value scales, const QuantizeCodecs &codecs)
      : b(b), o(o), g(g), layout(layout), input(input), data(data),
        scales(scales), codecs(codecs) {}

  /// Row `index` (an index value) of the 256 x 8 candidate table `table`:
  /// r and xhat[1..7] of scale byte `index` (makeCandidateTable).
  void emitTableEntry(Value index, Value table, Value gDec, Value amax);
  /// A memref.alloc'd table (buffer deallocation frees it) filled by a loop
  /// over every scale byte.
  Value emitTable(Value gDec, Value amax);
  /// Quantizes block `block` of row group `group` (index values); `maxByte`
  /// from emitLargestFiniteByte.
  void emitBlock(Value table, Value gEnc, Value maxByte, Value infClamp,
                 Value group, Value block);
  /// The input chunks of block `block` of row group `group`, as loaded (no
  /// arithmetic): a GPU thread loads several blocks before quantizing them.
  SmallVector<Value> loadBlock(Value group, Value block);
  /// emitBlock on chunks from loadBlock(group, block).
  void emitBlock(Value table, Value gEnc, Value maxByte, Value infClamp,
                 Value group, Value block, ArrayRef<Value> chunks);
  /// Block `block` of row group `group` under an invalid tensor scale (amax
  /// 0 or too small): zero codes, and scale 0, or the NaN scale for a block
  /// holding a NaN.
  void emitZeroBlock(Value group, Value block);
  /// emitZeroBlock in an scf.parallel loop over all blocks.
  void emitZeroBlocks();
  /// An scf.parallel loop over (row group, block); `body` emits one block
  /// with an emitter at the loop body's insertion point.
  void forEachBlock(
      llvm::function_ref<void(QuantizeEmitter &, Value, Value)> body);
  /// The table and an scf.parallel loop over all blocks.
  void emitBlocks(Value gEnc, Value gDec, Value amax, Value infClamp);

  /// Declares every chunk load of the (untransposed) input aligned to its
  /// size, so that it becomes vector loads, not one per element. Only where
  /// the input buffer is aligned so (device allocations), not the CPU path.
  void setAlignedChunkLoads(bool aligned) { alignedLoads = aligned; }

  /// The largest scale byte of the format (the table's last row).
  int64_t topByte() const;

private:
  bool nvfp4() const { return o.format == fp4::Format::NVFP4; }
  Value index(int64_t v);
  /// Elements [col, col + 16) of output row `row`, in the input's type.
  Value loadChunk(Value row, Value col);
  /// Stores `byte` (i8) as the scale of every row of block (group, block).
  void storeScale(Value row0, Value block, Value byte);

  ImplicitLocOpBuilder &b;
  const fp4::QuantizeOptions &o;
  const QuantizeGeometry &g;
  ScaleLayout layout;
  Value input, data, scales;
  const QuantizeCodecs &codecs;
  bool alignedLoads = false;
};

} // namespace mlir::nvfp4::arith_lowering

#endif // FP4_LIB_CONVERSION_NVFP4TOARITH_QUANTIZEEMITTER_H
