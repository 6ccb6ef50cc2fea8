// The net runtime: tasks, scheduling order, channels, wait groups, sleep,
// timers, deadlock detection, Stop and unwinding. Backend-parameterized
// (timers and the idle wait go through the backend's clock and epoll).
#include "simsock/net/runtime/runtime.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "simsock/net/runtime/chan.h"
#include "simsock/net/runtime/timer_heap.h"
#include "simsock/net/runtime/wait_group.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using RuntimeTest = NetTest;

TEST_P(RuntimeTest, RunWithNoTasksIsAllDone) {
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
}

TEST_P(RuntimeTest, TasksRunFifoAndChildrenAfter) {
  std::vector<std::string> log;
  for (int i = 1; i <= 3; ++i) {
    rt().Go([&, i] {
      log.push_back("t" + std::to_string(i));
      if (i == 1) rt().Go([&] { log.push_back("child"); });
    });
  }
  EXPECT_EQ(rt().NumTasks(), 3u);
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(log, (std::vector<std::string>{"t1", "t2", "t3", "child"}));
  EXPECT_EQ(rt().NumTasks(), 0u);
}

TEST_P(RuntimeTest, YieldInterleaves) {
  std::string log;
  for (char c : {'a', 'b'}) {
    rt().Go([&, c] {
      for (int i = 0; i < 3; ++i) {
        log += c;
        rt().Yield();
      }
    });
  }
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(log, "ababab");
}

TEST_P(RuntimeTest, ManyTasksReuseStacks) {
  int finished = 0;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 500; ++i) {
      rt().Go([&] {
        rt().Yield();
        ++finished;
      });
    }
    EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  }
  EXPECT_EQ(finished, 2000);
}

TEST_P(RuntimeTest, UnbufferedChanHandsOverAndBlocksSender) {
  std::vector<std::string> log;
  Chan<int> ch(rt());
  rt().Go([&, ch]() mutable {
    log.push_back("send 1");
    ch.Send(1);
    log.push_back("sent 1");
    ch.Send(2);
    log.push_back("sent 2");
    ch.Close();
  });
  rt().Go([&, ch]() mutable {
    log.push_back("recv");
    while (true) {
      auto [v, ok] = ch.Recv();
      if (!ok) break;
      log.push_back("got " + std::to_string(v));
    }
    log.push_back("closed");
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  // The second Send finds the receiver parked and hands over directly, so
  // the sender goes on ("sent 2") before the receiver runs again.
  EXPECT_EQ(log, (std::vector<std::string>{"send 1", "recv", "got 1", "sent 1",
                                           "sent 2", "got 2", "closed"}));
}

TEST_P(RuntimeTest, BufferedChanBlocksOnlyWhenFull) {
  Chan<std::string> ch(rt(), 2);
  std::vector<std::string> log;
  rt().Go([&, ch]() mutable {
    ch.Send("a");
    ch.Send("b");
    log.push_back("two buffered, len " + std::to_string(ch.Len()));
    ch.Send("c");  // blocks until the receiver takes "a"
    log.push_back("third sent");
    ch.Close();
  });
  rt().Go([&, ch]() mutable {
    for (auto r = ch.Recv(); r.ok; r = ch.Recv()) log.push_back(r.value);
    log.push_back("drained");
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  // Taking "a" moves the parked sender's "c" into the buffer and readies
  // it; the receiver keeps running and drains before the sender resumes.
  EXPECT_EQ(log, (std::vector<std::string>{"two buffered, len 2", "a", "b", "c",
                                           "third sent", "drained"}));
  EXPECT_EQ(ch.Cap(), 2u);
}

TEST_P(RuntimeTest, CloseWakesEveryReceiver) {
  Chan<int> ch(rt());
  int woken = 0;
  for (int i = 0; i < 3; ++i) {
    rt().Go([&, ch]() mutable {
      auto r = ch.Recv();
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.value, 0);
      ++woken;
    });
  }
  rt().Go([ch]() mutable { ch.Close(); });
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(woken, 3);
}

TEST_P(RuntimeTest, TrySendTryRecv) {
  Chan<int> ch(rt(), 1);
  EXPECT_FALSE(ch.TryRecv().has_value());
  EXPECT_TRUE(ch.TrySend(7));
  EXPECT_FALSE(ch.TrySend(8));
  auto r = ch.TryRecv();
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->value, 7);
  ch.Close();
  r = ch.TryRecv();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ok);
}

TEST_P(RuntimeTest, SendOnClosedChannelAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Chan<int> ch(rt(), 1);
        ch.Close();
        ch.Send(1);
      },
      "send on closed channel");
  EXPECT_DEATH(
      {
        Chan<int> ch(rt(), 1);
        ch.Close();
        ch.Close();
      },
      "close of closed channel");
}

TEST_P(RuntimeTest, WaitGroupWaitsForAll) {
  WaitGroup wg(rt());
  int done = 0;
  bool waited = false;
  for (int i = 0; i < 5; ++i) {
    wg.Add(1);
    rt().Go([&, wg, i]() mutable {
      for (int k = 0; k < i; ++k) rt().Yield();
      ++done;
      wg.Done();
    });
  }
  rt().Go([&, wg]() mutable {
    wg.Wait();
    EXPECT_EQ(done, 5);
    waited = true;
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_TRUE(waited);
  EXPECT_EQ(wg.count(), 0);
}

TEST_P(RuntimeTest, SleepWaitsOnTheBackendClock) {
  Time start;
  int64_t elapsed_ms = -1;
  rt().Go([&] {
    start = rt().Now();
    rt().Sleep(50 * kMillisecond);
    elapsed_ms = MillisSince(rt(), start);
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_GE(elapsed_ms, 50);
  EXPECT_LT(elapsed_ms, 5000);
}

TEST_P(RuntimeTest, SleepersWakeInDeadlineOrder) {
  std::vector<int> order;
  for (int ms : {60, 20, 40, 0}) {
    rt().Go([&, ms] {
      rt().Sleep(ms * kMillisecond);
      order.push_back(ms);
    });
  }
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(order, (std::vector<int>{0, 20, 40, 60}));
}

TEST_P(RuntimeTest, DeadlockIsReported) {
  Chan<int> ch(rt());
  rt().Go([ch]() mutable { (void)ch.Recv(); });
  EXPECT_EQ(RunRuntime(), RunStatus::kDeadlock);
  EXPECT_EQ(rt().NumTasks(), 1u);
}

TEST_P(RuntimeTest, StopThenDestroyUnwindsParkedTasks) {
  int destroyed = 0;
  struct Flag {
    int* n;
    ~Flag() { ++*n; }
  };
  Chan<int> ch(rt());
  rt().Go([&, ch]() mutable {
    Flag f{&destroyed};
    (void)ch.Recv();
    ADD_FAILURE() << "never received";
  });
  rt().Go([&] {
    Flag f{&destroyed};
    rt().Sleep(kHour);
  });
  rt().Go([&] {
    rt().Yield();
    rt().Stop();
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kStopped);
  EXPECT_EQ(destroyed, 0);
  rt_.reset();  // unwinds the two parked tasks
  EXPECT_EQ(destroyed, 2);
}

TEST_P(RuntimeTest, DestroyUnwindsTasksOldestFirstEachStackThenItsCaptures) {
  std::vector<std::string> order;
  struct Note {
    Note(std::vector<std::string>* o, const char* w) : out(o), what(w) {}
    Note(const Note&) = delete;
    ~Note() { out->push_back(what); }
    std::vector<std::string>* out;
    const char* what;
  };
  Chan<int> ch(rt());
  auto capture1 = std::make_shared<Note>(&order, "1 capture");
  rt().Go([&, ch, capture1]() mutable {
    Note on_stack{&order, "1 stack"};
    (void)ch.Recv();
  });
  auto capture2 = std::make_shared<Note>(&order, "2 capture");
  rt().Go([&, capture2] {
    Note on_stack{&order, "2 stack"};
    rt().Sleep(kHour);
  });
  rt().Go([&] {
    rt().Yield();
    rt().Stop();
  });
  capture1.reset();
  capture2.reset();
  EXPECT_EQ(RunRuntime(), RunStatus::kStopped);
  // Never started: no stack to unwind, only its captures.
  auto capture4 = std::make_shared<Note>(&order, "4 capture");
  rt().Go([capture4] { ADD_FAILURE() << "never runs"; });
  capture4.reset();
  EXPECT_TRUE(order.empty());
  rt_.reset();
  EXPECT_EQ(order, (std::vector<std::string>{"1 stack", "1 capture", "2 stack",
                                             "2 capture", "4 capture"}));
}

TEST_P(RuntimeTest, RunCanBeResumedAfterStop) {
  int steps = 0;
  rt().Go([&] {
    ++steps;
    rt().Stop();
    rt().Yield();
    ++steps;
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kStopped);
  EXPECT_EQ(steps, 1);
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(steps, 2);
}

// The right ways of docs/net.md "The easiest mistake": tasks that outlive
// the function that started them capture by value (handles, shared_ptr);
// tasks that share a caller's locals are waited for before the locals die.
void StartCounter(Runtime& rt, Chan<int> out) {
  auto step = std::make_shared<const int>(7);
  for (int i = 0; i < 3; ++i) {
    rt.Go([out, step, i]() mutable { out.Send(i * *step); });
  }
}  // step's last owner is now the tasks

TEST_P(RuntimeTest, CaptureByValuePatternsOfTheDocs) {
  Chan<int> ch(rt(), 3);
  int sum = 0;
  std::vector<int> results;
  rt().Go([&] {  // fine: sum and results outlive Run()
    StartCounter(rt(), ch);
    for (int k = 0; k < 3; ++k) sum += ch.Recv().value;
    const int n = 4;
    std::vector<int> local(n);
    WaitGroup wg(rt());
    for (int i = 0; i < n; ++i) {
      wg.Add(1);
      rt().Go([this, &local, i, wg]() mutable {
        rt().Yield();  // runs after the loop: i must be a copy
        local[i] = i * i;
        wg.Done();
      });
    }
    wg.Wait();  // local outlives every task that uses it
    results = local;
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(sum, 0 + 7 + 14);
  EXPECT_EQ(results, (std::vector<int>{0, 1, 4, 9}));
}

INSTANTIATE_TEST_SUITE_P(Backends, RuntimeTest,
                         ::testing::ValuesIn(AllBackends()), BackendName);

// The timer heap alone: ordered by (when, seq); removal keeps the order.
TEST(TimerHeapTest, OrdersByDeadlineThenInsertion) {
  internal::TimerHeap heap;
  internal::Timer t[6];
  const int64_t whens[6] = {30, 10, 20, 10, 5, 20};
  for (int i = 0; i < 6; ++i) {
    t[i].when = whens[i];
    heap.Push(&t[i]);
  }
  heap.Remove(&t[4]);
  heap.Remove(&t[4]);  // no-op
  std::vector<int> order;
  while (!heap.empty()) {
    internal::Timer* x = heap.Pop();
    order.push_back(static_cast<int>(x - t));
  }
  EXPECT_EQ(order, (std::vector<int>{1, 3, 2, 5, 0}));
}

// Time arithmetic saturates as Go's Time.Add / Time.Sub do, in both
// directions, instead of wrapping around int64.
TEST(TimeTest, AddAndSubSaturate) {
  const Time t = Time::FromNanos(1'000);
  EXPECT_EQ(t.Add(Duration::max()).Nanos(), INT64_MAX);
  EXPECT_EQ(t.Add(Duration::min()).Nanos(), 1'000 + INT64_MIN);  // fits
  EXPECT_EQ(Time::FromNanos(-1'000).Add(Duration::min()).Nanos(), INT64_MIN);
  EXPECT_EQ(Time::FromNanos(INT64_MAX).Add(kNanosecond).Nanos(), INT64_MAX);
  EXPECT_EQ(Time::FromNanos(INT64_MIN).Add(-kNanosecond).Nanos(), INT64_MIN);
  EXPECT_EQ(t.Add(kSecond).Nanos(), 1'000'001'000);
  EXPECT_EQ(t.Add(-kSecond).Nanos(), 1'000 - 1'000'000'000);
  EXPECT_EQ(Time::FromNanos(INT64_MAX).Sub(Time::FromNanos(-1)),
            Duration::max());
  EXPECT_EQ(Time::FromNanos(INT64_MIN).Sub(Time::FromNanos(1)),
            Duration::min());
  EXPECT_EQ(t.Sub(Time::FromNanos(400)), Duration(600));
  static_assert(Time::FromNanos(1).Add(Duration::max()).Nanos() == INT64_MAX);
}

}  // namespace
}  // namespace simsock::net::testing
