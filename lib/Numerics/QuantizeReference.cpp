//===- QuantizeReference.cpp - The per-block quantize() kept as a reference ===//
//
// quantizeReference(): the whole-tensor quantizer as it was before the fused
// row kernel (FusedKernel.h), one block at a time through quantizeBlock().
// quantize() still uses it for stochastic rounding; for round to nearest it is
// the oracle that unittests/Numerics/Fused.cpp compares the fused kernel with,
// byte for byte.
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/QuantizeKernels.h"
#include "fp4/Numerics/UE8M0.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <vector>

namespace mlir::fp4 {

namespace {
/// The finite amax as the library computed it before the fused kernel.
float referenceFiniteAbsMax(const void *input, ElementType type, uint64_t count) {
  const uint64_t chunk = 4096;
  float buf[chunk];
  float m = 0.0f;
  for (uint64_t first = 0; first < count; first += chunk) {
    uint64_t n = count - first < chunk ? count - first : chunk;
    widenToFloat(input, type, first, 1, n, buf);
    // Running maxima of 16 interleaved lanes so that the loop vectorizes;
    // the values are non-negative and never NaN, so the maximum does not
    // depend on the order.
    float lanes[16] = {};
    uint64_t i = 0;
    for (; i + 16 <= n; i += 16)
      for (int l = 0; l < 16; ++l) {
        float a = std::fabs(buf[i + l]);
        a = a <= FLT_MAX ? a : 0.0f; // NaN and Inf fail the test.
        lanes[l] = a > lanes[l] ? a : lanes[l];
      }
    for (; i < n; ++i) {
      float a = std::fabs(buf[i]);
      m = (a <= FLT_MAX && a > m) ? a : m;
    }
    for (float a : lanes)
      m = a > m ? a : m;
  }
  return m;
}

/// Rows of the tile processed together: 16 for 2-D blocks, else 1.
constexpr uint64_t kTile = 16;
/// Copies 16 elements into a block, clamping +-Inf to +-infClamp; returns
/// whether one is NaN. Fixed length and branch-free so that it vectorizes.
bool cleanChunk16(const float *src, float infClamp, float *dst) {
  int nan = 0;
  for (int k = 0; k < 16; ++k) {
    float v = src[k];
    nan |= v != v;
    float clamped = std::copysign(infClamp, v);
    dst[k] = std::fabs(v) == INFINITY ? clamped : v;
  }
  return nan != 0;
}

/// Packs 16 codes into 8 bytes (packE2M1).
void packChunk16(const uint8_t *codes, uint8_t *dst) {
  for (int j = 0; j < 8; ++j)
    dst[j] = static_cast<uint8_t>((codes[2 * j] & 0xF) |
                                  ((codes[2 * j + 1] & 0xF) << 4));
}

/// Quantizes the blocks of one group of rows (1, or 16 for 2-D tiles).
class Quantizer {
public:
  Quantizer(const QuantizeOptions &o, const BlockRule &rule, float infClamp,
            bool zeroTensor,
            uint64_t outRows, uint64_t outCols, uint8_t *values,
            uint8_t *scales)
      : o(o), rule(rule), infClamp(infClamp), zeroTensor(zeroTensor),
        outCols(outCols),
        blockLen(o.block2D ? kTile : blockSize(o.format)),
        groupRows(o.block2D ? kTile : 1),
        scaleCols(outCols / blockSize(o.format)), values(values),
        scales(scales) {
    (void)outRows;
  }

  /// Quantizes output rows [row0, row0 + groupRows) held in `rowsF32`
  /// (groupRows x outCols); returns the number of NaN blocks.
  uint64_t run(uint64_t row0, const float *rowsF32) {
    uint64_t nanBlocks = 0;
    const uint64_t n = blockLen * groupRows;
    float x[kMaxBlockElements], u[kMaxBlockElements];
    uint8_t codes[kMaxBlockElements];
    for (uint64_t col0 = 0, block = 0; col0 < outCols;
         col0 += blockLen, ++block) {
      bool hasNaN = false;
      for (uint64_t r = 0; r < groupRows; ++r)
        for (uint64_t k = 0; k < blockLen; k += 16)
          hasNaN |= cleanChunk16(rowsF32 + r * outCols + col0 + k, infClamp,
                                 x + r * blockLen + k);
      if (o.rounding == Rounding::Stochastic)
        for (uint64_t r = 0; r < groupRows; ++r)
          for (uint64_t k = 0; k < blockLen; ++k)
            u[r * blockLen + k] =
                stochasticOffset(o.seed, (row0 + r) * outCols + col0 + k);
      uint8_t byte;
      if (hasNaN) {
        ++nanBlocks;
        byte = o.format == Format::NVFP4 ? kE4M3NaN : kUE8M0NaN;
        std::memset(codes, 0, n);
      } else if (zeroTensor) {
        byte = 0;
        std::memset(codes, 0, n);
      } else {
        byte = quantizeBlock(x, n, rule,
                             o.rounding == Rounding::Stochastic ? u : nullptr,
                             codes);
      }
      for (uint64_t r = 0; r < groupRows; ++r) {
        uint8_t *dst = values + ((row0 + r) * outCols + col0) / 2;
        for (uint64_t k = 0; k < blockLen; k += 16)
          packChunk16(codes + r * blockLen + k, dst + k / 2);
        scales[scaleOffset(o.scaleLayout, row0 + r, block, scaleCols)] = byte;
      }
    }
    return nanBlocks;
  }

private:
  const QuantizeOptions &o;
  const BlockRule &rule;
  float infClamp;
  /// Every block that holds no NaN is zero (amax 0 or too small).
  bool zeroTensor;
  uint64_t outCols, blockLen, groupRows, scaleCols;
  uint8_t *values, *scales;
};
} // namespace

QuantizeResult quantizeReference(const void *input, ElementType type, uint64_t rows,
                        uint64_t cols, const QuantizeOptions &o,
                        uint8_t *values, uint64_t valuesBytes, uint8_t *scales,
                        uint64_t scalesBytes) {
  QuantizeResult result;
  result.error = validateQuantizeOptions(o, rows, cols);
  if (!result.error.empty())
    return result;
  if (valuesBytes < packedValuesBytes(o, rows, cols) ||
      scalesBytes < scaleBytes(o, rows, cols)) {
    result.error = "the output buffers are too small";
    return result;
  }
  QuantizeInfo &info = result.info;
  info.outRows = o.transpose ? cols : rows;
  info.outCols = o.transpose ? rows : cols;
  info.numBlocks = info.outRows * (info.outCols / blockSize(o.format));
  std::memset(values, 0, packedValuesBytes(o, rows, cols));
  std::memset(scales, 0, scaleBytes(o, rows, cols));

  BlockRule rule;
  rule.format = o.format;
  rule.rule = o.rule;
  rule.metric = o.metric;
  rule.searchRadius = o.searchRadius;
  float infClamp = FLT_MAX;
  bool zeroTensor = false;
  if (o.format == Format::NVFP4) {
    info.amax =
        o.hasCalibratedAmax ? o.amax : referenceFiniteAbsMax(input, type, rows * cols);
    rule.ts = tensorScaleForRule(o.rule, info.amax);
    info.divisor = rule.ts.divisor;
    infClamp = info.amax;
    // All-zero output but for NaN blocks, which keep the NaN scale
    // (docs/numerics.md).
    zeroTensor = !usableTensorScale(rule.ts);
  } else {
    info.amax = 1.0f;
    info.divisor = 1.0f;
  }

  std::vector<ScaleCandidate> table;
  if (!zeroTensor) {
    table = makeCandidateTable(o.format, rule.ts);
    rule.table = table.data();
  }
  Quantizer q(o, rule, infClamp, zeroTensor, info.outRows, info.outCols,
              values, scales);
  uint64_t groupRows = o.block2D ? kTile : 1;
  std::vector<float> buf(groupRows * info.outCols);
  for (uint64_t row0 = 0; row0 < info.outRows; row0 += groupRows) {
    for (uint64_t r = 0; r < groupRows; ++r) {
      float *dst = buf.data() + r * info.outCols;
      if (o.transpose) // Output row i is input column i.
        widenToFloat(input, type, row0 + r, cols, rows, dst);
      else
        widenToFloat(input, type, (row0 + r) * cols, 1, cols, dst);
    }
    info.nanBlocks += q.run(row0, buf.data());
  }
  result.ok = true;
  return result;
}


} // namespace mlir::fp4
