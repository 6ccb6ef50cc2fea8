// The recording and the live-kernel verdicts (recording.h): the file format
// round-trips, and a live log that differs from its recording fails on the
// recorded release and is reported as drift, with the scenario and the line,
// and skipped (not passed) on any other release, down to what the test
// binary itself prints and returns.
#include "simsock/testing/diff/recording.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {
namespace {

TEST(Recording, SerializeParseRoundTrip) {
  Recording r;
  r.scenarios["B_Second"] = {"6.1.0-test", {"socket(AF_INET) = fd0", ""}};
  r.scenarios["A_First"] = {"6.18.44-x", {"== not a header", "  indented"}};
  Recording back;
  std::string error;
  ASSERT_TRUE(Recording::Parse(r.Serialize(), &back, &error)) << error;
  ASSERT_EQ(back.scenarios.size(), 2u);
  EXPECT_EQ(back.scenarios["A_First"].kernel, "6.18.44-x");
  EXPECT_EQ(back.scenarios["A_First"].lines,
            (std::vector<std::string>{"== not a header", "  indented"}));
  EXPECT_EQ(back.scenarios["B_Second"].lines,
            (std::vector<std::string>{"socket(AF_INET) = fd0", ""}));
  EXPECT_EQ(back.Serialize(), r.Serialize());
}

TEST(Recording, MalformedFilesAreRejectedWithTheLine) {
  Recording r;
  std::string error;
  EXPECT_FALSE(Recording::Parse("# c\n  orphan line\n", &r, &error));
  EXPECT_EQ(error, "line 2: log line before any scenario");
  EXPECT_FALSE(Recording::Parse("== NoKernel\n", &r, &error));
  EXPECT_NE(error.find("line 1: expected \"== <name> @ <kernel release>\""),
            std::string::npos);
  EXPECT_FALSE(Recording::Parse("== A @ k\n== A @ k\n", &r, &error));
  EXPECT_EQ(error, "line 2: scenario A is recorded twice");
  EXPECT_FALSE(Recording::Parse("== A @ k\nunindented\n", &r, &error));
  EXPECT_NE(error.find("line 2:"), std::string::npos);
}

TEST(Recording, TheRepositoryRecordingCoversEveryScenario) {
  Recording r;
  std::string error;
  ASSERT_TRUE(Recording::Load(RecordingPath(), &r, &error)) << error;
  for (const Scenario& s : Registry()) {
    EXPECT_TRUE(r.scenarios.count(s.name))
        << s.name << " is not recorded; run tools/record_linux.sh " << s.name;
  }
  for (const auto& [name, log] : r.scenarios) {
    bool registered = false;
    for (const Scenario& s : Registry()) registered |= s.name == name;
    EXPECT_TRUE(registered) << name << " is recorded but no longer exists";
    EXPECT_FALSE(log.kernel.empty()) << name;
  }
}

const RecordedLog kRecorded{"6.18.44-recorded",
                            {"socket(AF_INET, SOCK_STREAM) = fd0",
                             "listen(fd0, 0) = -EINVAL", "close(fd0) = 0"}};

TEST(LiveVerdict, EqualLogsAgreeOnAnyRelease) {
  EXPECT_EQ(
      JudgeLive("S", &kRecorded, "6.18.44-recorded", kRecorded.lines, {}).kind,
      LiveVerdict::kAgrees);
  EXPECT_EQ(
      JudgeLive("S", &kRecorded, "5.10.0-other", kRecorded.lines, {}).kind,
      LiveVerdict::kAgrees);
}

TEST(LiveVerdict, ADifferenceOnTheRecordedReleaseFails) {
  std::vector<std::string> live = kRecorded.lines;
  live[1] = "listen(fd0, 0) = 0";
  LiveVerdict v =
      JudgeLive("Listen_X", &kRecorded, "6.18.44-recorded", live, {});
  EXPECT_EQ(v.kind, LiveVerdict::kFails);
  EXPECT_NE(v.report.find("scenario Listen_X"), std::string::npos);
  EXPECT_NE(v.report.find("line 2: recorded \"listen(fd0, 0) = -EINVAL\", "
                          "live \"listen(fd0, 0) = 0\""),
            std::string::npos)
      << v.report;
}

TEST(LiveVerdict, ADifferenceOnAnotherReleaseIsDriftWithScenarioAndLine) {
  std::vector<std::string> live = kRecorded.lines;
  live[1] = "listen(fd0, 0) = 0";
  live.push_back("extra line");
  LiveVerdict v = JudgeLive("Listen_X", &kRecorded, "6.1.0-other", live, {});
  EXPECT_EQ(v.kind, LiveVerdict::kDrift);
  EXPECT_NE(v.report.find("kernel drift: scenario Listen_X, recorded on "
                          "6.18.44-recorded, live kernel 6.1.0-other"),
            std::string::npos)
      << v.report;
  EXPECT_NE(v.report.find("line 2: recorded \"listen(fd0, 0) = -EINVAL\", "
                          "live \"listen(fd0, 0) = 0\""),
            std::string::npos);
  EXPECT_NE(
      v.report.find("line 4: recorded \"<missing>\", live \"extra line\""),
      std::string::npos);
}

TEST(LiveVerdict, AnAcceptedDivergenceIsNotADifference) {
  std::vector<std::string> live = kRecorded.lines;
  live[1] = "listen(fd0, 0) = 0";
  LiveVerdict v = JudgeLive("S", &kRecorded, "6.18.44-recorded", live,
                            {{"listen\\(fd0, 0\\) = .*", "timing"}});
  EXPECT_EQ(v.kind, LiveVerdict::kAgrees);
}

TEST(LiveVerdict, AScenarioWithoutARecordingIsNamed) {
  LiveVerdict v =
      JudgeLive("New_Scenario", nullptr, "6.18.44-recorded", {}, {});
  EXPECT_EQ(v.kind, LiveVerdict::kNotRecorded);
  EXPECT_NE(v.report.find("New_Scenario"), std::string::npos);
}

// Runs this test binary on one scenario against a recording whose second
// line was changed, as if recorded on `kernel`; returns its exit status and
// output.
struct ChildRun {
  int status = -1;
  std::string output;
};
ChildRun RunDoctored(const std::string& scenario, const std::string& kernel) {
  const Scenario* found = nullptr;
  for (const Scenario& s : Registry()) {
    if (s.name == scenario) found = &s;
  }
  EXPECT_NE(found, nullptr);
  if (found == nullptr) return {};
  // The live log, with line 2 changed, is the recording.
  std::vector<std::string> lines;
  {
    auto backend = MakeLinuxBackend();
    Script script(*backend);
    found->body(script);
    lines = script.log();
  }
  EXPECT_GE(lines.size(), 2u);
  lines[1] += " (doctored)";
  Recording r;
  r.scenarios[scenario] = {kernel, lines};
  char dir[] = "/tmp/simsock-recording-XXXXXX";
  EXPECT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/recording.txt";
  std::string error;
  EXPECT_TRUE(r.Save(path, &error)) << error;
  char self[4096] = {};
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  EXPECT_GT(n, 0);
  const std::string cmd =
      "SIMSOCK_DIFF_RECORDING='" + path + "' '" + std::string(self) +
      "' --gtest_filter='Scenarios/Diff.LinuxVsRecorded/" + scenario + "' 2>&1";
  ChildRun run;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, p)) > 0)
      run.output.append(buf, got);
    run.status = ::pclose(p);
  }
  std::remove(path.c_str());
  ::rmdir(dir);
  return run;
}

TEST(LiveVerdict, TheRunnerSkipsDriftWithItsReportAndFailsOnTheSameRelease) {
  const std::string scenario = "Listen_UdpIsEopnotsupp";
  ChildRun drift = RunDoctored(scenario, "0.0.0-another-release");
  EXPECT_TRUE(WIFEXITED(drift.status) && WEXITSTATUS(drift.status) == 0)
      << drift.output;
  EXPECT_NE(drift.output.find("kernel drift: scenario " + scenario +
                              ", recorded on 0.0.0-another-release"),
            std::string::npos)
      << drift.output;
  EXPECT_NE(drift.output.find("line 2: recorded \""), std::string::npos)
      << drift.output;
  EXPECT_NE(drift.output.find("[  SKIPPED ] Scenarios/Diff.LinuxVsRecorded/" +
                              scenario),
            std::string::npos)
      << drift.output;
  EXPECT_EQ(drift.output.find("[       OK ]"), std::string::npos)
      << drift.output;

  ChildRun same = RunDoctored(scenario, LiveKernelRelease());
  EXPECT_TRUE(WIFEXITED(same.status) && WEXITSTATUS(same.status) != 0)
      << same.output;
  EXPECT_NE(same.output.find("live kernel differs from its own recording"),
            std::string::npos)
      << same.output;
  EXPECT_NE(same.output.find("[  FAILED  ] Scenarios/Diff.LinuxVsRecorded/" +
                             scenario),
            std::string::npos)
      << same.output;
}

}  // namespace
}  // namespace simsock::diff
