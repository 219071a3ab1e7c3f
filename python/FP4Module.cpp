//===- FP4Module.cpp - The fp4_mlir._fp4 extension ------------------------===//
//
// Part of fp4-mlir. A nanobind module over the C API (include/fp4-c/FP4.h)
// and the numerics library. MLIR objects (contexts, modules) cross from the
// upstream `mlir` package as C API capsules (NanobindAdaptors.h). Arrays
// cross as raw bytes; fp4_mlir/__init__.py gives them their numpy/ml_dtypes
// types. Every error becomes a Python exception (ValueError) with the
// library's message.
//
//===----------------------------------------------------------------------===//

#include "fp4-c/FP4.h"
#include "fp4/Numerics/BlockQuantize.h"

#include "mlir-c/Diagnostics.h"
#include "mlir-c/Pass.h"

#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <cstring>
#include <memory>
#include <vector>

namespace nb = nanobind;
using namespace mlir::fp4;

namespace {

using ByteArray =
    nb::ndarray<const uint8_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using NumpyBytes = nb::ndarray<nb::numpy, uint8_t, nb::ndim<1>>;
using NumpyFloats = nb::ndarray<nb::numpy, float, nb::ndim<1>>;

/// Raises ValueError(message), all of it (c_str() would end it at a NUL that
/// came with an argument, e.g. a rule spelling).
[[noreturn]] void fail(const std::string &message) {
  PyErr_SetObject(PyExc_ValueError,
                  nb::str(message.data(), message.size()).ptr());
  throw nb::python_error();
}

/// A numpy array that owns a fresh buffer of `count` elements.
template <typename T, typename Array> Array newArray(size_t count, T *&data) {
  data = new T[count]();
  nb::capsule owner(data,
                    [](void *p) noexcept { delete[] static_cast<T *>(p); });
  return Array(data, {count}, owner);
}

ElementType parseElementType(const std::string &name) {
  if (name == "f32")
    return ElementType::F32;
  if (name == "bf16")
    return ElementType::BF16;
  if (name == "f16")
    return ElementType::F16;
  fail(("unknown element type '" + name + "' (expected f32, bf16 or f16)"));
}

Format parseFormat(const std::string &name) {
  if (name == "nvfp4")
    return Format::NVFP4;
  if (name == "mxfp4")
    return Format::MXFP4;
  fail("unknown format '" + name + "' (expected nvfp4 or mxfp4)");
}

ScaleLayout parseLayout(const std::string &name) {
  if (name == "row_major")
    return ScaleLayout::RowMajor;
  if (name == "tcgen05")
    return ScaleLayout::Tcgen05;
  fail(("unknown scale layout '" + name + "' (expected row_major or tcgen05)"));
}

/// quantize(): raw input bytes in, (values, scales, tensor scale, amax,
/// NaN blocks) out.
nb::tuple quantizeBytes(ByteArray input, const std::string &type, uint64_t rows,
                        uint64_t cols, const std::string &format,
                        const std::string &rule, bool transpose,
                        const std::string &layout, bool tile16,
                        std::optional<uint64_t> seed,
                        std::optional<float> amax) {
  QuantizeOptions options;
  options.format = parseFormat(format);
  std::string error = parseRuleSpec(rule, options);
  if (!error.empty())
    fail(error);
  options.transpose = transpose;
  options.scaleLayout = parseLayout(layout);
  options.block2D = tile16;
  if (seed) {
    options.rounding = Rounding::Stochastic;
    options.seed = *seed;
  }
  if (amax) {
    options.hasCalibratedAmax = true;
    options.amax = *amax;
  }
  ElementType elementType = parseElementType(type);
  if (input.size() != rows * cols * elementSize(elementType))
    fail("the input holds " + std::to_string(input.size()) + " bytes, not " +
         std::to_string(rows) + " x " + std::to_string(cols) + " " + type +
         " elements");
  error = validateQuantizeOptions(options, rows, cols);
  if (!error.empty())
    fail(error);

  uint8_t *values, *scales;
  uint64_t valueCount = packedValuesBytes(options, rows, cols);
  uint64_t scaleCount = scaleBytes(options, rows, cols);
  auto valueArray = newArray<uint8_t, NumpyBytes>(valueCount, values);
  auto scaleArray = newArray<uint8_t, NumpyBytes>(scaleCount, scales);
  QuantizeResult result;
  {
    nb::gil_scoped_release release;
    result = quantize(input.data(), elementType, rows, cols, options, values,
                      valueCount, scales, scaleCount);
  }
  if (!result.ok)
    fail(result.error);
  return nb::make_tuple(valueArray, scaleArray,
                        decodeTensorScale(options, result.info),
                        result.info.amax, result.info.nanBlocks);
}

/// dequantize(): packed values and scale bytes in, R x C floats out.
NumpyFloats dequantizeBytes(ByteArray values, ByteArray scales, uint64_t rows,
                            uint64_t cols, const std::string &format,
                            const std::string &layout, float tensorScale) {
  Format f = parseFormat(format);
  ScaleLayout l = parseLayout(layout);
  QuantizeOptions options;
  options.format = f;
  options.scaleLayout = l;
  // Bound the shape before any size arithmetic can wrap.
  if (rows == 0 || cols == 0 || rows > (uint64_t(1) << 40) / cols)
    fail("bad matrix shape " + std::to_string(rows) + " x " +
         std::to_string(cols));
  if (cols % blockSize(f) != 0)
    fail(("the matrix has " + std::to_string(cols) +
          " columns, not a multiple of the block size " +
          std::to_string(blockSize(f))));
  if (values.size() != rows * cols / 2)
    fail("expected " + std::to_string(rows * cols / 2) +
         " packed value bytes, got " + std::to_string(values.size()));
  if (scales.size() != scaleBytes(options, rows, cols))
    fail("expected " + std::to_string(scaleBytes(options, rows, cols)) +
         " scale bytes, got " + std::to_string(scales.size()));
  float *out;
  auto array = newArray<float, NumpyFloats>(rows * cols, out);
  std::string error;
  {
    nb::gil_scoped_release release;
    error = dequantize(values.data(), scales.data(), rows, cols, f, l,
                       tensorScale, out);
  }
  if (!error.empty())
    fail(error);
  return array;
}

/// The message of a diagnostic.
std::string diagnosticText(MlirDiagnostic diagnostic) {
  std::string text;
  mlirDiagnosticPrint(
      diagnostic,
      [](MlirStringRef s, void *text) {
        static_cast<std::string *>(text)->append(s.data, s.length);
      },
      &text);
  return text;
}

/// An error diagnostic: location, message, notes.
struct CapturedError {
  MlirLocation location;
  std::string message;
  std::vector<std::pair<MlirLocation, std::string>> notes;
};

/// Diagnostic handler: takes the errors into the std::vector<CapturedError>
/// `out`, leaves the rest (remarks, warnings) to the next handler.
MlirLogicalResult captureError(MlirDiagnostic diagnostic, void *out) {
  if (mlirDiagnosticGetSeverity(diagnostic) != MlirDiagnosticError)
    return mlirLogicalResultFailure();
  CapturedError error{
      mlirDiagnosticGetLocation(diagnostic), diagnosticText(diagnostic), {}};
  for (intptr_t i = 0, e = mlirDiagnosticGetNumNotes(diagnostic); i < e; ++i) {
    MlirDiagnostic note = mlirDiagnosticGetNote(diagnostic, i);
    error.notes.emplace_back(mlirDiagnosticGetLocation(note),
                             diagnosticText(note));
  }
  static_cast<std::vector<CapturedError> *>(out)->push_back(std::move(error));
  return mlirLogicalResultSuccess();
}

/// Raises ValueError with the diagnostics unless `module` verifies: IR built
/// through the generic API (Python's Operation.create, or an attribute set
/// to one of another kind) can lack what the accessors dereference.
void verifyModule(MlirModule module) {
  MlirOperation op = mlirModuleGetOperation(module);
  MlirContext context = mlirOperationGetContext(op);
  std::vector<CapturedError> errors;
  MlirDiagnosticHandlerID id = mlirContextAttachDiagnosticHandler(
      context, captureError, &errors, nullptr);
  bool verified = mlirOperationVerify(op);
  mlirContextDetachDiagnosticHandler(context, id);
  if (verified)
    return;
  std::string message = "the module does not verify:";
  for (const CapturedError &error : errors)
    message += "\n" + error.message;
  fail(message);
}

/// Runs `pm` on `op`: (succeeded, the errors as [(location, message,
/// [(location, message)])]). Not PassManager.run: its error capture asserts
/// (aborting the interpreter, in the assertion-enabled MLIR bindings) when a
/// pass emits an error but succeeds, as convert-vector-to-llvm does on a
/// memref it cannot convert.
nb::tuple runPassManager(MlirPassManager pm, MlirOperation op) {
  MlirContext context = mlirOperationGetContext(op);
  std::vector<CapturedError> errors;
  MlirDiagnosticHandlerID id = mlirContextAttachDiagnosticHandler(
      context, captureError, &errors, nullptr);
  MlirLogicalResult result = mlirPassManagerRunOnOp(pm, op);
  mlirContextDetachDiagnosticHandler(context, id);
  nb::list list;
  for (const CapturedError &error : errors) {
    nb::list notes;
    for (const auto &[location, message] : error.notes)
      notes.append(nb::make_tuple(location, message));
    list.append(nb::make_tuple(error.location, error.message, notes));
  }
  return nb::make_tuple(mlirLogicalResultIsSuccess(result), list);
}

/// The gpu.binary ops of a module: [(name, bytes)].
nb::list gpuBinaries(MlirModule module) {
  verifyModule(module);
  nb::list binaries;
  for (intptr_t i = 0, e = fp4GetNumGpuBinaries(module); i < e; ++i) {
    MlirStringRef name = fp4GetGpuBinaryName(module, i);
    MlirStringRef object = fp4GetGpuBinaryObject(module, i);
    binaries.append(nb::make_tuple(std::string(name.data, name.length),
                                   nb::bytes(object.data, object.length)));
  }
  return binaries;
}

} // namespace

NB_MODULE(_fp4, m) {
  m.doc() = "fp4-mlir native module: dialect and pass registration, the "
            "numerics library (use the fp4_mlir package, not this module)";
  m.def(
      "register_dialects",
      [](MlirContext context) { fp4RegisterAllDialects(context); },
      nb::arg("context").none() = nb::none(),
      "Make the nvfp4 dialect and the dialects fp4-opt uses available in "
      "`context` (default: the current context).");
  m.def("register_passes", &fp4RegisterAllPasses,
        "Register fp4-mlir's passes and pipelines for PassManager.parse.");
  m.def("run_pass_manager", &runPassManager, nb::arg("pass_manager"),
        nb::arg("operation"),
        "Run a PassManager on an operation: (succeeded, [(location, message, "
        "notes)] of the errors).");
  m.def("gpu_binaries", &gpuBinaries, nb::arg("module"),
        "The (name, bytes) of each gpu.binary in `module`.");
  // Buffers are taken as they are (noconvert): nanobind would otherwise cast
  // an array of another dtype to uint8 element by element.
  m.def("quantize", &quantizeBytes, nb::arg("input").noconvert(),
        nb::arg("type"), nb::arg("rows"), nb::arg("cols"), nb::arg("format"),
        nb::arg("rule"), nb::arg("transpose"), nb::arg("layout"),
        nb::arg("tile16"), nb::arg("seed").none(), nb::arg("amax").none());
  m.def("dequantize", &dequantizeBytes, nb::arg("values").noconvert(),
        nb::arg("scales").noconvert(), nb::arg("rows"), nb::arg("cols"),
        nb::arg("format"), nb::arg("layout"), nb::arg("tensor_scale"));
}
