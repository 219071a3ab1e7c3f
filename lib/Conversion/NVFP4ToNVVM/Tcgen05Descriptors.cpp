//===- Tcgen05Descriptors.cpp - tcgen05 descriptor encoders ---------------===//

#include "Tcgen05Descriptors.h"

namespace mlir::fp4::tcgen05 {

static bool fail(std::string &error, std::string message) {
  error = std::move(message);
  return false;
}

bool encodeSmemDescriptor(const SmemDescriptor &f, uint64_t &descriptor,
                          std::string &error) {
  auto checkAddress = [&](uint32_t bytes, const char *name) {
    if (bytes % 16 != 0)
      return fail(error, std::string(name) + " must be 16-byte aligned, got " +
                             std::to_string(bytes));
    if (bytes >= (1u << 18))
      return fail(error, std::string(name) + " must be below 2^18 bytes, got " +
                             std::to_string(bytes));
    return true;
  };
  if (!checkAddress(f.startAddress, "the start address") ||
      !checkAddress(f.leadingByteOffset, "the leading byte offset") ||
      !checkAddress(f.strideByteOffset, "the stride byte offset"))
    return false;
  if (f.baseOffset > 7)
    return fail(error, "the base offset must be in [0, 7], got " +
                           std::to_string(f.baseOffset));
  uint8_t swizzle = static_cast<uint8_t>(f.swizzle);
  if (swizzle != 0 && swizzle != 1 && swizzle != 2 && swizzle != 4 &&
      swizzle != 6)
    return fail(error, "invalid swizzle mode " + std::to_string(swizzle));
  descriptor = encodeAddressField(f.startAddress) |
               encodeAddressField(f.leadingByteOffset) << 16 |
               encodeAddressField(f.strideByteOffset) << 32 |
               uint64_t{0b001} << 46 |
               static_cast<uint64_t>(f.baseOffset & 7) << 49 |
               static_cast<uint64_t>(f.leadingOffsetAbsolute) << 52 |
               static_cast<uint64_t>(swizzle & 7) << 61;
  return true;
}

bool encodeBlockScaledInstrDescriptor(const BlockScaledInstrDescriptor &f,
                                      uint32_t &descriptor,
                                      std::string &error) {
  if (f.m != 128)
    return fail(error,
                "M must be 128 for cta_group::1, got " + std::to_string(f.m));
  if (f.n < 8 || f.n > 256 || f.n % 8 != 0)
    return fail(error, "N must be a multiple of 8 in [8, 256], got " +
                           std::to_string(f.n));
  if (f.transposeA || f.transposeB)
    return fail(error, "mxf4 and mxf4nvf4 take K-major A and B only "
                       "(transpose bits must be 0)");
  if (f.kind == BlockScaledKind::MXF4 && f.scaleType != ScaleFactorType::UE8M0)
    return fail(error, ".kind::mxf4 takes UE8M0 scale factors only");
  auto validId = [](unsigned id) { return id == 0 || id == 2; };
  if (!validId(f.scaleFactorAId) || !validId(f.scaleFactorBId))
    return fail(error, "scale factor IDs must be 0 or 2");
  bool fourX = f.scaleType == ScaleFactorType::UE4M3;
  if (fourX && (f.scaleFactorAId != 0 || f.scaleFactorBId != 0))
    return fail(error, "16-element blocks (.block16, UE4M3) take scale factor "
                       "IDs 0 only");
  descriptor = static_cast<uint32_t>(f.sparse) << 2 |
               (f.scaleFactorBId & 3) << 4 | kE2M1TypeCode << 7 |
               kE2M1TypeCode << 10 | static_cast<uint32_t>(f.negateA) << 13 |
               static_cast<uint32_t>(f.negateB) << 14 |
               static_cast<uint32_t>(f.transposeA) << 15 |
               static_cast<uint32_t>(f.transposeB) << 16 |
               ((f.n >> 3) & 0x3F) << 17 |
               static_cast<uint32_t>(f.scaleType) << 23 |
               ((f.m >> 7) & 3) << 27 | (f.scaleFactorAId & 3) << 29;
  return true;
}

} // namespace mlir::fp4::tcgen05
