//===- LibraryCalls.h - nvfp4 ops through the numerics library -*- C++ -*-===//
//
// Part of fp4-mlir. For fp4-model-check's reference: every nvfp4.quantize,
// nvfp4.scaled_matmul and nvfp4.attention of a module becomes a call into
// the numerics library (quantize, scaledMatmulReference: decode, sum over k
// in order, times gA * gB; attentionReference), while the rest of the model stays compiled code. A model built
// this way and the same model lowered by nvfp4-lower-to-cpu differ only in
// who computes the nvfp4 ops.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_LIBRARYCALLS_H
#define FP4_TOOLS_LIBRARYCALLS_H

#include <string>
#include <utility>
#include <vector>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace fp4tools {

/// Rewrites the nvfp4 ops of `module` into calls and returns how many; -1
/// (with a diagnostic) if one cannot be (dynamic shapes, a calibrated amax,
/// stochastic rounding).
int replaceWithLibraryCalls(mlir::ModuleOp module);

/// The host functions those calls reach: (symbol, address).
std::vector<std::pair<std::string, void *>> libraryCallSymbols();

} // namespace fp4tools

#endif // FP4_TOOLS_LIBRARYCALLS_H
