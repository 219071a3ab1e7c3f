//===- FP4.cpp - fp4-mlir C API -------------------------------------------===//
//
// Part of fp4-mlir. See include/fp4-c/FP4.h.
//
//===----------------------------------------------------------------------===//

#include "fp4-c/FP4.h"
#include "fp4/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

void fp4RegisterAllDialects(MlirContext context) {
  DialectRegistry registry;
  fp4::registerAllDialects(registry);
  MLIRContext *ctx = unwrap(context);
  ctx->appendDialectRegistry(registry);
  // Load them too, as mlir.ir.Context does with the dialects it registers: an
  // op of a dialect that is registered but not loaded cannot be created
  // (Python's Operation.create and the generated op classes abort).
  for (StringRef name : registry.getDialectNames())
    ctx->getOrLoadDialect(name);
}

void fp4RegisterAllPasses(void) {
  // Registration is global and must happen once.
  static bool registered = [] {
    fp4::registerAllPasses();
    return true;
  }();
  (void)registered;
}

/// The `index`-th gpu.binary directly in `module`, or null.
static gpu::BinaryOp getBinary(MlirModule module, intptr_t index) {
  for (auto binary : unwrap(module).getBody()->getOps<gpu::BinaryOp>())
    if (index-- == 0)
      return binary;
  return {};
}

intptr_t fp4GetNumGpuBinaries(MlirModule module) {
  auto binaries = unwrap(module).getBody()->getOps<gpu::BinaryOp>();
  return std::distance(binaries.begin(), binaries.end());
}

MlirStringRef fp4GetGpuBinaryName(MlirModule module, intptr_t index) {
  gpu::BinaryOp binary = getBinary(module, index);
  return binary ? wrap(binary.getSymName()) : mlirStringRefCreate(nullptr, 0);
}

/// The object that `binary`'s #gpu.select_object picks (by index or by
/// target; the first object without one), as the GPU launch code does.
static gpu::ObjectAttr selectedObject(gpu::BinaryOp binary) {
  ArrayRef<Attribute> objects = binary.getObjects().getValue();
  if (objects.empty())
    return {};
  auto select = dyn_cast_or_null<gpu::SelectObjectAttr>(
      binary.getOffloadingHandlerAttr());
  if (!select || !select.getTarget())
    return cast<gpu::ObjectAttr>(objects.front());
  if (auto index = dyn_cast<IntegerAttr>(select.getTarget())) {
    int64_t i = index.getInt();
    return i >= 0 && i < static_cast<int64_t>(objects.size())
               ? cast<gpu::ObjectAttr>(objects[i])
               : gpu::ObjectAttr();
  }
  for (Attribute object : objects)
    if (cast<gpu::ObjectAttr>(object).getTarget() == select.getTarget())
      return cast<gpu::ObjectAttr>(object);
  return {};
}

MlirStringRef fp4GetGpuBinaryObject(MlirModule module, intptr_t index) {
  gpu::BinaryOp binary = getBinary(module, index);
  gpu::ObjectAttr object = binary ? selectedObject(binary) : gpu::ObjectAttr();
  if (!object)
    return mlirStringRefCreate(nullptr, 0);
  return wrap(object.getObject().getValue());
}
