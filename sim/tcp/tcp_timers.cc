// TcpTimers (see tcp_timers.h).
#include "simsock/sim/tcp/tcp_timers.h"

#include <algorithm>
#include <cstdint>
#include <memory>

#include "simsock/sim/tcp/rtt_estimator.h"

namespace simsock::sim::tcp {

Duration ModelTimeout(int boundary, Duration rto_base, Duration rto_max) {
  if (rto_base <= Duration::zero()) return Duration::zero();
  int thresh = 0;  // ilog2(rto_max / rto_base)
  for (int64_t ratio = rto_max / rto_base; ratio > 1; ratio >>= 1) {
    ++thresh;
  }
  if (boundary <= thresh) {
    return ((int64_t{2} << boundary) - 1) * rto_base;
  }
  return ((int64_t{2} << thresh) - 1) * rto_base +
         (boundary - thresh) * rto_max;
}

TcpTimers::TcpTimers(const TcpTimers& other)
    : at_(other.at_),
      retrans_stamp_(other.retrans_stamp_),
      counts_(other.counts_ != nullptr
                  ? std::make_unique<Counts>(*other.counts_)
                  : nullptr) {}

TcpTimers& TcpTimers::operator=(const TcpTimers& other) {
  if (this != &other) *this = TcpTimers(other);
  return *this;
}

Time TcpTimers::NextDeadline() const {
  // Asked after every segment in and out (the socket re-arms its one
  // timer): the five slots' minimum without a loop.
  static_assert(std::tuple_size_v<decltype(at_)> == 5);
  const Time a = std::min(at_[0], at_[1]);
  const Time b = std::min(at_[2], at_[3]);
  return std::min(std::min(a, b), at_[4]);
}

bool TcpTimers::RetransmitsTimedOut(int boundary, Duration rto_base,
                                    Duration rto_max, Duration user_timeout,
                                    Time now) const {
  if (retransmits() == 0 || retrans_stamp_ == kNoStamp) return false;
  Duration timeout = user_timeout;
  if (timeout == Duration::zero()) {
    timeout = ModelTimeout(boundary, rto_base, rto_max);
  }
  return now - retrans_stamp_ >= timeout;
}

Duration TcpTimers::ClampRtoToUserTimeout(Duration rto, Duration user_timeout,
                                          Time now) const {
  if (user_timeout == Duration::zero() || retrans_stamp_ == kNoStamp)
    return rto;
  const Duration remaining = user_timeout - (now - retrans_stamp_);
  if (remaining <= Duration::zero()) {
    return std::chrono::milliseconds(1);  // one jiffy
  }
  return std::min(rto, remaining);
}

Duration TcpTimers::ProbeWhen(Duration rto, Duration rto_min,
                              Duration rto_max) const {
  return Backoff(std::max(rto, rto_min), probe_backoff(), rto_max);
}

}  // namespace simsock::sim::tcp
