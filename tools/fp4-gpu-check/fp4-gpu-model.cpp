//===- fp4-gpu-model.cpp - A compiled model on the GPU vs the CPU ---------===//
//
// Part of fp4-mlir. Built on the GPU machine by scripts/gpu-run.sh, linked
// with one model compiled by nvfp4-lower-to-gpu{chip=sm_90a host=true}
// (its @forward has the C interface) and the call shim that
// fp4-model-check --gpu-bundle generated for it (NAME.call.cpp:
// fp4_call_forward). Runs @forward on the inputs listed in NAME.sig
// (ModelIO.h) and compares every output with the same NVFP4 model's output
// on the CPU, saved there too:
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

#include "ModelIO.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace fp4tools;

extern "C" void fp4_call_forward(void **args);

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fp4-gpu-model DIR/NAME\n");
    return 2;
  }
  std::string base = argv[1], error;
  ModelIO cpu;
  if (!readSignature(base + ".sig", cpu, error)) {
    std::fprintf(stderr, "fp4-gpu-model: %s\n", error.c_str());
    return 2;
  }
  ModelIO gpu = cpu;
  callForward(gpu, [](std::vector<void *> &args) {
    fp4_call_forward(args.data());
    return true;
  });
  double maxAbs = 0, maxRef = 0, diffSq = 0, refSq = 0;
  size_t badNonFinite = 0, elements = 0;
  for (size_t t = 0; t < cpu.outputs.size(); ++t)
    for (int64_t i = 0; i < cpu.outputs[t].numElements(); ++i, ++elements) {
      double g = gpu.outputs[t].at(i), c = cpu.outputs[t].at(i);
      if (!std::isfinite(g) && std::isfinite(c)) {
        ++badNonFinite;
        continue;
      }
      double d = g - c;
      maxAbs = std::fmax(maxAbs, std::fabs(d));
      maxRef = std::fmax(maxRef, std::fabs(c));
      diffSq += d * d;
      refSq += c * c;
    }
  double frobenius = refSq > 0 ? std::sqrt(diffSq / refSq) : 0;
  std::printf("%s: GPU (sm_90a) vs CPU, %zu outputs: max |diff| %.4g, max "
              "|diff| / max |cpu| %.3g, relative Frobenius %.3g, %zu "
              "non-finite only on the GPU\n",
              base.c_str(), elements, maxAbs,
              maxRef > 0 ? maxAbs / maxRef : 0.0, frobenius, badNonFinite);
  // FP4_GPU_MODEL_REPEAT=N: then N more calls, timed (host code, copies
  // and kernels: the whole @forward), for bench/gpu-attention-sdpa.py.
  if (const char *repeat = std::getenv("FP4_GPU_MODEL_REPEAT")) {
    int n = std::atoi(repeat);
    ModelIO timed = cpu;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
      callForward(timed, [](std::vector<void *> &args) {
        fp4_call_forward(args.data());
        return true;
      });
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
    std::printf("%s: %.3f ms per call (%d calls)\n", base.c_str(),
                n > 0 ? ms / n : 0.0, n);
  }
  return badNonFinite == 0 && frobenius <= 1e-2 ? 0 : 1;
}
