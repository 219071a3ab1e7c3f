//===- QuantizeCheckpoint.h - Streaming safetensors -> NVFP4 ----*- C++ -*-===//
//
// Converts a safetensors checkpoint into the ModelOpt NVFP4 layout
// (ModelOpt.h), one tensor at a time: the output header is computed from the
// input header, written first, and each tensor is then read, quantized in
// parallel row chunks (ChunkedQuantize.h) and written at its offset. Only
// the tensor in flight and its outputs are in memory. Everything goes to
// temporary files in the output directory that are renamed at the end and
// removed on any error, so a failed run leaves no partial output.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CHECKPOINT_QUANTIZECHECKPOINT_H
#define FP4_CHECKPOINT_QUANTIZECHECKPOINT_H

#include "fp4/Checkpoint/ModelOpt.h"

#include <functional>

namespace mlir::fp4::checkpoint {

/// Progress after a piece of work: input bytes done of the total, and the
/// tensor in flight.
using ProgressFn =
    std::function<void(uint64_t doneBytes, uint64_t totalBytes, size_t tensor,
                       size_t tensors, llvm::StringRef name)>;

struct ConvertOptions {
  std::string input;     ///< A .safetensors file.
  std::string outputDir; ///< Created if missing.
  PlanOptions plan;
  unsigned threads = 1; ///< Worker threads for the row chunks (>= 1).
  ProgressFn progress;  ///< Optional.
};

/// What happened to one quantized weight.
struct TensorReport {
  std::string name;
  uint64_t rows = 0, cols = 0;
  std::string dtype;
  std::string rule;
  float amax = 0.0f;         ///< Tensor amax used.
  float weightScale2 = 0.0f; ///< The decode tensor scale written.
  /// ||dequantized - input||_F / ||input||_F over the finite inputs (NaN
  /// blocks left out), in double.
  double relativeError = 0.0;
  uint64_t nanBlocks = 0;
  bool hasInputScale = false;
  float inputScale = 0.0f;
};

struct ConvertResult {
  std::vector<TensorReport> quantized; ///< In input order.
  size_t copied = 0;
  uint64_t inputBytes = 0, outputBytes = 0;
  std::vector<std::string> excludeModules;
  bool wroteConfig = false; ///< config.json was present and written.
};

/// Runs the conversion. Writes <outputDir>/model.safetensors,
/// hf_quant_config.json and, when the input's directory has a config.json,
/// a copy with "quantization_config" set.
llvm::Expected<ConvertResult> convertCheckpoint(const ConvertOptions &options);

} // namespace mlir::fp4::checkpoint

#endif // FP4_CHECKPOINT_QUANTIZECHECKPOINT_H
