//===- AttentionChecks.cpp - nvfp4.attention against the library ----------===//
//
// Part of fp4-mlir. The attention cases of fp4-cpu-check and fp4-gpu-check:
// each compiles one nvfp4.attention and compares its output with
// attentionReference on the same LLM-like inputs. The fused lowering (the
// default on the CPU and sm_90a) must match bit for bit. A lowering that
// multiplies on tensor cores (scaled-matmul) sums in another order; the scores
// then differ in their last bits, and a P value near a rounding boundary of its
// 4-bit code can take the neighbouring code, so no per-element bound follows.
// The GPU output must instead stay close to the reference relative to the
// quantization error itself: its relative L1 distance to the reference at most
// a tenth of the reference's relative L1 distance to exact (f64) attention.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "KernelSource.h"
#include "MemRefDescriptor.h"

#include "fp4/Numerics/Attention.h"
#include "fp4/Numerics/Float16.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

using namespace mlir::fp4;

namespace fp4tools {

namespace {

/// One attention configuration: the library options; the op's attributes
/// are written from them (attentionAttributes).
struct AttentionCase {
  std::string name;
  AttentionShape shape;
  ElementType type;
  AttentionOptions options;
};

/// LLM-like values: Gaussian, a few channels with 10-50x outliers, a
/// per-head offset (what K smoothing removes) and heavy tails.
std::vector<float> llmLike(uint64_t heads, uint64_t rows, uint64_t cols,
                           uint32_t seed, ElementType type) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::student_t_distribution<float> tail(3.0f);
  std::vector<float> x(heads * rows * cols);
  for (uint64_t h = 0; h < heads; ++h) {
    std::vector<float> channelScale(cols, 1.0f), offset(cols);
    for (uint64_t c = 0; c < cols; ++c) {
      if (c % 23 == 3)
        channelScale[c] = 10.0f + 40.0f * std::fabs(normal(rng)) / 3.0f;
      offset[c] = 0.5f * normal(rng);
    }
    for (uint64_t r = 0; r < rows; ++r)
      for (uint64_t c = 0; c < cols; ++c) {
        float v = (r % 7 == 0 ? tail(rng) : normal(rng)) * channelScale[c] +
                  offset[c];
        // The kernel's input element type holds exactly these values.
        if (type == ElementType::BF16)
          v = bf16ToFloat(floatToBF16(v));
        else if (type == ElementType::F16)
          v = f16ToFloat(floatToF16(v));
        x[(h * rows + r) * cols + c] = v;
      }
  }
  return x;
}

/// `x` stored as `type`.
std::vector<uint8_t> storeAs(const std::vector<float> &x, ElementType type) {
  std::vector<uint8_t> bytes(x.size() * elementSize(type));
  for (size_t i = 0; i < x.size(); ++i) {
    if (type == ElementType::F32) {
      std::memcpy(&bytes[4 * i], &x[i], 4);
      continue;
    }
    uint16_t h =
        type == ElementType::BF16 ? floatToBF16(x[i]) : floatToF16(x[i]);
    std::memcpy(&bytes[2 * i], &h, 2);
  }
  return bytes;
}

OperandRule rule(const char *spec) {
  OperandRule r;
  std::string error = parseOperandRule(spec, r);
  if (!error.empty()) {
    std::fprintf(stderr, "bad rule in an attention case: %s\n", spec);
    std::abort();
  }
  return r;
}

std::vector<AttentionCase> attentionCases() {
  std::vector<AttentionCase> cases;
  auto shape = [](uint64_t heads, uint64_t lq, uint64_t lk, uint64_t d,
                  uint64_t dv) {
    AttentionShape s;
    s.batch = 1;
    s.heads = heads;
    s.lq = lq;
    s.lk = lk;
    s.d = d;
    s.dv = dv;
    return s;
  };
  {
    // SageAttention3's recipe; one tile shorter than key_tile.
    AttentionCase c{"sage3", shape(2, 64, 96, 64, 32), ElementType::BF16, {}};
    cases.push_back(c);
  }
  {
    // Causal with Lq > Lk: the first 32 rows see no key (output 0); full
    // tiles in the scf.for and a remainder tile; rows skipped in a tile.
    AttentionCase c{
        "causal-tiles", shape(2, 80, 48, 32, 32), ElementType::BF16, {}};
    c.options.causal = true;
    c.options.keyTile = 32;
    cases.push_back(c);
  }
  {
    AttentionCase c{
        "causal-lk>lq", shape(1, 48, 128, 32, 64), ElementType::F32, {}};
    c.options.causal = true;
    c.options.keyTile = 64;
    cases.push_back(c);
  }
  {
    // ScaleSearchAttention: searched scales on Q, K, the exact optimum on V
    // and P; f32 inputs.
    AttentionCase c{
        "scale-search", shape(2, 64, 128, 64, 64), ElementType::F32, {}};
    c.options.q = c.options.k = rule("search:6");
    c.options.v = c.options.p = rule("exact");
    c.options.keyTile = 64;
    cases.push_back(c);
  }
  {
    AttentionCase c{"four-over-six-direct",
                    shape(1, 32, 64, 32, 32),
                    ElementType::BF16,
                    {}};
    c.options.q = rule("mse");
    c.options.k = rule("mae");
    c.options.v = rule("abs_max");
    c.options.p = rule("static_4");
    c.options.pMode = PMode::Direct;
    c.options.softmaxScale = 0.25f;
    cases.push_back(c);
  }
  {
    AttentionCase c{"mxfp4", shape(1, 32, 128, 64, 64), ElementType::BF16, {}};
    c.options.format = Format::MXFP4;
    c.options.p = rule("exact");
    c.options.keyTile = 64;
    cases.push_back(c);
  }
  {
    // Q smoothing over two blocks (the second partial), the rotation, sink
    // and recent keys, a per-head tensor scale, no K smoothing; f16.
    AttentionCase c{
        "smooth-rotate-sink", shape(1, 160, 96, 32, 32), ElementType::F16, {}};
    c.options.smoothQ = true;
    c.options.hadamard = true;
    c.options.sinkTokens = 4;
    c.options.recentTokens = 8;
    c.options.qkvTensorScale = true;
    c.options.smoothK = false;
    c.options.keyTile = 32;
    cases.push_back(c);
  }
  {
    AttentionCase c{
        "causal-sink-smooth", shape(2, 64, 64, 32, 32), ElementType::BF16, {}};
    c.options.causal = true;
    c.options.smoothQ = true;
    c.options.sinkTokens = 16;
    c.options.keyTile = 16;
    cases.push_back(c);
  }
  return cases;
}

} // namespace

int runAttentionChecks(Executor &exec) {
  int failures = 0;
  uint32_t seed = 100;
  for (const AttentionCase &c : attentionCases()) {
    const AttentionShape &s = c.shape;
    const uint64_t heads = s.batch * s.heads;
    std::vector<float> q = llmLike(heads, s.lq, s.d, seed++, c.type);
    std::vector<float> k = llmLike(heads, s.lk, s.d, seed++, c.type);
    std::vector<float> v = llmLike(heads, s.lk, s.dv, seed++, c.type);
    std::vector<uint8_t> qb = storeAs(q, c.type), kb = storeAs(k, c.type),
                         vb = storeAs(v, c.type);
    std::vector<float> out(heads * s.lq * s.dv, NAN);
    std::string error;
    std::string attributes = attentionAttributes(c.options, error);
    auto kernel =
        error.empty()
            ? exec.compile(attentionKernel(s, attributes, c.type), error)
            : nullptr;
    if (!kernel) {
      std::printf("FAIL attention %s: %s\n", c.name.c_str(), error.c_str());
      ++failures;
      continue;
    }
    auto shape4 = [&](uint64_t rows, uint64_t cols) {
      return describe(nullptr, {int64_t(s.batch), int64_t(s.heads),
                                int64_t(rows), int64_t(cols)});
    };
    auto qd = shape4(s.lq, s.d), kd = shape4(s.lk, s.d),
         vd = shape4(s.lk, s.dv), od = shape4(s.lq, s.dv);
    qd.allocated = qd.aligned = qb.data();
    kd.allocated = kd.aligned = kb.data();
    vd.allocated = vd.aligned = vb.data();
    od.allocated = od.aligned = out.data();
    kernel->call("attention", {&qd, &kd, &vd, &od});
    if (!exec.compares())
      continue;

    std::vector<float> ref(out.size());
    error = attentionReference(q.data(), k.data(), v.data(), s, c.options,
                               ref.data());
    if (!error.empty()) {
      std::printf("FAIL attention %s: the reference refused it: %s\n",
                  c.name.c_str(), error.c_str());
      ++failures;
      continue;
    }
    uint64_t mismatched = 0;
    for (size_t i = 0; i < out.size(); ++i)
      mismatched += std::memcmp(&out[i], &ref[i], 4) != 0;
    if (exec.exactAttention()) {
      failures += mismatched != 0;
      std::printf("%s attention %-20s %llux%llux%llux%llu: %llu/%llu results "
                  "mismatched\n",
                  mismatched ? "FAIL" : "ok  ", c.name.c_str(),
                  (unsigned long long)s.lq, (unsigned long long)s.lk,
                  (unsigned long long)s.d, (unsigned long long)s.dv,
                  (unsigned long long)mismatched,
                  (unsigned long long)out.size());
      continue;
    }
    std::vector<double> exact(out.size());
    attentionF64(q.data(), k.data(), v.data(), s,
                 effectiveSoftmaxScale(c.options, s.d), c.options.causal,
                 exact.data());
    AttentionError toRef = compareAttention(out.data(), ref.data(), out.size());
    AttentionError refToExact =
        compareAttention(ref.data(), exact.data(), out.size());
    AttentionError toExact =
        compareAttention(out.data(), exact.data(), out.size());
    bool bad = !(toRef.relL1 <= 0.1 * refToExact.relL1);
    failures += bad;
    std::printf("%s attention %-20s %llux%llux%llux%llu: %llu/%llu results "
                "differ from the reference; rel L1 to it %.3g (bound %.3g); "
                "vs f64: CosSim %.5f (reference %.5f), rel L1 %.4f (%.4f)\n",
                bad ? "FAIL" : "ok  ", c.name.c_str(), (unsigned long long)s.lq,
                (unsigned long long)s.lk, (unsigned long long)s.d,
                (unsigned long long)s.dv, (unsigned long long)mismatched,
                (unsigned long long)out.size(), toRef.relL1,
                0.1 * refToExact.relL1, toExact.cosSim, refToExact.cosSim,
                toExact.relL1, refToExact.relL1);
  }
  std::printf("attention: %d failed\n", failures);
  return failures != 0;
}

} // namespace fp4tools
