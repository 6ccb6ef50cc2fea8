// The key-value example's own test suite, as a user would write it with
// the experiment helper (experiment/gtest.h): the buggy client is found
// and its plan shrunk to the one partition that matters; the fixed client
// holds under the same faults.
#include <gtest/gtest-spi.h>

#include <string>

#include "examples/kv/kv_scenario.h"
#include "gtest/gtest.h"
#include "simsock/experiment/gtest.h"
#include "simsock/experiment/shrink.h"
#include "simsock/faults/fault_plan.h"

namespace simsock::kv {
namespace {

using experiment::SeedsOptions;

// Random partitions between any two of the five hosts, drawn per seed.
SeedsOptions Partitions() {
  SeedsOptions o;
  o.plan =
      *faults::ParsePlan("random faults=6 kinds=partition duration=2m").plan;
  return o;
}

TEST(Kv, FixedClientHoldsUnderPartitions) {
  experiment::SeedsResult r =
      experiment::ExpectHolds(KvScenario(/*fixed=*/true), Partitions());
  EXPECT_FALSE(r.seeds.empty());
}

TEST(Kv, TheHelperFindsThePlantedBug) {
  experiment::SeedsResult r =
      experiment::RunSeeds(KvScenario(/*fixed=*/false), Partitions());
  ASSERT_FALSE(r.ok());
  const experiment::RunResult& first = r.failures.front();
  ASSERT_FALSE(first.violations.empty());
  EXPECT_EQ(first.violations[0].invariant, "deadlock");
  EXPECT_NE(first.violations[0].message.find("(kv_client)"), std::string::npos)
      << first.violations[0].message;
  // One line replays the seed alone, one writes its trace and pcap.
  EXPECT_NE(r.replay_line.find("SIMSOCK_TEST_SEED=" +
                               std::to_string(first.summary.seed) + " "),
            std::string::npos)
      << r.replay_line;
  EXPECT_NE(r.replay_line.find("--gtest_filter=Kv.TheHelperFindsThePlantedBug"),
            std::string::npos)
      << r.replay_line;
  EXPECT_NE(r.trace_line.find("SIMSOCK_TEST_TRACE="), std::string::npos);
  // The shrunk plan: one partition between the primary and the backup.
  ASSERT_TRUE(r.shrunk.has_value());
  ASSERT_EQ(r.shrunk->plan.events.size(), 1u) << r.shrunk->plan.ToText();
  EXPECT_EQ(r.shrunk->plan.events[0].kind, faults::FaultKind::kPartition);
  const std::string report = r.Report();
  EXPECT_NE(report.find("replay it alone:"), std::string::npos) << report;
  EXPECT_NE(report.find("ready to paste:"), std::string::npos) << report;
  std::printf("what ExpectHolds would report:\n%s", report.c_str());
}

// The same through ExpectHolds: a nonfatal failure that names the broken
// invariant and the replay line.
void ExpectBuggyKvHolds() {
  SeedsOptions o = Partitions();
  o.shrink_runs = 0;
  (void)experiment::ExpectHolds(KvScenario(/*fixed=*/false), o);
}

TEST(Kv, ExpectHoldsFailsTheTestWithAReplayLine) {
  EXPECT_NONFATAL_FAILURE(ExpectBuggyKvHolds(), "deadlock");
  EXPECT_NONFATAL_FAILURE(ExpectBuggyKvHolds(), "SIMSOCK_TEST_SEED=");
}

// The shrinking test (issue 9 §3): the planted bug under a random plan of
// 30 events of several kinds, drawn once with a fixed seed and printed as
// text; the shrunk plan is the one partition between primary and backup,
// and it is 1-minimal. (No loss among the kinds: heavy loss between the
// primary and the backup times a replication out too, and the shrinker
// then rightly keeps that loss instead, docs/experiments.md.)
TEST(Kv, ShrinksThirtyEventsToThePartitionThatMatters) {
  const std::vector<std::string> hosts = {"primary", "backup", "client1",
                                          "client2", "client3"};
  const faults::FaultPlan random =
      *faults::ParsePlan(
           "random faults=30 kinds=partition,delay,jitter,duplicate "
           "duration=2m")
           .plan;
  // Drawn seeds until the plan breaks the buggy client: the draw and the
  // runs are deterministic, so this always stops at the same seed.
  const experiment::Scenario kv = KvScenario(/*fixed=*/false);
  faults::FaultPlan plan;
  uint64_t seed = 0;
  for (uint64_t s = 1; s <= 20 && seed == 0; ++s) {
    faults::FaultPlan drawn =
        *faults::ParsePlan(random.Draw(s, hosts).ToText()).plan;
    experiment::RunOptions o;
    o.seed = s;
    o.plan = drawn;
    if (!experiment::Run(kv, o).ok()) {
      seed = s;
      plan = drawn;
    }
  }
  ASSERT_NE(seed, 0u) << "no seed of 20 broke the buggy client";
  ASSERT_EQ(plan.events.size(), 30u);

  size_t progress_calls = 0;
  experiment::ShrinkOptions so;
  so.progress = [&](const experiment::ShrinkProgress& p) {
    ++progress_calls;
    EXPECT_LE(p.runs, so.max_runs);
  };
  const experiment::ShrinkResult s = experiment::Shrink(kv, seed, plan, so);
  ASSERT_TRUE(s.reproduced);
  EXPECT_TRUE(s.minimal) << s.runs << " runs";
  EXPECT_EQ(progress_calls, s.runs);
  ASSERT_EQ(s.plan.events.size(), 1u) << s.plan.ToText();
  const faults::Event& e = s.plan.events[0];
  EXPECT_EQ(e.kind, faults::FaultKind::kPartition) << s.plan.ToText();
  std::vector<std::string> ends = e.link.from.names;
  ends.insert(ends.end(), e.link.to.names.begin(), e.link.to.names.end());
  std::sort(ends.begin(), ends.end());
  EXPECT_EQ(ends, (std::vector<std::string>{"backup", "primary"}))
      << s.plan.ToText();
  // 1-minimal: without its one event the bug stays hidden.
  experiment::RunOptions none;
  none.seed = seed;
  EXPECT_TRUE(experiment::Run(kv, none).ok());
  // Deterministic: the same inputs shrink the same way.
  const experiment::ShrinkResult again = experiment::Shrink(kv, seed, plan);
  EXPECT_EQ(again.plan, s.plan);
  EXPECT_EQ(again.runs, s.runs);
  std::printf("shrunk %zu events to 1 in %zu runs (seed %llu):\n%s",
              plan.events.size(), s.runs, static_cast<unsigned long long>(seed),
              s.plan.ToText().c_str());
}

}  // namespace
}  // namespace simsock::kv
