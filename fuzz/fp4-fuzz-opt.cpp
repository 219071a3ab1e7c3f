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
#include "fp4/Tools/DriverStack.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/thread.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

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

/// True if a shaped type literal in `text` (tensor<AxBx..., memref<...,
/// vector<...) has more elements than int64 holds: MLIR 22's parser asserts
/// on those itself (ShapedType::getNumElements, upstream), before any of our
/// code runs, so such inputs are skipped rather than reported.
bool hasOverflowingShape(llvm::StringRef text) {
  for (llvm::StringRef kind : {"tensor<", "memref<", "vector<"}) {
    for (size_t at = text.find(kind); at != llvm::StringRef::npos;
         at = text.find(kind, at + 1)) {
      llvm::StringRef rest = text.drop_front(at + kind.size());
      uint64_t product = 1;
      while (!rest.empty() && llvm::isDigit(rest.front())) {
        size_t len = std::min(rest.find_first_not_of("0123456789"),
                              rest.size());
        llvm::APInt dim;
        if (rest.take_front(len).getAsInteger(10, dim) ||
            dim.getActiveBits() > 63)
          return true;
        uint64_t d = dim.getZExtValue();
        if (d != 0 && product > uint64_t(INT64_MAX) / d)
          return true;
        product *= d;
        rest = rest.drop_front(len);
        if (!rest.consume_front("x"))
          break;
      }
    }
  }
  return false;
}

/// True unless `text` has a file-metadata section ({-# ... #-}) other than
/// the plain form `dialect_resources: { builtin: { name: "0x..." , ... } }`:
/// MLIR 22's parser asserts on some malformed sections (consumeToken past an
/// error, upstream) before any of our code runs. Blobs of the plain form,
/// whose contents the folders read, are still fuzzed.
bool hasPlainOrNoMetadata(llvm::StringRef text) {
  size_t at = text.find("{-#");
  if (at == llvm::StringRef::npos)
    return true;
  static const llvm::Regex plain(
      "^\\{-#[[:space:]]*dialect_resources:[[:space:]]*\\{[[:space:]]*"
      "builtin:[[:space:]]*\\{([[:space:]]*[A-Za-z_][A-Za-z0-9_]*:[[:space:]]*"
      "\"0x[0-9A-Fa-f]*\"[[:space:]]*,?)*[[:space:]]*\\}[[:space:]]*\\}"
      "[[:space:]]*#-\\}[[:space:]]*$");
  return plain.match(text.drop_front(at));
}

/// True if `text` has an input that MLIR 22's parser itself asserts on
/// (upstream; found by this target): a `linalg.transpose` or
/// `linalg.broadcast` whose `permutation` / `dimensions` list does not
/// parse (TransposeOp::parse sets a null attribute), or a dense float
/// literal of a type without infinities (f8E8M0FNU, f4E2M1FN, f6E2M3FN,
/// f6E3M2FN) that is negative, has an exponent or is long enough to
/// overflow it (APFloat's conversion reaches llvm_unreachable).
bool hasUpstreamParserAssertion(llvm::StringRef text) {
  // The first `permutation` / `dimensions` after the op name, on its line,
  // must be a plain integer list.
  static const llvm::Regex wellFormed(
      "^(permutation|dimensions) = \\[[0-9, ]*\\]");
  for (llvm::StringRef op : {"linalg.transpose", "linalg.broadcast"}) {
    for (size_t at = text.find(op); at != llvm::StringRef::npos;
         at = text.find(op, at + 1)) {
      // Not in a comment (tests name these ops in remarks and prose).
      size_t lineStart = text.rfind('\n', at);
      lineStart = lineStart == llvm::StringRef::npos ? 0 : lineStart + 1;
      if (text.slice(lineStart, at).contains("//"))
        continue;
      llvm::StringRef line = text.drop_front(at + op.size());
      line = line.take_front(line.find('\n'));
      size_t key = std::min(line.find("permutation"), line.find("dimensions"));
      if (key == llvm::StringRef::npos ||
          !wellFormed.match(line.drop_front(key)))
        return true;
    }
  }
  static const llvm::Regex finiteLiteral(
      "dense<([^>]*)>[[:space:]]*:[[:space:]]*tensor<[^>]*"
      "(f8E8M0FNU|f4E2M1FN|f6E2M3FN|f6E3M2FN)>");
  for (llvm::StringRef rest = text;;) {
    llvm::SmallVector<llvm::StringRef> match;
    if (!finiteLiteral.match(rest, &match))
      break;
    llvm::StringRef body = match[1];
    if (body.find_first_of("-eE") != llvm::StringRef::npos ||
        body.contains("inf") || body.contains("nan"))
      return true;
    for (llvm::StringRef token : llvm::split(body, ','))
      if (token.trim(" []").size() > 12)
        return true;
    rest = rest.drop_front(rest.find(match[0]) + match[0].size());
  }
  return false;
}

/// One input, as fp4-opt would run it (on its driver thread).
void runOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: no state carries over between inputs.
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  ctx.allowUnregisteredDialects(false);
  ScopedDiagnosticHandler swallow(&ctx, [](Diagnostic &) { return success(); });

  // MLIR's lexer reads its buffer up to a terminating NUL, which libFuzzer's
  // input lacks: parse a NUL-terminated copy.
  std::string copy(reinterpret_cast<const char *>(data), size);
  llvm::StringRef text(copy.c_str(), size);
  if (hasOverflowingShape(text) || !hasPlainOrNoMetadata(text) ||
      hasUpstreamParserAssertion(text))
    return;
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &ctx);
  if (!module || failed(verify(*module)))
    return;

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
    return;
  if (failed(verify(*module))) {
    std::fprintf(stderr,
                 "fp4-fuzz-opt: %s succeeded but left IR that fails "
                 "verification\n",
                 pipeline);
    module->print(llvm::errs());
    std::abort();
  }
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
  // fp4-opt's stack (deep nesting recurses in MLIR's parser).
  llvm::thread worker(std::optional<unsigned>(fp4::kDriverStackBytes),
                      [&] { runOneInput(data, size); });
  worker.join();
  return 0;
}
