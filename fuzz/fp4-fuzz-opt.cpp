//===- fp4-fuzz-opt.cpp - fp4-opt as a library under libFuzzer ------------===//
//
// Part of fp4-mlir. Each input is MLIR text. It is parsed and verified with
// every dialect fp4-opt registers, then one pipeline runs on it, picked by a
// hash of the input (so that a crash reproduces from the input alone):
// canonicalize (folding included), nvfp4-quantize-matmuls, nvfp4-lower-to-cpu,
// or convert-nvfp4-to-nvvm for sm_90a or sm_100a. Errors are the expected
// answer to bad input and are swallowed; a crash, an assertion, a sanitizer
// report, a timeout, a huge allocation, or a pipeline that succeeds but
// leaves IR that fails verification is a finding.
//
// NVFP4Mutator.cpp supplies the mutator that keeps inputs parseable.
//
//===----------------------------------------------------------------------===//

#include "fp4/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

namespace {

const char *const kPipelines[] = {
    "builtin.module(canonicalize)",
    "builtin.module(nvfp4-quantize-matmuls,canonicalize)",
    "builtin.module(nvfp4-lower-to-cpu)",
    "builtin.module(convert-nvfp4-to-nvvm{chip=sm_90a})",
    "builtin.module(convert-nvfp4-to-nvvm{chip=sm_100a})",
};
constexpr size_t kNumPipelines = sizeof(kPipelines) / sizeof(kPipelines[0]);

/// FNV-1a: the pipeline of an input depends on its bytes only.
uint64_t hashBytes(const uint8_t *data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i)
    h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

DialectRegistry &registry() {
  static DialectRegistry *r = [] {
    auto *reg = new DialectRegistry();
    fp4::registerAllDialects(*reg);
    fp4::registerAllPasses();
    return reg;
  }();
  return *r;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Inputs the size of a test file; bigger ones only slow the search down.
  if (size > (64 << 10))
    return 0;
  // A fresh context per input: no state carries over between inputs.
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  ctx.allowUnregisteredDialects(false);
  ScopedDiagnosticHandler swallow(&ctx, [](Diagnostic &) { return success(); });

  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module || failed(verify(*module)))
    return 0;

  const char *pipeline = kPipelines[hashBytes(data, size) % kNumPipelines];
  PassManager pm(&ctx);
  // The verifier runs once at the end, so that a pass that produces invalid
  // IR is told apart from a pass that rejects its input.
  pm.enableVerifier(false);
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs()))) {
    std::fprintf(stderr, "fp4-fuzz-opt: bad pipeline %s\n", pipeline);
    std::abort();
  }
  if (failed(pm.run(*module)))
    return 0;
  if (failed(verify(*module))) {
    std::fprintf(stderr,
                 "fp4-fuzz-opt: %s succeeded but left IR that fails "
                 "verification\n",
                 pipeline);
    module->print(llvm::errs());
    std::abort();
  }
  return 0;
}
