// SpinGuard (exec/spin_guard.h): a run of forwarded calls at one virtual
// instant lets time pass, 1 us after `limit` calls, then twice as long
// after each tenth as many, up to 1 ms; a call at another instant starts
// a new run.
#include <gtest/gtest.h>

#include <algorithm>

#include "simsock/exec/spin_guard.h"

namespace simsock::exec {
namespace {

sim::Time At(int64_t ns) { return sim::Time(ns); }

TEST(SpinGuard, YieldsAfterARunOfCallsAtOneInstant) {
  SpinGuard g(100);
  int64_t now = 5000;
  for (int i = 1; i < 100; ++i) EXPECT_EQ(g.BeforeCall(At(now)), 0) << i;
  EXPECT_EQ(g.BeforeCall(At(now)), 1000);
  EXPECT_EQ(g.yield_calls(), 100u);
  now += 1000;
  g.Yielded(At(now));
  // Still spinning: a tenth as many calls, twice as long each time.
  int64_t want = 2000;
  for (int yield = 0; yield < 12; ++yield) {
    for (int i = 1; i < 10; ++i) EXPECT_EQ(g.BeforeCall(At(now)), 0);
    EXPECT_EQ(g.BeforeCall(At(now)), want);
    EXPECT_EQ(g.yield_calls(), 10u);
    now += want;
    g.Yielded(At(now));
    want = std::min<int64_t>(2 * want, 1000000);
  }
  EXPECT_EQ(want, 1000000);
  // The program blocked (the clock moved by something else): a new run.
  now += 7;
  for (int i = 1; i < 100; ++i) EXPECT_EQ(g.BeforeCall(At(now)), 0);
  EXPECT_EQ(g.BeforeCall(At(now)), 1000);
}

TEST(SpinGuard, ZeroNeverYields) {
  SpinGuard g(0);
  for (int i = 0; i < 100000; ++i) ASSERT_EQ(g.BeforeCall(At(1)), 0);
}

}  // namespace
}  // namespace simsock::exec
