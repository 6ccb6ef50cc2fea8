// Runs every registered scenario twice, each side against the recorded
// Linux log (testing/diff/recording.h):
//
//   Scenarios/Diff.SimVsRecorded/<name>    the simulator's log must equal the
//       recording: deterministic, the same verdict on every machine;
//   Scenarios/Diff.LinuxVsRecorded/<name>  the live kernel's log: equal, or
//       a failure on the release that recorded it, or a kernel-drift report
//       (scenario, line, recorded and live answers) and a skip on any other.
//
// `diff_test --record FILE [NAME...]` re-records the Linux logs (all of
// them, or the named scenarios) on this machine's kernel; tools/
// record_linux.sh is the command. SIMSOCK_DIFF_SEED sets the simulator's
// seed; SIMSOCK_DIFF_VERBOSE=1 prints the logs even when they agree;
// SIMSOCK_DIFF_RECORDING names another recording file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/recording.h"

namespace simsock::diff {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

uint64_t Seed() {
  std::string s = Env("SIMSOCK_DIFF_SEED");
  return s.empty() ? 1 : std::strtoull(s.c_str(), nullptr, 10);
}

struct BackendRun {
  std::string backend;
  std::vector<std::string> log;
  std::vector<Script::Divergence> divergences;
  std::vector<int> leaked_fds;  // Linux only: fds the scenario left open
};

BackendRun RunOn(Backend& backend, const Scenario& scenario) {
  BackendRun run;
  run.backend = backend.Describe();
  std::set<int> before;
  if (!backend.is_sim()) before = OpenFds();
  {
    Script script(backend);
    scenario.body(script);
    run.log = script.log();
    run.divergences = script.divergences();
  }
  if (!backend.is_sim()) {
    for (int fd : OpenFds()) {
      if (!before.count(fd)) run.leaked_fds.push_back(fd);
    }
  }
  return run;
}

BackendRun RunOnLinux(const Scenario& scenario) {
  auto backend = MakeLinuxBackend();
  return RunOn(*backend, scenario);
}

std::string Dump(const BackendRun& run) {
  std::ostringstream out;
  out << "---- " << run.backend << " ----\n";
  for (const auto& line : run.log) out << "  " << line << "\n";
  return out.str();
}

bool IsFailedCheck(const std::string& line) {
  return line.rfind("check ", 0) == 0 && line.size() >= 8 &&
         line.compare(line.size() - 8, 8, " = false") == 0;
}

bool ChecksHold(const BackendRun& run) {
  for (const auto& line : run.log)
    if (IsFailedCheck(line)) return false;
  return true;
}

void ExpectClean(const BackendRun& run) {
  for (const auto& line : run.log) {
    if (IsFailedCheck(line)) {
      ADD_FAILURE() << run.backend << ": property failed: " << line;
    }
  }
  for (int fd : run.leaked_fds) ADD_FAILURE() << "scenario leaked fd " << fd;
}

// The recording, loaded once per process.
struct LoadedRecording {
  Recording recording;
  std::string error;
};
const LoadedRecording& TheRecording() {
  static const LoadedRecording loaded = [] {
    LoadedRecording l;
    Recording::Load(RecordingPath(), &l.recording, &l.error);
    return l;
  }();
  return loaded;
}

const RecordedLog* RecordedFor(const std::string& name) {
  const auto& all = TheRecording().recording.scenarios;
  auto it = all.find(name);
  return it == all.end() ? nullptr : &it->second;
}

class Diff : public ::testing::TestWithParam<Scenario> {};

TEST_P(Diff, SimVsRecorded) {
  const Scenario& scenario = GetParam();
  ASSERT_EQ(TheRecording().error, "");
  const uint64_t seed = Seed();
  auto sim = MakeSimBackend(seed);
  if (!sim) GTEST_SKIP() << "simulator not available in this build";
  BackendRun s = RunOn(*sim, scenario);
  ExpectClean(s);
  const RecordedLog* rec = RecordedFor(scenario.name);
  ASSERT_NE(rec, nullptr) << "scenario " << scenario.name
                          << " has no recorded Linux log; run "
                             "tools/record_linux.sh\n"
                          << Dump(s);
  LogComparison c = CompareLogs(rec->lines, s.log, s.divergences);
  if (c.mismatches > 0 || !Env("SIMSOCK_DIFF_VERBOSE").empty()) {
    std::cout << "scenario " << scenario.name << " (" << scenario.file
              << "), sim seed " << seed << " (SIMSOCK_DIFF_SEED=" << seed
              << ")\n"
              << SideBySide("linux (recorded on " + rec->kernel + ")",
                            rec->lines, s.backend, s.log, c.marks);
  }
  for (const auto& a : c.accepted)
    std::cout << "accepted divergence: " << a << "\n";
  EXPECT_EQ(c.mismatches, 0)
      << "the simulator differs from the recorded Linux log in " << c.mismatches
      << " line(s), first at line " << c.first_mismatch
      << "; '!' marks them above";
}

TEST_P(Diff, LinuxVsRecorded) {
  const Scenario& scenario = GetParam();
  ASSERT_EQ(TheRecording().error, "");
  const std::string live_kernel = LiveKernelRelease();
  const RecordedLog* rec = RecordedFor(scenario.name);
  BackendRun lx = RunOnLinux(scenario);
  LiveVerdict v =
      JudgeLive(scenario.name, rec, live_kernel, lx.log, lx.divergences);
  // Linux's answers can depend on timing (a settle that was too short on a
  // loaded machine): a run that differs is repeated, up to twice more, and
  // one run in agreement with the recording is enough.
  for (int retry = 1; retry <= 2 && rec != nullptr &&
                      (v.kind != LiveVerdict::kAgrees || !ChecksHold(lx));
       ++retry) {
    std::cout << "scenario " << scenario.name
              << ": the Linux run differed; running it again (" << retry
              << ")\n";
    lx = RunOnLinux(scenario);
    v = JudgeLive(scenario.name, rec, live_kernel, lx.log, lx.divergences);
  }
  // A failed property check ("check ... = false") is a line that differs
  // from the recording like any other: a failure on the recorded release,
  // drift on another (a kernel whose ephemeral range or buffer sizes
  // changed). Only a leaked fd is the scenario's own bug everywhere.
  for (int fd : lx.leaked_fds) ADD_FAILURE() << "scenario leaked fd " << fd;
  if (!Env("SIMSOCK_DIFF_VERBOSE").empty()) std::cout << Dump(lx);
  switch (v.kind) {
    case LiveVerdict::kAgrees:
      return;
    case LiveVerdict::kNotRecorded:
      FAIL() << v.report << "\n" << Dump(lx);
    case LiveVerdict::kFails:
      FAIL() << v.report;
    case LiveVerdict::kDrift:
      std::cout << v.report;
      GTEST_SKIP() << "kernel drift: " << scenario.name << " recorded on "
                   << rec->kernel << ", this kernel is " << live_kernel
                   << " and answers differently (report above); the "
                      "simulator models the recorded kernel";
  }
}

std::string ScenarioName(const ::testing::TestParamInfo<Scenario>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Diff, ::testing::ValuesIn(Registry()),
                         ScenarioName);

// --- re-recording
// ---------------------------------------------------------------

// Records the named scenarios (all when `names` is empty) on this kernel into
// `path`, keeping the other scenarios' logs. A log is taken when two
// consecutive runs agree and its property checks hold; a scenario that gives
// no such pair in five runs is reported and keeps its old log.
int Record(const std::string& path, const std::set<std::string>& names) {
  Recording recording;
  std::string error;
  if (!Recording::Load(path, &recording, &error)) {
    std::cerr << "record: starting a new recording (" << error << ")\n";
    recording = Recording{};
  }
  const std::string kernel = LiveKernelRelease();
  std::set<std::string> registered;
  std::vector<std::string> unstable;
  int recorded = 0;
  for (const Scenario& scenario : Registry()) {
    registered.insert(scenario.name);
    if (!names.empty() && !names.count(scenario.name)) continue;
    std::vector<std::string> previous;
    bool done = false;
    for (int run = 0; run < 5 && !done; ++run) {
      BackendRun lx = RunOnLinux(scenario);
      if (!ChecksHold(lx) || !lx.leaked_fds.empty()) {
        previous.clear();
        continue;
      }
      if (!previous.empty() && lx.log == previous) {
        recording.scenarios[scenario.name] = RecordedLog{kernel, lx.log};
        ++recorded;
        done = true;
      }
      previous = lx.log;
    }
    if (!done) unstable.push_back(scenario.name);
  }
  for (const auto& n : names) {
    if (!registered.count(n)) {
      std::cerr << "record: no scenario named " << n << "\n";
      return 2;
    }
  }
  if (names.empty()) {
    // Scenarios that no longer exist leave the recording.
    for (auto it = recording.scenarios.begin();
         it != recording.scenarios.end();) {
      it = registered.count(it->first) ? std::next(it)
                                       : recording.scenarios.erase(it);
    }
  }
  if (!recording.Save(path, &error)) {
    std::cerr << "record: " << error << "\n";
    return 1;
  }
  std::cout << "record: " << recorded << " scenario(s) recorded on kernel "
            << kernel << " into " << path << "\n";
  for (const auto& n : unstable) {
    std::cerr << "record: " << n
              << " gave no two equal runs with its checks holding in five; "
                 "its old log (if any) was kept\n";
  }
  return unstable.empty() ? 0 : 1;
}

}  // namespace
}  // namespace simsock::diff

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--record") {
    if (argc < 3) {
      std::cerr << "usage: diff_test --record FILE [SCENARIO...]\n";
      return 2;
    }
    std::set<std::string> names(argv + 3, argv + argc);
    return simsock::diff::Record(argv[2], names);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
