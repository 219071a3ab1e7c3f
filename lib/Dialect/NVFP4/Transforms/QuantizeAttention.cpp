//===- QuantizeAttention.cpp - linalg attention to nvfp4.attention --------===//
//
// Part of fp4-mlir. The nvfp4-quantize-attention pass (Passes.td): proving
// that a chain of linalg contractions and elementwise/reduction generics is
// softmax(Q K^T * scale + mask) V with no mask or exactly the causal one,
// and replacing it with one nvfp4.attention.
//
// Every tensor of the chain between the two contractions is read in its
// row-major (flat) order: reshapes keep that order, and identity-mapped
// elementwise generics act on it elementwise whatever their shape. Where an
// op's coordinates matter (a row broadcast, a reduction, a mask), its shape
// must be [..., Lq, Lk] with the leading sizes multiplying to the number of
// heads, so that its last two coordinates are the query and the key.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Dialect/NVFP4/Transforms/Passes.h"
#include "fp4/Numerics/Attention.h"
#include "fp4/Numerics/BlockQuantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace mlir::nvfp4 {
#define GEN_PASS_DEF_NVFP4QUANTIZEATTENTIONPASS
#include "fp4/Dialect/NVFP4/Transforms/Passes.h.inc"
} // namespace mlir::nvfp4

using namespace mlir;
using namespace mlir::nvfp4;

namespace {

//===----------------------------------------------------------------------===//
// A small evaluator for mask subgraphs that depend on no function argument
//===----------------------------------------------------------------------===//

/// One scalar: an integer (index, iN) or a float, by the SSA type.
struct Num {
  int64_t i = 0;
  double f = 0;
};

/// A tensor computed at compile time, row-major.
struct ConstTensor {
  SmallVector<int64_t> shape;
  std::vector<Num> data;
  bool undefined = false; ///< tensor.empty: reading it is an error.
};

/// The largest tensor or iteration space the evaluator takes.
constexpr int64_t kMaxEvalElements = int64_t(1) << 22;

static int64_t product(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  return n;
}

static int64_t flatIndex(ArrayRef<int64_t> shape, ArrayRef<int64_t> index) {
  int64_t flat = 0;
  for (auto [size, i] : llvm::zip(shape, index))
    flat = flat * size + i;
  return flat;
}

/// `x` rounded to the float type `type` (round to nearest even).
static double roundTo(double x, Type type) {
  auto floatType = cast<FloatType>(type);
  APFloat value(x);
  bool lost = false;
  value.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
  return value.convertToDouble();
}

/// Width of an integer or index type (index: 64).
static unsigned intWidth(Type type) {
  if (type.isIndex())
    return 64;
  return cast<IntegerType>(type).getWidth();
}

/// Whether `v` fits the signed range of `width` bits (i1: 0 or 1).
static bool fitsWidth(int64_t v, unsigned width) {
  if (width == 1)
    return v == 0 || v == 1;
  if (width >= 64)
    return true;
  int64_t bound = int64_t(1) << (width - 1);
  return v >= -bound && v < bound;
}

class Evaluator {
public:
  /// The value of tensor `v`, or a reason why it is not a compile-time
  /// constant that this evaluator knows.
  FailureOr<const ConstTensor *> tensor(Value v, std::string &why);

  /// The value of the scalar `s` (in `op`'s body, or defined above it) at
  /// iteration point `point` of `op`.
  FailureOr<Num> scalar(Value s, linalg::GenericOp op, ArrayRef<int64_t> point,
                        DenseMap<Value, Num> &memo, std::string &why);

private:
  FailureOr<Num> scalarOp(Operation *def, linalg::GenericOp op,
                          ArrayRef<int64_t> point, DenseMap<Value, Num> &memo,
                          std::string &why);
  DenseMap<Value, std::unique_ptr<ConstTensor>> tensors;
  DenseMap<Value, std::string> failures;
};

} // namespace

FailureOr<const ConstTensor *> Evaluator::tensor(Value v, std::string &why) {
  if (auto it = tensors.find(v); it != tensors.end())
    return static_cast<const ConstTensor *>(it->second.get());
  if (auto it = failures.find(v); it != failures.end()) {
    why = it->second;
    return failure();
  }
  auto fail = [&](std::string reason) -> FailureOr<const ConstTensor *> {
    failures[v] = reason;
    why = std::move(reason);
    return failure();
  };
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return fail("it has a dynamic shape");
  if (type.getNumElements() > kMaxEvalElements)
    return fail("it is too large to evaluate at compile time");
  Operation *def = v.getDefiningOp();
  if (!def)
    return fail("it depends on a function or block argument");

  auto result = std::make_unique<ConstTensor>();
  result->shape = SmallVector<int64_t>(type.getShape());
  int64_t n = type.getNumElements();
  Type elementType = type.getElementType();
  bool isFloat = isa<FloatType>(elementType);
  if (!isFloat && !elementType.isIntOrIndex())
    return fail("its elements are neither integers nor floats");

  if (auto constant = dyn_cast<arith::ConstantOp>(def)) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!dense)
      return fail("it is a constant that is not a dense literal");
    result->data.resize(n);
    if (isFloat) {
      auto values = dense.getValues<APFloat>();
      for (int64_t e = 0; e < n; ++e)
        result->data[e].f = values[dense.isSplat() ? 0 : e].convertToDouble();
    } else {
      auto values = dense.getValues<APInt>();
      unsigned width = intWidth(elementType);
      for (int64_t e = 0; e < n; ++e) {
        APInt value = values[dense.isSplat() ? 0 : e];
        result->data[e].i =
            width == 1 ? int64_t(value.getBoolValue()) : value.getSExtValue();
      }
    }
  } else if (isa<tensor::EmptyOp>(def)) {
    result->undefined = true;
  } else if (auto fill = dyn_cast<linalg::FillOp>(def)) {
    Value scalar = fill.getInputs()[0];
    DenseMap<Value, Num> memo;
    FailureOr<Num> value =
        this->scalar(scalar, linalg::GenericOp(), {}, memo, why);
    if (failed(value))
      return fail(why);
    result->data.assign(n, *value);
  } else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
    FailureOr<const ConstTensor *> source = tensor(def->getOperand(0), why);
    if (failed(source))
      return fail(why);
    result->data = (*source)->data;
    result->undefined = (*source)->undefined;
  } else if (auto generic = dyn_cast<linalg::GenericOp>(def)) {
    if (generic.getNumReductionLoops() != 0)
      return fail("it is computed by a reduction");
    unsigned resultNumber = cast<OpResult>(v).getResultNumber();
    AffineMap outMap =
        generic
            .getIndexingMapsArray()[generic.getNumDpsInputs() + resultNumber];
    if (!outMap.isIdentity())
      return fail("it is computed by a generic whose output map is not the "
                  "identity");
    auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
    Value yielded = yield.getValues()[resultNumber];
    result->data.resize(n);
    SmallVector<int64_t> point(type.getRank(), 0);
    DenseMap<Value, Num> memo;
    for (int64_t e = 0; e < n; ++e) {
      memo.clear(); // One point's values.
      FailureOr<Num> value = scalar(yielded, generic, point, memo, why);
      if (failed(value))
        return fail(why);
      result->data[e] = *value;
      for (int64_t d = type.getRank() - 1; d >= 0; --d) {
        if (++point[d] < type.getDimSize(d))
          break;
        point[d] = 0;
      }
    }
  } else {
    return fail("it is computed by '" + def->getName().getStringRef().str() +
                "', which the mask evaluator does not know");
  }
  const ConstTensor *raw = result.get();
  tensors[v] = std::move(result);
  return raw;
}

FailureOr<Num> Evaluator::scalar(Value s, linalg::GenericOp op,
                                 ArrayRef<int64_t> point,
                                 DenseMap<Value, Num> &memo, std::string &why) {
  if (auto it = memo.find(s); it != memo.end())
    return it->second;
  FailureOr<Num> value = failure();
  if (auto arg = dyn_cast<BlockArgument>(s)) {
    if (!op || arg.getOwner() != op.getBody()) {
      why = "it depends on a function or block argument";
      return failure();
    }
    OpOperand &operand = op->getOpOperand(arg.getArgNumber());
    FailureOr<const ConstTensor *> t = tensor(operand.get(), why);
    if (failed(t))
      return failure();
    if ((*t)->undefined) {
      why = "it reads an uninitialized tensor (tensor.empty)";
      return failure();
    }
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<int64_t> index = map.compose(point);
    for (auto [i, size] : llvm::zip(index, (*t)->shape))
      if (i < 0 || i >= size) {
        why = "it reads out of bounds";
        return failure();
      }
    value = (*t)->data[flatIndex((*t)->shape, index)];
  } else {
    value = scalarOp(s.getDefiningOp(), op, point, memo, why);
  }
  if (succeeded(value))
    memo[s] = *value;
  return value;
}

FailureOr<Num> Evaluator::scalarOp(Operation *def, linalg::GenericOp op,
                                   ArrayRef<int64_t> point,
                                   DenseMap<Value, Num> &memo,
                                   std::string &why) {
  auto get = [&](Value v) { return scalar(v, op, point, memo, why); };
  auto unknown = [&]() -> FailureOr<Num> {
    why = "it is computed by '" + def->getName().getStringRef().str() +
          "', which the mask evaluator does not know";
    return failure();
  };
  Num out;
  if (auto constant = dyn_cast<arith::ConstantOp>(def)) {
    if (auto f = dyn_cast<FloatAttr>(constant.getValue())) {
      out.f = f.getValueAsDouble();
      return out;
    }
    if (auto i = dyn_cast<IntegerAttr>(constant.getValue())) {
      out.i = i.getType().isInteger(1) ? int64_t(i.getValue().getBoolValue())
                                       : i.getValue().getSExtValue();
      return out;
    }
    return unknown();
  }
  if (!op || def->getBlock() != op.getBody())
    return unknown(); // Only constants come from above the body.
  if (auto index = dyn_cast<linalg::IndexOp>(def)) {
    out.i = point[index.getDim()];
    return out;
  }
  Type type = def->getNumResults() == 1 ? def->getResult(0).getType() : Type();
  // Integer ops: exact in int64, declined if a result leaves its type.
  auto intResult = [&](int64_t v, bool overflow) -> FailureOr<Num> {
    if (overflow || !fitsWidth(v, intWidth(type))) {
      why = "an integer in it overflows";
      return failure();
    }
    out.i = v;
    return out;
  };
  if (isa<arith::IndexCastOp, arith::ExtSIOp, arith::TruncIOp>(def)) {
    FailureOr<Num> a = get(def->getOperand(0));
    if (failed(a))
      return failure();
    return intResult(a->i, false);
  }
  if (isa<arith::ExtUIOp>(def)) {
    FailureOr<Num> a = get(def->getOperand(0));
    if (failed(a))
      return failure();
    if (a->i < 0) {
      why = "an unsigned extension of a negative integer";
      return failure();
    }
    return intResult(a->i, false);
  }
  if (isa<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::AndIOp,
          arith::OrIOp, arith::XOrIOp, arith::MaxSIOp, arith::MinSIOp>(def)) {
    FailureOr<Num> a = get(def->getOperand(0));
    if (failed(a))
      return failure();
    FailureOr<Num> b = get(def->getOperand(1));
    if (failed(b))
      return failure();
    int64_t r = 0;
    bool overflow = false;
    if (isa<arith::AddIOp>(def))
      overflow = __builtin_add_overflow(a->i, b->i, &r);
    else if (isa<arith::SubIOp>(def))
      overflow = __builtin_sub_overflow(a->i, b->i, &r);
    else if (isa<arith::MulIOp>(def))
      overflow = __builtin_mul_overflow(a->i, b->i, &r);
    else if (a->i < 0 || b->i < 0) {
      if (!isa<arith::MaxSIOp, arith::MinSIOp>(def)) {
        why = "a bitwise operation on a negative integer";
        return failure();
      }
    }
    if (isa<arith::AndIOp>(def))
      r = a->i & b->i;
    else if (isa<arith::OrIOp>(def))
      r = a->i | b->i;
    else if (isa<arith::XOrIOp>(def))
      r = a->i ^ b->i;
    else if (isa<arith::MaxSIOp>(def))
      r = std::max(a->i, b->i);
    else if (isa<arith::MinSIOp>(def))
      r = std::min(a->i, b->i);
    return intResult(r, overflow);
  }
  if (auto cmp = dyn_cast<arith::CmpIOp>(def)) {
    FailureOr<Num> a = get(cmp.getLhs());
    if (failed(a))
      return failure();
    FailureOr<Num> b = get(cmp.getRhs());
    if (failed(b))
      return failure();
    int64_t x = a->i, y = b->i;
    using P = arith::CmpIPredicate;
    P pred = cmp.getPredicate();
    bool isUnsigned =
        pred == P::ult || pred == P::ule || pred == P::ugt || pred == P::uge;
    if (isUnsigned && (x < 0 || y < 0)) {
      why = "an unsigned comparison of a negative integer";
      return failure();
    }
    bool r = false;
    switch (pred) {
    case P::eq:
      r = x == y;
      break;
    case P::ne:
      r = x != y;
      break;
    case P::slt:
    case P::ult:
      r = x < y;
      break;
    case P::sle:
    case P::ule:
      r = x <= y;
      break;
    case P::sgt:
    case P::ugt:
      r = x > y;
      break;
    case P::sge:
    case P::uge:
      r = x >= y;
      break;
    }
    if (cmp.getLhs().getType().isInteger(1) && !isUnsigned && pred != P::eq &&
        pred != P::ne) {
      why = "a signed comparison of booleans";
      return failure();
    }
    out.i = r;
    return out;
  }
  if (auto select = dyn_cast<arith::SelectOp>(def)) {
    FailureOr<Num> c = get(select.getCondition());
    if (failed(c))
      return failure();
    return get(c->i ? select.getTrueValue() : select.getFalseValue());
  }
  // Float ops: exact in double, then rounded to the result type (one
  // rounding: double holds every sum, difference and product of two
  // 24-bit-or-narrower floats exactly enough for a correct rounding).
  if (isa<arith::ExtFOp, arith::TruncFOp, arith::NegFOp>(def)) {
    FailureOr<Num> a = get(def->getOperand(0));
    if (failed(a))
      return failure();
    out.f = roundTo(isa<arith::NegFOp>(def) ? -a->f : a->f, type);
    return out;
  }
  if (isa<arith::SIToFPOp>(def)) {
    FailureOr<Num> a = get(def->getOperand(0));
    if (failed(a))
      return failure();
    out.f = roundTo(double(a->i), type);
    return out;
  }
  if (isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::MaximumFOp,
          arith::MinimumFOp>(def)) {
    if (!type.isF32() && !type.isBF16() && !type.isF16()) {
      why = "it computes in a float type other than f32, bf16 or f16";
      return failure();
    }
    FailureOr<Num> a = get(def->getOperand(0));
    if (failed(a))
      return failure();
    FailureOr<Num> b = get(def->getOperand(1));
    if (failed(b))
      return failure();
    double r =
        isa<arith::AddFOp>(def)   ? a->f + b->f
        : isa<arith::SubFOp>(def) ? a->f - b->f
        : isa<arith::MulFOp>(def) ? a->f * b->f
        : isa<arith::MaximumFOp>(def)
            ? (std::isnan(a->f) || std::isnan(b->f) ? NAN
                                                    : std::max(a->f, b->f))
            : (std::isnan(a->f) || std::isnan(b->f) ? NAN
                                                    : std::min(a->f, b->f));
    out.f = roundTo(r, type);
    return out;
  }
  return unknown();
}

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

namespace {

/// A matmul-shaped contraction out[b..][m][n] = sum_k lhs[b..][m][k] *
/// rhs[b..][k][n] (or rhs[b..][n][k] when `rhsIsNK`).
struct Contraction {
  linalg::LinalgOp op;
  bool rhsIsNK = false;
  SmallVector<int64_t> batch; ///< Batch sizes, in the output's order.
  int64_t m = 0, n = 0, k = 0;
};

/// A scalar inside a generic's body (or a constant above it).
struct Scalar {
  linalg::GenericOp op;
  Value value;
};

/// What the logits are made of.
struct Logits {
  Contraction scores;
  double scale = 1.0;
  bool causal = false;
  bool rounded = false; ///< Casts between the steps were looked through.
};

/// The pass's settings.
struct Settings {
  fp4::AttentionOptions options;
  Format format = Format::nvfp4;
  ScaleRuleAttr rules[4];
  PMode pMode = PMode::two_level;
  bool report = false;
};

} // namespace

static Value stripReshapes(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
      break;
    v = def->getOperand(0);
  }
  return v;
}

static bool isFloatOperandType(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

/// True when `init` is all zeros (a zero fill or a zero splat constant).
static bool isZeroTensor(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  DenseElementsAttr constant;
  return matchPattern(init, m_Constant(&constant)) && constant.isSplat() &&
         isa<FloatType>(constant.getElementType()) &&
         constant.getSplatValue<APFloat>().isZero();
}

/// The float constant that `v` is (a scalar constant, or a splat), if any.
static std::optional<double> scalarConstant(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

/// `op` as a matmul-shaped contraction, or null with a reason (`why` empty
/// when it is no contraction at all).
static std::optional<Contraction> matchContraction(Operation *operation,
                                                   std::string &why) {
  why.clear();
  auto op = dyn_cast_or_null<linalg::LinalgOp>(operation);
  if (!op || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1) {
    why = "a contraction is not a (batch) matmul";
    return std::nullopt;
  }
  if (!op.hasPureTensorSemantics()) {
    why = "a contraction works on buffers";
    return std::nullopt;
  }
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic)) {
    why = "a contraction has dynamic shapes";
    return std::nullopt;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap out = maps[2];
  if (!out.isProjectedPermutation() || out.getNumResults() < 2) {
    why = "a contraction's result is not indexed by plain dimensions";
    return std::nullopt;
  }
  unsigned m = dims->m.front(), n = dims->n.front(), k = dims->k.front();
  SmallVector<unsigned> lead;
  for (AffineExpr e : out.getResults().drop_back(2))
    lead.push_back(cast<AffineDimExpr>(e).getPosition());
  if (lead.size() != dims->batch.size()) {
    why = "a contraction's batch dimensions are not leading";
    return std::nullopt;
  }
  auto with = [&](unsigned a, unsigned b) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : lead)
      exprs.push_back(getAffineDimExpr(d, op.getContext()));
    exprs.push_back(getAffineDimExpr(a, op.getContext()));
    exprs.push_back(getAffineDimExpr(b, op.getContext()));
    return AffineMap::get(out.getNumDims(), 0, exprs, op.getContext());
  };
  if (out != with(m, n) || maps[0] != with(m, k) ||
      (maps[1] != with(k, n) && maps[1] != with(n, k))) {
    why = "a contraction's operands are not indexed as [batch.., m, k] x "
          "[batch.., k, n] (or [batch.., n, k]) into [batch.., m, n]";
    return std::nullopt;
  }
  Contraction c;
  c.op = op;
  c.rhsIsNK = maps[1] == with(n, k);
  for (unsigned d : lead)
    c.batch.push_back(ranges[d]);
  c.m = ranges[m];
  c.n = ranges[n];
  c.k = ranges[k];
  for (Value input : op.getDpsInputs())
    if (!isFloatOperandType(getElementTypeOrSelf(input.getType()))) {
      why = "a contraction's operands are not f32, bf16 or f16";
      return std::nullopt;
    }
  if (!isZeroTensor(op.getDpsInits()[0])) {
    why = "a contraction accumulates into a tensor that is not zero";
    return std::nullopt;
  }
  return c;
}

namespace {
/// Matches one attention, backwards from its context contraction.
class AttentionMatcher {
public:
  AttentionMatcher(Evaluator &evaluator) : evaluator(evaluator) {}

  /// Fills `logits` and returns success, or returns a reason.
  LogicalResult match(const Contraction &context, Logits &logits,
                      std::string &why);

private:
  /// Whether `t`'s shape is [..., Lq, Lk] with the leading sizes
  /// multiplying to the number of heads.
  bool isScoreShaped(Type t) const {
    auto type = dyn_cast<RankedTensorType>(t);
    if (!type || !type.hasStaticShape() || type.getRank() < 2)
      return false;
    ArrayRef<int64_t> s = type.getShape();
    return s[s.size() - 1] == lk && s[s.size() - 2] == lq &&
           product(s.drop_back(2)) == heads;
  }
  /// Whether `map` (of an op over a score-shaped domain) reads one value
  /// per row: (d0, .., d_{r-2}) or (d0, .., d_{r-2}, 0).
  static bool isRowMap(AffineMap map) {
    unsigned r = map.getNumDims();
    unsigned results = map.getNumResults();
    if (results != r - 1 && results != r)
      return false;
    for (unsigned d = 0; d + 1 < r; ++d)
      if (map.getResult(d) != getAffineDimExpr(d, map.getContext()))
        return false;
    if (results == r) {
      auto zero = dyn_cast<AffineConstantExpr>(map.getResult(r - 1));
      if (!zero || zero.getValue() != 0)
        return false;
    }
    return true;
  }
  /// Whether `generic` is elementwise: parallel, output map the identity,
  /// the output's value not read.
  static bool isElementwise(linalg::GenericOp generic, unsigned result) {
    if (generic.getNumReductionLoops() != 0)
      return false;
    OpOperand *init = generic.getDpsInitOperand(result);
    return generic.getMatchingIndexingMap(init).isIdentity() &&
           generic.getMatchingBlockArgument(init).use_empty();
  }
  /// The input operand that `s` is (a block argument), if any.
  static OpOperand *inputOperand(Scalar s) {
    auto arg = dyn_cast<BlockArgument>(s.value);
    if (!arg || !s.op || arg.getOwner() != s.op.getBody() ||
        arg.getArgNumber() >= s.op.getNumDpsInputs())
      return nullptr;
    return s.op.getDpsInputOperand(arg.getArgNumber());
  }
  /// `s` followed through casts and into the elementwise generics that
  /// produce identity-read inputs.
  Scalar forward(Scalar s);
  /// The elementwise generic producing `tensor` (through reshapes), as the
  /// scalar it yields.
  std::optional<Scalar> producerScalar(Value tensor);
  /// The reduction producing the row statistic read by `s` (an input read
  /// with a row map), with its input; `combine` is the reduction's op.
  LogicalResult rowReduction(Scalar s, bool isMax, Value &reduced,
                             std::string &why);
  LogicalResult analyzeLogits(Scalar s, Logits &logits, bool scaleAbove,
                              std::string &why);
  LogicalResult checkMask(Scalar maskSide, Scalar condition, bool isSelect,
                          bool maskedWhenTrue, Logits &logits,
                          std::string &why);

  Evaluator &evaluator;
  int64_t heads = 0, lq = 0, lk = 0;
  bool maskFound = false;

public:
  /// Whether forward() looked through an arith.extf or arith.truncf.
  bool sawCast = false;
};
} // namespace

Scalar AttentionMatcher::forward(Scalar s) {
  for (int steps = 0; steps < 256; ++steps) {
    Operation *def = s.value.getDefiningOp();
    if (def && s.op && def->getBlock() == s.op.getBody() &&
        isa<arith::ExtFOp, arith::TruncFOp>(def)) {
      s.value = def->getOperand(0);
      sawCast = true;
      continue;
    }
    OpOperand *operand = inputOperand(s);
    if (!operand || !s.op.getMatchingIndexingMap(operand).isIdentity())
      return s;
    std::optional<Scalar> producer = producerScalar(operand->get());
    if (!producer)
      return s;
    s = *producer;
  }
  return s;
}

std::optional<Scalar> AttentionMatcher::producerScalar(Value tensor) {
  Value source = stripReshapes(tensor);
  auto generic = source.getDefiningOp<linalg::GenericOp>();
  if (!generic)
    return std::nullopt;
  unsigned result = cast<OpResult>(source).getResultNumber();
  if (!isElementwise(generic, result))
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  return Scalar{generic, yield.getValues()[result]};
}

LogicalResult AttentionMatcher::rowReduction(Scalar s, bool isMax,
                                             Value &reduced, std::string &why) {
  const char *what = isMax ? "row maximum" : "row sum";
  OpOperand *operand = inputOperand(s);
  if (!operand || !isScoreShaped(s.op.getDpsInits()[0].getType()) ||
      !isRowMap(s.op.getMatchingIndexingMap(operand))) {
    why = std::string("the softmax's ") + what +
          " is not read once per row of a [.., Lq, Lk] tensor";
    return failure();
  }
  Value stat = stripReshapes(operand->get());
  auto reduction = stat.getDefiningOp<linalg::GenericOp>();
  if (!reduction || reduction.getNumDpsInputs() != 1) {
    why = std::string("the softmax's ") + what +
          " is not computed by a linalg.generic reduction";
    return failure();
  }
  unsigned result = cast<OpResult>(stat).getResultNumber();
  OpOperand *input = reduction.getDpsInputOperand(0);
  OpOperand *init = reduction.getDpsInitOperand(result);
  SmallVector<utils::IteratorType> iterators =
      reduction.getIteratorTypesArray();
  bool lastOnly = !iterators.empty() &&
                  iterators.back() == utils::IteratorType::reduction &&
                  reduction.getNumReductionLoops() == 1;
  if (!lastOnly || !isScoreShaped(input->get().getType()) ||
      !reduction.getMatchingIndexingMap(input).isIdentity() ||
      !isRowMap(reduction.getMatchingIndexingMap(init))) {
    why = std::string("the softmax's ") + what +
          " does not reduce a [.., Lq, Lk] tensor over its last dimension";
    return failure();
  }
  auto yield = cast<linalg::YieldOp>(reduction.getBody()->getTerminator());
  Operation *combine = yield.getValues()[result].getDefiningOp();
  BlockArgument in = reduction.getMatchingBlockArgument(input);
  BlockArgument acc = reduction.getMatchingBlockArgument(init);
  bool combinesInAndAcc =
      combine && combine->getNumOperands() == 2 &&
      ((combine->getOperand(0) == in && combine->getOperand(1) == acc) ||
       (combine->getOperand(0) == acc && combine->getOperand(1) == in));
  Value initValue = init->get();
  if (isMax) {
    std::optional<double> start;
    if (auto fill = initValue.getDefiningOp<linalg::FillOp>())
      start = scalarConstant(fill.getInputs()[0]);
    else
      start = scalarConstant(initValue);
    if (!combinesInAndAcc ||
        !isa<arith::MaximumFOp, arith::MaxNumFOp>(combine) || !start ||
        !(std::isinf(*start) && *start < 0)) {
      why = "the softmax's row maximum is not max(x, acc) from -inf";
      return failure();
    }
  } else if (!combinesInAndAcc || !isa<arith::AddFOp>(combine) ||
             !isZeroTensor(initValue)) {
    why = "the softmax's row sum is not x + acc from 0";
    return failure();
  }
  reduced = input->get();
  return success();
}

/// The largest finite magnitude of the float type `type`.
static double largestFinite(Type type) {
  return APFloat::getLargest(cast<FloatType>(type).getFloatSemantics())
      .convertToDouble();
}

/// Whether a mask value `v` (of type `type`) hides its key.
static bool isMaskedValue(double v, Type type) {
  return (std::isinf(v) && v < 0) || v <= -0.5 * largestFinite(type);
}

/// Whether the scalar `s` of `op`'s body may vary with one of the first
/// `leading` loop dimensions (a linalg.index of one, or an input read
/// through a map that uses one); dimensions of size 1 do not vary.
static bool readsLeadingDims(Value s, linalg::GenericOp op, unsigned leading) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto varies = [&](unsigned d) { return d < leading && ranges[d] != 1; };
  SmallVector<Value> worklist{s};
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != op.getBody())
        return true; // Not ours: assume the worst.
      AffineMap map =
          op.getMatchingIndexingMap(&op->getOpOperand(arg.getArgNumber()));
      for (AffineExpr expr : map.getResults())
        for (unsigned d = 0; d < leading; ++d)
          if (varies(d) && expr.isFunctionOfDim(d))
            return true;
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != op.getBody())
      continue; // Defined above: one value everywhere.
    if (auto index = dyn_cast<linalg::IndexOp>(def)) {
      if (varies(index.getDim()))
        return true;
      continue;
    }
    if (def->getNumRegions() != 0)
      return true;
    llvm::append_range(worklist, def->getOperands());
  }
  return false;
}

LogicalResult AttentionMatcher::checkMask(Scalar maskSide, Scalar condition,
                                          bool isSelect, bool maskedWhenTrue,
                                          Logits &logits, std::string &why) {
  if (maskFound) {
    why = "the logits have more than one mask";
    return failure();
  }
  maskFound = true;
  linalg::GenericOp op = isSelect ? condition.op : maskSide.op;
  auto type = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!isScoreShaped(type)) {
    why = "the mask is applied by an op whose shape is not [.., Lq, Lk]";
    return failure();
  }
  // A mask that reads no leading (head) coordinate is the same for every
  // head: one [Lq, Lk] slice is enough.
  Scalar evaluated = isSelect ? condition : maskSide;
  int64_t rank = type.getRank();
  bool perHead = readsLeadingDims(evaluated.value, op, rank - 2);
  int64_t slices = perHead ? heads : 1;
  if (slices * lq * lk > kMaxEvalElements) {
    why = "the mask is too large to evaluate at compile time";
    return failure();
  }
  Type maskType = maskSide.value.getType();
  if (!isa<FloatType>(maskType)) {
    why = "the mask is not a float";
    return failure();
  }
  if (isSelect) {
    std::optional<double> value = scalarConstant(maskSide.value);
    if (!value || !isMaskedValue(*value, maskType)) {
      why = "the logits are replaced by a value that is not -inf or a very "
            "large negative constant";
      return failure();
    }
  }
  SmallVector<int64_t> point(rank, 0);
  int64_t masked = 0;
  DenseMap<Value, Num> memo;
  for (int64_t e = 0, n = slices * lq * lk; e < n; ++e) {
    memo.clear(); // One point's values.
    FailureOr<Num> value =
        evaluator.scalar(evaluated.value, evaluated.op, point, memo, why);
    if (failed(value)) {
      why = "the mask is not a compile-time constant: " + why;
      return failure();
    }
    int64_t i = point[rank - 2], j = point[rank - 1];
    bool hides = isSelect ? bool(value->i) == maskedWhenTrue
                          : isMaskedValue(value->f, maskType);
    if (!isSelect && !hides && value->f != 0.0) {
      why.clear();
      llvm::raw_string_ostream os(why);
      os << "the mask is neither 0 nor a very large negative value at query "
         << i << ", key " << j << " (" << llvm::format("%g", value->f) << ")";
      return failure();
    }
    bool causalHides = j > i + (lk - lq);
    if (hides)
      ++masked;
    if (hides && !causalHides) {
      why = llvm::formatv("the mask hides key {1} from query {0}, which the "
                          "causal mask shows",
                          i, j)
                .str();
      return failure();
    }
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++point[d] < type.getDimSize(d))
        break;
      point[d] = 0;
    }
  }
  // Every hidden entry is a causal one; now either none is hidden (no mask)
  // or all the causal ones are.
  int64_t causalCount = 0;
  for (int64_t i = 0; i < lq; ++i)
    causalCount += lk - std::clamp<int64_t>(i + (lk - lq) + 1, 0, lk);
  causalCount *= slices;
  if (masked == 0) {
    logits.causal = false;
    return success();
  }
  if (lq > lk) {
    why = "a causal mask with Lq > Lk hides every key from some queries";
    return failure();
  }
  if (masked != causalCount) {
    why = llvm::formatv("the mask shows keys that the causal mask hides (it "
                        "hides {0} entries, the causal mask {1})",
                        masked, causalCount)
              .str();
    return failure();
  }
  logits.causal = true;
  return success();
}

LogicalResult AttentionMatcher::analyzeLogits(Scalar s, Logits &logits,
                                              bool scaleAbove,
                                              std::string &why) {
  for (int depth = 0; depth < 64; ++depth) {
    s = forward(s);
    if (OpOperand *operand = inputOperand(s)) {
      Value source = stripReshapes(operand->get());
      std::string ignored;
      std::optional<Contraction> c =
          matchContraction(source.getDefiningOp(), ignored);
      if (!c || !s.op.getMatchingIndexingMap(operand).isIdentity()) {
        why = ignored.empty() ? "the logits do not come from a matmul-shaped "
                                "contraction Q K^T"
                              : "the scores: " + ignored;
        return failure();
      }
      logits.scores = *c;
      return success();
    }
    Operation *def = s.value.getDefiningOp();
    if (!def || def->getBlock() != s.op.getBody()) {
      why = "the logits are not computed from the scores Q K^T";
      return failure();
    }
    Scalar lhs{s.op, def->getNumOperands() > 0 ? def->getOperand(0) : Value()};
    Scalar rhs{s.op, def->getNumOperands() > 1 ? def->getOperand(1) : Value()};
    if (isa<arith::MulFOp>(def)) {
      std::optional<double> a = scalarConstant(lhs.value),
                            b = scalarConstant(rhs.value);
      if (!a && !b) {
        why = "the logits are multiplied by something that is not a "
              "constant";
        return failure();
      }
      logits.scale *= a ? *a : *b;
      s = a ? rhs : lhs;
      scaleAbove = true;
      continue;
    }
    if (isa<arith::DivFOp>(def)) {
      std::optional<double> b = scalarConstant(rhs.value);
      if (!b) {
        why = "the logits are divided by something that is not a constant";
        return failure();
      }
      logits.scale /= *b;
      s = lhs;
      scaleAbove = true;
      continue;
    }
    if (isa<arith::AddFOp>(def)) {
      // The mask is the side that is a compile-time constant.
      DenseMap<Value, Num> memo;
      std::string whyA, whyB;
      SmallVector<int64_t> origin(s.op.getNumLoops(), 0);
      bool aConst =
          succeeded(evaluator.scalar(lhs.value, s.op, origin, memo, whyA));
      memo.clear();
      bool bConst =
          succeeded(evaluator.scalar(rhs.value, s.op, origin, memo, whyB));
      if (aConst == bConst) {
        why = aConst ? "the logits are a constant"
                     : "something that is not a compile-time constant is "
                       "added to the logits (" +
                           whyB + ")";
        return failure();
      }
      if (scaleAbove) {
        why = "the mask is added before the scale is applied";
        return failure();
      }
      if (failed(checkMask(aConst ? lhs : rhs, {}, false, false, logits, why)))
        return failure();
      s = aConst ? rhs : lhs;
      continue;
    }
    if (auto select = dyn_cast<arith::SelectOp>(def)) {
      std::optional<double> a = scalarConstant(select.getTrueValue()),
                            b = scalarConstant(select.getFalseValue());
      if (!a && !b) {
        why = "the logits are chosen by an arith.select between two "
              "non-constants";
        return failure();
      }
      if (scaleAbove) {
        why = "the mask is applied before the scale";
        return failure();
      }
      bool maskedWhenTrue = a.has_value();
      Scalar constant{s.op, maskedWhenTrue ? select.getTrueValue()
                                           : select.getFalseValue()};
      if (failed(checkMask(constant, {s.op, select.getCondition()}, true,
                           maskedWhenTrue, logits, why)))
        return failure();
      s = {s.op,
           maskedWhenTrue ? select.getFalseValue() : select.getTrueValue()};
      continue;
    }
    why = "the logits are computed by '" + def->getName().getStringRef().str() +
          "' (expected the scores times a constant, plus an optional mask)";
    return failure();
  }
  why = "the logits are computed by too many ops";
  return failure();
}

LogicalResult AttentionMatcher::match(const Contraction &context,
                                      Logits &logits, std::string &why) {
  if (context.rhsIsNK) {
    why = "the context product reads V transposed ([.., Dv, Lk])";
    return failure();
  }
  heads = product(context.batch);
  lq = context.m;
  lk = context.k;
  maskFound = false;
  sawCast = false;

  // P = E / rowsum(E).
  linalg::LinalgOp contextOp = context.op;
  Value p = contextOp.getDpsInputs()[0];
  std::optional<Scalar> div = producerScalar(p);
  if (!div) {
    why = "the probabilities are not computed by an elementwise linalg.generic";
    return failure();
  }
  Scalar s = forward(*div);
  auto divOp = s.value.getDefiningOp<arith::DivFOp>();
  if (!divOp || divOp->getBlock() != s.op.getBody()) {
    why = "the probabilities are not exp(x - max) / sum (no division by the "
          "row sum)";
    return failure();
  }
  Scalar numerator{s.op, divOp.getLhs()};
  Value summed;
  if (failed(
          rowReduction({s.op, divOp.getRhs()}, /*isMax=*/false, summed, why)))
    return failure();
  OpOperand *eOperand = inputOperand(numerator);
  if (!eOperand || !s.op.getMatchingIndexingMap(eOperand).isIdentity() ||
      stripReshapes(eOperand->get()) != stripReshapes(summed)) {
    why = "the softmax divides by the row sum of another tensor";
    return failure();
  }

  // E = exp(X - rowmax(X)).
  Scalar e = forward(numerator);
  auto exp = e.value.getDefiningOp<math::ExpOp>();
  if (!exp || exp->getBlock() != e.op.getBody()) {
    why = "the softmax numerator is not exp(x - max)";
    return failure();
  }
  Scalar diff = forward({e.op, exp.getOperand()});
  auto sub = diff.value.getDefiningOp<arith::SubFOp>();
  if (!sub || sub->getBlock() != diff.op.getBody()) {
    why = "the softmax numerator is not exp(x - max)";
    return failure();
  }
  Value maxed;
  if (failed(rowReduction({diff.op, sub.getRhs()}, /*isMax=*/true, maxed, why)))
    return failure();
  Scalar x{diff.op, sub.getLhs()};
  OpOperand *xOperand = inputOperand(x);
  if (!xOperand || !diff.op.getMatchingIndexingMap(xOperand).isIdentity() ||
      stripReshapes(xOperand->get()) != stripReshapes(maxed)) {
    why = "the softmax subtracts the row maximum of another tensor";
    return failure();
  }

  // X = Q K^T * scale (+ mask).
  Value xTensor = stripReshapes(xOperand->get());
  std::string ignored;
  if (std::optional<Contraction> c =
          matchContraction(xTensor.getDefiningOp(), ignored)) {
    logits.scores = *c;
  } else {
    std::optional<Scalar> producer = producerScalar(xTensor);
    if (!producer) {
      why = ignored.empty() ? "the logits are not computed by elementwise "
                              "linalg.generics from a contraction"
                            : "the scores: " + ignored;
      return failure();
    }
    if (failed(analyzeLogits(*producer, logits, /*scaleAbove=*/false, why)))
      return failure();
  }
  const Contraction &scores = logits.scores;
  if (scores.m != lq || scores.n != lk || product(scores.batch) != heads) {
    why = "the scores' shape does not match the context product's";
    return failure();
  }
  if (!std::isfinite(logits.scale) || logits.scale <= 0) {
    why = llvm::formatv("the softmax scale {0} is not finite and positive",
                        logits.scale)
              .str();
    return failure();
  }
  logits.rounded = sawCast;
  return success();
}

//===----------------------------------------------------------------------===//
// Rewriting
//===----------------------------------------------------------------------===//

/// The leading (batch) dims of `type` as [B, H]: rank 4 keeps its own,
/// fewer pad with 1, more fold into B.
static std::pair<int64_t, int64_t> batchHeads(RankedTensorType type) {
  ArrayRef<int64_t> lead = type.getShape().drop_back(2);
  if (lead.empty())
    return {1, 1};
  return {product(lead.drop_back()), lead.back()};
}

/// `v` ([lead.., L, D], product(lead) = B * H) as [B, H, L, D].
static Value toRank4(OpBuilder &b, Location loc, Value v, int64_t batch,
                     int64_t heads) {
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  int64_t l = type.getDimSize(rank - 2), d = type.getDimSize(rank - 1);
  auto target =
      RankedTensorType::get({batch, heads, l, d}, type.getElementType());
  if (type == target)
    return v;
  auto rank3 =
      RankedTensorType::get({batch * heads, l, d}, type.getElementType());
  if (rank == 2) {
    v = tensor::ExpandShapeOp::create(
        b, loc, rank3, v, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  } else if (rank > 3) {
    ReassociationIndices leading;
    for (int64_t i = 0; i < rank - 2; ++i)
      leading.push_back(i);
    v = tensor::CollapseShapeOp::create(
        b, loc, rank3, v,
        SmallVector<ReassociationIndices>{leading, {rank - 2}, {rank - 1}});
  }
  return tensor::ExpandShapeOp::create(
      b, loc, target, v, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
}

/// `v` ([B, H, L, D]) as `target`'s shape ([lead.., L, D]).
static Value fromRank4(OpBuilder &b, Location loc, Value v,
                       RankedTensorType target) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == target.getShape())
    return v;
  int64_t rank = target.getRank();
  int64_t l = type.getDimSize(2), d = type.getDimSize(3);
  auto rank3 = RankedTensorType::get(
      {type.getDimSize(0) * type.getDimSize(1), l, d}, type.getElementType());
  v = tensor::CollapseShapeOp::create(
      b, loc, rank3, v, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  auto shaped = RankedTensorType::get(target.getShape(), type.getElementType());
  if (rank == 2)
    return tensor::CollapseShapeOp::create(
        b, loc, shaped, v, SmallVector<ReassociationIndices>{{0, 1}, {2}});
  if (rank == 3)
    return v;
  ReassociationIndices leading;
  for (int64_t i = 0; i < rank - 2; ++i)
    leading.push_back(i);
  return tensor::ExpandShapeOp::create(
      b, loc, shaped, v,
      SmallVector<ReassociationIndices>{leading, {rank - 2}, {rank - 1}});
}

/// `v` through collapse_shapes that only merge leading dimensions, as far
/// as they go.
static Value throughLeadingCollapses(Value v) {
  while (auto collapse = v.getDefiningOp<tensor::CollapseShapeOp>()) {
    SmallVector<ReassociationIndices> groups =
        collapse.getReassociationIndices();
    if (groups.size() < 2 || groups[groups.size() - 1].size() != 1 ||
        groups[groups.size() - 2].size() != 1)
      break;
    v = collapse.getSrc();
  }
  return v;
}

/// K [.., Lk, D] from the scores' right operand K^T [.., D, Lk]: the input
/// of a transpose of the last two dimensions when there is one, else a new
/// transpose.
static Value keyFromTransposed(OpBuilder &b, Location loc, Value kt) {
  Value source = throughLeadingCollapses(kt);
  if (auto transpose = source.getDefiningOp<linalg::TransposeOp>()) {
    ArrayRef<int64_t> perm = transpose.getPermutation();
    int64_t r = perm.size();
    bool swapsLast = r >= 2 && perm[r - 1] == r - 2 && perm[r - 2] == r - 1;
    for (int64_t i = 0; i + 2 < r; ++i)
      swapsLast &= perm[i] == i;
    if (swapsLast)
      return transpose.getInput();
  }
  auto type = cast<RankedTensorType>(kt.getType());
  int64_t r = type.getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, r));
  std::swap(perm[r - 1], perm[r - 2]);
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[r - 1], shape[r - 2]);
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, kt, init, perm).getResult()[0];
}

static std::string describeRule(ScaleRuleAttr rule) {
  if (!rule)
    return "static_6";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << Attribute(rule);
  return text;
}

/// Replaces the matched attention with nvfp4.attention.
static void rewrite(const Contraction &context, const Logits &logits,
                    const Settings &settings) {
  linalg::LinalgOp op = context.op;
  OpBuilder b(op);
  Location loc = op.getLoc();
  const Contraction &scores = logits.scores;
  linalg::LinalgOp scoresOp = scores.op;
  Value qIn = scoresOp.getDpsInputs()[0];
  Value kIn = scoresOp.getDpsInputs()[1];
  Value vIn = op.getDpsInputs()[1];

  // [B, H] from Q's own leading dims (seen through leading collapses).
  Value qSource = throughLeadingCollapses(qIn);
  // Not a structured binding: clang 14 (the sanitized build) cannot capture
  // one in the lambda below.
  int64_t batch, heads;
  std::tie(batch, heads) =
      batchHeads(cast<RankedTensorType>(qSource.getType()));
  if (batch * heads != product(context.batch)) {
    qSource = qIn;
    std::tie(batch, heads) = batchHeads(cast<RankedTensorType>(qIn.getType()));
  }
  auto pick = [&](Value v) {
    Value source = throughLeadingCollapses(v);
    auto type = cast<RankedTensorType>(source.getType());
    if (type.getRank() == 4 && type.getDimSize(0) == batch &&
        type.getDimSize(1) == heads)
      return source;
    return v;
  };
  Value q = toRank4(b, loc, pick(qSource), batch, heads);
  Value k = scores.rhsIsNK ? kIn : keyFromTransposed(b, loc, kIn);
  k = toRank4(b, loc, pick(k), batch, heads);
  Value v = toRank4(b, loc, pick(vIn), batch, heads);

  MLIRContext *ctx = b.getContext();
  auto resultType = RankedTensorType::get({batch, heads, context.m, context.n},
                                          b.getF32Type());
  auto attention =
      AttentionOp::create(b, loc, TypeRange{resultType}, ValueRange{q, k, v},
                          ArrayRef<NamedAttribute>{});
  attention.setFormatAttr(FormatAttr::get(ctx, settings.format));
  if (settings.rules[0])
    attention.setQRuleAttr(settings.rules[0]);
  if (settings.rules[1])
    attention.setKRuleAttr(settings.rules[1]);
  if (settings.rules[2])
    attention.setVRuleAttr(settings.rules[2]);
  if (settings.rules[3])
    attention.setPRuleAttr(settings.rules[3]);
  attention.setSoftmaxScaleAttr(
      b.getF32FloatAttr(static_cast<float>(logits.scale)));
  attention.setCausal(logits.causal);
  attention.setKeyTileAttr(
      b.getI64IntegerAttr(static_cast<int64_t>(settings.options.keyTile)));
  attention.setKSmoothingAttr(b.getBoolAttr(settings.options.smoothK));
  attention.setPModeAttr(PModeAttr::get(ctx, settings.pMode));

  auto target = cast<RankedTensorType>(op->getResult(0).getType());
  Value result = fromRank4(b, loc, attention.getResult(), target);
  if (target.getElementType() != b.getF32Type()) {
    int64_t rank = target.getRank();
    Value init = tensor::EmptyOp::create(b, loc, target.getShape(),
                                         target.getElementType());
    result = linalg::GenericOp::create(
                 b, loc, target, ValueRange{result}, ValueRange{init},
                 SmallVector<AffineMap>(2, b.getMultiDimIdentityMap(rank)),
                 SmallVector<utils::IteratorType>(
                     rank, utils::IteratorType::parallel),
                 [&](OpBuilder &nb, Location nloc, ValueRange args) {
                   Value cast = arith::TruncFOp::create(
                       nb, nloc, target.getElementType(), args[0]);
                   linalg::YieldOp::create(nb, nloc, cast);
                 })
                 .getResult(0);
  }

  if (settings.report)
    op->emitRemark() << llvm::formatv(
        "rewritten to nvfp4.attention ({0}, B = {1}, H = {2}, Lq = {3}, "
        "Lk = {4}, D = {5}, Dv = {6}, scale = {7}, {8}): Q {9}, K {10}, V "
        "{11}, P {12}{13}",
        stringifyFormat(settings.format), batch, heads, context.m, context.k,
        scores.k, context.n,
        llvm::format("%g",
                     static_cast<double>(static_cast<float>(logits.scale))),
        logits.causal ? "causal" : "no mask", describeRule(settings.rules[0]),
        describeRule(settings.rules[1]), describeRule(settings.rules[2]),
        describeRule(settings.rules[3]),
        logits.rounded ? "; the roundings (extf/truncf) between its steps are "
                         "not kept"
                       : "");
  op->getResult(0).replaceAllUsesWith(result);
}

/// Whether `op` (a contraction) reads, through generics and reshapes, a
/// math.exp, a reduction and another contraction: an attention-like pattern
/// (a SiLU MLP has the exp and the contractions, but no reduction between).
static bool looksLikeAttention(Operation *operation) {
  auto op = cast<linalg::LinalgOp>(operation);
  SmallVector<Value> worklist{op.getDpsInputs()[0]};
  llvm::SmallPtrSet<Operation *, 32> seen;
  bool sawExp = false, sawReduction = false, sawContraction = false;
  while (!worklist.empty() && seen.size() < 256) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || !seen.insert(def).second)
      continue;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(def);
        linalgOp && linalgOp.getNumDpsInputs() == 2 &&
        linalg::isaContractionOpInterface(linalgOp)) {
      sawContraction = true;
      continue;
    }
    if (auto generic = dyn_cast<linalg::GenericOp>(def)) {
      generic.getBody()->walk([&](math::ExpOp) { sawExp = true; });
      sawReduction |= generic.getNumReductionLoops() > 0;
      llvm::append_range(worklist, generic.getDpsInputs());
    } else if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def)) {
      worklist.push_back(def->getOperand(0));
    }
  }
  return sawExp && sawReduction && sawContraction;
}

/// Erases `roots` (the replaced contractions) and, transitively, the ops
/// that only they used: the old softmax, scores, mask and reshapes.
static void eraseDead(ArrayRef<Operation *> roots) {
  llvm::SetVector<Operation *> worklist(roots.begin(), roots.end());
  llvm::SmallPtrSet<Operation *, 32> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    // What the op reads, its body's captured values included.
    op->walk([&](Operation *nested) {
      for (Value operand : nested->getOperands())
        if (Operation *def = operand.getDefiningOp();
            def && !op->isAncestor(def) && !erased.contains(def))
          worklist.insert(def);
    });
    op->erase();
    erased.insert(op);
  }
}

static ScaleRuleAttr ruleAttr(MLIRContext *context,
                              const fp4::OperandRule &rule) {
  if (rule.rule == fp4::ScaleRule::Static6)
    return {}; // The op's default.
  return getScaleRuleAttr(context, rule.rule, rule.metric, rule.searchRadius);
}

namespace {
struct NVFP4QuantizeAttentionPass
    : nvfp4::impl::NVFP4QuantizeAttentionPassBase<NVFP4QuantizeAttentionPass> {
  using Base::Base;

  LogicalResult readSettings(Location loc, Settings &settings) {
    const char *pass = "nvfp4-quantize-attention";
    std::optional<Format> parsedFormat = symbolizeFormat(format);
    if (!parsedFormat)
      return emitError(loc) << pass << ": unknown format '" << format
                            << "' (expected nvfp4 or mxfp4)";
    settings.format = *parsedFormat;
    fp4::AttentionOptions &o = settings.options;
    o.format = toNumerics(settings.format);
    std::optional<PMode> parsedPMode = symbolizePMode(pMode);
    if (!parsedPMode)
      return emitError(loc) << pass << ": unknown p-mode '" << pMode
                            << "' (expected two_level or direct)";
    settings.pMode = *parsedPMode;
    o.pMode = *parsedPMode == PMode::direct ? fp4::PMode::Direct
                                            : fp4::PMode::TwoLevel;
    const char *names[4] = {"q-rule", "k-rule", "v-rule", "p-rule"};
    const std::string specs[4] = {qRule, kRule, vRule, pRule};
    fp4::OperandRule *rules[4] = {&o.q, &o.k, &o.v, &o.p};
    for (int x = 0; x < 4; ++x) {
      // quantize-matmuls' spellings; "none" (unquantized, which the
      // numerics library knows) has no spelling in the op.
      fp4::QuantizeOptions parsed;
      parsed.format = o.format;
      std::string error =
          specs[x] == "none"
              ? "nvfp4.attention quantizes every operand ('none' is not "
                "expressible)"
              : fp4::parseRuleSpec(specs[x], parsed);
      if (error.empty())
        error = fp4::validateQuantizeOptions(parsed, 128, 128);
      if (error.empty() && parsed.rule == fp4::ScaleRule::ScaleSearch &&
          (parsed.searchRadius < 1 || parsed.searchRadius > 126))
        error = "the search radius must be in [1, 126]";
      if (!error.empty())
        return emitError(loc)
               << pass << ": bad " << names[x] << " '" << specs[x] << "' for "
               << stringifyFormat(settings.format) << ": " << error;
      rules[x]->quantized = true;
      rules[x]->rule = parsed.rule;
      rules[x]->metric = parsed.metric;
      rules[x]->searchRadius = parsed.searchRadius;
      settings.rules[x] = ruleAttr(&getContext(), *rules[x]);
    }
    if (keyTile <= 0)
      return emitError(loc) << pass << ": key-tile must be positive, got "
                            << static_cast<int64_t>(keyTile);
    o.keyTile = static_cast<uint64_t>(keyTile);
    o.smoothK = kSmoothing;
    o.softmaxScale = 1.0f;
    // The shape-independent checks (rules for the format, the key tile):
    // a shape that passes the block-size checks.
    fp4::AttentionShape probe;
    probe.lq = probe.lk = probe.d = probe.dv = 128;
    std::string error = fp4::validateAttentionOptions(o, probe);
    if (!error.empty())
      return emitError(loc)
             << pass << ": bad options for " << stringifyFormat(settings.format)
             << ": " << error;
    settings.report = report;
    return success();
  }

  void runOnOperation() override {
    Settings settings;
    if (failed(readSettings(getOperation()->getLoc(), settings)))
      return signalPassFailure();

    SmallVector<Operation *> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.getNumDpsInputs() == 2 && linalg::isaContractionOpInterface(op))
        candidates.push_back(op);
    });
    Evaluator evaluator;
    SmallVector<Operation *> rewritten;
    for (Operation *candidate : candidates) {
      std::string why;
      Logits logits;
      std::optional<Contraction> context = matchContraction(candidate, why);
      if (context) {
        AttentionMatcher matcher(evaluator);
        if (succeeded(matcher.match(*context, logits, why))) {
          fp4::AttentionOptions options = settings.options;
          options.softmaxScale = static_cast<float>(logits.scale);
          options.causal = logits.causal;
          fp4::AttentionShape shape;
          shape.batch = 1;
          shape.heads = static_cast<uint64_t>(product(context->batch));
          shape.lq = context->m;
          shape.lk = context->k;
          shape.d = logits.scores.k;
          shape.dv = context->n;
          why = fp4::validateAttentionOptions(options, shape);
          if (why.empty()) {
            rewrite(*context, logits, settings);
            rewritten.push_back(candidate);
            continue;
          }
        }
      } else if (why.empty()) {
        why = "the context product is not a contraction";
      }
      // Every contraction is tried; only attention-like ones are worth a
      // remark (not every projection).
      if (settings.report && looksLikeAttention(candidate))
        candidate->emitRemark()
            << "attention-like pattern not rewritten to nvfp4.attention: "
            << why;
    }
    eraseDead(rewritten);
  }
};
} // namespace
