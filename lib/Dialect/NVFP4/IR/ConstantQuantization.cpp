//===- ConstantQuantization.cpp - Quantizing constants at compile time ----===//
//
// Part of fp4-mlir. See ConstantQuantization.h.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/ConstantQuantization.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Numerics/ChunkedQuantize.h"
#include "fp4/Numerics/Float16.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Threading.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::nvfp4;

std::string nvfp4::checkFoldLimits(int64_t elements,
                                   const fp4::QuantizeOptions &options) {
  int64_t candidates = 1;
  switch (options.rule) {
  case fp4::ScaleRule::Static6:
  case fp4::ScaleRule::Static4:
    break;
  case fp4::ScaleRule::FourOverSix:
    candidates = 2;
    break;
  case fp4::ScaleRule::ScaleSearch:
    candidates = 2 * int64_t(options.searchRadius) + 1;
    break;
  case fp4::ScaleRule::Exact:
    candidates = 16;
    break;
  }
  if (elements > kMaxFoldElements)
    return llvm::formatv("{0} elements exceed the compile-time limit of 2^28",
                         elements)
        .str();
  if (elements * candidates > kMaxFoldWork)
    return llvm::formatv("{0} elements x {1} scale candidates per block "
                         "exceed the compile-time budget of 2^32 evaluations",
                         elements, candidates)
        .str();
  return "";
}

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
  if (dense.getNumElements() > kMaxFoldElements)
    return failure();
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
  int64_t blockCols =
      cols / static_cast<int64_t>(fp4::blockSize(options.format));
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
  ResultBuffer(RankedTensorType type, StringRef name) : type(type), name(name) {
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

/// fp4::copyTransposedRows for the bytes of a constant.
static void copyTransposedRows(const ConstantBytes &bytes, uint64_t rows,
                               uint64_t cols, uint64_t c0, uint64_t count,
                               std::vector<char> &chunk) {
  fp4::copyTransposedRows(bytes.data, bytes.type, rows, cols, c0, count, chunk);
}

FailureOr<QuantizedConstant>
nvfp4::quantizeConstant(ElementsAttr input, const fp4::QuantizeOptions &options,
                        std::string &error) {
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  if (!inputType || inputType.getRank() != 2 || !inputType.hasStaticShape()) {
    error = "the constant is not a static rank-2 tensor";
    return failure();
  }
  uint64_t rows = inputType.getDimSize(0), cols = inputType.getDimSize(1);
  error = fp4::validateQuantizeOptions(options, rows, cols);
  if (error.empty())
    error = checkFoldLimits(inputType.getNumElements(), options);
  if (!error.empty())
    return failure();
  FailureOr<ConstantBytes> bytes = getConstantBytes(input);
  if (failed(bytes)) {
    error = "the constant's elements are not available as f32, bf16 or f16 "
            "bytes";
    return failure();
  }

  int64_t outRows = options.transpose ? cols : rows;
  int64_t outCols = options.transpose ? rows : cols;
  int64_t blockCols =
      outCols / static_cast<int64_t>(fp4::blockSize(options.format));
  if (options.scaleLayout == fp4::ScaleLayout::Tcgen05 &&
      (outRows % 128 != 0 || blockCols % 4 != 0)) {
    // The library pads such scales; the nvfp4 tensor types cannot.
    error = "the tcgen05 scale layout needs rows in multiples of 128 and "
            "block columns in multiples of 4";
    return failure();
  }
  auto [dataType, scalesType] =
      getQuantizedTypes(input.getContext(), outRows, outCols, options);
  ResultBuffer data(dataType, "nvfp4_data"), scales(scalesType, "nvfp4_scales");
  // 128 result rows at a time over MLIR's thread pool (one at a time under
  // --mlir-disable-threading); the bytes are those of one whole-tensor call
  // for any number of threads (test/Dialect/NVFP4/fold-threads.mlir). A
  // transposed whole-tensor call would also read the input with a stride of
  // a full row, about three times slower on a 4096 x 14336 weight.
  MLIRContext *context = input.getContext();
  fp4::QuantizeResult result = fp4::quantizeInChunks(
      bytes->data, bytes->type, rows, cols, options, data.data(), data.size,
      scales.data(), scales.size,
      [context](size_t count, const std::function<void(size_t)> &body) {
        parallelFor(context, 0, count, body);
      });
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

const uint8_t *nvfp4::getQuantizedBytes(ElementsAttr attr,
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
  const uint8_t *data = getQuantizedBytes(quantized.data, dataStorage);
  const uint8_t *scales = getQuantizedBytes(quantized.scales, scaleStorage);

  // Chunks of 128 rows: a whole tcgen05 scale tile row, so each chunk's
  // scales are contiguous in both layouts.
  constexpr uint64_t kChunk = 128;
  std::vector<float> decoded(kChunk * C), original(C);
  std::vector<char> transposed;
  double errorSum = 0.0, normSum = 0.0;
  for (uint64_t r0 = 0; r0 < R; r0 += kChunk) {
    uint64_t rowsHere = std::min(kChunk, R - r0);
    uint64_t scaleOffset =
        fp4::scaleOffset(options.scaleLayout, r0, 0, scaleCols);
    fp4::dequantize(data + r0 * C / 2, scales + scaleOffset, rowsHere, C,
                    options.format, options.scaleLayout, quantized.tensorScale,
                    decoded.data());
    const char *rowsSource = bytes->data;
    uint64_t firstRow = r0;
    if (options.transpose) {
      copyTransposedRows(*bytes, C, inputCols, r0, rowsHere, transposed);
      rowsSource = transposed.data();
      firstRow = 0;
    }
    for (uint64_t r = 0; r < rowsHere; ++r) {
      fp4::widenToFloat(rowsSource, bytes->type, (firstRow + r) * C, 1, C,
                        original.data());
      for (uint64_t c = 0; c < C; ++c) {
        double x = original[c], y = decoded[r * C + c];
        // Non-finite inputs and NaN blocks have no error; a finite value
        // decoded as +-Inf (scale overflow) makes the error infinite.
        if (!std::isfinite(x) || std::isnan(y))
          continue;
        errorSum += (x - y) * (x - y);
        normSum += x * x;
      }
    }
  }
  return normSum == 0.0 ? 0.0 : std::sqrt(errorSum / normSum);
}
