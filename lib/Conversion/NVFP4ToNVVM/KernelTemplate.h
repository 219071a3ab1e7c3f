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

/// `text` with every ${NAME} replaced by values.at(NAME) (which must exist),
/// itself substituted (a value may hold placeholders).
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
    const std::string &value =
        values.at(text.substr(start + 2, end - start - 2));
    out += value.find("${") == std::string::npos ? value
                                                 : substitute(value, values);
    pos = end + 1;
  }
  return out + text.substr(pos);
}

/// The matmul kernels' global base pointers (!llvm.ptr<1>) %aPtr, %saPtr,
/// %bPtr, %sbPtr of their operands %a, %sa, %b, %sb: the value of
/// ${OPERAND_POINTERS} (which uses M, N, KH, SA_SHAPE, SB_SHAPE, SCALE).
inline constexpr const char *kOperandPointers = R"MLIR(
    %aIdx = memref.extract_aligned_pointer_as_index %a : memref<${M}x${KH}xi8> -> index
    %aI = arith.index_cast %aIdx : index to i64
    %aPtr = llvm.inttoptr %aI : i64 to !llvm.ptr<1>
    %bIdx = memref.extract_aligned_pointer_as_index %b : memref<${N}x${KH}xi8> -> index
    %bI = arith.index_cast %bIdx : index to i64
    %bPtr = llvm.inttoptr %bI : i64 to !llvm.ptr<1>
    %saIdx = memref.extract_aligned_pointer_as_index %sa : memref<${SA_SHAPE}x${SCALE}> -> index
    %saI = arith.index_cast %saIdx : index to i64
    %saPtr = llvm.inttoptr %saI : i64 to !llvm.ptr<1>
    %sbIdx = memref.extract_aligned_pointer_as_index %sb : memref<${SB_SHAPE}x${SCALE}> -> index
    %sbI = arith.index_cast %sbIdx : index to i64
    %sbPtr = llvm.inttoptr %sbI : i64 to !llvm.ptr<1>
)MLIR";

} // namespace mlir::fp4

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_KERNELTEMPLATE_H
