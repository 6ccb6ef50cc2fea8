// Recorded Linux logs: see recording.h.
#include "simsock/testing/diff/recording.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace simsock::diff {

namespace {

constexpr const char kHeader[] = "== ";
constexpr const char kKernelSep[] = " @ ";
constexpr const char kIndent[] = "  ";

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

std::string Recording::Serialize() const {
  std::ostringstream out;
  out << "# Linux logs of the differential scenarios (tests/diff/*_test.cc).\n"
         "# Written by tools/record_linux.sh; the simulator is checked "
         "against\n"
         "# them, and so is the live kernel (docs/semantics.md, \"Recorded\n"
         "# kernel\"). One block per scenario: \"== <name> @ <kernel "
         "release>\"\n"
         "# and its normalised log, each line indented by two spaces.\n";
  for (const auto& [name, log] : scenarios) {
    out << kHeader << name << kKernelSep << log.kernel << "\n";
    for (const auto& line : log.lines) out << kIndent << line << "\n";
  }
  return out.str();
}

std::string Recording::MainKernel() const {
  std::map<std::string, int> count;
  for (const auto& [name, log] : scenarios) ++count[log.kernel];
  std::string best;
  int most = 0;
  for (const auto& [kernel, n] : count) {
    if (n > most) {
      best = kernel;
      most = n;
    }
  }
  return best;
}

bool Recording::Parse(const std::string& text, Recording* out,
                      std::string* error) {
  out->scenarios.clear();
  std::istringstream in(text);
  std::string line;
  RecordedLog* current = nullptr;
  int number = 0;
  auto fail = [&](const std::string& why) {
    *error = "line " + std::to_string(number) + ": " + why;
    return false;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    if (StartsWith(line, kHeader)) {
      std::string rest = line.substr(sizeof kHeader - 1);
      size_t at = rest.rfind(kKernelSep);
      if (at == std::string::npos || at == 0 ||
          at + sizeof kKernelSep - 1 >= rest.size()) {
        return fail("expected \"== <name> @ <kernel release>\", got \"" + line +
                    "\"");
      }
      std::string name = rest.substr(0, at);
      if (out->scenarios.count(name)) {
        return fail("scenario " + name + " is recorded twice");
      }
      current = &out->scenarios[name];
      current->kernel = rest.substr(at + sizeof kKernelSep - 1);
      continue;
    }
    if (!StartsWith(line, kIndent)) {
      return fail("expected a header or a log line indented by two spaces");
    }
    if (current == nullptr) return fail("log line before any scenario");
    current->lines.push_back(line.substr(sizeof kIndent - 1));
  }
  return true;
}

bool Recording::Load(const std::string& path, Recording* out,
                     std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path;
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string why;
  if (!Parse(text.str(), out, &why)) {
    *error = path + ": " + why;
    return false;
  }
  return true;
}

bool Recording::Save(const std::string& path, std::string* error) const {
  // Write a sibling and rename it, so that an interrupted recording never
  // leaves a truncated file behind.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << Serialize();
    if (!out) {
      *error = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot rename " + tmp + " to " + path;
    return false;
  }
  return true;
}

std::string RecordingPath() {
  if (const char* env = std::getenv("SIMSOCK_DIFF_RECORDING")) {
    if (*env) return env;
  }
#ifdef SIMSOCK_DIFF_RECORDING_PATH
  return SIMSOCK_DIFF_RECORDING_PATH;
#else
  return "tests/diff/linux_recording.txt";
#endif
}

std::string LiveKernelRelease() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  return u.release;
}

LogComparison CompareLogs(const std::vector<std::string>& expected,
                          const std::vector<std::string>& actual,
                          const std::vector<Script::Divergence>& accepted) {
  LogComparison c;
  const size_t n = std::max(expected.size(), actual.size());
  c.marks.assign(n, ' ');
  for (size_t i = 0; i < n; ++i) {
    const std::string l = i < expected.size() ? expected[i] : "<missing>";
    const std::string r = i < actual.size() ? actual[i] : "<missing>";
    if (l == r) continue;
    bool ok = false;
    for (const auto& d : accepted) {
      if (std::regex_match(l, std::regex(d.pattern))) {
        ok = true;
        c.accepted.push_back(d.pattern + " (" + d.reason + ")");
        break;
      }
    }
    c.marks[i] = ok ? '~' : '!';
    if (!ok) {
      ++c.mismatches;
      if (c.first_mismatch == 0) c.first_mismatch = i + 1;
    }
  }
  return c;
}

std::string SideBySide(const std::string& left_title,
                       const std::vector<std::string>& left,
                       const std::string& right_title,
                       const std::vector<std::string>& right,
                       const std::vector<char>& marks) {
  std::ostringstream out;
  size_t width = std::max<size_t>(20, left_title.size());
  for (const auto& l : left) width = std::max(width, l.size());
  width = std::min<size_t>(width, 90);
  out << "   " << left_title
      << std::string(width > left_title.size() ? width - left_title.size() : 1,
                     ' ')
      << "   " << right_title << "\n";
  const size_t n = std::max(left.size(), right.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string l = i < left.size() ? left[i] : "<missing>";
    const std::string r = i < right.size() ? right[i] : "<missing>";
    out << (i < marks.size() ? marks[i] : ' ') << "  " << l
        << std::string(l.size() < width ? width - l.size() : 1, ' ') << " | "
        << r << "\n";
  }
  return out.str();
}

LiveVerdict JudgeLive(const std::string& scenario, const RecordedLog* recorded,
                      const std::string& live_kernel,
                      const std::vector<std::string>& live_log,
                      const std::vector<Script::Divergence>& accepted) {
  LiveVerdict v;
  if (recorded == nullptr) {
    v.kind = LiveVerdict::kNotRecorded;
    v.report = "scenario " + scenario +
               " has no recorded Linux log; run tools/record_linux.sh";
    return v;
  }
  LogComparison c = CompareLogs(recorded->lines, live_log, accepted);
  if (c.mismatches == 0) return v;
  const bool same_release = recorded->kernel == live_kernel;
  v.kind = same_release ? LiveVerdict::kFails : LiveVerdict::kDrift;
  std::ostringstream out;
  out << (same_release ? "live kernel differs from its own recording"
                       : "kernel drift")
      << ": scenario " << scenario << ", recorded on " << recorded->kernel
      << ", live kernel " << live_kernel << "\n";
  for (size_t i = 0; i < c.marks.size(); ++i) {
    if (c.marks[i] != '!') continue;
    out << "  line " << (i + 1) << ": recorded \""
        << (i < recorded->lines.size() ? recorded->lines[i] : "<missing>")
        << "\", live \"" << (i < live_log.size() ? live_log[i] : "<missing>")
        << "\"\n";
  }
  out << SideBySide("recorded (" + recorded->kernel + ")", recorded->lines,
                    "live (" + live_kernel + ")", live_log, c.marks);
  v.report = out.str();
  return v;
}

}  // namespace simsock::diff
