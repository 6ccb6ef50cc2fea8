/// \file
/// Experiments in a user's GoogleTest suite (docs/experiments.md, "In your
/// test suite"), after madsim's #[madsim::test]: run a scenario under many
/// seeds, each with the test's fault plan (a random part drawn per seed),
/// and fail the test, with one line that replays the failing seed alone
/// and one that writes its trace and pcap, if any seed breaks an
/// invariant.
///
/// \code
///   TEST(Kv, FixedClientSurvivesPartitions) {
///     experiment::SeedsOptions o;
///     o.plan = *faults::ParsePlan("random faults=6 kinds=partition "
///                                 "duration=2m").plan;
///     experiment::ExpectHolds(kv::KvScenario(/*fixed=*/true), o);
///   }
/// \endcode
///
/// The environment chooses the seeds, as madsim's does:
/// \code
///   SIMSOCK_TEST_SEED=N       run seed N only
///   SIMSOCK_TEST_NUM=K        run K seeds (from first_seed)
///   SIMSOCK_TEST_CHECK_DETERMINISM=0
///                             do not run the first seed twice
///   SIMSOCK_TEST_TRACE=DIR    write each run's trace, pcap and JSON lines to
///                             DIR/<scenario>-<seed>.{trace,pcap,jsonl}
/// \endcode
///
/// Library: simsock_experiment_gtest (GoogleTest's own target is linked).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simsock/experiment/experiment.h"
#include "simsock/experiment/shrink.h"
#include "simsock/faults/fault_plan.h"

namespace simsock::experiment {

/// Which seeds RunSeeds runs, and with what plan.
struct SeedsOptions {
  uint64_t first_seed = 1;  ///< seeds are first_seed, first_seed + 1, ...
  int num = 20;  ///< SIMSOCK_TEST_NUM overrides; SIMSOCK_TEST_SEED runs one
  /// The plan of every seed (its random part drawn from each seed).
  faults::FaultPlan plan;
  /// The scenario's parameters for every run (RunOptions::params).
  std::map<std::string, std::string> params;
  /// Run the first seed twice and compare the trace hashes
  /// (SIMSOCK_TEST_CHECK_DETERMINISM=0 turns it off).
  bool check_determinism = true;
  /// Shrink the first failing seed's plan (at most this many runs; 0: no).
  size_t shrink_runs = 200;
  bool stop_at_first = true;  ///< per run: RunOptions::stop_at_first
};

/// What RunSeeds found over its seeds.
struct SeedsResult {
  std::vector<uint64_t> seeds;         ///< the seeds run, in order
  std::vector<RunResult> failures;     ///< runs that broke an invariant
  std::optional<ShrinkResult> shrunk;  ///< the first failure's plan, shrunk
  /// Set when the first seed's two runs differed ("trace hash A, then B").
  std::string nondeterminism;
  /// True when every seed held and the repeated run matched.
  bool ok() const { return failures.empty() && nondeterminism.empty(); }
  /// The report ExpectHolds fails the test with: each failing seed, its
  /// violations and last trace lines, the replay line, the trace line, and
  /// the shrunk plan.
  std::string Report() const;
  /// Filled by RunSeeds: the command line that replays the failing seed,
  /// "SIMSOCK_TEST_SEED=3 ./kv_test --gtest_filter=..".
  std::string replay_line;
  std::string trace_line;  ///< the same with SIMSOCK_TEST_TRACE=...
};

/// Runs the seeds the options and the environment choose; fails the test
/// itself only for a malformed SIMSOCK_TEST_SEED / SIMSOCK_TEST_NUM (the
/// result API: the caller judges the runs).
SeedsResult RunSeeds(const Scenario& scenario, const SeedsOptions& options);

/// RunSeeds, then a nonfatal GoogleTest failure with SeedsResult::Report()
/// unless every seed held. Returns the result for further checks.
SeedsResult ExpectHolds(const Scenario& scenario,
                        const SeedsOptions& options = {});

}  // namespace simsock::experiment
