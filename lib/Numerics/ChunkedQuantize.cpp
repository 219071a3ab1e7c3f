//===- ChunkedQuantize.cpp - Whole-tensor quantize in parallel row chunks -===//
//
// Part of fp4-mlir. See ChunkedQuantize.h.
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/ChunkedQuantize.h"

#include <algorithm>
#include <cmath>

namespace mlir::fp4 {

/// Copies columns [c0, c0 + count) of `input` as rows of `chunk`, in 32-row
/// tiles: a whole input column per step would thrash the cache sets.
template <typename Element>
static void transposeRows(const char *input, uint64_t rows, uint64_t cols,
                          uint64_t c0, uint64_t count, char *chunk) {
  auto *in = reinterpret_cast<const Element *>(input);
  auto *out = reinterpret_cast<Element *>(chunk);
  constexpr uint64_t kTile = 32;
  for (uint64_t r0 = 0; r0 < rows; r0 += kTile) {
    uint64_t r1 = std::min(rows, r0 + kTile);
    for (uint64_t c = 0; c < count; ++c)
      for (uint64_t r = r0; r < r1; ++r)
        out[c * rows + r] = in[r * cols + c0 + c];
  }
}

void copyTransposedRows(const void *input, ElementType type, uint64_t rows,
                        uint64_t cols, uint64_t c0, uint64_t count,
                        std::vector<char> &chunk) {
  size_t elementBytes = elementSize(type);
  chunk.resize(count * rows * elementBytes);
  const char *in = static_cast<const char *>(input);
  if (elementBytes == 2)
    transposeRows<uint16_t>(in, rows, cols, c0, count, chunk.data());
  else
    transposeRows<uint32_t>(in, rows, cols, c0, count, chunk.data());
}

QuantizeResult quantizeInChunks(const void *input, ElementType type,
                                uint64_t rows, uint64_t cols,
                                QuantizeOptions options, uint8_t *values,
                                uint64_t valuesBytes, uint8_t *scales,
                                uint64_t scalesBytes,
                                const ParallelForFn &parallelFor) {
  auto wholeTensor = [&] {
    return quantize(input, type, rows, cols, options, values, valuesBytes,
                    scales, scalesBytes);
  };
  // Invalid options and buffers get quantize()'s own error; 16x16 tiles
  // keep the whole-tensor call (their scales are per tile).
  if (rows == 0 || cols == 0 ||
      !validateQuantizeOptions(options, rows, cols).empty() ||
      valuesBytes != packedValuesBytes(options, rows, cols) ||
      scalesBytes != scaleBytes(options, rows, cols) ||
      options.rounding != Rounding::Nearest || options.block2D)
    return wholeTensor();
  if (options.format == Format::NVFP4 && !options.hasCalibratedAmax) {
    float amax = finiteAbsMax(input, type, rows * cols);
    if (!(amax > 0.0f) || !std::isfinite(amax))
      return wholeTensor();
    options.hasCalibratedAmax = true;
    options.amax = amax;
  }
  const bool transpose = options.transpose;
  options.transpose = false;
  uint64_t outRows = transpose ? cols : rows, outCols = transpose ? rows : cols;
  uint64_t scaleCols = outCols / blockSize(options.format);
  const uint64_t chunks =
      (outRows + kQuantizeChunkRows - 1) / kQuantizeChunkRows;
  const size_t elementBytes = elementSize(type);
  std::vector<QuantizeResult> parts(chunks);
  parallelFor(chunks, [&](size_t i) {
    uint64_t r0 = i * kQuantizeChunkRows;
    uint64_t count = std::min(kQuantizeChunkRows, outRows - r0);
    std::vector<char> chunk;
    const char *in =
        static_cast<const char *>(input) + r0 * outCols * elementBytes;
    if (transpose) {
      copyTransposedRows(input, type, rows, cols, r0, count, chunk);
      in = chunk.data();
    }
    parts[i] =
        quantize(in, type, count, outCols, options, values + r0 * outCols / 2,
                 packedValuesBytes(options, count, outCols),
                 scales + scaleOffset(options.scaleLayout, r0, 0, scaleCols),
                 scaleBytes(options, count, outCols));
  });
  QuantizeResult total;
  uint64_t nanBlocks = 0;
  for (const QuantizeResult &part : parts) {
    if (!part.ok)
      return part;
    nanBlocks += part.info.nanBlocks;
    total = part;
  }
  total.info.nanBlocks = nanBlocks;
  total.info.outRows = outRows;
  total.info.outCols = outCols;
  total.info.numBlocks = outRows * scaleCols;
  return total;
}

} // namespace mlir::fp4
