//===- KernelSource.cpp - nvfp4 test kernels as MLIR text -----------------===//

#include "KernelSource.h"

#include <cstdio>
#include <sstream>
#include <vector>

using namespace mlir::fp4;

namespace fp4tools {

static const char *elementName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::BF16:
    return "bf16";
  case ElementType::F16:
    return "f16";
  }
  return "f32";
}

static const char *scaleElement(Format format) {
  return format == Format::NVFP4 ? "f8E4M3FN" : "f8E8M0FNU";
}

static std::string dataShape(uint64_t rows, uint64_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols / 2) + "xi8";
}

static std::string scaleShape(uint64_t rows, uint64_t cols, Format format,
                              ScaleLayout layout) {
  uint64_t blockCols = cols / blockSize(format);
  std::string shape =
      layout == ScaleLayout::RowMajor
          ? std::to_string(rows) + "x" + std::to_string(blockCols)
          : std::to_string(rows / 128) + "x" + std::to_string(blockCols / 4) +
                "x32x4x4";
  return shape + "x" + scaleElement(format);
}

static std::string matrixShape(uint64_t rows, uint64_t cols, ElementType type) {
  return std::to_string(rows) + "x" + std::to_string(cols) + "x" +
         elementName(type);
}

std::string ruleAttribute(const QuantizeOptions &o) {
  std::ostringstream os;
  switch (o.rule) {
  case ScaleRule::Static6:
    os << "#nvfp4.scale_rule<static_6>";
    break;
  case ScaleRule::Static4:
    os << "#nvfp4.scale_rule<static_4>";
    break;
  case ScaleRule::FourOverSix:
    os << "#nvfp4.scale_rule<four_over_six, metric = "
       << (o.metric == ErrorMetric::MSE   ? "mse"
           : o.metric == ErrorMetric::MAE ? "mae"
                                          : "abs_max")
       << ">";
    break;
  case ScaleRule::ScaleSearch:
    os << "#nvfp4.scale_rule<scale_search, radius = " << o.searchRadius << ">";
    break;
  case ScaleRule::Exact:
    os << "#nvfp4.scale_rule<exact>";
    break;
  }
  return os.str();
}

std::string quantizeAttributes(const QuantizeOptions &o) {
  std::ostringstream os;
  os << "format = #nvfp4.format<"
     << (o.format == Format::NVFP4 ? "nvfp4" : "mxfp4")
     << ">, rule = " << ruleAttribute(o);
  if (o.rounding == Rounding::Stochastic)
    os << ", rounding = #nvfp4.rounding<stochastic, seed = " << o.seed << ">";
  if (o.block2D)
    os << ", block_shape = #nvfp4.block_shape<tile_16x16>";
  if (o.scaleLayout == ScaleLayout::Tcgen05)
    os << ", scale_layout = #nvfp4.scale_layout<tcgen05>";
  if (o.transpose)
    os << ", transpose";
  return os.str();
}

std::string quantizeKernel(const QuantizeOptions &o, uint64_t rows,
                           uint64_t cols, ElementType type) {
  uint64_t outRows = o.transpose ? cols : rows;
  uint64_t outCols = o.transpose ? rows : cols;
  std::string in = matrixShape(rows, cols, type);
  std::string data = dataShape(outRows, outCols);
  std::string scales = scaleShape(outRows, outCols, o.format, o.scaleLayout);
  std::ostringstream os;
  os << "func.func @quantize(%x: memref<" << in << ">, %q: memref<" << data
     << ">, %s: memref<" << scales
     << ">, %g: memref<1xf32>) attributes {llvm.emit_c_interface} {\n"
     << "  %xt = bufferization.to_tensor %x restrict : memref<" << in
     << "> to tensor<" << in << ">\n";
  std::string amax;
  if (o.hasCalibratedAmax) {
    char hex[64];
    std::snprintf(hex, sizeof(hex), "0x%08X", [&] {
      uint32_t bits;
      static_assert(sizeof(bits) == sizeof(o.amax));
      __builtin_memcpy(&bits, &o.amax, sizeof(bits));
      return bits;
    }());
    os << "  %m = arith.constant " << hex << " : f32\n";
    amax = " amax(%m)";
  }
  os << "  %qt, %st, %gv = nvfp4.quantize %xt" << amax << " {"
     << quantizeAttributes(o) << "} : tensor<" << in << "> -> tensor<" << data
     << ">, tensor<" << scales << ">\n"
     << "  bufferization.materialize_in_destination %qt in restrict writable "
        "%q : (tensor<"
     << data << ">, memref<" << data << ">) -> ()\n"
     << "  bufferization.materialize_in_destination %st in restrict writable "
        "%s : (tensor<"
     << scales << ">, memref<" << scales << ">) -> ()\n"
     << "  %c0 = arith.constant 0 : index\n"
     << "  memref.store %gv, %g[%c0] : memref<1xf32>\n"
     << "  return\n}\n";
  return os.str();
}

std::string dequantizeKernel(uint64_t rows, uint64_t cols, Format format,
                             ScaleLayout layout, ElementType type) {
  std::string data = dataShape(rows, cols);
  std::string scales = scaleShape(rows, cols, format, layout);
  std::string out = matrixShape(rows, cols, type);
  std::ostringstream os;
  os << "func.func @dequantize(%q: memref<" << data << ">, %s: memref<"
     << scales << ">, %g: memref<1xf32>, %out: memref<" << out
     << ">) attributes {llvm.emit_c_interface} {\n"
     << "  %qt = bufferization.to_tensor %q restrict : memref<" << data
     << "> to tensor<" << data << ">\n"
     << "  %st = bufferization.to_tensor %s restrict : memref<" << scales
     << "> to tensor<" << scales << ">\n"
     << "  %c0 = arith.constant 0 : index\n"
     << "  %gv = memref.load %g[%c0] : memref<1xf32>\n"
     << "  %r = nvfp4.dequantize %qt, %st, %gv : tensor<" << data
     << ">, tensor<" << scales << "> -> tensor<" << out << ">\n"
     << "  bufferization.materialize_in_destination %r in restrict writable "
        "%out : (tensor<"
     << out << ">, memref<" << out << ">) -> ()\n"
     << "  return\n}\n";
  return os.str();
}

std::string matmulKernel(uint64_t m, uint64_t n, uint64_t k, Format format,
                         ScaleLayout layout, ElementType type) {
  std::string a = dataShape(m, k), sa = scaleShape(m, k, format, layout);
  std::string b = dataShape(n, k), sb = scaleShape(n, k, format, layout);
  std::string out = matrixShape(m, n, type);
  std::ostringstream os;
  auto toTensor = [&](const char *name, const std::string &shape) {
    os << "  %" << name << "t = bufferization.to_tensor %" << name
       << " restrict : memref<" << shape << "> to tensor<" << shape << ">\n";
  };
  os << "func.func @matmul(%a: memref<" << a << ">, %sa: memref<" << sa
     << ">, %ga: memref<1xf32>, %b: memref<" << b << ">, %sb: memref<" << sb
     << ">, %gb: memref<1xf32>, %out: memref<" << out
     << ">) attributes {llvm.emit_c_interface} {\n";
  toTensor("a", a);
  toTensor("sa", sa);
  toTensor("b", b);
  toTensor("sb", sb);
  os << "  %c0 = arith.constant 0 : index\n"
     << "  %gav = memref.load %ga[%c0] : memref<1xf32>\n"
     << "  %gbv = memref.load %gb[%c0] : memref<1xf32>\n"
     << "  %r = nvfp4.scaled_matmul %at[%sat, %gav], %bt[%sbt, %gbv] : tensor<"
     << a << ">, tensor<" << sa << ">, tensor<" << b << ">, tensor<" << sb
     << "> -> tensor<" << out << ">\n"
     << "  bufferization.materialize_in_destination %r in restrict writable "
        "%out : (tensor<"
     << out << ">, memref<" << out << ">) -> ()\n"
     << "  return\n}\n";
  return os.str();
}

std::string attentionAttributes(const AttentionOptions &o, std::string &error) {
  std::vector<std::string> attrs;
  if (o.format == Format::MXFP4)
    attrs.push_back("format = #nvfp4.format<mxfp4>");
  const std::pair<const char *, const OperandRule *> rules[] = {
      {"q_rule", &o.q}, {"k_rule", &o.k}, {"v_rule", &o.v}, {"p_rule", &o.p}};
  for (auto [name, rule] : rules) {
    if (!rule->quantized) {
      error = std::string("nvfp4.attention quantizes every operand; ") + name +
              " = none has no attribute";
      return "";
    }
    QuantizeOptions q;
    q.rule = rule->rule;
    q.metric = rule->metric;
    q.searchRadius = rule->searchRadius;
    if (q.rule != ScaleRule::Static6) // The op's default.
      attrs.push_back(std::string(name) + " = " + ruleAttribute(q));
  }
  if (o.softmaxScale != 0.0f) {
    char scale[32]; // %.9g round-trips a float.
    std::snprintf(scale, sizeof(scale), "%.9g", o.softmaxScale);
    attrs.push_back(std::string("softmax_scale = ") + scale + " : f32");
  }
  if (o.causal)
    attrs.push_back("causal");
  if (o.keyTile != 128)
    attrs.push_back("key_tile = " + std::to_string(o.keyTile));
  if (!o.smoothK)
    attrs.push_back("k_smoothing = false");
  if (o.smoothQ)
    attrs.push_back("q_smoothing");
  if (o.pMode == PMode::Direct)
    attrs.push_back("p_mode = #nvfp4.p_mode<direct>");
  if (o.hadamard)
    attrs.push_back("rotate");
  if (o.sinkTokens)
    attrs.push_back("sink_tokens = " + std::to_string(o.sinkTokens));
  if (o.recentTokens)
    attrs.push_back("recent_tokens = " + std::to_string(o.recentTokens));
  if (o.qkvTensorScale)
    attrs.push_back("qkv_tensor_scale");
  std::string text;
  for (const std::string &a : attrs)
    text += (text.empty() ? "" : ", ") + a;
  return text;
}

std::string attentionKernel(const AttentionShape &shape,
                            const std::string &attributes, ElementType type) {
  auto dims = [&](uint64_t rows, uint64_t cols, const char *element) {
    return std::to_string(shape.batch) + "x" + std::to_string(shape.heads) +
           "x" + std::to_string(rows) + "x" + std::to_string(cols) + "x" +
           element;
  };
  const char *t = elementName(type);
  std::string q = dims(shape.lq, shape.d, t), k = dims(shape.lk, shape.d, t),
              v = dims(shape.lk, shape.dv, t),
              out = dims(shape.lq, shape.dv, "f32");
  std::ostringstream os;
  os << "func.func @attention(%q: memref<" << q << ">, %k: memref<" << k
     << ">, %v: memref<" << v << ">, %out: memref<" << out
     << ">) attributes {llvm.emit_c_interface} {\n";
  for (auto [name, ty] :
       {std::pair<const char *, std::string>{"q", q}, {"k", k}, {"v", v}})
    os << "  %" << name << "t = bufferization.to_tensor %" << name
       << " restrict : memref<" << ty << "> to tensor<" << ty << ">\n";
  os << "  %r = nvfp4.attention %qt, %kt, %vt {" << attributes << "} : tensor<"
     << q << ">, tensor<" << k << ">, tensor<" << v << "> -> tensor<" << out
     << ">\n"
     << "  bufferization.materialize_in_destination %r in restrict writable "
        "%out : (tensor<"
     << out << ">, memref<" << out << ">) -> ()\n"
     << "  return\n}\n";
  return os.str();
}

} // namespace fp4tools
