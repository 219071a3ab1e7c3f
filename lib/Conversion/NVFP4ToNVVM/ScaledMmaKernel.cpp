//===- ScaledMmaKernel.cpp - The tcgen05 block-scaled matmul kernel -------===//
//
// The kernel (docs/tcgen05.md describes it):
//   thread 0 initializes the mbarrier; warp 0 allocates tensor memory (D in
//   columns [0, BN), A's scales at BN, B's at BN + 4 (+4 per 128 rows));
//   per K step of 64: all threads copy the A and B tiles into shared memory
//   in the no-swizzle K-major core-matrix layout (8 rows x 16 bytes per core
//   matrix, K chunk outermost: LBO = 16 * rows, SBO = 128) and the 512-byte
//   scale atoms as they are in global memory; fence.proxy.async; barrier;
//   thread 0 issues tcgen05.cp for the scale atoms, tcgen05.mma.block_scale
//   and tcgen05.commit; everyone waits on the mbarrier (phase = step & 1),
//   then tcgen05.fence::after_thread_sync so that the next step's copies
//   follow the MMA; fence.mbarrier_init after the barrier's init;
//   epilogue: each warp reads its 32 lanes with tcgen05.ld 32x32b.x32,
//   multiplies by g = gA * gB and stores; warp 0 frees tensor memory.
// Descriptor constants come from Tcgen05Descriptors (unit-tested); only the
// shared-memory start address is or-ed in at run time.
//
// The kernel is written as MLIR text and parsed: it is one fixed instruction
// sequence with a handful of integer parameters, and reads best as IR.
//
//===----------------------------------------------------------------------===//

#include "ScaledMmaKernel.h"
#include "KernelTemplate.h"
#include "Tcgen05Descriptors.h"

namespace mlir::fp4::tcgen05 {

std::string ScaledMmaConfig::kernelName() const {
  return std::string("scaled_mma_") + (nvfp4 ? "nvfp4_" : "mxfp4_") +
         std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
         "_bn" + std::to_string(tileN) + (bf16Result ? "_bf16" : "_f32");
}

namespace {
// Placeholders are written ${NAME}.
const char *const kTemplate = R"MLIR(
  llvm.mlir.global internal @${NAME}_smem() {addr_space = 3 : i32, alignment = 1024 : i64} : !llvm.array<${SMEM_BYTES} x i8>
  gpu.func @${NAME}(%a: memref<${M}x${KH}xi8>, %sa: memref<${SA_SHAPE}x${SCALE}>,
                    %b: memref<${N}x${KH}xi8>, %sb: memref<${SB_SHAPE}x${SCALE}>,
                    %out: memref<${M}x${N}x${OUT}>, %g: f32) kernel
      attributes {gpu.known_block_size = array<i32: 128, 1, 1>} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c16 = arith.constant 16 : index
    %c32 = arith.constant 32 : index
    %c128 = arith.constant 128 : index
    %c256 = arith.constant 256 : index
    %steps = arith.constant ${STEPS} : index
    %bStageReps = arith.constant ${B_REPS} : index
    %sfThreads = arith.constant ${SF_THREADS} : index
    %i1 = arith.constant 1 : i32
    %ncols = arith.constant ${NCOLS} : i32
    %ticks = arith.constant 10000000 : i32
    %tid = gpu.thread_id x
    %bx = gpu.block_id x
    %by = gpu.block_id y
    %warp = arith.divui %tid, %c32 : index
    %lane = arith.remui %tid, %c32 : index
    %isT0 = arith.cmpi eq, %tid, %c0 : index
    %isW0 = arith.cmpi eq, %warp, %c0 : index

    // Shared memory: A tile, B tile, scale atoms, mbarrier, TMEM address slot.
    %smem = llvm.mlir.addressof @${NAME}_smem : !llvm.ptr<3>
    %barPtr = llvm.getelementptr %smem[${BAR_OFF}] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
    %slotPtr = llvm.getelementptr %smem[${SLOT_OFF}] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
    scf.if %isT0 {
      nvvm.mbarrier.init %barPtr, %i1 : !llvm.ptr<3>, i32
      // The initialization becomes visible to the async proxy (tcgen05.commit).
      nvvm.fence.mbarrier.init
    }
    scf.if %isW0 {
      nvvm.tcgen05.alloc %slotPtr, %ncols : !llvm.ptr<3>, i32
      nvvm.tcgen05.relinquish_alloc_permit
    }
    nvvm.tcgen05.fence #nvvm.tcgen05_fence<before>
    gpu.barrier
    nvvm.tcgen05.fence #nvvm.tcgen05_fence<after>
    %taddr = llvm.load %slotPtr : !llvm.ptr<3> -> i32
    %tD = llvm.inttoptr %taddr : i32 to !llvm.ptr<6>
    %sfaCol = arith.constant ${SFA_COL} : i32
    %sfbCol = arith.constant ${SFB_COL} : i32
    %tsfaI = arith.addi %taddr, %sfaCol : i32
    %tsfbI = arith.addi %taddr, %sfbCol : i32
    %tSFA = llvm.inttoptr %tsfaI : i32 to !llvm.ptr<6>
    %tSFB = llvm.inttoptr %tsfbI : i32 to !llvm.ptr<6>

    // Global base pointers.
${OPERAND_POINTERS}

    // Descriptors: constant fields | (shared address & 0x3FFFF) >> 4.
    %smemI = llvm.ptrtoint %smem : !llvm.ptr<3> to i32
    %mask18 = arith.constant 262143 : i32
    %c4i = arith.constant 4 : i32
    %smemLow = arith.andi %smemI, %mask18 : i32
    %encBase32 = arith.shrui %smemLow, %c4i : i32
    %encBase = arith.extui %encBase32 : i32 to i64
    %aConst = arith.constant ${A_DESC} : i64
    %bConst = arith.constant ${B_DESC} : i64
    %sfConst = arith.constant ${SF_DESC} : i64
    %adesc = arith.addi %aConst, %encBase : i64
    %bdesc = arith.addi %bConst, %encBase : i64
    %sfBase = arith.addi %sfConst, %encBase : i64
    %idesc0 = arith.constant ${IDESC0} : i32
    %idesc1 = arith.constant ${IDESC1} : i32

    %m0 = arith.muli %bx, %c128 : index
    %tileN = arith.constant ${BN} : index
    %n0 = arith.muli %by, %tileN : index
    %rowBytes = arith.constant ${KH} : index
    %c4096i = arith.constant 4096 : i32

    scf.for %s = %c0 to %steps step %c1 {
      // A (128 rows) and B (BN rows): 16-byte chunks (row, kc), kc = 0, 1,
      // into core matrices: kc * 16 * rows + (row / 8) * 128 + (row % 8) * 16.
      %kOff = arith.muli %s, %c32 : index
      scf.for %rep = %c0 to %bStageReps step %c1 {
        %i = affine.apply affine_map<(t, r) -> (t + r * 128)>(%tid, %rep)
        %row = arith.divui %i, %c2 : index
        %kc = arith.remui %i, %c2 : index
        %inCore = affine.apply affine_map<(r, k) -> ((r floordiv 8) * 128 + (r mod 8) * 16 + k * 16 * ${BN})>(%row, %kc)
        %nRow = arith.addi %n0, %row : index
        %srcB = affine.apply affine_map<(r, s, k)[w] -> (r * w + s + k * 16)>(%nRow, %kOff, %kc)[%rowBytes]
        %srcBI = arith.index_cast %srcB : index to i64
        %gB = llvm.getelementptr %bPtr[%srcBI] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
        %vB = llvm.load %gB {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
        %dstB0 = arith.index_cast %inCore : index to i32
        %dstB = arith.addi %dstB0, %c4096i : i32
        %sB = llvm.getelementptr %smem[%dstB] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
        llvm.store %vB, %sB {alignment = 16 : i64} : vector<4xi32>, !llvm.ptr<3>
        %isA = arith.cmpi ult, %i, %c256 : index
        scf.if %isA {
          %inCoreA = affine.apply affine_map<(r, k) -> ((r floordiv 8) * 128 + (r mod 8) * 16 + k * 2048)>(%row, %kc)
          %mRow = arith.addi %m0, %row : index
          %srcA = affine.apply affine_map<(r, s, k)[w] -> (r * w + s + k * 16)>(%mRow, %kOff, %kc)[%rowBytes]
          %srcAI = arith.index_cast %srcA : index to i64
          %gA = llvm.getelementptr %aPtr[%srcAI] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
          %vA = llvm.load %gA {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
          %dstA = arith.index_cast %inCoreA : index to i32
          %sA = llvm.getelementptr %smem[%dstA] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
          llvm.store %vA, %sA {alignment = 16 : i64} : vector<4xi32>, !llvm.ptr<3>
        }
      }
      // Scale atoms (512 B, tcgen05 layout as in global memory): 32 threads
      // per atom; atom 0 is A's, atoms 1.. B's (128 rows each).
      %isSF = arith.cmpi ult, %tid, %sfThreads : index
      scf.if %isSF {
        %atom = arith.divui %tid, %c32 : index
        %chunk = arith.remui %tid, %c32 : index
        %cb = affine.apply affine_map<(s) -> (s floordiv ${STEPS_PER_ATOM})>(%s)
        %isAAtom = arith.cmpi eq, %atom, %c0 : index
        %aTile = affine.apply affine_map<(x, c) -> ((x * ${ATOM_COLS} + c) * 512)>(%bx, %cb)
        %bRowTile = affine.apply affine_map<(y, a) -> (y * ${BN_ATOMS} + a - 1)>(%by, %atom)
        %bTile = affine.apply affine_map<(t, c) -> ((t * ${ATOM_COLS} + c) * 512)>(%bRowTile, %cb)
        %tileOff = arith.select %isAAtom, %aTile, %bTile : index
        %src = affine.apply affine_map<(t, c) -> (t + c * 16)>(%tileOff, %chunk)
        %srcI = arith.index_cast %src : index to i64
        %base = arith.select %isAAtom, %saPtr, %sbPtr : !llvm.ptr<1>
        %gS = llvm.getelementptr %base[%srcI] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, i8
        %vS = llvm.load %gS {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xi32>
        %dst = affine.apply affine_map<(a, c) -> (${SFA_OFF} + a * 512 + c * 16)>(%atom, %chunk)
        %dstI = arith.index_cast %dst : index to i32
        %sS = llvm.getelementptr %smem[%dstI] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
        llvm.store %vS, %sS {alignment = 16 : i64} : vector<4xi32>, !llvm.ptr<3>
      }
      // Generic-proxy stores become visible to tcgen05 (async proxy).
      nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
      gpu.barrier
      scf.if %isT0 {
${CP_OPS}
        %enD = arith.cmpi ne, %s, %c0 : index
        %odd = arith.remui %s, %c2 : index
        %second = arith.cmpi ne, %odd, %c0 : index
        %idesc = arith.select %second, %idesc1, %idesc0 : i32
        nvvm.tcgen05.mma.block_scale %tD, %adesc, %bdesc, %idesc, %enD, %tSFA, %tSFB
          {kind = #nvvm.block_scale_kind<${KIND}>, ctaGroup = #nvvm.cta_group<cta_1>,
           blockScale = #nvvm.tcgen05_mma_block_scale<${BLOCK}>}
          : (!llvm.ptr<6>, i64, i64, i32, i1, !llvm.ptr<6>, !llvm.ptr<6>)
        nvvm.tcgen05.commit %barPtr : !llvm.ptr<3>
      }
      // Shared memory is reused next step: wait for the MMA to finish.
      %sI = arith.index_cast %s : index to i32
      %phase = arith.andi %sI, %i1 : i32
      nvvm.mbarrier.try_wait.parity %barPtr, %phase, %ticks : !llvm.ptr<3>, i32, i32
      // Orders the next step's tcgen05.cp (which overwrites the scale
      // columns) after the MMA this wait observed.
      nvvm.tcgen05.fence #nvvm.tcgen05_fence<after>
    }

    // Epilogue: warp q owns lanes (rows) 32q .. 32q + 31.
    nvvm.tcgen05.fence #nvvm.tcgen05_fence<after>
    %warpI = arith.index_cast %warp : index to i32
    %c21i = arith.constant 21 : i32
    %laneField = arith.shli %warpI, %c21i : i32
    %outIdx = memref.extract_aligned_pointer_as_index %out : memref<${M}x${N}x${OUT}> -> index
    %outI = arith.index_cast %outIdx : index to i64
    %outPtr = llvm.inttoptr %outI : i64 to !llvm.ptr<1>
    %gv = vector.broadcast %g : f32 to vector<32xf32>
    %row = arith.addi %m0, %tid : index
    %ldBase = arith.addi %taddr, %laneField : i32
    scf.for %cb = %c0 to %tileN step %c32 {
      %cbI = arith.index_cast %cb : index to i32
      %tcol = arith.addi %ldBase, %cbI : i32
      %tp = llvm.inttoptr %tcol : i32 to !llvm.ptr<6>
      %raw = nvvm.tcgen05.ld %tp {shape = #nvvm.tcgen05_ldst_shape<shape_32x32b>} : vector<32xi32>
      nvvm.tcgen05.wait #nvvm.tcgen05_wait<load>
      %f = llvm.bitcast %raw : vector<32xi32> to vector<32xf32>
      %scaled = arith.mulf %f, %gv : vector<32xf32>
${STORE_VALUE}      %col = arith.addi %n0, %cb : index
      %o = affine.apply affine_map<(r, c) -> (r * ${N} + c)>(%row, %col)
      %oI = arith.index_cast %o : index to i64
      %op = llvm.getelementptr %outPtr[%oI] : (!llvm.ptr<1>, i64) -> !llvm.ptr<1>, ${OUT}
      llvm.store ${VALUE}, %op {alignment = 16 : i64} : vector<32x${OUT}>, !llvm.ptr<1>
    }
    nvvm.tcgen05.fence #nvvm.tcgen05_fence<before>
    gpu.barrier
    nvvm.tcgen05.fence #nvvm.tcgen05_fence<after>
    scf.if %isW0 {
      nvvm.tcgen05.dealloc %tD, %ncols : !llvm.ptr<6>, i32
    }
    gpu.return
  }
)MLIR";

} // namespace

std::string scaledMmaKernelSource(const ScaledMmaConfig &c,
                                  std::string &error) {
  int64_t blockSize = c.nvfp4 ? 16 : 32;
  if (c.m % 128 != 0 || (c.tileN != 128 && c.tileN != 256) ||
      c.n % c.tileN != 0 || c.k % 64 != 0 || (c.k / blockSize) % 4 != 0) {
    error = "the tcgen05 tiling needs M a multiple of 128, N a multiple of "
            "the 128- or 256-column tile, and K a multiple of 64 with whole "
            "scale atoms (K / block size a multiple of 4)";
    return "";
  }
  const int64_t bn = c.tileN, bnAtoms = bn / 128;
  // Shared memory: A 4096 B, B 32 * BN, scale atoms, mbarrier, slot.
  const int64_t sfaOff = 4096 + 32 * bn;
  const int64_t barOff = sfaOff + 512 * (1 + bnAtoms);
  const int64_t slotOff = barOff + 8;
  // Tensor memory columns: D, A scales (4), B scales (4 per 128 rows).
  const int64_t usedCols = bn + 4 + 4 * bnAtoms;
  int64_t ncols = 32;
  while (ncols < usedCols)
    ncols *= 2;

  SmemDescriptor a, b, sf;
  a.leadingByteOffset = 16 * 128; // next K chunk: 128 rows of 16 bytes
  a.strideByteOffset = 128;       // next 8 rows
  b.startAddress = 4096;
  b.leadingByteOffset = static_cast<uint32_t>(16 * bn);
  b.strideByteOffset = 128;
  sf.startAddress = static_cast<uint32_t>(sfaOff);
  sf.strideByteOffset = 128;
  uint64_t aDesc, bDesc, sfDesc;
  BlockScaledInstrDescriptor instr;
  instr.kind = c.nvfp4 ? BlockScaledKind::MXF4NVF4 : BlockScaledKind::MXF4;
  instr.scaleType = c.nvfp4 ? ScaleFactorType::UE4M3 : ScaleFactorType::UE8M0;
  instr.n = static_cast<unsigned>(bn);
  uint32_t idesc0, idesc1;
  if (!encodeSmemDescriptor(a, aDesc, error) ||
      !encodeSmemDescriptor(b, bDesc, error) ||
      !encodeSmemDescriptor(sf, sfDesc, error) ||
      !encodeBlockScaledInstrDescriptor(instr, idesc0, error))
    return "";
  // MXFP4: an atom holds 4 scales per row = two K steps; the second reads
  // the upper half-word of each cell (scale factor IDs 2).
  if (!c.nvfp4) {
    instr.scaleFactorAId = instr.scaleFactorBId = 2;
    if (!encodeBlockScaledInstrDescriptor(instr, idesc1, error))
      return "";
  } else {
    idesc1 = idesc0;
  }

  std::string cpOps;
  for (int64_t atom = 0; atom <= bnAtoms; ++atom) {
    std::string id = std::to_string(atom);
    int64_t col = atom == 0 ? bn : bn + 4 * atom;
    cpOps += "        %sfCol" + id + " = arith.constant " +
             std::to_string(col) + " : i32\n        %sfT" + id +
             "I = arith.addi %taddr, %sfCol" + id + " : i32\n        %sfT" +
             id + " = llvm.inttoptr %sfT" + id +
             "I : i32 to !llvm.ptr<6>\n        %sfD" + id +
             "Off = arith.constant " + std::to_string(32 * atom) +
             " : i64\n        %sfD" + id + " = arith.addi %sfBase, %sfD" + id +
             "Off : i64\n        nvvm.tcgen05.cp %sfT" + id + ", %sfD" + id +
             " {shape = #nvvm.tcgen05_cp_shape<shape_32x128b>, multicast = "
             "#nvvm.tcgen05_cp_multicast<warpx4>}\n";
  }
  // bf16 results: round the scaled fp32 values to nearest even.
  std::string storeValue =
      c.bf16Result ? "      %value = arith.truncf %scaled : vector<32xf32> "
                     "to vector<32xbf16>\n"
                   : "";

  const int64_t atomCols = (c.k / blockSize) / 4;
  std::map<std::string, std::string> v = {
      {"OPERAND_POINTERS", kOperandPointers},
      {"NAME", c.kernelName()},
      {"M", std::to_string(c.m)},
      {"N", std::to_string(c.n)},
      {"KH", std::to_string(c.k / 2)},
      {"BN", std::to_string(bn)},
      {"SCALE", c.nvfp4 ? "f8E4M3FN" : "f8E8M0FNU"},
      {"SA_SHAPE",
       std::to_string(c.m / 128) + "x" + std::to_string(atomCols) + "x32x4x4"},
      {"SB_SHAPE",
       std::to_string(c.n / 128) + "x" + std::to_string(atomCols) + "x32x4x4"},
      {"OUT", c.bf16Result ? "bf16" : "f32"},
      {"STEPS", std::to_string(c.k / 64)},
      {"STEPS_PER_ATOM", c.nvfp4 ? "1" : "2"},
      {"ATOM_COLS", std::to_string(atomCols)},
      {"BN_ATOMS", std::to_string(bnAtoms)},
      {"B_REPS", std::to_string(2 * bn / 128)},
      {"SF_THREADS", std::to_string(32 * (1 + bnAtoms))},
      {"SMEM_BYTES", std::to_string(slotOff + 8)},
      {"BAR_OFF", std::to_string(barOff)},
      {"SLOT_OFF", std::to_string(slotOff)},
      {"SFA_OFF", std::to_string(sfaOff)},
      {"NCOLS", std::to_string(ncols)},
      {"SFA_COL", std::to_string(bn)},
      {"SFB_COL", std::to_string(bn + 4)},
      {"A_DESC", hex(aDesc)},
      {"B_DESC", hex(bDesc)},
      {"SF_DESC", hex(sfDesc)},
      {"IDESC0", hex(idesc0)},
      {"IDESC1", hex(idesc1)},
      {"KIND", c.nvfp4 ? "mxf4nvf4" : "mxf4"},
      {"BLOCK", c.nvfp4 ? "block16" : "block32"},
      {"CP_OPS", cpOps},
      {"STORE_VALUE", storeValue},
      {"VALUE", c.bf16Result ? "%value" : "%scaled"},
  };
  return substitute(kTemplate, v);
}

} // namespace mlir::fp4::tcgen05
