//===- AttentionRowEmitter.cpp - One query row of attention_rows ----------===//

#include "AttentionRowEmitter.h"

#include "DequantizeEmitter.h"

#include "fp4/Dialect/NVFP4/IR/AttentionArith.h"
#include "fp4/Numerics/ScaleRules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cfloat>
#include <limits>

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace {
/// Keys (and output channels) whose sums a row runs side by side: four
/// independent chains, each in the reference's order. Every tile length and
/// Dv is a multiple of the block size, so of 4.
constexpr int64_t kSideBySide = 4;

Value index(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}
Value f32(ImplicitLocOpBuilder &b, float v) {
  return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
}
} // namespace

AttentionRowEmitter::AttentionRowEmitter(AttentionRowsOp op,
                                         const QuantizeCodecs &codecs)
    : op(op), codecs(codecs), o(getAttentionOptions(op)) {
  ArrayRef<int64_t> qs = op.getQ().getType().getShape();
  g = qs[0];
  lq = qs[1];
  d = qs[2];
  lk = op.getK().getType().getDimSize(1);
  dv = op.getVT().getType().getDimSize(1);
  tile = std::min<int64_t>(op.getKeyTile(), lk);
  blockSize = getBlockSize(op.getFormat());
  scale = o.softmaxScale;
  highPrecision = o.sinkTokens > 0 || o.recentTokens > 0;
  pOptions.format = o.format;
  pOptions.rule = o.p.rule;
  pOptions.metric = o.p.metric;
  pOptions.searchRadius = o.p.searchRadius;
  // One row of `tile` keys; a shorter last tile uses its first columns.
  pGeometry = {1, tile, blockSize, 1, false};
}

MemRefType AttentionRowEmitter::tableType(Attribute memorySpace) const {
  return MemRefType::get({256, 8}, Float32Type::get(op.getContext()),
                         MemRefLayoutAttrInterface(), memorySpace);
}

QuantizeEmitter
AttentionRowEmitter::quantizer(ImplicitLocOpBuilder &b,
                               const AttentionRowScratch &scratch) const {
  return QuantizeEmitter(b, pOptions, pGeometry, ScaleLayout::row_major,
                         scratch.pq, scratch.data, scratch.scales, codecs);
}

int64_t AttentionRowEmitter::topByte() const {
  return pOptions.format == fp4::Format::NVFP4 ? fp4::kMaxNVFP4Byte
                                               : fp4::kMaxMXFP4Code;
}

PScaleValues AttentionRowEmitter::emitPScale(ImplicitLocOpBuilder &b) const {
  if (pOptions.format == fp4::Format::MXFP4) {
    // No tensor scale: gEnc, gDec and amax unused, the Inf clamp FLT_MAX.
    Value one = f32(b, 1.0f);
    return {one, one, one, f32(b, FLT_MAX),
            emitLargestFiniteByte(b, pOptions, one)};
  }
  // The calibrated amax is the rule's divisor: gEnc = gDec = 1 (exactly).
  Value amax = f32(b, fp4::tensorScaleForRule(pOptions.rule, 1.0f).divisor);
  TensorScaleValues ts = emitTensorScale(b, pOptions, amax);
  return {ts.gEnc, ts.gDec, amax, amax,
          emitLargestFiniteByte(b, pOptions, amax)};
}

void AttentionRowEmitter::emitTableEntry(ImplicitLocOpBuilder &b, Value table,
                                         Value row,
                                         const PScaleValues &ps) const {
  AttentionRowScratch none;
  quantizer(b, none).emitTableEntry(row, table, ps.gDec, ps.amax);
}

AttentionRowScratch AttentionRowEmitter::allocScratch(ImplicitLocOpBuilder &b,
                                                      bool heap) const {
  auto scratchBuffer = [&](ArrayRef<int64_t> shape, Type element) -> Value {
    auto type = MemRefType::get(shape, element);
    if (heap)
      return memref::AllocOp::create(b, type);
    return memref::AllocaOp::create(b, type);
  };
  Type f32Type = b.getF32Type(), i8 = b.getI8Type();
  AttentionRowScratch s;
  s.p = scratchBuffer({1, tile}, f32Type);
  s.pq = highPrecision ? scratchBuffer({1, tile}, f32Type) : s.p;
  s.data = scratchBuffer({1, tile / 2}, i8);
  s.scales = scratchBuffer({1, tile / blockSize}, i8);
  s.ph = scratchBuffer({1, tile}, f32Type);
  s.o = scratchBuffer({dv}, f32Type);
  return s;
}

Value AttentionRowEmitter::isHighPrecision(ImplicitLocOpBuilder &b,
                                           Value key) const {
  Value sink = arith::CmpIOp::create(b, arith::CmpIPredicate::slt, key,
                                     index(b, o.sinkTokens));
  Value recent = arith::CmpIOp::create(
      b, arith::CmpIPredicate::sge, key,
      index(b, lk - static_cast<int64_t>(o.recentTokens)));
  return arith::OrIOp::create(b, sink, recent);
}

SmallVector<Value> AttentionRowEmitter::dots(ImplicitLocOpBuilder &b, Value x,
                                             Value y, Value head, Value row,
                                             ValueRange keys) const {
  SmallVector<Value> zeros(keys.size(), f32(b, 0.0f));
  auto loop = scf::ForOp::create(
      b, index(b, 0), index(b, d), index(b, 1), zeros,
      [&](OpBuilder &nested, Location loc, Value c, ValueRange acc) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value xc = memref::LoadOp::create(ib, x, ValueRange{head, row, c});
        SmallVector<Value> next;
        for (auto [key, a] : llvm::zip(keys, acc)) {
          Value yc = memref::LoadOp::create(ib, y, ValueRange{head, key, c});
          next.push_back(
              arith::AddFOp::create(ib, a, arith::MulFOp::create(ib, xc, yc)));
        }
        scf::YieldOp::create(ib, next);
      });
  return SmallVector<Value>(loop.getResults());
}

std::pair<Value, Value> AttentionRowEmitter::emitTile(
    ImplicitLocOpBuilder &b, const AttentionRowBuffers &buffers,
    const AttentionRowScratch &scratch, Value table, const PScaleValues &ps,
    Value head, Value i, Value j0, int64_t n, Value m, Value l) const {
  const float negInf = -std::numeric_limits<float>::infinity();
  Value zeroIdx = index(b, 0);
  // Scores, scaled, corrected and masked, into p; their max into mNew.
  auto scoreLoop = scf::ForOp::create(
      b, zeroIdx, index(b, n), index(b, kSideBySide), ValueRange{m},
      [&](OpBuilder &nested, Location loc, Value j, ValueRange iter) {
        ImplicitLocOpBuilder ib(loc, nested);
        SmallVector<Value> cols, keys;
        for (int64_t u = 0; u < kSideBySide; ++u) {
          cols.push_back(arith::AddIOp::create(ib, j, index(ib, u)));
          keys.push_back(arith::AddIOp::create(ib, j0, cols.back()));
        }
        SmallVector<Value> sums = dots(ib, buffers.q, buffers.k, head, i, keys);
        Value mNew = iter[0];
        for (int64_t u = 0; u < kSideBySide; ++u) {
          Value s = sums[u];
          if (highPrecision) {
            // Sink and recent keys: bf16(Q') . bf16(K') instead.
            auto choice = scf::IfOp::create(
                ib, isHighPrecision(ib, keys[u]),
                [&](OpBuilder &tb, Location tl) {
                  ImplicitLocOpBuilder t(tl, tb);
                  scf::YieldOp::create(t, dots(t, buffers.qBf16, buffers.kBf16,
                                               head, i, ValueRange{keys[u]}));
                },
                [&](OpBuilder &eb, Location el) {
                  scf::YieldOp::create(eb, el, s);
                });
            s = choice.getResult(0);
          }
          s = arith::MulFOp::create(ib, s, f32(ib, scale));
          if (buffers.correction) {
            Value blk = arith::DivUIOp::create(
                ib, i, index(ib, static_cast<int64_t>(fp4::kQSmoothBlock)));
            s = arith::AddFOp::create(
                ib, s,
                memref::LoadOp::create(ib, buffers.correction,
                                       ValueRange{head, blk, keys[u]}));
          }
          if (o.causal) {
            Value limit = arith::AddIOp::create(ib, i, index(ib, lk - lq));
            Value visible = arith::CmpIOp::create(ib, arith::CmpIPredicate::sle,
                                                  keys[u], limit);
            s = arith::SelectOp::create(ib, visible, s, f32(ib, negInf));
          }
          memref::StoreOp::create(ib, s, scratch.p,
                                  ValueRange{index(ib, 0), cols[u]});
          // std::max(mNew, s): (mNew < s) ? s : mNew.
          Value less =
              arith::CmpFOp::create(ib, arith::CmpFPredicate::OLT, mNew, s);
          mNew = arith::SelectOp::create(ib, less, s, mNew);
        }
        scf::YieldOp::create(ib, mNew);
      });
  Value mNew = scoreLoop.getResult(0);
  // A row that saw no key yet keeps m, l and (alpha = 1) O, with p = 0.
  Value skipped =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, mNew, f32(b, negInf));
  Value alpha = arith::SelectOp::create(
      b, skipped, f32(b, 1.0f),
      emitAttentionExp(b, b.getLoc(), arith::SubFOp::create(b, m, mNew)));
  auto pLoop = scf::ForOp::create(
      b, zeroIdx, index(b, n), index(b, 1), ValueRange{f32(b, 0.0f)},
      [&](OpBuilder &nested, Location loc, Value j, ValueRange iter) {
        ImplicitLocOpBuilder ib(loc, nested);
        SmallVector<Value> at = {index(ib, 0), j};
        Value s = memref::LoadOp::create(ib, scratch.p, at);
        Value p = emitAttentionExp(ib, loc, arith::SubFOp::create(ib, s, mNew));
        if (o.pMode == fp4::PMode::TwoLevel)
          p = arith::MulFOp::create(ib, p, f32(ib, fp4::kTwoLevelPScale));
        p = arith::SelectOp::create(ib, skipped, f32(ib, 0.0f), p);
        memref::StoreOp::create(ib, p, scratch.p, at);
        if (highPrecision) {
          Value key = arith::AddIOp::create(ib, j0, j);
          memref::StoreOp::create(
              ib,
              arith::SelectOp::create(ib, isHighPrecision(ib, key),
                                      f32(ib, 0.0f), p),
              scratch.pq, at);
        }
        scf::YieldOp::create(ib,
                             arith::AddFOp::create(ib, iter[0], p).getResult());
      });
  Value rowSum = pLoop.getResult(0);
  Value lNew = arith::SelectOp::create(
      b, skipped, l,
      arith::AddFOp::create(b, arith::MulFOp::create(b, l, alpha), rowSum));
  Value mOut = arith::SelectOp::create(b, skipped, m, mNew);

  // P in blocks of keys, no tensor scale, then dequantized (g = 1).
  scf::ForOp::create(
      b, zeroIdx, index(b, n / blockSize), index(b, 1), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value blk, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nested);
        quantizer(ib, scratch)
            .emitBlock(table, ps.gEnc, ps.maxByte, ps.clamp, index(ib, 0), blk);
        emitDequantizeBlock(ib, op.getFormat(), ScaleLayout::row_major,
                            scratch.data, scratch.scales, ps.gDec, scratch.ph,
                            index(ib, 0), blk);
        scf::YieldOp::create(ib);
      });

  // O[e] = O[e] * alpha, then + P[j] * V[j][e] in key order.
  scf::ForOp::create(
      b, zeroIdx, index(b, dv), index(b, kSideBySide), ValueRange{},
      [&](OpBuilder &nested, Location loc, Value e, ValueRange) {
        ImplicitLocOpBuilder ib(loc, nested);
        SmallVector<Value> channels, init;
        for (int64_t u = 0; u < kSideBySide; ++u) {
          channels.push_back(arith::AddIOp::create(ib, e, index(ib, u)));
          init.push_back(arith::MulFOp::create(
              ib, memref::LoadOp::create(ib, scratch.o, channels.back()),
              alpha));
        }
        auto acc = scf::ForOp::create(
            ib, index(ib, 0), index(ib, n), index(ib, 1), init,
            [&](OpBuilder &inner, Location innerLoc, Value j, ValueRange sums) {
              ImplicitLocOpBuilder jb(innerLoc, inner);
              SmallVector<Value> at = {index(jb, 0), j};
              Value key = arith::AddIOp::create(jb, j0, j);
              Value p = memref::LoadOp::create(jb, scratch.ph, at);
              if (highPrecision)
                p = arith::SelectOp::create(
                    jb, isHighPrecision(jb, key),
                    emitBF16Round(jb, innerLoc,
                                  memref::LoadOp::create(jb, scratch.p, at)),
                    p);
              SmallVector<Value> next;
              for (auto [ch, sum] : llvm::zip(channels, sums)) {
                Value vj = memref::LoadOp::create(jb, buffers.vT,
                                                  ValueRange{head, ch, key});
                next.push_back(arith::AddFOp::create(
                    jb, sum, arith::MulFOp::create(jb, p, vj)));
              }
              scf::YieldOp::create(jb, next);
            });
        for (auto [ch, sum] : llvm::zip(channels, acc.getResults()))
          memref::StoreOp::create(ib, sum, scratch.o, ch);
        scf::YieldOp::create(ib);
      });
  return {mOut, lNew};
}

void AttentionRowEmitter::emitRow(ImplicitLocOpBuilder &b,
                                  const AttentionRowBuffers &buffers,
                                  const AttentionRowScratch &scratch,
                                  Value table, const PScaleValues &ps,
                                  Value head, Value i) const {
  Value zero = f32(b, 0.0f);
  scf::ForOp::create(b, index(b, 0), index(b, dv), index(b, 1), ValueRange{},
                     [&](OpBuilder &nested, Location loc, Value e, ValueRange) {
                       ImplicitLocOpBuilder ib(loc, nested);
                       memref::StoreOp::create(ib, zero, scratch.o, e);
                       scf::YieldOp::create(ib);
                     });
  Value m = f32(b, -std::numeric_limits<float>::infinity()), l = zero;
  const int64_t full = lk / tile, rest = lk % tile;
  if (full > 0) {
    auto loop = scf::ForOp::create(
        b, index(b, 0), index(b, full * tile), index(b, tile), ValueRange{m, l},
        [&](OpBuilder &nested, Location loc, Value j0, ValueRange iter) {
          ImplicitLocOpBuilder ib(loc, nested);
          auto [mNext, lNext] = emitTile(ib, buffers, scratch, table, ps, head,
                                         i, j0, tile, iter[0], iter[1]);
          scf::YieldOp::create(ib, ValueRange{mNext, lNext});
        });
    m = loop.getResult(0);
    l = loop.getResult(1);
  }
  if (rest > 0)
    l = emitTile(b, buffers, scratch, table, ps, head, i, index(b, full * tile),
                 rest, m, l)
            .second;
  // out = O / l, 0 where l == 0.
  Value lZero = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, l, zero);
  scf::ForOp::create(b, index(b, 0), index(b, dv), index(b, 1), ValueRange{},
                     [&](OpBuilder &nested, Location loc, Value e, ValueRange) {
                       ImplicitLocOpBuilder ib(loc, nested);
                       Value x = arith::DivFOp::create(
                           ib, memref::LoadOp::create(ib, scratch.o, e), l);
                       memref::StoreOp::create(
                           ib, arith::SelectOp::create(ib, lZero, zero, x),
                           buffers.out, ValueRange{head, i, e});
                       scf::YieldOp::create(ib);
                     });
}
