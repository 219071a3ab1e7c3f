//===- AttentionRowsOp.cpp - nvfp4.attention_rows -------------------------===//
//
// Part of fp4-mlir. The verifier of the online-softmax part of attention and
// its numerics-library options. Shapes must agree with one another; the
// options are checked by the library's validateAttentionOptions, as for
// nvfp4.attention, so the op accepts exactly what the reference computes.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include <cmath>

using namespace mlir;
using namespace mlir::nvfp4;

fp4::AttentionOptions nvfp4::getAttentionOptions(AttentionRowsOp op) {
  fp4::AttentionOptions o;
  o.q.quantized = o.k.quantized = o.v.quantized = false; // Prepared.
  o.smoothK = false;
  o.softmaxScale = op.getSoftmaxScale().convertToFloat();
  o.causal = op.getCausal();
  o.keyTile = static_cast<uint64_t>(op.getKeyTile());
  o.format = toNumerics(op.getFormat());
  if (ScaleRuleAttr rule = op.getPRuleAttr())
    toNumerics(rule, o.p.rule, o.p.metric, o.p.searchRadius);
  o.pMode = op.getPMode() == PMode::direct ? fp4::PMode::Direct
                                           : fp4::PMode::TwoLevel;
  o.sinkTokens = static_cast<uint64_t>(op.getSinkTokens());
  o.recentTokens = static_cast<uint64_t>(op.getRecentTokens());
  o.smoothQ = static_cast<bool>(op.getScoreCorrection());
  return o;
}

LogicalResult AttentionRowsOp::verify() {
  auto q = getQ().getType(), k = getK().getType(), v = getVT().getType();
  auto result = getResult().getType();
  for (auto [name, type] :
       {std::pair{"q", q}, {"k", k}, {"v_t", v}, {"result", result}}) {
    if (type.getRank() != 3)
      return emitOpError() << "expected " << name
                           << " to be rank 3 [heads, tokens, dim], but it has "
                              "rank "
                           << type.getRank();
    if (!type.hasStaticShape())
      return emitOpError() << "expected a static shape for " << name;
  }
  ArrayRef<int64_t> qs = q.getShape(), ks = k.getShape(), vs = v.getShape();
  if (ks[0] != qs[0] || vs[0] != qs[0])
    return emitOpError("q, k and v_t must have the same number of heads");
  if (ks[1] != vs[2] || ks[2] != qs[2])
    return emitOpError("expected k [G, Lk, D] and v_t [G, Dv, Lk] for q "
                       "[G, Lq, D]");
  if (result.getShape() != ArrayRef<int64_t>{qs[0], qs[1], vs[1]})
    return emitOpError() << "expected a result of shape [" << qs[0] << ", "
                         << qs[1] << ", " << vs[1] << "]";
  // Signed reads: the generated getters of I64Attr are unsigned.
  if (getKeyTileAttr().getInt() <= 0 || getSinkTokensAttr().getInt() < 0 ||
      getRecentTokensAttr().getInt() < 0)
    return emitOpError("key_tile must be positive, sink_tokens and "
                       "recent_tokens not negative");
  float scale = getSoftmaxScale().convertToFloat();
  if (!std::isfinite(scale) || scale <= 0.0f)
    return emitOpError("softmax_scale must be finite and positive");
  bool highPrecision =
      getSinkTokensAttr().getInt() > 0 || getRecentTokensAttr().getInt() > 0;
  if (static_cast<bool>(getQBf16()) != highPrecision)
    return emitOpError("q_bf16 and k_bf16 are given exactly when there are "
                       "sink or recent tokens");
  if (highPrecision && (getQBf16().getType() != q || getKBf16().getType() != k))
    return emitOpError("q_bf16 and k_bf16 must have the types of q and k");
  if (Value correction = getScoreCorrection()) {
    int64_t blocks = (qs[1] + static_cast<int64_t>(fp4::kQSmoothBlock) - 1) /
                     static_cast<int64_t>(fp4::kQSmoothBlock);
    auto type = cast<RankedTensorType>(correction.getType());
    if (type.getShape() != ArrayRef<int64_t>{qs[0], blocks, ks[1]})
      return emitOpError() << "expected score_correction of shape [" << qs[0]
                           << ", " << blocks << ", " << ks[1] << "]";
  }
  fp4::AttentionShape shape;
  shape.batch = 1;
  shape.heads = static_cast<uint64_t>(qs[0]);
  shape.lq = static_cast<uint64_t>(qs[1]);
  shape.lk = static_cast<uint64_t>(ks[1]);
  shape.d = static_cast<uint64_t>(qs[2]);
  shape.dv = static_cast<uint64_t>(vs[1]);
  std::string error =
      fp4::validateAttentionOptions(getAttentionOptions(*this), shape);
  if (!error.empty())
    return emitOpError() << error;
  return success();
}
