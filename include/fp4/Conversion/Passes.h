//===- Passes.h - fp4-mlir conversion passes --------------------*- C++ -*-===//
//
// Part of fp4-mlir. Declarations and registration of the conversions out of
// the nvfp4 dialect and the host code passes of their pipelines (Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CONVERSION_PASSES_H
#define FP4_CONVERSION_PASSES_H

#include "fp4/Conversion/NVFP4ToArith/NVFP4ToArith.h"
#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"
#include "fp4/Conversion/WidenSubByteTensors/WidenSubByteTensors.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fp4 {

#define GEN_PASS_REGISTRATION
#include "fp4/Conversion/Passes.h.inc"

} // namespace mlir::fp4

#endif // FP4_CONVERSION_PASSES_H
