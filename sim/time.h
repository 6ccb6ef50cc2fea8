// Virtual time of the simulator: int64 nanoseconds, never double.
#pragma once

#include <chrono>
#include <cstdint>

namespace simsock::sim {

using Duration = std::chrono::nanoseconds;
// A point in virtual time, as nanoseconds since the world began.
using Time = std::chrono::nanoseconds;

inline constexpr Time kNever = Time::max();

}  // namespace simsock::sim
