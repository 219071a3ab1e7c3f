//===- BlockQuantize.cpp - Whole-tensor NVFP4 / MXFP4 quantization --------===//

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/QuantizeKernels.h"
#include "fp4/Numerics/UE8M0.h"

#include <cfloat>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "FusedKernelApi.h"

namespace mlir::fp4 {

namespace {
/// Rows of the tile processed together: 16 for 2-D blocks, else 1.
constexpr uint64_t kTile = 16;

uint64_t outRowsOf(const QuantizeOptions &o, uint64_t rows, uint64_t cols) {
  return o.transpose ? cols : rows;
}
uint64_t outColsOf(const QuantizeOptions &o, uint64_t rows, uint64_t cols) {
  return o.transpose ? rows : cols;
}
uint64_t roundUp(uint64_t v, uint64_t m) { return (v + m - 1) / m * m; }
} // namespace

uint64_t blockSize(Format format) { return format == Format::NVFP4 ? 16 : 32; }

std::string parseRuleSpec(const std::string &spec, QuantizeOptions &o) {
  o.metric = ErrorMetric::MSE;
  if (spec == "static_6") {
    o.rule = ScaleRule::Static6;
  } else if (spec == "static_4") {
    o.rule = ScaleRule::Static4;
  } else if (spec == "mse" || spec == "mae" || spec == "abs_max") {
    o.rule = ScaleRule::FourOverSix;
    o.metric = spec == "mse"   ? ErrorMetric::MSE
               : spec == "mae" ? ErrorMetric::MAE
                               : ErrorMetric::AbsMax;
  } else if (spec == "exact") {
    o.rule = ScaleRule::Exact;
  } else if (spec.compare(0, 7, "search:") == 0) {
    std::string digits = spec.substr(7);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return "bad search radius in '" + spec + "' (expected search:R, R in " +
             std::to_string(kMinSearchRadius) + ".." +
             std::to_string(kMaxSearchRadius) + ")";
    o.rule = ScaleRule::ScaleSearch;
    o.searchRadius = std::stoi(digits);
  } else {
    return "unknown scale rule '" + spec +
           "' (expected static_6, static_4, mse, mae, abs_max, search:R or "
           "exact)";
  }
  return "";
}

std::string ruleSpecName(const QuantizeOptions &o) {
  switch (o.rule) {
  case ScaleRule::Static6:
    return "static_6";
  case ScaleRule::Static4:
    return "static_4";
  case ScaleRule::FourOverSix:
    return o.metric == ErrorMetric::MSE   ? "mse"
           : o.metric == ErrorMetric::MAE ? "mae"
                                          : "abs_max";
  case ScaleRule::ScaleSearch:
    return "search:" + std::to_string(o.searchRadius);
  case ScaleRule::Exact:
    return "exact";
  }
  return "";
}

std::string validateQuantizeOptions(const QuantizeOptions &o, uint64_t rows,
                                    uint64_t cols) {
  if (rows == 0 || cols == 0)
    return "the shape must have at least one row and one column";
  if (rows > (uint64_t(1) << 40) / cols)
    return "the tensor is too large (more than 2^40 elements)";
  uint64_t outRows = outRowsOf(o, rows, cols),
           outCols = outColsOf(o, rows, cols);
  uint64_t b = blockSize(o.format);
  const char *name = o.format == Format::NVFP4 ? "nvfp4" : "mxfp4";
  if (outCols % b != 0)
    return "the quantized dimension has " + std::to_string(outCols) +
           " elements, which is not a multiple of the " + name +
           " block size " + std::to_string(b);
  if (o.format == Format::MXFP4 && o.rule == ScaleRule::FourOverSix)
    return "four_over_six applies to nvfp4 only (it needs E4M3 block scales); "
           "use static_6, static_4, scale_search or exact with mxfp4";
  if (o.block2D && o.format != Format::NVFP4)
    return "2-D (16x16) block scaling applies to nvfp4 only";
  if (o.block2D && outRows % kTile != 0)
    return "2-D block scaling needs a multiple of 16 rows, got " +
           std::to_string(outRows);
  if (o.metric != ErrorMetric::MSE && o.rule != ScaleRule::FourOverSix)
    return "the error metric applies to four_over_six only; scale_search and "
           "exact minimize the squared error";
  if (o.rule == ScaleRule::ScaleSearch &&
      (o.searchRadius < kMinSearchRadius || o.searchRadius > kMaxSearchRadius))
    return "the search radius must be in [" + std::to_string(kMinSearchRadius) +
           ", " + std::to_string(kMaxSearchRadius) + "], got " +
           std::to_string(o.searchRadius);
  if (o.hasCalibratedAmax) {
    if (o.format != Format::NVFP4)
      return "a calibrated amax applies to nvfp4 only (mxfp4 has no tensor "
             "scale)";
    if (!std::isfinite(o.amax) || !(o.amax > 0.0f))
      return "the calibrated amax must be finite and positive";
  }
  return "";
}

uint64_t packedValuesBytes(const QuantizeOptions &o, uint64_t rows,
                           uint64_t cols) {
  return outRowsOf(o, rows, cols) * (outColsOf(o, rows, cols) / 2);
}

uint64_t scaleBytes(const QuantizeOptions &o, uint64_t rows, uint64_t cols) {
  uint64_t r = outRowsOf(o, rows, cols);
  uint64_t c = outColsOf(o, rows, cols) / blockSize(o.format);
  if (o.scaleLayout == ScaleLayout::Tcgen05)
    return roundUp(r, 128) * roundUp(c, 4);
  return r * c;
}

uint64_t tcgen05ScaleOffset(uint64_t r, uint64_t c, uint64_t scaleCols) {
  uint64_t tile = (r / 128) * (roundUp(scaleCols, 4) / 4) + c / 4;
  return 512 * tile + 16 * (r % 32) + 4 * ((r % 128) / 32) + (c % 4);
}

uint64_t scaleOffset(ScaleLayout layout, uint64_t r, uint64_t c,
                     uint64_t scaleCols) {
  return layout == ScaleLayout::Tcgen05 ? tcgen05ScaleOffset(r, c, scaleCols)
                                        : r * scaleCols + c;
}

namespace {
using RowGroupFn = uint64_t (*)(const fused::KernelRule &, const void *, bool,
                                uint64_t, uint64_t, uint8_t *, uint64_t,
                                uint8_t *);

bool cpuHasAVX2() {
#ifdef FP4_FUSED_HAVE_AVX2
  __builtin_cpu_init(); // Harmless when already done; needed before main.
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

KernelIsa defaultIsa() {
  const char *env = std::getenv("FP4_NUMERICS_ISA");
  if (env && std::strcmp(env, "baseline") == 0)
    return KernelIsa::Baseline;
  return cpuHasAVX2() ? KernelIsa::AVX2 : KernelIsa::Baseline;
}

std::atomic<int> &isaSlot() {
  static std::atomic<int> slot(static_cast<int>(defaultIsa()));
  return slot;
}

RowGroupFn rowGroupFn() {
#ifdef FP4_FUSED_HAVE_AVX2
  if (activeKernelIsa() == KernelIsa::AVX2)
    return fused::avx2::quantizeRowGroup;
#endif
  return fused::baseline::quantizeRowGroup;
}
} // namespace

float finiteAbsMax(const void *input, ElementType type, uint64_t count) {
#ifdef FP4_FUSED_HAVE_AVX2
  if (activeKernelIsa() == KernelIsa::AVX2)
    return fused::avx2::finiteAbsMax(input, type, count);
#endif
  return fused::baseline::finiteAbsMax(input, type, count);
}

bool kernelIsaAvailable(KernelIsa isa) {
  return isa == KernelIsa::Baseline || cpuHasAVX2();
}

KernelIsa activeKernelIsa() {
  return static_cast<KernelIsa>(isaSlot().load(std::memory_order_relaxed));
}

bool setKernelIsa(KernelIsa isa) {
  if (!kernelIsaAvailable(isa))
    return false;
  isaSlot().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

const char *kernelIsaName(KernelIsa isa) {
  return isa == KernelIsa::AVX2 ? "avx2" : "baseline";
}

QuantizeResult quantize(const void *input, ElementType type, uint64_t rows,
                        uint64_t cols, const QuantizeOptions &o,
                        uint8_t *values, uint64_t valuesBytes, uint8_t *scales,
                        uint64_t scalesBytes) {
  // Stochastic rounding keeps the block-at-a-time implementation.
  if (o.rounding == Rounding::Stochastic)
    return quantizeReference(input, type, rows, cols, o, values, valuesBytes,
                             scales, scalesBytes);
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
  info.outRows = outRowsOf(o, rows, cols);
  info.outCols = outColsOf(o, rows, cols);
  const uint64_t b = blockSize(o.format), scaleCols = info.outCols / b;
  info.numBlocks = info.outRows * scaleCols;
  // Every value byte is written below; only the tcgen05 padding needs this.
  if (o.scaleLayout == ScaleLayout::Tcgen05)
    std::memset(scales, 0, scaleBytes(o, rows, cols));

  fused::KernelRule k;
  k.format = o.format;
  k.rule = o.rule;
  k.metric = o.metric;
  k.radius = o.searchRadius;
  k.blockLen = b;
  k.block2D = o.block2D;
  k.infClamp = FLT_MAX;
  k.nanByte = o.format == Format::NVFP4 ? kE4M3NaN : kUE8M0NaN;
  k.top = o.format == Format::NVFP4 ? kMaxNVFP4Byte : kMaxMXFP4Code;
  if (o.format == Format::NVFP4) {
    info.amax =
        o.hasCalibratedAmax ? o.amax : finiteAbsMax(input, type, rows * cols);
    k.ts = tensorScaleForRule(o.rule, info.amax);
    info.divisor = k.ts.divisor;
    k.infClamp = info.amax;
    // All-zero output but for NaN blocks, which keep the NaN scale
    // (docs/numerics.md).
    k.zeroTensor = !usableTensorScale(k.ts);
  } else {
    info.amax = 1.0f;
    info.divisor = 1.0f;
  }
  std::vector<float> tab(8 * 256, 0.0f);
  if (!k.zeroTensor) {
    std::vector<ScaleCandidate> table = makeCandidateTable(o.format, k.ts);
    for (int byte = 0; byte < 256; ++byte) {
      tab[8 * byte] = table[byte].r;
      for (int j = 1; j < 8; ++j)
        tab[8 * byte + j] = table[byte].xhat[j];
    }
  }
  k.tab = tab.data();

  RowGroupFn run = rowGroupFn();
  const uint64_t groupRows = o.block2D ? kTile : 1;
  // bf16 and f32 rows are read in place; f16 and the transpose go through
  // an fp32 copy of the group's rows.
  const bool direct = !o.transpose && type != ElementType::F16;
  std::vector<float> buf(direct ? 0 : groupRows * info.outCols);
  std::vector<uint8_t> blockBytes(scaleCols);
  for (uint64_t row0 = 0; row0 < info.outRows; row0 += groupRows) {
    uint8_t *valuesRow = values + row0 * (info.outCols / 2);
    if (direct) {
      const char *src = static_cast<const char *>(input) +
                        row0 * cols * elementSize(type);
      info.nanBlocks += run(k, src, type == ElementType::BF16, cols,
                            info.outCols, valuesRow, info.outCols / 2,
                            blockBytes.data());
    } else {
      for (uint64_t r = 0; r < groupRows; ++r) {
        float *dst = buf.data() + r * info.outCols;
        if (o.transpose) // Output row i is input column i.
          widenToFloat(input, type, row0 + r, cols, rows, dst);
        else
          widenToFloat(input, type, (row0 + r) * cols, 1, cols, dst);
      }
      info.nanBlocks += run(k, buf.data(), false, info.outCols, info.outCols,
                            valuesRow, info.outCols / 2, blockBytes.data());
    }
    for (uint64_t r = 0; r < groupRows; ++r) {
      if (o.scaleLayout == ScaleLayout::RowMajor) {
        std::memcpy(scales + (row0 + r) * scaleCols, blockBytes.data(),
                    scaleCols);
        continue;
      }
      for (uint64_t c = 0; c < scaleCols; ++c)
        scales[tcgen05ScaleOffset(row0 + r, c, scaleCols)] = blockBytes[c];
    }
  }
  result.ok = true;
  return result;
}

/// Decodes every element as finish(e2m1 * scale) into `out`.
template <typename Finish>
static std::string dequantizeWith(const uint8_t *values, const uint8_t *scales,
                                  uint64_t outRows, uint64_t outCols,
                                  Format format, ScaleLayout layout,
                                  Finish finish, float *out) {
  uint64_t b = blockSize(format);
  if (outRows == 0 || outCols == 0 || outCols % b != 0)
    return "the quantized shape must be non-empty with a multiple of " +
           std::to_string(b) + " columns";
  uint64_t scaleCols = outCols / b;
  for (uint64_t r = 0; r < outRows; ++r) {
    for (uint64_t c = 0; c < outCols; ++c) {
      uint8_t byte = scales[scaleOffset(layout, r, c / b, scaleCols)];
      float e = e2m1Decode(unpackE2M1(values + r * (outCols / 2), c));
      float scale =
          format == Format::NVFP4 ? e4m3Decode(byte) : ue8m0Decode(byte);
      out[r * outCols + c] = finish(e * scale);
    }
  }
  return "";
}

std::string dequantize(const uint8_t *values, const uint8_t *scales,
                       uint64_t outRows, uint64_t outCols, Format format,
                       ScaleLayout layout, float amax, float divisor,
                       float *out) {
  bool nvfp4 = format == Format::NVFP4;
  float a = decodeAmax(amax), d = decodeDivisor(amax, divisor);
  return dequantizeWith(
      values, scales, outRows, outCols, format, layout,
      [&](float es) { return nvfp4 ? (es * a) / d : es; }, out);
}

std::string dequantize(const uint8_t *values, const uint8_t *scales,
                       uint64_t outRows, uint64_t outCols, Format format,
                       ScaleLayout layout, float tensorScale, float *out) {
  return dequantizeWith(
      values, scales, outRows, outCols, format, layout,
      [&](float es) { return es * tensorScale; }, out);
}

float decodeTensorScale(const QuantizeOptions &options,
                        const QuantizeInfo &info) {
  if (options.format == Format::MXFP4)
    return 1.0f;
  TensorScale ts = tensorScaleForRule(options.rule, info.amax);
  if (!usableTensorScale(ts))
    return 0.0f; // The tensor was quantized to all zeros.
  return ts.gDec;
}

} // namespace mlir::fp4
