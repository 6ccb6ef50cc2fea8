/// \file
/// Spin loops of an unmodified program (docs/exec.md, "Spin loops"). No
/// virtual time passes while a program computes, so a program that waits
/// for something by calling again and again without ever blocking (an
/// event loop whose epoll_wait keeps reporting a writable socket it has
/// nothing to write to, while the reply it waits for needs a
/// retransmission timer to fire) would spin forever at one instant, where
/// on Linux real time would pass and the timer would fire. The guard counts
/// a program's forwarded calls at one virtual instant; past the world's
/// `spin` count it lets a little virtual time pass before the next call,
/// as the shim does for a run of clock reads (exec/shim/vtime.c).
#pragma once

#include <cstdint>

#include "simsock/sim/base/time.h"

namespace simsock::exec {

/// The rule, shared by the proxies of one program's threads.
class SpinGuard {
 public:
  /// Yields after `limit` calls at one instant (0: never).
  explicit SpinGuard(uint32_t limit) : limit_(limit) {}

  /// Before a forwarded call at virtual time `now`: how long to let pass
  /// first, in ns (0: nothing). The first yield of a run comes after
  /// `limit` calls at one instant and lasts 1 us; each further one, after
  /// a tenth as many calls, lasts twice as long, up to 1 ms. A call at
  /// another instant than the last yield left (the program blocked, or
  /// other hosts moved the clock) starts a new run.
  int64_t BeforeCall(sim::Time now);
  /// The yield of BeforeCall happened; the clock now reads `now`.
  void Yielded(sim::Time now) { at_ = now; }
  /// The calls that led to the last yield (for the trace line).
  uint32_t yield_calls() const { return yield_calls_; }

 private:
  uint32_t limit_;
  bool counting_ = false;
  sim::Time at_{};
  uint32_t calls_ = 0;
  uint32_t yield_calls_ = 0;
  int64_t next_ns_ = 0;  // 0: no yield in this run yet
};

}  // namespace simsock::exec
