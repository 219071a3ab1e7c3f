//===- CpuKernel.cpp - JIT-compile nvfp4 IR for the host CPU --------------===//

#include "CpuKernel.h"

#include "fp4/InitAll.h"
#include "fp4/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace fp4tools {

/// libomp.so.5 as found at configure time, or null.
static const char *openmpRuntimePath() {
#ifdef FP4_OPENMP_RUNTIME
  return FP4_OPENMP_RUNTIME;
#else
  return nullptr;
#endif
}

bool setOpenMPThreads(int threads) {
  const char *path = openmpRuntimePath();
  if (!path)
    return false;
  // The library the JIT loads for threads=openmp: one copy per process.
  auto lib = llvm::sys::DynamicLibrary::getPermanentLibrary(path);
  if (!lib.isValid())
    return false;
  auto setNumThreads = reinterpret_cast<void (*)(int)>(
      lib.getAddressOfSymbol("omp_set_num_threads"));
  if (!setNumThreads)
    return false;
  setNumThreads(threads);
  return true;
}

bool parseCpuThreads(const std::string &value, fp4::CpuThreads &threads) {
  if (value == "serial")
    threads = fp4::CpuThreads::Serial;
  else if (value == "openmp")
    threads = fp4::CpuThreads::OpenMP;
  else
    return false;
  return true;
}

CpuKernel::CpuKernel() = default;
CpuKernel::~CpuKernel() = default;

std::unique_ptr<CpuKernel> CpuKernel::compile(const std::string &source,
                                              std::string &error,
                                              const CompileHooks &hooks) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;

  const char *openmpRuntime = openmpRuntimePath();
  if (hooks.threads == fp4::CpuThreads::OpenMP && !openmpRuntime) {
    error = "threads=openmp needs the LLVM OpenMP runtime (libomp.so.5, "
            "Debian's libomp5-14), which was not found when fp4-mlir was "
            "configured";
    return nullptr;
  }

  std::unique_ptr<CpuKernel> kernel(new CpuKernel());
  DialectRegistry registry;
  fp4::registerAllDialects(registry);
  kernel->context = std::make_unique<MLIRContext>(registry);
  MLIRContext &ctx = *kernel->context;

  llvm::raw_string_ostream os(error);
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &ctx);
  if (!module)
    return nullptr;
  if (hooks.prepare && !hooks.prepare(*module))
    return nullptr;
  PassManager pm(&ctx);
  fp4::buildNVFP4LowerToCPUPipeline(pm, hooks.attention, hooks.threads);
  if (failed(pm.run(*module)))
    return nullptr;

  // The options hold a function_ref: the transformer must outlive create()
  // (a temporary here was a stack-use-after-scope, found by ASan).
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, nullptr);
  ExecutionEngineOptions options;
  options.transformer = transformer;
  // The __kmpc_* entry points of the OpenMP loops.
  SmallVector<StringRef, 1> libs;
  if (hooks.threads == fp4::CpuThreads::OpenMP)
    libs.push_back(openmpRuntime);
  options.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(*module, options);
  if (!engine) {
    os << llvm::toString(engine.takeError());
    return nullptr;
  }
  kernel->engine = std::move(*engine);
  // Copies between buffers of different layouts (e.g. a model returning a
  // slice) call the runtime's memrefCopy.
  std::vector<std::pair<std::string, void *>> symbols = hooks.symbols;
  symbols.push_back({"memrefCopy", reinterpret_cast<void *>(&memrefCopy)});
  kernel->engine->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    for (const auto &[name, address] : symbols)
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                             llvm::JITSymbolFlags::Exported};
    return map;
  });
  return kernel;
}

bool CpuKernel::call(const std::string &name, const std::vector<void *> &args) {
  auto symbol = engine->lookup("_mlir_ciface_" + name);
  if (!symbol) {
    llvm::consumeError(symbol.takeError());
    return false;
  }
  void *fn = *symbol;
  // Every argument is a pointer to a descriptor.
  switch (args.size()) {
  case 2:
    reinterpret_cast<void (*)(void *, void *)>(fn)(args[0], args[1]);
    return true;
  case 3:
    reinterpret_cast<void (*)(void *, void *, void *)>(fn)(args[0], args[1],
                                                           args[2]);
    return true;
  case 4:
    reinterpret_cast<void (*)(void *, void *, void *, void *)>(fn)(
        args[0], args[1], args[2], args[3]);
    return true;
  case 7:
    reinterpret_cast<void (*)(void *, void *, void *, void *, void *, void *,
                              void *)>(fn)(args[0], args[1], args[2], args[3],
                                           args[4], args[5], args[6]);
    return true;
  default:
    return false;
  }
}

bool CpuKernel::callPacked(const std::string &name, std::vector<void *> &args) {
  // The packed wrapper takes a pointer to each argument (a descriptor
  // pointer).
  std::vector<void *> packed;
  for (void *&arg : args)
    packed.push_back(&arg);
  llvm::Error error = engine->invokePacked("_mlir_ciface_" + name, packed);
  if (!error)
    return true;
  llvm::consumeError(std::move(error));
  return false;
}

} // namespace fp4tools
