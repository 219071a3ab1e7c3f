//===- NVFP4Mutator.cpp - A libFuzzer mutator that knows nvfp4 syntax -----===//
//
// Part of fp4-mlir. Byte-level mutations of MLIR text mostly break the
// parser; these keep the text well formed so that inputs reach the
// verifiers, the folders and the passes:
//   - replace an nvfp4 attribute (#nvfp4.scale_rule<...>, format, layout,
//     block shape, rounding) with another spelling, valid or not (radius 0,
//     127, huge; metrics on rules that take none);
//   - replace every occurrence of an integer (typically a dimension) with a
//     value near a limit (0, 1, 15, 17, 127, 2^31, 2^40, 2^63 - 1, ...), so
//     the shapes of a function stay consistent;
//   - swap an element type everywhere (bf16, f16, f32, f64, i1, i8, ...);
//   - replace the contents of a dense<...> constant with a special splat
//     (NaN, Inf, -0.0, FLT_MAX, denormals) or a short list;
//   - otherwise libFuzzer's own byte mutations.
//
//===----------------------------------------------------------------------===//

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size,
                                   size_t maxSize);

namespace {

const char *const kRules[] = {
    "#nvfp4.scale_rule<static_6>",
    "#nvfp4.scale_rule<static_4>",
    "#nvfp4.scale_rule<four_over_six>",
    "#nvfp4.scale_rule<four_over_six, metric = mse>",
    "#nvfp4.scale_rule<four_over_six, metric = mae>",
    "#nvfp4.scale_rule<four_over_six, metric = abs_max>",
    "#nvfp4.scale_rule<scale_search>",
    "#nvfp4.scale_rule<scale_search, radius = 1>",
    "#nvfp4.scale_rule<scale_search, radius = 126>",
    "#nvfp4.scale_rule<scale_search, radius = 127>",
    "#nvfp4.scale_rule<scale_search, radius = 0>",
    "#nvfp4.scale_rule<scale_search, radius = -1>",
    "#nvfp4.scale_rule<scale_search, radius = 4294967297>",
    "#nvfp4.scale_rule<exact>",
    "#nvfp4.scale_rule<exact, metric = mae>",
    "#nvfp4.scale_rule<static_6, radius = 2>",
};
const char *const kFormats[] = {"#nvfp4.format<nvfp4>", "#nvfp4.format<mxfp4>",
                                "#nvfp4.format<fp8>"};
const char *const kLayouts[] = {"#nvfp4.scale_layout<row_major>",
                                "#nvfp4.scale_layout<tcgen05>"};
const char *const kBlockShapes[] = {"#nvfp4.block_shape<row>",
                                    "#nvfp4.block_shape<tile_16x16>"};
const char *const kRoundings[] = {
    "#nvfp4.rounding<nearest>", "#nvfp4.rounding<stochastic>",
    "#nvfp4.rounding<stochastic, seed = 18446744073709551615>",
    "#nvfp4.rounding<nearest, seed = 1>"};
const char *const kNumbers[] = {
    "0",   "1",   "2",   "3",    "4",    "8",    "15",         "16",
    "17",  "31",  "32",  "33",   "64",   "127",  "128",        "255",
    "256", "257", "448", "4096", "8192", "65536", "2147483647", "2147483648",
    "4294967296", "1099511627776", "9223372036854775807", "-1"};
const char *const kTypes[] = {"bf16", "f16",  "f32", "f64",
                              "i1",   "i8",   "i32", "index",
                              "f8E4M3FN", "f8E8M0FNU", "f4E2M1FN", "complex<f32>"};
const char *const kSplats[] = {
    "0.0", "-0.0", "1.0", "6.0", "448.0", "3.4028235e38", "-3.4028235e38",
    "1.0e-40", "1.0e-45", "0x7FC00000", "0x7F800000", "0xFF800000",
    "[1.0, 2.0]", "true", "7"};

template <size_t N>
const char *pick(const char *const (&table)[N], std::mt19937 &rng) {
  return table[rng() % N];
}

/// Positions of `needle` in `s`.
std::vector<size_t> findAll(const std::string &s, const char *needle) {
  std::vector<size_t> at;
  for (size_t p = s.find(needle); p != std::string::npos;
       p = s.find(needle, p + 1))
    at.push_back(p);
  return at;
}

/// End (one past) of the <...> group opening at s[open] == '<'.
size_t closeAngle(const std::string &s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '<')
      ++depth;
    else if (s[i] == '>' && --depth == 0)
      return i + 1;
  }
  return std::string::npos;
}

/// Replaces one `#nvfp4.<kind><...>` attribute by a spelling from `table`.
template <size_t N>
bool replaceAttribute(std::string &s, const char *prefix,
                      const char *const (&table)[N], std::mt19937 &rng) {
  std::vector<size_t> at = findAll(s, prefix);
  if (at.empty())
    return false;
  size_t begin = at[rng() % at.size()];
  size_t end = closeAngle(s, begin + std::strlen(prefix) - 1);
  if (end == std::string::npos)
    return false;
  s.replace(begin, end - begin, pick(table, rng));
  return true;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isWordChar(char c) {
  return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c == '_' || c == '.' || c == '%' || c == '#' || c == '@';
}

/// Replaces every whole-word occurrence of one integer token (dimensions
/// are delimited by 'x', '<' and '>', which count as delimiters here).
bool replaceNumber(std::string &s, std::mt19937 &rng) {
  std::vector<std::pair<size_t, size_t>> tokens;
  for (size_t i = 0; i < s.size();) {
    if (!isDigit(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && isDigit(s[j]))
      ++j;
    bool leftOk = i == 0 || s[i - 1] == 'x' || !isWordChar(s[i - 1]);
    bool rightOk = j == s.size() || s[j] == 'x' || !isWordChar(s[j]);
    if (leftOk && rightOk && (j == s.size() || s[j] != '.'))
      tokens.push_back({i, j - i});
    i = j;
  }
  if (tokens.empty())
    return false;
  auto [pos, len] = tokens[rng() % tokens.size()];
  std::string from = s.substr(pos, len), to = pick(kNumbers, rng);
  bool all = rng() % 4 != 0;
  for (auto it = tokens.rbegin(); it != tokens.rend(); ++it)
    if ((all && s.compare(it->first, it->second, from) == 0) ||
        it->first == pos)
      s.replace(it->first, it->second, to);
  return true;
}

/// Swaps one element type for another everywhere.
bool swapType(std::string &s, std::mt19937 &rng) {
  const char *from = pick(kTypes, rng), *to = pick(kTypes, rng);
  std::vector<size_t> at = findAll(s, from);
  size_t n = std::strlen(from);
  bool changed = false;
  for (auto it = at.rbegin(); it != at.rend(); ++it) {
    size_t p = *it;
    bool leftOk = p == 0 || s[p - 1] == 'x' || s[p - 1] == '<' ||
                  s[p - 1] == ' ' || s[p - 1] == '(' || s[p - 1] == ',';
    bool rightOk = p + n >= s.size() || !isWordChar(s[p + n]);
    if (leftOk && rightOk) {
      s.replace(p, n, to);
      changed = true;
    }
  }
  return changed;
}

/// Replaces the contents of one dense<...> with a special value.
bool replaceDense(std::string &s, std::mt19937 &rng) {
  std::vector<size_t> at = findAll(s, "dense<");
  if (at.empty())
    return false;
  size_t open = at[rng() % at.size()] + 5;
  size_t end = closeAngle(s, open);
  if (end == std::string::npos)
    return false;
  s.replace(open + 1, end - open - 2, pick(kSplats, rng));
  return true;
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(reinterpret_cast<char *>(data), size);
  bool changed = false;
  switch (rng() % 8) {
  case 0:
    changed = replaceAttribute(s, "#nvfp4.scale_rule<", kRules, rng);
    break;
  case 1:
    changed = replaceAttribute(s, "#nvfp4.format<", kFormats, rng) ||
              replaceAttribute(s, "#nvfp4.scale_layout<", kLayouts, rng) ||
              replaceAttribute(s, "#nvfp4.block_shape<", kBlockShapes, rng) ||
              replaceAttribute(s, "#nvfp4.rounding<", kRoundings, rng);
    break;
  case 2:
  case 3:
    changed = replaceNumber(s, rng);
    break;
  case 4:
    changed = swapType(s, rng);
    break;
  case 5:
    changed = replaceDense(s, rng);
    break;
  default:
    break;
  }
  if (!changed || s.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, s.data(), s.size());
  return s.size();
}
