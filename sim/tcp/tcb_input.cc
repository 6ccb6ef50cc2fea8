// Tcb input: RFC 9293 §3.10.7 SEGMENT ARRIVES, with RFC 5961's RST, SYN and
// ACK robustness. OnSegment is ordered by the RFC's steps and each step's
// function follows it in that order (first, sequence number; second, RST;
// fourth, SYN; fifth, ACK; sixth, URG; seventh, text; eighth, FIN), then
// the ACK decision and TIME_WAIT.
//
// Where Linux differs from the RFCs we follow Linux and name the function:
// tcp_rcv_synsent_state_process, tcp_validate_incoming, tcp_ack, tcp_urg,
// tcp_data_queue, tcp_fin, __tcp_ack_snd_check, tcp_rcv_state_process
// (tcp_input.c); tcp_check_req, tcp_timewait_state_process
// (tcp_minisocks.c). RFC 5681 §3.2 and RFC 6582 give fast retransmit and
// NewReno partial ACKs.
//
// Design notes:
// - A bare FIN is taken at RCV.NXT even with window 0, as Linux's
//   tcp_data_queue does (and our sender relies on, tcb_output.cc).
// - The ACK of data the peer never sent is answered with an ACK and the
//   segment dropped (RFC 9293) in every state; Linux drops it silently in
//   ESTABLISHED.
//
// Threading: none.
#include <algorithm>
#include <cerrno>

#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim::tcp {

void Tcb::OnSegment(const Segment& seg, Time now) {
  now_ = now;
  switch (state_) {
    case TcpState::kClosed:
    case TcpState::kListen:
      ReplyReset(seg);  // RFC 9293 §3.10.7.1
      return;
    case TcpState::kSynSent:
      SynSentSegment(seg, now);
      return;
    case TcpState::kTimeWait:
      TimeWaitSegment(seg, now);
      return;
    default:
      break;
  }

  // tcp_check_req: a retransmitted SYN in SYN_RECEIVED means our SYN-ACK
  // was lost; send it again. For a request sock the timer restarts with the
  // current backoff (reqsk_timeout), without counting a timeout; and a
  // request sock answers at most one such SYN per tcp_invalid_ratelimit
  // (tcp_oow_rate_limited on the request's last_oow_ack_time): a
  // duplicate close behind gets nothing.
  if (!syn_acked_ && seg.Has(kSyn) && !seg.Has(kAck) && !seg.Has(kRst) &&
      seg.seq == irs_) {
    if (passive_ && OowRateLimited(seg, now)) return;
    SendSyn(/*with_ack=*/true);
    rtt_.StopTiming();
    if (passive_) {
      timers_.Arm(TcpTimer::kRetransmit,
                  now + Backoff(config_->rto_initial, timers_.synack_timeouts(),
                                config_->rto_max));
    }
    return;
  }
  // tcp_validate_incoming lets one SYN through in SYN_RECEIVED: the
  // SYN-ACK of a simultaneous open, which completes the handshake.
  const bool simopen_synack =
      state_ == TcpState::kSynReceived && !passive_ && seg.Has(kSyn) &&
      seg.Has(kAck) && !seg.Has(kRst) && !seg.Has(kFin) &&
      seg.payload.empty() && seg.seq == irs_ && seg.ack == snd_max_;

  // First, check the sequence number (RFC 9293 step 1). An unacceptable
  // segment gets an ACK, unless it is a RST, which is dropped (RFC 5961
  // §3.2), except Linux's tcp_reset_check case. As tcp_validate_incoming
  // answers: a SYN with a challenge ACK, anything else with a duplicate
  // ACK, both at most one per tcp_invalid_ratelimit unless the segment
  // carries data. Two ends that each find the other's bare ACKs out of
  // window would otherwise answer each other for ever.
  if (!simopen_synack && !SeqAcceptable(seg)) {
    if (seg.Has(kRst)) {
      if (ResetCheck(seg)) OnReset();
      return;
    }
    if (seg.Has(kSyn)) {
      SendChallengeAck(now);
    } else if (!OowRateLimited(seg, now)) {
      SendAck();
    }
    return;
  }
  last_rcv_ = now;

  // Second, check the RST bit (RFC 5961 §3.2): only an exact RCV.NXT
  // resets; another in-window RST gets a challenge ACK. A request sock
  // (passive SYN_RECEIVED) takes any in-window RST and vanishes silently.
  if (seg.Has(kRst)) {
    if (passive_ && state_ == TcpState::kSynReceived) {
      EnterClosed();
      return;
    }
    if (seg.seq == rcv_nxt_ || ResetCheck(seg)) {
      OnReset();
    } else {
      SendChallengeAck(now);
    }
    return;
  }

  // Third, security: not modelled.

  // Fourth, check the SYN bit (RFC 5961 §4): challenge ACK. A request sock
  // answers an unexpected SYN with RST and is dropped (tcp_check_req).
  if (seg.Has(kSyn) && !simopen_synack) {
    if (passive_ && state_ == TcpState::kSynReceived) {
      ReplyReset(seg);
      EnterClosed();
      return;
    }
    SendChallengeAck(now);
    return;
  }

  // Fifth, check the ACK field.
  if (!seg.Has(kAck)) return;
  if (!ProcessAck(seg, now)) return;

  // Sixth, the URG bit.
  ProcessUrgent(seg);

  // Seventh, process the segment text; eighth, the FIN bit. In CLOSE_WAIT,
  // CLOSING and LAST_ACK the peer's FIN is in already and text is ignored.
  if (!seg.payload.empty() || seg.Has(kFin)) {
    switch (state_) {
      case TcpState::kFinWait1:
      case TcpState::kFinWait2:
        // tcp_rcv_state_process: new data after our side stopped reading
        // (close() or SHUT_RD) is answered with RST (RFC 1122 §4.2.2.13).
        if (rcv_shutdown_ &&
            seg.seq + (seg.SeqLen() - (seg.Has(kFin) ? 1 : 0)) > rcv_nxt_) {
          ReplyReset(seg);
          error_ = ECONNRESET;
          EnterClosed();
          return;
        }
        [[fallthrough]];
      case TcpState::kEstablished:
        ProcessText(seg, now);
        break;
      default:
        break;
    }
  }

  // Send what the ACK or window update allows (tcp_data_snd_check), then
  // decide about the ACK (tcp_ack_snd_check): a data segment that went out
  // carried it; otherwise now, or on the delayed-ACK timer.
  const size_t mark = outbox_.size();
  Output(now);
  if (simopen_synack && outbox_.size() == mark && state_ != TcpState::kClosed) {
    SendAck();  // the SYN-ACK of a simultaneous open
  } else if (state_ != TcpState::kClosed) {
    AckSndCheck(now);
  }
}

// RFC 9293 §3.10.7.3 (SYN-SENT), with Linux's tcp_rcv_synsent_state_process.
void Tcb::SynSentSegment(const Segment& seg, Time now) {
  // First, check the ACK: it must acknowledge our SYN exactly.
  if (seg.Has(kAck) && (seg.ack <= iss_ || seg.ack > snd_max_)) {
    if (!seg.Has(kRst)) ReplyReset(seg);
    return;
  }
  // Second, the RST bit: with an acceptable ACK the connection is refused;
  // without an ACK the RST is dropped.
  if (seg.Has(kRst)) {
    if (seg.Has(kAck)) {
      error_ = ECONNREFUSED;
      EnterClosed();
    }
    return;
  }
  // Fourth, the SYN bit. Neither SYN nor RST: drop.
  if (!seg.Has(kSyn)) return;

  irs_ = seg.seq;
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_ + syn_window_;  // the window our SYN offered
  rcv_wup_ = rcv_nxt_;
  last_adv_wnd_ = syn_window_;
  last_rcv_ = now;
  snd_mss_ = std::min(seg.mss.value_or(kDefaultMss), conn_.mss);
  wscale_ok_ = seg.wscale.has_value();  // we always offer it
  snd_wscale_ = wscale_ok_ ? std::min(*seg.wscale, kMaxWscale) : 0;
  rcv_wscale_ = wscale_ok_ ? std::min(conn_.rcv_wscale, kMaxWscale) : 0;
  snd_wnd_ = seg.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = seg.seq;

  if (seg.Has(kAck)) {
    // SYN-ACK: ESTABLISHED. Without Fast Open Linux ignores any text or FIN
    // on a SYN-ACK, so the ACK we send covers the SYN only.
    syn_acked_ = true;
    snd_una_ = seg.ack;
    rtt_.OnAck(seg.ack, now);  // the ACK covers the timed SYN exactly
    rtt_.ResetRto(config_->rto_bounds());
    timers_.ClearRetransmits();
    timers_.Cancel(TcpTimer::kRetransmit);
    EnterEstablished(now);
    SendAck();
    return;
  }
  // A SYN without ACK: simultaneous open (RFC 9293 "else enter
  // SYN-RECEIVED"). Our SYN-ACK reuses ISS; the retransmission timer keeps
  // running, now without the linear SYN backoff.
  state_ = TcpState::kSynReceived;
  rtt_.StopTiming();
  SendSyn(/*with_ack=*/true);
}

// First step: RFC 9293 §3.10.7.4, the four cases. With a zero window a
// segment at exactly RCV.NXT is let through so that its ACK, RST or FIN is
// processed ("special allowance", and Linux's tcp_sequence); its data is
// then trimmed away by the window in ProcessText.
bool Tcb::SeqAcceptable(const Segment& seg) const {
  const int64_t wnd = rcv_wnd();
  const int64_t rel = seg.seq - rcv_nxt_;
  const int64_t len = seg.SeqLen();
  if (len == 0 || wnd == 0) {
    return wnd == 0 ? rel == 0 : (rel >= 0 && rel < wnd);
  }
  const int64_t last = rel + len - 1;
  return (rel >= 0 && rel < wnd) || (last >= 0 && last < wnd);
}

// Second step. tcp_reset_check: once the peer's FIN is in, its RST may
// carry the FIN's own sequence number.
bool Tcb::ResetCheck(const Segment& seg) const {
  return seg.seq == rcv_nxt_ - 1 &&
         (state_ == TcpState::kCloseWait || state_ == TcpState::kLastAck ||
          state_ == TcpState::kClosing);
}

// tcp_reset: the error depends on the state the RST finds.
void Tcb::OnReset() {
  switch (state_) {
    case TcpState::kSynSent:
      error_ = ECONNREFUSED;
      break;
    case TcpState::kCloseWait:
      error_ = EPIPE;
      break;
    case TcpState::kClosed:
    case TcpState::kListen:
    case TcpState::kTimeWait:
      break;
    default:
      error_ = ECONNRESET;
      break;
  }
  EnterClosed();
}

// Fifth step (tcp_ack). Returns false when the segment is dropped.
bool Tcb::ProcessAck(const Segment& seg, Time now) {
  // SYN-RECEIVED (or FIN-WAIT-1 entered from it): the ACK must cover our
  // SYN, else <SEQ=SEG.ACK><CTL=RST>.
  if (!syn_acked_ && !(seg.ack > snd_una_ && seg.ack <= snd_max_)) {
    ReplyReset(seg);
    return false;
  }
  // An ACK of something not yet sent, or (RFC 5961 §5.2) older than the
  // largest window the peer ever offered: drop it. tcp_ack answers both
  // with a challenge ACK, rate-limited, in ESTABLISHED only: every other
  // state goes through tcp_rcv_state_process, whose tcp_ack call passes
  // FLAG_NO_CHALLENGE_ACK.
  if (seg.ack > snd_max_ || seg.ack < snd_una_ - max_snd_wnd_) {
    if (state_ == TcpState::kEstablished) SendChallengeAck(now);
    return false;
  }

  timers_.ClearProbesOut();  // tcp_ack: the peer is alive
  const bool prior_in_flight = snd_max_ != snd_una_;
  const SeqNum prior_snd_una = snd_una_;
  const uint32_t seg_wnd = seg.Has(kSyn) ? seg.window
                                         : static_cast<uint32_t>(seg.window)
                                               << snd_wscale_;
  bool partial_ack = false;

  if (seg.ack > snd_una_) {
    // tcp_clean_rtx_queue: what the ACK covers leaves the send queue.
    uint32_t acked = static_cast<uint32_t>(seg.ack - snd_una_);
    if (!syn_acked_) {
      syn_acked_ = true;
      acked -= 1;
    }
    const size_t data = std::min<size_t>(acked, snd_queue_.size());
    snd_queue_.Consume(data);
    acked -= static_cast<uint32_t>(data);
    if (acked > 0 && fin_sent_) fin_acked_ = true;
    snd_una_ = seg.ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
    const uint32_t acked_packets = AckPackets();
    urgent_snd_.OnAck(snd_una_);
    if (const auto sample = rtt_.OnAck(seg.ack, now)) {
      cc().OnRttSample(*sample);  // bictcp_acked's delay_min
    }
    rtt_.ResetRto(config_->rto_bounds());
    timers_.ClearRetransmits();
    dupacks_ = 0;
    partial_ack = congestion().in_recovery() && snd_una_ < recover_;
    OnNewAck(acked_packets, now);
    // RFC 6298 §5.2 / 5.3: stop the timer when all is acknowledged, else
    // restart it.
    if (snd_max_ == snd_una_) {
      timers_.Cancel(TcpTimer::kRetransmit);
    } else {
      timers_.Arm(TcpTimer::kRetransmit, now + rtt_.rto());
    }
    if (state_ == TcpState::kSynReceived) EnterEstablished(now);
  } else if (seg.ack == snd_una_ && seg.payload.empty() && !seg.Has(kSyn) &&
             !seg.Has(kFin) && seg_wnd == snd_wnd_ && prior_in_flight) {
    // RFC 5681 §2 duplicate ACK; the third one triggers fast retransmit of
    // the head segment (only once per window, RFC 6582), tcb_cwnd.cc.
    OnDupAck(now);
  }

  // Window update, Linux's rule (tcp_ack_update_window,
  // tcp_may_update_window), not RFC 9293's: an ACK that moves snd_una
  // forward always sets the window, whatever its sequence number; one that
  // does not sets it only from a segment newer than the one that last did
  // (snd_wl1), or from that same segment when the window grows or closes.
  // RFC 9293 also asks SEG.SEQ >= SND.WL1 of an advancing ACK, so a
  // retransmission (an old SEG.SEQ) that acknowledges new data would move
  // SND.UNA and leave the window as it was: the right edge would then run
  // past the one the peer offered, and a sender would fill it.
  if (seg.ack >= prior_snd_una &&
      (seg.ack > prior_snd_una || snd_wl1_ < seg.seq ||
       (seg.seq == snd_wl1_ && (seg_wnd > snd_wnd_ || seg_wnd == 0)))) {
    snd_wnd_ = seg_wnd;
    snd_wl1_ = seg.seq;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  }

  // NewReno partial ACK: the next hole is lost too; resend it now.
  if (partial_ack)
    TransmitAt(snd_una_, EffectiveMss(), /*allow_fin=*/true, now);

  // tcp_ack_probe: with nothing in flight and data waiting on the window,
  // either the window now takes the next segment (stop probing) or the
  // probe timer restarts from this ACK with the current backoff.
  if (!prior_in_flight && CanSendData() && HasUnsent()) {
    const int64_t usable = static_cast<int64_t>(snd_wnd_);
    const int64_t need =
        static_cast<int64_t>(std::min<size_t>(UnsentBytes(), EffectiveMss()));
    if (need <= usable) {
      timers_.StopProbing();
    } else {
      timers_.Arm(TcpTimer::kProbe, now + ProbeWhen());
    }
  }

  if (fin_acked_) {
    switch (state_) {
      case TcpState::kFinWait1:
        state_ = TcpState::kFinWait2;
        timers_.Cancel(TcpTimer::kRetransmit);
        if (orphan_) timers_.Arm(TcpTimer::kClose, now + config_->fin_timeout);
        break;
      case TcpState::kClosing:
        EnterTimeWait(now);
        break;
      case TcpState::kLastAck:
        EnterClosed();
        return false;
      default:
        break;
    }
  }
  return true;
}

// Sixth step: tcp_urg + tcp_check_urg (urgent.h), with stream offsets
// instead of sequence numbers.
void Tcb::ProcessUrgent(const Segment& seg) {
  if (fin_received_) return;  // nothing can follow the FIN
  const int64_t seg_rel =
      static_cast<int64_t>(seg.seq - rcv_nxt_) + (seg.Has(kSyn) ? 1 : 0);
  const int64_t seg_off = static_cast<int64_t>(rcv_off_) + seg_rel;
  if (seg.Has(kUrg)) {
    // tcp_stdurg = 0: the pointer is one past the urgent byte.
    const int64_t ptr = seg.urg_ptr > 0 ? seg.urg_ptr - 1 : 0;
    if (urgent_rcv_.OnPointer(seg_off + ptr, rcv_off_, CopiedOffset(),
                              conn_.oob_inline)) {
      rcv_queue_.Consume(1);  // the old urgent byte, next to be read
    }
  }
  urgent_rcv_.OnPayload(seg_off, seg.payload);
}

// Seventh step (tcp_data_queue): in-order data to rcv_queue_, data beyond a
// hole to the reassembly queue, all trimmed to the window we advertised;
// then the eighth step for a FIN that is in sequence.
void Tcb::ProcessText(const Segment& seg, Time now) {
  const int64_t rel =
      static_cast<int64_t>(seg.seq - rcv_nxt_) + (seg.Has(kSyn) ? 1 : 0);
  const int64_t end = rel + static_cast<int64_t>(seg.payload.size());
  const int64_t wnd = rcv_wnd();
  const int64_t lo = std::max<int64_t>(rel, 0);
  const int64_t hi = std::min<int64_t>(end, wnd);
  // The FIN counts only if all the data before it fits the window.
  const bool fin = seg.Has(kFin) && end >= 0 && end <= wnd;
  const uint64_t base = rcv_off_;
  if (lo < hi) {
    const uint8_t* p = seg.payload.data() + (lo - rel);
    const size_t n = static_cast<size_t>(hi - lo);
    if (lo == 0) {
      const bool had_hole = !reassembly_.empty();
      rcv_queue_.Append(p, n);
      rcv_nxt_ += static_cast<uint32_t>(n);
      rcv_off_ += n;
      const size_t filled = reassembly_.Drain(rcv_off_, &rcv_queue_);
      rcv_nxt_ += static_cast<uint32_t>(filled);
      rcv_off_ += filled;
      delayed_ack_.OnDataRecv(n, seg.flags, now, rtt_.rto(), last_adv_wnd_,
                              conn_.mss, conn_.rcv_buf > syn_window_);
      // RFC 5681 §4.2: ACK at once when a hole has been filled.
      if (had_hole && reassembly_.empty()) delayed_ack_.AckNow();
    } else {
      // Out of order: a duplicate ACK at once (no SACK to compress).
      reassembly_.Insert(base + static_cast<uint64_t>(lo), p, n);
      delayed_ack_.ScheduleNow();
    }
  } else if (!seg.payload.empty()) {
    // Nothing new: a retransmission of data we have, or data beyond the
    // window (tcp_data_queue: quickack mode, ACK at once).
    delayed_ack_.EnterQuickackMode(last_adv_wnd_);
    delayed_ack_.ScheduleNow();
  }
  // Remember the FIN's place; it is processed once the data before it is
  // all in (at once, or after a hole fills).
  if (fin) reassembly_.SetFin(base + static_cast<uint64_t>(end));
  if (reassembly_.FinAt(rcv_off_)) ProcessFin(now);
}

// Eighth step (tcp_fin): the peer's FIN, in sequence.
void Tcb::ProcessFin(Time now) {
  reassembly_.ClearFin();
  rcv_nxt_ += 1;
  fin_received_ = true;
  delayed_ack_.Schedule();  // inet_csk_schedule_ack
  switch (state_) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
      // CLOSE_WAIT, and the session counts as interactive, so the ACK of
      // the FIN is delayed (at once if no data came before: ATO 0).
      state_ = TcpState::kCloseWait;
      delayed_ack_.EnterPingpong();
      break;
    case TcpState::kFinWait1:
      // Our FIN not yet acknowledged: simultaneous close. tcp_fin ACKs at
      // once here and in FIN_WAIT2.
      if (fin_acked_) {
        EnterTimeWait(now);
      } else {
        state_ = TcpState::kClosing;
      }
      delayed_ack_.ScheduleNow();
      break;
    case TcpState::kFinWait2:
      EnterTimeWait(now);
      delayed_ack_.ScheduleNow();
      break;
    default:
      break;
  }
}

// After the segment: __tcp_ack_snd_check. The ACK goes now when more than
// one full segment is in and the right edge of the window would move (or
// the application has read everything), in quickack mode, or when asked
// for at once; otherwise on the delayed-ACK timer.
void Tcb::AckSndCheck(Time now) {
  if (!delayed_ack_.scheduled()) return;
  const bool full_frames =
      static_cast<uint32_t>(rcv_nxt_ - rcv_wup_) > delayed_ack_.rcv_mss() &&
      (rcv_queue_.empty() || SelectableWindow() >= last_adv_wnd_);
  if (delayed_ack_.AckNowDue(full_frames)) {
    SendAck();
    return;
  }
  SendDelayedAck(now);
}

// tcp_timewait_state_process, TIME_WAIT substate (tcp_rfc1337 = 0).
void Tcb::TimeWaitSegment(const Segment& seg, Time now) {
  if (seg.Has(kRst)) {
    // "TIME_WAIT assassination": an in-sequence RST ends TIME_WAIT.
    if (seg.seq == rcv_nxt_) EnterClosed();
    return;
  }
  // An in-sequence bare segment restarts the timer silently.
  if (seg.seq == rcv_nxt_ && seg.SeqLen() == 0) {
    timers_.Arm(TcpTimer::kClose, now + config_->time_wait);
    return;
  }
  // Anything else (typically the peer's retransmitted FIN, whose ACK was
  // lost) is acknowledged; with an ACK bit it also restarts the timer. A
  // new SYN that would reopen the connection is the socket layer's to
  // route to a listener; here it is answered like an old duplicate. The
  // ACK is rate-limited unless the segment carries data or a FIN
  // (tcp_timewait_check_oow_rate_limit).
  if (seg.Has(kAck)) timers_.Arm(TcpTimer::kClose, now + config_->time_wait);
  if (!OowRateLimited(seg, now)) SendAck();
}

}  // namespace simsock::sim::tcp
