//===- Safetensors.cpp - Reading and laying out safetensors files ---------===//
//
// Part of fp4-mlir. See Safetensors.h.
//
//===----------------------------------------------------------------------===//

#include "fp4/Checkpoint/Safetensors.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace llvm;

namespace mlir::fp4::checkpoint {

/// The safetensors library refuses headers above 100 MB; so do we, before
/// allocating one.
static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

size_t dtypeSize(StringRef dtype) {
  return StringSwitch<size_t>(dtype)
      .Cases("BOOL", "U8", "I8", 1)
      .Cases("F8_E4M3", "F8_E5M2", "F8_E8M0", 1)
      .Cases("I16", "U16", "F16", "BF16", 2)
      .Cases("I32", "U32", "F32", 4)
      .Cases("I64", "U64", "F64", "C64", 8)
      .Default(0);
}

uint64_t TensorInfo::numElements() const {
  uint64_t n = 1;
  for (uint64_t d : shape)
    n *= d;
  return n;
}

static Error fail(StringRef fileName, const Twine &message) {
  return createStringError(inconvertibleErrorCode(), fileName + ": " + message);
}

/// Parses one tensor entry; returns "" or the problem.
static std::string parseTensor(const json::Object &entry, TensorInfo &t) {
  std::optional<StringRef> dtype = entry.getString("dtype");
  const json::Array *shape = entry.getArray("shape");
  const json::Array *offsets = entry.getArray("data_offsets");
  if (!dtype || !shape || !offsets)
    return "needs \"dtype\" (a string), \"shape\" and \"data_offsets\" "
           "(arrays)";
  t.dtype = dtype->str();
  size_t elementBytes = dtypeSize(*dtype);
  if (elementBytes == 0)
    return "has unsupported dtype '" + t.dtype + "'";
  uint64_t elements = 1;
  for (const json::Value &d : *shape) {
    std::optional<uint64_t> dim = d.getAsUINT64();
    if (!dim)
      return "has a shape entry that is not a non-negative integer";
    if (__builtin_mul_overflow(elements, *dim, &elements))
      return "has a shape whose size overflows 64 bits";
    t.shape.push_back(*dim);
  }
  std::optional<uint64_t> begin, end;
  if (offsets->size() == 2) {
    begin = (*offsets)[0].getAsUINT64();
    end = (*offsets)[1].getAsUINT64();
  }
  if (!begin || !end || *begin > *end)
    return "needs \"data_offsets\" [begin, end] with 0 <= begin <= end";
  t.begin = *begin;
  t.end = *end;
  uint64_t bytes;
  if (__builtin_mul_overflow(elements, elementBytes, &bytes) ||
      bytes != t.bytes())
    return formatv("has {0} data bytes, but its shape and dtype need {1}",
                   t.bytes(), elements * elementBytes)
        .str();
  return "";
}

Expected<SafetensorsHeader>
parseSafetensorsHeader(StringRef fileName, StringRef text, uint64_t fileSize) {
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return fail(fileName, "the safetensors header is not valid JSON: " +
                              toString(parsed.takeError()));
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return fail(fileName, "the safetensors header is not a JSON object");
  SafetensorsHeader header;
  header.dataStart = 8 + text.size();
  for (const auto &[key, value] : *root) {
    if (key == "__metadata__") {
      const json::Object *metadata = value.getAsObject();
      if (!metadata)
        return fail(fileName, "\"__metadata__\" is not a JSON object");
      for (const auto &[mkey, mvalue] : *metadata) {
        std::optional<StringRef> s = mvalue.getAsString();
        if (!s)
          return fail(fileName, "\"__metadata__\" value of '" + mkey.str() +
                                    "' is not a string");
        header.metadata[mkey.str()] = s->str();
      }
      continue;
    }
    const json::Object *entry = value.getAsObject();
    TensorInfo t;
    t.name = key.str();
    std::string problem =
        entry ? parseTensor(*entry, t) : "is not a JSON object";
    if (!problem.empty())
      return fail(fileName, "tensor '" + t.name + "' " + problem);
    header.tensors.push_back(std::move(t));
  }
  // The tensors must tile [0, end) without gaps or overlaps, and the file
  // must hold all of it.
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  uint64_t next = 0;
  for (const TensorInfo &t : header.tensors) {
    if (t.begin != next)
      return fail(fileName,
                  formatv("tensor '{0}' starts at data offset {1}, but the "
                          "previous tensor ends at {2} (tensors must tile "
                          "the data buffer)",
                          t.name, t.begin, next));
    next = t.end;
  }
  uint64_t available = fileSize - header.dataStart;
  if (next > available)
    return fail(fileName, formatv("the file is truncated: the header "
                                  "describes {0} data bytes, the file holds "
                                  "{1}",
                                  next, available));
  if (next < available)
    return fail(fileName, formatv("{0} bytes after the last tensor (the "
                                  "header describes {1} data bytes)",
                                  available - next, next));
  return header;
}

Error readExactly(sys::fs::file_t file, char *data, uint64_t size,
                  uint64_t offset) {
  while (size > 0) {
    Expected<size_t> got =
        sys::fs::readNativeFileSlice(file, MutableArrayRef(data, size), offset);
    if (!got)
      return got.takeError();
    if (*got == 0)
      return createStringError(inconvertibleErrorCode(),
                               "unexpected end of file");
    data += *got;
    size -= *got;
    offset += *got;
  }
  return Error::success();
}

Expected<SafetensorsHeader> readSafetensorsHeader(StringRef path) {
  Expected<sys::fs::file_t> file = sys::fs::openNativeFileForRead(path);
  if (!file)
    return fail(path, "cannot open: " + toString(file.takeError()));
  auto closeFile = make_scope_exit([&] { sys::fs::closeFile(*file); });
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(*file, status))
    return fail(path, "cannot stat: " + ec.message());
  uint64_t fileSize = status.getSize();
  char lengthBytes[8];
  if (fileSize < 8)
    return fail(path, formatv("not a safetensors file: {0} bytes, fewer "
                              "than the 8-byte header length",
                              fileSize));
  if (Error err = readExactly(*file, lengthBytes, 8, 0))
    return fail(path,
                "cannot read the header length: " + toString(std::move(err)));
  uint64_t length = support::endian::read64le(lengthBytes);
  if (length > kMaxHeaderBytes || length > fileSize - 8)
    return fail(path,
                formatv("not a safetensors file (or truncated): the "
                        "header length {0} exceeds {1}",
                        length,
                        length > kMaxHeaderBytes ? StringRef("the 100 MB limit")
                                                 : StringRef("the file size")));
  std::string text(length, '\0');
  if (Error err = readExactly(*file, text.data(), length, 8))
    return fail(path, "cannot read the header: " + toString(std::move(err)));
  if (length == 0 || text.front() != '{')
    return fail(path, "not a safetensors file: the header does not start "
                      "with '{'");
  return parseSafetensorsHeader(path, text, fileSize);
}

std::string
layoutSafetensors(std::vector<OutputTensor> &tensors,
                  const std::map<std::string, std::string> &metadata) {
  std::sort(tensors.begin(), tensors.end(),
            [](const OutputTensor &a, const OutputTensor &b) {
              size_t sa = dtypeSize(a.dtype), sb = dtypeSize(b.dtype);
              return sa != sb ? sa > sb : a.name < b.name;
            });
  json::Object root;
  uint64_t offset = 0;
  for (OutputTensor &t : tensors) {
    t.offset = offset;
    offset += t.bytes;
    json::Array shape;
    for (uint64_t d : t.shape)
      shape.push_back(d);
    root[t.name] =
        json::Object{{"dtype", t.dtype},
                     {"shape", std::move(shape)},
                     {"data_offsets", json::Array{t.offset, offset}}};
  }
  if (!metadata.empty()) {
    json::Object m;
    for (const auto &[key, value] : metadata)
      m[key] = value;
    root["__metadata__"] = std::move(m);
  }
  std::string text;
  raw_string_ostream(text) << json::Value(std::move(root));
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  support::endian::write64le(out.data(), text.size());
  return out + text;
}

} // namespace mlir::fp4::checkpoint
