/// \file
/// RunContextImpl: the RunContext of one run (experiment.h): the world, the
/// plan's hooks, the taps, the invariants and what they found.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "simsock/experiment/builtin_invariants.h"
#include "simsock/experiment/experiment.h"
#include "simsock/experiment/stream_tap.h"
#include "simsock/experiment/trace_tail.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::experiment {

/// The RunContext experiment::Run gives a scenario: it owns the world, the
/// taps and the invariants, and collects what they find. Run's own (and its
/// tests'); a scenario sees only RunContext.
class RunContextImpl final : public RunContext {
 public:
  /// The context of one run of scenario with options; tail keeps the
  /// trace's last lines. options and tail must outlive it.
  RunContextImpl(const Scenario& scenario, const RunOptions& options,
                 TraceTail& tail);
  ~RunContextImpl() override;

  /// The run's world.
  sim::World& world() override { return world_; }
  /// The world's seed.
  uint64_t seed() const override { return world_.seed(); }
  void OnCrash(std::function<void(sim::Host&)> fn) override;
  /// Adds fn to the hooks Restarted calls.
  void OnRestart(std::function<void(sim::Host&)> fn) override;
  sys::Syscalls& Tap(sim::Process& process) override;
  /// Adds invariant to those CheckNow and CheckAtEnd run.
  void AddInvariant(std::unique_ptr<Invariant> invariant) override;
  void DisableBuiltin(std::string_view name) override;
  void Violate(std::string invariant, std::string message) override;
  void Count(std::string_view what, uint64_t n) override;
  std::string Param(std::string_view name,
                    std::string_view fallback) const override;
  int64_t IntParam(std::string_view name, int64_t fallback, int64_t lo,
                   int64_t hi) override;
  void DefineGroup(std::string name,
                   std::vector<std::string> patterns) override;
  void Fail(std::string why) override;
  const faults::FaultPlan& plan() const override { return applied_; }
  /// Records the plan as applied (what plan() returns from then on).
  void SetApplied(faults::FaultPlan plan) { applied_ = std::move(plan); }

  /// The plan with the scenario's groups (those it does not define).
  faults::FaultPlan WithGroups(const faults::FaultPlan& plan) const;
  /// Calls the OnCrash hooks for h (the plan crashed it).
  void Crashed(sim::Host& h);
  /// Calls the OnRestart hooks for h (the plan restarted it).
  void Restarted(sim::Host& h);
  /// Runs every enabled invariant's continuous check; true if a violation
  /// was found now.
  bool CheckNow();
  /// Runs every enabled invariant's final check (Invariant::AtEnd).
  void CheckAtEnd();

  /// Why the run cannot go on (Fail, a bad IntParam); empty if it can.
  const std::string& failure() const { return failure_; }
  /// The violations found so far, in order.
  std::vector<Violation>& violations() { return violations_; }
  /// The scenario's counters (Count).
  const std::map<std::string, uint64_t>& counters() const { return counters_; }
  /// Bytes the tapped programs read from sockets.
  uint64_t bytes_read() const { return bytes_read_; }
  /// TCP connections the taps saw.
  uint64_t connections() const { return stream_->ledger().connections(); }

 private:
  bool Enabled(const Invariant& inv) const;
  void Record(std::string invariant, std::string message);

  const RunOptions& options_;
  TraceTail& tail_;
  sim::World world_;
  std::vector<std::function<void(sim::Host&)>> on_crash_;
  std::vector<std::function<void(sim::Host&)>> on_restart_;
  std::vector<std::unique_ptr<StreamTap>> taps_;
  std::vector<std::unique_ptr<Invariant>> invariants_;
  StreamInvariant* stream_ = nullptr;  // one of invariants_
  std::set<std::string, std::less<>> disabled_;
  std::vector<faults::Group> groups_;
  std::map<std::string, uint64_t> counters_;
  uint64_t bytes_read_ = 0;
  std::string failure_;
  faults::FaultPlan applied_;
  std::vector<Violation> violations_;
  size_t violations_seen_ = 0;  // violations_ already counted by CheckNow
  // (invariant, message) pairs reported: an invariant that stays broken
  // is reported once.
  std::set<std::pair<std::string, std::string>> reported_;
};

}  // namespace simsock::experiment
