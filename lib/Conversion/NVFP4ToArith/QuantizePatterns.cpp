//===- QuantizePatterns.cpp - nvfp4.quantize to arith/vector/scf ----------===//
//
// nvfp4.quantize becomes, in the library's order (BlockQuantize.cpp):
//   the tensor scale from amax (an nvfp4.amax op unless amax is given);
//   a 256 x 8 candidate table (makeCandidateTable: r and xhat[1..7] per byte);
//   an scf.parallel loop over blocks (16x16 tiles: over tiles), each block
//   held in vector<16xf32> chunks: clean (Inf clamp, NaN detection), block
//   amax, the rule's scale choice (ScaleSelection.cpp), E2M1 encoding with the
//   chosen candidate, packing and stores.
// An invalid tensor scale (amax 0, or a calibrated amax that is not finite
// and positive) gives all-zero data, zero scales and g = 0, as the library.
//
//===----------------------------------------------------------------------===//

#include "ArithNumerics.h"
#include "PopulatePatterns.h"
#include "ScaleSelection.h"

#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/ScaleRules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_numerics;
using namespace mlir::nvfp4::arith_lowering;

namespace {

/// Shapes of one quantization (output orientation: transposed if asked).
struct Geometry {
  int64_t outRows, outCols;
  int64_t blockSize; ///< Columns per block scale.
  int64_t groupRows; ///< Rows per block: 16 for 16x16 tiles, else 1.
  bool transpose;
  int64_t scaleCols() const { return outCols / blockSize; }
};

/// Emits the body of one quantization into buffers.
class QuantizeEmitter {
public:
  QuantizeEmitter(ImplicitLocOpBuilder &b, const fp4::QuantizeOptions &o,
                  const Geometry &g, ScaleLayout layout, Value input,
                  Value data, Value scales)
      : b(b), o(o), g(g), layout(layout), input(input), data(data),
        scales(scales) {}

  /// The candidate table and the block loop.
  void emitBlocks(Value gEnc, Value gDec, Value amax, Value infClamp);

private:
  bool nvfp4() const { return o.format == fp4::Format::NVFP4; }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32(float v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
  }
  VectorType chunkType(Type element) {
    return VectorType::get({kChunk}, element);
  }

  Value emitTable(Value gDec, Value amax);
  void emitBlock(Value table, Value gEnc, Value infClamp, Value row0,
                 Value block);
  /// Elements [col, col + 16) of output row `row` as vector<16xf32>.
  Value loadChunk(Value row, Value col);

  ImplicitLocOpBuilder &b;
  const fp4::QuantizeOptions &o;
  const Geometry &g;
  ScaleLayout layout;
  Value input, data, scales;
};

} // namespace

Value QuantizeEmitter::emitTable(Value gDec, Value amax) {
  auto tableType = MemRefType::get({256, 8}, b.getF32Type());
  Value table = memref::AllocaOp::create(b, tableType);
  int64_t top = nvfp4() ? fp4::kMaxNVFP4Byte : fp4::kMaxMXFP4Code;
  float divisor = fp4::tensorScaleForRule(o.rule, 1.0f).divisor;
  scf::ForOp::create(
      b, index(0), index(top + 1), index(1), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value byte = arith::IndexCastOp::create(ib, ib.getI8Type(), iv);
        auto c = [&](float v) {
          return arith::ConstantFloatOp::create(ib, ib.getF32Type(),
                                                APFloat(v));
        };
        Value r, scale, zero;
        if (nvfp4()) {
          // makeNVFP4Candidate: r = min(1 / (gDec * s), FLT_MAX).
          scale = e4m3Decode(ib, byte);
          r = arith::DivFOp::create(ib, c(1.0f),
                                    arith::MulFOp::create(ib, gDec, scale));
          Value finite = arith::CmpFOp::create(ib, arith::CmpFPredicate::OLT,
                                               r, c(FLT_MAX));
          r = arith::SelectOp::create(ib, finite, r, c(FLT_MAX));
          zero = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, scale,
                                       c(0.0f));
        } else {
          // makeMXFP4Candidate: r = 2^(127 - code), code 0 is a zero block.
          scale = ue8m0Decode(ib, byte);
          r = ue8m0Reciprocal(ib, byte);
          zero = arith::CmpIOp::create(
              ib, arith::CmpIPredicate::eq, byte,
              arith::ConstantIntOp::create(ib, 0, 8));
        }
        SmallVector<Value> entry{r};
        for (int k = 1; k < 8; ++k) {
          // NVFP4: ((e2m1 * s) * amax) / divisor; MXFP4: e2m1 * 2^(code-127).
          Value xhat = arith::MulFOp::create(ib, c(fp4::kE2M1Magnitudes[k]),
                                             scale);
          if (nvfp4())
            xhat = arith::DivFOp::create(
                ib, arith::MulFOp::create(ib, xhat, amax), c(divisor));
          entry.push_back(xhat);
        }
        for (Value &v : entry)
          v = arith::SelectOp::create(ib, zero, c(0.0f), v);
        Value row = vector::FromElementsOp::create(
            ib, VectorType::get({8}, ib.getF32Type()), entry);
        vector::StoreOp::create(
            ib, row, table,
            ValueRange{iv, arith::ConstantIndexOp::create(ib, 0)});
        scf::YieldOp::create(ib);
      });
  return table;
}

Value QuantizeEmitter::loadChunk(Value row, Value col) {
  auto inputType = cast<MemRefType>(input.getType());
  Type element = inputType.getElementType();
  Value chunk;
  if (!g.transpose) {
    chunk = vector::LoadOp::create(b, chunkType(element), input,
                                   ValueRange{row, col});
  } else {
    // Output row i is input column i: a strided gather.
    SmallVector<Value> elements;
    for (int64_t i = 0; i < kChunk; ++i) {
      Value inRow = arith::AddIOp::create(b, col, index(i));
      elements.push_back(
          memref::LoadOp::create(b, input, ValueRange{inRow, row}));
    }
    chunk = vector::FromElementsOp::create(b, chunkType(element), elements);
  }
  if (!element.isF32()) // bf16 / f16 widen exactly.
    chunk = arith::ExtFOp::create(b, chunkType(b.getF32Type()), chunk);
  return chunk;
}

void QuantizeEmitter::emitBlock(Value table, Value gEnc, Value infClamp,
                                Value groupIndex, Value block) {
  VectorType f32Chunk = chunkType(b.getF32Type());
  Value row0 = arith::MulIOp::create(b, groupIndex, index(g.groupRows));
  Value col0 = arith::MulIOp::create(b, block, index(g.blockSize));
  Value clamp = vector::BroadcastOp::create(b, f32Chunk, infClamp);
  Value zeroChunk = f32Const(b, 0.0f, f32Chunk);
  Value inf = f32Const(b, INFINITY, f32Chunk);

  BlockValues values;
  values.table = table;
  values.gEnc = gEnc;
  Value hasNaN = arith::ConstantIntOp::create(b, 0, 1);
  Value bamax = f32(0.0f);
  SmallVector<std::pair<Value, Value>> positions; // (row, col) per chunk
  for (int64_t r = 0; r < g.groupRows; ++r) {
    Value row = arith::AddIOp::create(b, row0, index(r));
    for (int64_t k = 0; k < g.blockSize; k += kChunk) {
      Value col = arith::AddIOp::create(b, col0, index(k));
      positions.push_back({row, col});
      Value v = loadChunk(row, col);
      // cleanChunk16: +-Inf -> +-clamp; a NaN marks the block.
      Value isNaN =
          arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, v, v);
      hasNaN = arith::OrIOp::create(
          b, hasNaN,
          vector::ReductionOp::create(b, vector::CombiningKind::OR, isNaN));
      Value isInf = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ,
                                          math::AbsFOp::create(b, v), inf);
      v = arith::SelectOp::create(b, isInf,
                                  math::CopySignOp::create(b, clamp, v), v);
      v = arith::SelectOp::create(b, isNaN, zeroChunk, v);
      Value a = math::AbsFOp::create(b, v);
      values.x.push_back(v);
      values.abs.push_back(a);
      bamax = vector::ReductionOp::create(b, vector::CombiningKind::MAXNUMF, a,
                                          bamax);
      if (o.rounding == fp4::Rounding::Stochastic) {
        // Element index (row * outCols + col + lane) in the output.
        Value base = arith::IndexCastOp::create(
            b, b.getI64Type(),
            arith::AddIOp::create(
                b, arith::MulIOp::create(b, row, index(g.outCols)), col));
        auto lanesType = VectorType::get({kChunk}, b.getI64Type());
        SmallVector<int64_t> lanes(kChunk);
        for (int64_t i = 0; i < kChunk; ++i)
          lanes[i] = i;
        Value indices = arith::AddIOp::create(
            b, vector::BroadcastOp::create(b, lanesType, base),
            arith::ConstantOp::create(
                b, DenseElementsAttr::get(lanesType, ArrayRef(lanes))));
        Value seed = arith::ConstantIntOp::create(
            b, static_cast<int64_t>(o.seed), 64);
        values.offsets.push_back(stochasticOffset(b, seed, indices));
      }
    }
  }
  values.bamax = bamax;

  Value byte = emitScaleChoice(b, o, values);

  // Encode with the chosen candidate: code = sign(x * r) | e2m1(|x| * r).
  Candidate chosen = loadCandidate(b, table, byte);
  auto codeType = chunkType(b.getI8Type());
  Value zeroCodes = intConst(b, 0, 8, codeType);
  Value signCodes = intConst(b, 8, 8, codeType);
  SmallVector<int64_t> evenLanes, oddLanes;
  for (int64_t i = 0; i < kChunk; i += 2) {
    evenLanes.push_back(i);
    oddLanes.push_back(i + 1);
  }
  for (auto [i, position] : llvm::enumerate(positions)) {
    Value y = arith::MulFOp::create(b, values.x[i], chosen.r);
    Value negative =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, y, zeroChunk);
    Value magnitude = e2m1MagnitudeCode(
        b, scaledMagnitude(b, values.abs[i], chosen.r,
                           values.offsets.empty() ? Value()
                                                  : values.offsets[i]));
    Value codes = arith::OrIOp::create(
        b, magnitude,
        arith::SelectOp::create(b, negative, signCodes, zeroCodes));
    codes = arith::SelectOp::create(b, hasNaN, zeroCodes, codes);
    // packE2M1: even element in the low nibble.
    Value even = vector::ShuffleOp::create(b, codes, codes, evenLanes);
    Value odd = vector::ShuffleOp::create(b, codes, codes, oddLanes);
    Value packed = arith::OrIOp::create(
        b, even,
        arith::ShLIOp::create(b, odd,
                              intConst(b, 4, 8, even.getType())));
    Value byteCol = arith::DivUIOp::create(b, position.second, index(2));
    vector::StoreOp::create(b, packed, data,
                            ValueRange{position.first, byteCol});
  }

  // The scale byte, on every row of a 16x16 tile.
  Value scaleByte = arith::TruncIOp::create(b, b.getI8Type(), byte);
  Value nanByte = arith::ConstantIntOp::create(
      b, nvfp4() ? 0x7F : 0xFF, 8);
  scaleByte = arith::SelectOp::create(b, hasNaN, nanByte, scaleByte);
  Type scaleElement = cast<MemRefType>(scales.getType()).getElementType();
  Value stored = arith::BitcastOp::create(b, scaleElement, scaleByte);
  for (int64_t r = 0; r < g.groupRows; ++r) {
    Value row = arith::AddIOp::create(b, row0, index(r));
    memref::StoreOp::create(b, stored, scales,
                            scaleIndices(b, layout, row, block));
  }
}

void QuantizeEmitter::emitBlocks(Value gEnc, Value gDec, Value amax,
                                 Value infClamp) {
  Value table = emitTable(gDec, amax);
  scf::ParallelOp::create(
      b, ValueRange{index(0), index(0)},
      ValueRange{index(g.outRows / g.groupRows), index(g.scaleCols())},
      ValueRange{index(1), index(1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        QuantizeEmitter inner(ib, o, g, layout, input, data, scales);
        inner.emitBlock(table, gEnc, infClamp, ivs[0], ivs[1]);
      });
}

namespace {
struct QuantizeLowering : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (failed(requireStaticShapes(op, rewriter)))
      return failure();
    fp4::QuantizeOptions o = getQuantizeOptions(op);
    auto dataType = cast<RankedTensorType>(op.getData().getType());
    auto scalesType = cast<RankedTensorType>(op.getScales().getType());
    Geometry g;
    g.transpose = o.transpose;
    g.outRows = dataType.getDimSize(0);
    g.outCols = 2 * dataType.getDimSize(1);
    g.blockSize = static_cast<int64_t>(fp4::blockSize(o.format));
    g.groupRows = o.block2D ? 16 : 1;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto f32 = [&](float v) {
      return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
    };
    Value input = readBuffer(b, op.getInput());
    Value data = allocBuffer(b, dataType);
    Value scales = allocBuffer(b, scalesType);
    Value tensorScale;
    if (o.format == fp4::Format::MXFP4) {
      // No tensor scale: gEnc, gDec and amax are unused, the Inf clamp is
      // FLT_MAX.
      QuantizeEmitter emitter(b, o, g, op.getScaleLayout(), input, data,
                              scales);
      emitter.emitBlocks(f32(1.0f), f32(1.0f), f32(1.0f), f32(FLT_MAX));
      tensorScale = f32(1.0f);
    } else {
      Value amax = op.getAmax();
      if (!amax)
        amax = AmaxOp::create(b, b.getF32Type(), op.getInput());
      // gEnc = (Q * M) / amax, gDec = 1 / gEnc (tensorScaleForRule).
      float divisor = fp4::tensorScaleForRule(o.rule, 1.0f).divisor;
      Value gEnc = arith::DivFOp::create(b, f32(divisor), amax);
      Value gDec = arith::DivFOp::create(b, f32(1.0f), gEnc);
      using P = arith::CmpFPredicate;
      Value valid = arith::AndIOp::create(
          b,
          arith::AndIOp::create(
              b, arith::CmpFOp::create(b, P::OGT, amax, f32(0.0f)),
              arith::CmpFOp::create(b, P::OLE, amax, f32(FLT_MAX))),
          arith::CmpFOp::create(b, P::OLE, gEnc, f32(FLT_MAX)));
      scf::IfOp::create(
          b, valid,
          [&](OpBuilder &nested, Location loc) {
            ImplicitLocOpBuilder ib(loc, nested);
            QuantizeEmitter inner(ib, o, g, op.getScaleLayout(), input, data,
                                  scales);
            inner.emitBlocks(gEnc, gDec, amax, amax);
            scf::YieldOp::create(ib);
          },
          [&](OpBuilder &nested, Location loc) {
            ImplicitLocOpBuilder ib(loc, nested);
            Value zeroByte = arith::ConstantIntOp::create(ib, 0, 8);
            Value zeroScale = arith::BitcastOp::create(
                ib, scalesType.getElementType(), zeroByte);
            linalg::FillOp::create(ib, ValueRange{zeroByte}, ValueRange{data});
            linalg::FillOp::create(ib, ValueRange{zeroScale},
                                   ValueRange{scales});
            scf::YieldOp::create(ib);
          });
      tensorScale = arith::SelectOp::create(b, valid, gDec, f32(0.0f));
    }
    rewriter.replaceOp(op, {bufferToTensor(b, data, dataType),
                            bufferToTensor(b, scales, scalesType),
                            tensorScale});
    return success();
  }
};
} // namespace

void mlir::nvfp4::arith_lowering::populateQuantizePatterns(
    RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering>(patterns.getContext());
}
