//===- Main.cpp - fp4-numerics-tests entry point --------------------------===//
//
// fp4-numerics-tests attention | codecs | vectors | special | gaussian | golden
// DIR | fused [GOLDEN_DIR] Each subcommand prints its figures and a summary line, and exits non-zero
// on any failure.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <cmath>
#include <cstring>
#include <random>

namespace fp4test {

std::string hex8(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02X", v & 0xFF);
  return buf;
}

bool readWholeFile(const std::string &path, std::vector<uint8_t> &data) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  data.clear();
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    data.insert(data.end(), buf, buf + n);
  std::fclose(f);
  return true;
}

std::vector<float> gaussianSamples(uint64_t seed, uint64_t count) {
  std::mt19937_64 gen(seed);
  std::vector<float> out(count);
  const double twoPi = 6.283185307179586;
  for (uint64_t i = 0; i < count; i += 2) {
    // Uniforms in (0, 1] from the top 53 bits.
    double u1 = (static_cast<double>(gen() >> 11) + 1.0) * 0x1p-53;
    double u2 = static_cast<double>(gen() >> 11) * 0x1p-53;
    double radius = std::sqrt(-2.0 * std::log(u1));
    out[i] = static_cast<float>(radius * std::cos(twoPi * u2));
    if (i + 1 < count)
      out[i + 1] = static_cast<float>(radius * std::sin(twoPi * u2));
  }
  return out;
}

} // namespace fp4test

int main(int argc, char **argv) {
  using namespace fp4test;
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "attention")
    return runAttention();
  if (cmd == "codecs")
    return runCodecs();
  if (cmd == "vectors")
    return runVectors();
  if (cmd == "special")
    return runSpecial();
  if (cmd == "gaussian")
    return runGaussian();
  if (cmd == "fused")
    return runFused(argc > 2 ? argv[2] : "");
  if (cmd == "golden" && argc > 2)
    return runGolden(argv[2]);
  std::fprintf(stderr, "usage: fp4-numerics-tests attention | codecs | vectors "
                       "| special "
                       "| gaussian | golden DIR | fused [GOLDEN_DIR]\n");
  return 2;
}
