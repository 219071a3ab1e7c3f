//===- NVFP4Ops.cpp - nvfp4 op verifiers and canonicalization -------------===//
//
// Part of fp4-mlir. The rules that span several operands of an op (shapes of
// packed data and scales, formats and layouts agreeing) live here, in one
// small verifier library shared by all ops.
//
//===----------------------------------------------------------------------===//

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::nvfp4;

#define GET_OP_CLASSES
#include "fp4/Dialect/NVFP4/IR/NVFP4Ops.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared verification
//===----------------------------------------------------------------------===//

/// Rows of a 128 x 4 tcgen05 scale tile, and block columns per tile.
static constexpr int64_t kTileRows = 128;
static constexpr int64_t kTileBlockCols = 4;

/// Every static dimension, and the element count, of an nvfp4 operand or
/// result is at most 2^48: element and byte offsets (x4 for f32) then fit in
/// 64-bit index arithmetic everywhere, from these verifiers to the kernels.
static constexpr uint64_t kMaxTensorElements = uint64_t(1) << 48;

static LogicalResult verifyTensorSizes(Operation *op) {
  for (Type type :
       llvm::concat<const Type>(op->getOperandTypes(), op->getResultTypes())) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      continue;
    uint64_t elements = 1;
    for (int64_t d : tensor.getShape()) {
      if (ShapedType::isDynamic(d))
        continue;
      bool tooBig = uint64_t(d) > kMaxTensorElements ||
                    (d != 0 && elements > kMaxTensorElements / uint64_t(d));
      if (tooBig)
        return op->emitOpError()
               << "type " << tensor
               << " exceeds the nvfp4 limit of 2^48 elements";
      elements *= uint64_t(d);
    }
  }
  return success();
}

/// True when both sizes are known and differ.
static bool differ(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

/// `size / divisor`, staying dynamic when `size` is.
static int64_t divideSize(int64_t size, int64_t divisor) {
  return ShapedType::isDynamic(size) ? ShapedType::kDynamic : size / divisor;
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << '?';
        else
          os << d;
      },
      "x");
  return s;
}

/// Checks that `scalesType` holds one scale per block of a `rows` x `cols`
/// matrix quantized in blocks of `blockSize` along its rows, in `layout`.
static LogicalResult verifyScalesShape(Operation *op, StringRef what,
                                       RankedTensorType scalesType,
                                       int64_t rows, int64_t cols,
                                       int64_t blockSize, ScaleLayout layout) {
  int64_t blockCols = divideSize(cols, blockSize);
  SmallVector<int64_t> expected;
  if (layout == ScaleLayout::row_major) {
    expected = {rows, blockCols};
  } else {
    if (!ShapedType::isDynamic(rows) && rows % kTileRows != 0)
      return op->emitOpError()
             << "the tcgen05 scale layout needs rows in multiples of "
             << kTileRows << ", but " << what << " has " << rows;
    if (!ShapedType::isDynamic(blockCols) && blockCols % kTileBlockCols != 0)
      return op->emitOpError()
             << "the tcgen05 scale layout needs block columns in multiples "
                "of "
             << kTileBlockCols << ", but " << what << " has " << blockCols;
    expected = {divideSize(rows, kTileRows),
                divideSize(blockCols, kTileBlockCols), 32, 4, 4};
  }
  ArrayRef<int64_t> actual = scalesType.getShape();
  bool ok = actual.size() == expected.size();
  for (size_t i = 0; ok && i < actual.size(); ++i)
    ok = !differ(actual[i], expected[i]);
  if (!ok)
    return op->emitOpError()
           << "expected " << what << " scales of shape "
           << shapeString(expected) << " (" << stringifyScaleLayout(layout)
           << " layout, " << blockSize << "-element blocks), but got "
           << shapeString(actual);
  return success();
}

namespace {
/// What a packed operand (data + scales) says about itself.
struct PackedOperand {
  int64_t rows;
  int64_t cols; // Logical columns: twice the packed bytes per row.
  Format format;
  ScaleLayout layout;
};
} // namespace

/// Verifies packed `data` and its `scales` against each other and derives the
/// format (from the scale element type) and layout (from the scales' rank).
static FailureOr<PackedOperand>
verifyPackedOperand(Operation *op, StringRef what, RankedTensorType dataType,
                    RankedTensorType scalesType) {
  PackedOperand result;
  std::optional<Format> format =
      getFormatForScaleType(scalesType.getElementType());
  if (!format) {
    op->emitOpError() << "expected " << what
                      << " scales of f8E4M3FN (nvfp4) or f8E8M0FNU (mxfp4)";
    return failure();
  }
  result.format = *format;
  if (scalesType.getRank() == 2) {
    result.layout = ScaleLayout::row_major;
  } else if (scalesType.getRank() == 5) {
    result.layout = ScaleLayout::tcgen05;
  } else {
    op->emitOpError() << "expected " << what
                      << " scales of rank 2 (row_major) or 5 (tcgen05), but "
                         "got rank "
                      << scalesType.getRank();
    return failure();
  }
  result.rows = dataType.getDimSize(0);
  result.cols = ShapedType::isDynamic(dataType.getDimSize(1))
                    ? ShapedType::kDynamic
                    : 2 * dataType.getDimSize(1);
  int64_t blockSize = getBlockSize(result.format);
  if (!ShapedType::isDynamic(result.cols) && result.cols % blockSize != 0) {
    op->emitOpError() << what << " has " << result.cols
                      << " columns, not a multiple of the "
                      << stringifyFormat(result.format) << " block size "
                      << blockSize;
    return failure();
  }
  if (failed(verifyScalesShape(op, what, scalesType, result.rows, result.cols,
                               blockSize, result.layout)))
    return failure();
  return result;
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult AmaxOp::verify() { return verifyTensorSizes(*this); }

LogicalResult QuantizeOp::verify() {
  if (failed(verifyTensorSizes(*this)))
    return failure();
  // Parsed and built ops always have these, but the generic API can null
  // them: setting one to an attribute of another kind through Python's
  // Operation.create or op.attributes[...] stores null, which the getters
  // below would dereference.
  for (auto [name, attr] :
       {std::pair<StringRef, Attribute>{"format", getFormatAttr()},
        {"rule", getRuleAttr()},
        {"rounding", getRoundingAttr()},
        {"block_shape", getBlockShapeAttr()},
        {"scale_layout", getScaleLayoutAttr()}})
    if (!attr)
      return emitOpError() << "attribute '" << name
                           << "' is missing or of the wrong kind";
  RankedTensorType inputType = getInput().getType();
  if (inputType.getRank() != 2)
    return emitOpError() << "expected a rank-2 input, but got rank "
                         << inputType.getRank();
  int64_t rows = inputType.getDimSize(getTranspose() ? 1 : 0);
  int64_t cols = inputType.getDimSize(getTranspose() ? 0 : 1);

  Format format = getFormat();
  int64_t blockSize = getBlockSize(format);
  ScaleRuleKind rule = getRule().getKind();
  if (format == Format::mxfp4 && rule == ScaleRuleKind::four_over_six)
    return emitOpError() << "scale rule 'four_over_six' does not apply to "
                            "mxfp4 (it needs E4M3 block scales)";
  if (format == Format::mxfp4 && getAmax())
    return emitOpError() << "mxfp4 has no tensor scale, so it takes no amax";
  if (getBlockShape() == BlockShape::tile_16x16) {
    if (format != Format::nvfp4)
      return emitOpError() << "16x16 blocks need the nvfp4 format";
    if (!ShapedType::isDynamic(rows) && rows % 16 != 0)
      return emitOpError() << "16x16 blocks need rows in multiples of 16, "
                              "but the quantized matrix has "
                           << rows;
  }
  if (!ShapedType::isDynamic(cols) && cols % blockSize != 0)
    return emitOpError() << "the quantized matrix has " << cols
                         << " columns, not a multiple of the "
                         << stringifyFormat(format) << " block size "
                         << blockSize;

  ArrayRef<int64_t> dataShape = getData().getType().getShape();
  if (differ(dataShape[0], rows) || differ(dataShape[1], divideSize(cols, 2)))
    return emitOpError() << "expected packed data of shape "
                         << shapeString({rows, divideSize(cols, 2)})
                         << " (two E2M1 codes per byte), but got "
                         << shapeString(dataShape);

  std::optional<Format> scaleFormat =
      getFormatForScaleType(getScales().getType().getElementType());
  if (scaleFormat != format)
    return emitOpError() << "expected "
                         << (format == Format::nvfp4 ? "f8E4M3FN" : "f8E8M0FNU")
                         << " scales for " << stringifyFormat(format)
                         << ", but got "
                         << getScales().getType().getElementType();
  return verifyScalesShape(*this, "result", getScales().getType(), rows, cols,
                           blockSize, getScaleLayout());
}

namespace {
/// quantize(%x) amax(nvfp4.amax(%x)) computes the amax it would compute
/// anyway: drop the operand.
struct DropRedundantAmax : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto amax = op.getAmax() ? op.getAmax().getDefiningOp<AmaxOp>() : AmaxOp();
    if (!amax || amax.getInput() != op.getInput())
      return rewriter.notifyMatchFailure(op, "amax is not the input's own");
    rewriter.modifyOpInPlace(op, [&] { op.getAmaxMutable().clear(); });
    return success();
  }
};
} // namespace

void QuantizeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                             MLIRContext *context) {
  results.add<DropRedundantAmax>(context);
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  if (failed(verifyTensorSizes(*this)))
    return failure();
  FailureOr<PackedOperand> operand = verifyPackedOperand(
      *this, "operand", getData().getType(), getScales().getType());
  if (failed(operand))
    return failure();
  RankedTensorType resultType = getResult().getType();
  if (resultType.getRank() != 2 ||
      differ(resultType.getDimSize(0), operand->rows) ||
      differ(resultType.getDimSize(1), operand->cols))
    return emitOpError() << "expected a result of shape "
                         << shapeString({operand->rows, operand->cols})
                         << ", but got " << shapeString(resultType.getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// ScaledMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult ScaledMatmulOp::verify() {
  if (failed(verifyTensorSizes(*this)))
    return failure();
  FailureOr<PackedOperand> lhs = verifyPackedOperand(
      *this, "lhs", getLhs().getType(), getLhsScales().getType());
  if (failed(lhs))
    return failure();
  FailureOr<PackedOperand> rhs = verifyPackedOperand(
      *this, "rhs", getRhs().getType(), getRhsScales().getType());
  if (failed(rhs))
    return failure();
  if (lhs->format != rhs->format)
    return emitOpError() << "operands have different formats: lhs is "
                         << stringifyFormat(lhs->format) << ", rhs is "
                         << stringifyFormat(rhs->format);
  if (lhs->layout != rhs->layout)
    return emitOpError() << "operands have different scale layouts: lhs is "
                         << stringifyScaleLayout(lhs->layout) << ", rhs is "
                         << stringifyScaleLayout(rhs->layout);
  if (differ(lhs->cols, rhs->cols))
    return emitOpError() << "contraction sizes differ: lhs has K = "
                         << lhs->cols << ", rhs has K = " << rhs->cols;
  ArrayRef<int64_t> resultShape = getResult().getType().getShape();
  if (differ(resultShape[0], lhs->rows) || differ(resultShape[1], rhs->rows))
    return emitOpError() << "expected a result of shape "
                         << shapeString({lhs->rows, rhs->rows})
                         << " (M x N), but got " << shapeString(resultShape);
  return success();
}

bool mlir::nvfp4::hasDynamicShapes(Operation *op) {
  auto isDynamic = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && !shaped.hasStaticShape();
  };
  return llvm::any_of(op->getOperandTypes(), isDynamic) ||
         llvm::any_of(op->getResultTypes(), isDynamic);
}
