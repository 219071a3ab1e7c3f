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
  options.format = toNumerics(op.getFormat());
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
  options.scaleLayout = toNumerics(op.getScaleLayout());
  RoundingAttr rounding = op.getRounding();
  if (rounding.getMode() == RoundingMode::stochastic) {
    options.rounding = fp4::Rounding::Stochastic;
    options.seed = rounding.getSeed().value_or(0);
  }
  return options;
}

/// The storage of a constant as the numerics library reads it: every
/// element's little-endian bytes, in row-major order (a splat is expanded).
static std::vector<char> rawElements(DenseElementsAttr attr) {
  ArrayRef<char> raw = attr.getRawData();
  if (!attr.isSplat())
    return std::vector<char>(raw.begin(), raw.end());
  std::vector<char> expanded;
  expanded.reserve(raw.size() * attr.getNumElements());
  for (int64_t i = 0, e = attr.getNumElements(); i < e; ++i)
    expanded.insert(expanded.end(), raw.begin(), raw.end());
  return expanded;
}

/// The numerics library's name for a float tensor element type.
static fp4::ElementType numericsElementType(Type type) {
  if (type.isBF16())
    return fp4::ElementType::BF16;
  if (type.isF16())
    return fp4::ElementType::F16;
  return fp4::ElementType::F32; // The op's type constraint admits no other.
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
  std::vector<char> values = rawElements(input);
  return FloatAttr::get(
      getType(), fp4::finiteAbsMax(values.data(),
                                   numericsElementType(input.getElementType()),
                                   input.getNumElements()));
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
  std::vector<char> values = rawElements(input);
  std::vector<uint8_t> data(getData().getType().getNumElements());
  std::vector<uint8_t> scales(getScales().getType().getNumElements());
  fp4::QuantizeResult result =
      fp4::quantize(values.data(), numericsElementType(input.getElementType()),
                    shape[0], shape[1], options, data.data(), data.size(),
                    scales.data(), scales.size());
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
  // Packed codes (i8) and scales (f8) both hold one byte per element.
  std::vector<char> dataBytes = rawElements(data);
  std::vector<char> scaleBytes = rawElements(scales);
  Format format = *getFormatForScaleType(scales.getElementType());
  ScaleLayout layout = getScales().getType().getRank() == 5
                           ? ScaleLayout::tcgen05
                           : ScaleLayout::row_major;
  int64_t rows = resultType.getDimSize(0), cols = resultType.getDimSize(1);
  std::vector<float> out(rows * cols);
  std::string error =
      fp4::dequantize(reinterpret_cast<const uint8_t *>(dataBytes.data()),
                      reinterpret_cast<const uint8_t *>(scaleBytes.data()),
                      rows, cols, toNumerics(format), toNumerics(layout),
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
