//===- QuantizeEmitter.cpp - The quantize block loop as arith/vector ------===//
//
// The library's order (BlockQuantize.cpp): candidate table; per block, clean
// (Inf clamp, NaN detection), block amax, the rule's scale choice
// (ScaleSelection.cpp), E2M1 encoding with the chosen candidate, packing and
// stores.
//
//===----------------------------------------------------------------------===//

#include "QuantizeEmitter.h"
#include "ArithNumerics.h"
#include "PopulatePatterns.h"
#include "ScaleSelection.h"

#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/ScaleRules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::nvfp4::arith_numerics;

namespace mlir::nvfp4::arith_lowering {

QuantizeGeometry getQuantizeGeometry(QuantizeOp op,
                                     const fp4::QuantizeOptions &o) {
  auto dataType = cast<RankedTensorType>(op.getData().getType());
  QuantizeGeometry g;
  g.transpose = o.transpose;
  g.outRows = dataType.getDimSize(0);
  g.outCols = 2 * dataType.getDimSize(1);
  g.blockSize = static_cast<int64_t>(fp4::blockSize(o.format));
  g.groupRows = o.block2D ? 16 : 1;
  return g;
}

TensorScaleValues emitTensorScale(ImplicitLocOpBuilder &b,
                                  const fp4::QuantizeOptions &o, Value amax) {
  auto f32 = [&](float v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
  };
  float divisor = fp4::tensorScaleForRule(o.rule, 1.0f).divisor;
  TensorScaleValues ts;
  ts.gEnc = arith::DivFOp::create(b, f32(divisor), amax);
  ts.gDec = arith::DivFOp::create(b, f32(1.0f), ts.gEnc);
  using P = arith::CmpFPredicate;
  // usableTensorScale: amax > 0, gEnc finite, gDec * 2^-9 normal.
  Value smallest =
      arith::MulFOp::create(b, ts.gDec, f32(fp4::kSmallestE4M3Scale));
  ts.valid = arith::AndIOp::create(
      b,
      arith::AndIOp::create(
          b,
          arith::AndIOp::create(
              b, arith::CmpFOp::create(b, P::OGT, amax, f32(0.0f)),
              arith::CmpFOp::create(b, P::OLE, amax, f32(FLT_MAX))),
          arith::CmpFOp::create(b, P::OLE, ts.gEnc, f32(FLT_MAX))),
      arith::CmpFOp::create(b, P::OGE, smallest, f32(FLT_MIN)));
  return ts;
}

// decodeAmax / decodeDivisor: from amax >= 2^64 on, both times 2^-16.
static std::pair<Value, Value>
emitDecodeAmaxAndDivisor(ImplicitLocOpBuilder &b, Value amax, float divisor) {
  auto c = [&](float v) {
    return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
  };
  Value rescale = arith::CmpFOp::create(b, arith::CmpFPredicate::OGE, amax,
                                        c(fp4::kDecodeRescaleFrom));
  return {
      arith::SelectOp::create(
          b, rescale, arith::MulFOp::create(b, amax, c(0x1p-16f)), amax),
      arith::SelectOp::create(b, rescale, c(divisor * 0x1p-16f), c(divisor))};
}

Value emitLargestFiniteByte(ImplicitLocOpBuilder &b,
                            const fp4::QuantizeOptions &o, Value amax) {
  Type i32 = b.getI32Type();
  if (o.format == fp4::Format::MXFP4)
    return arith::ConstantIntOp::create(b, fp4::kMXFP4LargestFiniteCode, 32);
  // Not a structured binding: clang 14 cannot capture those in lambdas.
  std::pair<Value, Value> decode = emitDecodeAmaxAndDivisor(
      b, amax, fp4::tensorScaleForRule(o.rule, 1.0f).divisor);
  Value a = decode.first, d = decode.second;
  // while (byte > 1 && !(((6 * s) * a) / d <= FLT_MAX)) --byte;
  auto loop = scf::WhileOp::create(
      b, TypeRange{i32},
      ValueRange{arith::ConstantIntOp::create(b, fp4::kMaxNVFP4Byte, 32)},
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value s = e4m3Decode(
            ib, arith::TruncIOp::create(ib, ib.getI8Type(), args[0]));
        Value top = arith::DivFOp::create(
            ib,
            arith::MulFOp::create(
                ib,
                arith::MulFOp::create(ib, f32Const(ib, 6.0f, ib.getF32Type()),
                                      s),
                a),
            d);
        Value infinite =
            arith::CmpFOp::create(ib, arith::CmpFPredicate::UGT, top,
                                  f32Const(ib, FLT_MAX, ib.getF32Type()));
        Value above =
            arith::CmpIOp::create(ib, arith::CmpIPredicate::sgt, args[0],
                                  arith::ConstantIntOp::create(ib, 1, 32));
        scf::ConditionOp::create(ib, arith::AndIOp::create(ib, above, infinite),
                                 args);
      },
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        scf::YieldOp::create(
            ib, ValueRange{arith::SubIOp::create(
                    ib, args[0], arith::ConstantIntOp::create(ib, 1, 32))});
      });
  return loop.getResult(0);
}

Value emitFiniteAbs(OpBuilder &b, Location loc, Value x) {
  Type f32 = withElementType(x.getType(), b.getF32Type());
  if (getElementTypeOrSelf(x.getType()) != b.getF32Type())
    x = arith::ExtFOp::create(b, loc, f32, x);
  ImplicitLocOpBuilder ib(loc, b);
  Value a = math::AbsFOp::create(ib, x);
  Value finite = arith::CmpFOp::create(ib, arith::CmpFPredicate::OLE, a,
                                       f32Const(ib, FLT_MAX, f32));
  return arith::SelectOp::create(ib, finite, a, f32Const(ib, 0.0f, f32));
}

Value QuantizeCodecs::encodeE4M3(ImplicitLocOpBuilder &b, Value x) const {
  return e4m3Encode(b, x);
}

Value QuantizeCodecs::encodePacked(ImplicitLocOpBuilder &b, Value x, Value abs,
                                   Value r, Value offsets) const {
  // code = sign(x * r) | e2m1(|x| * r); packE2M1: even element low.
  auto codeType = VectorType::get({kChunk}, b.getI8Type());
  Value y = arith::MulFOp::create(b, x, r);
  Value negative = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, y,
                                         f32Const(b, 0.0f, y.getType()));
  Value magnitude = e2m1MagnitudeCode(b, scaledMagnitude(b, abs, r, offsets));
  Value codes = arith::OrIOp::create(
      b, magnitude,
      arith::SelectOp::create(b, negative, intConst(b, 8, 8, codeType),
                              intConst(b, 0, 8, codeType)));
  SmallVector<int64_t> evenLanes, oddLanes;
  for (int64_t i = 0; i < kChunk; i += 2) {
    evenLanes.push_back(i);
    oddLanes.push_back(i + 1);
  }
  Value even = vector::ShuffleOp::create(b, codes, codes, evenLanes);
  Value odd = vector::ShuffleOp::create(b, codes, codes, oddLanes);
  return arith::OrIOp::create(
      b, even,
      arith::ShLIOp::create(b, odd, intConst(b, 4, 8, even.getType())));
}

int64_t QuantizeEmitter::topByte() const {
  return nvfp4() ? fp4::kMaxNVFP4Byte : fp4::kMaxMXFP4Code;
}

Value QuantizeEmitter::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

void QuantizeEmitter::emitTableEntry(Value iv, Value table, Value gDec,
                                     Value amax) {
  float divisor = fp4::tensorScaleForRule(o.rule, 1.0f).divisor;
  ImplicitLocOpBuilder &ib = b;
  Value byte = arith::IndexCastOp::create(ib, ib.getI8Type(), iv);
  auto c = [&](float v) {
    return arith::ConstantFloatOp::create(ib, ib.getF32Type(), APFloat(v));
  };
  Value r, scale, zero;
  if (nvfp4()) {
    // makeNVFP4Candidate: r = min(1 / (gDec * s), FLT_MAX).
    scale = e4m3Decode(ib, byte);
    r = arith::DivFOp::create(ib, c(1.0f),
                              arith::MulFOp::create(ib, gDec, scale));
    Value finite =
        arith::CmpFOp::create(ib, arith::CmpFPredicate::OLT, r, c(FLT_MAX));
    r = arith::SelectOp::create(ib, finite, r, c(FLT_MAX));
    zero = arith::CmpFOp::create(ib, arith::CmpFPredicate::OEQ, scale, c(0.0f));
  } else {
    // makeMXFP4Candidate: r = 2^(127 - code), code 0 is a zero block.
    scale = ue8m0Decode(ib, byte);
    r = ue8m0Reciprocal(ib, byte);
    zero = arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, byte,
                                 arith::ConstantIntOp::create(ib, 0, 8));
  }
  Value divisorValue;
  if (nvfp4())
    std::tie(amax, divisorValue) = emitDecodeAmaxAndDivisor(ib, amax, divisor);
  SmallVector<Value> entry{r};
  for (int k = 1; k < 8; ++k) {
    // NVFP4: ((e2m1 * s) * amax) / divisor; MXFP4: e2m1 * 2^(code-127).
    Value xhat = arith::MulFOp::create(ib, c(fp4::kE2M1Magnitudes[k]), scale);
    if (nvfp4())
      xhat = arith::DivFOp::create(ib, arith::MulFOp::create(ib, xhat, amax),
                                   divisorValue);
    entry.push_back(xhat);
  }
  for (Value &v : entry)
    v = arith::SelectOp::create(ib, zero, c(0.0f), v);
  Value row = vector::FromElementsOp::create(
      ib, VectorType::get({8}, ib.getF32Type()), entry);
  vector::StoreOp::create(
      ib, row, table, ValueRange{iv, arith::ConstantIndexOp::create(ib, 0)});
}

Value QuantizeEmitter::emitTable(Value gDec, Value amax) {
  auto tableType = MemRefType::get({256, 8}, b.getF32Type());
  // On the heap (buffer deallocation frees it): an alloca in a loop
  // (attention's per-head loop) would grow the stack by every iteration, as
  // scf loops are allocation scopes whose lowering does not restore it.
  Value table = memref::AllocOp::create(b, tableType);
  scf::ForOp::create(
      b, index(0), index(topByte() + 1), index(1), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nested);
        QuantizeEmitter inner(ib, o, g, layout, input, data, scales, codecs);
        inner.emitTableEntry(iv, table, gDec, amax);
        scf::YieldOp::create(ib);
      });
  return table;
}

llvm::MaybeAlign chunkAlignment(MemRefType type) {
  if (!type.getLayout().isIdentity())
    return std::nullopt;
  return llvm::Align(kChunk * type.getElementType().getIntOrFloatBitWidth() /
                     8);
}

Value QuantizeEmitter::loadChunk(Value row, Value col) {
  auto inputType = cast<MemRefType>(input.getType());
  Type element = inputType.getElementType();
  Value chunk;
  if (!g.transpose) {
    llvm::MaybeAlign align;
    if (alignedLoads)
      align = chunkAlignment(inputType);
    chunk = vector::LoadOp::create(b, VectorType::get({kChunk}, element), input,
                                   ValueRange{row, col}, /*nontemporal=*/false,
                                   align);
  } else {
    // Output row i is input column i: a strided gather.
    SmallVector<Value> elements;
    for (int64_t i = 0; i < kChunk; ++i) {
      Value inRow = arith::AddIOp::create(b, col, index(i));
      elements.push_back(
          memref::LoadOp::create(b, input, ValueRange{inRow, row}));
    }
    chunk = vector::FromElementsOp::create(
        b, VectorType::get({kChunk}, element), elements);
  }
  return chunk;
}

SmallVector<Value> QuantizeEmitter::loadBlock(Value group, Value block) {
  Value row0 = arith::MulIOp::create(b, group, index(g.groupRows));
  Value col0 = arith::MulIOp::create(b, block, index(g.blockSize));
  SmallVector<Value> chunks;
  for (int64_t r = 0; r < g.groupRows; ++r) {
    Value row = arith::AddIOp::create(b, row0, index(r));
    for (int64_t k = 0; k < g.blockSize; k += kChunk)
      chunks.push_back(
          loadChunk(row, arith::AddIOp::create(b, col0, index(k))));
  }
  return chunks;
}

void QuantizeEmitter::emitBlock(Value table, Value gEnc, Value maxByte,
                                Value infClamp, Value group, Value block) {
  emitBlock(table, gEnc, maxByte, infClamp, group, block,
            loadBlock(group, block));
}

void QuantizeEmitter::emitBlock(Value table, Value gEnc, Value maxByte,
                                Value infClamp, Value group, Value block,
                                ArrayRef<Value> chunks) {
  VectorType f32Chunk = VectorType::get({kChunk}, b.getF32Type());
  Value row0 = arith::MulIOp::create(b, group, index(g.groupRows));
  Value col0 = arith::MulIOp::create(b, block, index(g.blockSize));
  Value clamp = vector::BroadcastOp::create(b, f32Chunk, infClamp);
  Value zeroChunk = f32Const(b, 0.0f, f32Chunk);
  Value inf = f32Const(b, INFINITY, f32Chunk);

  BlockValues values;
  values.codecs = &codecs;
  values.table = table;
  values.gEnc = gEnc;
  values.maxByte = maxByte;
  Value hasNaN = arith::ConstantIntOp::create(b, 0, 1);
  Value bamax =
      arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(0.0f));
  SmallVector<std::pair<Value, Value>> positions; // (row, col) per chunk
  for (int64_t r = 0; r < g.groupRows; ++r) {
    Value row = arith::AddIOp::create(b, row0, index(r));
    for (int64_t k = 0; k < g.blockSize; k += kChunk) {
      Value col = arith::AddIOp::create(b, col0, index(k));
      Value v = chunks[positions.size()];
      positions.push_back({row, col});
      if (!getElementTypeOrSelf(v.getType()).isF32()) // bf16 / f16: exact.
        v = arith::ExtFOp::create(b, f32Chunk, v);
      // cleanChunk16: +-Inf -> +-clamp; a NaN marks the block.
      Value isNaN = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, v, v);
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
        Value seed =
            arith::ConstantIntOp::create(b, static_cast<int64_t>(o.seed), 64);
        values.offsets.push_back(stochasticOffset(b, seed, indices));
      }
    }
  }
  values.bamax = bamax;

  Value byte = emitScaleChoice(b, o, values);

  // Encode with the chosen candidate and store; a NaN block gets zero codes.
  Candidate chosen = loadCandidate(b, table, byte);
  for (auto [i, position] : llvm::enumerate(positions)) {
    Value packed = codecs.encodePacked(
        b, values.x[i], values.abs[i], chosen.r,
        values.offsets.empty() ? Value() : values.offsets[i]);
    packed = arith::SelectOp::create(
        b, hasNaN, intConst(b, 0, 8, packed.getType()), packed);
    Value byteCol = arith::DivUIOp::create(b, position.second, index(2));
    vector::StoreOp::create(b, packed, data,
                            ValueRange{position.first, byteCol});
  }

  Value scaleByte = arith::TruncIOp::create(b, b.getI8Type(), byte);
  Value nanByte = arith::ConstantIntOp::create(b, nvfp4() ? 0x7F : 0xFF, 8);
  storeScale(row0, block,
             arith::SelectOp::create(b, hasNaN, nanByte, scaleByte));
}

void QuantizeEmitter::storeScale(Value row0, Value block, Value byte) {
  // The scale byte, on every row of a 16x16 tile.
  Type scaleElement = cast<MemRefType>(scales.getType()).getElementType();
  Value stored = arith::BitcastOp::create(b, scaleElement, byte);
  for (int64_t r = 0; r < g.groupRows; ++r) {
    Value row = arith::AddIOp::create(b, row0, index(r));
    memref::StoreOp::create(b, stored, scales,
                            scaleIndices(b, layout, row, block));
  }
}

void QuantizeEmitter::emitZeroBlock(Value group, Value block) {
  Value row0 = arith::MulIOp::create(b, group, index(g.groupRows));
  Value col0 = arith::MulIOp::create(b, block, index(g.blockSize));
  Value zeros = intConst(b, 0, 8, VectorType::get({kChunk / 2}, b.getI8Type()));
  Value hasNaN = arith::ConstantIntOp::create(b, 0, 1);
  for (Value v : loadBlock(group, block)) {
    Value isNaN = arith::CmpFOp::create(b, arith::CmpFPredicate::UNO, v, v);
    hasNaN = arith::OrIOp::create(
        b, hasNaN,
        vector::ReductionOp::create(b, vector::CombiningKind::OR, isNaN));
  }
  for (int64_t r = 0; r < g.groupRows; ++r) {
    Value row = arith::AddIOp::create(b, row0, index(r));
    for (int64_t k = 0; k < g.blockSize; k += kChunk) {
      Value byteCol = arith::DivUIOp::create(
          b, arith::AddIOp::create(b, col0, index(k)), index(2));
      vector::StoreOp::create(b, zeros, data, ValueRange{row, byteCol});
    }
  }
  // A NaN block keeps its NaN scale, as in emitBlock.
  Value nanByte = arith::ConstantIntOp::create(b, nvfp4() ? 0x7F : 0xFF, 8);
  storeScale(row0, block,
             arith::SelectOp::create(b, hasNaN, nanByte,
                                     arith::ConstantIntOp::create(b, 0, 8)));
}

void QuantizeEmitter::forEachBlock(
    llvm::function_ref<void(QuantizeEmitter &, Value, Value)> body) {
  scf::ParallelOp::create(
      b, ValueRange{index(0), index(0)},
      ValueRange{index(g.outRows / g.groupRows), index(g.scaleCols())},
      ValueRange{index(1), index(1)},
      [&](OpBuilder &nested, Location loc, ValueRange ivs) {
        ImplicitLocOpBuilder ib(loc, nested);
        QuantizeEmitter inner(ib, o, g, layout, input, data, scales, codecs);
        body(inner, ivs[0], ivs[1]);
      });
}

void QuantizeEmitter::emitZeroBlocks() {
  forEachBlock([](QuantizeEmitter &inner, Value group, Value block) {
    inner.emitZeroBlock(group, block);
  });
}

void QuantizeEmitter::emitBlocks(Value gEnc, Value gDec, Value amax,
                                 Value infClamp) {
  Value table = emitTable(gDec, amax);
  Value maxByte = emitLargestFiniteByte(b, o, amax);
  forEachBlock([&](QuantizeEmitter &inner, Value group, Value block) {
    inner.emitBlock(table, gEnc, maxByte, infClamp, group, block);
  });
}

} // namespace mlir::nvfp4::arith_lowering
