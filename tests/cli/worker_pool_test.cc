// The sweep's process pool against stand-in workers: small shell loops
// that speak the worker protocol (a seed per line in, a JSON line out on
// fd 3), so that the pool's bookkeeping (every seed once, crashes, workers
// that cannot start) is tested apart from any scenario.
#include "simsock/cli/worker_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <set>

namespace simsock::cli {
namespace {

using ::testing::HasSubstr;

// A worker that answers each seed with a result; `extra` runs first
// (with $s the seed) to misbehave.
PoolOptions ShellWorkers(const std::string& extra, size_t jobs) {
  PoolOptions o;
  o.worker_argv = {
      "/bin/sh", "-c",
      "while read s; do " + extra +
          " printf '{\"scenario\":\"fake\",\"seed\":%s,\"ok\":true}\\n' "
          "\"$s\" >&3; done"};
  o.jobs = jobs;
  o.scenario = "fake";
  o.faults = "at 1s crash a";
  return o;
}

std::vector<uint64_t> Seeds(uint64_t n) {
  std::vector<uint64_t> v;
  for (uint64_t s = 1; s <= n; ++s) v.push_back(s);
  return v;
}

TEST(CliWorkerPool, RunsEverySeedOnceAcrossWorkers) {
  std::vector<SeedRecord> results;
  std::string error;
  size_t callbacks = 0;
  PoolOptions o = ShellWorkers("", 3);
  o.on_result = [&](const SeedRecord&) { ++callbacks; };
  ASSERT_TRUE(RunInWorkers(Seeds(25), o, &results, &error)) << error;
  EXPECT_EQ(callbacks, 25u);
  std::set<uint64_t> seen;
  for (const SeedRecord& r : results) {
    EXPECT_TRUE(r.result.ok());
    EXPECT_TRUE(seen.insert(r.result.summary.seed).second);
  }
  EXPECT_EQ(seen.size(), 25u);
}

TEST(CliWorkerPool, AWorkerThatDiesFailsItsSeedAndIsReplaced) {
  std::vector<SeedRecord> results;
  std::string error;
  PoolOptions o = ShellWorkers("if [ \"$s\" = 5 ]; then kill -SEGV $$; fi;", 2);
  ASSERT_TRUE(RunInWorkers(Seeds(12), o, &results, &error)) << error;
  ASSERT_EQ(results.size(), 12u);
  auto five = std::find_if(results.begin(), results.end(),
                           [](auto& r) { return r.result.summary.seed == 5; });
  ASSERT_NE(five, results.end());
  EXPECT_FALSE(five->result.ok());
  ASSERT_EQ(five->result.violations.size(), 1u);
  EXPECT_EQ(five->result.violations[0].invariant, "crash");
  EXPECT_THAT(five->result.violations[0].message, HasSubstr("SIGSEGV"));
  EXPECT_EQ(five->result.scenario, "fake");
  EXPECT_EQ(five->faults, "at 1s crash a");  // replayable
  EXPECT_EQ(std::count_if(results.begin(), results.end(),
                          [](auto& r) { return r.result.ok(); }),
            11);
}

TEST(CliWorkerPool, AnAnswerThatIsNotAResultFailsItsSeed) {
  std::vector<SeedRecord> results;
  std::string error;
  PoolOptions o = ShellWorkers(
      "if [ \"$s\" = 2 ]; then echo garbage >&3; continue; fi;", 1);
  ASSERT_TRUE(RunInWorkers(Seeds(3), o, &results, &error)) << error;
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[1].result.summary.seed, 2u);
  EXPECT_EQ(results[1].result.violations[0].invariant, "crash");
  EXPECT_THAT(results[1].result.violations[0].message,
              HasSubstr("not a result"));
}

TEST(CliWorkerPool, AWorkerThatCannotStartEndsTheSweepWithAnError) {
  std::vector<SeedRecord> results;
  std::string error;
  PoolOptions o;
  o.worker_argv = {"/nonexistent/simsock", "__worker"};
  o.jobs = 2;
  EXPECT_FALSE(RunInWorkers(Seeds(5), o, &results, &error));
  EXPECT_THAT(error, HasSubstr("cannot start a sweep worker"));
}

TEST(CliWorkerPool, WorkerLoopAnswersEachSeedOnItsFd) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  std::string seeds = "4\n9\n";
  ASSERT_EQ(::write(in[1], seeds.data(), seeds.size()),
            static_cast<ssize_t>(seeds.size()));
  ::close(in[1]);
  int status = WorkerLoop(in[0], out[1], [](uint64_t seed) {
    SeedRecord r;
    r.result.scenario = "loop";
    r.result.summary.seed = seed * 10;
    return r;
  });
  ::close(out[1]);
  EXPECT_EQ(status, 0);
  char buf[4096];
  ssize_t n = ::read(out[0], buf, sizeof buf);
  ASSERT_GT(n, 0);
  std::string text(buf, static_cast<size_t>(n));
  EXPECT_THAT(text, HasSubstr("\"seed\":40"));
  EXPECT_THAT(text, HasSubstr("\"seed\":90"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  ::close(in[0]);
  ::close(out[0]);
}

TEST(CliWorkerPool, WorkerLoopRefusesABadSeedLine) {
  int in[2], out[2];
  ASSERT_EQ(::pipe(in), 0);
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::write(in[1], "x1\n", 3), 3);
  ::close(in[1]);
  EXPECT_EQ(WorkerLoop(in[0], out[1], [](uint64_t) { return SeedRecord{}; }),
            2);
  for (int fd : {in[0], out[0], out[1]}) ::close(fd);
}

}  // namespace
}  // namespace simsock::cli
