//===- DescriptorTests.cpp - tcgen05 descriptor encoder tests -------------===//
//
// Every expected value below is written out from the PTX ISA field tables
// (tcgen05 "Shared memory descriptor" and "Instruction descriptor" for
// .kind::mxf4 / .kind::mxf4nvf4), field by field, in the comment beside it;
// none was produced by the encoder. Each field is set on its own at least
// once, and every rejected combination is checked for its message.
//
//===----------------------------------------------------------------------===//

#include "Tcgen05Descriptors.h"

#include <cinttypes>
#include <cstdio>

using namespace mlir::fp4::tcgen05;

namespace {
int checks = 0, failures = 0;

/// Checks that `encode` accepts `fields` and gives `expected`.
template <typename Fields, typename Word, typename Encode>
void expectValue(const char *name, const Fields &fields, Word expected,
                 Encode encode) {
  ++checks;
  Word actual = 0;
  std::string error;
  if (!encode(fields, actual, error)) {
    std::printf("FAIL %s: rejected: %s\n", name, error.c_str());
    ++failures;
  } else if (actual != expected) {
    std::printf("FAIL %s: 0x%0*" PRIX64 ", expected 0x%0*" PRIX64 "\n", name,
                int(2 * sizeof(Word)), uint64_t(actual), int(2 * sizeof(Word)),
                uint64_t(expected));
    ++failures;
  } else {
    std::printf("ok   %s: 0x%0*" PRIX64 "\n", name, int(2 * sizeof(Word)),
                uint64_t(actual));
  }
}

/// Checks that `encode` rejects `fields` with a message containing `message`.
template <typename Word, typename Fields, typename Encode>
void expectRejected(const char *name, const Fields &fields,
                    const std::string &message, Encode encode) {
  ++checks;
  Word actual = 0;
  std::string error;
  if (encode(fields, actual, error) ||
      error.find(message) == std::string::npos) {
    std::printf("FAIL %s: expected error '%s', got '%s'\n", name,
                message.c_str(), error.c_str());
    ++failures;
  } else {
    std::printf("ok   %s: %s\n", name, error.c_str());
  }
}

void expectInstr(const char *name, const BlockScaledInstrDescriptor &f,
                 uint32_t expected) {
  expectValue(name, f, expected, encodeBlockScaledInstrDescriptor);
}
void expectInstrError(const char *name, const BlockScaledInstrDescriptor &f,
                      const std::string &message) {
  expectRejected<uint32_t>(name, f, message, encodeBlockScaledInstrDescriptor);
}
void expectSmem(const char *name, const SmemDescriptor &f, uint64_t expected) {
  expectValue(name, f, expected, encodeSmemDescriptor);
}
void expectSmemError(const char *name, const SmemDescriptor &f,
                     const std::string &message) {
  expectRejected<uint64_t>(name, f, message, encodeSmemDescriptor);
}

BlockScaledInstrDescriptor nvfp4(unsigned n) {
  BlockScaledInstrDescriptor f;
  f.kind = BlockScaledKind::MXF4NVF4;
  f.scaleType = ScaleFactorType::UE4M3;
  f.n = n;
  return f;
}

BlockScaledInstrDescriptor mxfp4(unsigned n) {
  BlockScaledInstrDescriptor f;
  f.kind = BlockScaledKind::MXF4;
  f.scaleType = ScaleFactorType::UE8M0;
  f.n = n;
  return f;
}

void instructionDescriptors() {
  // atype = E2M1 (1) at bits 7-9: 0x80; btype = E2M1 (1) at bits 10-11:
  // 0x400; N>>3 at bits 17-22; scale type at bit 23 (UE4M3 0, UE8M0 1);
  // M>>7 = 1 at bits 27-28: 0x08000000.
  // N = 128: 16 << 17 = 0x00200000.
  expectInstr("nvfp4 m128 n128", nvfp4(128), 0x08200480);
  // N = 8: 1 << 17 = 0x00020000.
  expectInstr("nvfp4 m128 n8", nvfp4(8), 0x08020480);
  // N = 256: 32 << 17 = 0x00400000.
  expectInstr("nvfp4 m128 n256", nvfp4(256), 0x08400480);
  // N = 136: 17 << 17 = 0x00220000.
  expectInstr("nvfp4 m128 n136", nvfp4(136), 0x08220480);
  // UE8M0 scale type: + 1 << 23 = 0x00800000.
  expectInstr("mxfp4 m128 n128", mxfp4(128), 0x08A00480);
  BlockScaledInstrDescriptor f = nvfp4(128);
  f.scaleType = ScaleFactorType::UE8M0; // mxf4nvf4 with UE8M0 scales
  expectInstr("mxf4nvf4 ue8m0 n128", f, 0x08A00480);
  f = nvfp4(128);
  f.negateA = true; // bit 13: 0x2000
  expectInstr("negate A", f, 0x08202480);
  f = nvfp4(128);
  f.negateB = true; // bit 14: 0x4000
  expectInstr("negate B", f, 0x08204480);
  f = nvfp4(128);
  f.sparse = true; // bit 2: 0x4
  expectInstr("sparse", f, 0x08200484);
  // MXFP4, N = 64: 0x80 | 0x400 | 8 << 17 (0x100000) | UE8M0 1 << 23
  // (0x800000) | 0x08000000 = 0x08900480, then one scale factor ID.
  f = mxfp4(64);
  f.scaleFactorAId = 2; // bits 29-30: 2 << 29 = 0x40000000
  expectInstr("mxfp4 n64 scale factor A id 2", f, 0x48900480);
  f = mxfp4(64);
  f.scaleFactorBId = 2; // bits 4-5: 2 << 4 = 0x20
  expectInstr("mxfp4 n64 scale factor B id 2", f, 0x089004A0);

  expectInstrError("m64", [] {
    auto f = nvfp4(128);
    f.m = 64;
    return f;
  }(), "M must be 128");
  expectInstrError("n0", nvfp4(0), "N must be a multiple of 8 in [8, 256]");
  expectInstrError("n12", nvfp4(12), "N must be a multiple of 8 in [8, 256]");
  expectInstrError("n264", nvfp4(264), "N must be a multiple of 8 in [8, 256]");
  f = nvfp4(128);
  f.transposeA = true;
  expectInstrError("transpose A", f, "K-major A and B only");
  f = nvfp4(128);
  f.transposeB = true;
  expectInstrError("transpose B", f, "K-major A and B only");
  f = mxfp4(128);
  f.scaleType = ScaleFactorType::UE4M3;
  expectInstrError("mxf4 with ue4m3", f, "UE8M0 scale factors only");
  f = mxfp4(128);
  f.scaleFactorAId = 1;
  expectInstrError("scale factor id 1", f, "must be 0 or 2");
  f = nvfp4(128);
  f.scaleFactorBId = 2;
  expectInstrError("ue4m3 with id 2", f, "IDs 0 only");
}

void smemDescriptors() {
  // enc(x) = (x & 0x3FFFF) >> 4. Bits 46-48 always 0b001: 1 << 46 =
  // 0x0000400000000000.
  SmemDescriptor f;
  expectSmem("all zero but the version", f, 0x0000400000000000);
  // start 1024 -> 64 = 0x40 at bits 0-13; LBO 2048 -> 128 << 16 = 0x800000;
  // SBO 128 -> 8 << 32 = 0x800000000.
  f.startAddress = 1024;
  f.leadingByteOffset = 2048;
  f.strideByteOffset = 128;
  expectSmem("core matrices, K-chunk outermost", f, 0x0000400800800040);
  // The largest 16-B aligned values: 0x3FFF0 -> 0x3FFF in each field.
  f.startAddress = f.leadingByteOffset = f.strideByteOffset = 0x3FFF0;
  expectSmem("largest offsets", f, 0x00007FFF3FFF3FFF);
  f = SmemDescriptor();
  f.baseOffset = 5; // bits 49-51: 5 << 49 = 0x000A000000000000
  expectSmem("base offset 5", f, 0x000A400000000000);
  f = SmemDescriptor();
  f.leadingOffsetAbsolute = true; // bit 52: 0x0010000000000000
  expectSmem("absolute LBO", f, 0x0010400000000000);
  f = SmemDescriptor();
  f.swizzle = Swizzle::Swizzle128BAtom32B; // 1 << 61 = 0x2000000000000000
  expectSmem("swizzle 128B/32B atom", f, 0x2000400000000000);
  f.swizzle = Swizzle::Swizzle128B; // 2 << 61 = 0x4000000000000000
  expectSmem("swizzle 128B", f, 0x4000400000000000);
  f.swizzle = Swizzle::Swizzle64B; // 4 << 61 = 0x8000000000000000
  expectSmem("swizzle 64B", f, 0x8000400000000000);
  f.swizzle = Swizzle::Swizzle32B; // 6 << 61 = 0xC000000000000000
  expectSmem("swizzle 32B", f, 0xC000400000000000);
  // A 128x4 scale-factor atom for tcgen05.cp .32x128b: start 0x200,
  // SBO 128 (enc 8), LBO 0.
  f = SmemDescriptor();
  f.startAddress = 0x200;
  f.strideByteOffset = 128;
  expectSmem("scale factor atom", f, 0x0000400800000020);

  f = SmemDescriptor();
  f.startAddress = 8;
  expectSmemError("misaligned start", f, "16-byte aligned");
  f = SmemDescriptor();
  f.strideByteOffset = 1u << 18;
  expectSmemError("SBO out of range", f, "below 2^18");
  f = SmemDescriptor();
  f.baseOffset = 8;
  expectSmemError("base offset 8", f, "[0, 7]");
  f = SmemDescriptor();
  f.swizzle = static_cast<Swizzle>(3);
  expectSmemError("swizzle 3", f, "invalid swizzle mode 3");
}

void tensorMemory() {
  ++checks;
  // Lane 32 in bits 31-16, column 4 in bits 15-0.
  if (tmemAddress(32, 4) != 0x00200004) {
    std::printf("FAIL tmem address\n");
    ++failures;
  } else {
    std::printf("ok   tmem address lane 32 column 4: 0x00200004\n");
  }
}
} // namespace

int main() {
  instructionDescriptors();
  smemDescriptors();
  tensorMemory();
  std::printf("tcgen05 descriptors: %d checks, %d failures\n", checks,
              failures);
  return failures != 0;
}
