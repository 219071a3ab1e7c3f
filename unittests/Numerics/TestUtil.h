//===- TestUtil.h - Tiny check helpers for fp4-numerics-tests ---*- C++ -*-===//

#ifndef FP4_UNITTESTS_NUMERICS_TESTUTIL_H
#define FP4_UNITTESTS_NUMERICS_TESTUTIL_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace fp4test {

/// Counts checks and failures; prints the first few failures.
class Checker {
public:
  explicit Checker(const char *suite) : suite(suite) {}
  /// Records one check; prints `what` when it fails.
  bool check(bool ok, const std::string &what) {
    ++checks;
    if (!ok) {
      if (failures < 20)
        std::printf("FAIL [%s]: %s\n", suite, what.c_str());
      ++failures;
    }
    return ok;
  }
  /// Prints the summary line and returns the process exit code.
  int finish() const {
    std::printf("%s: %llu checks, %llu failures\n", suite,
                (unsigned long long)checks, (unsigned long long)failures);
    return failures == 0 ? 0 : 1;
  }

private:
  const char *suite;
  uint64_t checks = 0, failures = 0;
};

/// Hex string of a byte.
std::string hex8(unsigned v);

/// Reads a whole file; returns false when it cannot be read.
bool readWholeFile(const std::string &path, std::vector<uint8_t> &data);

/// Deterministic N(0,1) samples (mt19937_64 + Box-Muller in double, rounded
/// to fp32), independent of the standard library's distributions.
std::vector<float> gaussianSamples(uint64_t seed, uint64_t count);

int runAttention();
int runCodecs();
int runVectors();
int runSpecial();
int runGaussian();
int runGolden(const std::string &dir);
int runFused(const std::string &goldenDir);

} // namespace fp4test

#endif // FP4_UNITTESTS_NUMERICS_TESTUTIL_H
