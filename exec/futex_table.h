/// \file
/// The futexes of one managed program (docs/exec.md, "Threads"): its
/// threads' FUTEX_WAIT and FUTEX_WAKE run here, on the simulated kernel,
/// so that a program's threads and C++ hosts' threads interleave on the
/// one scheduler and a waiting thread parks its proxy as a blocking
/// simulated call does. Keyed by the program's futex address (one
/// process: private and shared futexes of the process are one key space),
/// waiters woken first in, first out, as the kernel's futex hash bucket
/// (a plist of equal priorities) wakes them.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <string>

#include "simsock/sim/base/time.h"

namespace simsock::sim {
class Scheduler;
class SimThread;
}  // namespace simsock::sim

namespace simsock::exec {

/// The waiters of one program's futexes.
class FutexTable {
 public:
  /// Parks the calling simulated thread (sched.Current(), not null) on
  /// `addr` until a Wake whose bitset meets `bitset` takes it (0) or
  /// `deadline` passes (-ETIMEDOUT). The caller has checked the word's
  /// value (futex_wait's -EAGAIN). `reason` names the wait for hang
  /// reports. A thread killed while parked leaves no waiter behind.
  int Wait(sim::Scheduler& sched, uint64_t addr, uint32_t bitset,
           sim::Time deadline, const std::string& reason);
  /// Wakes up to `count` waiters of `addr` whose bitset meets `bitset`,
  /// oldest first; returns how many (futex_wake's result).
  int Wake(sim::Scheduler& sched, uint64_t addr, uint32_t bitset, int count);
  /// Wakes every waiter of every address (the program ended: its proxies
  /// parked here finish); returns how many.
  int WakeAll(sim::Scheduler& sched);
  /// Waiters parked on `addr` now (tests).
  size_t Waiting(uint64_t addr) const;

 private:
  struct Waiter {
    sim::SimThread* thread;
    uint32_t bitset;
    bool woken = false;
  };
  std::map<uint64_t, std::list<Waiter*>> waiters_;
};

}  // namespace simsock::exec
