/*===- FP4.h - fp4-mlir C API -------------------------------------*- C -*-===*\
|*                                                                            *|
|* Part of fp4-mlir. The small C API the Python bindings (python/) are built  *|
|* on, in the style of MLIR's C API: registering the nvfp4 dialect and the    *|
|* passes in a context, and reading the serialized kernels of a module.       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef FP4_C_FP4_H
#define FP4_C_FP4_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Makes the nvfp4 dialect and every upstream dialect and interface that
/// fp4-opt registers (arith, linalg, gpu, nvvm, LLVM translations, ...)
/// available in `context`, and loads those dialects.
MLIR_CAPI_EXPORTED void fp4RegisterAllDialects(MlirContext context);

/// Registers fp4-mlir's passes and pipelines (nvfp4-quantize-matmuls,
/// convert-nvfp4-to-arith, nvfp4-lower-to-cpu, nvfp4-lower-to-sm100a, ...)
/// and the upstream passes fp4-opt offers, for textual pipelines.
MLIR_CAPI_EXPORTED void fp4RegisterAllPasses(void);

/// The number of `gpu.binary` ops directly in `module`.
MLIR_CAPI_EXPORTED intptr_t fp4GetNumGpuBinaries(MlirModule module);

/// The symbol name of the `index`-th `gpu.binary` of `module`.
MLIR_CAPI_EXPORTED MlirStringRef fp4GetGpuBinaryName(MlirModule module,
                                                     intptr_t index);

/// The bytes of the object that the `index`-th `gpu.binary` launches: the one
/// its `#gpu.select_object` picks (by index or target), else the first (PTX
/// text, a cubin or a fatbinary, by the format it was serialized with).
/// Empty when the selection names no object.
MLIR_CAPI_EXPORTED MlirStringRef fp4GetGpuBinaryObject(MlirModule module,
                                                       intptr_t index);

#ifdef __cplusplus
}
#endif

#endif /* FP4_C_FP4_H */
