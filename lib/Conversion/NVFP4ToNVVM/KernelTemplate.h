//===- KernelTemplate.h - ${NAME} substitution for kernel texts -*- C++ -*-===//
//
// Part of fp4-mlir. The GPU kernels of NVFP4ToNVVM are MLIR text with
// ${NAME} placeholders; these helpers fill them in. Private to NVFP4ToNVVM.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_KERNELTEMPLATE_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_KERNELTEMPLATE_H

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace mlir::fp4 {

/// `v` as an MLIR hexadecimal integer literal ("0x1F").
inline std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llX", static_cast<unsigned long long>(v));
  return buf;
}

/// `text` with every ${NAME} replaced by values.at(NAME) (which must exist).
inline std::string
substitute(const std::string &text,
           const std::map<std::string, std::string> &values) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = text.find("${", pos);
    if (start == std::string::npos)
      break;
    size_t end = text.find('}', start);
    out += text.substr(pos, start - pos);
    out += values.at(text.substr(start + 2, end - start - 2));
    pos = end + 1;
  }
  return out + text.substr(pos);
}

} // namespace mlir::fp4

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_KERNELTEMPLATE_H
