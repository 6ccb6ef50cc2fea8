// The fixture of the `simsock exec` world tests: a world from the text of
// a world file (its programs' output in the test's own directory), a run
// under a seed and plan, and the checks every such test makes (no child
// process left behind).
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "examples/echo/echo_programs.h"
#include "simsock/exec/exec_scenario.h"
#include "simsock/exec/world_file.h"
#include "simsock/experiment/experiment.h"
#include "simsock/faults/fault_plan.h"

namespace simsock::exec_test {

/// The whole file, or "" when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every child of this process has been reaped.
inline bool NoChildLeft() {
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

class ExecWorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    echo::RegisterEchoPrograms();
    dir_ = ::testing::TempDir() + "exec_world_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }

  // The world of `text` (with an `output` line to this test's directory).
  experiment::Scenario World(const std::string& text) {
    std::string error;
    std::optional<exec::WorldSpec> spec =
        exec::ParseWorld(text + "output " + dir_ + "\n", dir_, &error);
    EXPECT_TRUE(spec) << error;
    if (!spec) return {};
    EXPECT_EQ(exec::CheckWorld(*spec), "");
    return exec::WorldScenario(std::make_shared<const exec::WorldSpec>(*spec));
  }

  experiment::RunResult Run(const experiment::Scenario& s, uint64_t seed,
                            const std::string& plan = "",
                            const std::string& trace = "") {
    experiment::RunOptions o;
    o.seed = seed;
    o.trace_path = trace;
    o.stop_at_first = false;
    faults::ParsedPlan p =
        faults::ParsePlan(plan.empty() ? s.default_plan : plan);
    EXPECT_TRUE(p.ok()) << p.error.ToString();
    if (p.ok()) o.plan = *p.plan;
    experiment::RunResult r = experiment::Run(s, o);
    EXPECT_TRUE(NoChildLeft());
    return r;
  }

  static std::string Violations(const experiment::RunResult& r) {
    std::string out = r.plan_error;
    for (const auto& v : r.violations) out += v.ToString() + "\n";
    return out;
  }

  std::string dir_;
};

}  // namespace simsock::exec_test
