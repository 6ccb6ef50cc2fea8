/// \file
/// Applies a fault plan (faults/fault_plan.h, docs/faults.md) to a world:
/// its link impairments and cuts become Network impairments of each
/// direction they name, its crashes and restarts Host::Crash / Restart, its
/// syscall events rules of the injector of every process of their hosts
/// (those spawned later too, as after a restart; Process::injector); each
/// at its virtual time, each traced with the plan line it comes from, and
/// each syscall fault injected traced by its process ("pid 2 fault: eintr
/// in read (plan line 4): -EINTR"):
//
//   [   10.000000000] network fault: plan line 3 begins: from 10s to 40s loss
//   0.1 clients <-> server [   12.345678901] client1 drop (loss, plan line
//   3): 10.0.0.2.40000 > ... [   40.000000000] network fault: plan line 3 ends
//
// The plan is checked against the world's hosts first, and its random part
// drawn from the world's seed: a bad plan is refused whole, nothing of it
// applied.
#pragma once

#include <functional>
#include <optional>

#include "simsock/faults/fault_plan.h"

namespace simsock::sim {

class Host;
class World;

/// What the scenario does when the plan crashes or restarts a host: a
/// restarted host is empty, and on_restart starts its programs again (as
/// the machine's init would).
struct PlanHooks {
  /// Called after the plan crashes a host; may be empty.
  std::function<void(Host&)> on_crash;
  /// Called after the plan restarts a host; may be empty.
  std::function<void(Host&)> on_restart;
};

/// What ApplyPlan did: the plan as drawn and scheduled, or why nothing was
/// scheduled.
struct AppliedPlan {
  /// The plan as applied: the random part drawn into events (print it with
  /// ToText to replay it without the seed).
  faults::FaultPlan plan;
  /// Set when nothing was scheduled: the plan does not fit the world's hosts
  /// (FaultPlan::Check), or an event starts before the world's time.
  std::optional<faults::PlanError> error;
  /// The plan was scheduled (no error).
  bool ok() const { return !error; }
};

/// Schedules the plan on the world, from the world's current time (a plan's
/// times are from the start of the run: events already past are refused).
/// The world must outlive what is scheduled.
AppliedPlan ApplyPlan(World& world, const faults::FaultPlan& plan,
                      PlanHooks hooks = {});

}  // namespace simsock::sim
