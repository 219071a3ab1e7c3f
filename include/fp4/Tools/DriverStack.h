//===- DriverStack.h - Stack size of the fp4-mlir drivers -------*- C++ -*-===//
//
// Part of fp4-mlir. MLIR's parser recurses once per nesting level of its
// input (types, attributes, regions): on the default 8 MiB stack, about
// 15,000 nested parentheses overflow it, and upstream mlir-opt crashes (found
// by fuzzing). fp4-opt and the fuzz targets parse on a thread with this much
// stack instead; the kernel commits it only as far as it is used.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_DRIVERSTACK_H
#define FP4_TOOLS_DRIVERSTACK_H

namespace mlir::fp4 {

inline constexpr unsigned kDriverStackBytes = 512u << 20;

} // namespace mlir::fp4

#endif // FP4_TOOLS_DRIVERSTACK_H
