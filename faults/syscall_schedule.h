/// \file
/// The syscall faults of a plan for one process, in time: the plan's
/// `syscall` events whose hosts (through FaultPlan::Resolve) include the
/// process's host and whose pid is 0 or the process's, each active from its
/// start to its end. A caller moves the schedule along its own clock (the
/// real kernel's CLOCK_MONOTONIC since the run began, or a world's virtual
/// time) with Tick, which adds rules to an injector as they begin and
/// removes them as they end.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/faults/syscall_injector.h"

namespace simsock::faults {

/// One syscall fault of a plan, with the span of time it is active in.
struct TimedSyscallRule {
  SyscallFault fault;       ///< Which calls fail, and how often.
  std::string origin;       ///< "plan line 7"
  Time start{0};            ///< When it begins, from the run's start.
  std::optional<Time> end;  ///< none: to the end of the run
  /// True if now is in [start, end).
  bool ActiveAt(Time now) const { return now >= start && (!end || now < *end); }
};

/// The rules of `plan` for process `pid` of `host`; `hosts` are the run's
/// host names (the plan must pass Check against them).
std::vector<TimedSyscallRule> SyscallRulesFor(
    const FaultPlan& plan, const std::vector<std::string>& hosts,
    std::string_view host, int pid);

/// A process's timed syscall rules, moved along a clock with Tick.
class SyscallSchedule {
 public:
  /// The schedule of rules (SyscallRulesFor makes them); none is active yet.
  explicit SyscallSchedule(std::vector<TimedSyscallRule> rules);

  /// Makes the injector's rules from this schedule those active at `now`
  /// (rules added by others are left alone). Returns how many changed.
  int Tick(Time now, SyscallInjector& injector);

  /// The rules, as given.
  const std::vector<TimedSyscallRule>& rules() const { return rules_; }

 private:
  std::vector<TimedSyscallRule> rules_;
  std::vector<std::optional<uint64_t>> ids_;  // per rule: its id while active
};

}  // namespace simsock::faults
