//===- WidenSubByteTensors.h - i1..i7 tensors to i8 -------------*- C++ -*-===//
//
// Part of fp4-mlir. Gives tensors of sub-byte integers i8 elements before
// bufferization (see WidenSubByteTensorsPass in fp4/Conversion/Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CONVERSION_WIDENSUBBYTETENSORS_WIDENSUBBYTETENSORS_H
#define FP4_CONVERSION_WIDENSUBBYTETENSORS_WIDENSUBBYTETENSORS_H

#include "mlir/Pass/Pass.h"

namespace mlir::fp4 {

#define GEN_PASS_DECL_WIDENSUBBYTETENSORSPASS
#include "fp4/Conversion/Passes.h.inc"

} // namespace mlir::fp4

#endif // FP4_CONVERSION_WIDENSUBBYTETENSORS_WIDENSUBBYTETENSORS_H
