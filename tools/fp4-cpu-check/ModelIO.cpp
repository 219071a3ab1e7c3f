//===- ModelIO.cpp - A model's tensors on the host ------------------------===//

#include "ModelIO.h"

#include "fp4/Numerics/Float16.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace fp4tools {

namespace {
struct DTypeInfo {
  DType type;
  const char *name;
  size_t bytes;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "f32", 4}, {DType::BF16, "bf16", 2}, {DType::F16, "f16", 2},
    {DType::I64, "i64", 8}, {DType::I32, "i32", 4},   {DType::I8, "i8", 1}};
} // namespace

bool parseDType(const std::string &name, DType &type) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name) {
      type = info.type;
      return true;
    }
  return false;
}

const char *dtypeName(DType type) {
  return kDTypes[static_cast<int>(type)].name;
}

size_t dtypeBytes(DType type) { return kDTypes[static_cast<int>(type)].bytes; }

bool isFloat(DType type) {
  return type == DType::F32 || type == DType::BF16 || type == DType::F16;
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double HostTensor::at(size_t i) const {
  const uint8_t *p = bytes.data() + i * dtypeBytes(type);
  switch (type) {
  case DType::F32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::BF16:
  case DType::F16: {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return type == DType::BF16 ? mlir::fp4::bf16ToFloat(h)
                               : mlir::fp4::f16ToFloat(h);
  }
  case DType::I64: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return static_cast<double>(v);
  }
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::I8:
    return static_cast<int8_t>(*p);
  }
  return 0.0;
}

void HostTensor::fillNormal(uint64_t seed) {
  bytes.assign(numElements() * dtypeBytes(type), 0);
  if (!isFloat(type))
    return;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t i = 0; i < numElements(); ++i) {
    float v = normal(rng);
    uint8_t *p = bytes.data() + i * dtypeBytes(type);
    if (type == DType::F32) {
      std::memcpy(p, &v, 4);
    } else {
      uint16_t h = type == DType::BF16 ? mlir::fp4::floatToBF16(v)
                                       : mlir::fp4::floatToF16(v);
      std::memcpy(p, &h, 2);
    }
  }
}

std::vector<int64_t> HostTensor::descriptor() {
  int64_t data = reinterpret_cast<int64_t>(bytes.data());
  std::vector<int64_t> d{data, data, 0};
  d.insert(d.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}

void finishOutputs(ModelIO &io, const std::vector<int64_t> &results) {
  size_t at = 0;
  std::vector<void *> freed;
  for (HostTensor &out : io.outputs) {
    size_t rank = out.shape.size();
    void *allocated = reinterpret_cast<void *>(results[at]);
    const uint8_t *aligned = reinterpret_cast<const uint8_t *>(results[at + 1]);
    int64_t offset = results[at + 2];
    const int64_t *strides = &results[at + 3 + rank];
    size_t elementBytes = dtypeBytes(out.type);
    out.bytes.assign(out.numElements() * elementBytes, 0);
    // Any strides: walk the elements in row-major order.
    std::vector<int64_t> index(rank, 0);
    for (int64_t i = 0; i < out.numElements(); ++i) {
      int64_t position = offset;
      for (size_t d = 0; d < rank; ++d)
        position += index[d] * strides[d];
      std::memcpy(&out.bytes[i * elementBytes],
                  aligned + position * elementBytes, elementBytes);
      for (size_t d = rank; d-- > 0;) {
        if (++index[d] < out.shape[d])
          break;
        index[d] = 0;
      }
    }
    at += 3 + 2 * rank;
    // A buffer the model allocated (not a global's sentinel 0xdeadbeef, not
    // one returned twice).
    bool owned =
        allocated && allocated != reinterpret_cast<void *>(0xdeadbeef) &&
        std::find(freed.begin(), freed.end(), allocated) == freed.end();
    for (const HostTensor &in : io.inputs)
      owned &= allocated != in.bytes.data();
    if (owned) {
      std::free(allocated);
      freed.push_back(allocated);
    }
  }
}

bool readTensorFile(const std::string &path, HostTensor &t) {
  std::ifstream in(path, std::ios::binary);
  size_t size = t.numElements() * dtypeBytes(t.type);
  t.bytes.assign(size, 0);
  if (!in.read(reinterpret_cast<char *>(t.bytes.data()), size))
    return false;
  // Exactly that many bytes: nothing may follow.
  return in.peek() == std::ifstream::traits_type::eof();
}

bool writeTensorFile(const std::string &path, const HostTensor &t) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(t.bytes.data()), t.bytes.size());
  return static_cast<bool>(out);
}

bool writeSignature(const std::string &dir, const std::string &name,
                    const std::string &suffix, const ModelIO &io) {
  std::ofstream sig(dir + "/" + name + ".sig");
  for (bool input : {true, false}) {
    const std::vector<HostTensor> &tensors = input ? io.inputs : io.outputs;
    for (size_t i = 0; i < tensors.size(); ++i) {
      std::string file = name + (input ? ".in" : ".out") + std::to_string(i) +
                         "." + suffix + ".bin";
      sig << (input ? "in " : "out ") << dtypeName(tensors[i].type) << " "
          << tensors[i].shape.size();
      for (int64_t d : tensors[i].shape)
        sig << " " << d;
      sig << " " << file << "\n";
      if (!writeTensorFile(dir + "/" + file, tensors[i]))
        return false;
    }
  }
  return static_cast<bool>(sig);
}

bool readSignature(const std::string &path, ModelIO &io, std::string &error) {
  std::ifstream sig(path);
  if (!sig) {
    error = "cannot read " + path;
    return false;
  }
  std::string dir = path.substr(0, path.find_last_of('/') + 1);
  std::string line;
  while (std::getline(sig, line)) {
    std::istringstream fields(line);
    std::string kind, dtype, file;
    size_t rank = 0;
    HostTensor t;
    fields >> kind >> dtype >> rank;
    t.shape.resize(rank);
    for (int64_t &d : t.shape)
      fields >> d;
    fields >> file;
    if (!fields || (kind != "in" && kind != "out") ||
        !parseDType(dtype, t.type)) {
      error = path + ": bad line '" + line + "'";
      return false;
    }
    if (!readTensorFile(dir + file, t)) {
      error = "cannot read " + dir + file + " (" +
              std::to_string(t.numElements()) + " " + dtype + " elements)";
      return false;
    }
    (kind == "in" ? io.inputs : io.outputs).push_back(std::move(t));
  }
  return true;
}

Difference compareOutputs(const std::vector<HostTensor> &a,
                          const std::vector<HostTensor> &b) {
  Difference diff;
  double errorSum = 0.0, normSum = 0.0;
  for (size_t t = 0; t < a.size() && t < b.size(); ++t) {
    size_t elementBytes = dtypeBytes(a[t].type);
    for (int64_t i = 0; i < a[t].numElements(); ++i) {
      double x = a[t].at(i), y = b[t].at(i);
      ++diff.elements;
      bool bothNaN = std::isnan(x) && std::isnan(y);
      if (a[t].type != b[t].type ||
          (!bothNaN &&
           std::memcmp(&a[t].bytes[i * elementBytes],
                       &b[t].bytes[i * elementBytes], elementBytes) != 0))
        ++diff.differingBits;
      if (!std::isfinite(x) || !std::isfinite(y)) {
        ++diff.nonFinite;
        continue;
      }
      errorSum += (x - y) * (x - y);
      normSum += y * y;
    }
  }
  diff.relative = normSum == 0.0 ? 0.0 : std::sqrt(errorSum / normSum);
  return diff;
}

} // namespace fp4tools
