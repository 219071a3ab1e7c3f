//===- fp4-gpu-model.cpp - A compiled model on the GPU vs the CPU ---------===//
//
// Part of fp4-mlir. Built on the GPU machine by scripts/gpu-run.sh, linked
// with one model compiled by nvfp4-lower-to-gpu{chip=sm_90a host=true}
// (its @forward has the C interface). Runs @forward on the input that
// fp4-model-check --gpu-bundle saved and compares the output with the same
// NVFP4 model's output on the CPU:
//
//   fp4-gpu-model DIR/NAME
//
// Quantization is bit-exact on both, so the outputs differ only where the
// tensor cores' fp32 summation order differs from the sequential one, and
// where such a difference flips a later rounding (the next quantize). Prints
// the maximum absolute difference, the maximum relative to the largest
// output, and the relative Frobenius difference; exits 1 on a non-finite
// output where the CPU's is finite, or a Frobenius difference above 1e-2.
//
//===----------------------------------------------------------------------===//

#include "MemRefDescriptor.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace fp4tools;

extern "C" void _mlir_ciface_forward(void *result, void *input);

static bool readFloats(const std::string &path, std::vector<float> &out,
                       size_t count) {
  std::ifstream in(path, std::ios::binary);
  out.resize(count);
  return in.read(reinterpret_cast<char *>(out.data()), count * 4) &&
         in.gcount() == std::streamsize(count * 4);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fp4-gpu-model DIR/NAME\n");
    return 2;
  }
  std::string base = argv[1];
  int64_t rows = 0, cols = 0, outElements = 0;
  std::ifstream shape(base + ".shape");
  std::vector<float> x, cpu;
  if (!(shape >> rows >> cols >> outElements) ||
      !readFloats(base + ".input.f32", x, rows * cols) ||
      !readFloats(base + ".cpu.f32", cpu, outElements)) {
    std::fprintf(stderr,
                 "fp4-gpu-model: cannot read %s.{shape,input.f32,"
                 "cpu.f32}\n",
                 base.c_str());
    return 2;
  }
  MemRefDescriptor<2> input = describe<2>(x.data(), {rows, cols});
  // The result's rank does not matter here: only its data pointer is read.
  struct {
    MemRefDescriptor<2> d;
    int64_t spare[8];
  } result{};
  _mlir_ciface_forward(&result, &input);
  const float *gpu =
      static_cast<const float *>(result.d.aligned) + result.d.offset;
  double maxAbs = 0, maxRef = 0, diffSq = 0, refSq = 0;
  size_t badNonFinite = 0;
  for (int64_t i = 0; i < outElements; ++i) {
    if (!std::isfinite(gpu[i]) && std::isfinite(cpu[i])) {
      ++badNonFinite;
      continue;
    }
    double d = double(gpu[i]) - cpu[i];
    maxAbs = std::fmax(maxAbs, std::fabs(d));
    maxRef = std::fmax(maxRef, std::fabs(double(cpu[i])));
    diffSq += d * d;
    refSq += double(cpu[i]) * cpu[i];
  }
  double frobenius = refSq > 0 ? std::sqrt(diffSq / refSq) : 0;
  std::printf("%s: GPU (sm_90a) vs CPU, %lld outputs: max |diff| %.4g, max "
              "|diff| / max |cpu| %.3g, relative Frobenius %.3g, %zu "
              "non-finite only on the GPU\n",
              base.c_str(), (long long)outElements, maxAbs,
              maxRef > 0 ? maxAbs / maxRef : 0.0, frobenius, badNonFinite);
  std::free(result.d.allocated);
  return badNonFinite == 0 && frobenius <= 1e-2 ? 0 : 1;
}
