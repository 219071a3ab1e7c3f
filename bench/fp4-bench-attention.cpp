//===- fp4-bench-attention.cpp - Accuracy of NVFP4 attention recipes ------===//
//
// Runs attentionReference on synthetic LLM-like Q, K, V (seeded) for
// SageAttention3's recipe, ScaleSearchAttention's and ablations, and prints
// CosSim, relative L1 and RMSE against attentionF64 for each configuration
// (D 64 and 128, L 1024 and 4096, causal or not), and the seconds each took
// on one thread. Usage: fp4-bench-attention [--quick] [--heads-1k N]
// [--heads-4k N] (default 8 heads at L 1024, 4 at L 4096). --quick: L 128
// and 256, one head (for tests).
//
// The data (per head, seeded): heavy-tailed N(0,1) * exp(0.5 N(0,1)) noise
// plus a per-(head, channel) offset (0.3 N(0,1) for Q, N(0,1) for K and V).
// Q has two channels with 10x and 20x noise and is scaled by 0.25 overall
// (scores of standard deviation about 1-2); K has two channels with offsets
// +20 and -50 and 2x noise (the outliers K smoothing removes).
//
//===----------------------------------------------------------------------===//

#include "fp4/Numerics/Attention.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  bool quick = false;
  uint64_t heads1k = 8, heads4k = 4;
  for (int a = 1; a < argc; ++a) {
    if (!std::strcmp(argv[a], "--quick"))
      quick = true;
    else if (!std::strcmp(argv[a], "--heads-1k") && a + 1 < argc)
      heads1k = std::strtoull(argv[++a], nullptr, 10);
    else if (!std::strcmp(argv[a], "--heads-4k") && a + 1 < argc)
      heads4k = std::strtoull(argv[++a], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: fp4-bench-attention [--quick] [--heads-1k "
                           "N] [--heads-4k N]\n");
      return 2;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<Variant> list = variants();
  for (uint64_t d : {64, 128})
    for (uint64_t l : quick ? std::vector<uint64_t>{128, 256}
                            : std::vector<uint64_t>{1024, 4096})
      for (bool causal : {false, true}) {
        AttentionShape s;
        s.heads = quick ? 1 : l >= 4096 ? heads4k : heads1k;
        s.lq = s.lk = l;
        s.d = s.dv = d;
        Inputs in = makeInputs(1000 * d + l, s);
        std::vector<double> ref(s.batch * s.heads * l * d);
        std::vector<float> out(ref.size());
        attentionF64(in.q.data(), in.k.data(), in.v.data(), s,
                     effectiveSoftmaxScale(sage3(), d), causal, ref.data());
        std::printf("\nD=%llu L=%llu %s, %llu head(s), vs attentionF64\n",
                    (unsigned long long)d, (unsigned long long)l,
                    causal ? "causal" : "non-causal",
                    (unsigned long long)s.heads);
        std::printf("| %-40s | %9s | %7s | %7s | %6s |\n", "recipe", "CosSim",
                    "rel L1", "RMSE", "s");
        std::printf("|%s|%s|%s|%s|%s|\n", std::string(42, '-').c_str(),
                    std::string(11, '-').c_str(), std::string(9, '-').c_str(),
                    std::string(9, '-').c_str(), std::string(8, '-').c_str());
        for (Variant &v : list) {
          AttentionOptions o = v.options;
          o.causal = causal;
          auto t0 = std::chrono::steady_clock::now();
          std::string error = attentionReference(in.q.data(), in.k.data(),
                                                 in.v.data(), s, o, out.data());
          double t = seconds(t0);
          if (!error.empty()) {
            std::fprintf(stderr, "error: %s: %s\n", v.name, error.c_str());
            return 1;
          }
          AttentionError e =
              compareAttention(out.data(), ref.data(), out.size());
          std::printf("| %-40s | %8.4f%% | %7.4f | %7.4f | %6.2f |\n", v.name,
                      100 * e.cosSim, e.relL1, e.rmse, t);
          std::fflush(stdout);
        }
      }
  std::printf("\ntotal %.1f s\n", seconds(start));
  return 0;
}
