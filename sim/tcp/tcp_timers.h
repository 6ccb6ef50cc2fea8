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
  int retransmits() const { return retransmits_; }
  /// Retransmission timeouts over the connection's life (tp->total_rto,
  /// TCP_INFO).
  int total_rto() const { return total_rto_; }
  /// A retransmission timeout (tcp_update_rto_stats).
  void CountRetransmitTimeout() {
    ++retransmits_;
    ++total_rto_;
  }
  /// tcp_connect stamps retrans_stamp with the first SYN (the SYN give-up
  /// budget counts from it); tcp_retransmit_skb with the first
  /// retransmission (the retries2 budget counts from it).
  void StampRetransmit(Time now) {
    retrans_stamp_valid_ = true;
    retrans_stamp_ = now;
  }
  /// StampRetransmit unless a stamp is already set: the first retransmission of
  /// a series starts the budget.
  void StampFirstRetransmit(Time now) {
    if (!retrans_stamp_valid_) StampRetransmit(now);
  }
  /// New data acknowledged: the retransmission count starts over.
  void ClearRetransmits() {
    retransmits_ = 0;
    retrans_stamp_valid_ = false;
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
  int synack_timeouts() const { return synack_timeouts_; }
  /// A SYN-ACK timeout (req->num_timeout++).
  void CountSynAckTimeout() { ++synack_timeouts_; }

  // --- Zero-window and keepalive probes ------------------------------------
  /// Zero-window or keepalive probes sent and unanswered (icsk_probes_out).
  int probes_out() const { return probes_out_; }
  /// A probe was sent.
  void CountProbe() { ++probes_out_; }
  /// tcp_ack: any ACK shows the peer alive.
  void ClearProbesOut() { probes_out_ = 0; }
  /// Doublings of the persist timer (icsk_backoff).
  int probe_backoff() const { return probe_backoff_; }
  /// One more doubling of the persist timer, up to max_backoff.
  void BackOffProbe(int max_backoff) {
    if (probe_backoff_ < max_backoff) ++probe_backoff_;
  }
  /// The persist timer stops and its backoff and start time are forgotten.
  void StopProbing() {
    Cancel(TcpTimer::kProbe);
    probe_backoff_ = 0;
    probes_start_valid_ = false;
  }
  /// icsk_probes_tstamp: the first probe of a series starts the
  /// TCP_USER_TIMEOUT clock. Returns false when the series was already
  /// running (probes_start() is then its start).
  bool StartProbes(Time now) {
    if (probes_start_valid_) return false;
    probes_start_valid_ = true;
    probes_start_ = now;
    return true;
  }
  /// When the running probe series began (valid after StartProbes returned
  /// true).
  Time probes_start() const { return probes_start_; }
  /// tcp_probe0_when: max(RTO, rto_min) doubled per unanswered probe,
  /// capped at rto_max.
  Duration ProbeWhen(Duration rto, Duration rto_min, Duration rto_max) const;

 private:
  static size_t Index(TcpTimer t) { return static_cast<size_t>(t); }

  std::array<Time, 5> at_{kNever, kNever, kNever, kNever, kNever};
  // The counters and flags together, then the stamps: no padding between.
  int retransmits_ = 0;
  int total_rto_ = 0;
  int synack_timeouts_ = 0;
  int probes_out_ = 0;
  int probe_backoff_ = 0;
  bool retrans_stamp_valid_ = false;
  bool probes_start_valid_ = false;
  Time retrans_stamp_{0};
  Time probes_start_{0};
};

}  // namespace simsock::sim::tcp
