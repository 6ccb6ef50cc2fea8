/// \file
/// Go's time.Timer, time.Ticker, time.After and time.AfterFunc for the
/// tasks of one Runtime, on the Runtime's timer heap: virtual time in the
/// simulator, the monotonic clock on Linux.
///
/// Go 1.23 semantics: a timer's channel holds at most one value, and Stop
/// and Reset discard a value that has fired but not been received, so no
/// receive after Stop or Reset returns can see a stale time. Stop and Reset
/// return true when the call stopped a pending delivery: the timer was
/// armed, or its value was still in the channel (Go 1.23's timerchandrain).
/// The value sent is the instant the timer was due (Go sends Now() less
/// the lateness: the same instant). Tickers drop ticks for a slow receiver
/// (a tick finding the channel full is lost, and the next one is aligned
/// to the period, skipping the missed ones, as Go's runtime does). Unlike
/// Go 1.23, C.Cap() reports 1, not 0.
///
/// A timer or ticker nobody holds any more keeps running until it fires
/// (or, for a ticker, forever: Stop it, as Go 1.22 asked).
/// Threading: the Runtime's thread. Objects must not outlive the Runtime.
#pragma once

#include <functional>
#include <memory>

#include "simsock/net/runtime/chan.h"
#include "simsock/net/runtime/runtime.h"
#include "simsock/net/runtime/time.h"

namespace simsock::net {

namespace internal {
struct TimerState;
}

/// Go's *time.Timer: a handle, copies share the timer.
class Timer {
 public:
  /// The channel the due time is sent on (Go's t.C). Never sent on for an
  /// AfterFunc timer.
  Chan<Time> C;

  /// Stops the timer (Go 1.23): returns true if that stopped a delivery
  /// (the timer was armed, or its value was unreceived and is discarded;
  /// for AfterFunc, the function had not been started). False if it had
  /// already fired and been received, or been stopped.
  bool Stop();
  /// Re-arms the timer to fire after d (d <= 0: at the next timer check),
  /// discarding an unreceived value. Returns what Stop would have.
  bool Reset(Duration d);

 private:
  friend Timer NewTimer(Runtime& rt, Duration d);
  friend Timer AfterFunc(Runtime& rt, Duration d, std::function<void()> f);
  explicit Timer(std::shared_ptr<internal::TimerState> s);
  std::shared_ptr<internal::TimerState> s_;
};

/// Go's *time.Ticker: a handle, copies share the ticker.
class Ticker {
 public:
  /// The channel the ticks are sent on (Go's t.C).
  Chan<Time> C;

  /// Stops the ticker; no tick is sent after (an unreceived one is
  /// discarded, Go 1.23).
  void Stop();
  /// Stops and restarts it with period d, the next tick d from now. d <= 0
  /// aborts ("non-positive interval for Ticker.Reset", Go panics).
  void Reset(Duration d);

 private:
  friend Ticker NewTicker(Runtime& rt, Duration d);
  explicit Ticker(std::shared_ptr<internal::TimerState> s);
  std::shared_ptr<internal::TimerState> s_;
};

/// Go's time.NewTimer: fires once, d from now (d <= 0: at once).
Timer NewTimer(Runtime& rt, Duration d);
/// Go's time.After: NewTimer(rt, d).C.
Chan<Time> After(Runtime& rt, Duration d);
/// Go's time.AfterFunc: runs f in a task of its own d from now, unless the
/// returned timer is stopped first.
Timer AfterFunc(Runtime& rt, Duration d, std::function<void()> f);
/// Go's time.NewTicker: a tick every d, the first d from now. d <= 0 aborts
/// ("non-positive interval for NewTicker", Go panics).
Ticker NewTicker(Runtime& rt, Duration d);

}  // namespace simsock::net
