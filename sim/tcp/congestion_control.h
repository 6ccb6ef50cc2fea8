/// \file
/// Congestion control: how many segments a sender may have in flight
/// (cwnd) and where slow start ends (ssthresh), counted in segments as Linux
/// counts snd_cwnd. Two algorithms, chosen per socket by TCP_CONGESTION:
/// "cubic", Linux's default (tcp_cubic.c, RFC 9438), and "reno" (RFC 5681,
/// tcp_cong.c's tcp_reno_*). Sans-IO: the control block reports what its
/// ACKs and timers find; this class keeps the arithmetic.
//
// Shared by both (tcp_input.c / tcp_cong.c):
// - the initial window is 10 segments (TCP_INIT_CWND), ssthresh "infinite"
//   (TCP_INFINITE_SSTHRESH);
// - slow start grows cwnd by the segments acknowledged, up to ssthresh
//   (tcp_slow_start); then congestion avoidance (the algorithm's own);
// - growth only while the sender is cwnd-limited (tcp_is_cwnd_limited);
// - fast retransmit (three duplicate ACKs) sets ssthresh by the
//   algorithm's rule and enters recovery with cwnd = ssthresh + 3, inflated
//   by one per further duplicate ACK; a partial ACK deflates it by what was
//   acknowledged, less one (RFC 6582, NewReno); the full ACK ends recovery
//   with cwnd = ssthresh. (Linux shapes the recovery with PRR, RFC 6937,
//   and ends at the same ssthresh: docs/semantics.md, Known differences.)
// - a retransmission timeout sets ssthresh by the rule, and cwnd to 1
//   (tcp_enter_loss), restarting slow start.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "simsock/sim/base/time.h"

namespace simsock::sim::tcp {

/// The congestion window and slow-start threshold of one connection, in
/// segments, and the events that move them; the algorithm's own rules are the
/// subclass's (Reno, Cubic). Made by Make; owned by its Tcb. Every call is O(1)
/// and allocates nothing.
class CongestionControl {
 public:
  static constexpr uint32_t kInitialWindow = 10;  ///< TCP_INIT_CWND
  /// TCP_INFINITE_SSTHRESH: no slow-start limit yet
  static constexpr uint32_t kInfiniteSsthresh = 0x7fffffff;

  /// "cubic" or "reno"; nullptr for a name Linux would refuse (ENOENT).
  static std::unique_ptr<CongestionControl> Make(std::string_view name);
  virtual ~CongestionControl() = default;

  /// The algorithm's TCP_CONGESTION name: "cubic" or "reno".
  virtual std::string_view name() const = 0;
  /// The congestion window, in segments (snd_cwnd).
  uint32_t cwnd() const { return cwnd_; }
  /// The slow-start threshold, in segments (snd_ssthresh).
  uint32_t ssthresh() const { return ssthresh_; }
  /// True while cwnd is below ssthresh (tcp_in_slow_start).
  bool in_slow_start() const { return cwnd_ < ssthresh_; }
  /// True between EnterRecovery and ExitRecovery (fast recovery).
  bool in_recovery() const { return in_recovery_; }

  /// An ACK newly acknowledged `acked` segments outside recovery, when the
  /// sender was (`cwnd_limited`) or was not limited by cwnd; `now` and the
  /// smoothed RTT pace CUBIC's curve (tcp_cong_avoid).
  void OnAck(uint32_t acked, bool cwnd_limited, Time now, Duration srtt);
  /// A measured round-trip time (CUBIC keeps the minimum, pkts_acked).
  virtual void OnRttSample(Duration rtt) { (void)rtt; }

  /// Three duplicate ACKs: the rule's ssthresh, and recovery begins
  /// (tcp_enter_recovery).
  void EnterRecovery();
  /// A further duplicate ACK during recovery: one more segment has left the
  /// network.
  void OnRecoveryDupAck();
  /// A partial ACK during recovery acknowledged `acked` segments.
  void OnPartialAck(uint32_t acked);
  /// The ACK that covers everything sent before recovery began.
  void ExitRecovery();
  /// A retransmission timeout (tcp_enter_loss). `new_loss` is false for a
  /// timeout that repeats one already being recovered (Loss state, nothing
  /// acknowledged since, high_seq not reached): ssthresh is kept then.
  void OnRetransmitTimeout(bool new_loss = true);

  /// tcp_cwnd_restart (RFC 2861), for a sender that has been idle `idle`,
  /// longer than one `rto`: ssthresh becomes tcp_current_ssthresh, and cwnd
  /// halves per RTO of idleness, down to the initial window at most.
  void RestartAfterIdle(Duration idle, Duration rto);
  /// CA_EVENT_TX_START: data leaves with nothing in flight, `idle` after
  /// the last data sent (CUBIC shifts its epoch, bictcp_cwnd_event).
  virtual void OnTransmitStart(Time now, Duration idle) {
    (void)now;
    (void)idle;
  }
  /// TCP_CONGESTION on a live connection (tcp_reinit_congestion_control):
  /// cwnd, ssthresh and the recovery state live in tcp_sock and carry over;
  /// the algorithm's own state starts afresh.
  void TakeWindowFrom(const CongestionControl& old);

 protected:
  /// The algorithm's ssthresh after a loss, from the current cwnd.
  virtual uint32_t RecalcSsthresh() = 0;
  /// Congestion avoidance for `acked` segments (after slow start).
  virtual void CongestionAvoidance(uint32_t acked, Time now, Duration srtt) = 0;
  /// A timeout resets the algorithm's own state (bictcp_state on Loss).
  virtual void OnLoss() {}
  /// tcp_cong_avoid_ai: one more segment per `w` acknowledged.
  void AdditiveIncrease(uint32_t w, uint32_t acked);

  uint32_t cwnd_ = kInitialWindow;         ///< snd_cwnd, in segments
  uint32_t ssthresh_ = kInfiniteSsthresh;  ///< snd_ssthresh, in segments
  /// snd_cwnd_cnt: ACKed segments towards the next increase
  uint32_t cwnd_cnt_ = 0;
  bool in_recovery_ = false;  ///< fast recovery in progress
};

/// RFC 5681: halve on loss, one segment per RTT in avoidance.
class Reno final : public CongestionControl {
 public:
  /// "reno".
  std::string_view name() const override { return "reno"; }

 protected:
  uint32_t RecalcSsthresh() override;
  void CongestionAvoidance(uint32_t acked, Time now, Duration srtt) override;
};

/// CUBIC as tcp_cubic.c computes it, in jiffies (HZ of the reference
/// kernel, 250, as HostSettings::hz) and its fixed point (beta 717/1024, C =
/// 0.4 as bic_scale 41/1024, fast convergence, TCP friendliness). HyStart is
/// not modelled: slow start ends at the first loss or at ssthresh
/// (docs/semantics.md, Known differences).
class Cubic final : public CongestionControl {
 public:
  /// A CUBIC window whose clock ticks hz times a second (HostSettings::hz).
  explicit Cubic(int hz = 250) : hz_(hz) {}
  /// A copy with its own curve (a TIME_WAIT's copy of the control block).
  Cubic(const Cubic& other);
  /// Copies the window and the curve.
  Cubic& operator=(const Cubic& other);
  /// Moves the window and the curve.
  Cubic(Cubic&&) = default;
  /// Moves the window and the curve.
  Cubic& operator=(Cubic&&) = default;
  ~Cubic() override = default;
  std::string_view name() const override { return "cubic"; }
  void OnRttSample(Duration rtt) override;
  void OnTransmitStart(Time now, Duration idle) override;

  /// Exposed for the tests: the curve's state. W_max, the window before the
  /// last reduction (bictcp last_max_cwnd).
  uint32_t last_max_cwnd() const {
    return curve_ != nullptr ? curve_->last_max_cwnd : 0;
  }
  /// The curve's K, in 1/1024 s.
  uint32_t k() const { return curve_ != nullptr ? curve_->bic_k : 0; }

 protected:
  uint32_t RecalcSsthresh() override;
  void CongestionAvoidance(uint32_t acked, Time now, Duration srtt) override;
  void OnLoss() override;

 private:
  // bictcp's curve, delay_min apart. A connection reads it only once it
  // leaves slow start or loses a segment; until then it holds the reset
  // values below, so it is allocated then (curve()) rather than carried,
  // 48 bytes, by every control block (an idle connection, each end).
  struct Curve {
    uint32_t cnt = 0;  // acks per one more segment
    uint32_t last_max_cwnd = 0;
    uint32_t last_cwnd = 0;
    uint32_t origin = 0;
    uint32_t bic_k = 0;
    uint32_t ack_cnt = 0;
    uint32_t tcp_cwnd = 0;
    int64_t last_time = -1;    // jiffies of the last update
    int64_t epoch_start = -1;  // jiffies; -1: no epoch
  };
  Curve& curve();
  void Update(uint32_t acked, Time now);
  int64_t Jiffies(Time now) const;

  int hz_;
  uint32_t delay_min_ms8_ = 0;    // min RTT in 1/8 ms, 0 until measured
  std::unique_ptr<Curve> curve_;  // null: every field at its reset value
};

}  // namespace simsock::sim::tcp
