//===- MemRefDescriptor.h - memref descriptors for C calls -----*- C++ -*-===//
//
// Part of fp4-mlir. The C layout of the LLVM lowering of a ranked memref,
// how the checks pass buffers to compiled functions (_mlir_ciface_*).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_MEMREFDESCRIPTOR_H
#define FP4_TOOLS_MEMREFDESCRIPTOR_H

#include <cstdint>

namespace fp4tools {

/// A ranked memref descriptor, the C layout of the LLVM lowering of memref.
template <int Rank>
struct MemRefDescriptor {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// A row-major descriptor of `data` with `shape`.
template <int Rank>
MemRefDescriptor<Rank> describe(void *data, const int64_t (&shape)[Rank]) {
  MemRefDescriptor<Rank> d{data, data, 0, {}, {}};
  int64_t stride = 1;
  for (int i = Rank - 1; i >= 0; --i) {
    d.sizes[i] = shape[i];
    d.strides[i] = stride;
    stride *= shape[i];
  }
  return d;
}

} // namespace fp4tools

#endif // FP4_TOOLS_MEMREFDESCRIPTOR_H
