//===- PassPlugin.cpp - fp4-mlir passes as a pass plugin for mlir-opt -----===//
//
// Part of fp4-mlir. Loaded by a tool built on MlirOptMain, such as the
// upstream mlir-opt: `mlir-opt --load-pass-plugin=FP4PassPlugin.so`. Registers
// every fp4-mlir pass and named pipeline; the upstream passes they are built
// from come with the host. Parsing nvfp4 IR needs the dialect plugin too.
//
//===----------------------------------------------------------------------===//

#include "fp4/Conversion/Passes.h"
#include "fp4/Dialect/NVFP4/Transforms/Passes.h"
#include "fp4/Pipelines/Pipelines.h"

#include "mlir/Tools/Plugins/PassPlugin.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "FP4Passes", FP4MLIR_VERSION, [] {
            fp4::registerFP4ConversionPasses();
            nvfp4::registerNVFP4TransformsPasses();
            fp4::registerPipelines();
          }};
}
