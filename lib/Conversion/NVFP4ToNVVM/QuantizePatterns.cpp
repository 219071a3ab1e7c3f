//===- QuantizePatterns.cpp - nvfp4.quantize to GPU kernels ---------------===//
//
// nvfp4.quantize becomes two kernel launches:
//   amax (NVFP4 without a calibrated amax): each thread takes the max of the
//     finite |x| of its 16-element chunks (grid-stride, four loads in flight),
//     the warp combines them by shuffles and one unsigned atomic max per warp
//     on the f32 bits (non-negative floats order like their bits, and a max
//     does not depend on the order, so the result is exact);
//   quantize: threads take blocks in a grid-stride loop. Each CTA fills the
//     256 x 8 candidate table in shared memory once, then every thread runs
//     the portable block code, on two one-chunk blocks per step (both loaded
//     before either is quantized) for the searching rules
//     (QuantizeEmitter, the library's order) with hardware converts:
//     cvt.rn.satfinite.e4m3x2.f32 for scale bytes (sm_90a and sm_100a) and,
//     on sm_100a only, cvt.rn.satfinite.e2m1x2.f32 for the element pairs
//     (sm_90a keeps the portable E2M1 code). Both round to nearest even with
//     saturation, as the library does; the one difference, a signed zero
//     encoding as 0x8, is masked (the library encodes +-0 as 0). Stochastic
//     rounding keeps the portable E2M1 code (the hardware's cvt.rs uses its
//     own random bits).
// The block kernel reads the amax from (device) memory; the host reads it
// back to compute the decode scale g.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "ArithNumerics.h"
#include "BufferPlumbing.h"
#include "QuantizeEmitter.h"
#include "ScaleSelection.h"
#include "ThreadKernels.h"

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/ScaleRules.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <cfloat>

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;
using namespace mlir::nvfp4::arith_numerics;

namespace mlir::nvfp4::nvvm_lowering {

namespace {

/// The hardware converts in place of the portable codecs: the E4M3 convert
/// on every chip, the E2M1 convert where the chip has it (sm_100a).
class NVVMCodecs : public QuantizeCodecs {
public:
  explicit NVVMCodecs(bool e2m1Convert) : e2m1Convert(e2m1Convert) {}

  Value encodeE4M3(ImplicitLocOpBuilder &b, Value x) const override {
    // cvt.rn.satfinite.e4m3x2.f32 d, a, b: b lands in bits 7:0.
    Value pair = NVVM::ConvertF32x2ToF8x2Op::create(
        b, b.getI16Type(), x, x,
        NVVM::FPRoundingModeAttr::get(b.getContext(), NVVM::FPRoundingMode::RN),
        NVVM::SaturationModeAttr::get(b.getContext(),
                                      NVVM::SaturationMode::SATFINITE),
        b.getBoolAttr(false), TypeAttr::get(b.getType<Float8E4M3FNType>()));
    return arith::TruncIOp::create(b, b.getI8Type(), pair);
  }

  Value encodePacked(ImplicitLocOpBuilder &b, Value x, Value abs, Value r,
                     Value offsets) const override {
    if (offsets || !e2m1Convert)
      return QuantizeCodecs::encodePacked(b, x, abs, r, offsets);
    Value y = arith::MulFOp::create(b, x, r);
    // cvt.rn.satfinite.e2m1x2.f32 d, a, b: a in the high nibble, so the odd
    // element goes first.
    SmallVector<Value> bytes;
    for (int64_t i = 0; i < kChunk; i += 2) {
      Value even = vector::ExtractOp::create(b, y, ArrayRef<int64_t>{i});
      Value odd = vector::ExtractOp::create(b, y, ArrayRef<int64_t>{i + 1});
      bytes.push_back(NVVM::ConvertF32x2ToF4x2Op::create(
          b, b.getI8Type(), odd, even, /*relu=*/false,
          b.getType<Float4E2M1FNType>()));
    }
    auto packedType = VectorType::get({kChunk / 2}, b.getI8Type());
    Value packed = vector::FromElementsOp::create(b, packedType, bytes);
    // +-0 encodes as 0 (cvt gives 0x8 for -0).
    SmallVector<int64_t> evenLanes, oddLanes;
    for (int64_t i = 0; i < kChunk; i += 2) {
      evenLanes.push_back(i);
      oddLanes.push_back(i + 1);
    }
    auto isZero = [&](ArrayRef<int64_t> lanes) {
      Value half = vector::ShuffleOp::create(b, y, y, lanes);
      return arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, half,
                                   f32Const(b, 0.0f, half.getType()));
    };
    Value keep = arith::OrIOp::create(
        b,
        arith::SelectOp::create(b, isZero(evenLanes),
                                intConst(b, 0, 8, packedType),
                                intConst(b, 0x0F, 8, packedType)),
        arith::SelectOp::create(b, isZero(oddLanes),
                                intConst(b, 0, 8, packedType),
                                intConst(b, 0xF0, 8, packedType)));
    return arith::AndIOp::create(b, packed, keep);
  }

private:
  bool e2m1Convert;
};

/// A readable symbol for one quantize configuration.
std::string quantizeKernelName(QuantizeOp op, const fp4::QuantizeOptions &o) {
  auto in = cast<RankedTensorType>(op.getInput().getType());
  std::string rule = fp4::ruleSpecName(o);
  std::replace(rule.begin(), rule.end(), ':', '_');
  std::string name = std::string("quantize_") +
                     (o.format == fp4::Format::NVFP4 ? "nvfp4_" : "mxfp4_") +
                     rule + "_" + std::to_string(in.getDimSize(0)) + "x" +
                     std::to_string(in.getDimSize(1)) + "_" +
                     typeName(in.getElementType());
  if (o.block2D)
    name += "_tile16";
  if (o.transpose)
    name += "_t";
  if (o.scaleLayout == fp4::ScaleLayout::Tcgen05)
    name += "_tcgen05";
  if (o.rounding == fp4::Rounding::Stochastic)
    name += "_sr" + std::to_string(o.seed);
  return name;
}

/// Input chunks (16 elements, 32 bytes of bf16) a thread loads before
/// quantizing them: the block kernel takes this many chunks' worth of blocks
/// per step, the amax kernel this many chunks.
constexpr int64_t kChunksInFlight = 2;
constexpr int64_t kAmaxChunksInFlight = 4;

Value idx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

gpu::GPUFuncOp getAmaxKernel(gpu::GPUModuleOp kernels, QuantizeOp op,
                             MemRefType inType, MemRefType bitsType) {
  std::string name = "amax_" + std::to_string(inType.getDimSize(0)) + "x" +
                     std::to_string(inType.getDimSize(1)) + "_" +
                     typeName(inType.getElementType());
  int64_t chunks = inType.getNumElements() / kChunk;
  return getOrCreateKernel(
      kernels, op.getLoc(), name, {inType, bitsType}, {},
      [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp func) {
        Value in = func.getArgument(0), bits = func.getArgument(1);
        // Each thread reduces its chunks (all loads of a step first), the
        // warp combines the threads' maxima by shuffles, and its lane 0 does
        // the one atomic max: 32 times fewer atomics on the one address.
        Value zero =
            arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(0.0f));
        Value flat = memref::CollapseShapeOp::create(
            b, in, ArrayRef<ReassociationIndices>{{0, 1}});
        auto chunkType = VectorType::get({kChunk}, inType.getElementType());
        // Device buffers are (at least) 256-byte aligned: vector loads, not
        // one per element.
        llvm::MaybeAlign chunkAlign = chunkAlignment(inType);
        Value m = reduceItemGroups(
            b, chunks, kAmaxChunksInFlight, zero,
            [&](ImplicitLocOpBuilder &ib, ValueRange group, Value acc) {
              SmallVector<Value> loaded;
              for (Value chunk : group)
                loaded.push_back(
                    vector::LoadOp::create(ib, chunkType, flat,
                                           ValueRange{arith::MulIOp::create(
                                               ib, chunk, idx(ib, kChunk))},
                                           /*nontemporal=*/false, chunkAlign));
              for (Value x : loaded)
                acc = arith::MaxNumFOp::create(
                    ib, acc,
                    vector::ReductionOp::create(
                        ib, vector::CombiningKind::MAXNUMF,
                        emitFiniteAbs(ib, ib.getLoc(), x)));
              return acc;
            });
        // Non-negative floats order like their bits: an unsigned max.
        Value mBits = arith::BitcastOp::create(b, b.getI32Type(), m);
        for (int32_t offset = 16; offset > 0; offset /= 2) {
          Value other = gpu::ShuffleOp::create(b, mBits, offset, /*width=*/32,
                                               gpu::ShuffleMode::XOR)
                            .getShuffleResult();
          mBits = arith::MaxUIOp::create(b, mBits, other);
        }
        Value lane = arith::RemUIOp::create(
            b, gpu::ThreadIdOp::create(b, gpu::Dimension::x), idx(b, 32));
        Value leader =
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, idx(b, 0));
        scf::IfOp::create(b, leader, [&](OpBuilder &nested, Location loc) {
          ImplicitLocOpBuilder ib(loc, nested);
          memref::AtomicRMWOp::create(ib, arith::AtomicRMWKind::maxu, mBits,
                                      bits, ValueRange{idx(ib, 0)});
          scf::YieldOp::create(ib);
        });
      });
}

gpu::GPUFuncOp getQuantizeKernel(gpu::GPUModuleOp kernels, QuantizeOp op,
                                 const fp4::QuantizeOptions &o,
                                 const QuantizeGeometry &g,
                                 const QuantizeCodecs &codecs,
                                 ArrayRef<Type> argTypes) {
  std::string name = quantizeKernelName(op, o);
  auto tableType = MemRefType::get(
      {256, 8}, Float32Type::get(op.getContext()), MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(op.getContext(),
                                 gpu::AddressSpace::Workgroup));
  ScaleLayout layout = op.getScaleLayout();
  bool nvfp4 = o.format == fp4::Format::NVFP4;
  return getOrCreateKernel(
      kernels, op.getLoc(), name, argTypes, {tableType},
      [&](ImplicitLocOpBuilder &b, gpu::GPUFuncOp func) {
        Value in = func.getArgument(0), data = func.getArgument(1),
              scales = func.getArgument(2), bits = func.getArgument(3);
        Value table = func.getWorkgroupAttributions()[0];
        QuantizeEmitter emitter(b, o, g, layout, in, data, scales, codecs);
        auto f32 = [&](float v) {
          return arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(v));
        };
        Value amax = f32(1.0f), gEnc = f32(1.0f), gDec = f32(1.0f);
        Value valid = arith::ConstantIntOp::create(b, 1, 1);
        Value clamp = f32(FLT_MAX);
        if (nvfp4) {
          amax = arith::BitcastOp::create(
              b, b.getF32Type(),
              memref::LoadOp::create(b, bits, ValueRange{idx(b, 0)}));
          TensorScaleValues ts = emitTensorScale(b, o, amax);
          gEnc = ts.gEnc;
          gDec = ts.gDec;
          valid = ts.valid;
          clamp = amax;
        }
        Value maxByte = emitLargestFiniteByte(b, o, amax);
        // The CTA fills the candidate table, one row per thread.
        Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
        for (int64_t first = 0; first <= emitter.topByte(); first += kThreads) {
          Value row = arith::AddIOp::create(b, tid, idx(b, first));
          Value inTable = arith::CmpIOp::create(b, arith::CmpIPredicate::ule,
                                                row, idx(b, emitter.topByte()));
          scf::IfOp::create(b, inTable, [&](OpBuilder &nested, Location loc) {
            ImplicitLocOpBuilder ib(loc, nested);
            QuantizeEmitter inner(ib, o, g, layout, in, data, scales, codecs);
            inner.emitTableEntry(row, table, gDec, amax);
            scf::YieldOp::create(ib);
          });
        }
        gpu::BarrierOp::create(b);
        // Each step loads the chunks of several blocks, then quantizes them:
        // more loads in flight per thread, where a block is one chunk. Not
        // for the static rules: ptxas interleaves the blocks' arithmetic,
        // which doubles their registers (45 -> 87 for static_6 on sm_90a) and
        // halves the resident CTAs, the bytes in flight per SM unchanged.
        int64_t chunks = g.groupRows * g.blockSize / kChunk;
        bool staticRule = o.rule == fp4::ScaleRule::Static6 ||
                          o.rule == fp4::ScaleRule::Static4;
        int64_t unroll =
            staticRule ? 1 : std::max<int64_t>(1, kChunksInFlight / chunks);
        reduceItemGroups(
            b, g.numGroups() * g.scaleCols(), unroll, Value(),
            [&](ImplicitLocOpBuilder &ib, ValueRange gids, Value) {
              SmallVector<std::pair<Value, Value>> blocks;
              for (Value gid : gids)
                blocks.push_back(
                    {arith::DivUIOp::create(ib, gid, idx(ib, g.scaleCols())),
                     arith::RemUIOp::create(ib, gid, idx(ib, g.scaleCols()))});
              scf::IfOp::create(
                  ib, valid,
                  [&](OpBuilder &thenBuilder, Location thenLoc) {
                    ImplicitLocOpBuilder tb(thenLoc, thenBuilder);
                    QuantizeEmitter inner(tb, o, g, layout, in, data, scales,
                                          codecs);
                    // Device buffers are (at least) 256-byte aligned.
                    inner.setAlignedChunkLoads(true);
                    SmallVector<SmallVector<Value>> loaded;
                    for (auto [group, block] : blocks)
                      loaded.push_back(inner.loadBlock(group, block));
                    for (auto [i, at] : llvm::enumerate(blocks))
                      inner.emitBlock(table, gEnc, maxByte, clamp, at.first,
                                      at.second, loaded[i]);
                    scf::YieldOp::create(tb);
                  },
                  [&](OpBuilder &elseBuilder, Location elseLoc) {
                    ImplicitLocOpBuilder eb(elseLoc, elseBuilder);
                    QuantizeEmitter inner(eb, o, g, layout, in, data, scales,
                                          codecs);
                    for (auto [group, block] : blocks)
                      inner.emitZeroBlock(group, block);
                    scf::YieldOp::create(eb);
                  });
              return Value();
            });
      });
}

struct QuantizeToGpu : OpRewritePattern<QuantizeOp> {
  QuantizeToGpu(MLIRContext *context, fp4::GpuChip chip)
      : OpRewritePattern(context), chip(chip),
        codecs(/*e2m1Convert=*/chip == fp4::GpuChip::SM100a) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ModuleOp> module =
        kernelHostModule(op, unsupportedReason(op), rewriter);
    if (failed(module))
      return failure();
    fp4::QuantizeOptions o = getQuantizeOptions(op);
    QuantizeGeometry g = getQuantizeGeometry(op, o);
    bool nvfp4 = o.format == fp4::Format::NVFP4;
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value zero = idx(b, 0);
    // The amax bits start as the calibrated amax, or 0 for the atomic max.
    Value calibrated = op.getAmax();
    Value initialBits =
        calibrated ? arith::BitcastOp::create(b, b.getI32Type(), calibrated)
                         .getResult()
                   : arith::ConstantIntOp::create(b, 0, 32).getResult();
    Value bits =
        memref::AllocOp::create(b, MemRefType::get({1}, rewriter.getI32Type()));
    memref::StoreOp::create(b, initialBits, bits, ValueRange{zero});
    Value in = readBuffer(b, op.getInput());
    auto dataType = cast<RankedTensorType>(op.getData().getType());
    auto scalesType = cast<RankedTensorType>(op.getScales().getType());
    Value data = allocBuffer(b, dataType);
    Value scales = allocBuffer(b, scalesType);
    auto inType = cast<MemRefType>(in.getType());
    auto bitsType = cast<MemRefType>(bits.getType());

    gpu::GPUModuleOp kernels = getKernelModule(*module, rewriter, chip);
    if (nvfp4 && !calibrated) {
      int64_t chunks = inType.getNumElements() / kChunk;
      launchKernel(b, getAmaxKernel(kernels, op, inType, bitsType),
                   {gridFor(chunks)}, kThreads, ValueRange{in, bits},
                   {fp4::kRead, fp4::kReadWrite});
    }
    int64_t blocks = g.numGroups() * g.scaleCols();
    launchKernel(
        b,
        getQuantizeKernel(kernels, op, o, g, codecs,
                          {inType, data.getType(), scales.getType(), bitsType}),
        {gridFor(blocks)}, kThreads, ValueRange{in, data, scales, bits},
        {fp4::kRead, fp4::kWrite, fp4::kWrite, fp4::kRead});

    Value tensorScale =
        arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(1.0f));
    if (nvfp4) {
      Value amax = arith::BitcastOp::create(
          b, b.getF32Type(), memref::LoadOp::create(b, bits, ValueRange{zero}));
      TensorScaleValues ts = emitTensorScale(b, o, amax);
      tensorScale = arith::SelectOp::create(
          b, ts.valid, ts.gDec,
          arith::ConstantFloatOp::create(b, b.getF32Type(), APFloat(0.0f)));
    }
    rewriter.replaceOp(op,
                       {bufferToTensor(b, data, dataType),
                        bufferToTensor(b, scales, scalesType), tensorScale});
    return success();
  }

private:
  fp4::GpuChip chip;
  NVVMCodecs codecs;
};
} // namespace

std::optional<std::string> unsupportedReason(QuantizeOp op) {
  if (hasDynamicShapes(op))
    return std::string("has a dynamic dimension; convert-nvfp4-to-nvvm "
                       "supports static shapes only");
  return std::nullopt;
}

void populateQuantizePatterns(RewritePatternSet &patterns, fp4::GpuChip chip) {
  patterns.add<QuantizeToGpu>(patterns.getContext(), chip);
}

} // namespace mlir::nvfp4::nvvm_lowering
