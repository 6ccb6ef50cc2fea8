#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "simsock/cli/progress.h"
#include "simsock/cli/slurm.h"

namespace simsock::cli {
namespace {

using ::testing::HasSubstr;

TEST(CliSlurm, ScriptIsAJobArrayOfShardsWritingJsonLines) {
  SlurmSweep s;
  s.dir = "/shared/sweep one";
  s.program = "/opt/simsock/bin/simsock";
  s.scenario = "echo";
  s.seeds = {1, 1000};
  s.faults = "from 0s loss 0.1 clients <-> server; at 45s crash server";
  s.params = {{"clients", "100"}};
  s.tasks = 10;
  s.jobs = 4;
  std::string script = SbatchScript(s);
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_THAT(script, HasSubstr("#SBATCH --array=0-9\n"));
  EXPECT_THAT(script, HasSubstr("#SBATCH --cpus-per-task=4\n"));
  EXPECT_THAT(script,
              HasSubstr("#SBATCH --output=/shared/sweep one/slurm-%A_%a.out"));
  EXPECT_THAT(
      script,
      HasSubstr("/opt/simsock/bin/simsock sweep echo --seeds 1..1000 --jobs 4 "
                "--param clients=100 --faults 'from 0s loss 0.1 clients <-> "
                "server; at 45s crash server' --jsonl '/shared/sweep "
                "one'/shard-$SLURM_ARRAY_TASK_ID.jsonl\n"));
  // No --shard: the task takes it from the array's environment.
  EXPECT_THAT(script, ::testing::Not(HasSubstr("--shard")));
  // Failing seeds (status 1) are a result, not a failed task.
  EXPECT_THAT(script, HasSubstr("if [ \"$status\" -eq 1 ]; then exit 0; fi"));
}

TEST(CliProgress, LinesShowCountRateAndEta) {
  Progress p("runs", 200, false, stderr);
  EXPECT_EQ(p.Line(50, "3 failing", 10.0, false),
            "50/200 runs, 3 failing, 0:10 elapsed, ETA 0:30");
  EXPECT_EQ(p.Line(200, "", 75.0, false), "200/200 runs, 1:15 elapsed");
  EXPECT_EQ(p.Line(100, "", 1.0, true).substr(0, 33),
            "[###############...............] ");
  EXPECT_EQ(Progress::Clock(3725), "1:02:05");
  EXPECT_EQ(Progress::Clock(-1), "0:00");
}

}  // namespace
}  // namespace simsock::cli
