#include "simsock/sim/tcp/congestion_control.h"

#include <algorithm>

namespace simsock::sim::tcp {
namespace {

// tcp_cubic.c's constants: beta = 717/1024 (the window kept after a
// loss), bic_scale 41 (C = 0.4 in units of 1/1024), time in 1/1024 s.
constexpr uint32_t kBetaScale = 1024;
constexpr uint32_t kBeta = 717;
constexpr uint32_t kBicScale = 41;
constexpr int kBicHz = 10;
// 8 * (1 + beta) / 3 / (1 - beta), fixed point: the Reno-equivalent
// window's growth per ACK (TCP friendliness).
constexpr uint32_t kFriendlyScale =
    8 * (kBetaScale + kBeta) / 3 / (kBetaScale - kBeta);
// C / rtt with rtt = 100 ms, scaled by 1024.
constexpr uint64_t kCubeRttScale = kBicScale * 10;
// 2^(10 + 3 * 10) / (C / rtt): K^3 = (W_max - cwnd) * kCubeFactor.
constexpr uint64_t kCubeFactor = (1ULL << (10 + 3 * kBicHz)) / kCubeRttScale;

// Integer cube root (exact floor; tcp_cubic.c approximates it to 0.2%
// with a table and one Newton step).
uint32_t CubeRoot(uint64_t a) {
  uint64_t x = 0;
  for (int bit = 21; bit >= 0; --bit) {
    uint64_t y = x | (1ULL << bit);
    if (y * y * y <= a) x = y;
  }
  return static_cast<uint32_t>(x);
}

}  // namespace

std::unique_ptr<CongestionControl> CongestionControl::Make(
    std::string_view name) {
  if (name == "cubic") return std::make_unique<Cubic>();
  if (name == "reno") return std::make_unique<Reno>();
  return nullptr;
}

void CongestionControl::OnAck(uint32_t acked, bool cwnd_limited, Time now,
                              Duration srtt) {
  if (in_recovery_ || acked == 0 || !cwnd_limited) return;
  if (in_slow_start()) {
    // tcp_slow_start: grow by what was acknowledged, up to ssthresh; the
    // rest counts toward congestion avoidance.
    const uint32_t grown = std::min(cwnd_ + acked, ssthresh_);
    acked -= grown - cwnd_;
    cwnd_ = grown;
    if (acked == 0) return;
  }
  CongestionAvoidance(acked, now, srtt);
}

void CongestionControl::AdditiveIncrease(uint32_t w, uint32_t acked) {
  if (cwnd_cnt_ >= w) {  // credits earned at a larger w: apply gently
    cwnd_cnt_ = 0;
    ++cwnd_;
  }
  cwnd_cnt_ += acked;
  if (cwnd_cnt_ >= w) {
    const uint32_t delta = cwnd_cnt_ / w;
    cwnd_cnt_ -= delta * w;
    cwnd_ += delta;
  }
}

void CongestionControl::EnterRecovery() {
  ssthresh_ = RecalcSsthresh();
  cwnd_ = ssthresh_ + 3;  // the three segments the dup ACKs say have left
  cwnd_cnt_ = 0;
  in_recovery_ = true;
}

void CongestionControl::OnRecoveryDupAck() {
  if (in_recovery_) ++cwnd_;
}

void CongestionControl::OnPartialAck(uint32_t acked) {
  if (!in_recovery_) return;
  // RFC 6582 §3.2 step 5: deflate by what was acknowledged, add back one.
  cwnd_ = cwnd_ > acked ? cwnd_ - acked + 1 : 1;
}

void CongestionControl::ExitRecovery() {
  if (!in_recovery_) return;
  in_recovery_ = false;
  cwnd_ = ssthresh_;
}

void CongestionControl::OnRetransmitTimeout(bool new_loss) {
  // tcp_enter_loss keeps the ssthresh of a loss already being recovered.
  if (new_loss && !in_recovery_) ssthresh_ = RecalcSsthresh();
  in_recovery_ = false;
  cwnd_ = 1;
  cwnd_cnt_ = 0;
  OnLoss();
}

void CongestionControl::RestartAfterIdle(Duration idle, Duration rto) {
  // tcp_current_ssthresh: outside recovery, at least 3/4 of the window in
  // use before the pause.
  if (!in_recovery_)
    ssthresh_ = std::max(ssthresh_, (cwnd_ >> 1) + (cwnd_ >> 2));
  const uint32_t restart = std::min(kInitialWindow, cwnd_);
  uint32_t cwnd = cwnd_;
  while ((idle -= rto) > Duration::zero() && cwnd > restart) cwnd >>= 1;
  cwnd_ = std::max(cwnd, restart);
}

void CongestionControl::TakeWindowFrom(const CongestionControl& old) {
  cwnd_ = old.cwnd_;
  ssthresh_ = old.ssthresh_;
  cwnd_cnt_ = old.cwnd_cnt_;
  in_recovery_ = old.in_recovery_;
}

uint32_t Reno::RecalcSsthresh() { return std::max(cwnd_ >> 1, 2u); }

void Reno::CongestionAvoidance(uint32_t acked, Time, Duration) {
  AdditiveIncrease(cwnd_, acked);
}

Cubic::Cubic(const Cubic& other)
    : CongestionControl(other),
      hz_(other.hz_),
      delay_min_ms8_(other.delay_min_ms8_),
      curve_(other.curve_ != nullptr ? std::make_unique<Curve>(*other.curve_)
                                     : nullptr) {}

Cubic& Cubic::operator=(const Cubic& other) {
  if (this != &other) *this = Cubic(other);
  return *this;
}

Cubic::Curve& Cubic::curve() {
  if (curve_ == nullptr) curve_ = std::make_unique<Curve>();
  return *curve_;
}

int64_t Cubic::Jiffies(Time now) const {
  return now.count() / (1'000'000'000 / hz_);
}

void Cubic::OnRttSample(Duration rtt) {
  // bictcp_acked: delay in 1/8 ms, at least 1.
  uint32_t delay =
      static_cast<uint32_t>(std::max<int64_t>(rtt.count() * 8 / 1'000'000, 1));
  if (delay_min_ms8_ == 0 || delay < delay_min_ms8_) delay_min_ms8_ = delay;
}

// bictcp_cwnd_event (CA_EVENT_TX_START): after an application-limited
// pause the curve resumes where it stopped instead of jumping ahead by the
// idle time.
void Cubic::OnTransmitStart(Time now, Duration idle) {
  if (curve_ == nullptr) return;  // epoch_start -1: no epoch to move
  const int64_t delta = Jiffies(now) - Jiffies(now - idle);
  int64_t& epoch_start = curve_->epoch_start;
  if (epoch_start >= 0 && delta > 0) {
    epoch_start = std::min(epoch_start + delta, Jiffies(now));
  }
}

uint32_t Cubic::RecalcSsthresh() {
  Curve& c = curve();
  c.epoch_start = -1;
  // Fast convergence: a flow that lost below its last maximum gives way.
  if (cwnd_ < c.last_max_cwnd) {
    c.last_max_cwnd = cwnd_ * (kBetaScale + kBeta) / (2 * kBetaScale);
  } else {
    c.last_max_cwnd = cwnd_;
  }
  return std::max(cwnd_ * kBeta / kBetaScale, 2u);
}

void Cubic::OnLoss() {
  // bictcp_reset on TCP_CA_Loss (delay_min too).
  if (curve_ != nullptr) *curve_ = Curve{};
  delay_min_ms8_ = 0;
}

void Cubic::CongestionAvoidance(uint32_t acked, Time now, Duration) {
  Update(acked, now);
  AdditiveIncrease(curve_->cnt, acked);
}

void Cubic::Update(uint32_t acked, Time now) {
  Curve& c = curve();
  const int64_t jiffies = Jiffies(now);
  c.ack_cnt += acked;
  if (c.last_cwnd == cwnd_ && c.last_time >= 0 &&
      jiffies - c.last_time <= hz_ / 32)
    return;
  const bool friendliness_only = c.epoch_start >= 0 && jiffies == c.last_time;
  if (!friendliness_only) {
    c.last_cwnd = cwnd_;
    c.last_time = jiffies;
    if (c.epoch_start < 0) {  // a new epoch: the curve starts here
      c.epoch_start = jiffies;
      c.ack_cnt = acked;
      c.tcp_cwnd = cwnd_;
      if (c.last_max_cwnd <= cwnd_) {
        c.bic_k = 0;
        c.origin = cwnd_;
      } else {
        c.bic_k = CubeRoot(kCubeFactor * (c.last_max_cwnd - cwnd_));
        c.origin = c.last_max_cwnd;
      }
    }
    // t: time since the epoch plus the minimum RTT, in 1/1024 s.
    uint64_t t = static_cast<uint64_t>(jiffies - c.epoch_start) +
                 (static_cast<uint64_t>(delay_min_ms8_ >> 3) * hz_ + 999) /
                     1000;  // msecs_to_jiffies rounds up
    t = (t << kBicHz) / static_cast<uint64_t>(hz_);
    const uint64_t offs = t < c.bic_k ? c.bic_k - t : t - c.bic_k;
    const uint64_t delta =
        (kCubeRttScale * offs * offs * offs) >> (10 + 3 * kBicHz);
    const uint64_t target = t < c.bic_k
                                ? (c.origin > delta ? c.origin - delta : 0)
                                : c.origin + delta;
    c.cnt = target > cwnd_ ? static_cast<uint32_t>(cwnd_ / (target - cwnd_))
                           : 100 * cwnd_;
    // Before the first loss, at least 5% growth per RTT.
    if (c.last_max_cwnd == 0 && c.cnt > 20) c.cnt = 20;
  }
  // TCP friendliness: never slower than Reno would be in the same time.
  const uint32_t per_segment = (cwnd_ * kFriendlyScale) >> 3;
  while (per_segment > 0 && c.ack_cnt > per_segment) {
    c.ack_cnt -= per_segment;
    ++c.tcp_cwnd;
  }
  if (c.tcp_cwnd > cwnd_) {
    const uint32_t max_cnt = cwnd_ / (c.tcp_cwnd - cwnd_);
    c.cnt = std::min(c.cnt, max_cnt);
  }
  // At most one more segment per two acknowledged (1.5x per RTT).
  c.cnt = std::max(c.cnt, 2u);
}

}  // namespace simsock::sim::tcp
