//===- BlockQuantize.h - Whole-tensor NVFP4 / MXFP4 quantization -*- C++
//-*-===//
//
// Quantizes a rows x cols row-major tensor (f32, bf16 or f16) into packed
// E2M1 values and block scales, and dequantizes them. The per-block numerics
// and their exact fp32 operation order are in ScaleRules.h; docs/numerics.md
// is the full contract.
//
// Layout. The quantized matrix has R x C elements: R = rows, C = cols, or
// R = cols, C = rows with `transpose`. Blocks run along C: 16 elements
// (NVFP4) or 32 (MXFP4); `block2D` (NVFP4 only) uses 16 x 16 tiles and
// repeats the tile's scale byte on its 16 rows. Values: R x C/2 bytes,
// row-major, element 2j in the low nibble. Scales: the R x C/B scale matrix,
// row-major, or in the tcgen05 128x4 layout (tcgen05ScaleOffset).
//
// Special values (see docs/numerics.md):
//   - The tensor amax is the maximum of |x| over the finite elements; NaN and
//     +-Inf are ignored. A calibrated amax must be finite and positive.
//   - A block (or 2-D tile) containing a NaN gets the NaN scale byte (0x7F for
//     NVFP4, 0xFF for MXFP4) and all-zero codes, so it dequantizes to NaN.
//   - +-Inf is clamped to +-amax (NVFP4) or +-FLT_MAX (MXFP4) before the block
//     is quantized, i.e. it saturates to the largest value the tensor scale
//     was built for.
//   - amax = 0 (all zeros, or no finite non-zero element), or an amax so small
//     that divisor / amax overflows fp32 (amax < about 2^-116): every scale
//     byte and code is 0.
//   - Block scales below half the smallest E4M3 subnormal (2^-10) flush the
//     block: scale 0x00, codes 0. Denormal inputs are ordinary values (the
//     library never enables flush-to-zero).
//   - -0.0 and negative values that round to zero keep their sign (code 0x8),
//     except in a zero-scale block, where all codes are 0.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_BLOCKQUANTIZE_H
#define FP4_NUMERICS_BLOCKQUANTIZE_H

#include "fp4/Numerics/Float16.h"
#include "fp4/Numerics/ScaleRules.h"

#include <cstdint>
#include <string>

namespace mlir::fp4 {

/// Layout of the scale buffer.
enum class ScaleLayout { RowMajor, Tcgen05 };

/// The ScaleSearch radius range, in scale codes, of every interface (the
/// library, fp4-quantize, the dialect, Python): radius 0 would be the
/// max-based scale alone (static_6), and E4M3 has 126 positive finite codes.
inline constexpr int kMinSearchRadius = 1;
inline constexpr int kMaxSearchRadius = 126;

/// Options of quantize().
struct QuantizeOptions {
  Format format = Format::NVFP4;
  ScaleRule rule = ScaleRule::Static6;
  /// Four Over Six metric; ScaleSearch and Exact require MSE.
  ErrorMetric metric = ErrorMetric::MSE;
  /// ScaleSearch radius in scale codes: kMinSearchRadius..kMaxSearchRadius.
  int searchRadius = 1;
  /// 16 x 16 tiles (NVFP4 only; R must be a multiple of 16).
  bool block2D = false;
  /// Quantize the transpose (blocks along the input's rows).
  bool transpose = false;
  ScaleLayout scaleLayout = ScaleLayout::RowMajor;
  Rounding rounding = Rounding::Nearest;
  /// Seed of stochastic rounding.
  uint64_t seed = 0;
  /// Use `amax` (calibrated, NVFP4 only) instead of the tensor's own amax.
  bool hasCalibratedAmax = false;
  float amax = 0.0f;
};

/// What quantize() used and produced.
struct QuantizeInfo {
  /// Tensor amax used (1 for MXFP4, which has no tensor scale).
  float amax = 0.0f;
  /// Dequantization divisor Q*M: 2688 (static_6, search, exact), 1792
  /// (static_4), 1536 (four_over_six); 1 for MXFP4.
  float divisor = 1.0f;
  uint64_t outRows = 0;   ///< R.
  uint64_t outCols = 0;   ///< C.
  uint64_t numBlocks = 0; ///< Scale-matrix entries (R * C / B).
  uint64_t nanBlocks = 0; ///< Blocks (or tiles) that got the NaN scale.
};

/// Result of quantize(): `ok`, or `error` with a readable message.
struct QuantizeResult {
  bool ok = false;
  std::string error;
  QuantizeInfo info;
};

/// Block length along C: 16 (NVFP4) or 32 (MXFP4).
uint64_t blockSize(Format format);

/// Sets format-independent rule fields of `options` from a rule spelling:
/// static_6 | static_4 | mse | mae | abs_max (four_over_six with that metric)
/// | search:R | exact. Returns "" or an error message.
std::string parseRuleSpec(const std::string &spec, QuantizeOptions &options);

/// The spelling parseRuleSpec accepts for the rule of `options`.
std::string ruleSpecName(const QuantizeOptions &options);

/// Checks `options` for a rows x cols input; returns "" or an error message.
std::string validateQuantizeOptions(const QuantizeOptions &options,
                                    uint64_t rows, uint64_t cols);

/// Bytes of the packed value buffer: R * C / 2.
uint64_t packedValuesBytes(const QuantizeOptions &options, uint64_t rows,
                           uint64_t cols);

/// Bytes of the scale buffer: R * C/B row-major, or the 128 x 4 padded size
/// (R rounded up to 128) * (C/B rounded up to 4) for tcgen05.
uint64_t scaleBytes(const QuantizeOptions &options, uint64_t rows,
                    uint64_t cols);

/// Byte offset of scale (r, c) of an R x scaleCols scale matrix in the
/// tcgen05 / cuBLAS 128x4 layout (algorithms.md 1.4): tile
/// t = (r/128) * ceil(scaleCols/4) + c/4, offset 512*t + 16*(r mod 32) +
/// 4*((r mod 128)/32) + (c mod 4).
uint64_t tcgen05ScaleOffset(uint64_t r, uint64_t c, uint64_t scaleCols);

/// Byte offset of scale (r, c) in `layout`.
uint64_t scaleOffset(ScaleLayout layout, uint64_t r, uint64_t c,
                     uint64_t scaleCols);

/// Maximum |x| over the finite elements of a buffer (NaN, Inf ignored).
float finiteAbsMax(const void *input, ElementType type, uint64_t count);

/// Quantizes `input` (rows x cols, row-major, `type`) into `values`
/// (packedValuesBytes) and `scales` (scaleBytes; padding is zero-filled).
/// Nothing is written unless the options and buffer sizes are valid.
QuantizeResult quantize(const void *input, ElementType type, uint64_t rows,
                        uint64_t cols, const QuantizeOptions &options,
                        uint8_t *values, uint64_t valuesBytes, uint8_t *scales,
                        uint64_t scalesBytes);

/// Dequantizes an R x C quantized matrix into `out` (R * C floats):
/// NVFP4 x = ((e2m1 * e4m3(scale)) * amax) / divisor, MXFP4
/// x = e2m1 * 2^(scale - 127), in fp32 in that order. A NaN scale byte gives
/// NaN. Returns "" or an error message.
std::string dequantize(const uint8_t *values, const uint8_t *scales,
                       uint64_t outRows, uint64_t outCols, Format format,
                       ScaleLayout layout, float amax, float divisor,
                       float *out);

/// Dequantizes with the decode tensor scale g that decodeTensorScale()
/// returns (the form the nvfp4 dialect carries): x = (e2m1 * scale) * g in
/// fp32, for NVFP4 and MXFP4 alike. e2m1 * scale is exact.
std::string dequantize(const uint8_t *values, const uint8_t *scales,
                       uint64_t outRows, uint64_t outCols, Format format,
                       ScaleLayout layout, float tensorScale, float *out);

/// The fp32 decode tensor scale g of a quantize() result: 1 / (Q*M / amax),
/// the value the quantizer multiplies block scales by (g_dec of
/// algorithms.md section 2); 0 when the tensor was quantized to all zeros
/// (amax 0, or Q*M / amax not finite); 1 for MXFP4.
float decodeTensorScale(const QuantizeOptions &options,
                        const QuantizeInfo &info);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_BLOCKQUANTIZE_H
