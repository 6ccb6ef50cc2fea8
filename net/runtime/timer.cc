// Timer, Ticker, After, AfterFunc: see timer.h. Go's runtime/time.go for
// channel timers, on the Runtime's timer heap.
#include "simsock/net/runtime/timer.h"

#include <utility>

#include "simsock/net/runtime/check.h"

namespace simsock::net {
namespace internal {

// The state behind Timer and Ticker handles. While armed, heap.keep_alive
// owns it, so a timer nobody holds still fires.
struct TimerState : std::enable_shared_from_this<TimerState> {
  TimerState(Runtime& r, Duration p, std::function<void()> f)
      : rt(&r), c(r, 1), period(p), func(std::move(f)) {}

  void Arm(int64_t when) {
    heap.when = when;
    heap.fire = [this] { Fire(); };
    heap.keep_alive = shared_from_this();
    rt->StartTimer(&heap);
  }

  // Disarms and drains; true if a delivery was stopped.
  bool StopAndDrain() {
    bool pending = heap.queued();
    rt->StopTimer(&heap);
    // Safe: the caller holds a handle, so this does not free us.
    heap.keep_alive.reset();
    if (!func) {
      // Go 1.23's timerchandrain: an unreceived value is discarded.
      if (c.Len() > 0) {
        (void)c.TryRecv();
        pending = true;
      }
    }
    return pending;
  }

  // On the scheduler (the heap holds our owner while this runs).
  void Fire() {
    const int64_t when = heap.when;
    if (func) {
      rt->Go(func);
      return;
    }
    // Non-blocking: a full channel (a slow ticker receiver) drops the tick.
    (void)c.TrySend(Time::FromNanos(when));
    if (period.count() > 0) {
      // Go's timer.unlockAndRun: the next tick is the first period boundary
      // after now, so missed ticks are skipped, not queued.
      const int64_t now = rt->Now().Nanos();
      const int64_t p = period.count();
      int64_t next = when + p;
      if (next <= now) next += ((now - next) / p + 1) * p;
      Arm(next);
    }
  }

  Runtime* rt;
  Chan<Time> c;
  Duration period;             // 0: a one-shot timer
  std::function<void()> func;  // AfterFunc's function, or empty
  internal::Timer heap;
};

}  // namespace internal

namespace {

int64_t DueIn(Runtime& rt, Duration d) {
  return rt.Now().Add(d.count() > 0 ? d : Duration(0)).Nanos();
}

}  // namespace

Timer::Timer(std::shared_ptr<internal::TimerState> s)
    : C(s->c), s_(std::move(s)) {}

bool Timer::Stop() { return s_->StopAndDrain(); }

bool Timer::Reset(Duration d) {
  bool pending = s_->StopAndDrain();
  s_->Arm(DueIn(*s_->rt, d));
  return pending;
}

Ticker::Ticker(std::shared_ptr<internal::TimerState> s)
    : C(s->c), s_(std::move(s)) {}

void Ticker::Stop() { (void)s_->StopAndDrain(); }

void Ticker::Reset(Duration d) {
  SIMSOCK_NET_CHECK(d.count() > 0, "non-positive interval for Ticker.Reset");
  (void)s_->StopAndDrain();
  s_->period = d;
  s_->Arm(DueIn(*s_->rt, d));
}

Timer NewTimer(Runtime& rt, Duration d) {
  auto s = std::make_shared<internal::TimerState>(rt, Duration(0), nullptr);
  s->Arm(DueIn(rt, d));
  return Timer(std::move(s));
}

Chan<Time> After(Runtime& rt, Duration d) { return NewTimer(rt, d).C; }

Timer AfterFunc(Runtime& rt, Duration d, std::function<void()> f) {
  SIMSOCK_NET_CHECK(f != nullptr, "AfterFunc with a null function");
  auto s =
      std::make_shared<internal::TimerState>(rt, Duration(0), std::move(f));
  s->Arm(DueIn(rt, d));
  return Timer(std::move(s));
}

Ticker NewTicker(Runtime& rt, Duration d) {
  SIMSOCK_NET_CHECK(d.count() > 0, "non-positive interval for NewTicker");
  auto s = std::make_shared<internal::TimerState>(rt, d, nullptr);
  s->Arm(DueIn(rt, d));
  return Ticker(std::move(s));
}

}  // namespace simsock::net
