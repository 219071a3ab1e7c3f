//===- fp4-model-check.cpp - Run a model three ways and compare -----------===//
//
// Part of fp4-mlir. JIT-compiles a model (linalg on tensors, entry
// `@forward` taking and returning any number of statically shaped tensors of
// f32, bf16 or f16, or integers) three times and runs it on the same inputs:
//
//   as written  nvfp4-lower-to-cpu only
//   nvfp4       nvfp4-quantize-matmuls{scale-layout=row_major OPTIONS}, then
//               nvfp4-lower-to-cpu: the compiled NVFP4 model
//   reference   the same rewrite, but every nvfp4.quantize and scaled_matmul
//               computed by the numerics library (LibraryCalls.h): quantize,
//               then decode and matmul in fp32 (scaledMatmulReference)
//
// and checks that nvfp4 equals reference bit for bit and that nvfp4 is
// within --bound (relative Frobenius error over all outputs) of the model as
// written. Inputs are seeded N(0, 1) samples in each input's type, or read
// with --io from the files that fp4-import-torch saved with the model
// (NAME.io.json); then the outputs PyTorch eager computed on them are
// compared too: the model as written against PyTorch (the import's
// fidelity, reported) and the nvfp4 model against PyTorch (reported and
// held to --torch-bound, default --bound).
//
//   fp4-model-check MODEL.mlir --bound B [--options "weight-rule=exact ..."]
//                   [--attention "p-rule=exact ..."] [--seed S]
//                   [--io NAME.io.json] [--torch-bound B] [--gpu-bundle DIR]
//
// --attention runs nvfp4-quantize-attention (with those options, "" for its
// defaults) before nvfp4-quantize-matmuls: the model's attention becomes
// nvfp4.attention, which the reference computes by attentionReference.
//
// --gpu-bundle writes what the GPU run of the same model needs (the GPU has
// no MLIR): DIR/NAME.mlir (the model after nvfp4-quantize-matmuls, @forward
// with its C interface, for nvfp4-lower-to-gpu), DIR/NAME.sig and the tensor
// files it lists (ModelIO.h: the inputs, and the nvfp4 model's outputs on
// the CPU), and DIR/NAME.call.cpp (fp4_call_forward, which calls @forward's
// C interface with its number of arguments);
// tools/fp4-gpu-check/fp4-gpu-model.cpp runs it there and reports the
// difference to the CPU.
//
// Exits 1 on a mismatch, an error above a bound, or a compile failure; 2 on
// bad arguments or input files.
//
//===----------------------------------------------------------------------===//

#include "CpuKernel.h"
#include "LibraryCalls.h"
#include "ModelIO.h"

#include "fp4/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

using namespace fp4tools;

namespace {

std::optional<DType> dtypeOf(mlir::Type type) {
  if (type.isF32())
    return DType::F32;
  if (type.isBF16())
    return DType::BF16;
  if (type.isF16())
    return DType::F16;
  if (type.isInteger(64))
    return DType::I64;
  if (type.isInteger(32))
    return DType::I32;
  if (type.isInteger(8))
    return DType::I8;
  return std::nullopt;
}

/// The tensors of @forward, without data; false (with a diagnostic) if
/// @forward is missing or takes or returns anything else.
bool signatureOf(mlir::ModuleOp module, ModelIO &io) {
  auto forward = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!forward) {
    module.emitError("the model has no func.func @forward");
    return false;
  }
  mlir::FunctionType type = forward.getFunctionType();
  for (auto [types, tensors] : {std::pair{type.getInputs(), &io.inputs},
                                std::pair{type.getResults(), &io.outputs}}) {
    tensors->clear();
    for (mlir::Type t : types) {
      auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(t);
      std::optional<DType> dtype =
          tensor ? dtypeOf(tensor.getElementType()) : std::nullopt;
      if (!tensor || !tensor.hasStaticShape() || !dtype) {
        forward.emitError("@forward must take and return statically shaped "
                          "tensors of f32, bf16, f16, i64, i32 or i8, not ")
            << t;
        return false;
      }
      HostTensor host;
      host.type = *dtype;
      host.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
      tensors->push_back(std::move(host));
    }
  }
  if (io.outputs.empty()) {
    forward.emitError("@forward returns nothing to compare");
    return false;
  }
  return true;
}

/// Marks @forward for the C interface.
bool prepareEntry(mlir::ModuleOp module) {
  ModelIO unused;
  if (!signatureOf(module, unused))
    return false;
  module.lookupSymbol<mlir::func::FuncOp>("forward")->setAttr(
      mlir::LLVM::LLVMDialect::getEmitCWrapperAttrName(),
      mlir::UnitAttr::get(module.getContext()));
  return true;
}

bool runPipeline(mlir::ModuleOp module, const std::string &pipeline) {
  mlir::PassManager pm(module->getContext());
  if (failed(mlir::parsePassPipeline(pipeline, pm)))
    return false;
  return succeeded(pm.run(module));
}

/// Compiles `source` with `extra` prepared and runs @forward on io.inputs.
bool runVariant(const char *name, const std::string &source,
                const std::function<bool(mlir::ModuleOp)> &extra,
                bool libraryCalls, ModelIO &io) {
  CompileHooks hooks;
  hooks.prepare = [&](mlir::ModuleOp module) {
    return prepareEntry(module) && (!extra || extra(module));
  };
  if (libraryCalls)
    hooks.symbols = libraryCallSymbols();
  std::string error;
  std::unique_ptr<CpuKernel> kernel = CpuKernel::compile(source, error, hooks);
  if (!kernel) {
    std::fprintf(stderr, "fp4-model-check: %s variant failed to compile:\n%s\n",
                 name, error.c_str());
    return false;
  }
  bool called = callForward(io, [&](std::vector<void *> &args) {
    return kernel->callPacked("forward", args);
  });
  if (!called)
    std::fprintf(stderr, "fp4-model-check: could not call @forward\n");
  return called;
}

/// Reads NAME.io.json (fp4-import-torch): the inputs into io.inputs (their
/// types and shapes must be @forward's) and PyTorch's outputs into `torch`.
bool readTorchIO(const std::string &path, ModelIO &io,
                 std::vector<HostTensor> &torch) {
  auto fail = [&](const std::string &why) {
    std::fprintf(stderr, "fp4-model-check: %s: %s\n", path.c_str(),
                 why.c_str());
    return false;
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return fail("cannot read it");
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return fail(llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fail("not a JSON object");
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  torch = io.outputs;
  for (auto [key, tensors] :
       {std::pair{"inputs", &io.inputs}, std::pair{"outputs", &torch}}) {
    const llvm::json::Array *list = root->getArray(key);
    if (!list || list->size() != tensors->size())
      return fail(std::string("'") + key + "' must list " +
                  std::to_string(tensors->size()) +
                  " tensors, as @forward has");
    for (size_t i = 0; i < list->size(); ++i) {
      const llvm::json::Object *entry = (*list)[i].getAsObject();
      HostTensor &t = (*tensors)[i];
      std::optional<llvm::StringRef> file =
          entry ? entry->getString("file") : std::nullopt;
      std::optional<llvm::StringRef> dtype =
          entry ? entry->getString("dtype") : std::nullopt;
      const llvm::json::Array *shape =
          entry ? entry->getArray("shape") : nullptr;
      std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      if (!file || !dtype || !shape)
        return fail(where + " needs 'file', 'dtype' and 'shape'");
      std::vector<int64_t> dims;
      for (const llvm::json::Value &d : *shape)
        dims.push_back(d.getAsInteger().value_or(-1));
      if (*dtype != dtypeName(t.type) || dims != t.shape) {
        std::ostringstream want;
        want << dtypeName(t.type) << " [";
        for (size_t d = 0; d < t.shape.size(); ++d)
          want << (d ? ", " : "") << t.shape[d];
        want << "]";
        return fail(where + " is " + dtype->str() +
                    " of another shape than @forward's " + want.str());
      }
      if (!readTensorFile(dir + file->str(), t))
        return fail("cannot read " + std::to_string(t.numElements()) + " " +
                    dtype->str() + " elements (exactly) from " + dir +
                    file->str());
    }
  }
  return true;
}

/// Writes the GPU run's inputs (see the header) into `dir`.
bool writeGpuBundle(const std::string &dir, const std::string &path,
                    const std::string &source, const std::string &pipeline,
                    const ModelIO &nvfp4) {
  mlir::DialectRegistry registry;
  mlir::fp4::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module || !prepareEntry(*module) || !runPipeline(*module, pipeline))
    return false;
  std::string name = path.substr(path.find_last_of('/') + 1);
  name = name.substr(0, name.find('.'));
  std::string base = dir + "/" + name;
  std::ofstream mlirFile(base + ".mlir"), call(base + ".call.cpp");
  std::string ir;
  llvm::raw_string_ostream os(ir);
  module->print(os);
  mlirFile << ir;
  // fp4_call_forward(args): results first, then one descriptor per input.
  size_t count = 1 + nvfp4.inputs.size();
  std::string params, args;
  for (size_t i = 0; i < count; ++i) {
    params += std::string(i ? ", " : "") + "void *";
    args += std::string(i ? ", " : "") + "args[" + std::to_string(i) + "]";
  }
  call << "// Generated by fp4-model-check --gpu-bundle for " << name << ".\n"
       << "extern \"C\" void _mlir_ciface_forward(" << params << ");\n"
       << "extern \"C\" void fp4_call_forward(void **args) {\n"
       << "  _mlir_ciface_forward(" << args << ");\n}\n";
  return mlirFile && call && writeSignature(dir, name, "cpu", nvfp4);
}

struct Options {
  std::string path, options, gpuBundle, io;
  /// nvfp4-quantize-attention options; unset: attention is left alone.
  std::optional<std::string> attention;
  double bound = -1.0, torchBound = -1.0;
  uint64_t seed = 0;
  bool hasSeed = false;
};

bool parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool hasValue = i + 1 < argc;
    if (arg == "--options" && hasValue)
      o.options = argv[++i];
    else if (arg == "--attention" && hasValue)
      o.attention = argv[++i];
    else if (arg == "--gpu-bundle" && hasValue)
      o.gpuBundle = argv[++i];
    else if (arg == "--io" && hasValue)
      o.io = argv[++i];
    else if (arg == "--bound" && hasValue)
      o.bound = std::atof(argv[++i]);
    else if (arg == "--torch-bound" && hasValue)
      o.torchBound = std::atof(argv[++i]);
    else if (arg == "--seed" && hasValue) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
      o.hasSeed = true;
    } else if (o.path.empty() && arg[0] != '-')
      o.path = arg;
    else {
      std::fprintf(stderr, "fp4-model-check: unexpected argument '%s'\n",
                   arg.c_str());
      return false;
    }
  }
  if (o.torchBound <= 0.0)
    o.torchBound = o.bound;
  return !o.path.empty() && o.bound > 0.0;
}

/// The outputs' element type for the report ("f32", "bf16", "mixed").
std::string outputTypes(const ModelIO &io) {
  std::string name = dtypeName(io.outputs.front().type);
  for (const HostTensor &t : io.outputs)
    if (dtypeName(t.type) != name)
      return "mixed";
  return name;
}

} // namespace

int main(int argc, char **argv) {
  mlir::fp4::registerAllPasses();
  Options o;
  if (!parseArgs(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: fp4-model-check MODEL.mlir --bound B "
                 "[--options \"nvfp4-quantize-matmuls options\"] "
                 "[--attention \"nvfp4-quantize-attention options\"] [--seed S] "
                 "[--io NAME.io.json [--torch-bound B]] [--gpu-bundle DIR]\n");
    return 2;
  }
  std::ifstream file(o.path);
  if (!file) {
    std::fprintf(stderr, "fp4-model-check: cannot read '%s'\n", o.path.c_str());
    return 2;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string source = buffer.str();

  // The signature, then the inputs.
  ModelIO io;
  std::vector<HostTensor> torch;
  {
    mlir::DialectRegistry registry;
    mlir::fp4::registerAllDialects(registry);
    mlir::MLIRContext context(registry);
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceFile<mlir::ModuleOp>(o.path, &context);
    if (!module || !signatureOf(*module, io))
      return 2;
  }
  if (!o.io.empty()) {
    if (!readTorchIO(o.io, io, torch))
      return 2;
  } else {
    for (size_t i = 0; i < io.inputs.size(); ++i) {
      HostTensor &in = io.inputs[i];
      if (!isFloat(in.type)) {
        std::fprintf(stderr,
                     "fp4-model-check: input %zu is %s: integer inputs are "
                     "read from files (--io)\n",
                     i, dtypeName(in.type));
        return 2;
      }
      uint64_t seed = o.hasSeed ? o.seed : 0;
      for (int64_t d : in.shape)
        seed = seed * 1000003 + d;
      in.fillNormal(seed + i);
    }
  }

  std::string pipeline =
      "nvfp4-quantize-matmuls{scale-layout=row_major " + o.options + "}";
  if (o.attention)
    pipeline = "nvfp4-quantize-attention{" + *o.attention + "}," + pipeline;
  auto quantizeMatmuls = [&](mlir::ModuleOp module) {
    return runPipeline(module, pipeline);
  };
  int libraryOps = 0;
  auto libraryReference = [&](mlir::ModuleOp module) {
    if (!runPipeline(module, pipeline))
      return false;
    libraryOps = replaceWithLibraryCalls(module);
    return libraryOps >= 0;
  };
  ModelIO asWritten = io, nvfp4 = io, reference = io;
  if (!runVariant("as-written", source, nullptr, false, asWritten) ||
      !runVariant("nvfp4", source, quantizeMatmuls, false, nvfp4) ||
      !runVariant("reference", source, libraryReference, true, reference))
    return 1;

  if (!o.gpuBundle.empty() &&
      !writeGpuBundle(o.gpuBundle, o.path, source, pipeline, nvfp4)) {
    std::fprintf(stderr,
                 "fp4-model-check: cannot write the GPU bundle to '%s'\n",
                 o.gpuBundle.c_str());
    return 1;
  }

  const char *path = o.path.c_str();
  Difference exact = compareOutputs(nvfp4.outputs, reference.outputs);
  Difference model = compareOutputs(nvfp4.outputs, asWritten.outputs);
  // A model without rewritten matmuls would match trivially: require some.
  std::printf("%s: %d nvfp4 ops (quantize, scaled_matmul, attention) in the model\n", path,
              libraryOps);
  std::printf("%s: nvfp4 model vs library reference: %zu of %zu outputs "
              "differ\n",
              path, exact.differingBits, exact.elements);
  std::printf("%s: nvfp4 model vs %s model: relative error %.5f (bound "
              "%.3f), %zu non-finite outputs\n",
              path, outputTypes(io).c_str(), model.relative, o.bound,
              model.nonFinite);
  bool ok = libraryOps > 0 && exact.differingBits == 0 &&
            model.nonFinite == 0 && model.relative <= o.bound;
  if (!torch.empty()) {
    Difference fidelity = compareOutputs(asWritten.outputs, torch);
    Difference vsTorch = compareOutputs(nvfp4.outputs, torch);
    std::printf("%s: %s model vs PyTorch eager: relative error %.5f, %zu "
                "non-finite outputs\n",
                path, outputTypes(io).c_str(), fidelity.relative,
                fidelity.nonFinite);
    std::printf("%s: nvfp4 model vs PyTorch eager: relative error %.5f "
                "(bound %.3f), %zu non-finite outputs\n",
                path, vsTorch.relative, o.torchBound, vsTorch.nonFinite);
    ok &= vsTorch.nonFinite == 0 && vsTorch.relative <= o.torchBound;
  }
  return ok ? 0 : 1;
}
