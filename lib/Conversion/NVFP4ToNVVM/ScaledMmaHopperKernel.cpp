//===- ScaledMmaHopperKernel.cpp - The sm_90a block-scaled matmul ---------===//
//
// The kernel: a CTA of 256 threads (8 warps) computes a 128 x 128 tile of D.
//   Staging, per K step of 64: thread t loads 16 bytes (32 E2M1 values) of
//   row t / 2, half t % 2, of the A tile and of the B tile, and the block
//   scales of those values; decodes them to bf16 (e2m1 by a byte-permute
//   table, times the scale in bf16x2) and stores them to a row-major bf16
//   tile in shared memory, rows padded to 144 bytes so that ldmatrix and
//   the 16-byte stores are free of bank conflicts.
//   Two stages: step s + 1 is loaded into registers before the MMAs of step
//   s and decoded into the other stage after them; one barrier per step.
//   MMA: warp w computes rows 64 * (w / 4) .. + 64, columns 32 * (w % 4)
//   .. + 32 as 4 x 4 tiles of mma.sync m16n8k16 bf16 (row.col, f32
//   accumulators), fragments loaded with ldmatrix.x4.
//   Epilogue: acc * g, stored as f32 pairs or rounded to bf16 pairs.
// Rows past M (N) are clamped to the last row on load: they feed only D
// rows (columns) that are not stored. K values past K (the last step when
// K % 64 != 0) are zeroed after decoding.
//
// bf16 holds e2m1 x scale exactly: 2 significant bits times an E4M3 scale's
// 4 (NVFP4) or a power of two (MXFP4), in the f32 exponent range. So the
// decode agrees with the f32 reference decode, including the infinities of
// MXFP4 scales >= 2^126 (e.g. 6 * 2^126 overflows bf16 and f32 alike) and
// NaN scales (E4M3 0x7F / 0xFF, UE8M0 0xFF).
//
// Like ScaledMmaKernel.cpp the kernel is MLIR text; the unrolled parts (the
// 16 MMAs per k16, the stores) are generated below.
//
//===----------------------------------------------------------------------===//

#include "ScaledMmaHopperKernel.h"
#include "KernelTemplate.h"

#include <map>

namespace mlir::fp4::hopper {

namespace {
constexpr int64_t kTileM = 128, kTileN = 128, kTileK = 64;
constexpr int64_t kThreads = 256;
/// One bf16 tile row: 64 values + 16 bytes of padding.
constexpr int64_t kRowBytes = 2 * kTileK + 16;
constexpr int64_t kTileBytes = kTileM * kRowBytes;
/// A stage holds the A tile, then the B tile.
constexpr int64_t kStageBytes = 2 * kTileBytes;
constexpr int64_t kSharedBytes = 2 * kStageBytes;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
} // namespace

std::string ScaledMmaConfig::kernelName() const {
  return std::string("scaled_mma_sm90_") + (nvfp4 ? "nvfp4_" : "mxfp4_") +
         std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
         (tcgen05Layout ? "_tcgen05" : "_rowmajor") +
         (bf16Result ? "_bf16" : "_f32");
}

int64_t ScaledMmaConfig::gridX() const { return ceilDiv(m, kTileM); }
int64_t ScaledMmaConfig::gridY() const { return ceilDiv(n, kTileN); }
int64_t ScaledMmaConfig::threads() const { return kThreads; }
int64_t ScaledMmaConfig::dynamicSharedBytes() const { return kSharedBytes; }

namespace {
// Placeholders are written ${NAME}.
const char *const kTemplate = R"MLIR(
  llvm.mlir.global external @${NAME}_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
  gpu.func @${NAME}(%a: memref<${M}x${KH}xi8>, %sa: memref<${SA_SHAPE}x${SCALE}>,
                    %b: memref<${N}x${KH}xi8>, %sb: memref<${SB_SHAPE}x${SCALE}>,
                    %out: memref<${M}x${N}x${OUT}>, %g: f32) kernel
      attributes {gpu.known_block_size = array<i32: 256, 1, 1>,
                  nvvm.maxntid = array<i32: 256, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %steps = arith.constant ${STEPS} : index
    %lastStep = arith.constant ${LAST_STEP} : index
    %kTotal = arith.constant ${K} : index
    %kLast = arith.constant ${K_LAST} : index
    %jLast = arith.constant ${J_LAST} : index
    %rowBytes = arith.constant ${KH} : index
    %mLast = arith.constant ${M_LAST} : index
    %nLast = arith.constant ${N_LAST} : index
    %tid = gpu.thread_id x
    %bx = gpu.block_id x
    %by = gpu.block_id y
    %warp = arith.divui %tid, %c32 : index
    %lane = arith.remui %tid, %c32 : index
    %warpM = arith.divui %warp, %c4 : index
    %warpN = arith.remui %warp, %c4 : index
    %m0 = arith.muli %bx, %c128 : index
    %n0 = arith.muli %by, %c128 : index

    // Decode constants. E2M1 magnitude m (0..7) -> bf16: the prmt tables
    // hold the high and the low bytes of 0, 0.5, 1, 1.5, 2, 3, 4, 6.
    %i4 = arith.constant 4 : i32
    %i16 = arith.constant 16 : i32
    %magMask = arith.constant 0x77777777 : i32
    %signMask = arith.constant 0x80008000 : i32
    %hiT0 = arith.constant 0x3F3F3F00 : i32
    %hiT1 = arith.constant 0x40404040 : i32
    %loT0 = arith.constant 0xC0800000 : i32
    %loT1 = arith.constant 0xC0804000 : i32
    %ilv0 = arith.constant 0x5140 : i32
    %ilv1 = arith.constant 0x7362 : i32
    %sgn0 = arith.constant 0xC080 : i32
    %sgn1 = arith.constant 0xD090 : i32
    %sgn2 = arith.constant 0xE0A0 : i32
    %sgn3 = arith.constant 0xF0B0 : i32
    %zero4 = arith.constant dense<0> : vector<4xi32>
    %stageBytes = arith.constant ${STAGE_BYTES} : i32
    %zacc = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32)>

    // Global base pointers.
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
    %smem = llvm.mlir.addressof @${NAME}_smem : !llvm.ptr<3>

    // Staging: thread t copies row t / 2 (clamped to the matrix), K half
    // t % 2 of each tile into shared byte offset row * ${ROW_BYTES} + half * 64.
    %srow = arith.divui %tid, %c2 : index
    %half = arith.remui %tid, %c2 : index
    %aRowU = arith.addi %m0, %srow : index
    %aRow = arith.minui %aRowU, %mLast : index
    %bRowU = arith.addi %n0, %srow : index
    %bRow = arith.minui %bRowU, %nLast : index
    %aRowOff = arith.muli %aRow, %rowBytes : index
    %bRowOff = arith.muli %bRow, %rowBytes : index
    %aSRow = affine.apply ${SROW_MAP}(%aRow)
    %bSRow = affine.apply ${SROW_MAP}(%bRow)
    %stIdx = affine.apply affine_map<(r, h) -> (r * ${ROW_BYTES} + h * 64)>(%srow, %half)
    %stOff = arith.index_cast %stIdx : index to i32

    // ldmatrix.x4 row addresses. A (16 x 16 at rows r, k): lane l gives row
    // r + l % 16, column k + 8 * (l / 16). B (two n8 tiles at rows n, k):
    // row n + 8 * (l / 16) + l % 8, column k + 8 * ((l / 8) % 2).
    %aLdIdx = affine.apply affine_map<(w, l) -> ((w * 64 + l mod 16) * ${ROW_BYTES} + (l floordiv 16) * 16)>(%warpM, %lane)
    %bLdIdx = affine.apply affine_map<(w, l) -> (${TILE_BYTES} + (w * 32 + (l floordiv 16) * 8 + l mod 8) * ${ROW_BYTES} + ((l floordiv 8) mod 2) * 16)>(%warpN, %lane)
    %aLd = arith.index_cast %aLdIdx : index to i32
    %bLd = arith.index_cast %bLdIdx : index to i32

    // Prologue: step 0 into stage 0.
    %stage0 = arith.constant 0 : i32
${PROLOGUE}
    gpu.barrier

    %acc:16 = scf.for %s = %c0 to %steps step %c1 iter_args(${ITER_ARGS}) -> (${ACC_TYPES}) {
      // Step s + 1 (the last step again at the end) into registers.
      %sn = arith.addi %s, %c1 : index
      %sNext = arith.minui %sn, %lastStep : index
${LOADS}
      %par = arith.remui %s, %c2 : index
      %parI = arith.index_cast %par : index to i32
      %cur = arith.muli %parI, %stageBytes : i32
      %nxt = arith.subi %stageBytes, %cur : i32
${COMPUTE}
      // Decode step s + 1 into the other stage (no one reads it this step).
${DECODE}
      gpu.barrier
      scf.yield ${YIELD}
    }

    // Epilogue: lane (q, t) = (lane / 4, lane % 4) holds rows q and q + 8,
    // columns 2t and 2t + 1 of each m16n8 tile.
    %grp = arith.divui %lane, %c4 : index
    %tig = arith.remui %lane, %c4 : index
    %eRow = affine.apply affine_map<(m, w, q) -> (m + w * 64 + q)>(%m0, %warpM, %grp)
    %eCol = affine.apply affine_map<(n, w, t) -> (n + w * 32 + t * 2)>(%n0, %warpN, %tig)
    %eIdx = affine.apply affine_map<(r, c) -> (r * ${N} + c)>(%eRow, %eCol)
    %eI = arith.index_cast %eIdx : index to i64
    %outIdx = memref.extract_aligned_pointer_as_index %out : memref<${M}x${N}x${OUT}> -> index
    %outI = arith.index_cast %outIdx : index to i64
    %outBase = llvm.inttoptr %outI : i64 to !llvm.ptr<1>
    %outPtr = llvm.getelementptr %outBase[%eI] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, ${OUT}
${EPILOGUE}
    gpu.return
  }
)MLIR";

/// Loads of one operand's chunk and scales for the step in %${S}; names end
/// in ${T}. K % 32 == 0: one 16-byte load.
const char *const kLoadChunk16 = R"MLIR(
      %${X}o${T} = affine.apply affine_map<(r, k) -> (r + k floordiv 2)>(%${X}RowOff, %${KC}${T})
      %${X}oI${T} = arith.index_cast %${X}o${T} : index to i64
      %${X}gp${T} = llvm.getelementptr %${X}Ptr[%${X}oI${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}v${T} = llvm.load %${X}gp${T} invariant {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>)MLIR";

/// K % 32 == 16 (NVFP4): rows are 8-byte aligned; two 8-byte loads, each
/// clamped into the row.
const char *const kLoadChunk8x2 = R"MLIR(
      %${X}kHi${T} = arith.addi %kc${T}, %c16 : index
      %${X}kLo${T} = arith.minui %kc${T}, %kLast : index
      %${X}kHiC${T} = arith.minui %${X}kHi${T}, %kLast : index
      %${X}oL${T} = affine.apply affine_map<(r, k) -> (r + k floordiv 2)>(%${X}RowOff, %${X}kLo${T})
      %${X}oH${T} = affine.apply affine_map<(r, k) -> (r + k floordiv 2)>(%${X}RowOff, %${X}kHiC${T})
      %${X}oLI${T} = arith.index_cast %${X}oL${T} : index to i64
      %${X}oHI${T} = arith.index_cast %${X}oH${T} : index to i64
      %${X}gL${T} = llvm.getelementptr %${X}Ptr[%${X}oLI${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}gH${T} = llvm.getelementptr %${X}Ptr[%${X}oHI${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}vL${T} = llvm.load %${X}gL${T} invariant {alignment = 8 : i64} : !llvm.ptr<1> -> vector<2xi32>
      %${X}vH${T} = llvm.load %${X}gH${T} invariant {alignment = 8 : i64} : !llvm.ptr<1> -> vector<2xi32>
      %${X}v${T} = vector.shuffle %${X}vL${T}, %${X}vH${T} [0, 1, 2, 3] : vector<2xi32>, vector<2xi32>)MLIR";

/// One scale byte: block column %j${J}${T} (clamped) of the operand's row.
const char *const kLoadScale = R"MLIR(
      %${X}so${J}${T} = affine.apply ${SCOL_MAP}(%${X}SRow, %j${J}${T})
      %${X}soI${J}${T} = arith.index_cast %${X}so${J}${T} : index to i64
      %${X}sp${J}${T} = llvm.getelementptr %s${X}Ptr[%${X}soI${J}${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}sb${J}${T} = llvm.load %${X}sp${J}${T} invariant : !llvm.ptr<1> -> i8)MLIR";

/// E4M3 byte -> bf16 (exact): normal numbers rebias the exponent (+120),
/// subnormals m * 2^-9 go through f32; 0x7F / 0xFF are NaN.
const char *const kDecodeE4M3 = R"MLIR(
      %${X}x${J}${T} = arith.extui %${X}sb${J}${T} : i8 to i32
      %${X}mag${J}${T} = arith.andi %${X}x${J}${T}, %c127i : i32
      %${X}sh${J}${T} = arith.shli %${X}mag${J}${T}, %i4 : i32
      %${X}nrm${J}${T} = arith.addi %${X}sh${J}${T}, %e4m3Bias : i32
      %${X}mnt${J}${T} = arith.andi %${X}x${J}${T}, %c7i : i32
      %${X}mf${J}${T} = arith.uitofp %${X}mnt${J}${T} : i32 to f32
      %${X}sf${J}${T} = arith.mulf %${X}mf${J}${T}, %twoM9 : f32
      %${X}sfb${J}${T} = arith.bitcast %${X}sf${J}${T} : f32 to i32
      %${X}sub${J}${T} = arith.shrui %${X}sfb${J}${T}, %i16 : i32
      %${X}isSub${J}${T} = arith.cmpi ult, %${X}mag${J}${T}, %c8i : i32
      %${X}isNaN${J}${T} = arith.cmpi eq, %${X}mag${J}${T}, %c127i : i32
      %${X}fin${J}${T} = arith.select %${X}isSub${J}${T}, %${X}sub${J}${T}, %${X}nrm${J}${T} : i32
      %${X}abs${J}${T} = arith.select %${X}isNaN${J}${T}, %bf16NaN, %${X}fin${J}${T} : i32
      %${X}sgb${J}${T} = arith.andi %${X}x${J}${T}, %c128i : i32
      %${X}sg${J}${T} = arith.shli %${X}sgb${J}${T}, %c8i : i32
      %${X}bits${J}${T} = arith.ori %${X}abs${J}${T}, %${X}sg${J}${T} : i32)MLIR";

/// UE8M0 byte e -> bf16 2^(e - 127): exponent field e; e = 0 is the
/// subnormal 2^-127; 0xFF is NaN.
const char *const kDecodeUE8M0 = R"MLIR(
      %${X}x${J}${T} = arith.extui %${X}sb${J}${T} : i8 to i32
      %${X}nrm${J}${T} = arith.shli %${X}x${J}${T}, %c7i : i32
      %${X}isZ${J}${T} = arith.cmpi eq, %${X}x${J}${T}, %c0i : i32
      %${X}isNaN${J}${T} = arith.cmpi eq, %${X}x${J}${T}, %c255i : i32
      %${X}fin${J}${T} = arith.select %${X}isZ${J}${T}, %bf16Min, %${X}nrm${J}${T} : i32
      %${X}bits${J}${T} = arith.select %${X}isNaN${J}${T}, %bf16NaN, %${X}fin${J}${T} : i32)MLIR";

/// The scale as a vector<8xbf16> splat.
const char *const kSplatScale = R"MLIR(
      %${X}b16${J}${T} = arith.trunci %${X}bits${J}${T} : i32 to i16
      %${X}bf${J}${T} = arith.bitcast %${X}b16${J}${T} : i16 to bf16
      %${X}sc${J}${T} = vector.broadcast %${X}bf${J}${T} : bf16 to vector<8xbf16>)MLIR";

/// Word ${W} of the chunk (8 E2M1 values, nibble i = value 8W + i) ->
/// 4 bf16x2 words (byte i -> word i): magnitudes by prmt table lookups
/// (nibble selectors, high and low bytes, then interleaved), signs by prmt
/// sign replication (nibble bit 3 -> bit 15, bit 7 -> bit 31). Then times
/// the scale, zeroed past K, stored to shared memory.
const char *const kDecodeWord = R"MLIR(
      %${X}w${W}${T} = vector.extract %${X}v${T}[${W}] : i32 from vector<4xi32>
      %${X}m${W}${T} = arith.andi %${X}w${W}${T}, %magMask : i32
      %${X}mh${W}${T} = arith.shrui %${X}m${W}${T}, %i16 : i32
      %${X}s4${W}${T} = arith.shli %${X}w${W}${T}, %i4 : i32
      %${X}h0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}m${W}${T}, %hiT0, %hiT1 : i32
      %${X}l0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}m${W}${T}, %loT0, %loT1 : i32
      %${X}h1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}mh${W}${T}, %hiT0, %hiT1 : i32
      %${X}l1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}mh${W}${T}, %loT0, %loT1 : i32
      %${X}u0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv0, %${X}l0${W}${T}, %${X}h0${W}${T} : i32
      %${X}u1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv1, %${X}l0${W}${T}, %${X}h0${W}${T} : i32
      %${X}u2${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv0, %${X}l1${W}${T}, %${X}h1${W}${T} : i32
      %${X}u3${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv1, %${X}l1${W}${T}, %${X}h1${W}${T} : i32
      %${X}g0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %sgn0, %${X}s4${W}${T}, %${X}w${W}${T} : i32
      %${X}g1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %sgn1, %${X}s4${W}${T}, %${X}w${W}${T} : i32
      %${X}g2${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %sgn2, %${X}s4${W}${T}, %${X}w${W}${T} : i32
      %${X}g3${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %sgn3, %${X}s4${W}${T}, %${X}w${W}${T} : i32
      %${X}q0${W}${T} = arith.andi %${X}g0${W}${T}, %signMask : i32
      %${X}q1${W}${T} = arith.andi %${X}g1${W}${T}, %signMask : i32
      %${X}q2${W}${T} = arith.andi %${X}g2${W}${T}, %signMask : i32
      %${X}q3${W}${T} = arith.andi %${X}g3${W}${T}, %signMask : i32
      %${X}e0${W}${T} = arith.ori %${X}u0${W}${T}, %${X}q0${W}${T} : i32
      %${X}e1${W}${T} = arith.ori %${X}u1${W}${T}, %${X}q1${W}${T} : i32
      %${X}e2${W}${T} = arith.ori %${X}u2${W}${T}, %${X}q2${W}${T} : i32
      %${X}e3${W}${T} = arith.ori %${X}u3${W}${T}, %${X}q3${W}${T} : i32
      %${X}ev${W}${T} = vector.from_elements %${X}e0${W}${T}, %${X}e1${W}${T}, %${X}e2${W}${T}, %${X}e3${W}${T} : vector<4xi32>
      %${X}eb${W}${T} = llvm.bitcast %${X}ev${W}${T} : vector<4xi32> to vector<8xbf16>
      %${X}pb${W}${T} = arith.mulf %${X}eb${W}${T}, %${X}sc${SJ}${T} : vector<8xbf16>
      %${X}pi${W}${T} = llvm.bitcast %${X}pb${W}${T} : vector<8xbf16> to vector<4xi32>
${MASK}      %${X}do${W}${T} = arith.addi %${DST}, %${X}dOff${W} : i32
      %${X}dp${W}${T} = llvm.getelementptr %smem[%${X}do${W}${T}] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
      llvm.store ${STORED}, %${X}dp${W}${T} {alignment = 16 : i64} : vector<4xi32>, !llvm.ptr<3>)MLIR";

/// Constants the decode snippets use.
const char *const kDecodeConstants = R"MLIR(
    %c0i = arith.constant 0 : i32
    %c7i = arith.constant 7 : i32
    %c8i = arith.constant 8 : i32
    %c127i = arith.constant 127 : i32
    %c128i = arith.constant 128 : i32
    %c255i = arith.constant 255 : i32
    %e4m3Bias = arith.constant 0x3C00 : i32
    %bf16NaN = arith.constant 0x7FC0 : i32
    %bf16Min = arith.constant 0x40 : i32
    %twoM9 = arith.constant 0.001953125 : f32)MLIR";

using Values = std::map<std::string, std::string>;

/// Emits the kernel's generated parts for one configuration.
class KernelWriter {
public:
  explicit KernelWriter(const ScaledMmaConfig &c)
      : c(c), blockSize(c.nvfp4 ? 16 : 32), kTail(c.k % kTileK != 0),
        split8(c.k % 32 != 0) {}

  /// Loads of step %S (chunk, scales); SSA names end in T.
  std::string loads(const std::string &s, const std::string &t) const {
    std::string out = substitute(
        "      %kc${T} = affine.apply affine_map<(s, h) -> (s * 64 + h * "
        "32)>(%${S}, %half)",
        {{"T", t}, {"S", s}});
    std::string kc = "kc";
    if (kTail && !split8) {
      // Clamp the chunk into the row; its values are zeroed after decoding.
      out += "\n      %kcc" + t + " = arith.minui %kc" + t + ", %kLast : index";
      kc = "kcc";
    }
    // Block columns of the chunk's scales, clamped to the row.
    out += "\n      %jU0" + t +
           " = affine.apply affine_map<(k) -> (k floordiv " +
           std::to_string(blockSize) + ")>(%kc" + t + ")";
    out += "\n      %j0" + t + " = arith.minui %jU0" + t + ", %jLast : index";
    if (c.nvfp4) {
      out += "\n      %jU1" + t + " = arith.addi %jU0" + t + ", %c1 : index";
      out += "\n      %j1" + t + " = arith.minui %jU1" + t + ", %jLast : index";
    }
    for (const char *x : {"a", "b"}) {
      Values v = {{"X", x}, {"T", t}, {"KC", kc}, {"SCOL_MAP", scaleColMap()}};
      out += substitute(split8 ? kLoadChunk8x2 : kLoadChunk16, v);
      for (int j = 0; j < numScales(); ++j) {
        v["J"] = std::to_string(j);
        out += substitute(kLoadScale, v);
      }
    }
    if (kTail) {
      out += "\n      %vlo" + t + " = arith.cmpi ult, %kc" + t +
             ", %kTotal : index";
      if (split8) {
        out += "\n      %kc16" + t + " = arith.addi %kc" + t + ", %c16 : index";
        out += "\n      %vhi" + t + " = arith.cmpi ult, %kc16" + t +
               ", %kTotal : index";
      }
    }
    return out + "\n";
  }

  /// Decodes the loads named T into the stage at shared offset %DST.
  std::string decode(const std::string &t, const std::string &dst) const {
    std::string out;
    for (const char *x : {"a", "b"}) {
      Values v = {{"X", x}, {"T", t}, {"DST", dst}};
      for (int j = 0; j < numScales(); ++j) {
        v["J"] = std::to_string(j);
        out += substitute(c.nvfp4 ? kDecodeE4M3 : kDecodeUE8M0, v);
        out += substitute(kSplatScale, v);
      }
      for (int w = 0; w < 4; ++w) {
        // Words 0, 1 hold values 0..15 of the chunk, words 2, 3 16..31.
        v["W"] = std::to_string(w);
        v["SJ"] = c.nvfp4 && w >= 2 ? "1" : "0";
        std::string valid = split8 && w >= 2 ? "%vhi" : "%vlo";
        v["MASK"] =
            kTail ? substitute("      %${X}st${W}${T} = arith.select " + valid +
                                   "${T}, %${X}pi${W}${T}, %zero4 : "
                                   "i1, vector<4xi32>\n",
                               v)
                  : "";
        v["STORED"] =
            substitute(kTail ? "%${X}st${W}${T}" : "%${X}pi${W}${T}", v);
        out += substitute(kDecodeWord, v);
      }
    }
    return out + "\n";
  }

  /// Shared offsets of a thread's four 16-byte stores, per operand.
  std::string storeOffsets() const {
    std::string out;
    for (int op = 0; op < 2; ++op)
      for (int w = 0; w < 4; ++w) {
        std::string name =
            std::string(op ? "%b" : "%a") + "dOff" + std::to_string(w);
        out += "    " + name + "C = arith.constant " +
               std::to_string(op * kTileBytes + 16 * w) + " : i32\n    " +
               name + " = arith.addi %stOff, " + name + "C : i32\n";
      }
    return out;
  }

  /// The MMAs of one stage (at shared offset %cur): 4 k16 steps of 4 A and
  /// 2 B ldmatrix.x4 and 16 mma.sync. `yield` gets the scf.yield operands.
  std::string compute(std::string &yield) const {
    std::string out;
    std::string accIn[16];
    for (int i = 0; i < 16; ++i)
      accIn[i] = "%acc" + std::to_string(i);
    const std::string frag = "!llvm.struct<(i32, i32, i32, i32)>";
    const std::string accT = "!llvm.struct<(f32, f32, f32, f32)>";
    for (int kk = 0; kk < 4; ++kk) {
      std::string K = std::to_string(kk);
      auto ldmatrix = [&](const std::string &name, const char *base,
                          int64_t offset) {
        out += "      " + name + "o = arith.constant " +
               std::to_string(offset) + " : i32\n";
        out += "      " + name + "a0 = arith.addi %cur, " + base + " : i32\n";
        out += "      " + name + "a = arith.addi " + name + "a0, " + name +
               "o : i32\n";
        out += "      " + name + "p = llvm.getelementptr %smem[" + name +
               "a] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8\n";
        out += "      " + name + " = nvvm.ldmatrix " + name +
               "p {num = 4 : i32, layout = #nvvm.mma_layout<row>, shape = "
               "#nvvm.ld_st_matrix_shape<m = 8, n = 8>, eltType = "
               "#nvvm.ld_st_matrix_elt_type<b16>} : (!llvm.ptr<3>) -> " +
               frag + "\n";
        for (int r = 0; r < 4; ++r)
          out += "      " + name + "r" + std::to_string(r) +
                 " = llvm.extractvalue " + name + "[" + std::to_string(r) +
                 "] : " + frag + "\n";
      };
      for (int mt = 0; mt < 4; ++mt)
        ldmatrix("%fa" + K + "_" + std::to_string(mt), "%aLd",
                 mt * 16 * kRowBytes + kk * 32);
      for (int np = 0; np < 2; ++np)
        ldmatrix("%fb" + K + "_" + std::to_string(np), "%bLd",
                 np * 16 * kRowBytes + kk * 32);
      for (int mt = 0; mt < 4; ++mt)
        for (int nt = 0; nt < 4; ++nt) {
          int i = mt * 4 + nt;
          std::string a = "%fa" + K + "_" + std::to_string(mt);
          std::string b = "%fb" + K + "_" + std::to_string(nt / 2);
          std::string b0 = b + "r" + std::to_string(2 * (nt % 2));
          std::string b1 = b + "r" + std::to_string(2 * (nt % 2) + 1);
          std::string d = "%d" + K + "_" + std::to_string(i);
          for (int r = 0; r < 4; ++r)
            out += "      " + d + "c" + std::to_string(r) +
                   " = llvm.extractvalue " + accIn[i] + "[" +
                   std::to_string(r) + "] : " + accT + "\n";
          out += "      " + d + " = nvvm.mma.sync A[" + a + "r0, " + a +
                 "r1, " + a + "r2, " + a + "r3] B[" + b0 + ", " + b1 + "] C[" +
                 d + "c0, " + d + "c1, " + d + "c2, " + d +
                 "c3] {layoutA = #nvvm.mma_layout<row>, layoutB = "
                 "#nvvm.mma_layout<col>, multiplicandAPtxType = "
                 "#nvvm.mma_type<bf16>, multiplicandBPtxType = "
                 "#nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k "
                 "= 16>} : (i32, i32, f32) -> " +
                 accT + "\n";
          accIn[i] = d;
        }
    }
    yield.clear();
    for (int i = 0; i < 16; ++i)
      yield += (i ? ", " : "") + accIn[i];
    yield += " : ";
    for (int i = 0; i < 16; ++i)
      yield += (i ? ", " : "") + accT;
    return out;
  }

  /// Stores of the 16 accumulator tiles: acc * g, rows and columns past
  /// the matrix skipped.
  std::string epilogue() const {
    const std::string accT = "!llvm.struct<(f32, f32, f32, f32)>";
    const std::string ty = c.bf16Result ? "bf16" : "f32";
    const int64_t bytes = c.bf16Result ? 2 : 4;
    const bool rowGuard = c.m % kTileM != 0, colGuard = c.n % kTileN != 0;
    const bool pairs = c.n % 2 == 0;
    std::string out;
    for (int mt = 0; mt < 4; ++mt)
      for (int hr = 0; hr < 2; ++hr) {
        int64_t rowOff = mt * 16 + hr * 8;
        std::string R = std::to_string(mt) + "_" + std::to_string(hr);
        if (rowGuard) {
          out += "    %rl" + R + " = arith.constant " +
                 std::to_string(c.m - rowOff) + " : index\n";
          out += "    %rok" + R + " = arith.cmpi ult, %eRow, %rl" + R +
                 " : index\n";
        }
        for (int nt = 0; nt < 4; ++nt) {
          int i = mt * 4 + nt;
          std::string P = R + "_" + std::to_string(nt);
          std::string v0 = "%v0_" + P, v1 = "%v1_" + P;
          out += "    %x0_" + P + " = llvm.extractvalue %acc#" +
                 std::to_string(i) + "[" + std::to_string(2 * hr) +
                 "] : " + accT + "\n";
          out += "    %x1_" + P + " = llvm.extractvalue %acc#" +
                 std::to_string(i) + "[" + std::to_string(2 * hr + 1) +
                 "] : " + accT + "\n";
          out += "    %xv_" + P + " = vector.from_elements %x0_" + P +
                 ", %x1_" + P + " : vector<2xf32>\n";
          out += "    %gv_" + P +
                 " = vector.broadcast %g : f32 to vector<2xf32>\n";
          out += "    %sv_" + P + " = arith.mulf %xv_" + P + ", %gv_" + P +
                 " : vector<2xf32>\n";
          std::string value = "%sv_" + P;
          if (c.bf16Result) {
            out += "    %tv_" + P + " = arith.truncf %sv_" + P +
                   " : vector<2xf32> to vector<2xbf16>\n";
            value = "%tv_" + P;
          }
          out += "    %eo_" + P + " = arith.constant " +
                 std::to_string(rowOff * c.n + nt * 8) + " : i64\n";
          out += "    %ep_" + P + " = llvm.getelementptr %outPtr[%eo_" + P +
                 "] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, " + ty + "\n";
          // Guards: the row, the pair's first column, (odd N) its second.
          std::string cond;
          if (colGuard) {
            out += "    %cl_" + P + " = arith.constant " +
                   std::to_string(c.n - nt * 8) + " : index\n";
            out += "    %cok_" + P + " = arith.cmpi ult, %eCol, %cl_" + P +
                   " : index\n";
            cond = "%cok_" + P;
          }
          if (rowGuard && colGuard) {
            out += "    %ok_" + P + " = arith.andi %rok" + R + ", %cok_" + P +
                   " : i1\n";
            cond = "%ok_" + P;
          } else if (rowGuard) {
            cond = "%rok" + R;
          }
          std::string body;
          if (pairs) {
            body = "      llvm.store " + value + ", %ep_" + P +
                   " {alignment = " + std::to_string(2 * bytes) +
                   " : i64} : vector<2x" + ty + ">, !llvm.ptr<1>\n";
          } else {
            // Odd N: pairs are not aligned; two scalar stores, the second
            // guarded by column + 1 < N.
            body = "      %e0_" + P + " = vector.extract " + value +
                   "[0] : " + ty + " from vector<2x" + ty + ">\n      %e1_" +
                   P + " = vector.extract " + value + "[1] : " + ty +
                   " from vector<2x" + ty + ">\n      llvm.store %e0_" + P +
                   ", %ep_" + P + " : " + ty + ", !llvm.ptr<1>\n";
            body += "      %cl1_" + P + " = arith.constant " +
                    std::to_string(c.n - nt * 8 - 1) + " : index\n";
            body += "      %cok1_" + P + " = arith.cmpi ult, %eCol, %cl1_" + P +
                    " : index\n";
            body += "      scf.if %cok1_" + P + " {\n        %ep1_" + P +
                    " = llvm.getelementptr %ep_" + P +
                    "[1] : (!llvm.ptr<1>) -> !llvm.ptr<1>, " + ty +
                    "\n        llvm.store %e1_" + P + ", %ep1_" + P + " : " +
                    ty + ", !llvm.ptr<1>\n      }\n";
          }
          if (cond.empty())
            out += body;
          else
            out += "    scf.if " + cond + " {\n" + body + "    }\n";
        }
      }
    return out;
  }

  int numScales() const { return c.nvfp4 ? 2 : 1; }

  /// (scale row offset, block column) -> scale byte offset.
  std::string scaleColMap() const {
    return c.tcgen05Layout
               ? "affine_map<(r, j) -> (r + (j floordiv 4) * 512 + j mod 4)>"
               : "affine_map<(r, j) -> (r + j)>";
  }

  /// Row -> offset of the row's first scale.
  std::string scaleRowMap() const {
    int64_t kb = c.k / blockSize;
    if (!c.tcgen05Layout)
      return "affine_map<(r) -> (r * " + std::to_string(kb) + ")>";
    return "affine_map<(r) -> ((r floordiv 128) * " +
           std::to_string(ceilDiv(kb, 4) * 512) +
           " + (r mod 32) * 16 + ((r mod 128) floordiv 32) * 4)>";
  }

private:
  const ScaledMmaConfig &c;
  int64_t blockSize;
  bool kTail, split8;
};
} // namespace

std::string scaledMmaKernelSource(const ScaledMmaConfig &c,
                                  std::string &error) {
  const int64_t blockSize = c.nvfp4 ? 16 : 32;
  if (c.m <= 0 || c.n <= 0 || c.k <= 0 || c.k % blockSize != 0) {
    error = "the sm_90a matmul needs non-empty shapes with K a multiple of "
            "the block size (" +
            std::to_string(blockSize) + ")";
    return "";
  }
  KernelWriter w(c);
  std::string prologue = std::string(kDecodeConstants) + "\n" +
                         w.storeOffsets() + w.loads("c0", "p") +
                         w.decode("p", "stage0");
  std::string yield;
  std::string compute = w.compute(yield);
  std::string iterArgs, accTypes;
  for (int i = 0; i < 16; ++i) {
    iterArgs += (i ? ", %acc" : "%acc") + std::to_string(i) + " = %zacc";
    accTypes +=
        std::string(i ? ", " : "") + "!llvm.struct<(f32, f32, f32, f32)>";
  }
  const int64_t kb = c.k / blockSize;
  auto scaleShape = [&](int64_t rows) {
    if (!c.tcgen05Layout)
      return std::to_string(rows) + "x" + std::to_string(kb);
    return std::to_string(ceilDiv(rows, 128)) + "x" +
           std::to_string(ceilDiv(kb, 4)) + "x32x4x4";
  };
  const int64_t steps = ceilDiv(c.k, kTileK);
  Values v = {
      {"NAME", c.kernelName()},
      {"M", std::to_string(c.m)},
      {"N", std::to_string(c.n)},
      {"K", std::to_string(c.k)},
      {"KH", std::to_string(c.k / 2)},
      {"SCALE", c.nvfp4 ? "f8E4M3FN" : "f8E8M0FNU"},
      {"SA_SHAPE", scaleShape(c.m)},
      {"SB_SHAPE", scaleShape(c.n)},
      {"OUT", c.bf16Result ? "bf16" : "f32"},
      {"STEPS", std::to_string(steps)},
      {"LAST_STEP", std::to_string(steps - 1)},
      // The last in-row start of a 32- (16-byte loads) or 16-value load.
      {"K_LAST", std::to_string(c.k - (c.k % 32 == 0 ? 32 : 16))},
      {"J_LAST", std::to_string(kb - 1)},
      {"M_LAST", std::to_string(c.m - 1)},
      {"N_LAST", std::to_string(c.n - 1)},
      {"ROW_BYTES", std::to_string(kRowBytes)},
      {"TILE_BYTES", std::to_string(kTileBytes)},
      {"STAGE_BYTES", std::to_string(kStageBytes)},
      {"SROW_MAP", w.scaleRowMap()},
      {"PROLOGUE", prologue},
      {"ITER_ARGS", iterArgs},
      {"ACC_TYPES", accTypes},
      {"LOADS", w.loads("sNext", "n")},
      {"COMPUTE", compute},
      {"DECODE", w.decode("n", "nxt")},
      {"YIELD", yield},
      {"EPILOGUE", w.epilogue()},
  };
  return substitute(kTemplate, v);
}

} // namespace mlir::fp4::hopper
