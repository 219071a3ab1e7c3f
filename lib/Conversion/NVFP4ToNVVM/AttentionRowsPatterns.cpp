//===- AttentionRowsPatterns.cpp - nvfp4.attention_rows to a GPU kernel ---===//
//
// nvfp4.attention_rows becomes one kernel launch: each thread computes one
// (head, query row) with the portable row code (AttentionRowEmitter), in the
// library's order, so the result is bit-exact. The CTA first fills P's
// candidate table in shared memory; each thread's scratch (a key tile of P,
// its codes, the output row) is private (local) memory.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"

#include "AttentionRowEmitter.h"
#include "BufferPlumbing.h"
#include "ThreadKernels.h"

#include "fp4/Conversion/NVFP4ToNVVM/NVFP4ToNVVM.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/xxhash.h"

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace mlir::nvfp4::nvvm_lowering {

namespace {
Value idx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// The shape, then a hash of everything else the kernel bakes in (the
/// attributes and which operands are present); xxh3, stable across runs.
std::string attentionRowsKernelName(AttentionRowsOp op) {
  auto q = op.getQ().getType();
  std::string attrs;
  llvm::raw_string_ostream os(attrs);
  os << op->getAttrDictionary() << static_cast<bool>(op.getQBf16())
     << static_cast<bool>(op.getScoreCorrection());
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx",
                static_cast<unsigned long long>(llvm::xxh3_64bits(attrs)));
  return "attention_rows_" + std::to_string(q.getDimSize(0)) + "x" +
         std::to_string(q.getDimSize(1)) + "x" +
         std::to_string(op.getK().getType().getDimSize(1)) + "x" +
         std::to_string(q.getDimSize(2)) + "x" +
         std::to_string(op.getVT().getType().getDimSize(1)) + "_" + hash;
}

struct AttentionRowsToGpu : OpRewritePattern<AttentionRowsOp> {
  AttentionRowsToGpu(MLIRContext *context, fp4::GpuChip chip)
      : OpRewritePattern(context), chip(chip) {}

  LogicalResult matchAndRewrite(AttentionRowsOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<ModuleOp> module = kernelHostModule(op, std::nullopt, rewriter);
    if (failed(module))
      return failure();
    QuantizeCodecs codecs; // The portable codes: the library's bytes.
    AttentionRowEmitter emitter(op, codecs);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    SmallVector<Value> args = {readBuffer(b, op.getQ()),
                               readBuffer(b, op.getK()),
                               readBuffer(b, op.getVT())};
    SmallVector<int32_t> access(3, fp4::kRead);
    for (Value optional :
         {op.getQBf16(), op.getKBf16(), op.getScoreCorrection()})
      if (optional) {
        args.push_back(readBuffer(b, optional));
        access.push_back(fp4::kRead);
      }
    Value out = allocBuffer(b, resultType);
    args.push_back(out);
    access.push_back(fp4::kWrite);

    gpu::GPUModuleOp kernels = getKernelModule(*module, rewriter, chip);
    SmallVector<Type> argTypes;
    for (Value arg : args)
      argTypes.push_back(arg.getType());
    auto workgroup = gpu::AddressSpaceAttr::get(op.getContext(),
                                                gpu::AddressSpace::Workgroup);
    int64_t rows = emitter.heads() * emitter.queries();
    gpu::GPUFuncOp kernel = getOrCreateKernel(
        kernels, op.getLoc(), attentionRowsKernelName(op), argTypes,
        {emitter.tableType(workgroup)},
        [&](ImplicitLocOpBuilder &kb, gpu::GPUFuncOp func) {
          AttentionRowBuffers buffers;
          unsigned next = 0;
          buffers.q = func.getArgument(next++);
          buffers.k = func.getArgument(next++);
          buffers.vT = func.getArgument(next++);
          if (op.getQBf16()) {
            buffers.qBf16 = func.getArgument(next++);
            buffers.kBf16 = func.getArgument(next++);
          }
          if (op.getScoreCorrection())
            buffers.correction = func.getArgument(next++);
          buffers.out = func.getArgument(next++);
          Value table = func.getWorkgroupAttributions()[0];
          PScaleValues ps = emitter.emitPScale(kb);
          // The CTA fills the candidate table, one row per thread.
          Value tid = gpu::ThreadIdOp::create(kb, gpu::Dimension::x);
          for (int64_t first = 0; first <= emitter.topByte();
               first += kThreads) {
            Value row = arith::AddIOp::create(kb, tid, idx(kb, first));
            Value inTable = arith::CmpIOp::create(
                kb, arith::CmpIPredicate::ule, row, idx(kb, emitter.topByte()));
            scf::IfOp::create(kb, inTable,
                              [&](OpBuilder &nested, Location loc) {
                                ImplicitLocOpBuilder ib(loc, nested);
                                emitter.emitTableEntry(ib, table, row, ps);
                                scf::YieldOp::create(ib);
                              });
          }
          gpu::BarrierOp::create(kb);
          AttentionRowScratch scratch = emitter.allocScratch(kb);
          forEachItem(kb, rows, [&](ImplicitLocOpBuilder &ib, Value item) {
            Value head =
                arith::DivUIOp::create(ib, item, idx(ib, emitter.queries()));
            Value i =
                arith::RemUIOp::create(ib, item, idx(ib, emitter.queries()));
            emitter.emitRow(ib, buffers, scratch, table, ps, head, i);
          });
        });
    launchKernel(b, kernel, {gridFor(rows)}, kThreads, args, access);
    rewriter.replaceOp(op, bufferToTensor(b, out, resultType));
    return success();
  }

private:
  fp4::GpuChip chip;
};
} // namespace

void populateAttentionRowsPatterns(RewritePatternSet &patterns,
                                   fp4::GpuChip chip) {
  patterns.add<AttentionRowsToGpu>(patterns.getContext(), chip);
}

} // namespace mlir::nvfp4::nvvm_lowering
