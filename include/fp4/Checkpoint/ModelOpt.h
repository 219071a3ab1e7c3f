//===- ModelOpt.h - The NVFP4 checkpoint layout of NVIDIA ModelOpt -*- C++ -*-//
//
// Which tensors of a checkpoint become NVFP4 and what is written for them, in
// the layout NVIDIA's Model Optimizer exports and vLLM / TensorRT-LLM load
// (docs/checkpoints.md gives the sources). A linear layer's `X.weight`
// [N, K] becomes
//   X.weight          U8 [N, K/2]       two E2M1 codes a byte, even element in
//                                       the low nibble
//   X.weight_scale    F8_E4M3 [N, K/16] one block scale per 16 elements
//   X.weight_scale_2  F32 []            the decode tensor scale g
//   X.input_scale     F32 []            activation decode scale (calibration)
// and a loader dequantizes e2m1 * e4m3(weight_scale) * weight_scale_2. Every
// other tensor is copied unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CHECKPOINT_MODELOPT_H
#define FP4_CHECKPOINT_MODELOPT_H

#include "fp4/Checkpoint/Safetensors.h"
#include "fp4/Numerics/BlockQuantize.h"

#include "llvm/Support/JSON.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::fp4::checkpoint {

/// NVFP4 block length ("group_size").
inline constexpr uint64_t kGroupSize = 16;

/// A scale rule for the modules a glob pattern matches.
struct RuleBinding {
  std::string pattern;
  std::string spec; ///< The rule as written.
  QuantizeOptions options;
};

/// Parses `--rule` text: "PATTERN=RULE", or "RULE" for every module. RULE is
/// one of the library's spellings (static_6, static_4, mse, mae, abs_max,
/// search:R, exact) or the dialect's (four_over_six, four_over_six:METRIC,
/// scale_search:R). four_over_six alone means metric mse, as in the
/// dialect's passes.
llvm::Expected<RuleBinding> parseRuleBinding(llvm::StringRef text);

/// Whether glob `pattern` matches module name `module` or one of its
/// suffixes that starts after a '.': "mlp.*" matches
/// "model.layers.0.mlp.down_proj", "lm_head" matches "lm_head" and
/// "model.lm_head", "*norm*" matches any name containing "norm". A pattern
/// that is not a valid glob matches nothing (parseRuleBinding and
/// checkPattern reject it first).
bool matchesModule(llvm::StringRef pattern, llvm::StringRef module);

/// Returns "" or why `pattern` is not a valid glob.
std::string checkPattern(llvm::StringRef pattern);

/// Modules left unquantized even when their weight is 2-D: embeddings, the
/// output head, norms, and MoE routers.
const std::vector<std::string> &defaultExcludePatterns();

/// Reads a calibration file: a JSON object mapping module names to the
/// activation amax seen at the module's input (finite, > 0).
llvm::Expected<std::map<std::string, float>>
readCalibration(llvm::StringRef path);

/// The fused layer a module is loaded into, or "": vLLM loads
/// PREFIX.{q,k,v}_proj as one qkv_proj and PREFIX.{gate,up}_proj as one
/// gate_up_proj, and uses the maximum of their weight_scale_2 (and
/// input_scale) for the whole fused weight. So the members of a group are
/// quantized against one amax, the maximum of theirs, and must use rules
/// with the same tensor scale divisor; then their weight_scale_2 are equal.
std::string fusedGroupOf(llvm::StringRef module);

/// What to quantize and how.
struct PlanOptions {
  /// First match wins; modules no rule matches use four_over_six (mse).
  std::vector<RuleBinding> rules;
  /// Added to defaultExcludePatterns().
  std::vector<std::string> excludes;
  /// Module -> activation amax; empty: no input_scale is written.
  std::map<std::string, float> calibration;
};

/// One input tensor and what becomes of it.
struct TensorPlan {
  TensorInfo input;
  bool quantize = false;
  std::string module; ///< Name without ".weight" (quantized tensors).
  std::string ruleSpec;
  QuantizeOptions options;
  std::string fusedGroup; ///< fusedGroupOf(module).
  ElementType type = ElementType::F32;
  uint64_t rows = 0, cols = 0;
  bool hasInputScale = false;
  float inputScale = 0.0f;
  /// Output data-buffer offsets: the copy or X.weight, then (quantized)
  /// X.weight_scale, X.weight_scale_2 and X.input_scale.
  uint64_t weightOffset = 0, scaleOffset = 0, scale2Offset = 0,
           inputScaleOffset = 0;
};

/// The whole output file, computed from the input header alone.
struct CheckpointPlan {
  std::vector<TensorPlan> tensors; ///< In input data order.
  std::vector<OutputTensor> outputs;
  /// The output file's first bytes (length and header JSON).
  std::string header;
  /// Modules of 2-D weights that stay unquantized, sorted.
  std::vector<std::string> excludeModules;
  uint64_t outputBytes = 0; ///< Whole output file.
};

/// Plans the conversion of the safetensors file `fileName` with `header`.
/// Errors (with the file and tensor names): a tensor that would be
/// quantized but has a dtype other than BF16/F16/F32 or a K that is not a
/// multiple of 16, a name clash with an output tensor, calibration entries
/// missing for a quantized module, and members of a fused group with rules
/// of different tensor scales. The members of a fused group share the
/// largest input_scale of the group.
llvm::Expected<CheckpointPlan> planCheckpoint(llvm::StringRef fileName,
                                              const SafetensorsHeader &header,
                                              const PlanOptions &options);

/// The activation decode scale written as input_scale for activation amax
/// `amax`: the library's standard tensor scale 1 / (2688 / amax), which a
/// loader inverts to quantize activations with the standard 6 * 448 rule.
float inputScaleFromAmax(float amax);

/// hf_quant_config.json.
llvm::json::Value hfQuantConfig(const std::vector<std::string> &excludeModules);

/// config.json's "quantization_config", as ModelOpt derives it from
/// hf_quant_config.json.
llvm::json::Value
configQuantizationConfig(const std::vector<std::string> &excludeModules);

} // namespace mlir::fp4::checkpoint

#endif // FP4_CHECKPOINT_MODELOPT_H
