#include "simsock/cli/seeds.h"

#include <charconv>
#include <cstdlib>

namespace simsock::cli {

namespace {

std::optional<uint64_t> ParseUint(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string SeedRange::ToString() const {
  return std::to_string(first) + ".." + std::to_string(last);
}

std::string Shard::ToString() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

std::optional<SeedRange> ParseSeedRange(std::string_view text,
                                        std::string* error) {
  size_t dots = text.find("..");
  std::optional<uint64_t> a = ParseUint(text.substr(0, dots));
  std::optional<uint64_t> b =
      dots == std::string_view::npos ? a : ParseUint(text.substr(dots + 2));
  if (!a || !b) {
    if (error)
      *error =
          "seeds: expected A..B (e.g. 1..200), got '" + std::string(text) + "'";
    return std::nullopt;
  }
  if (*a > *b) {
    if (error) *error = "seeds: " + std::string(text) + " is empty (A > B)";
    return std::nullopt;
  }
  if (*a == 0 && *b == UINT64_MAX) {
    if (error) *error = "seeds: the range is too large";
    return std::nullopt;
  }
  return SeedRange{*a, *b};
}

std::optional<Shard> ParseShard(std::string_view text, std::string* error) {
  size_t slash = text.find('/');
  std::optional<uint64_t> i = slash == std::string_view::npos
                                  ? std::nullopt
                                  : ParseUint(text.substr(0, slash));
  std::optional<uint64_t> n = slash == std::string_view::npos
                                  ? std::nullopt
                                  : ParseUint(text.substr(slash + 1));
  if (!i || !n || *n == 0 || *i >= *n) {
    if (error)
      *error = "shard: expected I/N with 0 <= I < N, got '" +
               std::string(text) + "'";
    return std::nullopt;
  }
  return Shard{*i, *n};
}

std::optional<Shard> ShardFromSlurm(
    const std::map<std::string, std::string>& env, std::string* error) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  std::optional<std::string> id_text = get("SLURM_ARRAY_TASK_ID");
  if (!id_text) return std::nullopt;
  std::optional<std::string> count_text = get("SLURM_ARRAY_TASK_COUNT");
  // Plain values and one flag (g++ 12 misreads a chain of optionals here
  // as maybe-uninitialized).
  bool ok = true;
  auto number = [&](const std::optional<std::string>& text, uint64_t dflt) {
    if (!text) return dflt;
    std::optional<uint64_t> v = ParseUint(*text);
    ok = ok && v.has_value();
    return v.value_or(0);
  };
  uint64_t id = number(id_text, 0);
  uint64_t count = count_text ? number(count_text, 0) : (ok = false, 0);
  uint64_t min = number(get("SLURM_ARRAY_TASK_MIN"), 0);
  uint64_t step = number(get("SLURM_ARRAY_TASK_STEP"), 1);
  if (!ok || count == 0 || step == 0 || id < min || (id - min) % step != 0 ||
      (id - min) / step >= count) {
    if (error) {
      *error =
          "shard: SLURM_ARRAY_TASK_ID=" + *id_text +
          " with SLURM_ARRAY_TASK_COUNT=" + count_text.value_or("(unset)") +
          " is not a task of an array of evenly spaced ids; pass --shard I/N";
    }
    return std::nullopt;
  }
  return Shard{(id - min) / step, count};
}

std::map<std::string, std::string> SlurmArrayEnvironment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
                           "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  return env;
}

std::vector<uint64_t> ShardSeeds(const SeedRange& range, const Shard& shard) {
  std::vector<uint64_t> seeds;
  for (uint64_t i = shard.index; i < range.count(); i += shard.count) {
    seeds.push_back(range.first + i);
  }
  return seeds;
}

}  // namespace simsock::cli
