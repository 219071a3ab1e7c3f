//===- ModelIO.h - A model's tensors on the host -----------------*- C++
//-*-===//
//
// Part of fp4-mlir. The inputs and outputs of a compiled model's @forward
// (any number, any static rank, f32/bf16/f16 or integer elements) as host
// buffers: their memref descriptors for the C interface (_mlir_ciface_*),
// raw files, and a plain-text signature. Free of MLIR and LLVM, so that the
// GPU machine (no MLIR) builds it too (fp4-gpu-model).
//
// The signature has one line per tensor, inputs first:
//   in|out DTYPE RANK D0 D1 ... FILE
// with DTYPE one of f32 bf16 f16 i64 i32 i8 and FILE relative to the
// signature's folder.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_TOOLS_MODELIO_H
#define FP4_TOOLS_MODELIO_H

#include <cstdint>
#include <string>
#include <vector>

namespace fp4tools {

enum class DType { F32, BF16, F16, I64, I32, I8 };

/// "f32", "bf16", ...; false for a name it does not know.
bool parseDType(const std::string &name, DType &type);
const char *dtypeName(DType type);
size_t dtypeBytes(DType type);
bool isFloat(DType type);

/// One tensor of a model, row-major.
struct HostTensor {
  DType type = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t numElements() const;
  /// Element `i` widened to double (bf16/f16 exactly).
  double at(size_t i) const;
  /// Fills with seeded N(0, 1) samples rounded to the element type (integer
  /// tensors: zeros).
  void fillNormal(uint64_t seed);
  /// The memref descriptor words: allocated, aligned, offset, sizes, strides.
  std::vector<int64_t> descriptor();
};

/// The tensors of one @forward call.
struct ModelIO {
  std::vector<HostTensor> inputs, outputs;
};

/// Reads / writes `bytes` of `t` from / to `path`; false on a short or
/// failed read or write.
bool readTensorFile(const std::string &path, HostTensor &t);
bool writeTensorFile(const std::string &path, const HostTensor &t);

/// Writes the signature of `io` to `dir/name.sig` and each tensor to
/// `dir/name.<in|out><i>.<suffix>.bin`.
bool writeSignature(const std::string &dir, const std::string &name,
                    const std::string &suffix, const ModelIO &io);
/// Reads a signature and its tensors; `error` says why not.
bool readSignature(const std::string &path, ModelIO &io, std::string &error);

/// Copies each returned buffer (descriptors in `results`) into io.outputs
/// and frees it.
void finishOutputs(ModelIO &io, const std::vector<int64_t> &results);

/// Calls a compiled @forward through its C interface: `fn(results, in0, ...)`
/// where results points to the output descriptors one after another (one
/// descriptor when there is one output). Fills `io.outputs` (their types and
/// shapes must be set) from the returned buffers and frees them. `call`
/// receives the argument pointers and returns whether it made the call.
template <typename Call>
bool callForward(ModelIO &io, Call call) {
  std::vector<std::vector<int64_t>> inputs;
  std::vector<void *> args;
  size_t words = 0;
  for (HostTensor &out : io.outputs)
    words += 3 + 2 * out.shape.size();
  std::vector<int64_t> results(words, 0);
  args.push_back(results.data());
  for (HostTensor &in : io.inputs)
    inputs.push_back(in.descriptor());
  for (auto &d : inputs)
    args.push_back(d.data());
  if (!call(args))
    return false;
  finishOutputs(io, results);
  return true;
}

/// Relative Frobenius error ||a - b|| / ||b|| over every output, counting
/// the elements where either is not finite (left out of the sums).
struct Difference {
  double relative = 0.0;
  size_t nonFinite = 0;
  size_t differingBits = 0; ///< Elements whose bytes differ (NaN = NaN).
  size_t elements = 0;
};
Difference compareOutputs(const std::vector<HostTensor> &a,
                          const std::vector<HostTensor> &b);

} // namespace fp4tools

#endif // FP4_TOOLS_MODELIO_H
