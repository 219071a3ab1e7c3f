//===- fp4-model-check.cpp - Run a model three ways and compare -----------===//
//
// Part of fp4-mlir. JIT-compiles a model (linalg on tensors, entry
// `@forward(tensor<TxDxf32>) -> tensor<...xf32>`) three times and runs it on
// the same seeded N(0, 1) input:
//
//   f32        as written (nvfp4-lower-to-cpu only)
//   nvfp4      nvfp4-quantize-matmuls{scale-layout=row_major OPTIONS}, then
//              nvfp4-lower-to-cpu: the compiled NVFP4 model
//   reference  the same rewrite, but every nvfp4.quantize and scaled_matmul
//              computed by the numerics library (LibraryCalls.h): quantize,
//              then decode and matmul in fp32 (scaledMatmulReference)
//
// and checks that nvfp4 equals reference bit for bit and that nvfp4 is
// within --bound (relative Frobenius error) of the f32 model.
//
//   fp4-model-check MODEL.mlir [--options "weight-rule=exact ..."]
//                   [--bound B] [--seed S] [--gpu-bundle DIR]
//
// --gpu-bundle writes what the GPU run of the same model needs (the GPU has
// no MLIR): DIR/NAME.mlir (the model after nvfp4-quantize-matmuls, @forward
// with its C interface, for nvfp4-lower-to-gpu), DIR/NAME.input.f32 (the
// input), DIR/NAME.cpu.f32 (the nvfp4 model's output on the CPU) and
// DIR/NAME.shape ("T D OUT_ELEMENTS"); tools/fp4-gpu-check/fp4-gpu-model.cpp
// runs it there and reports the difference to the CPU.
//
// Exits 1 on a mismatch, an error above the bound, or a compile failure.
//
//===----------------------------------------------------------------------===//

#include "CpuKernel.h"
#include "LibraryCalls.h"

#include "fp4/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

using namespace fp4tools;

namespace {

struct Shapes {
  int64_t in[2] = {0, 0};
  int64_t outElements = 0;
};

/// Marks @forward for the C interface and records its shapes; false (with
/// a diagnostic) if the signature is not tensor<TxDxf32> -> tensor<f32>.
bool prepareEntry(mlir::ModuleOp module, Shapes &shapes) {
  auto forward = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!forward) {
    module.emitError("the model has no func.func @forward");
    return false;
  }
  mlir::FunctionType type = forward.getFunctionType();
  auto in = type.getNumInputs() == 1
                ? llvm::dyn_cast<mlir::RankedTensorType>(type.getInput(0))
                : nullptr;
  auto out = type.getNumResults() == 1
                 ? llvm::dyn_cast<mlir::RankedTensorType>(type.getResult(0))
                 : nullptr;
  if (!in || !out || in.getRank() != 2 || !in.hasStaticShape() ||
      !out.hasStaticShape() || !in.getElementType().isF32() ||
      !out.getElementType().isF32()) {
    forward.emitError("@forward must take one static rank-2 f32 tensor and "
                      "return one static f32 tensor");
    return false;
  }
  shapes.in[0] = in.getDimSize(0);
  shapes.in[1] = in.getDimSize(1);
  shapes.outElements = out.getNumElements();
  forward->setAttr(mlir::LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                   mlir::UnitAttr::get(module.getContext()));
  return true;
}

bool runPipeline(mlir::ModuleOp module, const std::string &pipeline) {
  mlir::PassManager pm(module->getContext());
  if (failed(mlir::parsePassPipeline(pipeline, pm)))
    return false;
  return succeeded(pm.run(module));
}

/// Compiles `source` with `extra` prepared and returns @forward(x).
bool runVariant(const char *name, const std::string &source,
                const std::function<bool(mlir::ModuleOp)> &extra,
                bool libraryCalls, std::vector<float> &x, Shapes &shapes,
                std::vector<float> &y) {
  CompileHooks hooks;
  hooks.prepare = [&](mlir::ModuleOp module) {
    return prepareEntry(module, shapes) && (!extra || extra(module));
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
  if (x.empty()) {
    std::mt19937_64 rng(shapes.in[0] * 1000003 + shapes.in[1]);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    x.resize(shapes.in[0] * shapes.in[1]);
    for (float &v : x)
      v = normal(rng);
  }
  MemRefDescriptor<2> input = describe<2>(x.data(), shapes.in);
  MemRefDescriptor<2> result{};
  if (!kernel->call("forward", {&result, &input})) {
    std::fprintf(stderr, "fp4-model-check: could not call @forward\n");
    return false;
  }
  const float *out = static_cast<const float *>(result.aligned) + result.offset;
  y.assign(out, out + shapes.outElements);
  std::free(result.allocated);
  return true;
}

/// Writes the GPU run's inputs (see the header) into `dir`.
bool writeGpuBundle(const std::string &dir, const std::string &path,
                    const std::string &source, const std::string &pipeline,
                    const Shapes &shapes, const std::vector<float> &x,
                    const std::vector<float> &cpu) {
  mlir::DialectRegistry registry;
  mlir::fp4::registerAllDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  Shapes unused;
  if (!module || !prepareEntry(*module, unused) ||
      !runPipeline(*module, pipeline))
    return false;
  std::string name = path.substr(path.find_last_of('/') + 1);
  name = name.substr(0, name.find('.'));
  std::string base = dir + "/" + name;
  std::string ir;
  llvm::raw_string_ostream os(ir);
  module->print(os);
  std::ofstream mlirFile(base + ".mlir"), shape(base + ".shape");
  std::ofstream in(base + ".input.f32", std::ios::binary),
      out(base + ".cpu.f32", std::ios::binary);
  mlirFile << ir;
  shape << shapes.in[0] << " " << shapes.in[1] << " " << shapes.outElements
        << "\n";
  in.write(reinterpret_cast<const char *>(x.data()), x.size() * 4);
  out.write(reinterpret_cast<const char *>(cpu.data()), cpu.size() * 4);
  return mlirFile && shape && in && out;
}

} // namespace

int main(int argc, char **argv) {
  mlir::fp4::registerAllPasses();
  std::string path, options, gpuBundle;
  double bound = -1.0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--options" && i + 1 < argc)
      options = argv[++i];
    else if (arg == "--gpu-bundle" && i + 1 < argc)
      gpuBundle = argv[++i];
    else if (arg == "--bound" && i + 1 < argc)
      bound = std::atof(argv[++i]);
    else if (path.empty() && arg[0] != '-')
      path = arg;
    else {
      std::fprintf(stderr, "fp4-model-check: unexpected argument '%s'\n",
                   arg.c_str());
      path.clear();
      break;
    }
  }
  if (path.empty() || bound <= 0.0) {
    std::fprintf(stderr, "usage: fp4-model-check MODEL.mlir --bound B "
                         "[--options \"nvfp4-quantize-matmuls options\"] "
                         "[--gpu-bundle DIR]\n");
    return 2;
  }
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "fp4-model-check: cannot read '%s'\n", path.c_str());
    return 2;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string source = buffer.str();

  std::string pipeline =
      "nvfp4-quantize-matmuls{scale-layout=row_major " + options + "}";
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
  std::vector<float> x, f32, nvfp4, reference;
  Shapes shapes;
  if (!runVariant("f32", source, nullptr, false, x, shapes, f32) ||
      !runVariant("nvfp4", source, quantizeMatmuls, false, x, shapes, nvfp4) ||
      !runVariant("reference", source, libraryReference, true, x, shapes,
                  reference))
    return 1;

  if (!gpuBundle.empty() &&
      !writeGpuBundle(gpuBundle, path, source, pipeline, shapes, x, nvfp4)) {
    std::fprintf(stderr,
                 "fp4-model-check: cannot write the GPU bundle to "
                 "'%s'\n",
                 gpuBundle.c_str());
    return 1;
  }

  size_t mismatches = 0, nonFinite = 0;
  double errorSum = 0.0, normSum = 0.0;
  for (size_t i = 0; i < nvfp4.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &nvfp4[i], 4);
    std::memcpy(&b, &reference[i], 4);
    if (a != b && !(std::isnan(nvfp4[i]) && std::isnan(reference[i])))
      ++mismatches;
    if (!std::isfinite(nvfp4[i]) || !std::isfinite(f32[i])) {
      ++nonFinite;
      continue;
    }
    double d = static_cast<double>(nvfp4[i]) - f32[i];
    errorSum += d * d;
    normSum += static_cast<double>(f32[i]) * f32[i];
  }
  double relative = normSum == 0.0 ? 0.0 : std::sqrt(errorSum / normSum);
  // A model without rewritten matmuls would match trivially: require some.
  std::printf("%s: %d nvfp4 ops (quantize, scaled_matmul) in the model\n",
              path.c_str(), libraryOps);
  std::printf("%s: nvfp4 model vs library reference: %zu of %zu outputs "
              "differ\n",
              path.c_str(), mismatches, nvfp4.size());
  std::printf("%s: nvfp4 model vs f32 model: relative error %.5f (bound "
              "%.3f), %zu non-finite outputs\n",
              path.c_str(), relative, bound, nonFinite);
  return libraryOps > 0 && mismatches == 0 && nonFinite == 0 &&
                 relative <= bound
             ? 0
             : 1;
}
