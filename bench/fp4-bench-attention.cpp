//===- fp4-bench-attention.cpp - Accuracy of NVFP4 attention recipes ------===//
//
// Runs attentionReference on synthetic LLM-like Q, K, V (seeded) for
// SageAttention3's recipe, ScaleSearchAttention's and ablations, and prints
// CosSim, relative L1 and RMSE against attentionF64 for each configuration
// (D 64 and 128, L 1024 and 4096, causal or not), and the seconds each took
// on one thread, with a hash of the output bytes. Usage:
//   fp4-bench-attention [--quick] [--heads-1k N] [--heads-4k N]
//                       [--emit-gpu FILE.mlir | --gpu]
// (default 8 heads at L 1024, 4 at L 4096). --quick: L 128 and 256, one head
// (for tests). --emit-gpu writes every configuration as an nvfp4.attention
// function (@attn0, @attn1, ... in table order; f32 inputs) instead;
// scripts/gpu-bundle.sh compiles it for sm_90a and scripts/gpu-run.sh links
// this file with the object on the GPU machine, where --gpu runs the same
// table with each configuration's compiled function in place of
// attentionReference. Equal hashes mean equal bytes: the GPU's table is
// then the reference's, configuration by configuration. A recipe that
// nvfp4.attention cannot express (P unquantized) is left out of both.
//
// The data (per head, seeded): heavy-tailed N(0,1) * exp(0.5 N(0,1)) noise
// plus a per-(head, channel) offset (0.3 N(0,1) for Q, N(0,1) for K and V).
// Q has two channels with 10x and 20x noise and is scaled by 0.25 overall
// (scores of standard deviation about 1-2); K has two channels with offsets
// +20 and -50 and 2x noise (the outliers K smoothing removes).
//
//===----------------------------------------------------------------------===//

#include "KernelSource.h"
#include "MemRefDescriptor.h"

#include "fp4/Numerics/Attention.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <random>
#include <string>
#include <vector>

using namespace mlir::fp4;

namespace {

/// Deterministic N(0,1) (mt19937_64, Box-Muller in double).
struct Normal {
  std::mt19937_64 gen;
  explicit Normal(uint64_t seed) : gen(seed) {}
  double next() {
    double u1 = (double(gen() >> 11) + 1.0) * 0x1p-53;
    double u2 = double(gen() >> 11) * 0x1p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

struct Inputs {
  AttentionShape s;
  std::vector<float> q, k, v;
};

Inputs makeInputs(uint64_t seed, const AttentionShape &s) {
  Inputs in;
  in.s = s;
  Normal n(seed);
  // Heavy-tailed noise plus a per-(head, channel) offset; channel c1 gets
  // offset o1 and noise times f1, channel c2 likewise.
  auto fill = [&](std::vector<float> &x, uint64_t tokens, uint64_t d,
                  double offsetScale, uint64_t c1, double o1, double f1,
                  uint64_t c2, double o2, double f2, double overall) {
    x.resize(s.batch * s.heads * tokens * d);
    for (uint64_t h = 0; h < s.batch * s.heads; ++h) {
      std::vector<double> offset(d);
      for (uint64_t c = 0; c < d; ++c)
        offset[c] = c == c1 ? o1 : c == c2 ? o2 : offsetScale * n.next();
      for (uint64_t t = 0; t < tokens; ++t)
        for (uint64_t c = 0; c < d; ++c) {
          double f = c == c1 ? f1 : c == c2 ? f2 : 1.0;
          double val = f * n.next() * std::exp(0.5 * n.next()) + offset[c];
          x[(h * tokens + t) * d + c] = float(val * overall);
        }
    }
  };
  // Q: two channels with 10x and 20x noise; K: two channels with offsets 20
  // and 50 (what K smoothing removes) and 2x noise; V: plain.
  fill(in.q, s.lq, s.d, 0.3, 7, 0.0, 10.0, s.d / 2 + 3, 0.0, 20.0, 0.25);
  fill(in.k, s.lk, s.d, 1.0, 1, 20.0, 2.0, s.d / 2 + 9, -50.0, 2.0, 1.0);
  fill(in.v, s.lk, s.dv, 1.0, s.dv, 0.0, 1.0, s.dv, 0.0, 1.0, 1.0);
  return in;
}

OperandRule rule(const char *spec) {
  OperandRule r;
  parseOperandRule(spec, r);
  return r;
}

AttentionOptions sage3() {
  AttentionOptions o; // static_6 everywhere, K smoothing, two-level P.
  return o;
}

AttentionOptions allRules(const char *spec) {
  AttentionOptions o = sage3();
  o.q = o.k = o.v = o.p = rule(spec);
  return o;
}

struct Variant {
  const char *name;
  AttentionOptions options;
};

std::vector<Variant> variants() {
  std::vector<Variant> list;
  list.push_back({"sage3 (static_6, smoothK, 2-level P)", sage3()});
  list.push_back({"ssa search:6 on Q,K,V,P", allRules("search:6")});
  list.push_back({"ssa exact on Q,K,V,P", allRules("exact")});
  AttentionOptions o = allRules("exact");
  o.hadamard = true;
  o.sinkTokens = 16;
  o.recentTokens = 64;
  list.push_back({"ssa exact + hadamard + sink16/recent64", o});
  o = sage3();
  o.pMode = PMode::Direct;
  list.push_back({"sage3, direct P", o});
  o = sage3();
  o.smoothK = false;
  list.push_back({"sage3, no K smoothing", o});
  o = sage3();
  o.smoothQ = true;
  list.push_back({"sage3 + Q smoothing", o});
  o = sage3();
  o.format = Format::MXFP4;
  list.push_back({"sage3 in mxfp4", o});
  list.push_back({"four_over_six (mse) on Q,K,V,P", allRules("mse")});
  o = sage3();
  o.hadamard = true;
  list.push_back({"sage3 + hadamard", o});
  o = sage3();
  o.sinkTokens = 16;
  o.recentTokens = 64;
  list.push_back({"sage3 + sink16/recent64 bf16", o});
  o = sage3();
  o.qkvTensorScale = true;
  list.push_back({"sage3 + per-head tensor scale", o});
  o = sage3();
  o.p = rule("none");
  list.push_back({"sage3, P unquantized", o});
  return list;
}

/// FNV-1a over the bytes of `x`.
uint64_t hashBytes(const std::vector<float> &x) {
  uint64_t h = 0xcbf29ce484222325ull;
  const auto *bytes = reinterpret_cast<const unsigned char *>(x.data());
  for (size_t i = 0; i < x.size() * sizeof(float); ++i)
    h = (h ^ bytes[i]) * 0x100000001b3ull;
  return h;
}

/// Runs the compiled function `index` (--gpu): attn<index> of the linked
/// object, on f32 memrefs [1, H, L, D].
std::string runCompiled(int index, const Inputs &in, std::vector<float> &out) {
  std::string symbol = "_mlir_ciface_attn" + std::to_string(index);
  void *function = dlsym(RTLD_DEFAULT, symbol.c_str());
  if (!function)
    return "no " + symbol + " (is the object linked with -rdynamic?)";
  const AttentionShape &s = in.s;
  auto shape = [&](uint64_t rows, uint64_t cols) {
    return fp4tools::describe(nullptr, {int64_t(s.batch), int64_t(s.heads),
                                        int64_t(rows), int64_t(cols)});
  };
  auto qd = shape(s.lq, s.d), kd = shape(s.lk, s.d), vd = shape(s.lk, s.dv),
       od = shape(s.lq, s.dv);
  qd.allocated = qd.aligned = const_cast<float *>(in.q.data());
  kd.allocated = kd.aligned = const_cast<float *>(in.k.data());
  vd.allocated = vd.aligned = const_cast<float *>(in.v.data());
  od.allocated = od.aligned = out.data();
  using F = void (*)(void *, void *, void *, void *);
  reinterpret_cast<F>(function)(&qd, &kd, &vd, &od);
  return "";
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  bool quick = false, gpu = false;
  std::string emitPath;
  uint64_t heads1k = 8, heads4k = 4;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[a], "--gpu"))
      gpu = true;
    else if (!std::strcmp(argv[a], "--emit-gpu") && a + 1 < argc)
      emitPath = argv[++a];
    else if (!std::strcmp(argv[a], "--heads-1k") && a + 1 < argc)
      heads1k = std::strtoull(argv[++a], nullptr, 10);
    else if (!std::strcmp(argv[a], "--heads-4k") && a + 1 < argc)
      heads4k = std::strtoull(argv[++a], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: fp4-bench-attention [--quick] [--heads-1k "
                           "N] [--heads-4k N] [--emit-gpu FILE.mlir | "
                           "--gpu]\n");
      return 2;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<Variant> list = variants();
  std::string module;
  int index = 0; // Of the configurations nvfp4.attention can express.
  for (uint64_t d : {64, 128})
    for (uint64_t l : quick ? std::vector<uint64_t>{128, 256}
                            : std::vector<uint64_t>{1024, 4096})
      for (bool causal : {false, true}) {
        AttentionShape s;
        s.heads = quick ? 1 : l >= 4096 ? heads4k : heads1k;
        s.lq = s.lk = l;
        s.d = s.dv = d;
        if (!emitPath.empty()) {
          for (Variant &v : list) {
            AttentionOptions o = v.options;
            o.causal = causal;
            std::string error,
                attributes = fp4tools::attentionAttributes(o, error);
            if (!error.empty())
              continue;
            std::string fn =
                fp4tools::attentionKernel(s, attributes, ElementType::F32);
            fn.replace(fn.find("@attention("), 11,
                       "@attn" + std::to_string(index++) + "(");
            module += fn;
          }
          continue;
        }
        Inputs in = makeInputs(1000 * d + l, s);
        std::vector<double> ref(s.batch * s.heads * l * d);
        std::vector<float> out(ref.size());
        attentionF64(in.q.data(), in.k.data(), in.v.data(), s,
                     effectiveSoftmaxScale(sage3(), d), causal, ref.data());
        std::printf("\nD=%llu L=%llu %s, %llu head(s), %s vs attentionF64\n",
                    (unsigned long long)d, (unsigned long long)l,
                    causal ? "causal" : "non-causal",
                    (unsigned long long)s.heads,
                    gpu ? "compiled nvfp4.attention" : "attentionReference");
        std::printf("| %-40s | %9s | %7s | %7s | %6s | %16s |\n", "recipe",
                    "CosSim", "rel L1", "RMSE", "s", "output hash");
        std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(42, '-').c_str(),
                    std::string(11, '-').c_str(), std::string(9, '-').c_str(),
                    std::string(9, '-').c_str(), std::string(8, '-').c_str(),
                    std::string(18, '-').c_str());
        for (Variant &v : list) {
          AttentionOptions o = v.options;
          o.causal = causal;
          std::string error;
          fp4tools::attentionAttributes(o, error);
          bool expressible = error.empty();
          if (gpu && !expressible)
            continue;
          auto t0 = std::chrono::steady_clock::now();
          error = gpu ? runCompiled(index, in, out)
                      : attentionReference(in.q.data(), in.k.data(),
                                           in.v.data(), s, o, out.data());
          double t = seconds(t0);
          index += expressible;
          if (!error.empty()) {
            std::fprintf(stderr, "error: %s: %s\n", v.name, error.c_str());
            return 1;
          }
          AttentionError e =
              compareAttention(out.data(), ref.data(), out.size());
          std::printf("| %-40s | %8.4f%% | %7.4f | %7.4f | %6.2f | %016llx |\n",
                      v.name, 100 * e.cosSim, e.relL1, e.rmse, t,
                      (unsigned long long)hashBytes(out));
          std::fflush(stdout);
        }
      }
  if (!emitPath.empty()) {
    std::ofstream file(emitPath);
    file << module;
    return file ? 0 : 1;
  }
  std::printf("\ntotal %.1f s\n", seconds(start));
  return 0;
}
