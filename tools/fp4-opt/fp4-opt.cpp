//===- fp4-opt.cpp - The fp4-mlir optimizer driver ------------------------===//
//
// Part of fp4-mlir. An mlir-opt style driver that knows the nvfp4 dialect,
// its passes and pipelines, and the upstream dialects they lower through.
//
//===----------------------------------------------------------------------===//

#include "fp4/InitAll.h"
#include "fp4/Tools/DriverStack.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/thread.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::fp4::registerAllDialects(registry);
  mlir::fp4::registerAllPasses();
  auto run = [&] {
    return mlir::asMainReturnCode(mlir::MlirOptMain(
        argc, argv,
        "fp4-opt: the fp4-mlir optimizer driver for NVFP4/MXFP4 block-scaled "
        "4-bit floating point (the nvfp4 dialect and the upstream passes it "
        "lowers through, down to NVVM and sm_100a binaries)\n",
        registry));
  };
  if (!mlir::fp4::kDriverThread)
    return run();
  // A large stack for deeply nested input (fp4/Tools/DriverStack.h).
  int rc = 0;
  llvm::thread driver(std::optional<unsigned>(mlir::fp4::kDriverStackBytes),
                      [&] { rc = run(); });
  driver.join();
  return rc;
}
