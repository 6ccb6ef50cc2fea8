// WaitQueue: a wake calls the waiters registered when it starts, in
// registration order, skips those removed before their turn, never calls
// those added during it, and lets a waiter remove itself (or others) while
// it runs: removals during a wake are deferred, not copies of callbacks.
#include "simsock/sim/vfs/wait_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace simsock::sim {
namespace {

TEST(WaitQueue, WakesInRegistrationOrderWithTheKey) {
  WaitQueue q;
  EXPECT_TRUE(q.empty());
  std::vector<int> calls;
  q.Add([&](uint32_t key) { calls.push_back(10 + static_cast<int>(key)); });
  q.Add([&](uint32_t key) { calls.push_back(20 + static_cast<int>(key)); });
  EXPECT_FALSE(q.empty());
  q.Wake(1);
  q.Wake(2);
  EXPECT_EQ(calls, (std::vector<int>{11, 21, 12, 22}));
}

TEST(WaitQueue, RemovedBeforeItsTurnIsNotCalled) {
  WaitQueue q;
  std::vector<int> calls;
  uint64_t second = 0;
  q.Add([&](uint32_t) {
    calls.push_back(1);
    q.Remove(second);
  });
  second = q.Add([&](uint32_t) { calls.push_back(2); });
  q.Add([&](uint32_t) { calls.push_back(3); });
  q.Wake(0);
  EXPECT_EQ(calls, (std::vector<int>{1, 3}));
  calls.clear();
  q.Wake(0);
  EXPECT_EQ(calls, (std::vector<int>{1, 3}));
}

TEST(WaitQueue, AWaiterMayRemoveItselfWhileItRuns) {
  WaitQueue q;
  // The capture lives in the callback: it must survive its own removal
  // until the call returns.
  auto hits = std::make_shared<int>(0);
  uint64_t self = 0;
  self = q.Add([&q, &self, hits](uint32_t) {
    q.Remove(self);
    ++*hits;  // still alive: the removal waits for the wake's end
  });
  q.Wake(0);
  EXPECT_EQ(*hits, 1);
  EXPECT_TRUE(q.empty());
  q.Wake(0);
  EXPECT_EQ(*hits, 1);
  q.Remove(self);  // an id already gone: nothing
}

TEST(WaitQueue, AddedDuringAWakeWaitsForTheNext) {
  WaitQueue q;
  std::vector<int> calls;
  bool added = false;
  q.Add([&](uint32_t) {
    calls.push_back(1);
    if (!added) {
      added = true;
      q.Add([&](uint32_t) { calls.push_back(2); });
    }
  });
  q.Wake(0);
  EXPECT_EQ(calls, (std::vector<int>{1}));
  q.Wake(0);
  EXPECT_EQ(calls, (std::vector<int>{1, 1, 2}));
}

TEST(WaitQueue, EmptyCountsOnlyLiveWaiters) {
  WaitQueue q;
  bool empty_inside = false;
  uint64_t a = 0;
  uint64_t b = 0;
  a = q.Add([&](uint32_t) {
    q.Remove(a);
    q.Remove(b);
    empty_inside = q.empty();  // both marked, neither erased yet
  });
  b = q.Add([](uint32_t) { FAIL() << "removed before its turn"; });
  q.Wake(0);
  EXPECT_TRUE(empty_inside);
  EXPECT_TRUE(q.empty());
}

TEST(WaitQueue, NestedWakesCallTheWaitersOfTheirOwnStart) {
  WaitQueue q;
  std::vector<int> calls;
  int depth = 0;
  uint64_t late = 0;
  q.Add([&](uint32_t key) {
    calls.push_back(static_cast<int>(key));
    if (depth++ == 0) {
      late = q.Add(
          [&](uint32_t k) { calls.push_back(100 + static_cast<int>(k)); });
      q.Wake(2);  // calls the first waiter again (depth 1) and `late`
    }
  });
  q.Wake(1);
  // The outer wake started before `late` was added: it does not call it.
  EXPECT_EQ(calls, (std::vector<int>{1, 2, 102}));
  q.Remove(late);
  calls.clear();
  q.Wake(3);
  EXPECT_EQ(calls, (std::vector<int>{3}));
}

}  // namespace
}  // namespace simsock::sim
