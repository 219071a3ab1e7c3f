//===- ScaledMmaHopperKernel.cpp - The sm_90a block-scaled matmul ---------===//
//
// The kernel: a CTA of 256 threads (8 warps) computes a TM x 128 tile of D,
// TM = 256 (default) or 128 (ScaledMmaConfig::tileM).
//   Staging, per K step of 64: thread t loads 16 bytes (32 E2M1 values) of
//   row t / 2 (and, TM = 256, of row 128 + t / 2), half t % 2, of the A
//   tile and of row t / 2 of the B tile, and the block scales of those
//   values; decodes them to bf16 (e2m1 by byte-permute tables, times the
//   scale in bf16x2; E4M3 scales by cvt.rn.f16x2.e4m3x2) and stores them to
//   a row-major bf16 tile in shared memory, rows padded to 144 bytes so that
//   ldmatrix and the 16-byte stores are free of bank conflicts.
//   Two stages: step s + 1 is loaded into registers before the MMAs of step
//   s and decoded into the other stage between them (TM = 256; more MMAs
//   per decoded value, one CTA per SM, so the decode must overlap the
//   MMAs of the same warps) or after them (TM = 128, two CTAs per SM at 128
//   registers); one barrier per step.
//   MMA: TM = 256: warp w computes rows 64 * (w / 2) .. + 64, columns
//   64 * (w % 2) .. + 64 as 4 x 8 tiles; TM = 128: rows 64 * (w / 4) .. + 64,
//   columns 32 * (w % 4) .. + 32 as 4 x 4 tiles; of mma.sync m16n8k16 bf16
//   (row.col, f32 accumulators), fragments loaded with ldmatrix.x4.
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
// MMAs per k16, the decode, the stores) are generated below.
//
//===----------------------------------------------------------------------===//

#include "ScaledMmaHopperKernel.h"
#include "KernelTemplate.h"

#include <map>
#include <vector>

namespace mlir::fp4::hopper {

namespace {
constexpr int64_t kTileN = 128, kTileK = 64;
constexpr int64_t kThreads = 256;
/// One bf16 tile row: 64 values + 16 bytes of padding.
constexpr int64_t kRowBytes = 2 * kTileK + 16;
/// The rows a K step's staging covers (2 threads per row).
constexpr int64_t kStageRows = kThreads / 2;

/// The CTA's rows of A (unsupported values fall back to 128).
int64_t tileRows(const ScaledMmaConfig &c) {
  return c.tileM == 256 ? 256 : 128;
}
/// A stage holds the A tile (tileRows rows), then the B tile (128 rows).
int64_t stageBytes(const ScaledMmaConfig &c) {
  return (tileRows(c) + kTileN) * kRowBytes;
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
} // namespace

std::string ScaledMmaConfig::kernelName() const {
  return std::string("scaled_mma_sm90_") + (nvfp4 ? "nvfp4_" : "mxfp4_") +
         std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
         (tcgen05Layout ? "_tcgen05" : "_rowmajor") +
         (bf16Result ? "_bf16" : "_f32") +
         (tileRows(*this) == 256 ? "" : "_m128") +
         (interleaveDecode && tileRows(*this) == 256 ? "" : "_seq");
}

int64_t ScaledMmaConfig::gridX() const { return ceilDiv(m, tileRows(*this)); }
int64_t ScaledMmaConfig::gridY() const { return ceilDiv(n, kTileN); }
int64_t ScaledMmaConfig::threads() const { return kThreads; }
int64_t ScaledMmaConfig::dynamicSharedBytes() const {
  return 2 * stageBytes(*this);
}

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
    %cTM = arith.constant ${TILE_M} : index
    %cWN = arith.constant ${WARPS_N} : index
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
    %warpM = arith.divui %warp, %cWN : index
    %warpN = arith.remui %warp, %cWN : index
    %m0 = arith.muli %bx, %cTM : index
    %n0 = arith.muli %by, %c128 : index

    // Decode constants. E2M1 magnitude m (0..7) -> bf16: the prmt tables
    // hold the high and the low bytes of 0, 0.5, 1, 1.5, 2, 3, 4, 6.
    %i4 = arith.constant 4 : i32
    %i16 = arith.constant 16 : i32
    %magMask = arith.constant 0x77777777 : i32
    %signMask = arith.constant 0x80808080 : i32
    %hiT0 = arith.constant 0x3F3F3F00 : i32
    %hiT1 = arith.constant 0x40404040 : i32
    %loT0 = arith.constant 0xC0800000 : i32
    %loT1 = arith.constant 0xC0804000 : i32
    %ilv0 = arith.constant 0x5140 : i32
    %ilv1 = arith.constant 0x7362 : i32
    // Sign replication: byte i of the result is all ones when the sign of
    // value i (4 + i) of the word is set (bits 4i + 3: byte i / 2 of w << 4
    // for even i, of w for odd i).
    %sgnLo = arith.constant 0xD9C8 : i32
    %sgnHi = arith.constant 0xFBEA : i32
    %zero4 = arith.constant dense<0> : vector<4xi32>
    %stageBytes = arith.constant ${STAGE_BYTES} : i32
    %zacc = llvm.mlir.zero : !llvm.struct<(f32, f32, f32, f32)>

    // Global base pointers.
${OPERAND_POINTERS}
    %smem = llvm.mlir.addressof @${NAME}_smem : !llvm.ptr<3>

    // Staging: thread t copies row t / 2 (+ 128 for the second A chunk of
    // a 256-row tile; clamped to the matrix), K half t % 2 of each tile
    // into shared byte offset row * ${ROW_BYTES} + half * 64.
    %srow = arith.divui %tid, %c2 : index
    %half = arith.remui %tid, %c2 : index
${STAGING}    %stIdx = affine.apply affine_map<(r, h) -> (r * ${ROW_BYTES} + h * 64)>(%srow, %half)
    %stOff = arith.index_cast %stIdx : index to i32

    // ldmatrix.x4 row addresses. A (16 x 16 at rows r, k): lane l gives row
    // r + l % 16, column k + 8 * (l / 16). B (two n8 tiles at rows n, k):
    // row n + 8 * (l / 16) + l % 8, column k + 8 * ((l / 8) % 2).
    %aLdIdx = affine.apply affine_map<(w, l) -> ((w * 64 + l mod 16) * ${ROW_BYTES} + (l floordiv 16) * 16)>(%warpM, %lane)
    %bLdIdx = affine.apply affine_map<(w, l) -> (${TILE_BYTES} + (w * ${WN} + (l floordiv 16) * 8 + l mod 8) * ${ROW_BYTES} + ((l floordiv 8) mod 2) * 16)>(%warpN, %lane)
    %aLd = arith.index_cast %aLdIdx : index to i32
    %bLd = arith.index_cast %bLdIdx : index to i32

    // Prologue: step 0 into stage 0.
    %stage0 = arith.constant 0 : i32
${PROLOGUE}
    gpu.barrier

    %acc:${NACC} = scf.for %s = %c0 to %steps step %c1 iter_args(${ITER_ARGS}) -> (${ACC_TYPES}) {
      // Step s + 1 (the last step again at the end) into registers.
      %sn = arith.addi %s, %c1 : index
      %sNext = arith.minui %sn, %lastStep : index
${LOADS}
      %par = arith.remui %s, %c2 : index
      %parI = arith.index_cast %par : index to i32
      %cur = arith.muli %parI, %stageBytes : i32
      %nxt = arith.subi %stageBytes, %cur : i32
      // The MMAs of step s; step s + 1 is decoded into the other stage (no
      // one reads it this step) between or after them.
${COMPUTE}
      gpu.barrier
      scf.yield ${YIELD}
    }

    // Epilogue: lane (q, t) = (lane / 4, lane % 4) holds rows q and q + 8,
    // columns 2t and 2t + 1 of each m16n8 tile.
    %grp = arith.divui %lane, %c4 : index
    %tig = arith.remui %lane, %c4 : index
    %eRow = affine.apply affine_map<(m, w, q) -> (m + w * 64 + q)>(%m0, %warpM, %grp)
    %eCol = affine.apply affine_map<(n, w, t) -> (n + w * ${WN} + t * 2)>(%n0, %warpN, %tig)
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
      %${X}gp${T} = llvm.getelementptr %${P}Ptr[%${X}oI${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
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
      %${X}gL${T} = llvm.getelementptr %${P}Ptr[%${X}oLI${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}gH${T} = llvm.getelementptr %${P}Ptr[%${X}oHI${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}vL${T} = llvm.load %${X}gL${T} invariant {alignment = 8 : i64} : !llvm.ptr<1> -> vector<2xi32>
      %${X}vH${T} = llvm.load %${X}gH${T} invariant {alignment = 8 : i64} : !llvm.ptr<1> -> vector<2xi32>
      %${X}v${T} = vector.shuffle %${X}vL${T}, %${X}vH${T} [0, 1, 2, 3] : vector<2xi32>, vector<2xi32>)MLIR";

/// One scale byte: block column %j${J}${T} (clamped) of the operand's row.
const char *const kLoadScale = R"MLIR(
      %${X}so${J}${T} = affine.apply ${SCOL_MAP}(%${X}SRow, %j${J}${T})
      %${X}soI${J}${T} = arith.index_cast %${X}so${J}${T} : index to i64
      %${X}sp${J}${T} = llvm.getelementptr %s${P}Ptr[%${X}soI${J}${T}] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
      %${X}sb${J}${T} = llvm.load %${X}sp${J}${T} invariant : !llvm.ptr<1> -> i8)MLIR";

/// The chunk's two E4M3 bytes -> bf16 %${X}bf0${T}, %${X}bf1${T} (exact):
/// cvt.rn.f16x2.e4m3x2 (E4M3 values, NaN included, are f16 normals, zeros
/// or NaN), then f16 -> f32, whose high halves are the bf16 values (at most
/// 4 significant bits; NaN stays NaN).
const char *const kDecodeE4M3Pair = R"MLIR(
      %${X}x0${T} = arith.extui %${X}sb0${T} : i8 to i16
      %${X}x1${T} = arith.extui %${X}sb1${T} : i8 to i16
      %${X}x1s${T} = arith.shli %${X}x1${T}, %c8s : i16
      %${X}xp${T} = arith.ori %${X}x0${T}, %${X}x1s${T} : i16
      %${X}h2${T} = llvm.call_intrinsic "llvm.nvvm.e4m3x2.to.f16x2.rn"(%${X}xp${T}) : (i16) -> vector<2xf16>
      %${X}f2${T} = arith.extf %${X}h2${T} : vector<2xf16> to vector<2xf32>
      %${X}f2i${T} = llvm.bitcast %${X}f2${T} : vector<2xf32> to vector<2xi32>
      %${X}f0i${T} = vector.extract %${X}f2i${T}[0] : i32 from vector<2xi32>
      %${X}f1i${T} = vector.extract %${X}f2i${T}[1] : i32 from vector<2xi32>
      %${X}sp${T} = nvvm.prmt #nvvm.permute_mode<default> %hiHalves, %${X}f0i${T}, %${X}f1i${T} : i32
      %${X}spv${T} = llvm.bitcast %${X}sp${T} : i32 to vector<2xbf16>
      %${X}bf0${T} = vector.extract %${X}spv${T}[0] : bf16 from vector<2xbf16>
      %${X}bf1${T} = vector.extract %${X}spv${T}[1] : bf16 from vector<2xbf16>)MLIR";

/// UE8M0 byte e -> bf16 2^(e - 127): exponent field e; e = 0 is the
/// subnormal 2^-127; 0xFF is NaN.
const char *const kDecodeUE8M0 = R"MLIR(
      %${X}x${J}${T} = arith.extui %${X}sb${J}${T} : i8 to i32
      %${X}nrm${J}${T} = arith.shli %${X}x${J}${T}, %c7i : i32
      %${X}isZ${J}${T} = arith.cmpi eq, %${X}x${J}${T}, %c0i : i32
      %${X}isNaN${J}${T} = arith.cmpi eq, %${X}x${J}${T}, %c255i : i32
      %${X}fin${J}${T} = arith.select %${X}isZ${J}${T}, %bf16Min, %${X}nrm${J}${T} : i32
      %${X}bits${J}${T} = arith.select %${X}isNaN${J}${T}, %bf16NaN, %${X}fin${J}${T} : i32)MLIR";

/// The scale bits as bf16.
const char *const kScaleBits = R"MLIR(
      %${X}b16${J}${T} = arith.trunci %${X}bits${J}${T} : i32 to i16
      %${X}bf${J}${T} = arith.bitcast %${X}b16${J}${T} : i16 to bf16)MLIR";

/// The scale as a vector<8xbf16> splat.
const char *const kSplatScale = R"MLIR(
      %${X}sc${J}${T} = vector.broadcast %${X}bf${J}${T} : bf16 to vector<8xbf16>)MLIR";

/// Word ${W} of the chunk (8 E2M1 values, nibble i = value 8W + i) ->
/// 4 bf16x2 words (byte i -> word i): the high and the low bytes of the
/// magnitudes by prmt table lookups (nibble selectors), the signs into the
/// high bytes (a prmt sign replication puts nibble bit 3 of value i into all
/// of byte i, one lop3 keeps its bit 7), then the bytes interleaved into
/// bf16 pairs. Then times the scale, zeroed past K, stored to shared memory.
const char *const kDecodeWord = R"MLIR(
      %${X}w${W}${T} = vector.extract %${X}v${T}[${W}] : i32 from vector<4xi32>
      %${X}m${W}${T} = arith.andi %${X}w${W}${T}, %magMask : i32
      %${X}mh${W}${T} = arith.shrui %${X}m${W}${T}, %i16 : i32
      %${X}s4${W}${T} = arith.shli %${X}w${W}${T}, %i4 : i32
      %${X}h0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}m${W}${T}, %hiT0, %hiT1 : i32
      %${X}l0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}m${W}${T}, %loT0, %loT1 : i32
      %${X}h1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}mh${W}${T}, %hiT0, %hiT1 : i32
      %${X}l1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %${X}mh${W}${T}, %loT0, %loT1 : i32
      %${X}g0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %sgnLo, %${X}s4${W}${T}, %${X}w${W}${T} : i32
      %${X}g1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %sgnHi, %${X}s4${W}${T}, %${X}w${W}${T} : i32
      %${X}q0${W}${T} = arith.andi %${X}g0${W}${T}, %signMask : i32
      %${X}q1${W}${T} = arith.andi %${X}g1${W}${T}, %signMask : i32
      %${X}k0${W}${T} = arith.ori %${X}h0${W}${T}, %${X}q0${W}${T} : i32
      %${X}k1${W}${T} = arith.ori %${X}h1${W}${T}, %${X}q1${W}${T} : i32
      %${X}e0${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv0, %${X}l0${W}${T}, %${X}k0${W}${T} : i32
      %${X}e1${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv1, %${X}l0${W}${T}, %${X}k0${W}${T} : i32
      %${X}e2${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv0, %${X}l1${W}${T}, %${X}k1${W}${T} : i32
      %${X}e3${W}${T} = nvvm.prmt #nvvm.permute_mode<default> %ilv1, %${X}l1${W}${T}, %${X}k1${W}${T} : i32
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
    %c255i = arith.constant 255 : i32
    %bf16NaN = arith.constant 0x7FC0 : i32
    %bf16Min = arith.constant 0x40 : i32
    %c8s = arith.constant 8 : i16
    %hiHalves = arith.constant 0x7632 : i32)MLIR";

using Values = std::map<std::string, std::string>;

/// Emits the kernel's generated parts for one configuration.
class KernelWriter {
public:
  explicit KernelWriter(const ScaledMmaConfig &c)
      : c(c), blockSize(c.nvfp4 ? 16 : 32), kTail(c.k % kTileK != 0),
        split8(c.k % 32 != 0), tm(tileRows(c)),
        warpsN(kThreads / 32 / (tm / 64)), nt(kTileN / warpsN / 8),
        // At 128 registers (two CTAs per SM) the 128-row tile spills with
        // the decode between the MMAs in some shapes.
        interleave(c.interleaveDecode && tm == 256) {
    // A thread stages tm / 128 chunks of A and one of B per K step.
    for (int64_t i = 0; i < tm / kStageRows; ++i)
      chunks.push_back({"a" + std::to_string(i), "a", i * kStageRows,
                        i * kStageRows * kRowBytes});
    chunks.push_back({"b0", "b", 0, tm * kRowBytes});
  }

  int64_t tileM() const { return tm; }
  int64_t warpsAlongN() const { return warpsN; }
  /// Columns of a warp's tile.
  int64_t warpCols() const { return 8 * nt; }
  /// Accumulator tiles (m16n8) per thread.
  int numAcc() const { return static_cast<int>(4 * nt); }

  /// Rows, row offsets and scale row offsets of the thread's chunks.
  std::string staging() const {
    std::string out;
    for (const Chunk &ch : chunks) {
      Values v = {{"X", ch.x},
                  {"ROW0", ch.p == "a" ? "%m0" : "%n0"},
                  {"LAST", ch.p == "a" ? "%mLast" : "%nLast"},
                  {"ADD", std::to_string(ch.rowAdd)},
                  {"SROW_MAP", scaleRowMap()}};
      out += substitute(
          "    %${X}RowU = affine.apply affine_map<(r, t) -> (r + t + "
          "${ADD})>(${ROW0}, %srow)\n"
          "    %${X}Row = arith.minui %${X}RowU, ${LAST} : index\n"
          "    %${X}RowOff = arith.muli %${X}Row, %rowBytes : index\n"
          "    %${X}SRow = affine.apply ${SROW_MAP}(%${X}Row)\n",
          v);
    }
    return out;
  }

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
    for (const Chunk &ch : chunks) {
      Values v = {{"X", ch.x},
                  {"P", ch.p},
                  {"T", t},
                  {"KC", kc},
                  {"SCOL_MAP", scaleColMap()}};
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

  /// Decodes the loads named T into the stage at shared offset %DST: per
  /// chunk, the scales, then its four words (16-byte stores), each a piece.
  std::vector<std::string> decode(const std::string &t,
                                  const std::string &dst) const {
    std::vector<std::string> pieces;
    for (const Chunk &ch : chunks) {
      Values v = {{"X", ch.x}, {"T", t}, {"DST", dst}};
      std::string out;
      if (c.nvfp4) {
        out += substitute(kDecodeE4M3Pair, v);
      } else {
        v["J"] = "0";
        out += substitute(kDecodeUE8M0, v);
        out += substitute(kScaleBits, v);
      }
      for (int j = 0; j < numScales(); ++j) {
        v["J"] = std::to_string(j);
        out += substitute(kSplatScale, v);
      }
      pieces.push_back(out + "\n");
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
        pieces.push_back(substitute(kDecodeWord, v) + "\n");
      }
    }
    return pieces;
  }

  /// Shared offsets of a thread's four 16-byte stores, per operand.
  std::string storeOffsets() const {
    std::string out;
    for (const Chunk &ch : chunks)
      for (int w = 0; w < 4; ++w) {
        std::string name = "%" + ch.x + "dOff" + std::to_string(w);
        out += "    " + name + "C = arith.constant " +
               std::to_string(ch.smemOff + 16 * w) + " : i32\n    " + name +
               " = arith.addi %stOff, " + name + "C : i32\n";
      }
    return out;
  }

  /// The MMAs of one stage (at shared offset %cur): 4 k16 steps of 4 A and
  /// nt / 2 B ldmatrix.x4 and 4 * nt mma.sync, with the `decode` pieces
  /// (the next step's staging) after the MMAs or spread between them.
  /// `yield` gets the scf.yield operands.
  std::string compute(std::string &yield,
                      const std::vector<std::string> &decode) const {
    std::string out;
    const int na = numAcc();
    std::vector<std::string> accIn(na);
    for (int i = 0; i < na; ++i)
      accIn[i] = "%acc" + std::to_string(i);
    const std::string frag = "!llvm.struct<(i32, i32, i32, i32)>";
    const std::string accT = "!llvm.struct<(f32, f32, f32, f32)>";
    // Interleaved: the pieces go after the MMA groups (one m16 row of a
    // k16) of k16 steps 1..3, evenly; k16 step 0 leaves the next step's
    // global loads time to arrive.
    const int firstSlot = 4, numSlots = 16 - firstSlot;
    size_t nextPiece = 0;
    auto emitPieces = [&](int slot) {
      if (!interleave || slot < firstSlot)
        return;
      size_t until = decode.size() * (slot - firstSlot + 1) / numSlots;
      for (; nextPiece < until; ++nextPiece)
        out += decode[nextPiece];
    };
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
      for (int np = 0; np < nt / 2; ++np)
        ldmatrix("%fb" + K + "_" + std::to_string(np), "%bLd",
                 np * 16 * kRowBytes + kk * 32);
      for (int mt = 0; mt < 4; ++mt) {
        for (int n = 0; n < nt; ++n) {
          int i = mt * nt + n;
          std::string a = "%fa" + K + "_" + std::to_string(mt);
          std::string b = "%fb" + K + "_" + std::to_string(n / 2);
          std::string b0 = b + "r" + std::to_string(2 * (n % 2));
          std::string b1 = b + "r" + std::to_string(2 * (n % 2) + 1);
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
        emitPieces(kk * 4 + mt);
      }
    }
    for (; nextPiece < decode.size(); ++nextPiece)
      out += decode[nextPiece];
    yield.clear();
    for (int i = 0; i < na; ++i)
      yield += (i ? ", " : "") + accIn[i];
    yield += " : ";
    for (int i = 0; i < na; ++i)
      yield += (i ? ", " : "") + accT;
    return out;
  }

  /// `name` = index < bound (false when bound <= 0).
  static std::string guard(const std::string &name, const std::string &index,
                           int64_t bound) {
    if (bound <= 0)
      return "    " + name + " = arith.constant false\n";
    return "    " + name + "_bound = arith.constant " + std::to_string(bound) +
           " : index\n    " + name + " = arith.cmpi ult, " + index + ", " +
           name + "_bound : index\n";
  }

  /// Stores of the accumulator tiles: acc * g, rows and columns past
  /// the matrix skipped.
  std::string epilogue() const {
    const std::string accT = "!llvm.struct<(f32, f32, f32, f32)>";
    const std::string ty = c.bf16Result ? "bf16" : "f32";
    const int64_t bytes = c.bf16Result ? 2 : 4;
    const bool rowGuard = c.m % tm != 0, colGuard = c.n % kTileN != 0;
    const bool pairs = c.n % 2 == 0;
    std::string out;
    for (int mt = 0; mt < 4; ++mt)
      for (int hr = 0; hr < 2; ++hr) {
        int64_t rowOff = mt * 16 + hr * 8;
        std::string R = std::to_string(mt) + "_" + std::to_string(hr);
        // A bound <= 0 (M or N below the warp's tile) means no row or
        // column of that fragment exists: false, not an unsigned compare
        // with a negative index (which passed everything and stored past
        // the matrix).
        if (rowGuard)
          out += guard("%rok" + R, "%eRow", c.m - rowOff);
        for (int nt = 0; nt < this->nt; ++nt) {
          int i = static_cast<int>(mt * this->nt + nt);
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
            out += guard("%cok_" + P, "%eCol", c.n - nt * 8);
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
            body += "  " + guard("%cok1_" + P, "%eCol", c.n - nt * 8 - 1);
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
  /// One 32-value staging chunk of a thread: SSA prefix x, operand p ("a"
  /// or "b"), row offset within the tile, shared offset of its row 0.
  struct Chunk {
    std::string x, p;
    int64_t rowAdd, smemOff;
  };

  const ScaledMmaConfig &c;
  int64_t blockSize;
  bool kTail, split8;
  int64_t tm, warpsN, nt;
  bool interleave;
  std::vector<Chunk> chunks;
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
                         w.storeOffsets() + w.loads("c0", "p");
  for (const std::string &piece : w.decode("p", "stage0"))
    prologue += piece;
  std::string yield;
  std::string compute = w.compute(yield, w.decode("n", "nxt"));
  std::string iterArgs, accTypes;
  for (int i = 0; i < w.numAcc(); ++i) {
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
      {"OPERAND_POINTERS", kOperandPointers},
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
      {"TILE_BYTES", std::to_string(w.tileM() * kRowBytes)},
      {"STAGE_BYTES", std::to_string(stageBytes(c))},
      {"TILE_M", std::to_string(w.tileM())},
      {"WARPS_N", std::to_string(w.warpsAlongN())},
      {"WN", std::to_string(w.warpCols())},
      {"NACC", std::to_string(w.numAcc())},
      {"STAGING", w.staging()},
      {"SROW_MAP", w.scaleRowMap()},
      {"PROLOGUE", prologue},
      {"ITER_ARGS", iterArgs},
      {"ACC_TYPES", accTypes},
      {"LOADS", w.loads("sNext", "n")},
      {"COMPUTE", compute},
      {"YIELD", yield},
      {"EPILOGUE", w.epilogue()},
  };
  return substitute(kTemplate, v);
}

} // namespace mlir::fp4::hopper
