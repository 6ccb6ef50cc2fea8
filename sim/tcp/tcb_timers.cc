// Tcb timers: what each timer does when it fires, and when the connection
// gives up (tcp_timer.c: tcp_delack_timer_handler, tcp_retransmit_timer,
// tcp_write_timeout, tcp_probe_timer, tcp_keepalive_timer, tcp_write_err;
// inet_connection_sock.c: reqsk_timer_handler). The deadlines and counters
// are TcpTimers' (tcp_timers.h); the RTO and its backoff RttEstimator's.
//
// Threading: none.
#include <algorithm>
#include <cerrno>

#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;

// TCP_RTO_MIN: tcp_model_timeout's base for a synchronized connection. It is
// the kernel constant, not the per-route rto_min.
constexpr Duration kLinuxRtoMin = milliseconds(200);

}  // namespace

Time Tcb::PollAt() const { return timers_.NextDeadline(); }

// Every timer due at now, in TcpTimer's order; a timer that closes the
// block ends the round.
void Tcb::OnTimer(Time now) {
  now_ = now;
  if (timers_.Due(TcpTimer::kDelayedAck, now)) {
    DelayedAckTimer(now);
    if (state_ == TcpState::kClosed) return;
  }
  if (timers_.Due(TcpTimer::kClose, now)) {
    timers_.Cancel(TcpTimer::kClose);
    // TIME_WAIT over, or an orphan's FIN_WAIT2 timewait sock expired: gone
    // without a word.
    if (state_ == TcpState::kTimeWait ||
        (state_ == TcpState::kFinWait2 && orphan_)) {
      EnterClosed();
      return;
    }
  }
  if (timers_.Due(TcpTimer::kRetransmit, now)) {
    RetransmitTimer(now);
    if (state_ == TcpState::kClosed) return;
  }
  if (timers_.Due(TcpTimer::kProbe, now)) {
    ProbeTimer(now);
    if (state_ == TcpState::kClosed) return;
  }
  if (timers_.Due(TcpTimer::kKeepalive, now)) KeepaliveTimer(now);
}

// tcp_delack_timer_handler: the held ACK goes (DelayedAck::OnTimer adapts
// the ATO).
void Tcb::DelayedAckTimer(Time /*now*/) {
  timers_.Cancel(TcpTimer::kDelayedAck);
  if (delayed_ack_.OnTimer(rtt_.rto(), state_ != TcpState::kClosed)) {
    SendAck();
  }
}

// tcp_retransmit_timer, and reqsk_timer_handler for a request sock.
void Tcb::RetransmitTimer(Time now) {
  timers_.Cancel(TcpTimer::kRetransmit);
  if (state_ == TcpState::kClosed || state_ == TcpState::kTimeWait) return;

  if (!syn_acked_ && passive_) {
    // Request sock: SYN-ACK at rto_initial << n, synack_retries times,
    // then dropped silently (the client will see its ACK answered by RST
    // or its SYN retransmission answered afresh).
    if (timers_.synack_timeouts() >= config_->synack_retries) {
      EnterClosed();
      return;
    }
    SendSyn(/*with_ack=*/true);
    rtt_.StopTiming();
    timers_.CountSynAckTimeout();
    timers_.Arm(TcpTimer::kRetransmit,
                now + Backoff(config_->rto_initial, timers_.synack_timeouts(),
                              config_->rto_max));
    return;
  }

  if (!syn_acked_) {
    // SYN_SENT, or SYN_RECEIVED after a simultaneous open.
    if (WriteTimeout(now)) {
      error_ = ETIMEDOUT;
      EnterClosed();
      return;
    }
    timers_.CountRetransmitTimeout();
    rtt_.StopTiming();
    SendSyn(/*with_ack=*/state_ != TcpState::kSynSent);
    // Linux >= 6.5: the first syn_linear_timeouts SYN retransmissions keep
    // the initial RTO; after that, and in any other state, it doubles.
    if (state_ != TcpState::kSynSent ||
        timers_.total_rto() > config_->syn_linear_timeouts) {
      rtt_.BackOff(config_->rto_bounds());
    }
    timers_.Arm(TcpTimer::kRetransmit,
                now + timers_.ClampRtoToUserTimeout(
                          rtt_.rto(), config_->user_timeout, now));
    return;
  }

  if (snd_max_ == snd_una_) return;  // nothing in flight
  if (WriteTimeout(now)) {
    GiveUp(/*send_reset=*/false);
    return;
  }
  // tcp_enter_loss (cwnd 1), before the count: it reads retransmits().
  OnRetransmitTimeout();
  timers_.CountRetransmitTimeout();
  // tcp_retransmit_skb: retrans_stamp is the time of the first
  // retransmission; the retries2 budget counts from there.
  timers_.StampFirstRetransmit(now);
  RetransmitHead(now);
  rtt_.BackOff(config_->rto_bounds());
  timers_.Arm(TcpTimer::kRetransmit,
              now + timers_.ClampRtoToUserTimeout(rtt_.rto(),
                                                  config_->user_timeout, now));
}

// tcp_write_timeout. With the defaults (syn_retries 6, linear 4, rto 1 s)
// SYNs go out at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s; the timer firing
// at 67 + 64 = 131 s finds 10 retransmissions (>= 6 + 4) and gives up:
// ETIMEDOUT at exactly 131 s of virtual time (real Linux shows ~133.6 s
// with timer slack). The time budget (2^7 - 1) * 1 s = 127 s is not yet
// reached at 67 s and is moot at 131 s. With syn_retries 2 the budget
// (2^3 - 1) s = 7 s is reached first: SYNs at 0..5 s, ETIMEDOUT at 7 s.
bool Tcb::WriteTimeout(Time now) const {
  int retry_until;
  bool expired = false;
  if (!syn_acked_) {
    retry_until = config_->syn_retries;
    int max_retransmits = retry_until;
    if (state_ == TcpState::kSynSent) {
      max_retransmits += config_->syn_linear_timeouts;
    }
    expired = timers_.retransmits() >= max_retransmits;
  } else {
    retry_until = config_->retries2;
    if (orphan_) {
      // "alive": the RTO has not yet reached its ceiling.
      retry_until = OrphanRetries(rtt_.rto() < config_->rto_max);
    }
  }
  if (!expired) {
    expired = timers_.RetransmitsTimedOut(
        retry_until, syn_acked_ ? kLinuxRtoMin : config_->rto_initial,
        config_->rto_max, config_->user_timeout, now);
  }
  return expired;
}

int Tcb::OrphanRetries(bool alive) const {
  // tcp_orphan_retries: 0 means 8 while the peer looks alive.
  int retries = config_->orphan_retries;
  if (retries == 0 && alive) retries = 8;
  return retries;
}

Duration Tcb::ProbeWhen() const {
  return timers_.ProbeWhen(rtt_.rto(), config_->rto_min, config_->rto_max);
}

// tcp_probe_timer + tcp_send_probe0.
void Tcb::ProbeTimer(Time now) {
  timers_.Cancel(TcpTimer::kProbe);
  if (!CanSendData() || snd_max_ != snd_una_ || !HasUnsent()) {
    timers_.ClearProbesOut();
    timers_.StopProbing();
    return;
  }
  // RFC 1122 §4.2.2.17: stay open as long as probes are answered (every
  // ACK zeroes the probe count); give up after retries2 unanswered probes,
  // or by TCP_USER_TIMEOUT, or sooner for an orphan.
  const Duration ut = config_->user_timeout;
  if (!timers_.StartProbes(now) && ut > Duration::zero() &&
      now - timers_.probes_start() >= ut) {
    GiveUp(/*send_reset=*/false);
    return;
  }
  int max_probes = config_->retries2;
  if (orphan_) {
    // inet_csk_rto_backoff(icsk, TCP_RTO_MAX) < TCP_RTO_MAX.
    const bool alive = Backoff(rtt_.rto(), timers_.probe_backoff(),
                               config_->rto_max) < config_->rto_max;
    max_probes = OrphanRetries(alive);
    if (!alive && timers_.probe_backoff() >= max_probes) {
      GiveUp(/*send_reset=*/false);
      return;
    }
  }
  if (timers_.probes_out() >= max_probes) {
    GiveUp(/*send_reset=*/false);
    return;
  }
  // tcp_write_wakeup: if the window has any room, the probe is real data.
  if (snd_wnd_ > 0) {
    TransmitAt(snd_nxt_, std::min<size_t>(snd_wnd_, EffectiveMss()),
               /*allow_fin=*/true, now);
    timers_.ClearProbesOut();
    timers_.StopProbing();
    return;
  }
  // tcp_xmit_probe_skb: an ACK one byte behind SND.UNA, which the peer must
  // answer with its current window.
  Emit(MakeSegment(kAck, snd_una_ - 1));
  timers_.CountProbe();
  timers_.BackOffProbe(config_->retries2);
  Duration when = ProbeWhen();
  if (ut > Duration::zero()) {  // tcp_clamp_probe0_to_user_timeout
    const Duration remaining = ut - (now - timers_.probes_start());
    when = remaining <= Duration::zero() ? milliseconds(2)
                                         : std::min(when, remaining);
  }
  timers_.Arm(TcpTimer::kProbe, now + when);
}

// tcp_keepalive_timer.
void Tcb::KeepaliveTimer(Time now) {
  timers_.Cancel(TcpTimer::kKeepalive);
  if (!conn_.keepalive || !IsSynchronized(state_) ||
      state_ == TcpState::kTimeWait) {
    return;
  }
  const Duration idle = config_->keepalive_idle;
  // "It is alive without keepalive": data or FIN in flight or queued.
  if (snd_max_ != snd_una_ || !snd_queue_.empty() ||
      (fin_queued_ && !fin_sent_)) {
    timers_.Arm(TcpTimer::kKeepalive, now + idle);
    return;
  }
  const Duration elapsed = now - last_rcv_;
  if (elapsed < idle) {
    timers_.Arm(TcpTimer::kKeepalive, now + (idle - elapsed));
    return;
  }
  const Duration ut = config_->user_timeout;
  const int probes_out = timers_.probes_out();
  if ((ut > Duration::zero() && elapsed >= ut && probes_out > 0) ||
      (ut == Duration::zero() && probes_out >= config_->keepalive_count)) {
    GiveUp(/*send_reset=*/true);
    return;
  }
  Emit(MakeSegment(kAck, snd_una_ - 1));  // same probe as tcp_xmit_probe_skb
  timers_.CountProbe();
  timers_.Arm(TcpTimer::kKeepalive, now + config_->keepalive_interval);
}

// tcp_write_err / tcp_done: the connection dies with ETIMEDOUT. Only the
// keepalive timer tells the peer (tcp_keepalive_timer sends a RST before
// tcp_write_err); retransmission and probe give-ups send nothing.
void Tcb::GiveUp(bool send_reset) {
  if (send_reset && IsSynchronized(state_) && state_ != TcpState::kTimeWait) {
    SendActiveReset();
  }
  error_ = ETIMEDOUT;
  EnterClosed();
}

}  // namespace simsock::sim::tcp
