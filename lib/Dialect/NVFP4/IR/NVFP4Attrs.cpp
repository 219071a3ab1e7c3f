//===- NVFP4Attrs.cpp - nvfp4 attributes ----------------------------------===//
//
// Part of fp4-mlir. Attribute verifiers and helpers.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::nvfp4;

#include "fp4/Dialect/NVFP4/IR/NVFP4Enums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "fp4/Dialect/NVFP4/IR/NVFP4Attrs.cpp.inc"

void NVFP4Dialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "fp4/Dialect/NVFP4/IR/NVFP4Attrs.cpp.inc"
      >();
}

/// The largest ScaleSearch radius: E4M3 has 126 positive finite codes.
static constexpr int64_t kMaxSearchRadius = 126;

LogicalResult
ScaleRuleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      ScaleRuleKind kind, std::optional<ErrorMetric> metric,
                      std::optional<int64_t> radius) {
  bool isFourOverSix = kind == ScaleRuleKind::four_over_six;
  bool isSearch = kind == ScaleRuleKind::scale_search;
  if (isFourOverSix && !metric)
    return emitError() << "scale rule 'four_over_six' needs a metric "
                          "(metric = mse | mae | abs_max)";
  if (!isFourOverSix && metric)
    return emitError() << "scale rule '" << stringifyScaleRuleKind(kind)
                       << "' takes no metric; only 'four_over_six' does";
  if (isSearch && !radius)
    return emitError() << "scale rule 'scale_search' needs a radius "
                          "(radius = 1..126)";
  if (!isSearch && radius)
    return emitError() << "scale rule '" << stringifyScaleRuleKind(kind)
                       << "' takes no radius; only 'scale_search' does";
  if (radius && (*radius < 1 || *radius > kMaxSearchRadius))
    return emitError() << "scale_search radius must be in [1, "
                       << kMaxSearchRadius << "], got " << *radius;
  return success();
}

float ScaleRuleAttr::getTensorBound() const {
  return getKind() == ScaleRuleKind::four_over_six ? 256.0f : 448.0f;
}

float ScaleRuleAttr::getBlockTarget() const {
  return getKind() == ScaleRuleKind::static_4 ? 4.0f : 6.0f;
}

LogicalResult RoundingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   RoundingMode mode,
                                   std::optional<uint64_t> seed) {
  if (mode == RoundingMode::stochastic && !seed)
    return emitError() << "stochastic rounding needs a seed (seed = N)";
  if (mode == RoundingMode::nearest && seed)
    return emitError() << "round-to-nearest takes no seed";
  return success();
}

int64_t nvfp4::getBlockSize(Format format) {
  return format == Format::nvfp4 ? 16 : 32;
}

std::optional<Format> nvfp4::getFormatForScaleType(Type scaleElementType) {
  if (isa<Float8E4M3FNType>(scaleElementType))
    return Format::nvfp4;
  if (isa<Float8E8M0FNUType>(scaleElementType))
    return Format::mxfp4;
  return std::nullopt;
}
