/// \file
/// World: the universe of one simulated run. It owns the virtual clock, the
/// event queue, the seeded random streams, the network, the hosts and the
/// trace. Several worlds may live in one process; nothing here is global.
//
// Stepping: RunFor advances virtual time, running every event in
// (time, insertion) order. Work that is due "now" without delay (loopback
// packets) goes to an immediate queue that is drained after every event and
// at the end of every syscall, so that a syscall's loopback consequences are
// complete before it returns, as on Linux.
//
// Threading: one OS thread. Determinism: no wall clock, no pointer ordering,
// only ordered containers where order can reach behaviour.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/base/random.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/kernel/network.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/trace.h"

namespace simsock::sim {

class Host;

/// A deterministic simulated world: virtual clock, agenda, random streams,
/// hosts, network, simulated threads and trace. Same seed and same program give
/// the same trace, byte for byte. Not thread-safe: one world runs on one OS
/// thread (its simulated threads are fibers on it).
class World {
 public:
  /// An empty world at time 0 whose random streams all derive from seed.
  explicit World(uint64_t seed);
  /// Ends the simulated threads first (their stacks unwind while the hosts
  /// they use still exist), then the hosts.
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  /// Adds a machine with the given name and IPv4 address (dotted quad). Every
  /// host also has its loopback, 127.0.0.0/8. Aborts, saying which call and
  /// why, on a malformed address, one no host can own (loopback,
  /// 0.0.0.0/8, multicast, 255.255.255.255), an address or a name already
  /// taken, an empty name, "localhost", or a name that reads as a number:
  /// each is a bug in the code building the world, not a runtime condition.
  Host& AddHost(std::string name, std::string ipv4);
  /// Every host, in the order added (Host::id is the index).
  const std::vector<std::unique_ptr<Host>>& hosts() const { return hosts_; }
  /// The world's name table: host names resolve to their addresses. Extra
  /// names (aliases such as the seed's long server name) may be added.
  const Host* HostByName(const std::string& name) const;
  /// Aborts as AddHost does if the name is taken (by a host or an alias) or
  /// not usable as a name, or if the host is not this world's.
  void AddName(std::string name, const Host& host);
  /// Whether host is one of this world's hosts.
  bool Owns(const Host& host) const;

  /// Advances virtual time by d, running every event due until then.
  void RunFor(Duration d);
  /// Runs until no thread is runnable and no event remains within
  /// `horizon` of now (timers such as TIME_WAIT are not waited for by
  /// default). Returns the number of events run. If threads are still
  /// blocked and no event at all is pending, nothing can ever wake them:
  /// the deadlock is written to the trace and kept in deadlock().
  uint64_t RunUntilIdle(Duration horizon = std::chrono::seconds(1));
  /// How RunUntil ended.
  enum class RunResult {
    kDone,            ///< done() holds
    kTimedOut,        ///< the deadline passed first
    kNothingPending,  ///< no deadline and no event: nothing can ever change
    kWaitLimit,       ///< the driver's wait limit passed first
  };
  /// Drives the world from outside any simulated thread (test code, and a
  /// blocking call it makes) until done() holds: it finishes the immediate
  /// work, then steps from event to event (RunFor to each), checking done()
  /// after each step. It stops at `deadline` (the clock is then exactly
  /// there), when no event is pending and there is no deadline, or after
  /// the driver's wait limit (SetDriverWaitLimit).
  RunResult RunUntil(const std::function<bool()>& done, Time deadline = kNever);
  /// The last deadlock RunUntilIdle found: one line per blocked thread
  /// ("host pid 1 tid 2 (server) blocked in accept4(fd 3)"); empty if none.
  const std::vector<std::string>& deadlock() const { return deadlock_; }
  /// Virtual time now.
  Time Now() const { return now_; }
  /// How long a blocking call made by the driver (test code outside any
  /// simulated thread) may run the world before it gives up and returns
  /// the nonblocking result: timers that fire forever without waking it
  /// (zero-window probes answered by the peer, keepalives) would otherwise
  /// never let it return. 24 h by default, longer than every timer chain
  /// Linux's defaults allow (keepalive gives up after 2 h 11 min).
  void SetDriverWaitLimit(Duration d) { driver_wait_limit_ = d; }
  /// See SetDriverWaitLimit.
  Duration driver_wait_limit() const { return driver_wait_limit_; }
  /// When the next scheduled event is due; kNever if none.
  Time NextEventTime() const { return events_.NextTime(); }
  /// Events scheduled and not yet run or cancelled.
  size_t pending_events() const { return events_.size(); }
  /// The seed the world was made with.
  uint64_t seed() const { return seed_; }

  /// The random stream for one purpose, created on first use.
  RandomStream& Rng(std::string_view purpose);

  /// The network between the hosts.
  Network& network() { return network_; }
  /// The simulated threads.
  Scheduler& scheduler() { return scheduler_; }
  /// The world's trace.
  Trace& trace() { return trace_; }

  /// Schedules fn at virtual time `at` (>= Now()).
  EventId Schedule(Time at, InlineCallback fn);
  /// Cancels a scheduled event; one that ran or was cancelled is ignored. O(log
  /// n).
  void Cancel(EventId id) { events_.Cancel(id); }
  /// Moves a pending event to virtual time `at` (>= Now()) with a new
  /// scheduling number, as Cancel and Schedule of the same callback would;
  /// returns its new id, or an invalid id if it ran or was cancelled
  /// (EventQueue::Reschedule). O(log n).
  EventId Reschedule(EventId id, Time at);
  /// True while an event callback runs (not a simulated thread).
  bool InEvent() const { return in_event_ > 0; }
  /// Queues fn to run in the current step, after what is running now.
  void Defer(InlineCallback fn);
  /// Runs the immediate queue until it is empty. Re-entrant calls return at
  /// once; the outermost caller drains everything.
  void DrainImmediate();

 private:
  // Why name cannot be given to a host (taken, empty, reserved, numeric),
  // or "" if it can.
  std::string NameConflict(const std::string& name) const;
  void RunEvent();
  // Runs runnable threads and immediate work until neither is left.
  void Settle();

  uint64_t seed_;
  Time now_{0};
  Duration driver_wait_limit_ = std::chrono::hours(24);
  EventQueue events_;
  std::deque<InlineCallback> immediate_;
  bool draining_ = false;
  int in_event_ = 0;
  std::map<std::string, RandomStream, std::less<>> rngs_;
  Trace trace_;
  Network network_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::map<std::string, const Host*> names_;
  // Declared last: destroyed first, so unwinding threads still find the
  // hosts and sockets they reference.
  Scheduler scheduler_{*this};
  std::vector<std::string> deadlock_;
};

}  // namespace simsock::sim
