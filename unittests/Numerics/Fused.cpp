//===- Fused.cpp - The fused row kernel against quantizeReference() -------===//
//
// quantize() (the fused row kernel, every ISA copy this CPU runs) must give
// exactly the bytes of quantizeReference() (the block-at-a-time quantizer it
// replaced): values, scales (padding included) and every QuantizeInfo field,
// for every rule, format, layout, 2-D tiles, transpose, rounding, calibrated
// amax and input type, on
//   - the golden inputs (GOLDEN_DIR: gauss, t3, rows, edge), and
//   - random matrices with NaN, +-Inf, -0, subnormals, all-zero blocks and
//     rows, huge and tiny values, values on E2M1 ties, a zero tensor,
//     tensors whose amax is too small for a usable tensor scale, small
//     integers, and sparse eighths under a calibrated amax of 2688, whose
//     candidate errors tie exactly (the search tie-break at equal distance).
// finiteAbsMax is checked against a scalar maximum for every vector tail.
// Output buffers start filled with a poison byte that differs per run, so a
// byte either implementation leaves unwritten shows up as a mismatch.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "fp4/Numerics/BlockQuantize.h"
#include "fp4/Numerics/QuantizeKernels.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>

using namespace mlir::fp4;

namespace fp4test {
namespace {

const char *kRules[] = {"static_6", "static_4", "mse",      "mae",  "abs_max",
                        "search:1", "search:6", "search:126", "exact"};

struct Input {
  std::string name;
  uint64_t rows, cols;
  ElementType type;
  std::vector<uint8_t> bytes; // Raw elements of `type`.
};

Input makeInput(const std::string &name, uint64_t rows, uint64_t cols,
                ElementType type, const std::vector<float> &x) {
  Input in{name, rows, cols, type, {}};
  in.bytes.resize(rows * cols * elementSize(type));
  for (uint64_t i = 0; i < rows * cols; ++i) {
    if (type == ElementType::F32) {
      std::memcpy(in.bytes.data() + 4 * i, &x[i], 4);
    } else {
      uint16_t h = type == ElementType::BF16 ? floatToBF16(x[i]) : floatToF16(x[i]);
      std::memcpy(in.bytes.data() + 2 * i, &h, 2);
    }
  }
  return in;
}

struct Stats {
  uint64_t runs = 0, skipped = 0, elements = 0;
};

/// One configuration: quantize() vs quantizeReference().
void compare(const Input &in, const QuantizeOptions &o, const std::string &what,
             Checker &c, Stats &st) {
  uint64_t vb = packedValuesBytes(o, in.rows, in.cols);
  uint64_t sb = scaleBytes(o, in.rows, in.cols);
  uint8_t poison = static_cast<uint8_t>(0x5A + st.runs);
  std::vector<uint8_t> v1(vb, poison), s1(sb, poison), v2(vb, poison ^ 0xFF),
      s2(sb, poison ^ 0xFF);
  QuantizeResult a = quantize(in.bytes.data(), in.type, in.rows, in.cols, o,
                              v1.data(), vb, s1.data(), sb);
  QuantizeResult b = quantizeReference(in.bytes.data(), in.type, in.rows,
                                       in.cols, o, v2.data(), vb, s2.data(), sb);
  ++st.runs;
  if (!c.check(a.ok == b.ok && a.error == b.error, what + ": status differs"))
    return;
  if (!a.ok) {
    ++st.skipped;
    return;
  }
  st.elements += in.rows * in.cols;
  const QuantizeInfo &x = a.info, &y = b.info;
  c.check(std::memcmp(&x.amax, &y.amax, 4) == 0 &&
              std::memcmp(&x.divisor, &y.divisor, 4) == 0 &&
              x.outRows == y.outRows && x.outCols == y.outCols &&
              x.numBlocks == y.numBlocks && x.nanBlocks == y.nanBlocks,
          what + ": QuantizeInfo differs");
  uint64_t vdiff = 0, sdiff = 0, first = ~uint64_t(0);
  for (uint64_t i = 0; i < vb; ++i)
    if (v1[i] != v2[i]) {
      first = first == ~uint64_t(0) ? i : first;
      ++vdiff;
    }
  for (uint64_t i = 0; i < sb; ++i)
    sdiff += s1[i] != s2[i];
  c.check(vdiff == 0 && sdiff == 0,
          what + ": " + std::to_string(vdiff) + " value bytes (first at " +
              std::to_string(first) + "), " + std::to_string(sdiff) +
              " scale bytes differ");
}

/// Every option combination on one input. `full`: also transpose, tcgen05,
/// stochastic and calibrated amax (the random inputs; the golden inputs get
/// a lighter sweep to keep the run short).
void sweep(const Input &in, bool full, Checker &c, Stats &st) {
  for (Format f : {Format::NVFP4, Format::MXFP4})
    for (const char *rule : kRules)
      for (int variant = 0; variant < (full ? 11 : 3); ++variant) {
        QuantizeOptions o;
        o.format = f;
        parseRuleSpec(rule, o);
        std::string what = in.name + " " +
                           (f == Format::NVFP4 ? "nvfp4 " : "mxfp4 ") + rule;
        switch (variant) {
        case 0:
          break;
        case 1:
          o.block2D = true;
          what += " 2d";
          break;
        case 2:
          o.scaleLayout = ScaleLayout::Tcgen05;
          what += " tcgen05";
          break;
        case 3:
          o.transpose = true;
          what += " transpose";
          break;
        case 4:
          o.transpose = o.block2D = true;
          o.scaleLayout = ScaleLayout::Tcgen05;
          what += " transpose 2d tcgen05";
          break;
        case 5:
          o.rounding = Rounding::Stochastic;
          o.seed = 1234;
          what += " stochastic";
          break;
        case 6:
        case 7:
        case 8:
        case 10: {
          // Calibrated amax: far below, near and above the data; 1e30 makes
          // some tensor scales unusable; 2688 makes gEnc = 1 (exact NVFP4
          // candidate errors, search ties at equal distance).
          static const float amaxes[] = {0.125f, 3.0f, 1e30f, 0, 2688.0f};
          o.hasCalibratedAmax = true;
          o.amax = amaxes[variant - 6];
          what += " amax=" + std::to_string(o.amax);
          break;
        }
        case 9:
          o.block2D = true;
          o.rounding = Rounding::Stochastic;
          what += " 2d stochastic";
          break;
        }
        compare(in, o, what, c, st);
      }
}

/// Random values of one of several kinds (see the file comment).
std::vector<float> randomMatrix(int kind, uint64_t rows, uint64_t cols,
                                std::mt19937_64 &gen) {
  std::vector<float> x(rows * cols);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 99), expo(-149, 127);
  const float grid[] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f, 6.0f};
  for (uint64_t r = 0; r < rows; ++r) {
    // Row magnitude from 2^-140 to 2^120 so that block scales cover the
    // E4M3 subnormals, the flushed range and the capped top.
    float rowScale = std::ldexp(1.0f, static_cast<int>(gen() % 261) - 140);
    bool zeroRow = gen() % 11 == 0;
    for (uint64_t col = 0; col < cols; ++col) {
      float &v = x[r * cols + col];
      bool zeroBlock = ((col / 16) * 7 + r) % 13 == 0;
      int p = pick(gen);
      switch (kind) {
      case 0: // Gaussian, per-row scale, all-zero blocks and rows.
        v = zeroRow || zeroBlock ? 0.0f : normal(gen) * rowScale;
        break;
      case 1: // Special values.
        if (p < 3)
          v = NAN;
        else if (p < 6)
          v = p & 1 ? INFINITY : -INFINITY;
        else if (p < 12)
          v = -0.0f;
        else if (p < 20)
          v = (p & 1 ? -1.0f : 1.0f) * std::ldexp(1.0f, -149 + int(gen() % 23));
        else if (p < 24)
          v = (p & 1 ? -1.0f : 1.0f) * FLT_MAX * (0.5f + 0.5f * (p % 2));
        else if (p < 30)
          v = zeroBlock ? 0.0f : std::ldexp(normal(gen), expo(gen));
        else
          v = zeroBlock ? -0.0f : normal(gen) * rowScale;
        break;
      case 2: // Ties and grid points of E2M1 (times a power of two).
        v = grid[gen() % 8] * std::ldexp(1.0f, int(gen() % 9) - 4) *
            (gen() & 1 ? -1.0f : 1.0f);
        break;
      case 3: // Heavy tails.
        v = normal(gen) / (std::fabs(normal(gen)) + 1e-3f);
        break;
      case 4: // Tiny: the tensor scale is unusable; NaN in a few blocks.
        v = p < 2 ? NAN : normal(gen) * 0x1p-120f;
        break;
      case 5: // All zero (a few -0).
        v = p < 10 ? -0.0f : 0.0f;
        break;
      case 7: // 1-3 non-zero eighths per 16: with amax 2688 (gEnc = 1),
              // NVFP4 candidate errors are exact and tie at equal distance.
        v = gen() % 16 < 2 ? static_cast<float>(1 + gen() % 96) * 0.125f *
                                 (gen() & 1 ? -1.0f : 1.0f)
                           : 0.0f;
        break;
      case 6: { // Few small integers: exact candidate-error ties (MXFP4).
        static const float few[] = {0, 0, 0, 1, 2, 3, 4, 5, 6, 8, 12, 24};
        v = few[gen() % 12] * (gen() & 1 ? -1.0f : 1.0f) *
            std::ldexp(1.0f, static_cast<int>(r % 5) - 2);
        break;
      }
      }
    }
  }
  return x;
}

/// finiteAbsMax (the bit-pattern maximum of the kernel copies) against a
/// plain scalar maximum, for lengths that leave every vector tail.
void checkFiniteAbsMax(std::mt19937_64 &gen, Checker &c) {
  for (ElementType t : {ElementType::F32, ElementType::BF16, ElementType::F16})
    for (uint64_t count = 0; count < 80; ++count) {
      std::vector<float> x = randomMatrix(static_cast<int>(count % 4), 1,
                                          count, gen);
      Input in = makeInput("amax", 1, count, t, x);
      float want = 0.0f;
      for (uint64_t i = 0; i < count; ++i) {
        float v;
        widenToFloat(in.bytes.data(), t, i, 1, 1, &v);
        v = std::fabs(v);
        want = v <= FLT_MAX && v > want ? v : want;
      }
      float got = finiteAbsMax(in.bytes.data(), t, count);
      c.check(std::memcmp(&got, &want, 4) == 0,
              "finiteAbsMax of " + std::to_string(count) + " elements: " +
                  std::to_string(got) + " vs " + std::to_string(want));
    }
}

} // namespace

int runFused(const std::string &goldenDir) {
  Checker c("fused");
  Stats st;
  std::vector<KernelIsa> isas;
  for (KernelIsa isa : {KernelIsa::Baseline, KernelIsa::AVX2})
    if (kernelIsaAvailable(isa))
      isas.push_back(isa);
  KernelIsa saved = activeKernelIsa();
  std::mt19937_64 gen(20240616);
  // Shapes: R x C with C/16 and C/32 not multiples of 8 (a partial group of
  // blocks), and R a multiple of 16 either way for 2-D tiles.
  struct Shape {
    uint64_t rows, cols;
  };
  const Shape shapes[] = {{32, 224}, {48, 96}, {16, 32}};
  std::vector<Input> inputs;
  for (int kind = 0; kind < 8; ++kind)
    for (const Shape &s : shapes) {
      std::vector<float> x = randomMatrix(kind, s.rows, s.cols, gen);
      for (ElementType t : {ElementType::F32, ElementType::BF16, ElementType::F16})
        if (t == ElementType::F32 || &s == &shapes[0])
          inputs.push_back(makeInput(
              "random kind " + std::to_string(kind) + " " +
                  std::to_string(s.rows) + "x" + std::to_string(s.cols) +
                  (t == ElementType::F32 ? " f32" : t == ElementType::BF16 ? " bf16" : " f16"),
              s.rows, s.cols, t, x));
    }
  for (KernelIsa isa : isas) {
    setKernelIsa(isa);
    checkFiniteAbsMax(gen, c);
    Stats before = st;
    for (const Input &in : inputs)
      sweep(in, /*full=*/true, c, st);
    if (!goldenDir.empty())
      for (const char *dist : {"gauss", "t3", "rows", "edge"}) {
        std::vector<uint8_t> bits;
        if (!c.check(readWholeFile(goldenDir + "/" + dist + "/input.bf16", bits) &&
                         bits.size() % (2048 * 2 * 16) == 0,
                     std::string("cannot read golden input ") + dist))
          continue;
        // The first 32 rows of each golden input keep the reference's
        // exact search affordable.
        uint64_t rows = bits.size() / (2048 * 2);
        rows = rows < 32 ? rows : 32;
        bits.resize(rows * 2048 * 2);
        Input in{std::string("golden ") + dist, rows, 2048, ElementType::BF16,
                 bits};
        sweep(in, /*full=*/false, c, st);
      }
    std::printf("fused %s: %llu configurations (%llu rejected alike by both), "
                "%llu elements compared\n",
                kernelIsaName(isa),
                (unsigned long long)(st.runs - before.runs),
                (unsigned long long)(st.skipped - before.skipped),
                (unsigned long long)(st.elements - before.elements));
  }
  setKernelIsa(saved);
  return c.finish();
}

} // namespace fp4test
