//===- NVFP4Attrs.cpp - nvfp4 attributes ----------------------------------===//
//
// Part of fp4-mlir. Attribute verifiers and helpers.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Numerics/BlockQuantize.h"

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


/// A rule parameter is required by its `owner` rule and refused by others.
static LogicalResult
checkRuleParameter(function_ref<InFlightDiagnostic()> emitError,
                   ScaleRuleKind kind, ScaleRuleKind owner, bool present,
                   StringRef name, StringRef syntax) {
  if (kind == owner && !present)
    return emitError() << "scale rule '" << stringifyScaleRuleKind(owner)
                       << "' needs a " << name << " (" << syntax << ")";
  if (kind != owner && present)
    return emitError() << "scale rule '" << stringifyScaleRuleKind(kind)
                       << "' takes no " << name << "; only '"
                       << stringifyScaleRuleKind(owner) << "' does";
  return success();
}

LogicalResult
ScaleRuleAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      ScaleRuleKind kind, std::optional<ErrorMetric> metric,
                      std::optional<int64_t> radius) {
  if (failed(checkRuleParameter(emitError, kind, ScaleRuleKind::four_over_six,
                                metric.has_value(), "metric",
                                "metric = mse | mae | abs_max")) ||
      failed(checkRuleParameter(emitError, kind, ScaleRuleKind::scale_search,
                                radius.has_value(), "radius",
                                "radius = 1..126")))
    return failure();
  // One range everywhere: the numerics library's.
  if (radius && (*radius < fp4::kMinSearchRadius ||
                 *radius > fp4::kMaxSearchRadius))
    return emitError() << "scale_search radius must be in ["
                       << fp4::kMinSearchRadius << ", "
                       << fp4::kMaxSearchRadius << "], got " << *radius;
  return success();
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

fp4::Format nvfp4::toNumerics(Format format) {
  return format == Format::nvfp4 ? fp4::Format::NVFP4 : fp4::Format::MXFP4;
}

fp4::ScaleLayout nvfp4::toNumerics(ScaleLayout layout) {
  return layout == ScaleLayout::tcgen05 ? fp4::ScaleLayout::Tcgen05
                                        : fp4::ScaleLayout::RowMajor;
}

int64_t nvfp4::getBlockSize(Format format) {
  return fp4::blockSize(toNumerics(format));
}

std::optional<Format> nvfp4::getFormatForScaleType(Type scaleElementType) {
  if (isa<Float8E4M3FNType>(scaleElementType))
    return Format::nvfp4;
  if (isa<Float8E8M0FNUType>(scaleElementType))
    return Format::mxfp4;
  return std::nullopt;
}
