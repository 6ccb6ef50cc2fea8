// World::RunUntil: how the world is driven from outside any simulated
// thread (test code, a blocking call it makes, a test backend).
#include <gtest/gtest.h>

#include <functional>

#include "simsock/sim/kernel/world.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using RunResult = World::RunResult;

TEST(WorldRunUntil, StepsFromEventToEventUntilDone) {
  World w(1);
  int ran = 0;
  for (int ms : {1, 2, 3}) w.Schedule(Time(milliseconds(ms)), [&] { ++ran; });
  EXPECT_EQ(w.RunUntil([&] { return ran == 2; }), RunResult::kDone);
  EXPECT_EQ(w.Now(), Time(milliseconds(2)));  // the step that made it true
  EXPECT_EQ(w.pending_events(), 1u);
}

TEST(WorldRunUntil, DoneAtOnceRunsNothing) {
  World w(1);
  bool ran = false;
  w.Schedule(Time(milliseconds(1)), [&] { ran = true; });
  EXPECT_EQ(w.RunUntil([] { return true; }), RunResult::kDone);
  EXPECT_FALSE(ran);
  EXPECT_EQ(w.Now(), Time(0));
}

TEST(WorldRunUntil, StopsExactlyAtTheDeadline) {
  World w(1);
  bool ran = false;
  w.Schedule(Time(seconds(5)), [&] { ran = true; });
  EXPECT_EQ(w.RunUntil([] { return false; }, Time(seconds(1))),
            RunResult::kTimedOut);
  EXPECT_FALSE(ran);
  EXPECT_EQ(w.Now(), Time(seconds(1)));
}

TEST(WorldRunUntil, NothingPendingWithoutADeadline) {
  World w(1);
  EXPECT_EQ(w.RunUntil([] { return false; }), RunResult::kNothingPending);
  EXPECT_EQ(w.Now(), Time(0));
}

TEST(WorldRunUntil, GivesUpAfterTheDriverWaitLimit) {
  World w(1);
  w.SetDriverWaitLimit(seconds(10));
  // A timer that fires forever without making done() true.
  std::function<void()> tick = [&] { w.Schedule(w.Now() + seconds(1), tick); };
  w.Schedule(Time(seconds(1)), tick);
  EXPECT_EQ(w.RunUntil([] { return false; }), RunResult::kWaitLimit);
  EXPECT_EQ(w.Now(), Time(seconds(10)));
}

}  // namespace
}  // namespace simsock::sim
