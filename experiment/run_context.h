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

class RunContextImpl final : public RunContext {
 public:
  RunContextImpl(const Scenario& scenario, const RunOptions& options,
                 TraceTail& tail);
  ~RunContextImpl() override;

  sim::World& world() override { return world_; }
  uint64_t seed() const override { return world_.seed(); }
  void OnCrash(std::function<void(sim::Host&)> fn) override;
  void OnRestart(std::function<void(sim::Host&)> fn) override;
  sys::Syscalls& Tap(sim::Process& process) override;
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
  void SetApplied(faults::FaultPlan plan) { applied_ = std::move(plan); }

  /// The plan with the scenario's groups (those it does not define).
  faults::FaultPlan WithGroups(const faults::FaultPlan& plan) const;
  void Crashed(sim::Host& h);
  void Restarted(sim::Host& h);
  /// Runs every enabled invariant's continuous check; true if a violation
  /// was found now.
  bool CheckNow();
  void CheckAtEnd();

  const std::string& failure() const { return failure_; }
  std::vector<Violation>& violations() { return violations_; }
  const std::map<std::string, uint64_t>& counters() const { return counters_; }
  uint64_t bytes_read() const { return bytes_read_; }
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
