//===- DialectPlugin.cpp - nvfp4 as a dialect plugin for mlir-opt ---------===//
//
// Part of fp4-mlir. Loaded by a tool built on MlirOptMain, such as the
// upstream mlir-opt: `mlir-opt --load-dialect-plugin=FP4DialectPlugin.so`.
// The host already registers every upstream dialect and extension, so this
// adds only what is ours. The code it registers lives in libFP4MLIR.so, which
// the pass plugin shares: one copy of every TypeID in the process.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "FP4Dialect", FP4MLIR_VERSION,
          [](DialectRegistry *registry) {
            registry->insert<nvfp4::NVFP4Dialect>();
            // Host code with kernel launches (nvfp4-lower-to-sm100a
            // host=true) is bufferized and deallocated only with this model.
            fp4::registerLaunchFuncMemoryEffects(*registry);
          }};
}
