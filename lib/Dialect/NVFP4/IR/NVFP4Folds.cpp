//===- NVFP4Folds.cpp - nvfp4 constant folding ----------------------------===//
//
// Part of fp4-mlir. Folding goes through the numerics library, so folded
// bytes are exactly what every other path (CPU, GPU, fp4-quantize) produces:
// the compiler never holds a second implementation of the numerics.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/ConstantQuantization.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::nvfp4;

void nvfp4::toNumerics(ScaleRuleAttr rule, fp4::ScaleRule &kind,
                       fp4::ErrorMetric &metric, int &radius) {
  switch (rule.getKind()) {
  case ScaleRuleKind::static_6:
    kind = fp4::ScaleRule::Static6;
    break;
  case ScaleRuleKind::static_4:
    kind = fp4::ScaleRule::Static4;
    break;
  case ScaleRuleKind::four_over_six:
    kind = fp4::ScaleRule::FourOverSix;
    break;
  case ScaleRuleKind::scale_search:
    kind = fp4::ScaleRule::ScaleSearch;
    break;
  case ScaleRuleKind::exact:
    kind = fp4::ScaleRule::Exact;
    break;
  }
  if (std::optional<ErrorMetric> m = rule.getMetric())
    metric = *m == ErrorMetric::mse   ? fp4::ErrorMetric::MSE
             : *m == ErrorMetric::mae ? fp4::ErrorMetric::MAE
                                      : fp4::ErrorMetric::AbsMax;
  if (std::optional<int64_t> r = rule.getRadius())
    radius = static_cast<int>(*r);
}

ScaleRuleAttr nvfp4::getScaleRuleAttr(MLIRContext *context, fp4::ScaleRule kind,
                                      fp4::ErrorMetric metric, int radius) {
  switch (kind) {
  case fp4::ScaleRule::Static6:
    return ScaleRuleAttr::get(context, ScaleRuleKind::static_6, std::nullopt,
                              std::nullopt);
  case fp4::ScaleRule::Static4:
    return ScaleRuleAttr::get(context, ScaleRuleKind::static_4, std::nullopt,
                              std::nullopt);
  case fp4::ScaleRule::FourOverSix:
    return ScaleRuleAttr::get(context, ScaleRuleKind::four_over_six,
                              metric == fp4::ErrorMetric::MSE ? ErrorMetric::mse
                              : metric == fp4::ErrorMetric::MAE
                                  ? ErrorMetric::mae
                                  : ErrorMetric::abs_max,
                              std::nullopt);
  case fp4::ScaleRule::ScaleSearch:
    return ScaleRuleAttr::get(context, ScaleRuleKind::scale_search,
                              std::nullopt, static_cast<int64_t>(radius));
  case fp4::ScaleRule::Exact:
    return ScaleRuleAttr::get(context, ScaleRuleKind::exact, std::nullopt,
                              std::nullopt);
  }
  return {};
}

fp4::QuantizeOptions nvfp4::getQuantizeOptions(QuantizeOp op) {
  fp4::QuantizeOptions options;
  options.format = toNumerics(op.getFormat());
  toNumerics(op.getRule(), options.rule, options.metric, options.searchRadius);
  options.block2D = op.getBlockShape() == BlockShape::tile_16x16;
  options.transpose = op.getTranspose();
  options.scaleLayout = toNumerics(op.getScaleLayout());
  RoundingAttr rounding = op.getRounding();
  if (rounding.getMode() == RoundingMode::stochastic) {
    options.rounding = fp4::Rounding::Stochastic;
    options.seed = rounding.getSeed().value_or(0);
  }
  return options;
}

OpFoldResult AmaxOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_if_present<ElementsAttr>(adaptor.getInput());
  if (!input)
    return {};
  FailureOr<ConstantBytes> bytes = getConstantBytes(input);
  if (failed(bytes))
    return {};
  return FloatAttr::get(getType(), fp4::finiteAbsMax(bytes->data, bytes->type,
                                                     input.getNumElements()));
}

LogicalResult QuantizeOp::fold(FoldAdaptor adaptor,
                               SmallVectorImpl<OpFoldResult> &results) {
  auto input = dyn_cast_if_present<ElementsAttr>(adaptor.getInput());
  if (!input || !getData().getType().hasStaticShape())
    return failure();
  fp4::QuantizeOptions options = getQuantizeOptions(*this);
  if (getAmax()) {
    auto amax = dyn_cast_if_present<FloatAttr>(adaptor.getAmax());
    if (!amax)
      return failure();
    options.hasCalibratedAmax = true;
    options.amax = amax.getValue().convertToFloat();
  }
  std::string error;
  FailureOr<QuantizedConstant> quantized =
      quantizeConstant(input, options, error);
  if (failed(quantized))
    return failure(); // The verifier admits what the library accepts.
  results.push_back(quantized->data);
  results.push_back(quantized->scales);
  results.push_back(
      FloatAttr::get(getTensorScale().getType(), quantized->tensorScale));
  return success();
}

OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) {
  auto data = dyn_cast_if_present<DenseElementsAttr>(adaptor.getData());
  auto scales = dyn_cast_if_present<DenseElementsAttr>(adaptor.getScales());
  auto tensorScale = dyn_cast_if_present<FloatAttr>(adaptor.getTensorScale());
  RankedTensorType resultType = getResult().getType();
  if (!data || !scales || !tensorScale || !resultType.hasStaticShape() ||
      resultType.getNumElements() > kMaxFoldElements)
    return {};
  // Packed codes (i8) and scales (f8) both hold one byte per element.
  std::vector<uint8_t> dataStorage, scaleStorage;
  const uint8_t *dataBytes = getQuantizedBytes(data, dataStorage);
  const uint8_t *scaleBytes = getQuantizedBytes(scales, scaleStorage);
  Format format = *getFormatForScaleType(scales.getElementType());
  ScaleLayout layout = getScales().getType().getRank() == 5
                           ? ScaleLayout::tcgen05
                           : ScaleLayout::row_major;
  int64_t rows = resultType.getDimSize(0), cols = resultType.getDimSize(1);
  std::vector<float> out(rows * cols);
  std::string error = fp4::dequantize(
      dataBytes, scaleBytes, rows, cols, toNumerics(format), toNumerics(layout),
      tensorScale.getValue().convertToFloat(), out.data());
  if (!error.empty())
    return {};
  if (resultType.getElementType().isF32())
    return DenseElementsAttr::get(resultType, ArrayRef<float>(out));
  // bf16/f16 results: round each fp32 value to nearest even.
  SmallVector<APFloat> narrowed;
  narrowed.reserve(out.size());
  const llvm::fltSemantics &semantics =
      cast<FloatType>(resultType.getElementType()).getFloatSemantics();
  for (float v : out) {
    APFloat value(v);
    bool losesInfo = false;
    value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    narrowed.push_back(value);
  }
  return DenseElementsAttr::get(resultType, narrowed);
}
