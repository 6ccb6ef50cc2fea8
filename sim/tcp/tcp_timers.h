/// \file
/// TcpTimers: the control block's five timers as deadlines, and the
/// counters the timers keep (tcp_timer.c, inet_connection_sock.c).
//
// Which timer is armed when:
// - kRetransmit: data, a SYN or a SYN-ACK is unacknowledged (RFC 6298
//   §5.1); stopped when everything is acknowledged (§5.2), restarted by an
//   ACK of new data (§5.3). In FIN_WAIT2 and TIME_WAIT it is off.
// - kProbe: the persist timer (ICSK_TIME_PROBE0, RFC 1122 §4.2.2.17), while
//   data waits on a window too small for it and nothing is in flight.
// - kKeepalive: SO_KEEPALIVE in a synchronized state but TIME_WAIT, from
//   the last segment received.
// - kClose: the end of TIME_WAIT, or of an orphan's FIN_WAIT2
//   (tcp_fin_timeout); either ends the block silently.
// - kDelayedAck: an ACK held by the delayed-ACK engine (DelayedAck).
// Linux multiplexes some of these onto one kernel timer; here each is its
// own deadline, and NextDeadline (the Tcb's PollAt) is their minimum. The
// Tcb runs the due ones in the enum's order (Tcb::OnTimer).
//
// The counters are icsk_retransmits, tp->total_rto, tp->retrans_stamp and
// req->num_timeout for retransmissions, icsk_probes_out, icsk_backoff (of
// probe0) and icsk_probes_tstamp for zero-window and keepalive probes; the
// give-up arithmetic on them (retransmits_timed_out, tcp_model_timeout,
// tcp_clamp_rto_to_user_timeout, tcp_probe0_when) lives here too.
//
// Threading: none.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

#include "simsock/sim/base/time.h"

namespace simsock::sim::tcp {

/// The control block's timers, in the order Tcb::OnTimer runs the due ones.
enum class TcpTimer : uint8_t {
  kDelayedAck,  ///< a held ACK (ICSK_TIME_DACK)
  kClose,       ///< end of TIME_WAIT, or of an orphan's FIN_WAIT2
  kRetransmit,  ///< data, SYN or SYN-ACK unacknowledged (ICSK_TIME_RETRANS)
  kProbe,       ///< zero-window probe, the persist timer (ICSK_TIME_PROBE0)
  kKeepalive,   ///< SO_KEEPALIVE probes (ICSK_TIME_KEEPOPEN)
};

/// tcp_model_timeout: the time `boundary` retransmissions take with an RTO
/// starting at rto_base and doubling up to rto_max. retries2 = 15 with a
/// 200 ms base gives (2^10 - 1) * 0.2 s + 6 * 120 s = 924.6 s.
Duration ModelTimeout(int boundary, Duration rto_base, Duration rto_max);

/// The five timer deadlines of one control block and the counters its timers
/// keep, with Linux's give-up arithmetic. Plain data: nothing fires by itself;
/// the Tcb asks NextDeadline and runs what is Due. O(1) per call; no
/// allocation.
class TcpTimers {
 public:
  /// No timer armed, every counter 0.
  TcpTimers() = default;
  /// A copy with counters of its own (a TIME_WAIT's copy of the block).
  TcpTimers(const TcpTimers& other);
  /// Copies the deadlines and the counters.
  TcpTimers& operator=(const TcpTimers& other);
  /// Moves the deadlines and the counters.
  TcpTimers(TcpTimers&&) = default;
  /// Moves the deadlines and the counters.
  TcpTimers& operator=(TcpTimers&&) = default;
  ~TcpTimers() = default;

  // --- Deadlines -----------------------------------------------------------
  /// Sets t's deadline to at (re-arming moves it).
  void Arm(TcpTimer t, Time at) { at_[Index(t)] = at; }
  /// Disarms t.
  void Cancel(TcpTimer t) { at_[Index(t)] = kNever; }
  /// Disarms every timer (the block is done).
  void CancelAll() { at_.fill(kNever); }
  /// t's deadline; kNever when it is not armed.
  Time at(TcpTimer t) const { return at_[Index(t)]; }
  /// t has a deadline.
  bool armed(TcpTimer t) const { return at(t) != kNever; }
  /// t is armed and its deadline is at or before now.
  bool Due(TcpTimer t, Time now) const { return at(t) <= now; }
  /// When the block next needs OnTimer; kNever if no timer is armed.
  Time NextDeadline() const;

  // --- Retransmissions -----------------------------------------------------
  /// Retransmission timeouts since new data was last acknowledged
  /// (icsk_retransmits).
  int retransmits() const {
    return counts_ != nullptr ? counts_->retransmits : 0;
  }
  /// Retransmission timeouts over the connection's life (tp->total_rto,
  /// TCP_INFO).
  int total_rto() const { return counts_ != nullptr ? counts_->total_rto : 0; }
  /// A retransmission timeout (tcp_update_rto_stats).
  void CountRetransmitTimeout() {
    ++counts().retransmits;
    ++counts().total_rto;
  }
  /// tcp_connect stamps retrans_stamp with the first SYN (the SYN give-up
  /// budget counts from it); tcp_retransmit_skb with the first
  /// retransmission (the retries2 budget counts from it).
  void StampRetransmit(Time now) { retrans_stamp_ = now; }
  /// StampRetransmit unless a stamp is already set: the first retransmission of
  /// a series starts the budget.
  void StampFirstRetransmit(Time now) {
    if (retrans_stamp_ == kNoStamp) StampRetransmit(now);
  }
  /// New data acknowledged: the retransmission count starts over.
  void ClearRetransmits() {
    if (counts_ != nullptr) counts_->retransmits = 0;
    retrans_stamp_ = kNoStamp;
  }
  /// retransmits_timed_out: true once the time since retrans_stamp reaches
  /// user_timeout (if set), or else ModelTimeout(boundary, rto_base,
  /// rto_max).
  bool RetransmitsTimedOut(int boundary, Duration rto_base, Duration rto_max,
                           Duration user_timeout, Time now) const;
  /// tcp_clamp_rto_to_user_timeout: never sleep past TCP_USER_TIMEOUT.
  Duration ClampRtoToUserTimeout(Duration rto, Duration user_timeout,
                                 Time now) const;
  /// The request sock's SYN-ACK timeouts (req->num_timeout).
  int synack_timeouts() const {
    return counts_ != nullptr ? counts_->synack_timeouts : 0;
  }
  /// A SYN-ACK timeout (req->num_timeout++).
  void CountSynAckTimeout() { ++counts().synack_timeouts; }

  // --- Zero-window and keepalive probes ------------------------------------
  /// Zero-window or keepalive probes sent and unanswered (icsk_probes_out).
  int probes_out() const {
    return counts_ != nullptr ? counts_->probes_out : 0;
  }
  /// A probe was sent.
  void CountProbe() { ++counts().probes_out; }
  /// tcp_ack: any ACK shows the peer alive.
  void ClearProbesOut() {
    if (counts_ != nullptr) counts_->probes_out = 0;
  }
  /// Doublings of the persist timer (icsk_backoff).
  int probe_backoff() const {
    return counts_ != nullptr ? counts_->probe_backoff : 0;
  }
  /// One more doubling of the persist timer, up to max_backoff.
  void BackOffProbe(int max_backoff) {
    if (probe_backoff() < max_backoff) ++counts().probe_backoff;
  }
  /// The persist timer stops and its backoff and start time are forgotten.
  void StopProbing() {
    Cancel(TcpTimer::kProbe);
    if (counts_ != nullptr) {
      counts_->probe_backoff = 0;
      counts_->probes_start_valid = false;
    }
  }
  /// icsk_probes_tstamp: the first probe of a series starts the
  /// TCP_USER_TIMEOUT clock. Returns false when the series was already
  /// running (probes_start() is then its start).
  bool StartProbes(Time now) {
    Counts& c = counts();
    if (c.probes_start_valid) return false;
    c.probes_start_valid = true;
    c.probes_start = now;
    return true;
  }
  /// When the running probe series began (valid after StartProbes returned
  /// true).
  Time probes_start() const {
    return counts_ != nullptr ? counts_->probes_start : Time{0};
  }
  /// tcp_probe0_when: max(RTO, rto_min) doubled per unanswered probe,
  /// capped at rto_max.
  Duration ProbeWhen(Duration rto, Duration rto_min, Duration rto_max) const;

 private:
  static size_t Index(TcpTimer t) { return static_cast<size_t>(t); }

  std::array<Time, 5> at_{kNever, kNever, kNever, kNever, kNever};
  // The retransmission stamp stays here: every active open sets it (the
  // first SYN). The counters below are all zero, and no probe series
  // runs, until the first timeout or probe: an idle connection that never
  // lost a segment never reads anything else, so they are allocated then
  // (counts()) rather than carried by every control block.
  struct Counts {
    int retransmits = 0;
    int total_rto = 0;
    int synack_timeouts = 0;
    int probes_out = 0;
    int probe_backoff = 0;
    bool probes_start_valid = false;
    Time probes_start{0};
  };
  Counts& counts() {
    if (counts_ == nullptr) counts_ = std::make_unique<Counts>();
    return *counts_;
  }
  // No stamp set: a time before any the simulation reaches (a sentinel
  // rather than a flag, which would pad every control block by 8 bytes).
  static constexpr Time kNoStamp = Time::min();
  Time retrans_stamp_ = kNoStamp;
  std::unique_ptr<Counts> counts_;  // null: every counter 0, no probe series
};

}  // namespace simsock::sim::tcp
