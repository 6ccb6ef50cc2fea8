#include "simsock/experiment/gtest.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace simsock::experiment {

namespace {

// An environment variable as a whole unsigned number, or nullopt (unset
// or empty). A value that is not one fails the test: a typo must not run
// other seeds silently.
std::optional<uint64_t> EnvNumber(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (errno != 0 || *end != '\0' || *v == '-') {
    ADD_FAILURE() << name << "=" << v << " is not a whole number";
    return std::nullopt;
  }
  return n;
}

// How this test binary was started: argv[0] as typed.
std::string ProgramName() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string argv0;
  std::getline(in, argv0, '\0');
  return argv0.empty() ? "./test" : argv0;
}

// "--gtest_filter=Suite.Name" for the running test, or "".
std::string FilterArg() {
  const ::testing::TestInfo* t =
      ::testing::UnitTest::GetInstance()->current_test_info();
  if (t == nullptr) return "";
  return std::string(" --gtest_filter=") + t->test_suite_name() + "." +
         t->name();
}

}  // namespace

SeedsResult RunSeeds(const Scenario& scenario, const SeedsOptions& options) {
  SeedsResult result;
  if (auto one = EnvNumber("SIMSOCK_TEST_SEED")) {
    result.seeds.push_back(*one);
  } else {
    const uint64_t num =
        EnvNumber("SIMSOCK_TEST_NUM")
            .value_or(static_cast<uint64_t>(options.num > 0 ? options.num : 0));
    for (uint64_t i = 0; i < num; ++i)
      result.seeds.push_back(options.first_seed + i);
  }
  bool determinism = options.check_determinism;
  if (const char* d = std::getenv("SIMSOCK_TEST_CHECK_DETERMINISM")) {
    if (std::string(d) == "0") determinism = false;
  }
  const char* trace_dir = std::getenv("SIMSOCK_TEST_TRACE");

  for (size_t i = 0; i < result.seeds.size(); ++i) {
    RunOptions o;
    o.seed = result.seeds[i];
    o.plan = options.plan;
    o.params = options.params;
    o.stop_at_first = options.stop_at_first;
    if (trace_dir != nullptr && *trace_dir != '\0') {
      const std::string base = std::string(trace_dir) + "/" + scenario.name +
                               "-" + std::to_string(o.seed);
      o.trace_path = base + ".trace";
      o.pcap_path = base + ".pcap";
      o.json_path = base + ".jsonl";
    }
    RunResult r = Run(scenario, o);
    if (i == 0 && determinism) {
      RunOptions again = o;
      again.trace_path.clear();
      again.pcap_path.clear();
      again.json_path.clear();
      const RunResult twice = Run(scenario, again);
      if (twice.summary.trace_hash != r.summary.trace_hash) {
        std::ostringstream m;
        m << "seed " << o.seed << " is not deterministic: trace hash "
          << std::hex << r.summary.trace_hash << ", then "
          << twice.summary.trace_hash
          << " (something in the scenario reads a wall clock, an unseeded "
             "random source, or pointer order)";
        result.nondeterminism = m.str();
      }
    }
    if (!r.ok()) result.failures.push_back(std::move(r));
  }

  const std::string program = ProgramName() + FilterArg();
  if (!result.failures.empty()) {
    const RunResult& first = result.failures.front();
    const std::string seed = std::to_string(first.summary.seed);
    result.replay_line = "SIMSOCK_TEST_SEED=" + seed + " " + program;
    result.trace_line = "SIMSOCK_TEST_SEED=" + seed +
                        " SIMSOCK_TEST_TRACE=/tmp " + program + "   # /tmp/" +
                        scenario.name + "-" + seed + ".{trace,pcap,jsonl}";
    if (options.shrink_runs > 0 && first.plan_error.empty()) {
      faults::ParsedPlan applied = faults::ParsePlan(first.plan);
      if (applied.ok() && !applied.plan->events.empty()) {
        ShrinkOptions so;
        so.max_runs = options.shrink_runs;
        so.params = options.params;
        result.shrunk = Shrink(scenario, first.summary.seed, *applied.plan, so);
      }
    }
  }
  return result;
}

std::string SeedsResult::Report() const {
  std::ostringstream out;
  if (!nondeterminism.empty()) out << nondeterminism << "\n";
  if (failures.empty()) return out.str();
  out << failures.size() << " of " << seeds.size() << " seed(s) failed:\n";
  for (const RunResult& r : failures) {
    out << "seed " << r.summary.seed << ":";
    if (!r.plan_error.empty()) {
      out << " the plan was refused: " << r.plan_error << "\n";
      continue;
    }
    out << "\n";
    for (const Violation& v : r.violations) {
      out << "  " << v.ToString() << "\n";
    }
  }
  const RunResult& first = failures.front();
  if (!first.violations.empty()) {
    out << "the last trace lines before the first violation of seed "
        << first.summary.seed << ":\n";
    for (const std::string& l : first.violations.front().last_trace)
      out << "  " << l << "\n";
  }
  out << "replay it alone:\n  " << replay_line << "\n";
  out << "write its trace and pcap:\n  " << trace_line << "\n";
  if (shrunk && shrunk->reproduced) {
    out << "its plan, shrunk in " << shrunk->runs << " runs"
        << (shrunk->minimal ? "" : " (stopped by the run limit)")
        << ", ready to paste:\n"
        << shrunk->plan.ToText();
  } else if (!first.plan.empty()) {
    out << "its plan as applied:\n" << first.plan;
  }
  return out.str();
}

SeedsResult ExpectHolds(const Scenario& scenario, const SeedsOptions& options) {
  SeedsResult r = RunSeeds(scenario, options);
  if (!r.ok()) {
    ADD_FAILURE() << "scenario " << scenario.name << ": " << r.Report();
  }
  return r;
}

}  // namespace simsock::experiment
