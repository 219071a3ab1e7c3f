//===- QuantizeMatmuls.cpp - linalg matmuls to nvfp4 ----------------------===//
//
// Part of fp4-mlir. The nvfp4-quantize-matmuls pass (Passes.td): matching
// matmul-shaped linalg contractions, rewriting them into quantize +
// scaled_matmul, and quantizing constant weights at compile time.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/ConstantQuantization.h"
#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Dialect/NVFP4/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::nvfp4 {
#define GEN_PASS_DEF_NVFP4QUANTIZEMATMULSPASS
#include "fp4/Dialect/NVFP4/Transforms/Passes.h.inc"
} // namespace mlir::nvfp4

using namespace mlir;
using namespace mlir::nvfp4;

namespace {

/// What the rewrite needs to know about a matmul-shaped contraction
/// C[b?][m][n] += A[b?][m][k] * B[b?][k][n] (A and B possibly transposed).
struct MatmulShape {
  bool batched = false;
  bool lhsIsKM = false; // A indexed (k, m): quantize it transposed.
  bool rhsIsNK = false; // B indexed (n, k): already K-major.
  int64_t batch = 1, m = 0, n = 0, k = 0;
};

/// The settings that every matmul of one pass run shares.
struct RewriteSettings {
  fp4::QuantizeOptions weight, activation;
  Format format = Format::nvfp4;
  ScaleLayout layout = ScaleLayout::tcgen05;
  int64_t minM = 0, minN = 0, minK = 0;
  bool foldConstantWeights = true;
  bool report = false;
};

/// Positions of the results of `map`, which must all be plain dimensions.
static std::optional<SmallVector<unsigned>> dimPositions(AffineMap map) {
  SmallVector<unsigned> positions;
  for (AffineExpr expr : map.getResults()) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim)
      return std::nullopt;
    positions.push_back(dim.getPosition());
  }
  return positions;
}

static bool isFloatOperandType(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

/// Classifies `op`. Returns std::nullopt with an empty `why` when `op` is
/// not a matmul at all, and with the reason when it is one that the rewrite
/// cannot take.
static std::optional<MatmulShape> matchMatmul(linalg::LinalgOp op,
                                              const RewriteSettings &settings,
                                              std::string &why) {
  why.clear();
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 1) {
    why = "the contraction is not a matmul or batch matmul (it needs exactly "
          "one M, one N and one K dimension, and at most one batch "
          "dimension)";
    return std::nullopt;
  }
  if (!op.hasPureTensorSemantics()) {
    why = "it works on buffers; the rewrite takes tensors";
    return std::nullopt;
  }

  MatmulShape shape;
  shape.batched = dims->batch.size() == 1;
  SmallVector<unsigned> lead;
  if (shape.batched)
    lead.push_back(dims->batch.front());
  unsigned m = dims->m.front(), n = dims->n.front(), k = dims->k.front();
  auto with = [&](std::initializer_list<unsigned> tail) {
    SmallVector<unsigned> all(lead);
    all.append(tail);
    return all;
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto lhs = dimPositions(maps[0]), rhs = dimPositions(maps[1]),
       out = dimPositions(maps[2]);
  bool lhsMK = lhs && *lhs == with({m, k}), lhsKM = lhs && *lhs == with({k, m});
  bool rhsKN = rhs && *rhs == with({k, n}), rhsNK = rhs && *rhs == with({n, k});
  if (!out || *out != with({m, n}) || !(lhsMK || lhsKM) || !(rhsKN || rhsNK)) {
    why = "its operands are not indexed as a matmul ((m, k) or (k, m) times "
          "(k, n) or (n, k) into (m, n), after an optional batch dimension)";
    return std::nullopt;
  }
  shape.lhsIsKM = lhsKM;
  shape.rhsIsNK = rhsNK;

  Type lhsType = getElementTypeOrSelf(op.getDpsInputs()[0].getType());
  Type rhsType = getElementTypeOrSelf(op.getDpsInputs()[1].getType());
  Type outType = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!isFloatOperandType(lhsType) || !isFloatOperandType(rhsType)) {
    why = "its operands are not f32, bf16 or f16";
    return std::nullopt;
  }
  if (!outType.isF32() && !outType.isBF16()) {
    why = "its result is not f32 or bf16 (what nvfp4.scaled_matmul "
          "produces)";
    return std::nullopt;
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) {
    why = "it has dynamic shapes";
    return std::nullopt;
  }
  if (shape.batched)
    shape.batch = ranges[dims->batch.front()];
  shape.m = ranges[m];
  shape.n = ranges[n];
  shape.k = ranges[k];
  if (shape.m == 0 || shape.n == 0 || shape.k == 0 || shape.batch == 0) {
    why = "it is empty (a zero-sized dimension)";
    return std::nullopt;
  }

  std::string sizes =
      llvm::formatv("M = {0}, N = {1}, K = {2}", shape.m, shape.n, shape.k)
          .str();
  int64_t block = getBlockSize(settings.format);
  if (shape.k % block != 0) {
    why = llvm::formatv("K = {0} is not a multiple of the {1} block size {2}",
                        shape.k, stringifyFormat(settings.format), block)
              .str();
    return std::nullopt;
  }
  if (settings.layout == ScaleLayout::tcgen05 &&
      (shape.m % 128 != 0 || shape.n % 128 != 0 ||
       (shape.k / block) % 4 != 0)) {
    why = sizes +
          ": the tcgen05 scale layout needs M and N multiples of 128 "
          "and K a multiple of " +
          std::to_string(4 * block) +
          " (use scale-layout=row_major for CPU "
          "code)";
    return std::nullopt;
  }
  if (shape.m < settings.minM || shape.n < settings.minN ||
      shape.k < settings.minK) {
    why = sizes + " is below the minimum size (min-m, min-n, min-k)";
    return std::nullopt;
  }
  return shape;
}

/// The name that `skip-names` matches: the op's location name, if any.
static bool hasListedName(Operation *op, ArrayRef<std::string> names) {
  if (names.empty())
    return false;
  bool found = false;
  op->getLoc()->walk([&](Location loc) {
    if (auto name = dyn_cast<NameLoc>(loc))
      found |= llvm::is_contained(names, name.getName().str());
    return WalkResult::advance();
  });
  if (auto func = op->getParentOfType<FunctionOpInterface>())
    found |= llvm::is_contained(names, func.getName().str());
  return found;
}

static ScaleRuleAttr ruleAttr(MLIRContext *context,
                              const fp4::QuantizeOptions &options) {
  return getScaleRuleAttr(context, options.rule, options.metric,
                          options.searchRadius);
}

/// A matmul operand traced back through the ops that frontends put between
/// a weight and its matmul without changing its values: a 2-D transpose
/// (linalg.transpose, or a linalg.generic that only permutes), an exact
/// widening (a linalg.generic that only applies arith.extf from bf16 or f16:
/// quantize reads bf16 and f16 itself, widening exactly), and a reshape of a
/// constant (tensor.expand_shape / collapse_shape, which keep the row-major
/// bytes). torch-mlir's nn.Linear is transpose(constant), and a bf16 one
/// extf(transpose(constant)): without this, no weight was constant at the
/// matmul, so none was quantized at compile time.
struct TracedOperand {
  Value value;                      ///< What to quantize.
  bool transposed = false;          ///< value is the operand's transpose.
  SmallVector<Operation *> through; ///< Ops looked through, user first.
};

/// The generic's only input when `generic` maps it to its init by the
/// identity or a 2-D transpose and yields it unchanged or through
/// arith.extf; `permuted` says which.
static Value elementCopySource(linalg::GenericOp generic, bool &permuted) {
  if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumReductionLoops() != 0 || generic.getNumLoops() != 2)
    return {};
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (!maps[1].isIdentity() || !maps[0].isPermutation())
    return {};
  permuted = !maps[0].isIdentity();
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value yielded = yield.getValues()[0];
  if (auto extf = yielded.getDefiningOp<arith::ExtFOp>()) {
    Type from = extf.getIn().getType();
    if (!extf.getType().isF32() || !(from.isBF16() || from.isF16()))
      return {};
    yielded = extf.getIn();
  }
  if (yielded != body.getArgument(0) || body.getOperations().size() > 2)
    return {};
  return generic.getDpsInputs()[0];
}

/// The constant `source` reshaped to `type` (same elements, row-major), or
/// null when `source` is not a constant of a kind this knows.
static TypedAttr reshapedConstant(Value source, RankedTensorType type) {
  ElementsAttr constant;
  if (!matchPattern(source, m_Constant(&constant)))
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(constant))
    return dense.reshape(type);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

/// The names of the ops in `through`, for the report.
static std::string describeTrace(const TracedOperand &traced) {
  if (traced.through.empty())
    return "";
  std::string names;
  for (Operation *op : traced.through)
    names += (names.empty() ? "" : ", ") + op->getName().getStringRef().str();
  return " (seen through " + names + ")";
}

/// Quantized form of one operand: data, scales and tensor scale.
struct QuantizedOperand {
  Value data, scales, tensorScale;
};

/// Rewrites matmuls one at a time with the pass's settings.
class MatmulRewriter {
public:
  MatmulRewriter(const RewriteSettings &settings, Operation *root)
      : settings(settings), dominance(root) {}

  void rewrite(linalg::LinalgOp op, const MatmulShape &shape);

  /// Erases the constants whose every use was a rewritten matmul's weight,
  /// so that their (large) blobs are neither kept nor printed. Done once at
  /// the end: the constants' values are keys of `quantized` until then.
  void eraseDeadWeights();

private:
  /// `input` (rows x cols) quantized along K with the weight or activation
  /// rule; `transpose` when K runs down its columns. Reuses an earlier
  /// quantization in the same role that dominates `anchor` (the matmul).
  QuantizedOperand quantize(OpBuilder &b, Location loc, Value input,
                            bool isWeight, bool transpose, Operation *anchor,
                            std::string &note);
  QuantizedOperand quantizeOnce(OpBuilder &b, Location loc, Value input,
                                const fp4::QuantizeOptions &options,
                                bool transpose, bool foldConstant,
                                std::string &note);

  /// `operand` traced back to what to quantize (TracedOperand).
  TracedOperand trace(Value operand);

  /// One 2-D matmul: A (M x K or K x M), B (K x N or N x K), into a fresh
  /// M x N result, plus `init` unless `initIsZero`.
  Value emitMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs, Value init,
                   bool initIsZero, const MatmulShape &shape, Operation *anchor,
                   std::string &note);

  const RewriteSettings &settings;
  /// Operands already quantized, by (value, transpose | role): q, k, v, gate
  /// and up all quantize the same activation once. The role (weight or
  /// activation) picks the rule, so it is part of the key.
  DenseMap<std::pair<Value, unsigned>, QuantizedOperand> quantized;
  DominanceInfo dominance;
  SmallVector<Operation *> weightConstants;
  /// Ops looked through (trace), erased at the end if unused.
  SmallVector<Operation *> deadCandidates;
  /// The constant made for each reshape of a constant (trace), so that
  /// every matmul sees one value and quantizes it once.
  DenseMap<Operation *, Value> reshapedConstants;
};

} // namespace

TracedOperand MatmulRewriter::trace(Value operand) {
  TracedOperand traced{operand};
  while (Operation *def = traced.value.getDefiningOp()) {
    Value next;
    bool permuted = false;
    if (auto transpose = dyn_cast<linalg::TransposeOp>(def)) {
      if (transpose.getPermutation() == ArrayRef<int64_t>{1, 0}) {
        next = transpose.getInput();
        permuted = true;
      }
    } else if (auto generic = dyn_cast<linalg::GenericOp>(def)) {
      next = elementCopySource(generic, permuted);
    } else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      // Only of a constant: its reshape is a constant on the same bytes.
      Value &reshaped = reshapedConstants[def];
      auto type = cast<RankedTensorType>(traced.value.getType());
      if (!reshaped)
        if (TypedAttr attr = reshapedConstant(def->getOperand(0), type)) {
          OpBuilder b(def);
          Operation *constant =
              arith::ConstantOp::create(b, def->getLoc(), attr);
          reshaped = constant->getResult(0);
          deadCandidates.push_back(constant);
        }
      next = reshaped;
    }
    if (!next)
      break;
    traced.through.push_back(def);
    traced.value = next;
    traced.transposed ^= permuted;
  }
  return traced;
}

QuantizedOperand MatmulRewriter::quantize(OpBuilder &b, Location loc,
                                          Value input, bool isWeight,
                                          bool transpose, Operation *anchor,
                                          std::string &note) {
  auto key =
      std::make_pair(input, unsigned(transpose) | unsigned(isWeight) << 1);
  auto cached = quantized.find(key);
  if (cached != quantized.end() &&
      dominance.properlyDominates(cached->second.data, anchor)) {
    if (isWeight && settings.report &&
        cached->second.data.getDefiningOp<arith::ConstantOp>())
      note = "; constant weight quantized at compile time, shared with an "
             "earlier matmul";
    return cached->second;
  }
  bool foldConstant = isWeight && settings.foldConstantWeights;
  if (Operation *constant = input.getDefiningOp();
      foldConstant && constant && isa<arith::ConstantOp>(constant))
    weightConstants.push_back(constant);
  QuantizedOperand result = quantizeOnce(
      b, loc, input, isWeight ? settings.weight : settings.activation,
      transpose, foldConstant, note);
  quantized[key] = result;
  return result;
}

void MatmulRewriter::eraseDeadWeights() {
  // The looked-through ops and the weight constants, each erased once
  // nothing uses it; erasing one can free the constant it read. One list
  // and one erased set, so that no op is touched after it is gone (a reshaped
  // constant is both looked through and a weight: a use-after-free that ASan
  // found).
  llvm::SetVector<Operation *> pending(deadCandidates.begin(),
                                       deadCandidates.end());
  pending.insert(weightConstants.begin(), weightConstants.end());
  llvm::SmallPtrSet<Operation *, 16> erased;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < pending.size(); ++i) {
      Operation *op = pending[i];
      if (erased.contains(op) || !op->use_empty())
        continue;
      for (Value operand : op->getOperands())
        if (auto constant = operand.getDefiningOp<arith::ConstantOp>())
          pending.insert(constant);
      op->erase();
      erased.insert(op);
      changed = true;
    }
  }
  weightConstants.clear();
  deadCandidates.clear();
  reshapedConstants.clear();
  quantized.clear();
}

QuantizedOperand
MatmulRewriter::quantizeOnce(OpBuilder &b, Location loc, Value input,
                             const fp4::QuantizeOptions &options,
                             bool transpose, bool foldConstant,
                             std::string &note) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rows = type.getDimSize(transpose ? 1 : 0);
  int64_t cols = type.getDimSize(transpose ? 0 : 1);
  fp4::QuantizeOptions full = options;
  full.format = toNumerics(settings.format);
  full.scaleLayout = toNumerics(settings.layout);
  full.transpose = transpose;
  auto [dataType, scalesType] =
      getQuantizedTypes(b.getContext(), rows, cols, full);

  MLIRContext *context = b.getContext();
  auto op = QuantizeOp::create(b, loc,
                               TypeRange{dataType, scalesType, b.getF32Type()},
                               ValueRange{input}, ArrayRef<NamedAttribute>{});
  op.setFormatAttr(FormatAttr::get(context, settings.format));
  op.setRuleAttr(ruleAttr(context, full));
  op.setScaleLayoutAttr(ScaleLayoutAttr::get(context, settings.layout));
  op.setTranspose(transpose);

  ElementsAttr constant;
  if (!foldConstant || !matchPattern(input, m_Constant(&constant)))
    return {op.getData(), op.getScales(), op.getTensorScale()};

  // A constant weight: quantize it now with the library and keep only the
  // packed bytes. getQuantizeOptions reads the op just built, so the folded
  // bytes are those the op would compute.
  fp4::QuantizeOptions opOptions = getQuantizeOptions(op);
  std::string error;
  FailureOr<QuantizedConstant> folded =
      quantizeConstant(constant, opOptions, error);
  if (failed(folded)) {
    note = "; the constant weight could not be quantized at compile time (" +
           error + "), so it is quantized at run time";
    // Said even without `report`: the user asked for a compile-time weight.
    if (!settings.report)
      emitRemark(loc) << "constant weight not quantized at compile time ("
                      << error << "); it is quantized at run time";
    return {op.getData(), op.getScales(), op.getTensorScale()};
  }
  if (settings.report)
    note =
        llvm::formatv("; constant weight quantized at compile time, "
                      "relative error {0:F5}",
                      relativeQuantizationError(constant, *folded, opOptions))
            .str();
  op.erase();
  return {arith::ConstantOp::create(b, loc, cast<TypedAttr>(folded->data)),
          arith::ConstantOp::create(b, loc, cast<TypedAttr>(folded->scales)),
          arith::ConstantOp::create(b, loc,
                                    b.getF32FloatAttr(folded->tensorScale))};
}

Value MatmulRewriter::emitMatmul(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs, Value init, bool initIsZero,
                                 const MatmulShape &shape, Operation *anchor,
                                 std::string &note) {
  TracedOperand lhsSource = trace(lhs);
  TracedOperand rhsSource = trace(rhs);
  QuantizedOperand a =
      quantize(b, loc, lhsSource.value, /*isWeight=*/false,
               shape.lhsIsKM != lhsSource.transposed, anchor, note);
  std::string weightNote;
  QuantizedOperand w =
      quantize(b, loc, rhsSource.value, /*isWeight=*/true,
               !shape.rhsIsNK != rhsSource.transposed, anchor, weightNote);
  if (!weightNote.empty())
    weightNote += describeTrace(rhsSource);
  note += weightNote;
  for (TracedOperand *traced : {&lhsSource, &rhsSource})
    deadCandidates.append(traced->through.begin(), traced->through.end());
  auto initType = cast<RankedTensorType>(init.getType());
  Type productType = initIsZero ? initType.getElementType() : b.getF32Type();
  Value product = ScaledMatmulOp::create(
      b, loc, RankedTensorType::get({shape.m, shape.n}, productType), a.data,
      a.scales, a.tensorScale, w.data, w.scales, w.tensorScale);
  if (initIsZero)
    return product;

  // C + A*B: the product is added to the accumulator in fp32.
  AffineMap identity = b.getMultiDimIdentityMap(2);
  SmallVector<utils::IteratorType> parallel(2, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, initType, ValueRange{init, product}, ValueRange{init},
             SmallVector<AffineMap>(3, identity), parallel,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value c = args[0];
               if (!c.getType().isF32())
                 c = arith::ExtFOp::create(nb, nloc, nb.getF32Type(), c);
               Value sum = arith::AddFOp::create(nb, nloc, c, args[1]);
               if (sum.getType() != args[2].getType())
                 sum =
                     arith::TruncFOp::create(nb, nloc, args[2].getType(), sum);
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

/// True when `init` is all zeros (a zero fill or a zero splat constant).
static bool isZeroTensor(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  DenseElementsAttr constant;
  return matchPattern(init, m_Constant(&constant)) && constant.isSplat() &&
         constant.getSplatValue<APFloat>().isZero();
}

namespace {
/// Offsets, sizes and strides of one batch entry of a rank-3 tensor.
struct BatchEntry {
  SmallVector<OpFoldResult> offsets, sizes, strides;
};
} // namespace

static BatchEntry batchEntry(OpBuilder &b, Value index, RankedTensorType type) {
  return {{index, b.getIndexAttr(0), b.getIndexAttr(0)},
          {b.getIndexAttr(1), b.getIndexAttr(type.getDimSize(1)),
           b.getIndexAttr(type.getDimSize(2))},
          SmallVector<OpFoldResult>(3, b.getIndexAttr(1))};
}

void MatmulRewriter::rewrite(linalg::LinalgOp op, const MatmulShape &shape) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value lhs = op.getDpsInputs()[0], rhs = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  bool initIsZero = isZeroTensor(init);
  std::string note;

  Value result;
  if (!shape.batched) {
    result = emitMatmul(b, loc, lhs, rhs, init, initIsZero, shape, op, note);
  } else {
    // One 2-D matmul per batch entry, inserted into the accumulator.
    auto c0 = arith::ConstantIndexOp::create(b, loc, 0);
    auto c1 = arith::ConstantIndexOp::create(b, loc, 1);
    auto count = arith::ConstantIndexOp::create(b, loc, shape.batch);
    auto loop = scf::ForOp::create(
        b, loc, c0, count, c1, ValueRange{init},
        [&](OpBuilder &nb, Location nloc, Value index, ValueRange iterArgs) {
          auto slice = [&](Value source) -> Value {
            auto type = cast<RankedTensorType>(source.getType());
            BatchEntry entry = batchEntry(nb, index, type);
            auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                                   type.getElementType());
            return tensor::ExtractSliceOp::create(nb, nloc, sliceType, source,
                                                  entry.offsets, entry.sizes,
                                                  entry.strides);
          };
          Value product =
              emitMatmul(nb, nloc, slice(lhs), slice(rhs), slice(iterArgs[0]),
                         initIsZero, shape, op, note);
          BatchEntry entry = batchEntry(
              nb, index, cast<RankedTensorType>(iterArgs[0].getType()));
          Value updated = tensor::InsertSliceOp::create(
              nb, nloc, product, iterArgs[0], entry.offsets, entry.sizes,
              entry.strides);
          scf::YieldOp::create(nb, nloc, updated);
        });
    result = loop.getResult(0);
  }

  if (settings.report)
    op->emitRemark() << "rewritten to nvfp4.scaled_matmul ("
                     << stringifyFormat(settings.format) << ", "
                     << (shape.batched ? std::to_string(shape.batch) + " x "
                                       : std::string())
                     << "M = " << shape.m << ", N = " << shape.n
                     << ", K = " << shape.k << "): activations "
                     << fp4::ruleSpecName(settings.activation) << ", weights "
                     << fp4::ruleSpecName(settings.weight) << note;
  op->getResult(0).replaceAllUsesWith(result);
  op->erase();
}

namespace {
struct NVFP4QuantizeMatmulsPass
    : nvfp4::impl::NVFP4QuantizeMatmulsPassBase<NVFP4QuantizeMatmulsPass> {
  using Base::Base;

  /// Reads the string options; reports a bad one at `loc`.
  LogicalResult readSettings(Location loc, RewriteSettings &settings) {
    std::optional<Format> parsedFormat = symbolizeFormat(format);
    if (!parsedFormat)
      return emitError(loc) << "nvfp4-quantize-matmuls: unknown format '"
                            << format << "' (expected nvfp4 or mxfp4)";
    settings.format = *parsedFormat;
    std::optional<ScaleLayout> parsedLayout = symbolizeScaleLayout(scaleLayout);
    if (!parsedLayout)
      return emitError(loc)
             << "nvfp4-quantize-matmuls: unknown scale-layout '" << scaleLayout
             << "' (expected tcgen05 or row_major)";
    settings.layout = *parsedLayout;
    // The default, Four Over Six, needs E4M3 scales: MXFP4 defaults to the
    // standard max-based rule instead.
    bool mx = settings.format == Format::mxfp4;
    std::string weightSpec =
        mx && !weightRule.hasValue() ? "static_6" : std::string(weightRule);
    std::string activationSpec = mx && !activationRule.hasValue()
                                     ? "static_6"
                                     : std::string(activationRule);
    for (auto [name, spec, options] :
         {std::tuple<const char *, const std::string &, fp4::QuantizeOptions &>{
              "weight-rule", weightSpec, settings.weight},
          {"activation-rule", activationSpec, settings.activation}}) {
      options.format = toNumerics(settings.format);
      std::string error = fp4::parseRuleSpec(spec, options);
      if (error.empty())
        error = fp4::validateQuantizeOptions(options, 128, 128);
      if (error.empty() && options.rule == fp4::ScaleRule::ScaleSearch &&
          (options.searchRadius < 1 || options.searchRadius > 126))
        error = "the search radius must be in [1, 126]";
      if (!error.empty())
        return emitError(loc)
               << "nvfp4-quantize-matmuls: bad " << name << " '" << spec
               << "' for " << stringifyFormat(settings.format) << ": " << error;
    }
    settings.minM = minM;
    settings.minN = minN;
    settings.minK = minK;
    settings.foldConstantWeights = foldConstantWeights;
    settings.report = report;
    return success();
  }

  void runOnOperation() override {
    RewriteSettings settings;
    if (failed(readSettings(getOperation()->getLoc(), settings)))
      return signalPassFailure();

    SmallVector<std::pair<linalg::LinalgOp, MatmulShape>> matmuls;
    getOperation()->walk([&](linalg::LinalgOp op) {
      std::string why;
      std::optional<MatmulShape> shape = matchMatmul(op, settings, why);
      if (shape && op->hasAttr(skipAttribute))
        why = "it carries the '" + skipAttribute + "' attribute";
      else if (shape && hasListedName(op, skipNames))
        why = "its name is in skip-names";
      if (!why.empty()) {
        op->emitRemark() << "matmul not rewritten to "
                         << stringifyFormat(settings.format) << ": " << why;
        return;
      }
      if (shape)
        matmuls.emplace_back(op, *shape);
    });
    MatmulRewriter rewriter(settings, getOperation());
    for (auto &[op, shape] : matmuls)
      rewriter.rewrite(op, shape);
    rewriter.eraseDeadWeights();
  }
};
} // namespace
