//===- ScaleSelection.cpp - Per-block scale choice as arith/scf -----------===//
//
// Candidate errors are summed per chunk with an ordered vector.reduction (an
// LLVM ordered fadd reduction: ((acc + e0) + e1) + ...), chunk after chunk,
// which is the library's sequential element order.
//
//===----------------------------------------------------------------------===//

#include "ScaleSelection.h"
#include "ArithNumerics.h"
#include "QuantizeEmitter.h"

#include "fp4/Numerics/ScaleRules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::nvfp4::arith_numerics;

namespace mlir::nvfp4::arith_lowering {

static VectorType chunkType(ImplicitLocOpBuilder &b) {
  return VectorType::get({kChunk}, b.getF32Type());
}

static Value splat(ImplicitLocOpBuilder &b, Value scalar) {
  return vector::BroadcastOp::create(b, chunkType(b), scalar);
}

static Value i32(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIntOp::create(b, v, 32);
}

Candidate loadCandidate(ImplicitLocOpBuilder &b, Value table, Value byte) {
  Value index = arith::IndexCastOp::create(b, b.getIndexType(), byte);
  Value zero = arith::ConstantIndexOp::create(b, 0);
  Value row = vector::LoadOp::create(b, VectorType::get({8}, b.getF32Type()),
                                     table, ValueRange{index, zero});
  Candidate c;
  c.r = splat(b, vector::ExtractOp::create(b, row, ArrayRef<int64_t>{0}));
  for (int64_t k = 1; k < 8; ++k)
    c.xhat.push_back(
        splat(b, vector::ExtractOp::create(b, row, ArrayRef<int64_t>{k})));
  return c;
}

Value scaledMagnitude(ImplicitLocOpBuilder &b, Value abs, Value r,
                      Value offset) {
  Value y = arith::MulFOp::create(b, abs, r);
  return offset ? e2m1StochasticGrid(b, y, offset) : y;
}

namespace {
/// Emits candidate errors and the rule's search for one block.
class ScaleChooser {
public:
  ScaleChooser(ImplicitLocOpBuilder &b, const fp4::QuantizeOptions &o,
               const BlockValues &block)
      : b(b), o(o), block(block) {}

  Value choose();

private:
  bool nvfp4() const { return o.format == fp4::Format::NVFP4; }
  int64_t top() const {
    return nvfp4() ? fp4::kMaxNVFP4Byte : fp4::kMaxMXFP4Code;
  }
  Value stochastic(size_t i) const {
    return block.offsets.empty() ? Value() : block.offsets[i];
  }

  /// Sums per-element chunk errors `perChunk(i)` in element order.
  template <typename PerChunk>
  Value accumulate(fp4::ErrorMetric metric, PerChunk perChunk);
  /// candidateError / evaluate(): the block error of scale `byte` (i32).
  Value error(Value byte, fp4::ErrorMetric metric);
  /// An i8 scale byte widened to i32 and capped at block.maxByte.
  Value capped(Value byte);
  /// The standard byte c0 for tensor constant q (i32).
  Value standardByte(float q);
  /// searchScale's candidates lo..hi (i32, inclusive) against the incumbent
  /// `best` = (error, byte).
  std::pair<Value, Value> searchRange(Value c0, Value lo, Value hi,
                                      std::pair<Value, Value> best);
  /// One direction of exactScale's bounded walk.
  std::pair<Value, Value> walk(Value c0, int step,
                               std::pair<Value, Value> best);
  Value fourOverSix();
  Value search(int64_t radius);
  Value exact();

  ImplicitLocOpBuilder &b;
  const fp4::QuantizeOptions &o;
  const BlockValues &block;
};
} // namespace

template <typename PerChunk>
Value ScaleChooser::accumulate(fp4::ErrorMetric metric, PerChunk perChunk) {
  auto kind = metric == fp4::ErrorMetric::AbsMax
                  ? vector::CombiningKind::MAXNUMF
                  : vector::CombiningKind::ADD;
  Value acc = arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(0.0f));
  for (size_t i = 0; i < block.x.size(); ++i)
    acc = vector::ReductionOp::create(b, kind, perChunk(i), acc);
  return acc;
}

Value ScaleChooser::error(Value byte, fp4::ErrorMetric metric) {
  Candidate c = loadCandidate(b, block.table, byte);
  return accumulate(metric, [&](size_t i) -> Value {
    Value a = block.abs[i];
    Value y = scaledMagnitude(b, a, c.r, stochastic(i));
    Value d = arith::SubFOp::create(b, e2m1SelectMagnitude(b, y, c.xhat), a);
    if (metric == fp4::ErrorMetric::MSE)
      return arith::MulFOp::create(b, d, d);
    return math::AbsFOp::create(b, d);
  });
}

Value ScaleChooser::capped(Value byte) {
  // nvfp4StandardScale / mxfp4StandardScale: never a scale whose codes
  // decode to Inf (block.maxByte).
  return arith::MinUIOp::create(
      b, arith::ExtUIOp::create(b, b.getI32Type(), byte), block.maxByte);
}

Value ScaleChooser::standardByte(float q) {
  Value qc = arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(q));
  Value t = arith::DivFOp::create(b, block.bamax, qc);
  return capped(nvfp4() ? block.codecs->encodeE4M3(
                              b, arith::MulFOp::create(b, t, block.gEnc))
                        : ue8m0RoundUp(b, t));
}

Value ScaleChooser::fourOverSix() {
  // sHp6 = (bamax / 6) * gEnc, sHp4 = sHp6 * 1.5 (M = 256 tensor scale).
  Value six = arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(6.0f));
  Value sHp6 = arith::MulFOp::create(
      b, arith::DivFOp::create(b, block.bamax, six), block.gEnc);
  Value sHp4 = arith::MulFOp::create(
      b, sHp6,
      arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(1.5f)));
  auto byteOf = [&](Value s) { return capped(block.codecs->encodeE4M3(b, s)); };
  Value b6 = byteOf(sHp6), b4 = byteOf(sHp4);
  Value e6 = error(b6, o.metric), e4 = error(b4, o.metric);
  Value picksFour = arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, e4, e6);
  return arith::SelectOp::create(b, picksFour, b4, b6);
}

std::pair<Value, Value>
ScaleChooser::searchRange(Value c0, Value lo, Value hi,
                          std::pair<Value, Value> best) {
  Value lower = arith::IndexCastOp::create(b, b.getIndexType(), lo);
  Value upper = arith::IndexCastOp::create(
      b, b.getIndexType(), arith::AddIOp::create(b, hi, i32(b, 1)));
  Value one = arith::ConstantIndexOp::create(b, 1);
  auto loop = scf::ForOp::create(
      b, lower, upper, one, ValueRange{best.first, best.second},
      [&](OpBuilder &nested, Location loc, Value iv, ValueRange iter) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value byte = arith::IndexCastOp::create(ib, ib.getI32Type(), iv);
        ScaleChooser inner(ib, o, block);
        Value e = inner.error(byte, fp4::ErrorMetric::MSE);
        Value better = isBetterCandidate(ib, e, byte, iter[0], iter[1], c0);
        scf::YieldOp::create(
            ib, ValueRange{arith::SelectOp::create(ib, better, e, iter[0]),
                           arith::SelectOp::create(ib, better, byte, iter[1])});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

Value ScaleChooser::search(int64_t radius) {
  Value c0 = standardByte(6.0f);
  Value e0 = error(c0, fp4::ErrorMetric::MSE);
  // Candidates [max(1, c0 - R), min(top, c0 + R)] besides c0; the tie-break
  // makes the visiting order immaterial.
  Value lo = arith::MaxSIOp::create(
      b, i32(b, 1), arith::SubIOp::create(b, c0, i32(b, radius)));
  Value hi = arith::MinSIOp::create(
      b, i32(b, top()), arith::AddIOp::create(b, c0, i32(b, radius)));
  std::pair<Value, Value> best{e0, c0};
  best = searchRange(c0, lo, arith::SubIOp::create(b, c0, i32(b, 1)), best);
  best = searchRange(c0, arith::AddIOp::create(b, c0, i32(b, 1)), hi, best);
  return best.second;
}

std::pair<Value, Value> ScaleChooser::walk(Value c0, int step,
                                           std::pair<Value, Value> best) {
  Type i32Type = b.getI32Type(), f32Type = b.getF32Type();
  Value first = arith::AddIOp::create(b, c0, i32(b, step));
  auto loop = scf::WhileOp::create(
      b, TypeRange{i32Type, f32Type, i32Type},
      ValueRange{first, best.first, best.second},
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        Value c = args[0], bestError = args[1];
        Value inRange =
            step > 0 ? arith::CmpIOp::create(ib, arith::CmpIPredicate::sle, c,
                                             i32(ib, top()))
                     : arith::CmpIOp::create(ib, arith::CmpIPredicate::sge, c,
                                             i32(ib, 1));
        Value safe = arith::SelectOp::create(ib, inRange, c, c0);
        Candidate cand = loadCandidate(ib, block.table, safe);
        Value zero = f32Const(ib, 0.0f, chunkType(ib));
        ScaleChooser inner(ib, o, block);
        // Upward: the dead zone, sum of x^2 over |x| r <= 0.25. Downward:
        // clipping, sum of (|x| - xhat[7])^2 over |x| > xhat[7].
        Value bound = inner.accumulate(fp4::ErrorMetric::MSE, [&](size_t i) {
          Value a = block.abs[i];
          if (step > 0) {
            Value dead =
                arith::CmpFOp::create(ib, arith::CmpFPredicate::OLE,
                                      arith::MulFOp::create(ib, a, cand.r),
                                      f32Const(ib, 0.25f, chunkType(ib)));
            return arith::SelectOp::create(
                       ib, dead, arith::MulFOp::create(ib, a, a), zero)
                .getResult();
          }
          Value d = arith::SubFOp::create(ib, a, cand.xhat[6]);
          Value clipped =
              arith::CmpFOp::create(ib, arith::CmpFPredicate::OGT, d, zero);
          return arith::SelectOp::create(ib, clipped,
                                         arith::MulFOp::create(ib, d, d), zero)
              .getResult();
        });
        // Continue while in range and !(bound > bestError).
        Value notPruned = arith::CmpFOp::create(ib, arith::CmpFPredicate::ULE,
                                                bound, bestError);
        scf::ConditionOp::create(
            ib, arith::AndIOp::create(ib, inRange, notPruned), args);
      },
      [&](OpBuilder &nested, Location loc, ValueRange args) {
        ImplicitLocOpBuilder ib(loc, nested);
        ScaleChooser inner(ib, o, block);
        Value c = args[0];
        Value e = inner.error(c, fp4::ErrorMetric::MSE);
        Value better = isBetterCandidate(ib, e, c, args[1], args[2], c0);
        scf::YieldOp::create(
            ib, ValueRange{arith::AddIOp::create(ib, c, i32(ib, step)),
                           arith::SelectOp::create(ib, better, e, args[1]),
                           arith::SelectOp::create(ib, better, c, args[2])});
      });
  return {loop.getResult(1), loop.getResult(2)};
}

Value ScaleChooser::exact() {
  // The bounds assume round to nearest; stochastic rounding searches all.
  if (!block.offsets.empty())
    return search(top());
  Value c0 = standardByte(6.0f);
  std::pair<Value, Value> best{error(c0, fp4::ErrorMetric::MSE), c0};
  best = walk(c0, +1, best);
  best = walk(c0, -1, best);
  return best.second;
}

Value ScaleChooser::choose() {
  switch (o.rule) {
  case fp4::ScaleRule::Static6:
    return standardByte(6.0f);
  case fp4::ScaleRule::Static4:
    return standardByte(4.0f);
  case fp4::ScaleRule::FourOverSix:
    return fourOverSix();
  case fp4::ScaleRule::ScaleSearch:
    return search(o.searchRadius);
  case fp4::ScaleRule::Exact:
    return exact();
  }
  return {};
}

Value emitScaleChoice(ImplicitLocOpBuilder &b,
                      const fp4::QuantizeOptions &options,
                      const BlockValues &block) {
  return ScaleChooser(b, options, block).choose();
}

} // namespace mlir::nvfp4::arith_lowering
