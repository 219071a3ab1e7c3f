//===- Safetensors.h - Reading and laying out safetensors files -*- C++ -*-===//
//
// The safetensors container (github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON
//   {"NAME": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]},
//    ..., "__metadata__": {"key": "value", ...}}
// padded with spaces, then the data buffer; offsets are relative to the
// buffer and the tensors tile it exactly. Only the header is read here:
// tensor data is read per tensor by the caller, so no model is ever held in
// memory whole.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_CHECKPOINT_SAFETENSORS_H
#define FP4_CHECKPOINT_SAFETENSORS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mlir::fp4::checkpoint {

/// Size in bytes of one element of safetensors dtype `dtype` (BOOL, U8, I8,
/// F8_E4M3, F8_E5M2, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64,
/// F64, C64), or 0 for a dtype this reader does not know.
size_t dtypeSize(llvm::StringRef dtype);

/// One tensor of a safetensors header.
struct TensorInfo {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  uint64_t begin = 0; ///< Offset in the data buffer.
  uint64_t end = 0;   ///< One past the last byte.

  uint64_t numElements() const;
  uint64_t bytes() const { return end - begin; }
};

/// A parsed safetensors header.
struct SafetensorsHeader {
  /// Tensors in data-buffer order.
  std::vector<TensorInfo> tensors;
  /// The "__metadata__" strings, if any.
  std::map<std::string, std::string> metadata;
  /// File offset of the data buffer (8 + N).
  uint64_t dataStart = 0;
};

/// Parses the header of a safetensors file of `fileSize` bytes whose header
/// JSON is `json`, and checks every entry: known dtype, shape and offsets
/// that agree, tensors that tile the data buffer, and a buffer that the file
/// holds completely (a truncated file is an error). Messages name
/// `fileName`.
llvm::Expected<SafetensorsHeader>
parseSafetensorsHeader(llvm::StringRef fileName, llvm::StringRef json,
                       uint64_t fileSize);

/// Reads `size` bytes at `offset` of `file` (looping over short reads).
llvm::Error readExactly(llvm::sys::fs::file_t file, char *data, uint64_t size,
                        uint64_t offset);

/// Reads and parses the header of the safetensors file `path`.
llvm::Expected<SafetensorsHeader> readSafetensorsHeader(llvm::StringRef path);

/// One tensor of a safetensors file to write.
struct OutputTensor {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  uint64_t bytes = 0;
  uint64_t offset = 0; ///< Set by layoutSafetensors (in the data buffer).
};

/// Lays out `tensors` in a data buffer, largest element size first and then
/// by name (as the safetensors serializer does, so that every tensor is
/// aligned to its element size), sets each offset, and returns the file's
/// first bytes: the 8-byte length and the header JSON padded with spaces to
/// a multiple of 8. The data buffer follows them.
std::string
layoutSafetensors(std::vector<OutputTensor> &tensors,
                  const std::map<std::string, std::string> &metadata);

} // namespace mlir::fp4::checkpoint

#endif // FP4_CHECKPOINT_SAFETENSORS_H
