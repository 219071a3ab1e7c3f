//===- Passes.h - nvfp4 transformations -------------------------*- C++ -*-===//
//
// Part of fp4-mlir. Passes that bring models into the nvfp4 dialect
// (Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_DIALECT_NVFP4_TRANSFORMS_PASSES_H
#define FP4_DIALECT_NVFP4_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::nvfp4 {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "fp4/Dialect/NVFP4/Transforms/Passes.h.inc"

} // namespace mlir::nvfp4

#endif // FP4_DIALECT_NVFP4_TRANSFORMS_PASSES_H
