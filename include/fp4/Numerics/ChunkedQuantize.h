//===- ChunkedQuantize.h - Whole-tensor quantize in parallel row chunks ---===//
//
// quantize() of a large tensor split into chunks of result rows that run on
// any number of threads, with bytes identical to one whole-tensor call. The
// caller supplies the parallel loop, so the numerics library stays free of
// threading and LLVM dependencies (the dialect's constant folding passes
// MLIR's thread pool, fp4-quantize-checkpoint an llvm::ThreadPool).
//
//===----------------------------------------------------------------------===//

#ifndef FP4_NUMERICS_CHUNKEDQUANTIZE_H
#define FP4_NUMERICS_CHUNKEDQUANTIZE_H

#include "fp4/Numerics/BlockQuantize.h"

#include <functional>
#include <vector>

namespace mlir::fp4 {

/// Runs body(i) for every i in [0, count), in any order and on any threads,
/// and returns when all have finished.
using ParallelForFn =
    std::function<void(size_t count, const std::function<void(size_t)> &body)>;

/// Result rows per chunk: one tcgen05 scale-tile row (128), so that every
/// chunk's scales are contiguous in both scale layouts.
inline constexpr uint64_t kQuantizeChunkRows = 128;

/// Copies result rows [c0, c0 + count) of the transpose of a rows x cols
/// row-major `input` (that is, input columns c0 .. c0+count-1) into `chunk`
/// as a count x rows row-major matrix (resized to fit).
void copyTransposedRows(const void *input, ElementType type, uint64_t rows,
                        uint64_t cols, uint64_t c0, uint64_t count,
                        std::vector<char> &chunk);

/// quantize() with the same arguments, kQuantizeChunkRows result rows at a
/// time through `parallelFor`. Each chunk is quantized as it is (a transposed
/// one copied out first) with the whole tensor's amax as its calibrated
/// amax, so every block sees the same values and tensor scale and the bytes
/// and QuantizeInfo equal those of one whole-tensor call for any number of
/// threads. Where chunks could differ (stochastic rounding draws by element
/// position, 2-D tiles, an amax that is zero or not finite) it makes the
/// one whole-tensor call.
QuantizeResult quantizeInChunks(const void *input, ElementType type,
                                uint64_t rows, uint64_t cols,
                                QuantizeOptions options, uint8_t *values,
                                uint64_t valuesBytes, uint8_t *scales,
                                uint64_t scalesBytes,
                                const ParallelForFn &parallelFor);

} // namespace mlir::fp4

#endif // FP4_NUMERICS_CHUNKEDQUANTIZE_H
