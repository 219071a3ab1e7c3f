//===- Codecs.cpp - Exhaustive E2M1 / E4M3 / UE8M0 / f16 codec tests ------===//

#include "TestUtil.h"

#include "fp4/Numerics/E2M1.h"
#include "fp4/Numerics/E4M3.h"
#include "fp4/Numerics/Float16.h"
#include "fp4/Numerics/ScaleRules.h"
#include "fp4/Numerics/UE8M0.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir::fp4;

namespace fp4test {
namespace {

/// Independent E4M3 reference: nearest of the 127 non-negative finite values
/// by comparing distances in double, ties to the even byte, saturating.
uint8_t referenceE4M3(float x) {
  double a = std::fabs(static_cast<double>(x));
  uint8_t sign = std::signbit(x) ? 0x80 : 0;
  if (a >= 448.0)
    return sign | 0x7E;
  int best = 0;
  for (int b = 1; b <= 0x7E; ++b) {
    double d = std::fabs(a - e4m3Decode(static_cast<uint8_t>(b)));
    double dBest = std::fabs(a - e4m3Decode(static_cast<uint8_t>(best)));
    if (d < dBest || (d == dBest && (b & 1) == 0))
      best = b;
  }
  return static_cast<uint8_t>(sign | best);
}

void testE4M3(Checker &c) {
  // Every code round-trips; NaN codes decode to NaN and re-encode as 0x7F.
  for (int b = 0; b < 256; ++b) {
    float v = e4m3Decode(static_cast<uint8_t>(b));
    if ((b & 0x7F) == 0x7F) {
      c.check(std::isnan(v) && e4m3Encode(v) == (b & 0x80 ? 0xFF : 0x7F),
              "E4M3 NaN code " + hex8(b));
      continue;
    }
    c.check(e4m3Encode(v) == b, "E4M3 round trip " + hex8(b));
  }
  c.check(e4m3Decode(0x78) == 256.0f && e4m3Decode(0x7C) == 384.0f &&
              e4m3Decode(0x7E) == 448.0f && e4m3Decode(0x68) == 64.0f &&
              e4m3Decode(0x70) == 128.0f && e4m3Decode(0x08) == 0x1p-6f &&
              e4m3Decode(0x01) == 0x1p-9f,
          "E4M3 named values");
  // Every midpoint (and its fp32 neighbours) between adjacent codes.
  for (int b = 0; b < 0x7E; ++b) {
    for (int s = 0; s < 2; ++s) {
      uint8_t sign = s ? 0x80 : 0;
      float lo = e4m3Decode(static_cast<uint8_t>(b | sign));
      float hi = e4m3Decode(static_cast<uint8_t>((b + 1) | sign));
      float mid = (lo + hi) * 0.5f; // exact: both have <= 4 significant bits
      int even = (b & 1) ? b + 1 : b;
      c.check(e4m3Encode(mid) == (even | sign),
              "E4M3 midpoint above " + hex8(b));
      c.check(e4m3Encode(std::nextafter(mid, lo)) == (b | sign),
              "E4M3 below midpoint above " + hex8(b));
      c.check(e4m3Encode(std::nextafter(mid, hi)) == ((b + 1) | sign),
              "E4M3 above midpoint above " + hex8(b));
    }
  }
  // Saturation and underflow.
  const float sat[] = {
      448.0f, std::nextafter(448.0f, 1e9f), 464.0f, 480.0f, 1e30f, INFINITY};
  for (float v : sat)
    c.check(e4m3Encode(v) == 0x7E && e4m3Encode(-v) == 0xFE,
            "E4M3 saturation of " + std::to_string(v));
  c.check(e4m3Encode(0x1p-10f) == 0x00, "E4M3 2^-10 ties to 0");
  c.check(e4m3Encode(std::nextafter(0x1p-10f, 1.0f)) == 0x01,
          "E4M3 just above 2^-10");
  c.check(e4m3Encode(1e-40f) == 0x00, "E4M3 of an fp32 denormal");
  // A sweep of fp32 bit patterns against the independent reference.
  uint64_t mismatches = 0, tried = 0;
  for (uint32_t bits = 0; bits <= 0x43F00000u; bits += 4099) {
    float v;
    std::memcpy(&v, &bits, 4);
    ++tried;
    mismatches += e4m3Encode(v) != referenceE4M3(v);
  }
  c.check(mismatches == 0, "E4M3 sweep: " + std::to_string(mismatches) +
                               " of " + std::to_string(tried) + " differ");
  std::printf("e4m3: 256 codes, 252 midpoints, %llu swept values\n",
              (unsigned long long)tried);
}

void testE2M1(Checker &c) {
  // Every code round-trips except 0x8 (-0), which re-encodes as 0x0.
  for (int code = 0; code < 16; ++code)
    c.check(e2m1EncodeNearest(e2m1Decode(static_cast<uint8_t>(code))) ==
                (code == 8 ? 0 : code),
            "E2M1 round trip " + hex8(code));
  c.check(e2m1Decode(8) == 0.0f && std::signbit(e2m1Decode(8)),
          "E2M1 0x8 decodes to -0");
  for (int k = 0; k < 7; ++k) {
    for (int s = 0; s < 2; ++s) {
      uint8_t sign = s ? 8 : 0;
      float lo = kE2M1Magnitudes[k], hi = kE2M1Magnitudes[k + 1];
      float mid = (lo + hi) * 0.5f;
      float sgn = s ? -1.0f : 1.0f;
      int even = (k & 1) ? k + 1 : k;
      c.check(e2m1EncodeNearest(sgn * mid) == (even | sign),
              "E2M1 midpoint " + std::to_string(sgn * mid));
      c.check(e2m1EncodeNearest(sgn * std::nextafter(mid, lo)) == (k | sign),
              "E2M1 below midpoint " + std::to_string(sgn * mid));
      c.check(e2m1EncodeNearest(sgn * std::nextafter(mid, hi)) ==
                  ((k + 1) | sign),
              "E2M1 above midpoint " + std::to_string(sgn * mid));
    }
  }
  // The decision rule of algorithms.md 1.1.
  const float at[] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.0f};
  const uint8_t expect[] = {0, 2, 2, 4, 4, 6, 6};
  for (int i = 0; i < 7; ++i)
    c.check(e2m1EncodeNearest(at[i]) == expect[i],
            "E2M1 decision at " + std::to_string(at[i]));
  const float sat[] = {6.0f, 6.5f, 7.0f, 8.0f, 1e30f, INFINITY};
  for (float v : sat)
    c.check(e2m1EncodeNearest(v) == 7 && e2m1EncodeNearest(-v) == 0xF,
            "E2M1 saturation of " + std::to_string(v));
  c.check(e2m1EncodeNearest(-0.0f) == 0 && e2m1EncodeNearest(-0.1f) == 8 &&
              e2m1EncodeNearest(-1e-30f) == 8 && e2m1EncodeNearest(0.0f) == 0,
          "E2M1 zero and tiny negatives");
  c.check((e2m1EncodeNearest(NAN) & 7) == 0, "E2M1 NaN magnitude is 0");
  c.check(packE2M1(0x3, 0xA) == 0xA3 &&
              unpackE2M1((const uint8_t *)"\xA3", 0) == 3 &&
              unpackE2M1((const uint8_t *)"\xA3", 1) == 0xA,
          "E2M1 nibble order");
}

void testStochastic(Checker &c) {
  // Offsets are in (-0.5, 0.5), reproducible and roughly uniform.
  double sum = 0;
  bool inRange = true;
  for (uint64_t i = 0; i < 100000; ++i) {
    float u = stochasticOffset(42, i);
    inRange &= u > -0.5f && u < 0.5f;
    sum += u;
  }
  c.check(inRange, "stochastic offsets in (-0.5, 0.5)");
  c.check(std::fabs(sum / 100000) < 0.005, "stochastic offsets have mean 0");
  c.check(stochasticOffset(7, 123) == stochasticOffset(7, 123) &&
              stochasticOffset(7, 123) != stochasticOffset(8, 123),
          "stochastic offsets depend on (seed, index) only");
  // Unbiased between neighbours, grid values fixed, saturation at 6.
  const float ys[] = {0.3f, 1.2f, 2.75f, 4.5f, 5.9f, -3.3f};
  for (float y : ys) {
    double mean = 0;
    float lo = 0, hi = 0;
    for (int k = 0; k < 7; ++k)
      if (kE2M1Magnitudes[k] <= std::fabs(y) &&
          std::fabs(y) <= kE2M1Magnitudes[k + 1]) {
        lo = kE2M1Magnitudes[k];
        hi = kE2M1Magnitudes[k + 1];
      }
    bool neighbours = true;
    const int n = 20000;
    for (int i = 0; i < n; ++i) {
      float q = e2m1Decode(e2m1EncodeStochastic(y, stochasticOffset(1, i)));
      neighbours &= std::fabs(q) == lo || std::fabs(q) == hi;
      mean += q;
    }
    mean /= n;
    c.check(neighbours, "SR of " + std::to_string(y) + " gives a neighbour");
    c.check(std::fabs(mean - y) < 0.02 * (hi - lo) + 0.01,
            "SR of " + std::to_string(y) + " is unbiased (mean " +
                std::to_string(mean) + ")");
  }
  for (int code = 0; code < 16; ++code)
    for (int i = 0; i < 1000; ++i)
      c.check(e2m1EncodeStochastic(e2m1Decode(code), stochasticOffset(3, i)) ==
                  (code == 8 ? 0 : code),
              "SR keeps grid value " + hex8(code));
  c.check(e2m1EncodeStochastic(100.0f, 0.49f) == 7, "SR saturates at 6");
}

void testUE8M0(Checker &c) {
  for (int code = 1; code < 255; ++code) {
    float v = ue8m0Decode(static_cast<uint8_t>(code));
    c.check(v == std::ldexp(1.0f, code - 127) && ue8m0RoundUp(v) == code &&
                ue8m0Reciprocal(static_cast<uint8_t>(code)) * v == 1.0f,
            "UE8M0 code " + std::to_string(code));
    if (code < 254)
      c.check(ue8m0RoundUp(std::nextafter(v, INFINITY)) == code + 1,
              "UE8M0 rounds up above code " + std::to_string(code));
  }
  c.check(std::isnan(ue8m0Decode(0xFF)), "UE8M0 0xFF is NaN");
  c.check(ue8m0RoundUp(0.0f) == 0 && ue8m0RoundUp(1e-40f) == 1 &&
              ue8m0RoundUp(7.0f / 6.0f) == 128 && ue8m0RoundUp(1.0f) == 127,
          "UE8M0 zero, denormal and 7/6");
}

/// binary16 by its definition: (-1)^s 2^(e-15) (1 + m/1024), or
/// 2^-14 (m/1024) for e = 0 (independent of f16ToFloat's bit shuffling).
float f16ByDefinition(uint16_t h) {
  int e = (h >> 10) & 0x1F, m = h & 0x3FF;
  float sign = (h & 0x8000) ? -1.0f : 1.0f;
  if (e == 0x1F)
    return m ? std::numeric_limits<float>::quiet_NaN()
             : sign * std::numeric_limits<float>::infinity();
  if (e == 0)
    return sign * std::ldexp(static_cast<float>(m) / 1024.0f, -14);
  return sign * std::ldexp(1.0f + static_cast<float>(m) / 1024.0f, e - 15);
}

void testWidening(Checker &c) {
  uint64_t bad = 0;
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    uint16_t h = static_cast<uint16_t>(bits);
    float want = f16ByDefinition(h), got = f16ToFloat(h);
    bool same = std::isnan(want)
                    ? std::isnan(got)
                    : (got == want && std::signbit(got) == std::signbit(want));
    bad += !same;
    uint32_t bfBits = bits << 16;
    float bfWant;
    std::memcpy(&bfWant, &bfBits, 4);
    float bfGot = bf16ToFloat(h);
    bad += std::memcmp(&bfWant, &bfGot, 4) != 0;
  }
  c.check(bad == 0, "f16/bf16 widening of all 65536 patterns");
}

/// floatToF16: every binary16 value round-trips; between each pair of
/// neighbours (and 65504 / 65536 = Inf) the exact midpoint rounds to the even
/// one and the fp32 values just beside it to the nearer; NaN stays NaN.
void testF16Narrowing(Checker &c) {
  uint64_t bad = 0;
  for (uint32_t bits = 0; bits < 0x7C00; ++bits) {
    for (uint16_t sign : {uint16_t(0), uint16_t(0x8000)}) {
      uint16_t h = static_cast<uint16_t>(bits) | sign;
      float lo = f16ToFloat(h);
      bad += floatToF16(lo) != h;
      float hi = bits == 0x7BFF ? (sign ? -65536.0f : 65536.0f)
                                : f16ToFloat(static_cast<uint16_t>(h + 1));
      float mid = (lo + hi) / 2; // Exact: 11 significant bits in 24.
      uint16_t up = static_cast<uint16_t>(h + 1);
      bad += floatToF16(mid) != ((bits & 1) ? up : h);
      bad += floatToF16(std::nextafter(mid, hi)) != up;
      bad += floatToF16(std::nextafter(mid, lo)) != h;
    }
  }
  for (float nan : {std::numeric_limits<float>::quiet_NaN(),
                    -std::numeric_limits<float>::quiet_NaN(),
                    bitsToFloat(0x7F800001)})
    bad += (floatToF16(nan) & 0x7C00) != 0x7C00 || (floatToF16(nan) & 0x3FF) == 0;
  bad += floatToF16(std::numeric_limits<float>::infinity()) != 0x7C00;
  bad += floatToF16(0x1p-26f) != 0 || floatToF16(0x1.000002p-25f) != 1;
  c.check(bad == 0, "f16 narrowing (round to nearest even) of every neighbour pair");
}

} // namespace

int runCodecs() {
  Checker c("codecs");
  testE4M3(c);
  testE2M1(c);
  testStochastic(c);
  testUE8M0(c);
  testWidening(c);
  testF16Narrowing(c);
  return c.finish();
}

} // namespace fp4test
