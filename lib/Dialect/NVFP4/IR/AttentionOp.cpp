//===- AttentionOp.cpp - nvfp4.attention ----------------------------------===//
//
// Part of fp4-mlir. The attention op's verifier and its numerics-library
// options. The option checks are the library's own
// (validateAttentionOptions), so the op accepts exactly what the reference
// computes.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include <cmath>

using namespace mlir;
using namespace mlir::nvfp4;

static fp4::OperandRule operandRule(ScaleRuleAttr rule) {
  fp4::OperandRule r; // static_6 when absent.
  if (rule)
    toNumerics(rule, r.rule, r.metric, r.searchRadius);
  return r;
}

fp4::AttentionOptions nvfp4::getAttentionOptions(AttentionOp op) {
  fp4::AttentionOptions o;
  if (std::optional<APFloat> scale = op.getSoftmaxScale())
    o.softmaxScale = scale->convertToFloat();
  o.causal = op.getCausal();
  o.keyTile = static_cast<uint64_t>(op.getKeyTile());
  o.format = toNumerics(op.getFormat());
  o.q = operandRule(op.getQRuleAttr());
  o.k = operandRule(op.getKRuleAttr());
  o.v = operandRule(op.getVRuleAttr());
  o.p = operandRule(op.getPRuleAttr());
  o.qkvTensorScale = op.getQkvTensorScale();
  o.smoothK = op.getKSmoothing();
  o.smoothQ = op.getQSmoothing();
  o.pMode = op.getPMode() == PMode::direct ? fp4::PMode::Direct
                                           : fp4::PMode::TwoLevel;
  o.hadamard = op.getRotate();
  o.sinkTokens = static_cast<uint64_t>(op.getSinkTokens());
  o.recentTokens = static_cast<uint64_t>(op.getRecentTokens());
  return o;
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(),
       v = getValue().getType();
  auto result = getResult().getType();
  for (auto [name, type] : {std::pair{"query", q}, {"key", k}, {"value", v},
                            {"result", result}}) {
    if (type.getRank() != 4)
      return emitOpError() << "expected the " << name
                           << " to be rank 4 [batch, heads, tokens, dim], "
                              "but it has rank "
                           << type.getRank();
    if (!type.hasStaticShape())
      return emitOpError() << "expected a static shape for the " << name
                           << " (the lowerings take static shapes only)";
  }
  ArrayRef<int64_t> qs = q.getShape(), ks = k.getShape(), vs = v.getShape(),
                    rs = result.getShape();
  if (ks[0] != qs[0] || vs[0] != qs[0] || ks[1] != qs[1] || vs[1] != qs[1])
    return emitOpError("query, key and value must have the same batch and "
                       "head sizes");
  if (ks[2] != vs[2])
    return emitOpError() << "key and value must have the same number of "
                            "tokens, but have "
                         << ks[2] << " and " << vs[2];
  if (ks[3] != qs[3])
    return emitOpError() << "query and key must have the same head dim, but "
                            "have "
                         << qs[3] << " and " << ks[3];
  if (rs[0] != qs[0] || rs[1] != qs[1] || rs[2] != qs[2] || rs[3] != vs[3])
    return emitOpError() << "expected a result of shape [" << qs[0] << ", "
                         << qs[1] << ", " << qs[2] << ", " << vs[3] << "]";
  // Signed reads: the generated getters of I64Attr are unsigned.
  if (getKeyTileAttr().getInt() <= 0 || getSinkTokensAttr().getInt() < 0 ||
      getRecentTokensAttr().getInt() < 0)
    return emitOpError("key_tile must be positive, sink_tokens and "
                       "recent_tokens not negative");
  if (std::optional<APFloat> scale = getSoftmaxScale()) {
    float s = scale->convertToFloat();
    if (!std::isfinite(s) || s <= 0.0f)
      return emitOpError("softmax_scale must be finite and positive");
  }
  fp4::AttentionShape shape;
  shape.batch = static_cast<uint64_t>(qs[0]);
  shape.heads = static_cast<uint64_t>(qs[1]);
  shape.lq = static_cast<uint64_t>(qs[2]);
  shape.lk = static_cast<uint64_t>(ks[2]);
  shape.d = static_cast<uint64_t>(qs[3]);
  shape.dv = static_cast<uint64_t>(vs[3]);
  std::string error = fp4::validateAttentionOptions(getAttentionOptions(*this),
                                                    shape);
  if (!error.empty())
    return emitOpError() << error;
  return success();
}
