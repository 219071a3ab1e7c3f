//===- AttentionRowsPatterns.cpp - nvfp4.attention_rows to scf loops ------===//
//
// nvfp4.attention_rows becomes P's candidate table, then an scf.parallel
// loop over (head, query row) whose body is one row (AttentionRowEmitter)
// with its scratch on the heap (buffer deallocation frees it per row).
//
//===----------------------------------------------------------------------===//

#include "AttentionRowEmitter.h"
#include "PopulatePatterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::nvfp4;
using namespace mlir::nvfp4::arith_lowering;

namespace {
struct AttentionRowsLowering : OpRewritePattern<AttentionRowsOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AttentionRowsOp op,
                                PatternRewriter &rewriter) const override {
    QuantizeCodecs codecs;
    AttentionRowEmitter emitter(op, codecs);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto read = [&](Value tensor) -> Value {
      return tensor ? readBuffer(b, tensor) : Value();
    };
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    AttentionRowBuffers buffers{
        read(op.getQ()),           read(op.getK()),
        read(op.getVT()),          read(op.getQBf16()),
        read(op.getKBf16()),       read(op.getScoreCorrection()),
        allocBuffer(b, resultType)};
    PScaleValues ps = emitter.emitPScale(b);
    Value table = memref::AllocOp::create(b, emitter.tableType());
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, v);
    };
    scf::ForOp::create(
        b, index(0), index(emitter.topByte() + 1), index(1), ValueRange{},
        [&](OpBuilder &nested, Location loc, Value row, ValueRange) {
          ImplicitLocOpBuilder ib(loc, nested);
          emitter.emitTableEntry(ib, table, row, ps);
          scf::YieldOp::create(ib);
        });
    scf::ParallelOp::create(
        b, ValueRange{index(0), index(0)},
        ValueRange{index(emitter.heads()), index(emitter.queries())},
        ValueRange{index(1), index(1)},
        [&](OpBuilder &nested, Location loc, ValueRange ivs) {
          // Heap scratch, which buffer deallocation frees at the end of the
          // row: scf loops are automatic allocation scopes, so an
          // alloca_scope here is inlined away by the canonicalizer, and their
          // lowering to cf does not restore the stack: allocas would grow it
          // by every row.
          ImplicitLocOpBuilder ib(loc, nested);
          AttentionRowScratch scratch = emitter.allocScratch(ib, /*heap=*/true);
          emitter.emitRow(ib, buffers, scratch, table, ps, ivs[0], ivs[1]);
        });
    rewriter.replaceOp(op, bufferToTensor(b, buffers.out, resultType));
    return success();
  }
};
} // namespace

void mlir::nvfp4::arith_lowering::populateAttentionRowsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionRowsLowering>(patterns.getContext());
}
