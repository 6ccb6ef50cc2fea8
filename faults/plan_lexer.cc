#include "simsock/faults/plan_lexer.h"

#include <cctype>
#include <limits>

namespace simsock::faults::lexer {
namespace {

// Splits "10ms" into "10" and "ms".
void SplitUnit(std::string_view s, std::string_view* number,
               std::string_view* unit) {
  size_t i = 0;
  while (i < s.size() &&
         (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'))
    ++i;
  *number = s.substr(0, i);
  *unit = s.substr(i);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

}  // namespace

std::vector<Token> Tokenize(std::string_view line, int first_column) {
  std::vector<Token> out;
  size_t i = 0;
  auto is_punct = [](char c) { return c == '=' || c == ',' || c == '|'; };
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    const int col = first_column + static_cast<int>(i);
    if (line.substr(i, 3) == "<->") {
      out.push_back({"<->", col});
      i += 3;
      continue;
    }
    if (line.substr(i, 2) == "->") {
      out.push_back({"->", col});
      i += 2;
      continue;
    }
    if (is_punct(c)) {
      out.push_back({std::string(1, c), col});
      ++i;
      continue;
    }
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' &&
           line[j] != '\r' && !is_punct(line[j]) &&
           line.substr(j, 3) != "<->" && line.substr(j, 2) != "->") {
      ++j;
    }
    out.push_back({std::string(line.substr(i, j - i)), col});
    i = j;
  }
  return out;
}

bool ParseDecimal(std::string_view s, uint64_t* whole, uint64_t* frac9) {
  size_t i = 0;
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0])))
    return false;
  uint64_t w = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i) {
    if (w > (std::numeric_limits<uint64_t>::max() - 9) / 10) return false;
    w = w * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  uint64_t f = 0;
  int digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      if (digits == 9) {
        if (s[i] != '0') return false;
        continue;
      }
      f = f * 10 + static_cast<uint64_t>(s[i] - '0');
      ++digits;
    }
  }
  if (i != s.size()) return false;
  for (; digits < 9; ++digits) f *= 10;
  *whole = w;
  *frac9 = f;
  return true;
}

bool Scaled(std::string_view text,
            const std::vector<std::pair<const char*, uint64_t>>& units,
            uint64_t* out) {
  std::string_view number, unit;
  SplitUnit(text, &number, &unit);
  uint64_t whole, frac9;
  if (!ParseDecimal(number, &whole, &frac9)) return false;
  const std::string u = Lower(unit);
  for (const auto& [name, factor] : units) {
    if (u != name) continue;
    using U128 = unsigned __int128;
    constexpr uint64_t kBillion = 1'000'000'000;
    const U128 f = static_cast<U128>(frac9) * factor;
    if (f % kBillion != 0) return false;
    const U128 v = static_cast<U128>(whole) * factor + f / kBillion;
    if (v > std::numeric_limits<uint64_t>::max()) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  return false;
}

}  // namespace simsock::faults::lexer
