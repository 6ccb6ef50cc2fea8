/// \file
/// simsock::net time values: Duration and Time, on the backend's clock.
///
/// Time is an absolute instant in nanoseconds on the clock of the Runtime's
/// Syscalls (clock_gettime_ns: CLOCK_MONOTONIC on Linux, virtual time in the
/// simulator). The zero Time means "no time", as Go's time.Time{}: a zero
/// deadline clears the deadline. Durations are std::chrono::nanoseconds, so
/// both `30 * kSecond` (Go style) and `30s` (chrono literals) work.
///
/// Add and Sub saturate instead of wrapping, as Go's Time.Add and Time.Sub
/// do: Now(rt).Add(Duration::max()) is the latest representable instant (a
/// deadline that never fires), Add(Duration::min()) the earliest (one that
/// has already passed). A wrapped sum would turn a far-future deadline into
/// one far in the past, which times out at once.
///
/// Invariants: int64 nanoseconds throughout, never double. No wall clock is
/// read here; Now(rt) asks the Runtime's backend.
/// Threading: plain values.
#pragma once

#include <chrono>
#include <cstdint>

namespace simsock::net {

/// A length of time in nanoseconds (Go's time.Duration); chrono literals
/// (30s, 5ms) convert to it.
using Duration = std::chrono::nanoseconds;

/// time.Nanosecond.
inline constexpr Duration kNanosecond{1};
/// time.Microsecond.
inline constexpr Duration kMicrosecond{1'000};
/// time.Millisecond.
inline constexpr Duration kMillisecond{1'000'000};
/// time.Second.
inline constexpr Duration kSecond{1'000'000'000};
/// time.Minute.
inline constexpr Duration kMinute{60'000'000'000};
/// time.Hour.
inline constexpr Duration kHour{3'600'000'000'000};

/// An instant on a Runtime's clock, in int64 nanoseconds (Go's time.Time,
/// monotonic only). The zero Time means "no time": a zero deadline clears the
/// deadline. A plain value of 8 bytes.
class Time {
 public:
  /// The zero Time.
  constexpr Time() = default;
  /// The instant ns nanoseconds after the clock's origin.
  static constexpr Time FromNanos(int64_t ns) { return Time(ns); }

  /// Nanoseconds since the clock's origin.
  constexpr int64_t Nanos() const { return ns_; }
  /// True for the zero Time (Go's Time.IsZero).
  constexpr bool IsZero() const { return ns_ == 0; }
  /// Saturates at the int64 limits (Go's Time.Add).
  constexpr Time Add(Duration d) const {
    int64_t sum = 0;
    if (__builtin_add_overflow(ns_, d.count(), &sum)) {
      return Time(d.count() > 0 ? INT64_MAX : INT64_MIN);
    }
    return Time(sum);
  }
  /// Saturates at Duration::max() / min() (Go's Time.Sub).
  constexpr Duration Sub(Time other) const {
    int64_t diff = 0;
    if (__builtin_sub_overflow(ns_, other.ns_, &diff)) {
      return ns_ > other.ns_ ? Duration::max() : Duration::min();
    }
    return Duration(diff);
  }
  /// True if this instant is before other.
  constexpr bool Before(Time other) const { return ns_ < other.ns_; }
  /// True if this instant is after other.
  constexpr bool After(Time other) const { return ns_ > other.ns_; }

  /// Ordered by instant.
  friend constexpr auto operator<=>(Time, Time) = default;

 private:
  explicit constexpr Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

/// An instant long past (Go's net.aLongTimeAgo): a deadline set to it has
/// expired, so it wakes a blocked Read, Write or Accept at once with "i/o
/// timeout". The way to interrupt one from another task (docs/net.md,
/// "Ending blocked calls with a context").
inline constexpr Time kLongTimeAgo = Time::FromNanos(1);

}  // namespace simsock::net
