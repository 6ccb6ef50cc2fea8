// Trace::FormatTime writes "%5lld.%09lld" by hand (it starts every trace
// line); it must print what printf prints, for every time a world reaches.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "simsock/sim/base/random.h"
#include "simsock/sim/kernel/trace.h"

namespace simsock::sim {
namespace {

std::string Printf(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%5lld.%09lld",
                static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

TEST(TraceTime, FormatTimeIsPrintfsForm) {
  for (int64_t ns :
       {int64_t{0}, int64_t{1}, int64_t{999'999'999}, int64_t{1'000'000'000},
        int64_t{99'999'999'999'999}, int64_t{100'000'000'000'000},
        kNever.count(), int64_t{-1}, int64_t{-1'500'000'000}}) {
    EXPECT_EQ(Trace::FormatTime(Time(ns)), Printf(ns)) << ns;
  }
  RandomStream rng(1, "trace_time_test");
  for (int i = 0; i < 100000; ++i) {
    auto ns = static_cast<int64_t>(rng.Next() >> (1 + rng.Below(63)));
    ASSERT_EQ(Trace::FormatTime(Time(ns)), Printf(ns)) << ns;
  }
}

// A line's "[time] " is formatted once per instant and reused while the
// events share it: every line still carries its own event's time, whatever
// the order of the instants (the first one at time zero included).
TEST(TraceTime, LinesOfOneInstantShareTheTimeTextAndEachKeepsItsOwn) {
  Trace trace;
  trace.KeepLines(true);
  const Time second = Time(1'000'000'000);
  for (Time t : {Time(0), Time(0), second, second, Time(5), second, Time(0)})
    trace.Write(t, "a", "event");
  const std::vector<std::string> want = {
      "[    0.000000000] a event", "[    0.000000000] a event",
      "[    1.000000000] a event", "[    1.000000000] a event",
      "[    0.000000005] a event", "[    1.000000000] a event",
      "[    0.000000000] a event"};
  EXPECT_EQ(trace.lines(), want);
}

}  // namespace
}  // namespace simsock::sim
