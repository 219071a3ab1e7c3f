//===- ModelOpt.cpp - The NVFP4 checkpoint layout of NVIDIA ModelOpt ------===//
//
// Part of fp4-mlir. See ModelOpt.h.
//
//===----------------------------------------------------------------------===//

#include "fp4/Checkpoint/ModelOpt.h"
#include "fp4/Numerics/ScaleRules.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

using namespace llvm;

namespace mlir::fp4::checkpoint {

static Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

Expected<RuleBinding> parseRuleBinding(StringRef text) {
  RuleBinding binding;
  auto [pattern, spec] = text.rsplit('=');
  if (!text.contains('=')) {
    spec = pattern;
    pattern = "*";
  }
  if (pattern.empty())
    return fail("--rule '" + text + "': empty pattern before '='");
  std::string problem = checkPattern(pattern);
  if (!problem.empty())
    return fail("--rule '" + text + "': " + problem);
  binding.pattern = pattern.str();
  binding.spec = spec.str();
  // The dialect's spellings, mapped onto the library's.
  std::string librarySpec = spec.str();
  if (spec == "four_over_six")
    librarySpec = "mse";
  else if (spec.consume_front("four_over_six:"))
    librarySpec = spec.str();
  else if (spec.consume_front("scale_search:"))
    librarySpec = "search:" + spec.str();
  std::string error = parseRuleSpec(librarySpec, binding.options);
  if (error.empty()) // The radius range; a 16 x 16 shape is always valid.
    error = validateQuantizeOptions(binding.options, kGroupSize, kGroupSize);
  if (!error.empty())
    return fail("--rule '" + text + "': " + error +
                (StringRef(error).starts_with("unknown")
                     ? " (the dialect's four_over_six[:METRIC] and "
                       "scale_search:R are accepted too)"
                     : ""));
  return binding;
}

std::string checkPattern(StringRef pattern) {
  Expected<GlobPattern> glob = GlobPattern::create(pattern);
  if (!glob)
    return "bad pattern '" + pattern.str() + "': " + toString(glob.takeError());
  return "";
}

bool matchesModule(StringRef pattern, StringRef module) {
  Expected<GlobPattern> glob = GlobPattern::create(pattern);
  if (!glob) {
    consumeError(glob.takeError());
    return false;
  }
  for (;;) {
    if (glob->match(module))
      return true;
    size_t dot = module.find('.');
    if (dot == StringRef::npos)
      return false;
    module = module.drop_front(dot + 1);
  }
}

const std::vector<std::string> &defaultExcludePatterns() {
  static const std::vector<std::string> patterns = {
      "*embed*", "*lm_head*", "*norm*", "wte", "wpe", "mlp.gate", "*router*"};
  return patterns;
}

Expected<std::map<std::string, float>> readCalibration(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return fail(path + ": cannot read the calibration file: " +
                buffer.getError().message());
  Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed)
    return fail(path + ": the calibration file is not valid JSON: " +
                toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return fail(path + ": the calibration file must be a JSON object "
                       "mapping module names to activation amax values");
  std::map<std::string, float> amax;
  for (const auto &[key, value] : *root) {
    std::optional<double> number = value.getAsNumber();
    float a = number ? static_cast<float>(*number) : 0.0f;
    if (!number || !(a > 0.0f) || !std::isfinite(a))
      return fail(path + ": the amax of module '" + key.str() +
                  "' must be a finite number > 0");
    amax[key.str()] = a;
  }
  return amax;
}

float inputScaleFromAmax(float amax) {
  return tensorScaleForRule(ScaleRule::Static6, amax).gDec;
}

std::string fusedGroupOf(StringRef module) {
  auto [parent, last] = module.rsplit('.');
  if (last == module)
    parent = "";
  std::string prefix = parent.empty() ? "" : parent.str() + ".";
  if (last == "q_proj" || last == "k_proj" || last == "v_proj")
    return prefix + "{q,k,v}_proj";
  if (last == "gate_proj" || last == "up_proj")
    return prefix + "{gate,up}_proj";
  return "";
}

/// The rule of `module`: the first matching binding, else four_over_six.
static RuleBinding ruleFor(StringRef module, const PlanOptions &options) {
  for (const RuleBinding &binding : options.rules)
    if (matchesModule(binding.pattern, module))
      return binding;
  RuleBinding fallback;
  fallback.pattern = "*";
  fallback.spec = "four_over_six";
  (void)parseRuleSpec("mse", fallback.options);
  return fallback;
}

static bool isExcluded(StringRef module, const PlanOptions &options) {
  for (const std::string &pattern : defaultExcludePatterns())
    if (matchesModule(pattern, module))
      return true;
  for (const std::string &pattern : options.excludes)
    if (matchesModule(pattern, module))
      return true;
  return false;
}

static bool elementType(StringRef dtype, ElementType &type) {
  if (dtype == "BF16")
    type = ElementType::BF16;
  else if (dtype == "F16")
    type = ElementType::F16;
  else if (dtype == "F32")
    type = ElementType::F32;
  else
    return false;
  return true;
}

/// Plans one input tensor and appends its output tensors.
static Error planTensor(StringRef fileName, const TensorInfo &input,
                        const PlanOptions &options, TensorPlan &plan,
                        std::vector<OutputTensor> &outputs,
                        std::vector<std::string> &excludeModules) {
  plan.input = input;
  StringRef name = input.name;
  bool linear = name.ends_with(".weight") && input.shape.size() == 2 &&
                name.size() > strlen(".weight");
  StringRef module = linear ? name.drop_back(strlen(".weight")) : name;
  if (linear && isExcluded(module, options))
    excludeModules.push_back(module.str());
  if (!linear || isExcluded(module, options)) {
    outputs.push_back({input.name, input.dtype, input.shape, input.bytes()});
    return Error::success();
  }
  plan.quantize = true;
  plan.module = module.str();
  plan.rows = input.shape[0];
  plan.cols = input.shape[1];
  std::string hint =
      " (leave it unquantized with --exclude '" + module.str() + "')";
  if (!elementType(input.dtype, plan.type))
    return fail(fileName + ": tensor '" + name +
                "' would be quantized, but "
                "its dtype is " +
                input.dtype + "; only BF16, F16 and F32 weights can be" + hint);
  RuleBinding rule = ruleFor(module, options);
  plan.ruleSpec = rule.spec;
  plan.options = rule.options;
  plan.fusedGroup = fusedGroupOf(plan.module);
  std::string error =
      validateQuantizeOptions(plan.options, plan.rows, plan.cols);
  if (!error.empty())
    return fail(fileName + ": tensor '" + name + "' [" + Twine(plan.rows) +
                ", " + Twine(plan.cols) + "] cannot be quantized: " + error +
                hint);
  if (!options.calibration.empty()) {
    auto it = options.calibration.find(plan.module);
    if (it == options.calibration.end())
      return fail(fileName +
                  ": the calibration file has no activation amax "
                  "for quantized module '" +
                  plan.module +
                  "' (give every quantized module one, or no calibration "
                  "file)");
    plan.hasInputScale = true;
    plan.inputScale = inputScaleFromAmax(it->second);
  }
  outputs.push_back({plan.module + ".weight",
                     "U8",
                     {plan.rows, plan.cols / 2},
                     plan.rows * plan.cols / 2});
  outputs.push_back({plan.module + ".weight_scale",
                     "F8_E4M3",
                     {plan.rows, plan.cols / kGroupSize},
                     plan.rows * plan.cols / kGroupSize});
  outputs.push_back({plan.module + ".weight_scale_2", "F32", {}, 4});
  if (plan.hasInputScale)
    outputs.push_back({plan.module + ".input_scale", "F32", {}, 4});
  return Error::success();
}

Expected<CheckpointPlan> planCheckpoint(StringRef fileName,
                                        const SafetensorsHeader &header,
                                        const PlanOptions &options) {
  CheckpointPlan plan;
  for (const TensorInfo &input : header.tensors) {
    plan.tensors.emplace_back();
    if (Error err = planTensor(fileName, input, options, plan.tensors.back(),
                               plan.outputs, plan.excludeModules))
      return std::move(err);
  }
  StringMap<bool> seen;
  for (const OutputTensor &t : plan.outputs)
    if (!seen.insert({t.name, true}).second)
      return fail(fileName + ": output tensor '" + t.name +
                  "' would be written twice (the input already has a tensor "
                  "of that name; is it quantized already?)");
  std::set<std::string> calibrated;
  for (const TensorPlan &t : plan.tensors)
    if (t.quantize)
      calibrated.insert(t.module);
  for (const auto &[module, amax] : options.calibration)
    if (!calibrated.count(module))
      return fail(fileName + ": the calibration file names module '" + module +
                  "', which is not quantized");
  std::sort(plan.excludeModules.begin(), plan.excludeModules.end());

  // A fused group decodes with one weight_scale_2 and one input_scale.
  std::map<std::string, const TensorPlan *> firstOfGroup;
  std::map<std::string, float> groupInputScale;
  for (const TensorPlan &t : plan.tensors) {
    if (!t.quantize || t.fusedGroup.empty())
      continue;
    auto [it, inserted] = firstOfGroup.insert({t.fusedGroup, &t});
    float divisor = tensorScaleForRule(t.options.rule, 1.0f).divisor;
    float firstDivisor =
        tensorScaleForRule(it->second->options.rule, 1.0f).divisor;
    if (divisor != firstDivisor)
      return fail(fileName + ": modules '" + it->second->module + "' (rule " +
                  it->second->ruleSpec + ") and '" + t.module + "' (rule " +
                  t.ruleSpec + ") are loaded as one fused layer " +
                  t.fusedGroup +
                  " with one weight_scale_2, so they need rules with the "
                  "same tensor scale (static_6, scale_search and exact "
                  "share one; four_over_six has its own)");
    float &scale = groupInputScale[t.fusedGroup];
    scale = std::max(scale, t.inputScale);
  }
  for (TensorPlan &t : plan.tensors)
    if (t.quantize && !t.fusedGroup.empty())
      t.inputScale = groupInputScale[t.fusedGroup];

  plan.header = layoutSafetensors(plan.outputs, header.metadata);
  StringMap<uint64_t> offsets;
  for (const OutputTensor &t : plan.outputs)
    offsets[t.name] = t.offset;
  for (TensorPlan &t : plan.tensors) {
    if (!t.quantize) {
      t.weightOffset = offsets.lookup(t.input.name);
      continue;
    }
    t.weightOffset = offsets.lookup(t.module + ".weight");
    t.scaleOffset = offsets.lookup(t.module + ".weight_scale");
    t.scale2Offset = offsets.lookup(t.module + ".weight_scale_2");
    t.inputScaleOffset = offsets.lookup(t.module + ".input_scale");
  }
  plan.outputBytes = plan.header.size();
  for (const OutputTensor &t : plan.outputs)
    plan.outputBytes += t.bytes;
  return plan;
}

static json::Value producer() {
  return json::Object{{"name", "fp4-mlir"},
                      {"version", "fp4-quantize-checkpoint 1"}};
}

static json::Array toArray(const std::vector<std::string> &strings) {
  json::Array array;
  for (const std::string &s : strings)
    array.push_back(s);
  return array;
}

json::Value hfQuantConfig(const std::vector<std::string> &excludeModules) {
  // vLLM's ModelOptNvFp4Config requires all of group_size,
  // kv_cache_quant_algo and exclude_modules.
  return json::Object{
      {"producer", producer()},
      {"quantization",
       json::Object{{"quant_algo", "NVFP4"},
                    {"kv_cache_quant_algo", nullptr},
                    {"group_size", int64_t(kGroupSize)},
                    {"exclude_modules", toArray(excludeModules)}}}};
}

json::Value
configQuantizationConfig(const std::vector<std::string> &excludeModules) {
  auto fp4Group = [] {
    return json::Object{{"dynamic", false},
                        {"num_bits", 4},
                        {"type", "float"},
                        {"group_size", int64_t(kGroupSize)}};
  };
  // ModelOpt's compressed-tensors style: exclusions are "ignore"; vLLM reads
  // a top-level group_size in this form (16 when absent).
  return json::Object{
      {"config_groups",
       json::Object{
           {"group_0", json::Object{{"input_activations", fp4Group()},
                                    {"weights", fp4Group()},
                                    {"targets", json::Array{"Linear"}}}}}},
      {"ignore", toArray(excludeModules)},
      {"quant_algo", "NVFP4"},
      {"group_size", int64_t(kGroupSize)},
      {"producer", producer()},
      {"quant_method", "modelopt"}};
}

} // namespace mlir::fp4::checkpoint
