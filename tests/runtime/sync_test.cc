// Mutex, Cond, Once (net/runtime/sync.h) for tasks, on both backends:
// exclusion across parks, FIFO handoff, TryLock, Cond's Wait/Signal/
// Broadcast, Once with a concurrent caller, and the deadlock report.
#include "simsock/net/runtime/sync.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "simsock/net/runtime/chan.h"
#include "simsock/net/runtime/select.h"
#include "simsock/net/runtime/wait_group.h"
#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using SyncTest = NetTest;

TEST_P(SyncTest, MutexExcludesAcrossParksAndHandsOffInFifoOrder) {
  Mutex mu(rt());
  int inside = 0;
  int max_inside = 0;
  int counter = 0;
  std::vector<int> order;
  for (int id = 0; id < 3; ++id) {
    rt().Go([&, id, mu]() mutable {
      for (int i = 0; i < 4; ++i) {
        mu.Lock();
        order.push_back(id);
        max_inside = std::max(max_inside, ++inside);
        int seen = counter;
        rt().Sleep(kMillisecond);  // park while holding the lock
        counter = seen + 1;
        --inside;
        mu.Unlock();
      }
    });
  }
  EXPECT_EQ(RunRuntime(), RunStatus::kAllDone);
  EXPECT_EQ(counter, 12);
  EXPECT_EQ(max_inside, 1);
  // Unlock hands the mutex to the longest waiter: strict rotation.
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
  EXPECT_FALSE(mu.locked());
}

TEST_P(SyncTest, TryLockNeverParks) {
  Mutex mu(rt());
  EXPECT_TRUE(mu.TryLock());
  EXPECT_FALSE(mu.TryLock());
  EXPECT_TRUE(mu.locked());
  mu.Unlock();
  EXPECT_TRUE(mu.TryLock());
  mu.Unlock();
}

TEST_P(SyncTest, CondSignalWakesOneBroadcastWakesAll) {
  EXPECT_TRUE(RunBody([&] {
    Mutex mu(rt());
    Cond cond(rt(), mu);
    std::deque<int> queue;
    std::vector<std::string> log;
    int done = 0;
    for (int id = 0; id < 3; ++id) {
      rt().Go([&, id, cond]() mutable {
        cond.L.Lock();
        while (queue.empty()) cond.Wait();
        EXPECT_TRUE(cond.L.locked());
        int v = queue.front();
        queue.pop_front();
        log.push_back(std::to_string(id) + ":" + std::to_string(v));
        ++done;
        cond.L.Unlock();
      });
    }
    rt().Yield();  // all three wait
    mu.Lock();
    queue.push_back(10);
    cond.Signal();
    mu.Unlock();
    rt().Yield();
    rt().Yield();
    EXPECT_EQ(log, (std::vector<std::string>{"0:10"}));
    mu.Lock();
    queue.push_back(20);
    queue.push_back(30);
    cond.Broadcast();
    mu.Unlock();
    for (int i = 0; i < 5 && done < 3; ++i) rt().Yield();
    EXPECT_EQ(log, (std::vector<std::string>{"0:10", "1:20", "2:30"}));
  }));
}

TEST_P(SyncTest, OnceRunsOnceAndMakesConcurrentCallersWait) {
  EXPECT_TRUE(RunBody([&] {
    Once once(rt());
    int calls = 0;
    bool initialized = false;
    std::vector<bool> seen;
    WaitGroup wg(rt());
    for (int i = 0; i < 3; ++i) {
      wg.Add(1);
      rt().Go([&, once, wg]() mutable {
        once.Do([&] {
          ++calls;
          rt().Sleep(10 * kMillisecond);  // the others arrive meanwhile
          initialized = true;
        });
        seen.push_back(initialized);
        wg.Done();
      });
    }
    wg.Wait();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, (std::vector<bool>{true, true, true}));
    once.Do([&] { ++calls; });
    EXPECT_EQ(calls, 1);
  }));
}

// Go: "fatal error: all goroutines are asleep - deadlock!" with each
// goroutine's wait reason; here Run() returns kDeadlock and deadlock()
// names each parked task's wait and object.
TEST_P(SyncTest, DeadlockReportNamesTheParkedOnObjects) {
  Mutex mu(rt());
  Cond cond(rt(), Mutex(rt()));
  Chan<int> ch(rt());
  // By value: the tasks are still parked when the test body returns, and
  // the Runtime unwinds them only at TearDown, after ch and mu are gone.
  rt().Go([ch, mu]() mutable {
    mu.Lock();
    (void)ch.Recv();  // holds mu forever
  });
  rt().Go([mu]() mutable { mu.Lock(); });
  rt().Go([cond]() mutable {
    cond.L.Lock();
    cond.Wait();
  });
  EXPECT_EQ(RunRuntime(), RunStatus::kDeadlock);
  const std::vector<std::string>& report = rt().deadlock();
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].rfind("task 1 [chan receive 0x", 0), 0u) << report[0];
  EXPECT_EQ(report[1].rfind("task 2 [sync.Mutex.Lock 0x", 0), 0u) << report[1];
  EXPECT_EQ(report[2].rfind("task 3 [sync.Cond.Wait 0x", 0), 0u) << report[2];
  // Each Run() recomputes it.
  rt().Go([] {});
  EXPECT_EQ(RunRuntime(), RunStatus::kDeadlock);
  EXPECT_EQ(rt().deadlock().size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Backends, SyncTest, ::testing::ValuesIn(AllBackends()),
                         BackendName);

TEST(SyncDeathTest, UnlockOfAnUnlockedMutexAborts) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ::simsock::testing::LinuxBackend backend;
        Runtime rt(backend.sys());
        Mutex mu(rt);
        mu.Unlock();
      },
      "sync: unlock of unlocked mutex");
}

TEST(SelectDeathTest, ChosenSendOnAClosedChannelAborts) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(
      {
        ::simsock::testing::LinuxBackend backend;
        Runtime rt(backend.sys());
        Chan<int> c(rt, 1);
        c.Close();
        Select(rt, Send(c, 1), Default());
      },
      "send on closed channel");
}

}  // namespace
}  // namespace simsock::net::testing
