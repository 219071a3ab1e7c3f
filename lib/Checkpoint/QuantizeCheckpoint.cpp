//===- QuantizeCheckpoint.cpp - Streaming safetensors -> NVFP4 ------------===//
//
// Part of fp4-mlir. See QuantizeCheckpoint.h.
//
//===----------------------------------------------------------------------===//

#include "fp4/Checkpoint/QuantizeCheckpoint.h"
#include "fp4/Numerics/ChunkedQuantize.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <unistd.h>

using namespace llvm;

namespace mlir::fp4::checkpoint {

static Error fail(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

namespace {
/// The output files, written as temporaries in the output directory:
/// commit() renames them all, otherwise they are removed (and the directory
/// too if this run created it), also on a fatal signal.
class OutputFiles {
public:
  explicit OutputFiles(std::string dir) : dir(std::move(dir)) {}
  ~OutputFiles() {
    for (auto &[temp, name] : files)
      consumeError(temp.discard());
    if (createdDir)
      sys::fs::remove(dir); // Only succeeds while empty.
  }

  Error createDirectory() {
    createdDir = !sys::fs::exists(dir);
    if (std::error_code ec = sys::fs::create_directories(dir))
      return fail(dir +
                  ": cannot create the output directory: " + ec.message());
    return Error::success();
  }

  /// A new temporary for `name`; returns its file descriptor.
  Expected<int> create(StringRef name) {
    SmallString<256> model(dir);
    sys::path::append(model, "." + name + ".tmp-%%%%%%");
    Expected<sys::fs::TempFile> temp = sys::fs::TempFile::create(model);
    if (!temp)
      return fail(dir + ": cannot create a temporary file: " +
                  toString(temp.takeError()));
    SmallString<256> final(dir);
    sys::path::append(final, name);
    files.emplace_back(std::move(*temp), std::string(final));
    return files.back().first.FD;
  }

  Error commit() {
    for (auto &[temp, name] : files)
      if (Error err = temp.keep(name))
        return fail(name + ": cannot rename the finished file into place: " +
                    toString(std::move(err)));
    files.clear();
    createdDir = false;
    return Error::success();
  }

private:
  std::string dir;
  bool createdDir = false;
  std::vector<std::pair<sys::fs::TempFile, std::string>> files;
};
} // namespace

/// Writes `size` bytes at `offset` of `fd`.
static Error writeAt(int fd, StringRef what, const void *data, uint64_t size,
                     uint64_t offset) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fail(what + ": cannot write: " + std::strerror(errno));
    p += n;
    size -= n;
    offset += n;
  }
  return Error::success();
}

static Error writeFile(int fd, StringRef what, const json::Value &value) {
  std::string text = formatv("{0:2}", value).str() + "\n";
  return writeAt(fd, what, text.data(), text.size(), 0);
}

/// Reads `dir`/config.json if there is one.
static Expected<std::optional<json::Object>> readConfig(StringRef dir) {
  SmallString<256> path(dir);
  sys::path::append(path, "config.json");
  if (!sys::fs::exists(path))
    return std::nullopt;
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer = MemoryBuffer::getFile(path);
  if (!buffer)
    return fail(path + ": cannot read: " + buffer.getError().message());
  Expected<json::Value> parsed = json::parse((*buffer)->getBuffer());
  if (!parsed)
    return fail(path + ": not valid JSON: " + toString(parsed.takeError()));
  if (!parsed->getAsObject())
    return fail(path + ": not a JSON object");
  return *parsed->getAsObject();
}

namespace {
/// Runs the conversion's parallel loops on a pool of worker threads, or
/// inline for one thread.
class Workers {
public:
  explicit Workers(unsigned threads) {
    if (threads > 1)
      pool = std::make_unique<StdThreadPool>(hardware_concurrency(threads));
  }
  void parallelFor(size_t count, const std::function<void(size_t)> &body) {
    if (!pool) {
      for (size_t i = 0; i < count; ++i)
        body(i);
      return;
    }
    ThreadPoolTaskGroup group(*pool);
    for (size_t i = 0; i < count; ++i)
      group.async([&body, i] { body(i); });
    group.wait();
  }

private:
  std::unique_ptr<StdThreadPool> pool;
};
} // namespace

/// Quantizes one planned weight held in `input` and writes its outputs;
/// `groupAmax` is the amax of its fused group (0 when none).
static Expected<TensorReport>
quantizeTensor(const TensorPlan &t, const char *input, float groupAmax, int fd,
               uint64_t dataStart, StringRef fileName, Workers &workers) {
  const uint64_t rows = t.rows, cols = t.cols;
  const size_t elementBytes = elementSize(t.type);
  const uint64_t chunks = (rows + kQuantizeChunkRows - 1) / kQuantizeChunkRows;
  auto chunkRows = [&](size_t i) {
    return std::min(kQuantizeChunkRows, rows - i * kQuantizeChunkRows);
  };
  auto chunkInput = [&](size_t i) {
    return input + i * kQuantizeChunkRows * cols * elementBytes;
  };

  // The whole tensor's amax first (a maximum, so the same for any split),
  // then every chunk quantizes against it.
  std::vector<float> chunkAmax(chunks);
  workers.parallelFor(chunks, [&](size_t i) {
    chunkAmax[i] = finiteAbsMax(chunkInput(i), t.type, chunkRows(i) * cols);
  });
  float amax =
      chunks ? *std::max_element(chunkAmax.begin(), chunkAmax.end()) : 0.0f;
  amax = std::max(amax, groupAmax);
  QuantizeOptions options = t.options;
  if (amax > 0.0f && std::isfinite(amax)) {
    options.hasCalibratedAmax = true;
    options.amax = amax;
  }
  std::vector<uint8_t> values(packedValuesBytes(options, rows, cols));
  std::vector<uint8_t> scales(scaleBytes(options, rows, cols));
  QuantizeResult result = quantizeInChunks(
      input, t.type, rows, cols, options, values.data(), values.size(),
      scales.data(), scales.size(),
      [&](size_t count, const std::function<void(size_t)> &body) {
        workers.parallelFor(count, body);
      });
  if (!result.ok)
    return fail(fileName + ": tensor '" + t.input.name + "': " + result.error);
  const float g = decodeTensorScale(options, result.info);

  // The relative Frobenius error of what a loader decodes,
  // (e2m1 * e4m3(weight_scale)) * weight_scale_2, per chunk in double and
  // summed in chunk order (the same for any thread count).
  std::vector<double> errorSums(chunks), normSums(chunks);
  workers.parallelFor(chunks, [&](size_t i) {
    uint64_t r0 = i * kQuantizeChunkRows, count = chunkRows(i);
    std::vector<float> decoded(count * cols), original(count * cols);
    dequantize(values.data() + r0 * cols / 2,
               scales.data() + r0 * cols / kGroupSize, count, cols,
               Format::NVFP4, ScaleLayout::RowMajor, g, decoded.data());
    widenToFloat(chunkInput(i), t.type, 0, 1, count * cols, original.data());
    double errorSum = 0.0, normSum = 0.0;
    for (uint64_t k = 0; k < count * cols; ++k) {
      double x = original[k], y = decoded[k];
      // Non-finite inputs and NaN blocks have no error; a finite value
      // decoded as +-Inf makes the error infinite.
      if (!std::isfinite(x) || std::isnan(y))
        continue;
      errorSum += (x - y) * (x - y);
      normSum += x * x;
    }
    errorSums[i] = errorSum;
    normSums[i] = normSum;
  });
  double errorSum = 0.0, normSum = 0.0;
  for (size_t i = 0; i < chunks; ++i) {
    errorSum += errorSums[i];
    normSum += normSums[i];
  }

  std::string what = (fileName + ": tensor '" + t.input.name + "'").str();
  char scalar[4];
  support::endian::write32le(scalar, floatToBits(g));
  if (Error err = writeAt(fd, what, values.data(), values.size(),
                          dataStart + t.weightOffset))
    return std::move(err);
  if (Error err = writeAt(fd, what, scales.data(), scales.size(),
                          dataStart + t.scaleOffset))
    return std::move(err);
  if (Error err = writeAt(fd, what, scalar, 4, dataStart + t.scale2Offset))
    return std::move(err);
  if (t.hasInputScale) {
    support::endian::write32le(scalar, floatToBits(t.inputScale));
    if (Error err =
            writeAt(fd, what, scalar, 4, dataStart + t.inputScaleOffset))
      return std::move(err);
  }

  TensorReport report;
  report.name = t.input.name;
  report.rows = rows;
  report.cols = cols;
  report.dtype = t.input.dtype;
  report.rule = t.ruleSpec;
  report.amax = result.info.amax;
  report.weightScale2 = g;
  report.relativeError = normSum == 0.0 ? 0.0 : std::sqrt(errorSum / normSum);
  report.nanBlocks = result.info.nanBlocks;
  report.hasInputScale = t.hasInputScale;
  report.inputScale = t.inputScale;
  return report;
}

Expected<ConvertResult> convertCheckpoint(const ConvertOptions &options) {
  // Everything that can be checked from the headers is checked before any
  // output exists.
  Expected<SafetensorsHeader> header = readSafetensorsHeader(options.input);
  if (!header)
    return header.takeError();
  Expected<CheckpointPlan> plan =
      planCheckpoint(options.input, *header, options.plan);
  if (!plan)
    return plan.takeError();
  Expected<std::optional<json::Object>> config =
      readConfig(sys::path::parent_path(options.input));
  if (!config)
    return config.takeError();

  SmallString<256> modelPath(options.outputDir);
  sys::path::append(modelPath, "model.safetensors");
  if (sys::fs::equivalent(modelPath, options.input))
    return fail(options.input + ": the output would overwrite the input; "
                                "choose another output directory");

  Expected<sys::fs::file_t> input =
      sys::fs::openNativeFileForRead(options.input);
  if (!input)
    return fail(options.input +
                ": cannot open: " + toString(input.takeError()));
  auto closeInput = make_scope_exit([&] { sys::fs::closeFile(*input); });

  OutputFiles files(options.outputDir);
  if (Error err = files.createDirectory())
    return std::move(err);
  Expected<int> model = files.create("model.safetensors");
  if (!model)
    return model.takeError();
  if (Error err = writeAt(*model, modelPath, plan->header.data(),
                          plan->header.size(), 0))
    return std::move(err);

  ConvertResult result;
  result.excludeModules = plan->excludeModules;
  result.outputBytes = plan->outputBytes;
  uint64_t totalBytes = 0, doneBytes = 0;
  for (const TensorPlan &t : plan->tensors)
    totalBytes += t.input.bytes();
  result.inputBytes = header->dataStart + totalBytes;

  Workers workers(std::max(1u, options.threads));
  // The amax of each fused group first (a maximum, so exact in any order),
  // read in bounded pieces like the copies below.
  constexpr uint64_t kPiece = 64ull << 20;
  std::map<std::string, float> groupAmax;
  for (const TensorPlan &t : plan->tensors) {
    if (!t.quantize || t.fusedGroup.empty())
      continue;
    const uint64_t elementBytes = elementSize(t.type);
    const uint64_t pieceBytes = kPiece / elementBytes * elementBytes;
    std::unique_ptr<char[]> piece(
        new char[std::min(pieceBytes, t.input.bytes())]);
    float &amax = groupAmax[t.fusedGroup];
    for (uint64_t done = 0; done < t.input.bytes(); done += pieceBytes) {
      uint64_t n = std::min(pieceBytes, t.input.bytes() - done);
      if (Error err = readExactly(*input, piece.get(), n,
                                  header->dataStart + t.input.begin + done))
        return fail(options.input + ": tensor '" + t.input.name +
                    "': cannot read: " + toString(std::move(err)));
      amax =
          std::max(amax, finiteAbsMax(piece.get(), t.type, n / elementBytes));
    }
  }
  const uint64_t outStart = plan->header.size();
  const size_t tensors = plan->tensors.size();
  // Copies move through a bounded buffer, so a large embedding never sits in
  // memory whole.
  constexpr uint64_t kCopyPiece = kPiece;
  for (size_t i = 0; i < tensors; ++i) {
    const TensorPlan &t = plan->tensors[i];
    auto progress = [&](uint64_t done) {
      if (options.progress)
        options.progress(done, totalBytes, i, tensors, t.input.name);
    };
    progress(doneBytes);
    uint64_t inputOffset = header->dataStart + t.input.begin;
    std::string what = options.input + ": tensor '" + t.input.name + "'";
    if (!t.quantize) {
      std::unique_ptr<char[]> piece(new char[std::min(
          kCopyPiece, std::max<uint64_t>(t.input.bytes(), 1))]);
      for (uint64_t done = 0; done < t.input.bytes(); done += kCopyPiece) {
        uint64_t n = std::min(kCopyPiece, t.input.bytes() - done);
        if (Error err = readExactly(*input, piece.get(), n, inputOffset + done))
          return fail(what + ": cannot read: " + toString(std::move(err)));
        if (Error err = writeAt(*model, modelPath, piece.get(), n,
                                outStart + t.weightOffset + done))
          return std::move(err);
        progress(doneBytes + done + n);
      }
      ++result.copied;
    } else {
      std::unique_ptr<char[]> data(new char[t.input.bytes()]);
      if (Error err =
              readExactly(*input, data.get(), t.input.bytes(), inputOffset))
        return fail(what + ": cannot read: " + toString(std::move(err)));
      Expected<TensorReport> report = quantizeTensor(
          t, data.get(), t.fusedGroup.empty() ? 0.0f : groupAmax[t.fusedGroup],
          *model, outStart, options.input, workers);
      if (!report)
        return report.takeError();
      result.quantized.push_back(std::move(*report));
    }
    doneBytes += t.input.bytes();
  }
  if (options.progress)
    options.progress(totalBytes, totalBytes, tensors, tensors, "");

  Expected<int> quantConfig = files.create("hf_quant_config.json");
  if (!quantConfig)
    return quantConfig.takeError();
  if (Error err = writeFile(*quantConfig, "hf_quant_config.json",
                            hfQuantConfig(plan->excludeModules)))
    return std::move(err);
  if (*config) {
    json::Object updated = std::move(**config);
    updated["quantization_config"] =
        configQuantizationConfig(plan->excludeModules);
    Expected<int> configFile = files.create("config.json");
    if (!configFile)
      return configFile.takeError();
    if (Error err = writeFile(*configFile, "config.json",
                              json::Value(std::move(updated))))
      return std::move(err);
    result.wroteConfig = true;
  }
  if (Error err = files.commit())
    return std::move(err);
  return result;
}

} // namespace mlir::fp4::checkpoint
