//===- DecomposeAttention.cpp - nvfp4.attention to nvfp4 + linalg ---------===//
//
// Part of fp4-mlir. The nvfp4-decompose-attention pass (Passes.td): each
// nvfp4.attention becomes, per (batch, head), the numerics library's
// attentionReference written out op for op (include/fp4/Numerics/
// Attention.h): smoothing, rotation and masking as linalg.generic ops,
// quantization as nvfp4.quantize (with a calibrated amax equal to the rule's
// divisor, so that there is no tensor scale), an scf.for over full key tiles
// plus one remainder tile, and the online softmax with attentionExp emulated
// in arith. With products=reference, the two products are dequantized and
// summed by linalg.generic contractions whose reduction is the innermost
// loop, in increasing index order: the loops that convert-linalg-to-loops
// builds then add in the reference's order, so the CPU result is bit-exact.
// With products=scaled-matmul, both products are nvfp4.scaled_matmul (tensor
// cores on the GPU) and only their summation order differs.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/AttentionArith.h"
#include "fp4/Dialect/NVFP4/IR/ConstantQuantization.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Dialect/NVFP4/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

namespace mlir::nvfp4 {
#define GEN_PASS_DEF_NVFP4DECOMPOSEATTENTIONPASS
#include "fp4/Dialect/NVFP4/Transforms/Passes.h.inc"
} // namespace mlir::nvfp4

using namespace mlir;
using namespace mlir::nvfp4;

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// How one attention's products are computed.
struct DecomposeSettings {
  bool fused = false;    ///< The online softmax as nvfp4.attention_rows.
  bool qkScaled = false; ///< Q.K^T as nvfp4.scaled_matmul.
  bool pvScaled = false; ///< P.V as nvfp4.scaled_matmul.
  ScaleLayout layout = ScaleLayout::row_major; ///< Of the scaled products.
};

/// The quantized form of one operand: packed codes, scales, decode scale.
struct Quantized {
  Value data, scales, tensorScale;
};

/// Emits the decomposition of one nvfp4.attention.
class AttentionEmitter {
public:
  AttentionEmitter(OpBuilder &b, AttentionOp op,
                   const DecomposeSettings &settings)
      : b(b), loc(op.getLoc()), op(op), ctx(op.getContext()),
        settings(settings), o(getAttentionOptions(op)) {
    auto q = op.getQuery().getType(), k = op.getKey().getType(),
         v = op.getValue().getType();
    batch = q.getDimSize(0);
    heads = q.getDimSize(1);
    lq = q.getDimSize(2);
    d = q.getDimSize(3);
    lk = k.getDimSize(2);
    dv = v.getDimSize(3);
    scale = fp4::effectiveSoftmaxScale(o, static_cast<uint64_t>(d));
    highPrecision = o.sinkTokens > 0 || o.recentTokens > 0;
  }

  /// The attention's f32 result.
  Value emit();

private:
  // Small builders.
  Value f32(float value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value f32(OpBuilder &nb, float value) {
    return arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(value));
  }
  Value empty(ArrayRef<int64_t> shape) {
    return tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  }
  Value filled(ArrayRef<int64_t> shape, float value) {
    return linalg::FillOp::create(b, loc, ValueRange{f32(value)},
                                  ValueRange{empty(shape)})
        .getResult(0);
  }
  AffineMap map(unsigned dims, ArrayRef<AffineExpr> results) {
    return AffineMap::get(dims, 0, results, ctx);
  }
  AffineExpr dim(unsigned pos) { return getAffineDimExpr(pos, ctx); }

  using BodyFn = function_ref<Value(OpBuilder &, ValueRange)>;
  /// A linalg.generic with one f32 result; `maps` lists the inputs' maps and
  /// then the init's; `body` gets the block arguments (inputs, then the
  /// init's element) and returns the value to yield.
  Value generic(ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iterators, BodyFn body) {
    return linalg::GenericOp::create(
               b, loc, init.getType(), inputs, ValueRange{init}, maps,
               iterators,
               [&](OpBuilder &nb, Location, ValueRange args) {
                 linalg::YieldOp::create(nb, loc, body(nb, args));
               })
        .getResult(0);
  }
  /// An element-wise generic over 2-d tensors of `shape`.
  Value elementwise2d(ValueRange inputs, ArrayRef<int64_t> shape, BodyFn body) {
    AffineMap id = b.getMultiDimIdentityMap(2);
    SmallVector<AffineMap> maps(inputs.size() + 1, id);
    return generic(inputs, empty(shape), maps, {kPar, kPar}, body);
  }
  /// A copy of a tile slice in a fresh tensor: it bufferizes to an
  /// identity-layout buffer, which the GPU launches' device staging needs.
  Value contiguous(Value slice) {
    return bufferization::AllocTensorOp::create(
        b, loc, cast<RankedTensorType>(slice.getType()), ValueRange{}, slice);
  }
  /// Scales in the tcgen05 layout [R/128, C/B/4, 32, 4, 4], sliced along
  /// `dim` (0: row tiles, 1: block groups) from offset / `unit`, `count` long.
  Value tcgen05ScaleSlice(Value scales, unsigned dim, Value offset,
                          int64_t unit, int64_t count) {
    auto type = cast<RankedTensorType>(scales.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[dim] = count;
    SmallVector<OpFoldResult> offsets(5, b.getIndexAttr(0)), sizes,
        strides(5, b.getIndexAttr(1));
    offsets[dim] =
        arith::DivUIOp::create(b, loc, offset, index(unit)).getResult();
    for (int64_t size : shape)
      sizes.push_back(b.getIndexAttr(size));
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), scales,
        offsets, sizes, strides);
  }
  Value linalgIndex(OpBuilder &nb, unsigned dimension) {
    return linalg::IndexOp::create(nb, loc, dimension);
  }

  // Arithmetic in the reference's order.
  Value emitExp(OpBuilder &nb, Value x) { return emitAttentionExp(nb, loc, x); }
  Value bf16Round(OpBuilder &nb, Value x) { return emitBF16Round(nb, loc, x); }
  Value isHighPrecisionKey(OpBuilder &nb, Value key);

  // The steps of Attention.h.
  Value toF32(Value slice, ArrayRef<int64_t> shape);
  Value smoothK(Value k);
  Value smoothQ(Value &q, Value k);
  Value hadamard(Value x, int64_t rows);
  Value zeroHighPrecisionRows(Value x, int64_t rows, int64_t cols);
  Quantized quantize(Value x, ScaleRuleAttr rule, bool transpose,
                     bool withTensorScale, ScaleLayout layout);
  Value dequantize(const Quantized &q, int64_t rows, int64_t cols);
  Value headAttention(Value q, Value k, Value v);
  Value fusedAttention();

  struct TileState {
    Value o, m, l;
  };
  struct HeadOperands {
    Value qh, kh, vhT;     // reference, fused: dequantized (V transposed)
    Quantized qq, kq, vqT; // scaled-matmul: quantized
    Value qb, kb, vbT;     // sink/recent keys: bf16 values
    Value dS;              // Q smoothing's correction [qBlocks, Lk]
  };
  HeadOperands prepare(Value q, Value k, Value v);
  /// Runs `body` for each (batch, head) in an scf.for nest carrying
  /// `inits`; `body` gets the head's slices of Q, K and V in f32 and the
  /// carried values, and returns the next ones.
  SmallVector<Value> forEachHead(
      ValueRange inits,
      function_ref<SmallVector<Value>(Value bi, Value hi, Value q, Value k,
                                      Value v, ValueRange carried)>
          body);
  TileState keyTile(const HeadOperands &ops, const TileState &state,
                    Value offset, int64_t n);
  Value scores(const HeadOperands &ops, Value offset, int64_t n);
  Value contract(Value lhs, AffineMap lhsMap, Value rhs, AffineMap rhsMap,
                 Value init);

  OpBuilder &b;
  Location loc;
  AttentionOp op;
  MLIRContext *ctx;
  const DecomposeSettings &settings;
  fp4::AttentionOptions o;
  int64_t batch, heads, lq, d, lk, dv;
  float scale;
  bool highPrecision;
};

} // namespace

/// Whether key index `key` (index type) is a sink or recent key.
Value AttentionEmitter::isHighPrecisionKey(OpBuilder &nb, Value key) {
  Value sink = arith::CmpIOp::create(
      nb, loc, arith::CmpIPredicate::slt, key,
      arith::ConstantIndexOp::create(nb, loc, o.sinkTokens));
  // key + recent >= lk  <=>  key >= lk - recent.
  Value recent = arith::CmpIOp::create(
      nb, loc, arith::CmpIPredicate::sge, key,
      arith::ConstantIndexOp::create(
          nb, loc, lk - static_cast<int64_t>(o.recentTokens)));
  return arith::OrIOp::create(nb, loc, sink, recent);
}

/// A [rows, cols] slice of any float type, widened to f32 (exact), in a
/// buffer of its own.
Value AttentionEmitter::toF32(Value slice, ArrayRef<int64_t> shape) {
  if (cast<RankedTensorType>(slice.getType()).getElementType().isF32())
    return contiguous(slice);
  return elementwise2d({slice}, shape, [&](OpBuilder &nb, ValueRange args) {
    return arith::ExtFOp::create(nb, loc, nb.getF32Type(), args[0]);
  });
}

/// Step 1: K minus its mean over the tokens.
Value AttentionEmitter::smoothK(Value k) {
  Value sum = generic({k}, filled({d}, 0.0f),
                      {map(2, {dim(0), dim(1)}), map(2, {dim(1)})},
                      {kRed, kPar}, [&](OpBuilder &nb, ValueRange args) {
                        return arith::AddFOp::create(nb, loc, args[1], args[0]);
                      });
  return generic({k, sum}, empty({lk, d}),
                 {b.getMultiDimIdentityMap(2), map(2, {dim(1)}),
                  b.getMultiDimIdentityMap(2)},
                 {kPar, kPar}, [&](OpBuilder &nb, ValueRange args) {
                   Value mean = arith::DivFOp::create(
                       nb, loc, args[1], f32(nb, static_cast<float>(lk)));
                   return arith::SubFOp::create(nb, loc, args[0], mean);
                 });
}

/// Step 2: per block of kQSmoothBlock queries (unrolled: the block sizes are
/// static), Q minus the block mean; returns dS [qBlocks, Lk] (scaled).
Value AttentionEmitter::smoothQ(Value &q, Value k) {
  const int64_t block = static_cast<int64_t>(fp4::kQSmoothBlock);
  const int64_t qBlocks = (lq + block - 1) / block;
  Value dS = empty({qBlocks, lk});
  for (int64_t blk = 0; blk < qBlocks; ++blk) {
    int64_t i0 = blk * block, n = std::min(lq, i0 + block) - i0;
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(i0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(n), b.getIndexAttr(d)};
    SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
    Value rows = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({n, d}, b.getF32Type()), q, offsets,
        sizes, strides);
    Value sum = generic(
        {rows}, filled({d}, 0.0f), {map(2, {dim(0), dim(1)}), map(2, {dim(1)})},
        {kRed, kPar}, [&](OpBuilder &nb, ValueRange args) {
          return arith::AddFOp::create(nb, loc, args[1], args[0]);
        });
    Value mean =
        generic({sum}, empty({d}), {map(1, {dim(0)}), map(1, {dim(0)})}, {kPar},
                [&](OpBuilder &nb, ValueRange args) {
                  return arith::DivFOp::create(nb, loc, args[0],
                                               f32(nb, static_cast<float>(n)));
                });
    Value smoothed =
        generic({rows, mean}, empty({n, d}),
                {b.getMultiDimIdentityMap(2), map(2, {dim(1)}),
                 b.getMultiDimIdentityMap(2)},
                {kPar, kPar}, [&](OpBuilder &nb, ValueRange args) {
                  return arith::SubFOp::create(nb, loc, args[0], args[1]);
                });
    q = tensor::InsertSliceOp::create(b, loc, smoothed, q, offsets, sizes,
                                      strides);
    // dS[j] = (sum_c mean[c] * K'[j][c]) * scale.
    Value acc =
        generic({mean, k}, filled({lk}, 0.0f),
                {map(2, {dim(1)}), map(2, {dim(0), dim(1)}), map(2, {dim(0)})},
                {kPar, kRed}, [&](OpBuilder &nb, ValueRange args) {
                  Value prod = arith::MulFOp::create(nb, loc, args[0], args[1]);
                  return arith::AddFOp::create(nb, loc, args[2], prod);
                });
    Value row = generic(
        {acc}, empty({lk}), {map(1, {dim(0)}), map(1, {dim(0)})}, {kPar},
        [&](OpBuilder &nb, ValueRange args) {
          return arith::MulFOp::create(nb, loc, args[0], f32(nb, scale));
        });
    dS = tensor::InsertSliceOp::create(
        b, loc, row, dS,
        SmallVector<OpFoldResult>{b.getIndexAttr(blk), b.getIndexAttr(0)},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(lk)},
        strides);
  }
  return dS;
}

/// Step 3: each 16-channel group of a row becomes (sum_c +-x_c) * 0.25 with
/// the Sylvester signs, added or subtracted in c order.
Value AttentionEmitter::hadamard(Value x, int64_t rows) {
  auto type3 = RankedTensorType::get({rows, d / 16, 16}, b.getF32Type());
  Value x3 = tensor::ExpandShapeOp::create(
      b, loc, type3, x, SmallVector<ReassociationIndices>{{0}, {1, 2}});
  SmallVector<float> signs(256);
  for (int r = 0; r < 16; ++r)
    for (int c = 0; c < 16; ++c)
      signs[r * 16 + c] = __builtin_popcount(r & c) % 2 ? -1.0f : 1.0f;
  auto signType = RankedTensorType::get({16, 16}, b.getF32Type());
  Value h = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(signType, ArrayRef<float>(signs)));
  Value init =
      linalg::FillOp::create(b, loc, ValueRange{f32(0.0f)},
                             ValueRange{tensor::EmptyOp::create(
                                 b, loc, type3.getShape(), b.getF32Type())})
          .getResult(0);
  // (row, group, r, c): y[row][group][r] +-= x[row][group][c].
  Value sum = generic(
      {h, x3}, init,
      {map(4, {dim(2), dim(3)}), map(4, {dim(0), dim(1), dim(3)}),
       map(4, {dim(0), dim(1), dim(2)})},
      {kPar, kPar, kPar, kRed}, [&](OpBuilder &nb, ValueRange args) {
        Value positive = arith::CmpFOp::create(
            nb, loc, arith::CmpFPredicate::OGT, args[0], f32(nb, 0.0f));
        return arith::SelectOp::create(
            nb, loc, positive, arith::AddFOp::create(nb, loc, args[2], args[1]),
            arith::SubFOp::create(nb, loc, args[2], args[1]));
      });
  Value scaled = generic(
      {sum}, tensor::EmptyOp::create(b, loc, type3.getShape(), b.getF32Type()),
      {b.getMultiDimIdentityMap(3), b.getMultiDimIdentityMap(3)},
      {kPar, kPar, kPar}, [&](OpBuilder &nb, ValueRange args) {
        return arith::MulFOp::create(nb, loc, args[0], f32(nb, 0.25f));
      });
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({rows, d}, b.getF32Type()), scaled,
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

/// Rows (keys) of a [Lk, cols] tensor that are sink or recent keys become 0.
Value AttentionEmitter::zeroHighPrecisionRows(Value x, int64_t rows,
                                              int64_t cols) {
  return elementwise2d({x}, {rows, cols}, [&](OpBuilder &nb, ValueRange args) {
    return arith::SelectOp::create(nb, loc,
                                   isHighPrecisionKey(nb, linalgIndex(nb, 0)),
                                   f32(nb, 0.0f), args[0]);
  });
}

/// nvfp4.quantize of a 2-d f32 tensor with `rule`; without a tensor scale
/// (SageAttention3) the calibrated amax is the rule's divisor, so g = 1.
Quantized AttentionEmitter::quantize(Value x, ScaleRuleAttr rule,
                                     bool transpose, bool withTensorScale,
                                     ScaleLayout layout) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rows = type.getDimSize(transpose ? 1 : 0);
  int64_t cols = type.getDimSize(transpose ? 0 : 1);
  fp4::QuantizeOptions options;
  options.format = o.format;
  if (rule)
    toNumerics(rule, options.rule, options.metric, options.searchRadius);
  options.scaleLayout = toNumerics(layout);
  options.transpose = transpose;
  auto [dataType, scalesType] = getQuantizedTypes(ctx, rows, cols, options);
  SmallVector<Value> operands = {x};
  if (!withTensorScale && o.format == fp4::Format::NVFP4)
    operands.push_back(
        f32(fp4::tensorScaleForRule(options.rule, 1.0f).divisor));
  auto q = QuantizeOp::create(b, loc,
                              TypeRange{dataType, scalesType, b.getF32Type()},
                              operands, ArrayRef<NamedAttribute>{});
  q.setFormatAttr(op.getFormatAttr());
  if (rule)
    q.setRuleAttr(rule);
  q.setScaleLayoutAttr(ScaleLayoutAttr::get(ctx, layout));
  q.setTranspose(transpose);
  return {q.getData(), q.getScales(), q.getTensorScale()};
}

Value AttentionEmitter::dequantize(const Quantized &q, int64_t rows,
                                   int64_t cols) {
  return DequantizeOp::create(
      b, loc, RankedTensorType::get({rows, cols}, b.getF32Type()), q.data,
      q.scales, q.tensorScale);
}

/// init[a][c] + sum_b lhs * rhs over the last loop dimension, in increasing
/// order (the reduction is the innermost loop of the generic).
Value AttentionEmitter::contract(Value lhs, AffineMap lhsMap, Value rhs,
                                 AffineMap rhsMap, Value init) {
  return generic({lhs, rhs}, init, {lhsMap, rhsMap, map(3, {dim(0), dim(1)})},
                 {kPar, kPar, kRed}, [&](OpBuilder &nb, ValueRange args) {
                   Value prod =
                       arith::MulFOp::create(nb, loc, args[0], args[1]);
                   return arith::AddFOp::create(nb, loc, args[2], prod);
                 });
}

/// Static or dynamic offset as an OpFoldResult.
static OpFoldResult foldResult(Value v) {
  if (auto c = v.getDefiningOp<arith::ConstantIndexOp>())
    return IntegerAttr::get(IndexType::get(v.getContext()), c.value());
  return v;
}

/// S = Q.K^T (unscaled) for keys [offset, offset + n): [Lq, n].
Value AttentionEmitter::scores(const HeadOperands &ops, Value offset,
                               int64_t n) {
  OpFoldResult off = foldResult(offset);
  SmallVector<OpFoldResult> one = {b.getIndexAttr(1), b.getIndexAttr(1)};
  auto rowSlice = [&](Value x, int64_t cols) -> Value {
    return tensor::ExtractSliceOp::create(
        b, loc,
        RankedTensorType::get(
            {n, cols}, cast<RankedTensorType>(x.getType()).getElementType()),
        x, SmallVector<OpFoldResult>{off, b.getIndexAttr(0)},
        SmallVector<OpFoldResult>{b.getIndexAttr(n), b.getIndexAttr(cols)},
        one);
  };
  AffineMap qMap = map(3, {dim(0), dim(2)}), kMap = map(3, {dim(1), dim(2)});
  Value s;
  if (!settings.qkScaled) {
    s = contract(ops.qh, qMap, rowSlice(ops.kh, d), kMap,
                 filled({lq, n}, 0.0f));
  } else {
    int64_t blockSize = getBlockSize(op.getFormat());
    Value kScales;
    if (settings.layout == ScaleLayout::tcgen05) {
      // [Lk/128, D/B/4, 32, 4, 4]: whole 128-key tiles.
      kScales = tcgen05ScaleSlice(ops.kq.scales, 0, offset, 128, n / 128);
    } else {
      kScales = rowSlice(ops.kq.scales, d / blockSize);
    }
    s = ScaledMatmulOp::create(b, loc,
                               RankedTensorType::get({lq, n}, b.getF32Type()),
                               ops.qq.data, ops.qq.scales, ops.qq.tensorScale,
                               contiguous(rowSlice(ops.kq.data, d / 2)),
                               contiguous(kScales), ops.kq.tensorScale);
  }
  if (!highPrecision)
    return s;
  // Sink and recent keys: bf16(Q') . bf16(K') instead.
  Value sb =
      contract(ops.qb, qMap, rowSlice(ops.kb, d), kMap, filled({lq, n}, 0.0f));
  return elementwise2d({s, sb}, {lq, n}, [&](OpBuilder &nb, ValueRange args) {
    Value key = arith::AddIOp::create(nb, loc, linalgIndex(nb, 1), offset);
    return arith::SelectOp::create(nb, loc, isHighPrecisionKey(nb, key),
                                   args[1], args[0]);
  });
}

/// One key tile [offset, offset + n) of step 5.
AttentionEmitter::TileState AttentionEmitter::keyTile(const HeadOperands &ops,
                                                      const TileState &state,
                                                      Value offset, int64_t n) {
  const float negInf = -std::numeric_limits<float>::infinity();
  Value s = scores(ops, offset, n);
  // Scale, Q smoothing's correction, the causal mask.
  Value sc = elementwise2d({s}, {lq, n}, [&](OpBuilder &nb, ValueRange args) {
    Value i = linalgIndex(nb, 0);
    Value key = arith::AddIOp::create(nb, loc, linalgIndex(nb, 1), offset);
    Value v = arith::MulFOp::create(nb, loc, args[0], f32(nb, scale));
    if (o.smoothQ) {
      Value blk = arith::DivUIOp::create(
          nb, loc, i,
          arith::ConstantIndexOp::create(nb, loc, fp4::kQSmoothBlock));
      Value corr =
          tensor::ExtractOp::create(nb, loc, ops.dS, ValueRange{blk, key});
      v = arith::AddFOp::create(nb, loc, v, corr);
    }
    if (o.causal) {
      Value limit = arith::AddIOp::create(
          nb, loc, i, arith::ConstantIndexOp::create(nb, loc, lk - lq));
      Value visible =
          arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::sle, key, limit);
      v = arith::SelectOp::create(nb, loc, visible, v, f32(nb, negInf));
    }
    return v;
  });
  // mNew = max(m, max_j S[j]) as std::max: (a < b) ? b : a.
  AffineMap row1 = map(1, {dim(0)});
  Value mNew =
      generic({sc}, state.m, {b.getMultiDimIdentityMap(2), map(2, {dim(0)})},
              {kPar, kRed}, [&](OpBuilder &nb, ValueRange args) {
                Value less = arith::CmpFOp::create(
                    nb, loc, arith::CmpFPredicate::OLT, args[1], args[0]);
                return arith::SelectOp::create(nb, loc, less, args[0], args[1]);
              });
  auto skipped = [&](OpBuilder &nb, Value mn) {
    return arith::CmpFOp::create(nb, loc, arith::CmpFPredicate::OEQ, mn,
                                 f32(nb, negInf));
  };
  // alpha = exp(m - mNew), 1 for a row that saw no key yet.
  Value alpha = generic(
      {state.m, mNew}, empty({lq}), {row1, row1, row1}, {kPar},
      [&](OpBuilder &nb, ValueRange args) {
        Value e = emitExp(nb, arith::SubFOp::create(nb, loc, args[0], args[1]));
        return arith::SelectOp::create(nb, loc, skipped(nb, args[1]),
                                       f32(nb, 1.0f), e);
      });
  // p = exp(S - mNew) (* 2688 for two-level P), 0 in a skipped row.
  Value p = generic(
      {sc, mNew}, empty({lq, n}),
      {b.getMultiDimIdentityMap(2), map(2, {dim(0)}),
       b.getMultiDimIdentityMap(2)},
      {kPar, kPar}, [&](OpBuilder &nb, ValueRange args) {
        Value e = emitExp(nb, arith::SubFOp::create(nb, loc, args[0], args[1]));
        if (o.pMode == fp4::PMode::TwoLevel)
          e = arith::MulFOp::create(nb, loc, e, f32(nb, fp4::kTwoLevelPScale));
        return arith::SelectOp::create(nb, loc, skipped(nb, args[1]),
                                       f32(nb, 0.0f), e);
      });
  Value rowSum = generic(
      {p}, filled({lq}, 0.0f), {b.getMultiDimIdentityMap(2), map(2, {dim(0)})},
      {kPar, kRed}, [&](OpBuilder &nb, ValueRange args) {
        return arith::AddFOp::create(nb, loc, args[1], args[0]);
      });
  Value l =
      generic({state.l, alpha, rowSum, mNew}, empty({lq}),
              {row1, row1, row1, row1, row1}, {kPar},
              [&](OpBuilder &nb, ValueRange args) {
                Value scaled = arith::MulFOp::create(nb, loc, args[0], args[1]);
                Value sum = arith::AddFOp::create(nb, loc, scaled, args[2]);
                return arith::SelectOp::create(nb, loc, skipped(nb, args[3]),
                                               args[0], sum);
              });
  Value m = generic({state.m, mNew}, empty({lq}), {row1, row1, row1}, {kPar},
                    [&](OpBuilder &nb, ValueRange args) {
                      return arith::SelectOp::create(
                          nb, loc, skipped(nb, args[1]), args[0], args[1]);
                    });

  // P: quantized in blocks of keys, no tensor scale; sink/recent keys are 0
  // there and take bf16(p) in the product.
  Value pq = p;
  if (highPrecision)
    pq = elementwise2d({p}, {lq, n}, [&](OpBuilder &nb, ValueRange args) {
      Value key = arith::AddIOp::create(nb, loc, linalgIndex(nb, 1), offset);
      return arith::SelectOp::create(nb, loc, isHighPrecisionKey(nb, key),
                                     f32(nb, 0.0f), args[0]);
    });
  ScaleLayout pLayout =
      settings.pvScaled ? settings.layout : ScaleLayout::row_major;
  Quantized pQuant = quantize(pq, op.getPRuleAttr(), false, false, pLayout);
  Value oScaled =
      generic({state.o, alpha}, empty({lq, dv}),
              {b.getMultiDimIdentityMap(2), map(2, {dim(0)}),
               b.getMultiDimIdentityMap(2)},
              {kPar, kPar}, [&](OpBuilder &nb, ValueRange args) {
                return arith::MulFOp::create(nb, loc, args[0], args[1]);
              });
  OpFoldResult off = foldResult(offset);
  SmallVector<OpFoldResult> one = {b.getIndexAttr(1), b.getIndexAttr(1)};
  auto colSlice = [&](Value x, int64_t cols,
                      int64_t colOffsetDivisor) -> Value {
    auto type = cast<RankedTensorType>(x.getType());
    OpFoldResult colOff = off;
    if (colOffsetDivisor != 1)
      colOff = foldResult(
          arith::DivUIOp::create(b, loc, offset, index(colOffsetDivisor)));
    return tensor::ExtractSliceOp::create(
        b, loc,
        RankedTensorType::get({type.getDimSize(0), cols},
                              type.getElementType()),
        x, SmallVector<OpFoldResult>{b.getIndexAttr(0), colOff},
        SmallVector<OpFoldResult>{b.getIndexAttr(type.getDimSize(0)),
                                  b.getIndexAttr(cols)},
        one);
  };
  AffineMap pMap = map(3, {dim(0), dim(2)}), vMap = map(3, {dim(1), dim(2)});
  Value out;
  if (!settings.pvScaled) {
    Value ph = dequantize(pQuant, lq, n);
    if (highPrecision)
      ph = elementwise2d({p, ph}, {lq, n}, [&](OpBuilder &nb, ValueRange args) {
        Value key = arith::AddIOp::create(nb, loc, linalgIndex(nb, 1), offset);
        return arith::SelectOp::create(nb, loc, isHighPrecisionKey(nb, key),
                                       bf16Round(nb, args[0]), args[1]);
      });
    // O = O * alpha, then O + Ph[j] * Vh[j][e] in key order.
    out = contract(ph, pMap, colSlice(ops.vhT, n, 1), vMap, oScaled);
  } else {
    int64_t blockSize = getBlockSize(op.getFormat());
    Value vScales;
    if (settings.layout == ScaleLayout::tcgen05) {
      // [Dv/128, Lk/B/4, 32, 4, 4]: the tile's groups of 4 blocks.
      vScales = tcgen05ScaleSlice(ops.vqT.scales, 1, offset, 4 * blockSize,
                                  n / blockSize / 4);
    } else {
      vScales = colSlice(ops.vqT.scales, n / blockSize, blockSize);
    }
    Value t = ScaledMatmulOp::create(
        b, loc, RankedTensorType::get({lq, dv}, b.getF32Type()), pQuant.data,
        pQuant.scales, pQuant.tensorScale,
        contiguous(colSlice(ops.vqT.data, n / 2, 2)), contiguous(vScales),
        ops.vqT.tensorScale);
    if (highPrecision) {
      Value pb =
          elementwise2d({p}, {lq, n}, [&](OpBuilder &nb, ValueRange args) {
            Value key =
                arith::AddIOp::create(nb, loc, linalgIndex(nb, 1), offset);
            return arith::SelectOp::create(nb, loc, isHighPrecisionKey(nb, key),
                                           bf16Round(nb, args[0]),
                                           f32(nb, 0.0f));
          });
      t = contract(pb, pMap, colSlice(ops.vbT, n, 1), vMap, t);
    }
    out = elementwise2d(
        {oScaled, t}, {lq, dv}, [&](OpBuilder &nb, ValueRange args) {
          return arith::AddFOp::create(nb, loc, args[0], args[1]);
        });
  }
  return {out, m, l};
}

/// Steps 1 to 4 for one (b, h) head: q [Lq, D], k [Lk, D], v [Lk, Dv] in
/// f32.
AttentionEmitter::HeadOperands AttentionEmitter::prepare(Value q, Value k,
                                                         Value v) {
  HeadOperands ops;
  if (o.smoothK)
    k = smoothK(k);
  if (o.smoothQ)
    ops.dS = smoothQ(q, k);
  if (o.hadamard) {
    q = hadamard(q, lq);
    k = hadamard(k, lk);
  }
  Value kq = highPrecision ? zeroHighPrecisionRows(k, lk, d) : k;
  Value vq = highPrecision ? zeroHighPrecisionRows(v, lk, dv) : v;
  bool ts = o.qkvTensorScale;
  ScaleLayout qkLayout =
      settings.qkScaled ? settings.layout : ScaleLayout::row_major;
  ScaleLayout vLayout =
      settings.pvScaled ? settings.layout : ScaleLayout::row_major;
  ops.qq = quantize(q, op.getQRuleAttr(), false, ts, qkLayout);
  ops.kq = quantize(kq, op.getKRuleAttr(), false, ts, qkLayout);
  ops.vqT = quantize(vq, op.getVRuleAttr(), true, ts, vLayout);
  if (!settings.qkScaled) {
    ops.qh = dequantize(ops.qq, lq, d);
    ops.kh = dequantize(ops.kq, lk, d);
  }
  if (!settings.pvScaled)
    ops.vhT = dequantize(ops.vqT, dv, lk);
  if (highPrecision) {
    auto round = [&](OpBuilder &nb, ValueRange args) {
      return bf16Round(nb, args[0]);
    };
    ops.qb = elementwise2d({q}, {lq, d}, round);
    ops.kb = elementwise2d({k}, {lk, d}, round);
    // bf16(v) transposed: the sink/recent rows of the product's V.
    ops.vbT = generic({v}, empty({dv, lk}),
                      {map(2, {dim(1), dim(0)}), b.getMultiDimIdentityMap(2)},
                      {kPar, kPar}, round);
    if (!settings.pvScaled)
      ops.vhT = elementwise2d(
          {ops.vhT, ops.vbT}, {dv, lk}, [&](OpBuilder &nb, ValueRange args) {
            return arith::SelectOp::create(
                nb, loc, isHighPrecisionKey(nb, linalgIndex(nb, 1)), args[1],
                args[0]);
          });
  }
  return ops;
}

/// One (b, h) head: q [Lq, D], k [Lk, D], v [Lk, Dv] in f32.
Value AttentionEmitter::headAttention(Value q, Value k, Value v) {
  HeadOperands ops = prepare(q, k, v);
  TileState state{filled({lq, dv}, 0.0f),
                  filled({lq}, -std::numeric_limits<float>::infinity()),
                  filled({lq}, 0.0f)};
  const int64_t tile = static_cast<int64_t>(o.keyTile);
  const int64_t fullTiles = lk / tile, rest = lk % tile;
  if (fullTiles == 1) {
    // No loop: a one-trip scf.for would fold away and leave the in-place
    // writes below aimed at the initial tensors.
    state = keyTile(ops, state, index(0), tile);
  } else if (fullTiles > 1) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(fullTiles * tile), index(tile),
        ValueRange{state.o, state.m, state.l},
        [&](OpBuilder &nb, Location, Value offset, ValueRange iter) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          TileState next =
              keyTile(ops, {iter[0], iter[1], iter[2]}, offset, tile);
          // Written into the iteration's own tensors: one-shot
          // bufferization wants each yielded value equivalent to its
          // iter_arg (an identity copy would be canonicalized away).
          SmallVector<Value> yielded;
          SmallVector<Value> values = {next.o, next.m, next.l};
          for (auto [value, into] : llvm::zip(values, iter))
            yielded.push_back(bufferization::MaterializeInDestinationOp::create(
                                  b, loc, value, into)
                                  .getResult());
          scf::YieldOp::create(b, loc, yielded);
        });
    state = {loop.getResult(0), loop.getResult(1), loop.getResult(2)};
  }
  if (rest > 0)
    state = keyTile(ops, state, index(fullTiles * tile), rest);

  // 6. out = O / l, 0 where l == 0.
  return generic({state.o, state.l}, empty({lq, dv}),
                 {b.getMultiDimIdentityMap(2), map(2, {dim(0)}),
                  b.getMultiDimIdentityMap(2)},
                 {kPar, kPar}, [&](OpBuilder &nb, ValueRange args) {
                   Value zero = f32(nb, 0.0f);
                   Value isZero = arith::CmpFOp::create(
                       nb, loc, arith::CmpFPredicate::OEQ, args[1], zero);
                   return arith::SelectOp::create(
                       nb, loc, isZero, zero,
                       arith::DivFOp::create(nb, loc, args[0], args[1]));
                 });
}

SmallVector<Value> AttentionEmitter::forEachHead(
    ValueRange inits, function_ref<SmallVector<Value>(Value, Value, Value,
                                                      Value, Value, ValueRange)>
                          body) {
  auto headSlice = [&](OpBuilder &nb, Value x, Value bi, Value hi) -> Value {
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rows = type.getDimSize(2), cols = type.getDimSize(3);
    return tensor::ExtractSliceOp::create(
        nb, loc, RankedTensorType::get({rows, cols}, type.getElementType()), x,
        SmallVector<OpFoldResult>{bi, hi, nb.getIndexAttr(0),
                                  nb.getIndexAttr(0)},
        SmallVector<OpFoldResult>{nb.getIndexAttr(1), nb.getIndexAttr(1),
                                  nb.getIndexAttr(rows), nb.getIndexAttr(cols)},
        SmallVector<OpFoldResult>(4, nb.getIndexAttr(1)));
  };
  auto batchLoop = scf::ForOp::create(
      b, loc, index(0), index(batch), index(1), inits,
      [&](OpBuilder &bb, Location, Value bi, ValueRange outer) {
        auto headLoop = scf::ForOp::create(
            bb, loc, arith::ConstantIndexOp::create(bb, loc, 0),
            arith::ConstantIndexOp::create(bb, loc, heads),
            arith::ConstantIndexOp::create(bb, loc, 1), outer,
            [&](OpBuilder &hb, Location, Value hi, ValueRange inner) {
              OpBuilder::InsertionGuard guard(b);
              b.setInsertionPoint(hb.getInsertionBlock(),
                                  hb.getInsertionPoint());
              Value q = toF32(headSlice(b, op.getQuery(), bi, hi), {lq, d});
              Value k = toF32(headSlice(b, op.getKey(), bi, hi), {lk, d});
              Value v = toF32(headSlice(b, op.getValue(), bi, hi), {lk, dv});
              scf::YieldOp::create(b, loc, body(bi, hi, q, k, v, inner));
            });
        scf::YieldOp::create(bb, loc, headLoop.getResults());
      });
  return SmallVector<Value>(batchLoop.getResults());
}

Value AttentionEmitter::emit() {
  if (settings.fused)
    return fusedAttention();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  Value result =
      tensor::EmptyOp::create(b, loc, resultType.getShape(), b.getF32Type());
  auto results = forEachHead(
      result,
      [&](Value bi, Value hi, Value q, Value k, Value v,
          ValueRange carried) -> SmallVector<Value> {
        Value out = headAttention(q, k, v);
        return {tensor::InsertSliceOp::create(
            b, loc, out, carried[0],
            SmallVector<OpFoldResult>{bi, hi, b.getIndexAttr(0),
                                      b.getIndexAttr(0)},
            SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                                      b.getIndexAttr(lq), b.getIndexAttr(dv)},
            SmallVector<OpFoldResult>(4, b.getIndexAttr(1)))};
      });
  return results[0];
}

/// The prepared operands of every head, gathered into [B * H, rows, cols]
/// tensors, then one nvfp4.attention_rows for all of them.
Value AttentionEmitter::fusedAttention() {
  const int64_t g = batch * heads;
  const int64_t qBlocks = (lq + static_cast<int64_t>(fp4::kQSmoothBlock) - 1) /
                          static_cast<int64_t>(fp4::kQSmoothBlock);
  // The carried tensors, in this order; absent ones are not carried.
  SmallVector<SmallVector<int64_t>> shapes = {
      {g, lq, d}, {g, lk, d}, {g, dv, lk}};
  if (highPrecision) {
    shapes.push_back({g, lq, d});
    shapes.push_back({g, lk, d});
  }
  if (o.smoothQ)
    shapes.push_back({g, qBlocks, lk});
  SmallVector<Value> inits;
  for (ArrayRef<int64_t> shape : shapes)
    inits.push_back(empty(shape));
  SmallVector<Value> all = forEachHead(
      inits,
      [&](Value bi, Value hi, Value q, Value k, Value v,
          ValueRange carried) -> SmallVector<Value> {
        HeadOperands ops = prepare(q, k, v);
        SmallVector<Value> parts = {ops.qh, ops.kh, ops.vhT};
        if (highPrecision) {
          parts.push_back(ops.qb);
          parts.push_back(ops.kb);
        }
        if (o.smoothQ)
          parts.push_back(ops.dS);
        Value head = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, bi, index(heads)), hi);
        SmallVector<Value> next;
        for (auto [part, into] : llvm::zip(parts, carried)) {
          auto type = cast<RankedTensorType>(part.getType());
          next.push_back(tensor::InsertSliceOp::create(
              b, loc, part, into,
              SmallVector<OpFoldResult>{head, b.getIndexAttr(0),
                                        b.getIndexAttr(0)},
              SmallVector<OpFoldResult>{b.getIndexAttr(1),
                                        b.getIndexAttr(type.getDimSize(0)),
                                        b.getIndexAttr(type.getDimSize(1))},
              SmallVector<OpFoldResult>(3, b.getIndexAttr(1))));
        }
        return next;
      });
  Value qBf16, kBf16, correction;
  unsigned next = 3;
  if (highPrecision) {
    qBf16 = all[next++];
    kBf16 = all[next++];
  }
  if (o.smoothQ)
    correction = all[next++];
  auto rows = AttentionRowsOp::create(
      b, loc, RankedTensorType::get({g, lq, dv}, b.getF32Type()), all[0],
      all[1], all[2], qBf16, kBf16, correction, op.getFormatAttr(),
      op.getPRuleAttr(), b.getF32FloatAttr(scale), op.getCausalAttr(),
      op.getKeyTileAttr(), op.getPModeAttr(), op.getSinkTokensAttr(),
      op.getRecentTokensAttr());
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({batch, heads, lq, dv}, b.getF32Type()),
      rows.getResult(), SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
}

namespace {
struct DecomposeAttentionPass
    : nvfp4::impl::NVFP4DecomposeAttentionPassBase<DecomposeAttentionPass> {
  using Base::Base;

  void runOnOperation() override {
    bool scaled = products == "scaled-matmul", fused = products == "fused";
    if (!scaled && !fused && products != "reference") {
      emitError(getOperation()->getLoc())
          << "nvfp4-decompose-attention: unknown products '" << products
          << "' (expected reference, fused or scaled-matmul)";
      return signalPassFailure();
    }
    ScaleLayout layout = ScaleLayout::row_major;
    if (scaleLayout == "tcgen05")
      layout = ScaleLayout::tcgen05;
    else if (scaleLayout != "row_major") {
      emitError(getOperation()->getLoc())
          << "nvfp4-decompose-attention: unknown scale-layout '" << scaleLayout
          << "' (expected row_major or tcgen05)";
      return signalPassFailure();
    }
    SmallVector<AttentionOp> ops;
    getOperation()->walk([&](AttentionOp op) { ops.push_back(op); });
    for (AttentionOp op : ops) {
      DecomposeSettings settings{fused, scaled, scaled, layout};
      if (scaled && layout == ScaleLayout::tcgen05)
        restrictToTcgen05(op, settings);
      OpBuilder b(op);
      AttentionEmitter emitter(b, op, settings);
      Value result = emitter.emit();
      op.getResult().replaceAllUsesWith(result);
      op.erase();
    }
  }

  /// The tcgen05 scale layout takes M and N in multiples of 128 and K in
  /// multiples of 4 blocks: a product that does not fit is dequantized and
  /// summed by linalg instead (on the host, in a GPU pipeline), with a remark.
  static void restrictToTcgen05(AttentionOp op, DecomposeSettings &settings) {
    auto q = op.getQuery().getType();
    auto v = op.getValue().getType();
    int64_t blockSize = getBlockSize(op.getFormat());
    int64_t lq = q.getDimSize(2), d = q.getDimSize(3), lk = v.getDimSize(2),
            dv = v.getDimSize(3), tile = op.getKeyTileAttr().getInt();
    std::string why;
    if (lq % 128 != 0)
      why = "Lq = " + std::to_string(lq) + " is not a multiple of 128";
    else if (tile % 128 != 0 || lk % tile != 0)
      why = "the key tile " + std::to_string(tile) +
            " is not a multiple of 128 that divides Lk = " + std::to_string(lk);
    if (!why.empty() || d % (4 * blockSize) != 0) {
      settings.qkScaled = false;
      op.emitRemark() << "Q.K^T is not a tcgen05 scaled matmul: "
                      << (why.empty() ? "D = " + std::to_string(d) +
                                            " is not a multiple of 4 blocks"
                                      : why);
    }
    if (why.empty() && dv % 128 != 0)
      why = "Dv = " + std::to_string(dv) + " is not a multiple of 128";
    if (!why.empty()) {
      settings.pvScaled = false;
      op.emitRemark() << "P.V is not a tcgen05 scaled matmul: " << why;
    }
  }
};
} // namespace
