// Timers (net/runtime/timer.h): After, NewTimer Stop/Reset with Go 1.23's
// no-stale-value rule, tickers dropping ticks, AfterFunc. Both backends:
// virtual time in the simulator (exact instants checked there), the
// monotonic clock on Linux (lower bounds only: timing never fails a test).
#include "simsock/net/runtime/timer.h"

#include <gtest/gtest.h>

#include <vector>

#include "simsock/net/runtime/select.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

class TimerTest : public NetTest {
 protected:
  bool sim() const { return GetParam().name == "Sim"; }
  // `got` is `want` in virtual time; on Linux, the instant read before the
  // call that armed the timer is a little earlier: at least `want`.
  void ExpectDelay(Duration got, Duration want) const {
    if (sim()) {
      EXPECT_EQ(got, want);
    } else {
      EXPECT_GE(got, want);
      EXPECT_LT(got, want + kSecond);
    }
  }
};

TEST_P(TimerTest, AfterSendsTheDueTime) {
  EXPECT_TRUE(RunBody([&] {
    Time start = rt().Now();
    auto [when, ok] = After(rt(), 50 * kMillisecond).Recv();
    EXPECT_TRUE(ok);
    ExpectDelay(when.Sub(start), 50 * kMillisecond);  // the due instant
    EXPECT_GE(MillisSince(rt(), start), 50);
    if (sim()) {
      EXPECT_EQ(rt().Now().Sub(start), 50 * kMillisecond);
    }
  }));
}

TEST_P(TimerTest, StopBeforeFiringPreventsTheValue) {
  EXPECT_TRUE(RunBody([&] {
    Timer t = NewTimer(rt(), 20 * kMillisecond);
    EXPECT_TRUE(t.Stop());
    EXPECT_FALSE(t.Stop());  // already stopped
    rt().Sleep(60 * kMillisecond);
    EXPECT_FALSE(t.C.TryRecv().has_value());
  }));
}

// Go 1.23: a value that fired but was not received is discarded by Stop,
// which then reports that it stopped a delivery.
TEST_P(TimerTest, StopAfterFiringDiscardsTheUnreceivedValue) {
  EXPECT_TRUE(RunBody([&] {
    Timer t = NewTimer(rt(), 10 * kMillisecond);
    rt().Sleep(40 * kMillisecond);
    EXPECT_EQ(t.C.Len(), 1u);  // fired, not received
    EXPECT_TRUE(t.Stop());
    EXPECT_FALSE(t.C.TryRecv().has_value());
    EXPECT_FALSE(t.Stop());
  }));
}

TEST_P(TimerTest, ResetDiscardsAStaleValueAndRearms) {
  EXPECT_TRUE(RunBody([&] {
    Timer t = NewTimer(rt(), 10 * kMillisecond);
    rt().Sleep(30 * kMillisecond);
    Time reset_at = rt().Now();
    EXPECT_TRUE(t.Reset(50 * kMillisecond));  // the stale value counted
    EXPECT_FALSE(t.C.TryRecv().has_value());
    Time when = t.C.Recv().value;
    ExpectDelay(when.Sub(reset_at), 50 * kMillisecond);
    EXPECT_FALSE(t.Reset(10 * kMillisecond));  // received: nothing pending
    EXPECT_TRUE(t.Stop());
  }));
}

// A task waits on the timer while another resets it before it fires: the
// waiter gets the new due time, never the old one.
TEST_P(TimerTest, ResetWhileAnotherTaskWaits) {
  EXPECT_TRUE(RunBody([&] {
    Time start = rt().Now();
    // Due long after the reset (which comes 5 ms in): on a loaded machine
    // the resetting task may wake well after its 5 ms, and a timer due at
    // 20 ms would then have fired first (a different, legal, run).
    Timer t = NewTimer(rt(), 2 * kSecond);
    Time reset_at;
    rt().Go([&, t]() mutable {
      rt().Sleep(5 * kMillisecond);
      reset_at = rt().Now();
      EXPECT_TRUE(t.Reset(100 * kMillisecond));
    });
    Time got;
    int chosen = Select(rt(), Recv(t.C, [&](Time w) { got = w; }),
                        Recv(After(rt(), 5 * kSecond)));
    EXPECT_EQ(chosen, 0);
    ExpectDelay(got.Sub(reset_at), 100 * kMillisecond);
    EXPECT_GE(MillisSince(rt(), start), 105);
  }));
}

TEST_P(TimerTest, StopWhileAnotherTaskWaitsLeavesItWaiting) {
  EXPECT_TRUE(RunBody([&] {
    Timer t = NewTimer(rt(), 20 * kMillisecond);
    rt().Go([&, t]() mutable { EXPECT_TRUE(t.Stop()); });
    int chosen = Select(rt(), Recv(t.C), Recv(After(rt(), 80 * kMillisecond)));
    EXPECT_EQ(chosen, 1);
  }));
}

// Go's tickers drop ticks for a slow receiver: the channel holds one tick;
// the ones due meanwhile are lost and the next is on the period grid.
TEST_P(TimerTest, TickerDropsTicksForASlowReceiver) {
  EXPECT_TRUE(RunBody([&] {
    Time start = rt().Now();
    Ticker tk = NewTicker(rt(), 10 * kMillisecond);
    rt().Sleep(55 * kMillisecond);
    EXPECT_EQ(tk.C.Len(), 1u);
    Time first = tk.C.Recv().value;
    Time second = tk.C.Recv().value;
    ExpectDelay(first.Sub(start), 10 * kMillisecond);
    const Duration gap = second.Sub(first);
    EXPECT_GE(gap, 50 * kMillisecond);  // 20..50 were dropped
    EXPECT_EQ(gap.count() % (10 * kMillisecond).count(), 0);  // on the grid
    if (sim()) {
      EXPECT_EQ(gap, 50 * kMillisecond);
    }
    tk.Stop();
    rt().Sleep(40 * kMillisecond);
    EXPECT_FALSE(tk.C.TryRecv().has_value());
  }));
}

TEST_P(TimerTest, TickerResetChangesThePeriod) {
  EXPECT_TRUE(RunBody([&] {
    Ticker tk = NewTicker(rt(), 10 * kMillisecond);
    Time a = tk.C.Recv().value;
    Time reset_at = rt().Now();
    tk.Reset(30 * kMillisecond);
    Time b = tk.C.Recv().value;
    Time c = tk.C.Recv().value;
    ExpectDelay(b.Sub(reset_at), 30 * kMillisecond);
    // On the new period's grid. A receiver slowed by the machine for more
    // than a period loses ticks (the test above), so on Linux the gap is a
    // multiple of it.
    EXPECT_GE(c.Sub(b), 30 * kMillisecond);
    EXPECT_EQ(c.Sub(b).count() % (30 * kMillisecond).count(), 0);
    if (sim()) {
      EXPECT_EQ(c.Sub(b), 30 * kMillisecond);
    }
    EXPECT_GE(b.Sub(a), 30 * kMillisecond);
    tk.Stop();
  }));
}

TEST_P(TimerTest, AfterFuncRunsInItsOwnTaskUnlessStopped) {
  EXPECT_TRUE(RunBody([&] {
    std::vector<int> ran;
    Timer stopped =
        AfterFunc(rt(), 10 * kMillisecond, [&] { ran.push_back(1); });
    Timer runs = AfterFunc(rt(), 20 * kMillisecond, [&] {
      ran.push_back(2);
      rt().Sleep(kMillisecond);  // a task of its own: it may park
      ran.push_back(3);
    });
    EXPECT_TRUE(stopped.Stop());
    rt().Sleep(50 * kMillisecond);
    if (!sim()) {
      // Real time: a loaded machine may wake this task at 50 ms before the
      // function's task has finished its 1 ms sleep. Bounded: 5 s.
      for (int i = 0; i < 500 && ran.size() < 3; ++i) {
        rt().Sleep(10 * kMillisecond);
      }
    }
    EXPECT_EQ(ran, (std::vector<int>{2, 3}));
    EXPECT_FALSE(runs.Stop());  // already started
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, TimerTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace simsock::net::testing
