/// \file
/// Shrinking a failing fault plan (docs/experiments.md): the smallest plan
/// under which the same seed still breaks one of the invariants the
/// original run broke. First delta debugging over the plan's events
/// (Zeller's ddmin: drop halves, then quarters, ... keep any subset that
/// still fails), then weakening each event that remains (a shorter window,
/// a lower probability, a smaller delay), until removing any one event
/// makes the failure go away. Deterministic (the same inputs give the same
/// runs in the same order) and bounded by max_runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "simsock/experiment/experiment.h"
#include "simsock/faults/fault_plan.h"

namespace simsock::experiment {

/// Where a Shrink is, told to ShrinkOptions::progress after every run.
struct ShrinkProgress {
  size_t runs = 0;      ///< runs made so far
  size_t max_runs = 0;  ///< the bound (ShrinkOptions::max_runs)
  size_t events = 0;    ///< events in the smallest failing plan so far
  std::string phase;    ///< "remove" or "weaken"
};

/// Bounds and hooks of a Shrink.
struct ShrinkOptions {
  size_t max_runs = 300;  ///< at most this many runs (each a whole run)
  /// Called after every run (a progress line, a bar).
  std::function<void(const ShrinkProgress&)> progress;
  /// The scenario's parameters for every run (RunOptions::params).
  std::map<std::string, std::string> params;
};

/// What Shrink found.
struct ShrinkResult {
  faults::FaultPlan plan;   ///< the smallest failing plan found
  RunResult failure;        ///< its run
  size_t runs = 0;          ///< runs made
  bool minimal = false;     ///< false: stopped by max_runs first
  bool reproduced = false;  ///< false: the original plan did not fail
};

/// Shrinks a plan under which scenario fails at seed. `plan` is the plan as
/// applied (no random part left: RunResult::plan parsed back). Costs up to
/// options.max_runs runs of the scenario; ShrinkResult::reproduced is false
/// when the plan did not fail to begin with, minimal false when max_runs
/// ran out first.
ShrinkResult Shrink(const Scenario& scenario, uint64_t seed,
                    const faults::FaultPlan& plan,
                    const ShrinkOptions& options = {});

}  // namespace simsock::experiment
