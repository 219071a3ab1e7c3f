//===- MemRefCopy.cpp - memrefCopy for deployed host code -----------------===//
//
// Part of fp4-mlir. Host code lowered by the fp4-mlir pipelines calls
// `memrefCopy` (the MLIR C runner utilities' ABI) for a memref.copy between
// buffers whose layouts are not both contiguous, e.g. a model returning a
// strided slice. That library needs libMLIR, which the GPU machine does not
// have; this is the same function with no dependencies, linked into the
// deployed models (scripts/gpu-run.sh). The JIT on the build machine uses
// MLIR's own (tools/fp4-cpu-check/CpuKernel.cpp).
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>
#include <vector>

namespace {
/// The C layout of an unranked memref: its rank and a ranked descriptor
/// {allocated, aligned, offset, sizes[rank], strides[rank]}.
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

struct View {
  char *base;
  const int64_t *sizes, *strides;
  explicit View(const UnrankedMemRef &m, int64_t elementSize) {
    auto *d = static_cast<int64_t *>(m.descriptor);
    base = reinterpret_cast<char *>(d[1]) + d[2] * elementSize;
    sizes = d + 3;
    strides = d + 3 + m.rank;
  }
};
} // namespace

extern "C" void memrefCopy(int64_t elementSize, UnrankedMemRef *src,
                           UnrankedMemRef *dst) {
  int64_t rank = src->rank;
  View from(*src, elementSize), to(*dst, elementSize);
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d)
    count *= from.sizes[d];
  // Row-major walk over the index space; both sides by their own strides.
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t a = 0, b = 0;
    for (int64_t d = 0; d < rank; ++d) {
      a += index[d] * from.strides[d];
      b += index[d] * to.strides[d];
    }
    std::memcpy(to.base + b * elementSize, from.base + a * elementSize,
                elementSize);
    for (int64_t d = rank; d-- > 0;) {
      if (++index[d] < from.sizes[d])
        break;
      index[d] = 0;
    }
  }
}
