/// \file
/// Virtual time of the simulator: int64 nanoseconds, never double.
#pragma once

#include <chrono>
#include <cstdint>

namespace simsock::sim {

/// A length of virtual time, in nanoseconds.
using Duration = std::chrono::nanoseconds;
/// A point in virtual time, as nanoseconds since the world began.
using Time = std::chrono::nanoseconds;

/// A time that never comes: "no deadline", "no event due".
inline constexpr Time kNever = Time::max();

/// t + d, saturating at kNever: a timeout a caller may pass (epoll_pwait2's
/// timespec, nanosleep) can be as long as the int64 range allows, and Linux
/// saturates such a deadline (timespec64_add_safe) rather than wrapping it
/// into the past. d must be >= 0.
inline constexpr Time DeadlineAfter(Time t, Duration d) {
  return d >= kNever - t ? kNever : t + d;
}

/// A valid timeout of sec seconds and nsec nanoseconds (sec >= 0,
/// 0 <= nsec < 1e9), as a Duration. Saturates: sec may exceed what int64
/// nanoseconds hold (Linux accepts any valid timespec and caps the
/// deadline, timespec64_add_safe).
inline constexpr Duration TimeoutDuration(int64_t sec, int64_t nsec) {
  constexpr int64_t kMaxSec = Duration::max().count() / 1'000'000'000 - 1;
  return sec > kMaxSec
             ? Duration::max()
             : std::chrono::seconds(sec) + std::chrono::nanoseconds(nsec);
}

}  // namespace simsock::sim
