/// \file
/// Go's sync.Mutex, sync.Cond and sync.Once for the tasks of one Runtime.
///
/// They park the calling task (a fiber) exactly as a channel wait does:
/// the other tasks run meanwhile; a task parked here that nothing can wake
/// makes Run() return RunStatus::kDeadlock, and Runtime::deadlock() names
/// the wait ("sync.Mutex.Lock", "sync.Cond.Wait") and the object.
///
/// Threading model: a Runtime runs its tasks one at a time on one thread,
/// in the simulator and on Linux alike, and these types are correct for
/// exactly that: they guard state shared by tasks of one Runtime across
/// the points where a task parks (a Read, a Sleep, a channel operation).
/// They are not OS-thread locks: do not share them between threads or
/// Runtimes (use std::mutex there).
///
/// Like WaitGroup, each is a handle: copies share one lock, so capture
/// them by value in the lambdas given to Runtime::Go.
#pragma once

#include <functional>
#include <memory>

#include "simsock/net/runtime/runtime.h"

namespace simsock::net {

/// Go's sync.Mutex. Unlock hands the mutex to the longest waiter (FIFO:
/// Go's starvation mode, always), so lock order is deterministic and no
/// task starves. Not reentrant: a task locking a mutex it holds parks
/// forever (a deadlock, as in Go).
class Mutex {
 public:
  /// An unlocked mutex for the tasks of rt.
  explicit Mutex(Runtime& rt);

  /// Locks, parking the task until the mutex is free. Aborts outside a task
  /// if it would park.
  void Lock();
  /// Locks if free; false (without parking) if held. Go's TryLock.
  bool TryLock();
  /// Unlocks; a waiting task gets the mutex. Any task may unlock (as in
  /// Go). Aborts if not locked ("sync: unlock of unlocked mutex").
  void Unlock();
  /// Whether the mutex is held (for tests and assertions).
  bool locked() const;

 private:
  friend class Cond;
  struct State;
  std::shared_ptr<State> s_;
};

/// Go's sync.Cond over a Mutex (Go's sync.NewCond(&mu)).
class Cond {
 public:
  /// A condition variable whose Wait releases and retakes l.
  Cond(Runtime& rt, Mutex l);

  /// Unlocks L, parks until Signal or Broadcast wakes this task, and locks
  /// L again before returning. The caller must hold L. As in Go, check the
  /// condition in a loop.
  void Wait();
  /// Wakes the longest-waiting task, if any.
  void Signal();
  /// Wakes every waiting task.
  void Broadcast();

  /// The mutex (Go's c.L).
  Mutex L;

 private:
  struct State;
  std::shared_ptr<State> s_;
};

/// Go's sync.Once.
class Once {
 public:
  /// A Once of rt's tasks, not yet done.
  explicit Once(Runtime& rt);

  /// Calls f if no call of Do on this Once has started yet. A second task
  /// calling Do while f runs (and parks) waits until f has returned, as in
  /// Go; if f throws, the Once still counts as done.
  void Do(const std::function<void()>& f);

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace simsock::net
