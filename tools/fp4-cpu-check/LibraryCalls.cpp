//===- LibraryCalls.cpp - Run nvfp4 ops through the numerics library ------===//
//
// Part of fp4-mlir. See LibraryCalls.h. Each rewritten op passes the index
// of its entry in a table of cases (options and shapes) and its buffers as
// unranked memrefs; the host functions read the descriptors.
//
//===----------------------------------------------------------------------===//

#include "LibraryCalls.h"
#include "BufferPlumbing.h"

#include "fp4/Dialect/NVFP4/IR/NVFP4.h"
#include "fp4/Numerics/Attention.h"
#include "fp4/Numerics/Float16.h"
#include "fp4/Numerics/ScaledMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstring>

using namespace mlir;
using namespace mlir::nvfp4::arith_lowering;

namespace {

struct QuantizeCase {
  fp4::QuantizeOptions options;
  fp4::ElementType type;
  uint64_t rows, cols; // Of the input.
};

struct MatmulCase {
  uint64_t m, n, k;
  fp4::Format format;
  fp4::ScaleLayout layout;
  bool bf16Result;
};

struct AttentionCase {
  fp4::AttentionOptions options;
  fp4::AttentionShape shape;
  fp4::ElementType q, k, v;
};

std::vector<QuantizeCase> quantizeCases;
std::vector<MatmulCase> matmulCases;
std::vector<AttentionCase> attentionCases;

/// The C layout of an unranked memref and of the ranked descriptor it
/// points to (allocated, aligned, offset, sizes[rank], strides[rank]).
struct UnrankedMemRef {
  int64_t rank;
  void *descriptor;
};

/// The first element of a contiguous buffer.
template <typename T>
T *elements(UnrankedMemRef *memref) {
  auto *words = static_cast<int64_t *>(memref->descriptor);
  T *aligned = reinterpret_cast<T *>(words[1]);
  return aligned + words[2];
}

fp4::ElementType numericsType(Type type) {
  if (type.isBF16())
    return fp4::ElementType::BF16;
  if (type.isF16())
    return fp4::ElementType::F16;
  return fp4::ElementType::F32;
}

} // namespace

extern "C" void _mlir_ciface_fp4_library_quantize(int64_t id,
                                                  UnrankedMemRef *input,
                                                  UnrankedMemRef *data,
                                                  UnrankedMemRef *scales,
                                                  UnrankedMemRef *tensorScale) {
  const QuantizeCase &c = quantizeCases[id];
  uint64_t dataBytes = fp4::packedValuesBytes(c.options, c.rows, c.cols);
  uint64_t scaleBytes = fp4::scaleBytes(c.options, c.rows, c.cols);
  fp4::QuantizeResult result =
      fp4::quantize(elements<char>(input), c.type, c.rows, c.cols, c.options,
                    elements<uint8_t>(data), dataBytes,
                    elements<uint8_t>(scales), scaleBytes);
  *elements<float>(tensorScale) =
      result.ok ? fp4::decodeTensorScale(c.options, result.info) : NAN;
}

extern "C" void _mlir_ciface_fp4_library_scaled_matmul(
    int64_t id, UnrankedMemRef *lhs, UnrankedMemRef *lhsScales, float lhsG,
    UnrankedMemRef *rhs, UnrankedMemRef *rhsScales, float rhsG,
    UnrankedMemRef *out) {
  const MatmulCase &c = matmulCases[id];
  std::vector<float> result(c.m * c.n);
  fp4::scaledMatmulReference(
      {elements<uint8_t>(lhs), elements<uint8_t>(lhsScales), lhsG},
      {elements<uint8_t>(rhs), elements<uint8_t>(rhsScales), rhsG}, c.m, c.n,
      c.k, c.format, c.layout, result.data());
  if (!c.bf16Result) {
    std::memcpy(elements<float>(out), result.data(), result.size() * 4);
    return;
  }
  uint16_t *bf16 = elements<uint16_t>(out);
  for (size_t i = 0; i < result.size(); ++i)
    bf16[i] = fp4::floatToBF16(result[i]);
}

/// `count` elements of `type` widened to f32.
static std::vector<float> widened(const void *data, fp4::ElementType type,
                                  uint64_t count) {
  std::vector<float> out(count);
  for (uint64_t i = 0; i < count; ++i) {
    if (type == fp4::ElementType::F32) {
      out[i] = static_cast<const float *>(data)[i];
      continue;
    }
    uint16_t h = static_cast<const uint16_t *>(data)[i];
    out[i] = type == fp4::ElementType::BF16 ? fp4::bf16ToFloat(h)
                                            : fp4::f16ToFloat(h);
  }
  return out;
}

extern "C" void _mlir_ciface_fp4_library_attention(int64_t id,
                                                   UnrankedMemRef *q,
                                                   UnrankedMemRef *k,
                                                   UnrankedMemRef *v,
                                                   UnrankedMemRef *out) {
  const AttentionCase &c = attentionCases[id];
  const fp4::AttentionShape &s = c.shape;
  uint64_t heads = s.batch * s.heads;
  std::vector<float> qf = widened(elements<char>(q), c.q, heads * s.lq * s.d);
  std::vector<float> kf = widened(elements<char>(k), c.k, heads * s.lk * s.d);
  std::vector<float> vf = widened(elements<char>(v), c.v, heads * s.lk * s.dv);
  float *o = elements<float>(out);
  std::string error =
      fp4::attentionReference(qf.data(), kf.data(), vf.data(), s, c.options, o);
  if (!error.empty()) // The op's verifier accepted it: not expected.
    std::fill(o, o + heads * s.lq * s.dv, NAN);
}

namespace fp4tools {

std::vector<std::pair<std::string, void *>> libraryCallSymbols() {
  return {{"_mlir_ciface_fp4_library_quantize",
           reinterpret_cast<void *>(&_mlir_ciface_fp4_library_quantize)},
          {"_mlir_ciface_fp4_library_scaled_matmul",
           reinterpret_cast<void *>(&_mlir_ciface_fp4_library_scaled_matmul)},
          {"_mlir_ciface_fp4_library_attention",
           reinterpret_cast<void *>(&_mlir_ciface_fp4_library_attention)}};
}

/// `buffer` as an unranked memref.
static Value unranked(ImplicitLocOpBuilder &b, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  return memref::CastOp::create(
      b, UnrankedMemRefType::get(type.getElementType(), type.getMemorySpace()),
      buffer);
}

/// Declares `name` (C interface) in `module` once.
static void declare(ModuleOp module, StringRef name, TypeRange inputs) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto func = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType(inputs, {}));
  func.setPrivate();
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
}

static bool rewriteQuantize(ModuleOp module, nvfp4::QuantizeOp op) {
  fp4::QuantizeOptions options = nvfp4::getQuantizeOptions(op);
  if (op.getAmax() || options.rounding != fp4::Rounding::Nearest ||
      nvfp4::hasDynamicShapes(op)) {
    op.emitError("library calls take static shapes, no calibrated amax and "
                 "round-to-nearest only");
    return false;
  }
  auto inputType = op.getInput().getType();
  quantizeCases.push_back({options, numericsType(inputType.getElementType()),
                           static_cast<uint64_t>(inputType.getDimSize(0)),
                           static_cast<uint64_t>(inputType.getDimSize(1))});
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value id = arith::ConstantIntOp::create(b, quantizeCases.size() - 1, 64);
  Value input = readBuffer(b, op.getInput());
  Value data = allocBuffer(b, op.getData().getType());
  Value scales = allocBuffer(b, op.getScales().getType());
  Value tensorScale =
      allocBuffer(b, RankedTensorType::get({1}, b.getF32Type()));
  SmallVector<Value> args = {id, unranked(b, input), unranked(b, data),
                             unranked(b, scales), unranked(b, tensorScale)};
  declare(module, "fp4_library_quantize", ValueRange(args).getTypes());
  func::CallOp::create(b, "fp4_library_quantize", TypeRange{}, args);
  Value zero = arith::ConstantIndexOp::create(b, 0);
  op.getData().replaceAllUsesWith(
      bufferToTensor(b, data, op.getData().getType()));
  op.getScales().replaceAllUsesWith(
      bufferToTensor(b, scales, op.getScales().getType()));
  op.getTensorScale().replaceAllUsesWith(
      memref::LoadOp::create(b, tensorScale, ValueRange{zero}));
  op.erase();
  return true;
}

static bool rewriteScaledMatmul(ModuleOp module, nvfp4::ScaledMatmulOp op) {
  if (nvfp4::hasDynamicShapes(op)) {
    op.emitError("library calls take static shapes");
    return false;
  }
  auto resultType = op.getResult().getType();
  auto scalesType = op.getLhsScales().getType();
  nvfp4::Format format =
      *nvfp4::getFormatForScaleType(scalesType.getElementType());
  matmulCases.push_back(
      {static_cast<uint64_t>(resultType.getDimSize(0)),
       static_cast<uint64_t>(resultType.getDimSize(1)),
       static_cast<uint64_t>(op.getLhs().getType().getDimSize(1) * 2),
       nvfp4::toNumerics(format),
       scalesType.getRank() == 5 ? fp4::ScaleLayout::Tcgen05
                                 : fp4::ScaleLayout::RowMajor,
       resultType.getElementType().isBF16()});
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value id = arith::ConstantIntOp::create(b, matmulCases.size() - 1, 64);
  Value out = allocBuffer(b, resultType);
  SmallVector<Value> args = {id,
                             unranked(b, readBuffer(b, op.getLhs())),
                             unranked(b, readBuffer(b, op.getLhsScales())),
                             op.getLhsTensorScale(),
                             unranked(b, readBuffer(b, op.getRhs())),
                             unranked(b, readBuffer(b, op.getRhsScales())),
                             op.getRhsTensorScale(),
                             unranked(b, out)};
  declare(module, "fp4_library_scaled_matmul", ValueRange(args).getTypes());
  func::CallOp::create(b, "fp4_library_scaled_matmul", TypeRange{}, args);
  op.getResult().replaceAllUsesWith(bufferToTensor(b, out, resultType));
  op.erase();
  return true;
}

static bool rewriteAttention(ModuleOp module, nvfp4::AttentionOp op) {
  auto q = op.getQuery().getType(), k = op.getKey().getType(),
       v = op.getValue().getType();
  fp4::AttentionShape shape;
  shape.batch = q.getDimSize(0);
  shape.heads = q.getDimSize(1);
  shape.lq = q.getDimSize(2);
  shape.d = q.getDimSize(3);
  shape.lk = k.getDimSize(2);
  shape.dv = v.getDimSize(3);
  attentionCases.push_back(
      {nvfp4::getAttentionOptions(op), shape, numericsType(q.getElementType()),
       numericsType(k.getElementType()), numericsType(v.getElementType())});
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value id = arith::ConstantIntOp::create(b, attentionCases.size() - 1, 64);
  auto resultType = op.getResult().getType();
  Value out = allocBuffer(b, resultType);
  SmallVector<Value> args = {id, unranked(b, readBuffer(b, op.getQuery())),
                             unranked(b, readBuffer(b, op.getKey())),
                             unranked(b, readBuffer(b, op.getValue())),
                             unranked(b, out)};
  declare(module, "fp4_library_attention", ValueRange(args).getTypes());
  func::CallOp::create(b, "fp4_library_attention", TypeRange{}, args);
  op.getResult().replaceAllUsesWith(bufferToTensor(b, out, resultType));
  op.erase();
  return true;
}

int replaceWithLibraryCalls(ModuleOp module) {
  module.getContext()
      ->loadDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                    func::FuncDialect, memref::MemRefDialect>();
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<nvfp4::QuantizeOp, nvfp4::ScaledMatmulOp, nvfp4::AttentionOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    bool ok;
    if (auto quantize = dyn_cast<nvfp4::QuantizeOp>(op))
      ok = rewriteQuantize(module, quantize);
    else if (auto matmul = dyn_cast<nvfp4::ScaledMatmulOp>(op))
      ok = rewriteScaledMatmul(module, matmul);
    else
      ok = rewriteAttention(module, cast<nvfp4::AttentionOp>(op));
    if (!ok)
      return -1;
  }
  return static_cast<int>(ops.size());
}

} // namespace fp4tools
