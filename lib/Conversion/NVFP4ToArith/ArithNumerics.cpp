//===- ArithNumerics.cpp - Numerics-library primitives as arith ops -------===//
//
// Each function mirrors the library function of the same name; the comments
// give the library expression it reproduces.
//
//===----------------------------------------------------------------------===//

#include "ArithNumerics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cfloat>
#include <cmath>

using namespace mlir;

namespace mlir::nvfp4::arith_numerics {

Type withElementType(Type type, Type element) {
  if (auto vector = dyn_cast<VectorType>(type))
    return vector.clone(element);
  return element;
}

static Value splatConst(ImplicitLocOpBuilder &b, TypedAttr scalar, Type like) {
  Type type = withElementType(like, scalar.getType());
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, DenseElementsAttr::get(vector, scalar));
  return arith::ConstantOp::create(b, scalar);
}

Value f32Const(ImplicitLocOpBuilder &b, float value, Type like) {
  return splatConst(b, b.getF32FloatAttr(value), like);
}

Value intConst(ImplicitLocOpBuilder &b, int64_t value, unsigned width,
               Type like) {
  return splatConst(b, b.getIntegerAttr(b.getIntegerType(width), value), like);
}

namespace {
/// Shorthands for the 32-bit integer and f32 ops the codecs are made of.
struct Ops {
  ImplicitLocOpBuilder &b;
  Type like;

  Value i32(int64_t v) { return intConst(b, v, 32, like); }
  Value f32(float v) { return f32Const(b, v, like); }
  Type i32Type() { return withElementType(like, b.getI32Type()); }
  Type f32Type() { return withElementType(like, b.getF32Type()); }
  Type i8Type() { return withElementType(like, b.getI8Type()); }

  Value andi(Value x, int64_t m) { return arith::AndIOp::create(b, x, i32(m)); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, x, y); }
  Value shl(Value x, int64_t s) { return arith::ShLIOp::create(b, x, i32(s)); }
  Value shr(Value x, int64_t s) { return arith::ShRUIOp::create(b, x, i32(s)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value addi(Value x, int64_t v) { return add(x, i32(v)); }
  Value icmp(arith::CmpIPredicate p, Value x, int64_t v) {
    return arith::CmpIOp::create(b, p, x, i32(v));
  }
  Value fcmp(arith::CmpFPredicate p, Value x, float v) {
    return arith::CmpFOp::create(b, p, x, f32(v));
  }
  Value select(Value c, Value t, Value f) {
    return arith::SelectOp::create(b, c, t, f);
  }
  Value toBits(Value x) { return arith::BitcastOp::create(b, i32Type(), x); }
  Value toFloat(Value x) { return arith::BitcastOp::create(b, f32Type(), x); }
  Value widen(Value byte) { return arith::ExtUIOp::create(b, i32Type(), byte); }
  Value narrow(Value x) { return arith::TruncIOp::create(b, i8Type(), x); }
  Value mulf(Value x, float v) { return arith::MulFOp::create(b, x, f32(v)); }
  Value addf(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value roundEven(Value x) { return math::RoundEvenOp::create(b, x); }
};
} // namespace

Value e4m3Encode(ImplicitLocOpBuilder &b, Value x) {
  Ops o{b, x.getType()};
  using P = arith::CmpIPredicate;
  Value bits = o.toBits(x);
  Value sign = o.andi(o.shr(bits, 24), 0x80);
  Value abs = o.andi(bits, 0x7FFFFFFF);
  Value isNaN = o.icmp(P::ugt, abs, 0x7F800000);
  Value saturates = o.icmp(P::uge, abs, 0x43E00000); // >= 448, Inf
  Value subnormal = o.icmp(P::ult, abs, 0x3C800000); // < 2^-6
  // Subnormal: nearbyint(|x| * 512) steps of 2^-9 (other lanes compute 0).
  Value subAbs = o.toFloat(o.select(subnormal, abs, o.i32(0)));
  Value steps = arith::FPToUIOp::create(b, o.i32Type(),
                                        o.roundEven(o.mulf(subAbs, 512.0f)));
  // Normal: round the mantissa to 3 bits, ties to even, carrying into the
  // exponent; rebias 127 -> 7.
  Value rounded = o.add(o.addi(abs, 0x7FFFF), o.andi(o.shr(abs, 20), 1));
  Value exp = o.addi(o.shr(rounded, 23), -120);
  Value normal = o.ori(o.shl(exp, 3), o.andi(o.shr(rounded, 20), 7));
  Value magnitude = o.select(
      isNaN, o.i32(0x7F),
      o.select(saturates, o.i32(0x7E), o.select(subnormal, steps, normal)));
  return o.narrow(o.ori(sign, magnitude));
}

Value e4m3Decode(ImplicitLocOpBuilder &b, Value byte) {
  Ops o{b, byte.getType()};
  Value bits = o.widen(byte);
  Value exp = o.andi(o.shr(bits, 3), 0xF);
  Value mant = o.andi(bits, 7);
  // exp == 0: mant * 2^-9 (exact); else (1 + mant/8) * 2^(exp-7).
  Value subnormal =
      o.mulf(arith::UIToFPOp::create(b, o.f32Type(), mant), 0x1p-9f);
  Value normal =
      o.toFloat(o.ori(o.shl(o.addi(exp, 120), 23), o.shl(mant, 20)));
  Value magnitude =
      o.select(o.icmp(arith::CmpIPredicate::eq, exp, 0), subnormal, normal);
  magnitude = o.select(o.icmp(arith::CmpIPredicate::eq, o.andi(bits, 0x7F), 0x7F),
                       o.f32(NAN), magnitude);
  Value negative = o.icmp(arith::CmpIPredicate::ne, o.andi(bits, 0x80), 0);
  return o.select(negative, arith::NegFOp::create(b, magnitude), magnitude);
}

Value ue8m0RoundUp(ImplicitLocOpBuilder &b, Value t) {
  Ops o{b, t.getType()};
  Value bits = o.andi(o.toBits(t), 0x7FFFFFFF);
  Value inexact = o.icmp(arith::CmpIPredicate::ne, o.andi(bits, 0x7FFFFF), 0);
  Value code =
      o.add(o.shr(bits, 23), arith::ExtUIOp::create(b, o.i32Type(), inexact));
  return o.narrow(arith::MinUIOp::create(b, code, o.i32(254)));
}

// 2^(e - 127) for a biased exponent e in [0, 254]; e = 0 is the subnormal
// 2^-127 (bit 22).
static Value powerOfTwo(Ops &o, Value biased) {
  return o.toFloat(o.select(o.icmp(arith::CmpIPredicate::eq, biased, 0),
                            o.i32(1 << 22), o.shl(biased, 23)));
}

Value ue8m0Decode(ImplicitLocOpBuilder &b, Value code) {
  Ops o{b, code.getType()};
  Value c = o.widen(code);
  return o.select(o.icmp(arith::CmpIPredicate::eq, c, 0xFF), o.f32(NAN),
                  powerOfTwo(o, c));
}

Value ue8m0Reciprocal(ImplicitLocOpBuilder &b, Value code) {
  Ops o{b, code.getType()};
  Value c = o.widen(code);
  return powerOfTwo(o, arith::SubIOp::create(b, o.i32(254), c));
}

Value e2m1MagnitudeCode(ImplicitLocOpBuilder &b, Value a) {
  Ops o{b, a.getType()};
  using P = arith::CmpFPredicate;
  const std::pair<P, float> thresholds[] = {
      {P::OGT, 0.25f}, {P::OGE, 0.75f}, {P::OGT, 1.25f}, {P::OGE, 1.75f},
      {P::OGT, 2.5f},  {P::OGE, 3.5f},  {P::OGT, 5.0f}};
  Value code = intConst(b, 0, 8, a.getType());
  for (auto [pred, t] : thresholds)
    code = o.add(code, arith::ExtUIOp::create(b, o.i8Type(), o.fcmp(pred, a, t)));
  return code;
}

Value e2m1SelectMagnitude(ImplicitLocOpBuilder &b, Value a,
                          ArrayRef<Value> table) {
  Ops o{b, a.getType()};
  using P = arith::CmpFPredicate;
  const std::pair<P, float> thresholds[] = {
      {P::OGT, 0.25f}, {P::OGE, 0.75f}, {P::OGT, 1.25f}, {P::OGE, 1.75f},
      {P::OGT, 2.5f},  {P::OGE, 3.5f},  {P::OGT, 5.0f}};
  Value m = o.f32(0.0f); // xhat[0]
  for (auto [k, threshold] : llvm::enumerate(thresholds))
    m = o.select(o.fcmp(threshold.first, a, threshold.second), table[k], m);
  return m;
}

Value e2m1Decode(ImplicitLocOpBuilder &b, Value code) {
  Ops o{b, code.getType()};
  using P = arith::CmpIPredicate;
  Value c = o.widen(code);
  Value k = o.andi(c, 7);
  // k = 2e + m: 0 -> 0, 1 -> 0.5, else 2^(e-1) * (1 + m/2).
  Value normal = o.ori(o.shl(o.addi(o.shr(k, 1), 126), 23),
                       o.shl(o.andi(k, 1), 22));
  Value bits =
      o.select(o.icmp(P::eq, k, 0), o.i32(0),
               o.select(o.icmp(P::eq, k, 1), o.i32(0x3F000000), normal));
  return o.toFloat(o.ori(bits, o.shl(o.andi(c, 8), 28)));
}

Value e2m1StochasticGrid(ImplicitLocOpBuilder &b, Value a, Value u) {
  Ops o{b, a.getType()};
  using P = arith::CmpFPredicate;
  // a < 2: nearbyint(2a + u) / 2; a < 4: nearbyint(a + u);
  // else fmin(2 nearbyint(a/2 + u), 6).
  Value low = o.mulf(o.roundEven(o.addf(o.mulf(a, 2.0f), u)), 0.5f);
  Value mid = o.roundEven(o.addf(a, u));
  Value high = arith::MinNumFOp::create(
      b, o.mulf(o.roundEven(o.addf(o.mulf(a, 0.5f), u)), 2.0f), o.f32(6.0f));
  return o.select(o.fcmp(P::OLT, a, 2.0f), low,
                  o.select(o.fcmp(P::OLT, a, 4.0f), mid, high));
}

Value stochasticOffset(ImplicitLocOpBuilder &b, Value seed, Value index) {
  Type like = index.getType();
  auto c64 = [&](uint64_t v) {
    return intConst(b, static_cast<int64_t>(v), 64, like);
  };
  auto xorShift = [&](Value z, int s) {
    return arith::XOrIOp::create(b, z, arith::ShRUIOp::create(b, z, c64(s)));
  };
  Value seeds = seed;
  if (auto vector = dyn_cast<VectorType>(like))
    seeds = vector::BroadcastOp::create(b, vector, seed);
  Value z = arith::AddIOp::create(
      b, seeds,
      arith::MulIOp::create(b, c64(0x9E3779B97F4A7C15ULL),
                            arith::AddIOp::create(b, index, c64(1))));
  z = arith::MulIOp::create(b, xorShift(z, 30), c64(0xBF58476D1CE4E5B9ULL));
  z = arith::MulIOp::create(b, xorShift(z, 27), c64(0x94D049BB133111EBULL));
  z = xorShift(z, 31);
  Value top = arith::UIToFPOp::create(
      b, withElementType(like, b.getF32Type()),
      arith::ShRUIOp::create(b, z, c64(41)));
  Ops o{b, like};
  // (m + 0.5) * 2^-23 - 0.5
  Value offset = o.mulf(arith::AddFOp::create(b, top, o.f32(0.5f)), 0x1p-23f);
  return arith::SubFOp::create(b, offset, o.f32(0.5f));
}

Value isBetterCandidate(ImplicitLocOpBuilder &b, Value error, Value byte,
                        Value bestError, Value bestByte, Value c0) {
  using P = arith::CmpIPredicate;
  auto distance = [&](Value x) {
    Value d = arith::SubIOp::create(b, x, c0);
    return math::AbsIOp::create(b, d);
  };
  Value differs =
      arith::CmpFOp::create(b, arith::CmpFPredicate::UNE, error, bestError);
  Value lower =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, error, bestError);
  Value d = distance(byte), bestD = distance(bestByte);
  Value nearer = arith::CmpIOp::create(b, P::slt, d, bestD);
  Value sameDistance = arith::CmpIOp::create(b, P::eq, d, bestD);
  Value lowerByte = arith::CmpIOp::create(b, P::slt, byte, bestByte);
  return arith::SelectOp::create(
      b, differs, lower,
      arith::SelectOp::create(b, sameDistance, lowerByte, nearer));
}

} // namespace mlir::nvfp4::arith_numerics
