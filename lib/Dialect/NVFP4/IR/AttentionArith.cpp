//===- AttentionArith.cpp - Attention's scalar arithmetic in arith --------===//

#include "fp4/Dialect/NVFP4/IR/AttentionArith.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <limits>

using namespace mlir;

/// attentionExp (Attention.cpp) in arith, operation for operation:
/// NaN -> NaN, x > 89 -> +Inf, x < -104 -> 0, otherwise Cody-Waite
/// reduction, a degree-7 Horner polynomial and a multiplication by 2^k.
/// roundeven(y) is (y + 1.5 * 2^23) - 1.5 * 2^23 (exact for |y| < 2^22;
/// |y| <= 150 here). ldexp is one or two multiplications by normal powers of
/// two, so that a subnormal result is rounded once, as ldexp rounds it.
Value nvfp4::emitAttentionExp(OpBuilder &nb, Location loc, Value x) {
  auto f32 = [&](OpBuilder &b, float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  auto i32 = [&](OpBuilder &b, int32_t v) {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  auto cmp = [&](arith::CmpFPredicate pred, Value l, Value r) {
    return arith::CmpFOp::create(nb, loc, pred, l, r);
  };
  auto sel = [&](Value c, Value t, Value f) {
    return arith::SelectOp::create(nb, loc, c, t, f);
  };
  auto mul = [&](Value l, Value r) {
    return arith::MulFOp::create(nb, loc, l, r);
  };
  auto add = [&](Value l, Value r) {
    return arith::AddFOp::create(nb, loc, l, r);
  };
  auto sub = [&](Value l, Value r) {
    return arith::SubFOp::create(nb, loc, l, r);
  };
  Value zero = f32(nb, 0.0f);
  Value isNaN = cmp(arith::CmpFPredicate::UNO, x, x);
  Value big = cmp(arith::CmpFPredicate::OGT, x, f32(nb, 89.0f));
  Value small = cmp(arith::CmpFPredicate::OLT, x, f32(nb, -104.0f));
  // In range from here on, so that no conversion below sees a huge value.
  Value xr = sel(isNaN, zero, sel(big, zero, sel(small, zero, x)));
  const float kLog2e = 0x1.715476p+0f, kLn2Hi = 0.693359375f,
              kLn2Lo = -2.12194440e-4f, kRound = 12582912.0f; // 1.5 * 2^23
  Value kf =
      sub(add(mul(xr, f32(nb, kLog2e)), f32(nb, kRound)), f32(nb, kRound));
  Value r = sub(sub(xr, mul(kf, f32(nb, kLn2Hi))), mul(kf, f32(nb, kLn2Lo)));
  const float c[8] = {1.0f / 5040.0f, 1.0f / 720.0f, 1.0f / 120.0f,
                      1.0f / 24.0f,   1.0f / 6.0f,   0.5f,
                      1.0f,           1.0f};
  Value p = f32(nb, c[0]);
  for (int n = 1; n < 8; ++n)
    p = add(mul(p, r), f32(nb, c[n]));
  // 2^k with k in [-150, 129]: k < -126 as 2^(k+100) * 2^-100, k > 127 as
  // 2^(k-1) * 2.
  Value k = arith::FPToSIOp::create(nb, loc, nb.getI32Type(), kf);
  auto icmp = [&](arith::CmpIPredicate pred, Value l, int32_t r) {
    return arith::CmpIOp::create(nb, loc, pred, l, i32(nb, r));
  };
  Value low = icmp(arith::CmpIPredicate::slt, k, -126);
  Value high = icmp(arith::CmpIPredicate::sgt, k, 127);
  Value k1 = sel(low, arith::AddIOp::create(nb, loc, k, i32(nb, 100)),
                 sel(high, arith::SubIOp::create(nb, loc, k, i32(nb, 1)), k));
  Value bits = arith::ShLIOp::create(
      nb, loc, arith::AddIOp::create(nb, loc, k1, i32(nb, 127)), i32(nb, 23));
  Value pow1 = arith::BitcastOp::create(nb, loc, nb.getF32Type(), bits);
  Value pow2 =
      sel(low, f32(nb, 0x1p-100f), sel(high, f32(nb, 2.0f), f32(nb, 1.0f)));
  Value result = mul(mul(p, pow1), pow2);
  result = sel(small, zero, result);
  result = sel(big, f32(nb, std::numeric_limits<float>::infinity()), result);
  return sel(isNaN, x, result);
}

/// bf16(x) widened back to f32: round to nearest even.
Value nvfp4::emitBF16Round(OpBuilder &nb, Location loc, Value x) {
  Value t = arith::TruncFOp::create(nb, loc, nb.getBF16Type(), x);
  return arith::ExtFOp::create(nb, loc, nb.getF32Type(), t);
}
