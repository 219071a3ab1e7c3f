//===- fp4-quantize-checkpoint.cpp - safetensors -> ModelOpt NVFP4 --------===//
//
// Command line for convertCheckpoint (fp4/Checkpoint/QuantizeCheckpoint.h):
// options, a progress bar on stderr and the per-tensor error report.
// docs/checkpoints.md describes the output and how serving engines load it.
//
//===----------------------------------------------------------------------===//

#include "fp4/Checkpoint/QuantizeCheckpoint.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>

using namespace llvm;
using namespace mlir::fp4;
using namespace mlir::fp4::checkpoint;

static cl::OptionCategory category("fp4-quantize-checkpoint options");

static cl::opt<std::string> inputPath("input", cl::Required,
                                      cl::value_desc("FILE"),
                                      cl::desc("Input .safetensors file"),
                                      cl::cat(category));
static cl::alias inputAlias("i", cl::aliasopt(inputPath),
                            cl::desc("Alias for --input"), cl::cat(category));
static cl::opt<std::string>
    outputDir("output", cl::Required, cl::value_desc("DIR"),
              cl::desc("Output directory (created if missing)"),
              cl::cat(category));
static cl::alias outputAlias("o", cl::aliasopt(outputDir),
                             cl::desc("Alias for --output"), cl::cat(category));
static cl::list<std::string>
    rules("rule", cl::value_desc("[PATTERN=]RULE"),
          cl::desc("Scale rule for the modules PATTERN matches (repeatable; "
                   "first match wins; default four_over_six)"),
          cl::cat(category));
static cl::list<std::string>
    excludes("exclude", cl::value_desc("PATTERN"),
             cl::desc("Leave the modules PATTERN matches unquantized "
                      "(repeatable; added to the defaults)"),
             cl::cat(category));
static cl::opt<std::string>
    calibrationPath("calibration", cl::value_desc("FILE"),
                    cl::desc("JSON {module: activation amax}: writes "
                             "input_scale = amax / (6 * 448)"),
                    cl::cat(category));
static cl::opt<unsigned> threads("threads", cl::init(0), cl::value_desc("N"),
                                 cl::desc("Worker threads (default 0: every "
                                          "core)"),
                                 cl::cat(category));
static cl::opt<bool> progressBar("progress",
                                 cl::desc("Show the progress bar even when "
                                          "stderr is not a terminal"),
                                 cl::cat(category));
static cl::opt<std::string>
    reportPath("report", cl::value_desc("FILE"),
               cl::desc("Write the per-tensor report to FILE instead of "
                        "stdout"),
               cl::cat(category));
static cl::opt<std::string>
    outputFormat("format", cl::init("nvfp4"), cl::value_desc("nvfp4|mxfp4"),
                 cl::desc("Output format (only nvfp4 is "
                          "written; see below)"),
                 cl::cat(category));

static const char kOverview[] = R"(fp4-quantize-checkpoint

Quantizes the linear-layer weights of a safetensors checkpoint (BF16, F16 or
F32) to NVFP4 in the layout of NVIDIA Model Optimizer (ModelOpt), which vLLM
(quantization "modelopt_fp4") and TensorRT-LLM load. Writes to DIR:

  model.safetensors     every input tensor; each quantized X.weight [N, K]
                        is replaced by
                          X.weight          U8 [N, K/2]: two E2M1 codes per
                                            byte, even element in the low
                                            nibble
                          X.weight_scale    F8_E4M3 [N, K/16], row-major
                          X.weight_scale_2  F32 scalar: decode tensor scale
                          X.input_scale     F32 scalar, with --calibration
                        A loader dequantizes
                          e2m1 * e4m3(weight_scale) * weight_scale_2,
                        which equals the fp4-mlir library's values bit for bit.
  hf_quant_config.json  {"producer", "quantization": {"quant_algo": "NVFP4",
                        "kv_cache_quant_algo": null, "group_size": 16,
                        "exclude_modules": [...]}}
  config.json           if the input's directory has one: a copy with
                        "quantization_config" (quant_method "modelopt").

Which tensors: a 2-D tensor named MODULE.weight is quantized unless MODULE
matches an exclude pattern: the defaults *embed*, *lm_head*, *norm*, wte,
wpe, mlp.gate, *router* (embeddings, output head, norms, MoE routers) plus
each --exclude. Everything else (biases, norms, embeddings, 1-D or 3-D
tensors, other dtypes) is copied unchanged, byte for byte. Unquantized 2-D
weights are listed in exclude_modules.

Patterns are globs (*, ?, [..]) matched against the module name or any part
of it after a '.': "mlp.*" matches model.layers.0.mlp.down_proj.

Rules (--rule [PATTERN=]RULE, first match wins, default four_over_six):
  static_6                standard NVFP4: block max -> 6, tensor amax -> 6*448
  static_4                block max -> 4
  four_over_six[:METRIC]  Four Over Six per block, METRIC mse (default), mae
                          or abs_max (also spelled mse, mae, abs_max)
  scale_search:R          ScaleSearch over the E4M3 scales within R codes
                          (also search:R), R in 1..126
  exact                   the MSE-optimal E4M3 block scale
Four Over Six maps the tensor amax to 6*256 instead of 6*448;
weight_scale_2 is the library's decode scale for the rule used (1/(6*256/amax)
there, 1/(6*448/amax) for static_6), so a stock loader needs nothing new.

Calibration (--calibration FILE): a JSON object mapping each quantized module
name to the activation amax at its input; input_scale = 1/(6*448/amax). With
a calibration file every quantized module needs an entry. Without one no
input_scale is written: vLLM's NVFP4 linear layers expect one (they quantize
activations with it), so calibrate for W4A4 serving.

Threads: each weight is split into chunks of 128 rows quantized in parallel
against the whole weight's amax, so the output is identical for every
--threads value. Tensors are read, quantized and written one at a time.

Errors (exit code 1, nothing left in DIR): a file that is not safetensors or
is truncated, an invalid header, a weight that would be quantized with a K
that is not a multiple of 16 or a dtype other than BF16/F16/F32 (exclude it
to keep it as it is), a bad rule, pattern or calibration file. Outputs are
written to temporary files in DIR and renamed only when all are complete.

MXFP4 (--format mxfp4) is refused: ModelOpt's NVFP4 loaders read E4M3 block
scales of 16 elements and an fp32 tensor scale, which MXFP4 (UE8M0 scales of
32 elements, no tensor scale) does not have; see docs/checkpoints.md.

Report: one line per quantized weight (shape, rule, amax, weight_scale_2 and
the relative Frobenius error of the dequantized weight) on stdout, or in
--report FILE. A progress bar goes to stderr when it is a terminal (or with
--progress).
)";

namespace {
/// A one-line progress bar redrawn in place on stderr.
class ProgressBar {
public:
  void update(uint64_t done, uint64_t total, size_t tensor, size_t tensors,
              StringRef name) {
    constexpr int kWidth = 30;
    double fraction = total ? double(done) / double(total) : 1.0;
    int filled = int(fraction * kWidth);
    std::string bar(filled, '=');
    bar.resize(kWidth, ' ');
    errs() << formatv("\r[{0}] {1,3}% {2}/{3} {4,-48}", bar,
                      int(fraction * 100.0), tensor, tensors,
                      name.take_back(48));
    errs().flush();
  }
  void finish() { errs() << "\n"; }
};
} // namespace

/// Nine significant digits: reading them back gives the exact float.
static std::string exact(float value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

static void printReport(raw_ostream &os, const ConvertResult &result) {
  os << formatv("{0,-48} {1,-12} {2,-5} {3,-21} {4,-14} {5,-14} {6,-14} "
                "{7}\n",
                "tensor", "shape", "dtype", "rule", "amax", "weight_scale_2",
                "input_scale", "rel_error");
  for (const TensorReport &r : result.quantized)
    os << formatv("{0,-48} {1,-12} {2,-5} {3,-21} {4,-14} {5,-14} {6,-14} "
                  "{7}{8}\n",
                  r.name, formatv("{0}x{1}", r.rows, r.cols).str(), r.dtype,
                  r.rule, exact(r.amax), exact(r.weightScale2),
                  r.hasInputScale ? exact(r.inputScale) : std::string("-"),
                  formatv("{0:e}", r.relativeError).str(),
                  r.nanBlocks ? formatv(" ({0} NaN blocks)", r.nanBlocks).str()
                              : std::string());
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, kOverview);
  auto fail = [](const Twine &message) {
    WithColor::error(errs(), "fp4-quantize-checkpoint") << message << "\n";
    return 1;
  };

  if (outputFormat == "mxfp4")
    return fail("MXFP4 checkpoints are not written: the ModelOpt NVFP4 "
                "layout that vLLM and TensorRT-LLM load has E4M3 block scales "
                "of 16 elements and an fp32 tensor scale, and MXFP4 (UE8M0 "
                "scales of 32 elements) has neither; use --format nvfp4");
  if (outputFormat != "nvfp4")
    return fail("unknown --format '" + outputFormat + "' (expected nvfp4)");

  ConvertOptions options;
  options.input = inputPath;
  options.outputDir = outputDir;
  for (const std::string &text : rules) {
    Expected<RuleBinding> binding = parseRuleBinding(text);
    if (!binding)
      return fail(toString(binding.takeError()));
    options.plan.rules.push_back(std::move(*binding));
  }
  for (const std::string &pattern : excludes) {
    std::string problem = checkPattern(pattern);
    if (!problem.empty())
      return fail("--exclude: " + problem);
    options.plan.excludes.push_back(pattern);
  }
  if (!calibrationPath.empty()) {
    Expected<std::map<std::string, float>> calibration =
        readCalibration(calibrationPath);
    if (!calibration)
      return fail(toString(calibration.takeError()));
    if (calibration->empty())
      return fail(calibrationPath + ": the calibration file has no entries");
    options.plan.calibration = std::move(*calibration);
  }
  options.threads =
      threads
          ? threads.getValue()
          : std::max(1u, llvm::hardware_concurrency().compute_thread_count());

  ProgressBar bar;
  bool showProgress = progressBar || sys::Process::StandardErrIsDisplayed();
  if (showProgress)
    options.progress = [&bar](uint64_t done, uint64_t total, size_t tensor,
                              size_t tensors, StringRef name) {
      bar.update(done, total, tensor, tensors, name);
    };

  Expected<ConvertResult> result = convertCheckpoint(options);
  if (showProgress)
    bar.finish();
  if (!result)
    return fail(toString(result.takeError()));

  outs() << formatv("fp4-quantize-checkpoint: {0} -> {1}: {2} weights "
                    "quantized, {3} tensors copied, {4} -> {5} bytes, "
                    "{6} threads\n",
                    inputPath, outputDir, result->quantized.size(),
                    result->copied, result->inputBytes, result->outputBytes,
                    options.threads);
  if (!result->wroteConfig)
    outs() << "fp4-quantize-checkpoint: no config.json beside the input; "
              "wrote hf_quant_config.json only\n";
  if (reportPath.empty()) {
    printReport(outs(), *result);
    return 0;
  }
  std::error_code ec;
  raw_fd_ostream report(reportPath, ec, sys::fs::OF_Text);
  if (ec)
    return fail(reportPath + ": cannot write the report: " + ec.message());
  printReport(report, *result);
  return 0;
}
