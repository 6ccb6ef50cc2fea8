#include "simsock/cli/sweep_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace simsock::cli {

namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

std::string PercentileRow(const std::string& label, std::vector<double> v,
                          int decimals) {
  std::string row = Pad(label, 24);
  for (auto [name, p] : {std::pair{"p50", 50.0}, std::pair{"p90", 90.0},
                         std::pair{"p99", 99.0}, std::pair{"max", 100.0}}) {
    row += "  " + std::string(name) + " " +
           PadLeft(Fixed(Percentile(v, p), decimals), 9);
  }
  return row + "\n";
}

std::string ParamsText(const std::map<std::string, std::string>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += ' ';
    out += k + "=" + v;
  }
  return out;
}

// Per key: the runs it appears in and its total.
struct Tally {
  uint64_t runs = 0;
  uint64_t total = 0;
};

std::string TallyRows(const std::string& heading,
                      const std::map<std::string, Tally>& tallies) {
  std::string out =
      Pad(heading, 24) + PadLeft("runs", 8) + PadLeft("total", 10) + "\n";
  if (tallies.empty()) return out + "  (none)\n";
  for (const auto& [key, t] : tallies) {
    out += Pad("  " + key, 24) + PadLeft(std::to_string(t.runs), 8) +
           PadLeft(std::to_string(t.total), 10) + "\n";
  }
  return out;
}

std::string OneScenarioTable(const std::vector<SeedRecord>& records,
                             const TableOptions& options) {
  const std::string& scenario = records.front().result.scenario;
  std::vector<const SeedRecord*> failing;
  std::map<std::string, Tally> violations, errors;
  std::set<std::string> faults_given, params_given;
  std::vector<double> virtual_s, faults_per_run;
  uint64_t faults_total = 0, connections = 0, bytes = 0, plan_errors = 0;
  for (const SeedRecord& r : records) {
    const experiment::Summary& s = r.result.summary;
    if (!r.result.ok()) failing.push_back(&r);
    if (!r.result.plan_error.empty()) ++plan_errors;
    std::map<std::string, uint64_t> per_invariant;
    for (const experiment::Violation& v : r.result.violations) {
      ++per_invariant[v.invariant];
    }
    for (const auto& [name, n] : per_invariant) {
      ++violations[name].runs;
      violations[name].total += n;
    }
    for (const auto& [name, n] : s.errors) {
      ++errors[name].runs;
      errors[name].total += n;
    }
    faults_total += s.faults_injected;
    faults_per_run.push_back(static_cast<double>(s.faults_injected));
    connections += s.connections;
    bytes += s.bytes;
    virtual_s.push_back(std::chrono::duration<double>(s.virtual_time).count());
    faults_given.insert(r.faults);
    params_given.insert(ParamsText(r.params));
  }

  std::ostringstream out;
  out << "scenario " << scenario << ": " << records.size() << " runs (seeds "
      << records.front().result.summary.seed << ".."
      << records.back().result.summary.seed << "), " << failing.size()
      << " failing (" << Fixed(100.0 * failing.size() / records.size(), 1)
      << "%)\n";
  // The sweep's parameters and plan: one each in a sweep (a merge of
  // several sweeps of one scenario may hold several).
  auto one = [](const std::set<std::string>& given) -> std::string {
    if (given.size() != 1) return "(they differ)";
    return given.begin()->empty() ? "(none)" : *given.begin();
  };
  out << "  params: " << one(params_given) << "\n";
  out << "  faults: " << one(faults_given) << "\n";
  if (plan_errors) out << "  plan refused in " << plan_errors << " runs\n";
  out << "\n" << TallyRows("violations by invariant", violations);
  out << TallyRows("errors by kind", errors);
  out << "\n"
      << Pad("faults injected", 24) << "  total " << faults_total
      << ", per run p50 " << Fixed(Percentile(faults_per_run, 50), 0)
      << ", max " << Fixed(Percentile(faults_per_run, 100), 0) << "\n";
  out << Pad("connections", 24) << "  " << connections << "\n";
  out << Pad("bytes read", 24) << "  " << bytes << "\n";
  out << PercentileRow("virtual time (s)", virtual_s, 3);

  if (!failing.empty()) {
    size_t shown = std::min(failing.size(), options.max_failing);
    out << "\nfailing seeds";
    if (shown < failing.size()) {
      out << " (first " << shown << " of " << failing.size() << ")";
    }
    out << ":\n";
    for (size_t i = 0; i < shown; ++i) {
      const experiment::RunResult& r = failing[i]->result;
      out << "  seed " << r.summary.seed << ": ";
      if (!r.plan_error.empty()) {
        out << "plan refused: " << r.plan_error << "\n";
      } else {
        const experiment::Violation& v = r.violations.front();
        out << v.invariant << " at "
            << Fixed(std::chrono::duration<double>(v.at).count(), 3)
            << " s: " << v.message << "\n";
      }
      out << "    " << ReplayLine(*failing[i], options.program) << "\n";
    }
  }
  return out.str();
}

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

std::string ShellQuote(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
                c == '/' || c == '=' || c == ':' || c == ',' || c == '+';
    plain = plain && safe;
  }
  if (plain) return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ReplayLine(const SeedRecord& record, const std::string& program) {
  std::string line = program + " run " + ShellQuote(record.result.scenario) +
                     " --seed " + std::to_string(record.result.summary.seed);
  for (const auto& [k, v] : record.params) {
    line += " --param " + ShellQuote(k + "=" + v);
  }
  if (!record.faults.empty()) line += " --faults " + ShellQuote(record.faults);
  return line;
}

std::string FormatTable(std::vector<SeedRecord> records,
                        const TableOptions& options) {
  if (records.empty()) return "no runs\n";
  // Sorted by scenario then seed: the table depends on the set of results,
  // not on the order they came in.
  std::stable_sort(records.begin(), records.end(),
                   [](const SeedRecord& a, const SeedRecord& b) {
                     if (a.result.scenario != b.result.scenario) {
                       return a.result.scenario < b.result.scenario;
                     }
                     return a.result.summary.seed < b.result.summary.seed;
                   });
  std::string out;
  size_t begin = 0;
  while (begin < records.size()) {
    size_t end = begin;
    while (end < records.size() &&
           records[end].result.scenario == records[begin].result.scenario) {
      ++end;
    }
    if (!out.empty()) out += "\n";
    out += OneScenarioTable(
        std::vector<SeedRecord>(records.begin() + begin, records.begin() + end),
        options);
    begin = end;
  }
  return out;
}

std::string FormatWallTime(const std::vector<SeedRecord>& records) {
  std::vector<double> wall;
  for (const SeedRecord& r : records)
    wall.push_back(r.result.summary.wall_seconds);
  return PercentileRow("wall time per run (s)", wall, 3);
}

}  // namespace simsock::cli
