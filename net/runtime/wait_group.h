/// \file
/// WaitGroup: Go's sync.WaitGroup for the tasks of one Runtime. A handle:
/// copies share one counter. Add(n) / Done() change the counter (negative is
/// a programming error and aborts); Wait() parks until it is zero.
/// Threading: the owning Runtime's thread; Wait() from its tasks.
#pragma once

#include <deque>
#include <memory>

#include "simsock/net/runtime/runtime.h"

namespace simsock::net {

/// Go's sync.WaitGroup for the tasks of one Runtime, as a handle: copies share
/// one counter (copy it into task lambdas). Costs one allocation when made.
class WaitGroup {
 public:
  /// A counter at zero on rt.
  explicit WaitGroup(Runtime& rt);

  /// Adds delta (may be negative) to the counter; at zero, every Wait()ing task
  /// is made runnable. Aborts if the counter goes negative.
  void Add(int delta);
  /// Add(-1): one task of the group has finished.
  void Done() { Add(-1); }
  /// Parks the task until the counter is zero (returns at once if it is).
  /// Aborts outside a task when it would park.
  void Wait();
  /// The counter.
  int count() const;

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace simsock::net
