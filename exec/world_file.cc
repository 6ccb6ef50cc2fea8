// The world file's parser (world_file.h; docs/exec.md).
#include "simsock/exec/world_file.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace simsock::exec {

namespace {

// Splits a line into words: spaces separate, double quotes group (no
// escapes), '#' outside quotes starts a comment.
bool Words(std::string_view line, std::vector<std::string>* out,
           std::string* error) {
  std::string word;
  bool in_word = false, quoted = false;
  for (char c : line) {
    if (quoted) {
      if (c == '"') {
        quoted = false;
      } else {
        word += c;
      }
      continue;
    }
    if (c == '#') break;
    if (c == '"') {
      quoted = in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      if (in_word) out->push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quoted) {
    *error = "unterminated quote";
    return false;
  }
  if (in_word) out->push_back(std::move(word));
  return true;
}

}  // namespace

std::optional<sim::Duration> ParseDurationText(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || p == text.data() || value < 0) return std::nullopt;
  const std::string_view unit(p, static_cast<size_t>(end - p));
  static const std::map<std::string_view, double> kUnits = {
      {"ns", 1},  {"us", 1e3}, {"ms", 1e6},
      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) return std::nullopt;
  const double ns = value * it->second;
  if (ns > 9e18) return std::nullopt;
  return sim::Duration(static_cast<int64_t>(ns));
}

std::optional<WorldSpec> ParseWorld(std::string_view text,
                                    const std::string& dir,
                                    std::string* error) {
  WorldSpec spec;
  spec.dir = dir;
  std::set<std::string> hosts;
  std::map<std::string, std::vector<std::string>> env;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  auto fail = [&](const std::string& why) {
    *error = "line " + std::to_string(n) + ": " + why;
    return std::nullopt;
  };
  while (std::getline(in, line)) {
    ++n;
    std::vector<std::string> w;
    std::string why;
    if (!Words(line, &w, &why)) return fail(why);
    if (w.empty()) continue;
    const std::string& kw = w[0];
    auto known_host = [&](const std::string& h) { return hosts.count(h) > 0; };
    if (kw == "host") {
      if (w.size() != 3) return fail("expected: host NAME ADDRESS");
      if (!hosts.insert(w[1]).second) return fail("host " + w[1] + " twice");
      spec.hosts.push_back({w[1], w[2]});
    } else if (kw == "latency") {
      if (w.size() != 4) return fail("expected: latency HOST HOST DURATION");
      for (int i : {1, 2}) {
        if (!known_host(w[i])) return fail("no host " + w[i] + " yet");
      }
      auto d = ParseDurationText(w[3]);
      if (!d) return fail("bad duration '" + w[3] + "' (e.g. 5ms)");
      spec.latencies.push_back({w[1], w[2], *d});
    } else if (kw == "exec" || kw == "run") {
      if (w.size() < 3) return fail("expected: " + kw + " HOST PROGRAM [ARGS]");
      if (!known_host(w[1])) return fail("no host " + w[1] + " yet");
      WorldProgram p;
      p.line = n;
      p.host = w[1];
      p.native = kw == "exec";
      p.program = w[2];
      p.args.assign(w.begin() + 3, w.end());
      p.env = env[w[1]];
      spec.programs.push_back(std::move(p));
    } else if (kw == "env") {
      if (w.size() != 3 || w[2].find('=') == std::string::npos ||
          w[2].front() == '=') {
        return fail("expected: env HOST KEY=VALUE");
      }
      if (!known_host(w[1])) return fail("no host " + w[1] + " yet");
      env[w[1]].push_back(w[2]);
    } else if (kw == "budget") {
      std::optional<sim::Duration> d;
      if (w.size() != 2 || !(d = ParseDurationText(w[1])) || d->count() == 0) {
        return fail("expected: budget DURATION (e.g. 60s)");
      }
      spec.budget = *d;
    } else if (kw == "plan") {
      // The rest of the line as written, for the plan's own parser.
      const size_t at = line.find("plan") + 4;
      std::string rest = line.substr(at);
      const size_t first = rest.find_first_not_of(" \t");
      spec.plan += (first == std::string::npos ? "" : rest.substr(first));
      spec.plan += "\n";
    } else if (kw == "busy") {
      std::optional<sim::Duration> d;
      if (w.size() != 2 || !(d = ParseDurationText(w[1])) ||
          *d < std::chrono::milliseconds(1)) {
        return fail("expected: busy DURATION (wall time, e.g. 30s)");
      }
      spec.busy = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    } else if (kw == "spin") {
      // A count: digits only, at most 2^31 - 1 (0 turns the yield off).
      const bool digits =
          w.size() == 2 && !w[1].empty() && w[1].size() <= 10 &&
          w[1].find_first_not_of("0123456789") == std::string::npos;
      const long long n = digits ? std::stoll(w[1]) : -1;
      if (n < 0 || n > 2147483647) {
        return fail(
            "expected: spin READS (clock reads in a row, e.g. 1000; 0: never)");
      }
      spec.spin_reads = static_cast<uint32_t>(n);
    } else if (kw == "output") {
      if (w.size() != 2) return fail("expected: output DIR");
      spec.output_dir = w[1];
    } else {
      return fail("unknown keyword '" + kw +
                  "' (host, latency, exec, run, env, budget, plan, busy, spin, "
                  "output)");
    }
  }
  if (spec.hosts.empty()) {
    *error = "no host (a line: host NAME ADDRESS)";
    return std::nullopt;
  }
  if (spec.programs.empty()) {
    *error = "no program (a line: exec HOST PROGRAM [ARGS])";
    return std::nullopt;
  }
  return spec;
}

std::optional<WorldSpec> LoadWorld(const std::string& path,
                                   std::string* error) {
  std::ifstream file(path);
  if (!file) {
    *error = path + ": cannot read";
    return std::nullopt;
  }
  std::stringstream buf;
  buf << file.rdbuf();
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  std::optional<WorldSpec> spec =
      ParseWorld(buf.str(), abs.parent_path().string(), error);
  if (!spec) {
    *error = path + ": " + *error;
    return std::nullopt;
  }
  spec->path = abs.lexically_normal().string();
  return spec;
}

}  // namespace simsock::exec
