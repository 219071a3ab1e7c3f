//===- Tcgen05Descriptors.h - tcgen05 descriptor encoders -------*- C++ -*-===//
//
// Part of fp4-mlir. Pure encoders for the two descriptors that Blackwell's
// block-scaled tcgen05.mma reads (PTX ISA, tcgen05 "Matrix Descriptors"):
// the 64-bit shared-memory matrix descriptor and the 32-bit instruction
// descriptor of .kind::mxf4 / .kind::mxf4nvf4. Explicit shifts and masks, no
// bitfields, no MLIR dependency; unit-tested field by field
// (unittests/Tcgen05). The NVFP4ToNVVM lowering emits their results as
// constants.
//
//===----------------------------------------------------------------------===//

#ifndef FP4_LIB_CONVERSION_NVFP4TONVVM_TCGEN05DESCRIPTORS_H
#define FP4_LIB_CONVERSION_NVFP4TONVVM_TCGEN05DESCRIPTORS_H

#include <cstdint>
#include <string>

namespace mlir::fp4::tcgen05 {

//===----------------------------------------------------------------------===//
// Shared-memory matrix descriptor (64 bits)
//===----------------------------------------------------------------------===//

/// Swizzle modes, by their encoding in bits 61-63.
enum class Swizzle : uint8_t {
  None = 0,
  Swizzle128BAtom32B = 1, ///< 128-byte swizzle with 32-byte atomicity
  Swizzle128B = 2,
  Swizzle64B = 4,
  Swizzle32B = 6,
};

/// The fields of a shared-memory matrix descriptor, in bytes.
struct SmemDescriptor {
  uint32_t startAddress = 0;      ///< shared::cta byte address (16-B aligned)
  uint32_t leadingByteOffset = 0; ///< LBO (16-B aligned)
  uint32_t strideByteOffset = 0;  ///< SBO (16-B aligned)
  uint8_t baseOffset = 0;         ///< 0..7: swizzle pattern start offset
  bool leadingOffsetAbsolute = false; ///< bit 52: LBO is an absolute address
  Swizzle swizzle = Swizzle::None;
};

/// The 14-bit "matrix-descriptor-encode": (x & 0x3FFFF) >> 4.
inline uint64_t encodeAddressField(uint32_t bytes) {
  return (static_cast<uint64_t>(bytes) & 0x3FFFF) >> 4;
}

/// Bits: 0-13 enc(start), 16-29 enc(LBO), 32-45 enc(SBO), 46-48 the fixed
/// 0b001, 49-51 base offset, 52 LBO mode, 61-63 swizzle. Returns false and
/// sets `error` when a field is out of range or misaligned.
bool encodeSmemDescriptor(const SmemDescriptor &fields, uint64_t &descriptor,
                          std::string &error);

//===----------------------------------------------------------------------===//
// Instruction descriptor of the block-scaled FP4 kinds (32 bits)
//===----------------------------------------------------------------------===//

enum class BlockScaledKind { MXF4, MXF4NVF4 };

/// Scale factor type (bit 23): UE4M3 only with mxf4nvf4 and 16-element
/// blocks (.scale_vec::4X / .block16).
enum class ScaleFactorType : uint8_t { UE4M3 = 0, UE8M0 = 1 };

struct BlockScaledInstrDescriptor {
  BlockScaledKind kind = BlockScaledKind::MXF4NVF4;
  ScaleFactorType scaleType = ScaleFactorType::UE4M3;
  unsigned m = 128; ///< 128 (cta_group::1)
  unsigned n = 128; ///< 8..256, a multiple of 8
  bool sparse = false;
  bool negateA = false, negateB = false;
  bool transposeA = false, transposeB = false; ///< must stay false (K-major)
  unsigned scaleFactorAId = 0, scaleFactorBId = 0; ///< 0 or 2 (0 for 4X)
};

/// E2M1's code in the atype/btype fields of the mxf4/mxf4nvf4 table.
inline constexpr uint32_t kE2M1TypeCode = 1;

/// Bits: 2 sparsity, 4-5 scale factor B ID, 7-9 atype, 10-11 btype,
/// 13/14 negate A/B, 15/16 transpose A/B, 17-22 N >> 3, 23 scale type,
/// 27-28 M >> 7, 29-30 scale factor A ID, 31 K size (0: K = 64 dense);
/// the rest reserved (0). Returns false and sets `error` for an illegal
/// combination (shape, layout, scale type, scale-factor IDs).
bool encodeBlockScaledInstrDescriptor(const BlockScaledInstrDescriptor &fields,
                                      uint32_t &descriptor, std::string &error);

//===----------------------------------------------------------------------===//
// Tensor memory addresses
//===----------------------------------------------------------------------===//

/// A tensor-memory address: lane in bits 31-16, column in bits 15-0.
inline uint32_t tmemAddress(uint32_t lane, uint32_t column) {
  return (lane << 16) | (column & 0xFFFF);
}

} // namespace mlir::fp4::tcgen05

#endif // FP4_LIB_CONVERSION_NVFP4TONVVM_TCGEN05DESCRIPTORS_H
