//===- ConstantQuantization.cpp - Quantizing constants at compile time ----===//
//
// Part of fp4-mlir. See ConstantQuantization.h.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/ConstantQuantization.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Numerics/Float16.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;
using namespace mlir::nvfp4;

FailureOr<ConstantBytes> nvfp4::getConstantBytes(ElementsAttr attr) {
  ConstantBytes bytes;
  Type elementType = attr.getElementType();
  if (elementType.isF32())
    bytes.type = fp4::ElementType::F32;
  else if (elementType.isBF16())
    bytes.type = fp4::ElementType::BF16;
  else if (elementType.isF16())
    bytes.type = fp4::ElementType::F16;
  else
    return failure();

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    size_t expected = attr.getNumElements() * fp4::elementSize(bytes.type);
    if (!blob || blob->getData().size() != expected)
      return failure();
    bytes.data = blob->getData().data();
    return bytes;
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat()) {
    bytes.data = raw.data();
    return bytes;
  }
  bytes.storage.reserve(raw.size() * dense.getNumElements());
  for (int64_t i = 0, e = dense.getNumElements(); i < e; ++i)
    bytes.storage.insert(bytes.storage.end(), raw.begin(), raw.end());
  bytes.data = bytes.storage.data();
  return bytes;
}

std::pair<RankedTensorType, RankedTensorType>
nvfp4::getQuantizedTypes(MLIRContext *context, int64_t rows, int64_t cols,
                         const fp4::QuantizeOptions &options) {
  Builder b(context);
  bool nvfp4 = options.format == fp4::Format::NVFP4;
  Type scaleType = nvfp4 ? Type(b.getType<Float8E4M3FNType>())
                         : Type(b.getType<Float8E8M0FNUType>());
  int64_t blockCols = cols / static_cast<int64_t>(fp4::blockSize(options.format));
  SmallVector<int64_t> scaleShape = {rows, blockCols};
  if (options.scaleLayout == fp4::ScaleLayout::Tcgen05)
    scaleShape = {rows / 128, blockCols / 4, 32, 4, 4};
  return {RankedTensorType::get({rows, cols / 2}, b.getI8Type()),
          RankedTensorType::get(scaleShape, scaleType)};
}

namespace {
/// A byte buffer that becomes a constant attribute of `type`: a
/// dense_resource blob (no copy) above the threshold, else a dense constant.
class ResultBuffer {
public:
  ResultBuffer(RankedTensorType type, StringRef name)
      : type(type), name(name) {
    size = type.getNumElements();
    if (size > kResourceThresholdBytes)
      blob = HeapAsmResourceBlob::allocate(size, alignof(uint64_t));
    else
      small.resize(size);
  }
  uint8_t *data() {
    return blob ? reinterpret_cast<uint8_t *>(blob->getMutableData().data())
                : small.data();
  }
  ElementsAttr finish() {
    if (blob)
      return DenseResourceElementsAttr::get(type, name, std::move(*blob));
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(reinterpret_cast<const char *>(small.data()),
                             small.size()));
  }
  size_t size;

private:
  RankedTensorType type;
  StringRef name;
  std::optional<AsmResourceBlob> blob;
  std::vector<uint8_t> small;
};
} // namespace

FailureOr<QuantizedConstant>
nvfp4::quantizeConstant(ElementsAttr input, const fp4::QuantizeOptions &options,
                        std::string &error) {
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  if (!inputType || inputType.getRank() != 2 || !inputType.hasStaticShape()) {
    error = "the constant is not a static rank-2 tensor";
    return failure();
  }
  FailureOr<ConstantBytes> bytes = getConstantBytes(input);
  if (failed(bytes)) {
    error = "the constant's elements are not available as f32, bf16 or f16 "
            "bytes";
    return failure();
  }
  uint64_t rows = inputType.getDimSize(0), cols = inputType.getDimSize(1);
  error = fp4::validateQuantizeOptions(options, rows, cols);
  if (!error.empty())
    return failure();

  int64_t outRows = options.transpose ? cols : rows;
  int64_t outCols = options.transpose ? rows : cols;
  auto [dataType, scalesType] =
      getQuantizedTypes(input.getContext(), outRows, outCols, options);
  ResultBuffer data(dataType, "nvfp4_data"), scales(scalesType, "nvfp4_scales");
  fp4::QuantizeResult result =
      fp4::quantize(bytes->data, bytes->type, rows, cols, options, data.data(),
                    data.size, scales.data(), scales.size);
  if (!result.ok) {
    error = result.error;
    return failure();
  }
  QuantizedConstant quantized;
  quantized.data = data.finish();
  quantized.scales = scales.finish();
  quantized.tensorScale = fp4::decodeTensorScale(options, result.info);
  quantized.info = result.info;
  return quantized;
}

/// The bytes of a constant this file produced; a small one may have been
/// stored as a splat, which is expanded into `storage`.
static const uint8_t *producedBytes(ElementsAttr attr,
                                    std::vector<uint8_t> &storage) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return reinterpret_cast<const uint8_t *>(
        resource.getRawHandle().getBlob()->getData().data());
  auto dense = cast<DenseElementsAttr>(attr);
  ArrayRef<char> raw = dense.getRawData();
  if (dense.isSplat())
    storage.assign(dense.getNumElements(), static_cast<uint8_t>(raw.front()));
  else
    storage.assign(raw.begin(), raw.end());
  return storage.data();
}

double nvfp4::relativeQuantizationError(ElementsAttr input,
                                        const QuantizedConstant &quantized,
                                        const fp4::QuantizeOptions &options) {
  FailureOr<ConstantBytes> bytes = getConstantBytes(input);
  if (failed(bytes))
    return std::nan("");
  auto inputType = cast<RankedTensorType>(input.getType());
  uint64_t inputCols = inputType.getDimSize(1);
  uint64_t R = options.transpose ? inputCols : inputType.getDimSize(0);
  uint64_t C = options.transpose ? inputType.getDimSize(0) : inputCols;
  uint64_t scaleCols = C / fp4::blockSize(options.format);
  std::vector<uint8_t> dataStorage, scaleStorage;
  const uint8_t *data = producedBytes(quantized.data, dataStorage);
  const uint8_t *scales = producedBytes(quantized.scales, scaleStorage);

  // Chunks of 128 rows: a whole tcgen05 scale tile row, so each chunk's
  // scales are contiguous in both layouts.
  constexpr uint64_t kChunk = 128;
  std::vector<float> decoded(kChunk * C), original(C);
  double errorSum = 0.0, normSum = 0.0;
  for (uint64_t r0 = 0; r0 < R; r0 += kChunk) {
    uint64_t rowsHere = std::min(kChunk, R - r0);
    uint64_t scaleOffset =
        options.scaleLayout == fp4::ScaleLayout::Tcgen05
            ? (r0 / 128) * ((scaleCols + 3) / 4) * 512
            : r0 * scaleCols;
    fp4::dequantize(data + r0 * C / 2, scales + scaleOffset, rowsHere, C,
                    options.format, options.scaleLayout,
                    quantized.tensorScale, decoded.data());
    for (uint64_t r = 0; r < rowsHere; ++r) {
      if (options.transpose)
        fp4::widenToFloat(bytes->data, bytes->type, r0 + r, inputCols, C,
                          original.data());
      else
        fp4::widenToFloat(bytes->data, bytes->type, (r0 + r) * C, 1, C,
                          original.data());
      for (uint64_t c = 0; c < C; ++c) {
        double x = original[c], y = decoded[r * C + c];
        if (!std::isfinite(x) || !std::isfinite(y))
          continue; // Non-finite inputs and NaN blocks have no error.
        errorSum += (x - y) * (x - y);
        normSum += x * x;
      }
    }
  }
  return normSum == 0.0 ? 0.0 : std::sqrt(errorSum / normSum);
}
