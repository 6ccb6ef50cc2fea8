// simsock::net time values: Duration and Time, on the backend's clock.
//
// Time is an absolute instant in nanoseconds on the clock of the Runtime's
// Syscalls (clock_gettime_ns: CLOCK_MONOTONIC on Linux, virtual time in the
// simulator). The zero Time means "no time", as Go's time.Time{}: a zero
// deadline clears the deadline. Durations are std::chrono::nanoseconds, so
// both `30 * kSecond` (Go style) and `30s` (chrono literals) work.
//
// Invariants: int64 nanoseconds throughout, never double. No wall clock is
// read here; Now(rt) asks the Runtime's backend.
// Threading: plain values.
#pragma once

#include <chrono>
#include <cstdint>

namespace simsock::net {

using Duration = std::chrono::nanoseconds;

inline constexpr Duration kNanosecond{1};
inline constexpr Duration kMicrosecond{1'000};
inline constexpr Duration kMillisecond{1'000'000};
inline constexpr Duration kSecond{1'000'000'000};
inline constexpr Duration kMinute{60'000'000'000};
inline constexpr Duration kHour{3'600'000'000'000};

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time FromNanos(int64_t ns) { return Time(ns); }

  constexpr int64_t Nanos() const { return ns_; }
  constexpr bool IsZero() const { return ns_ == 0; }
  constexpr Time Add(Duration d) const { return Time(ns_ + d.count()); }
  constexpr Duration Sub(Time other) const { return Duration(ns_ - other.ns_); }
  constexpr bool Before(Time other) const { return ns_ < other.ns_; }
  constexpr bool After(Time other) const { return ns_ > other.ns_; }

  friend constexpr auto operator<=>(Time, Time) = default;

 private:
  explicit constexpr Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

}  // namespace simsock::net
