//===- NVFP4Folds.cpp - nvfp4 constant folding ----------------------------===//
//
// Part of fp4-mlir. Folding goes through the numerics library, so folded
// bytes are exactly what every other path (CPU, GPU, fp4-quantize) produces:
// the compiler never holds a second implementation of the numerics.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::nvfp4;

fp4::QuantizeOptions nvfp4::getQuantizeOptions(QuantizeOp op) {
  fp4::QuantizeOptions options;
  options.format =
      op.getFormat() == Format::nvfp4 ? fp4::Format::NVFP4 : fp4::Format::MXFP4;
  ScaleRuleAttr rule = op.getRule();
  switch (rule.getKind()) {
  case ScaleRuleKind::static_6:
    options.rule = fp4::ScaleRule::Static6;
    break;
  case ScaleRuleKind::static_4:
    options.rule = fp4::ScaleRule::Static4;
    break;
  case ScaleRuleKind::four_over_six:
    options.rule = fp4::ScaleRule::FourOverSix;
    break;
  case ScaleRuleKind::scale_search:
    options.rule = fp4::ScaleRule::ScaleSearch;
    break;
  case ScaleRuleKind::exact:
    options.rule = fp4::ScaleRule::Exact;
    break;
  }
  if (std::optional<ErrorMetric> metric = rule.getMetric())
    options.metric = *metric == ErrorMetric::mse   ? fp4::ErrorMetric::MSE
                     : *metric == ErrorMetric::mae ? fp4::ErrorMetric::MAE
                                                   : fp4::ErrorMetric::AbsMax;
  if (std::optional<int64_t> radius = rule.getRadius())
    options.searchRadius = static_cast<int>(*radius);
  options.block2D = op.getBlockShape() == BlockShape::tile_16x16;
  options.transpose = op.getTranspose();
  options.scaleLayout = op.getScaleLayout() == ScaleLayout::tcgen05
                            ? fp4::ScaleLayout::Tcgen05
                            : fp4::ScaleLayout::RowMajor;
  RoundingAttr rounding = op.getRounding();
  if (rounding.getMode() == RoundingMode::stochastic) {
    options.rounding = fp4::Rounding::Stochastic;
    options.seed = rounding.getSeed().value_or(0);
  }
  return options;
}

/// The elements of a constant float tensor, widened (exactly) to fp32.
static std::vector<float> toFloats(DenseElementsAttr attr) {
  std::vector<float> values;
  values.reserve(attr.getNumElements());
  for (APFloat v : attr.getValues<APFloat>()) {
    bool losesInfo = false;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    values.push_back(v.convertToFloat());
  }
  return values;
}

/// A constant of `type` (8-bit elements) holding `bytes`.
static DenseElementsAttr bytesAttr(ShapedType type, ArrayRef<uint8_t> bytes) {
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                           bytes.size()));
}

OpFoldResult AmaxOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (!input)
    return {};
  std::vector<float> values = toFloats(input);
  return FloatAttr::get(
      getType(),
      fp4::finiteAbsMax(values.data(), fp4::ElementType::F32, values.size()));
}

LogicalResult QuantizeOp::fold(FoldAdaptor adaptor,
                               SmallVectorImpl<OpFoldResult> &results) {
  auto input = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
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
  ArrayRef<int64_t> shape = getInput().getType().getShape();
  std::vector<float> values = toFloats(input);
  std::vector<uint8_t> data(getData().getType().getNumElements());
  std::vector<uint8_t> scales(getScales().getType().getNumElements());
  fp4::QuantizeResult result = fp4::quantize(
      values.data(), fp4::ElementType::F32, shape[0], shape[1], options,
      data.data(), data.size(), scales.data(), scales.size());
  if (!result.ok)
    return failure(); // The verifier admits what the library accepts.
  results.push_back(bytesAttr(getData().getType(), data));
  results.push_back(bytesAttr(getScales().getType(), scales));
  results.push_back(
      FloatAttr::get(getTensorScale().getType(),
                     fp4::decodeTensorScale(options, result.info)));
  return success();
}

OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) {
  auto data = dyn_cast_if_present<DenseElementsAttr>(adaptor.getData());
  auto scales = dyn_cast_if_present<DenseElementsAttr>(adaptor.getScales());
  auto tensorScale = dyn_cast_if_present<FloatAttr>(adaptor.getTensorScale());
  RankedTensorType resultType = getResult().getType();
  if (!data || !scales || !tensorScale || !resultType.hasStaticShape())
    return {};
  auto rawBytes = [](DenseElementsAttr attr) {
    std::vector<uint8_t> bytes;
    bytes.reserve(attr.getNumElements());
    for (APInt v : attr.getValues<APInt>())
      bytes.push_back(static_cast<uint8_t>(v.getZExtValue()));
    return bytes;
  };
  // 8-bit float scales are read through their bit patterns.
  std::vector<uint8_t> scaleBytes;
  scaleBytes.reserve(scales.getNumElements());
  for (APFloat v : scales.getValues<APFloat>())
    scaleBytes.push_back(
        static_cast<uint8_t>(v.bitcastToAPInt().getZExtValue()));
  std::vector<uint8_t> dataBytes = rawBytes(data);

  Format format = *getFormatForScaleType(scales.getElementType());
  bool tcgen05 = getScales().getType().getRank() == 5;
  int64_t rows = resultType.getDimSize(0), cols = resultType.getDimSize(1);
  std::vector<float> out(rows * cols);
  std::string error = fp4::dequantize(
      dataBytes.data(), scaleBytes.data(), rows, cols,
      format == Format::nvfp4 ? fp4::Format::NVFP4 : fp4::Format::MXFP4,
      tcgen05 ? fp4::ScaleLayout::Tcgen05 : fp4::ScaleLayout::RowMajor,
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
