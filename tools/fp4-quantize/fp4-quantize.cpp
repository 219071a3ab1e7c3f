//===- fp4-quantize.cpp - Quantize a raw tensor to NVFP4 / MXFP4 ----------===//
//
// Reads a raw little-endian rows x cols tensor and writes the packed E2M1
// values and the scale bytes in the golden-data format (see
// docs/numerics.md). Everything is validated before any output is created,
// and outputs are written to temporary files that are renamed at the end, so
// a failure never leaves a partial output file.
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/BlockQuantize.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace mlir::fp4;

namespace {

const char *const kUsage =
    "usage: fp4-quantize --input FILE --dtype bf16|f16|f32 --shape MxK\n"
    "                    --format nvfp4|mxfp4\n"
    "                    --rule "
    "static_6|static_4|mse|mae|abs_max|search:R|exact\n"
    "                    [--block-2d] [--amax X] [--transpose]\n"
    "                    [--scale-layout row-major|tcgen05]\n"
    "                    [--rounding nearest|stochastic] [--seed N]\n"
    "                    --out-values FILE --out-scales FILE\n"
    "                    [--out-dequantized FILE]\n"
    "\n"
    "Quantizes a raw little-endian row-major M x K tensor. Writes the packed\n"
    "E2M1 codes (two per byte, even element in the low nibble) and one scale\n"
    "byte per block (E4M3 for nvfp4, UE8M0 for mxfp4). Blocks run along K\n"
    "(along M with --transpose). mse, mae and abs_max are Four Over Six with\n"
    "that error metric. --amax X (nvfp4; decimal or hex float) replaces the\n"
    "tensor amax. Prints the tensor amax, the dequantization divisor and the\n"
    "decode tensor scale g. --out-dequantized writes the library's\n"
    "dequantized values (e2m1 * scale) * g as raw little-endian f32.\n";

int fail(const std::string &message) {
  std::fprintf(stderr, "fp4-quantize: error: %s\n", message.c_str());
  return 1;
}

bool parseUnsigned(const std::string &text, uint64_t &value) {
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  value = std::strtoull(text.c_str(), nullptr, 10);
  return true;
}

bool parseShape(const std::string &text, uint64_t &rows, uint64_t &cols) {
  size_t x = text.find('x');
  return x != std::string::npos && parseUnsigned(text.substr(0, x), rows) &&
         parseUnsigned(text.substr(x + 1), cols) && rows > 0 && cols > 0;
}

bool writeAtomically(const std::string &path, const std::vector<uint8_t> &data,
                     std::string &tmpPath) {
  tmpPath = path + ".tmp-fp4-quantize";
  FILE *f = std::fopen(tmpPath.c_str(), "wb");
  if (!f)
    return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = (std::fclose(f) == 0) && ok;
  return ok;
}

struct Args {
  std::string input, dtype, shape, format, rule, outValues, outScales,
      outDequantized;
  std::string scaleLayout = "row-major", rounding = "nearest", amax, seed;
  bool block2D = false, transpose = false;
};

/// Parses argv; returns "" or an error. Sets `help` for --help.
std::string parseArgs(int argc, char **argv, Args &a, bool &help) {
  help = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      help = true;
      return "";
    }
    if (flag == "--block-2d") {
      a.block2D = true;
      continue;
    }
    if (flag == "--transpose") {
      a.transpose = true;
      continue;
    }
    std::string *slot = flag == "--input"             ? &a.input
                        : flag == "--dtype"           ? &a.dtype
                        : flag == "--shape"           ? &a.shape
                        : flag == "--format"          ? &a.format
                        : flag == "--rule"            ? &a.rule
                        : flag == "--amax"            ? &a.amax
                        : flag == "--out-values"      ? &a.outValues
                        : flag == "--out-scales"      ? &a.outScales
                        : flag == "--scale-layout"    ? &a.scaleLayout
                        : flag == "--rounding"        ? &a.rounding
                        : flag == "--seed"            ? &a.seed
                        : flag == "--out-dequantized" ? &a.outDequantized
                                                      : nullptr;
    if (!slot)
      return "unknown argument '" + flag + "' (see --help)";
    if (i + 1 >= argc)
      return "missing value after " + flag;
    *slot = argv[++i];
  }
  const std::pair<const char *, const std::string *> required[] = {
      {"--input", &a.input},         {"--dtype", &a.dtype},
      {"--shape", &a.shape},         {"--format", &a.format},
      {"--rule", &a.rule},           {"--out-values", &a.outValues},
      {"--out-scales", &a.outScales}};
  for (const auto &r : required)
    if (r.second->empty())
      return std::string("missing required argument ") + r.first +
             " (see --help)";
  return "";
}

/// Translates parsed arguments into options; returns "" or an error.
std::string buildOptions(const Args &a, ElementType &type, uint64_t &rows,
                         uint64_t &cols, QuantizeOptions &o) {
  if (a.dtype == "bf16")
    type = ElementType::BF16;
  else if (a.dtype == "f16")
    type = ElementType::F16;
  else if (a.dtype == "f32")
    type = ElementType::F32;
  else
    return "unknown --dtype '" + a.dtype + "' (expected bf16, f16 or f32)";
  if (!parseShape(a.shape, rows, cols))
    return "bad --shape '" + a.shape + "' (expected MxK, e.g. 256x2048)";
  if (a.format == "nvfp4")
    o.format = Format::NVFP4;
  else if (a.format == "mxfp4")
    o.format = Format::MXFP4;
  else
    return "unknown --format '" + a.format + "' (expected nvfp4 or mxfp4)";
  std::string err = parseRuleSpec(a.rule, o);
  if (!err.empty())
    return err;
  o.block2D = a.block2D;
  o.transpose = a.transpose;
  if (a.scaleLayout == "tcgen05")
    o.scaleLayout = ScaleLayout::Tcgen05;
  else if (a.scaleLayout != "row-major")
    return "unknown --scale-layout '" + a.scaleLayout +
           "' (expected row-major or tcgen05)";
  if (a.rounding == "stochastic")
    o.rounding = Rounding::Stochastic;
  else if (a.rounding != "nearest")
    return "unknown --rounding '" + a.rounding +
           "' (expected nearest or stochastic)";
  if (!a.seed.empty() && !parseUnsigned(a.seed, o.seed))
    return "bad --seed '" + a.seed + "' (expected a non-negative integer)";
  if (!a.amax.empty()) {
    char *end = nullptr;
    errno = 0;
    o.amax = std::strtof(a.amax.c_str(), &end);
    if (end == a.amax.c_str() || *end != '\0' || errno == ERANGE)
      return "bad --amax '" + a.amax + "' (expected a number)";
    o.hasCalibratedAmax = true;
  }
  return validateQuantizeOptions(o, rows, cols);
}

bool readInput(const std::string &path, uint64_t expectedBytes,
               std::vector<uint8_t> &data, std::string &error) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f) {
    error = "cannot open input '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  if (size < 0 || static_cast<uint64_t>(size) != expectedBytes) {
    std::fclose(f);
    error = "input '" + path + "' has " + std::to_string(size) +
            " bytes, but the shape and dtype need " +
            std::to_string(expectedBytes);
    return false;
  }
  data.resize(expectedBytes);
  bool ok = std::fread(data.data(), 1, data.size(), f) == data.size();
  std::fclose(f);
  if (!ok)
    error = "cannot read input '" + path + "'";
  return ok;
}

} // namespace

int main(int argc, char **argv) {
  Args args;
  bool help;
  std::string err = parseArgs(argc, argv, args, help);
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!err.empty())
    return fail(err);
  ElementType type;
  uint64_t rows = 0, cols = 0;
  QuantizeOptions options;
  err = buildOptions(args, type, rows, cols, options);
  if (!err.empty())
    return fail(err);

  std::vector<uint8_t> input;
  if (!readInput(args.input, rows * cols * elementSize(type), input, err))
    return fail(err);
  std::vector<uint8_t> values(packedValuesBytes(options, rows, cols));
  std::vector<uint8_t> scales(scaleBytes(options, rows, cols));
  QuantizeResult result =
      quantize(input.data(), type, rows, cols, options, values.data(),
               values.size(), scales.data(), scales.size());
  if (!result.ok)
    return fail(result.error);

  const QuantizeInfo &info = result.info;
  const float decodeScale = decodeTensorScale(options, info);
  std::vector<uint8_t> dequantized;
  if (!args.outDequantized.empty()) {
    std::vector<float> out(info.outRows * info.outCols);
    err = dequantize(values.data(), scales.data(), info.outRows, info.outCols,
                     options.format, options.scaleLayout, decodeScale,
                     out.data());
    if (!err.empty())
      return fail(err);
    dequantized.resize(out.size() * sizeof(float));
    std::memcpy(dequantized.data(), out.data(), dequantized.size());
  }

  std::string tmpValues, tmpScales, tmpDequantized;
  bool ok =
      writeAtomically(args.outValues, values, tmpValues) &&
      writeAtomically(args.outScales, scales, tmpScales) &&
      (args.outDequantized.empty() ||
       writeAtomically(args.outDequantized, dequantized, tmpDequantized)) &&
      std::rename(tmpValues.c_str(), args.outValues.c_str()) == 0 &&
      std::rename(tmpScales.c_str(), args.outScales.c_str()) == 0 &&
      (args.outDequantized.empty() ||
       std::rename(tmpDequantized.c_str(), args.outDequantized.c_str()) == 0);
  if (!ok) {
    std::remove(tmpValues.c_str());
    std::remove(tmpScales.c_str());
    if (!tmpDequantized.empty())
      std::remove(tmpDequantized.c_str());
    return fail("cannot write '" + args.outValues + "' / '" + args.outScales +
                "': " + std::strerror(errno));
  }
  std::printf("fp4-quantize: %llux%llu %s -> %s %s%s: %llu blocks, %llu NaN "
              "blocks\n",
              (unsigned long long)info.outRows,
              (unsigned long long)info.outCols, args.dtype.c_str(),
              args.format.c_str(), args.rule.c_str(),
              options.block2D ? " 2d" : "", (unsigned long long)info.numBlocks,
              (unsigned long long)info.nanBlocks);
  std::printf("amax: %a (%.9g)\n", info.amax, info.amax);
  std::printf("divisor: %.9g\n", info.divisor);
  std::printf("decode scale: %a\n", decodeScale);
  return 0;
}
