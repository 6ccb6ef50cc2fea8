// RttEstimator (see rtt_estimator.h): RFC 6298 arithmetic.
#include "simsock/sim/tcp/rtt_estimator.h"

#include <algorithm>

namespace simsock::sim::tcp {

Duration Backoff(Duration base, int n, Duration cap) {
  Duration d = base;
  for (int i = 0; i < n && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

void RttEstimator::StartTiming(SeqNum ack_seq, Time now) {
  timing_ = true;
  timed_ack_ = ack_seq;
  timed_start_ = now;
}

std::optional<Duration> RttEstimator::OnAck(SeqNum ack, Time now) {
  if (!timing_ || ack < timed_ack_) return std::nullopt;
  timing_ = false;
  const Duration r = now - timed_start_;
  Sample(r);
  return r;
}

// RFC 6298 §2.2 / 2.3.
void RttEstimator::Sample(Duration r) {
  if (r < Duration::zero()) r = Duration::zero();
  if (!have_srtt_) {
    have_srtt_ = true;
    srtt_ = r;
    rttvar_ = r / 2;
    return;
  }
  const Duration err = srtt_ > r ? srtt_ - r : r - srtt_;
  rttvar_ = (3 * rttvar_ + err) / 4;
  srtt_ = (7 * srtt_ + r) / 8;
}

// RFC 6298 §2.4 with Linux's floor on the variance term (tcp_set_rto:
// rttvar is at least rto_min, so RTO = srtt + max(4 * rttvar, rto_min)).
Duration RttEstimator::ComputedRto(const RtoBounds& b) const {
  if (!have_srtt_) return b.initial;
  const Duration rto = srtt_ + std::max(4 * rttvar_, b.min);
  return std::min(rto, b.max);
}

void RttEstimator::BackOff(const RtoBounds& b) {
  rto_ = std::min(rto_ * 2, b.max);
}

}  // namespace simsock::sim::tcp
