#include "simsock/cli/sweep_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "simsock/cli/seed_record.h"

namespace simsock::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A result as a worker would report it: every third seed hangs, every
// fifth reads a wrong reply.
SeedRecord Record(uint64_t seed) {
  SeedRecord r;
  r.faults = "from 0s loss 0.1 clients <-> server; at 45s crash server";
  r.params = {{"clients", "20"}};
  r.result.scenario = "echo";
  experiment::Summary& s = r.result.summary;
  s.seed = seed;
  s.connections = 20;
  s.bytes = 260 + seed;
  s.faults_injected = seed % 7;
  s.virtual_time = std::chrono::milliseconds(60'000 + 10 * seed);
  s.wall_seconds = 0.01 * static_cast<double>(seed % 13);
  s.trace_hash = seed * 0x9E3779B97F4A7C15ull;
  if (seed % 2 == 0) s.errors["ECONNRESET"] = 2;
  if (seed % 3 == 0) {
    r.result.violations.push_back({"deadlock",
                                   std::chrono::seconds(300 + seed),
                                   "client3 blocked in recvfrom for 300 s",
                                   {"line a", "line b"}});
  }
  if (seed % 5 == 0) {
    r.result.violations.push_back(
        {"reply", std::chrono::seconds(50), "client1 read 'hellx'", {}});
  }
  return r;
}

std::vector<SeedRecord> Records(uint64_t first, uint64_t last) {
  std::vector<SeedRecord> v;
  for (uint64_t s = first; s <= last; ++s) v.push_back(Record(s));
  return v;
}

TEST(CliSeedRecord, JsonLineRoundTrips) {
  SeedRecord r = Record(30);  // both violations
  r.result.plan = "from 0s loss 0.1 clients <-> server\nat 45s crash server\n";
  r.result.summary.counters["replies"] = 57;
  std::string line = ToJsonLine(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);  // one line
  EXPECT_THAT(line, HasSubstr(R"("ok":false)"));
  EXPECT_THAT(line, HasSubstr(R"("seed":30)"));
  std::string error;
  std::optional<SeedRecord> back = FromJsonLine(line, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(ToJsonLine(*back), line);
  EXPECT_EQ(back->result.summary.trace_hash, r.result.summary.trace_hash);
  EXPECT_EQ(back->result.summary.virtual_time, r.result.summary.virtual_time);
  EXPECT_EQ(back->result.summary.wall_seconds, r.result.summary.wall_seconds);
  ASSERT_EQ(back->result.violations.size(), 2u);
  EXPECT_EQ(back->result.violations[0].at, std::chrono::seconds(330));
  EXPECT_EQ(back->result.violations[0].last_trace,
            (std::vector<std::string>{"line a", "line b"}));
  EXPECT_EQ(back->params, r.params);
  EXPECT_EQ(back->faults, r.faults);
}

TEST(CliSeedRecord, RefusesLinesThatAreNotResults) {
  std::string error;
  EXPECT_FALSE(FromJsonLine(R"({"seed":1})", &error));
  EXPECT_THAT(error, HasSubstr("not a simsock result"));
  EXPECT_FALSE(FromJsonLine(R"({"scenario":"echo","seed":1)", &error));
  EXPECT_FALSE(FromJsonLine("[]", &error));
}

TEST(CliSweepTable, CountsRunsViolationsAndErrors) {
  std::string table = FormatTable(Records(1, 30));
  // 30 runs; failing: multiples of 3 or 5 = 10 + 6 - 2 = 14.
  EXPECT_THAT(table, HasSubstr("scenario echo: 30 runs (seeds 1..30), 14 "
                               "failing (46.7%)"));
  EXPECT_THAT(table, HasSubstr("params: clients=20"));
  EXPECT_THAT(table, HasSubstr("  deadlock                    10        10"));
  EXPECT_THAT(table, HasSubstr("  reply                        6         6"));
  EXPECT_THAT(table, HasSubstr("  ECONNRESET                  15        30"));
  EXPECT_THAT(table, HasSubstr("virtual time (s)"));
  EXPECT_THAT(table, HasSubstr("max    60.300"));
  // The first 10 failing seeds, each with its replay line.
  EXPECT_THAT(table, HasSubstr("failing seeds (first 10 of 14):"));
  EXPECT_THAT(table, HasSubstr("  seed 3: deadlock at 303.000 s: client3 "
                               "blocked in recvfrom for 300 s\n"));
  EXPECT_THAT(table,
              HasSubstr("    simsock run echo --seed 3 --param clients=20 "
                        "--faults 'from 0s loss 0.1 clients <-> server; at "
                        "45s crash server'\n"));
  EXPECT_THAT(table, HasSubstr("seed 21:"));
  EXPECT_THAT(table, Not(HasSubstr("seed 24:")));  // the 11th
  // Wall time lives apart, on lines starting with "wall".
  EXPECT_THAT(table, Not(HasSubstr("wall")));
  std::string wall = FormatWallTime(Records(1, 30));
  EXPECT_EQ(wall.rfind("wall time per run (s)", 0), 0u);
  EXPECT_THAT(wall, HasSubstr("max     0.120"));
}

TEST(CliSweepTable, IsAFunctionOfTheSetOfResults) {
  std::vector<SeedRecord> all = Records(1, 40);
  std::string whole = FormatTable(all);
  // Shuffled, or gathered shard by shard as a merge reads them: the same
  // bytes.
  std::mt19937 rng(7);
  std::shuffle(all.begin(), all.end(), rng);
  EXPECT_EQ(FormatTable(all), whole);
  std::vector<SeedRecord> by_shard;
  for (uint64_t i = 0; i < 4; ++i) {
    for (uint64_t s = 1 + i; s <= 40; s += 4) by_shard.push_back(Record(s));
  }
  EXPECT_EQ(FormatTable(by_shard), whole);
  // Wall time does not enter the table.
  for (SeedRecord& r : by_shard) r.result.summary.wall_seconds *= 3;
  EXPECT_EQ(FormatTable(by_shard), whole);
}

TEST(CliSweepTable, PlanErrorsAndCrashesAreFailures) {
  std::vector<SeedRecord> v = Records(1, 2);
  v[0].result.plan_error = "plan:1:5: no host 'srv'";
  v[1].result.violations.push_back(
      {"crash", {}, "the run's process was killed by SIGSEGV", {}});
  std::string table = FormatTable(v);
  EXPECT_THAT(table, HasSubstr("2 failing"));
  EXPECT_THAT(table, HasSubstr("plan refused in 1 runs"));
  EXPECT_THAT(table, HasSubstr("seed 1: plan refused: plan:1:5: no host"));
  EXPECT_THAT(table, HasSubstr("seed 2: crash at 0.000 s: the run's process "
                               "was killed by SIGSEGV"));
}

TEST(CliSweepTable, SeveralScenariosAreTabledApart) {
  std::vector<SeedRecord> v = Records(1, 4);
  v[3].result.scenario = "kv";
  std::string table = FormatTable(v);
  EXPECT_THAT(table, HasSubstr("scenario echo: 3 runs (seeds 1..3)"));
  EXPECT_THAT(table, HasSubstr("scenario kv: 1 runs (seeds 4..4)"));
  EXPECT_EQ(FormatTable({}), "no runs\n");
}

TEST(CliSweepTable, PercentilesAreNearestRank) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  EXPECT_EQ(Percentile(v, 50), 50);
  EXPECT_EQ(Percentile(v, 90), 90);
  EXPECT_EQ(Percentile(v, 99), 99);
  EXPECT_EQ(Percentile(v, 100), 100);
  EXPECT_EQ(Percentile({3}, 50), 3);
  EXPECT_EQ(Percentile({}, 50), 0);
  EXPECT_EQ(Percentile({1, 2}, 50), 1);
}

TEST(CliSweepTable, ReplayLinesQuoteForTheShell) {
  EXPECT_EQ(ShellQuote("plain-1.2"), "plain-1.2");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("it's $x"), "'it'\\''s $x'");
  SeedRecord r = Record(1);
  r.faults.clear();
  r.params.clear();
  EXPECT_EQ(ReplayLine(r, "mysim"), "mysim run echo --seed 1");
}

}  // namespace
}  // namespace simsock::cli
