// Tcb output: building and emitting segments, the windows we advertise
// and respect, Nagle and the cork, (re)transmission of the send queue
// (tcp_output.c: tcp_transmit_skb, tcp_event_ack_sent,
// tcp_event_data_sent, tcp_send_ack, tcp_send_delayed_ack, tcp_send_syn,
// tcp_send_active_reset, tcp_write_xmit, tcp_snd_wnd_test, tcp_nagle_test,
// tcp_retransmit_skb, tcp_acceptable_seq, tcp_select_window,
// tcp_bound_to_half_wnd).
//
// Design notes:
// - A FIN rides on the data segment that empties the send queue; when no
//   data is left it goes alone. A bare FIN is sent whatever the peer's
//   window (a receiver takes a FIN at RCV.NXT even with window 0, as
//   Linux's tcp_data_queue does).
// - How much may be sent is decided in one place, SendQuota: the peer's
//   window and the congestion window (tcp_snd_wnd_test and tcp_cwnd_test
//   in tcp_write_xmit; the algorithm's side is tcb_cwnd.cc).
// - Sender-side SWS avoidance is Linux's tcp_snd_wnd_test: the next segment
//   (min(unsent, MSS) bytes) goes only if it fits the window whole; a
//   window too small for it is handled by the persist timer, whose probe
//   then carries what fits (tcp_write_wakeup, tcb_timers.cc).
// - After a retransmission timeout the head segment is resent and snd_nxt_
//   goes back to snd_una_ (go-back-N, RFC 9293 §3.8.1); the rest is resent
//   as ACKs come back. snd_max_ keeps the highest sequence number sent.
//
// Threading: none.
#include <algorithm>
#include <utility>

#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim::tcp {

std::vector<Segment> Tcb::TakeOutput() {
  std::vector<Segment> out;
  out.swap(outbox_);
  return out;
}

// --- Building and emitting segments
// --------------------------------------------

Segment Tcb::MakeSegment(uint8_t flags, SeqNum seq) {
  Segment s;
  s.src_port = conn_.local_port;
  s.dst_port = conn_.remote_port;
  s.seq = seq;
  s.flags = flags;
  if (flags & kAck) s.ack = rcv_nxt_;
  s.window = (flags & kSyn) ? syn_window_ : WindowField();
  // tcp_transmit_skb: every segment that starts before the urgent pointer
  // carries it, if it fits the 16-bit field.
  if (!(flags & kSyn) && urgent_snd_.PointerFor(seq, &s.urg_ptr)) {
    s.flags |= kUrg;
  }
  return s;
}

void Tcb::Emit(Segment seg) {
  if (seg.Has(kAck)) {
    // tcp_event_ack_sent: every segment carries the ACK; one scheduled
    // is now sent, a quickack is used up, the delayed-ACK timer stops.
    delayed_ack_.OnAckSent();
    timers_.Cancel(TcpTimer::kDelayedAck);
  }
  if (!seg.payload.empty()) {
    // tcp_event_data_sent: data leaving with nothing in flight restarts
    // the algorithm's clock (CA_EVENT_TX_START); lsndtime for the idle
    // check.
    if (packets_in_flight() == 0 && lsndtime_ != kNever)
      cc().OnTransmitStart(now_, now_ - lsndtime_);
    lsndtime_ = now_;
    delayed_ack_.OnDataSent(now_);
  }
  if (outbox_.capacity() == 0) outbox_ = SpareSegmentVector();
  outbox_.push_back(std::move(seg));
}

// tcp_send_ack.
void Tcb::SendAck() { Emit(MakeSegment(kAck, AcceptableSeq())); }

void Tcb::SendChallengeAck(Time now) {
  // Linux >= 6.0 has no host-wide challenge ACK limit by default
  // (tcp_challenge_ack_limit = INT_MAX); the per-connection one remains.
  if (!OowRateLimited(now)) SendAck();
}

bool Tcb::OowRateLimited(Time now) {
  // tcp_jiffies32 as a kernel booted when the world started counts it:
  // jiffies start at INITIAL_JIFFIES, 300 s before zero.
  const int64_t hz = config_->hz;
  const int64_t tick_ns = 1'000'000'000 / hz;
  const auto jiffies32 =
      static_cast<uint32_t>(-300 * hz + now.count() / tick_ns);
  // The sysctl is kept in jiffies (proc_dointvec_ms_jiffies rounds up).
  const int64_t limit_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               config_->invalid_ratelimit)
                               .count();
  const int64_t limit = (limit_ns + tick_ns - 1) / tick_ns;
  if (last_oow_ack_time_ != 0) {
    const auto elapsed = static_cast<int32_t>(jiffies32 - last_oow_ack_time_);
    if (elapsed >= 0 && elapsed < limit) return true;
  }
  last_oow_ack_time_ = jiffies32;
  return false;
}

bool Tcb::OowRateLimited(const Segment& seg, Time now) {
  if (seg.SeqLen() != 0 && !seg.Has(kSyn)) return false;
  return OowRateLimited(now);
}

// tcp_send_delayed_ack: the ACK goes at once, or the timer is armed.
void Tcb::SendDelayedAck(Time now) {
  const Time at = delayed_ack_.DelayedAckDeadline(
      now, timers_.at(TcpTimer::kDelayedAck), rtt_);
  if (at == now) {
    SendAck();
    return;
  }
  timers_.Arm(TcpTimer::kDelayedAck, at);
}

// Our SYN, or SYN-ACK (first transmission or retransmission).
void Tcb::SendSyn(bool with_ack) {
  // The window of a SYN is never scaled (RFC 7323 §2.2).
  syn_window_ =
      static_cast<uint16_t>(std::min<uint64_t>(FreeSpace(), kMaxWindowField));
  if (with_ack) {
    const SeqNum edge = rcv_nxt_ + syn_window_;
    if (edge > rcv_adv_) rcv_adv_ = edge;
    last_adv_wnd_ = syn_window_;
    rcv_wup_ = rcv_nxt_;
  }
  Segment s = MakeSegment(with_ack ? (kSyn | kAck) : kSyn, iss_);
  s.mss = conn_.mss;
  if (!with_ack) {
    s.wscale = std::min(conn_.rcv_wscale, kMaxWscale);
  } else if (wscale_ok_) {
    s.wscale = rcv_wscale_;
  }
  Emit(std::move(s));
}

// tcp_send_active_reset: <SEQ=snd_nxt><ACK=RCV.NXT><CTL=RST,ACK>.
void Tcb::SendActiveReset() { Emit(MakeSegment(kRst | kAck, AcceptableSeq())); }

void Tcb::ReplyReset(const Segment& seg) {
  Segment r;
  if (ResetFor(seg, &r)) Emit(std::move(r));
}

// --- Sending the queue
// -----------------------------------------------------------

// tcp_write_xmit: send what the window and Nagle allow, then see whether the
// persist timer is needed.
void Tcb::Output(Time now) {
  if (!CanSendData()) return;
  const bool pending = HasUnsent() || (fin_queued_ && !fin_sent_);
  bool sent = false;
  while (SendOneSegment(now)) sent = true;
  // tcp_write_xmit ends with tcp_cwnd_validate when it sent something or
  // found cwnd full.
  if (pending) {
    const bool cwnd_full = packets_in_flight() >= congestion().cwnd();
    if (sent || cwnd_full) CwndValidate(cwnd_full);
  }
  UpdatePersist(now);
}

bool Tcb::SendOneSegment(Time now) {
  const size_t queued = snd_queue_.size();
  const size_t unsent = UnsentBytes();
  // The FIN is due when snd_nxt_ has reached the end of the data.
  const bool fin_due =
      fin_queued_ && snd_nxt_ <= snd_una_ + static_cast<uint32_t>(queued);
  if (unsent == 0 && !fin_due) return false;
  const size_t len = std::min<size_t>(unsent, EffectiveMss());
  if (len > 0) {
    // tcp_snd_wnd_test: the segment must fit what may be sent, whole.
    if (static_cast<int64_t>(len) > SendQuota()) return false;
    // Nagle (RFC 1122 §4.2.3.4) in Minshall's form (tcp_nagle_check,
    // tcp_minshall_check): hold a sub-MSS segment while an earlier sub-MSS
    // segment is unacknowledged. Closing turns Nagle off (tcp_send_fin
    // pushes with TCP_NAGLE_OFF). Urgent mode overrides both Nagle and the
    // cork (tcp_nagle_test).
    const bool small_in_flight =
        snd_nxt_ != snd_una_ && snd_sml_ > snd_una_ && snd_sml_ <= snd_nxt_;
    if (len < EffectiveMss() && !conn_.nodelay && !fin_queued_ &&
        !urgent_snd_.mode() && small_in_flight) {
      return false;
    }
    // TCP_CORK: no partial segment at all until the cork is pulled (or a
    // push: TCP_NODELAY, the FIN).
    if (len < EffectiveMss() && (cork_ || more_) && !push_once_ &&
        !fin_queued_ && !urgent_snd_.mode()) {
      return false;
    }
  }
  TransmitAt(snd_nxt_, len, /*allow_fin=*/true, now);
  return true;
}

// How many new bytes, from snd_nxt_ on, may be sent now: the peer's window
// less what is in flight (tcp_snd_wnd_test), and no more segments than
// cwnd leaves room for (tcp_cwnd_test: cwnd - packets in flight, in
// segments of up to one MSS). A bare FIN is not asked: tcp_cwnd_test
// always lets a FIN-only segment go.
int64_t Tcb::SendQuota() const {
  const int64_t wnd = static_cast<int64_t>((snd_una_ + snd_wnd_) - snd_nxt_);
  const uint32_t in_flight = packets_in_flight();
  const uint32_t cwnd = congestion().cwnd();
  if (in_flight >= cwnd) return 0;
  return std::min<int64_t>(
      wnd, static_cast<int64_t>(cwnd - in_flight) * EffectiveMss());
}

// Emits one segment starting at seq with up to max_len bytes of the send
// queue, with PSH when it reaches the end of the queued data and FIN when
// the FIN is queued and comes right after it.
void Tcb::TransmitAt(SeqNum seq, size_t max_len, bool allow_fin, Time now) {
  const size_t queued = snd_queue_.size();
  const size_t offset = static_cast<size_t>(seq - snd_una_);
  const size_t avail = offset < queued ? queued - offset : 0;
  const size_t len = std::min(max_len, avail);
  const bool at_end = offset + len >= queued;
  const bool fin = allow_fin && fin_queued_ && at_end;
  uint8_t flags = kAck;
  if (len > 0 && at_end) flags |= kPsh;
  if (fin) flags |= kFin;
  Segment s = MakeSegment(flags, seq);
  if (len > 0) {
    s.payload = SparePayload();
    s.payload.resize(len);
    snd_queue_.Peek(offset, s.payload.data(), len);
  }
  // tcp_minshall_update.
  if (len < EffectiveMss())
    snd_sml_ = seq + static_cast<uint32_t>(len) + (fin ? 1u : 0u);
  Emit(std::move(s));

  const SeqNum end = seq + static_cast<uint32_t>(len) + (fin ? 1 : 0);
  if (fin) fin_sent_ = true;
  if (seq < snd_max_) {
    rtt_.StopTiming();  // Karn: no RTT sample across a retransmission
  } else if (!rtt_.timing() && end != seq) {
    rtt_.StartTiming(end, now);
  }
  if (end > snd_nxt_) snd_nxt_ = end;
  if (end > snd_max_) {
    snd_max_ = end;
    packets_out_.push_back(end);  // tcp_event_new_data_sent
  }
  if (!timers_.armed(TcpTimer::kRetransmit) && end != seq) {
    timers_.Arm(TcpTimer::kRetransmit, now + rtt_.rto());
  }
}

// RTO: resend the head segment (tcp_retransmit_skb) and go back to it.
void Tcb::RetransmitHead(Time now) {
  snd_nxt_ = snd_una_;
  size_t len = EffectiveMss();
  // The head goes even into a closed window; into an open one, only what
  // fits.
  if (snd_wnd_ > 0) len = std::min<size_t>(len, snd_wnd_);
  TransmitAt(snd_una_, len, /*allow_fin=*/true, now);
}

// tcp_check_probe_timer: data waiting on a window with nothing in flight
// (so no ACK will come to open it) arms the persist timer.
void Tcb::UpdatePersist(Time now) {
  if (snd_max_ != snd_una_ || !HasUnsent()) {
    timers_.StopProbing();
    return;
  }
  if (!timers_.armed(TcpTimer::kProbe)) {
    timers_.Arm(TcpTimer::kProbe, now + ProbeWhen());
  }
}

bool Tcb::CanSendData() const {
  if (!syn_acked_) return false;
  switch (state_) {
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
    case TcpState::kFinWait1:
    case TcpState::kClosing:
    case TcpState::kLastAck:
      return true;
    default:
      return false;
  }
}

size_t Tcb::UnsentBytes() const {
  const size_t queued = snd_queue_.size();
  const int32_t sent = snd_nxt_ - snd_una_;
  const size_t offset = sent > 0 ? static_cast<size_t>(sent) : 0;
  return offset < queued ? queued - offset : 0;
}

bool Tcb::HasUnsent() const { return UnsentBytes() > 0; }

// tcp_bound_to_half_wnd (via tcp_sync_mss): against a peer whose largest
// window is small, segments are cut to half that window (at least 68 bytes
// less headers), so that data flows instead of waiting for a window of a
// whole MSS. This is why Linux reports TCP_MAXSEG 32741 on loopback.
uint16_t Tcb::EffectiveMss() const {
  uint32_t cutoff =
      max_snd_wnd_ > kDefaultMss ? max_snd_wnd_ / 2 : max_snd_wnd_;
  if (cutoff != 0 && snd_mss_ > cutoff)
    return static_cast<uint16_t>(std::max<uint32_t>(cutoff, 48));
  return snd_mss_;
}

// tcp_acceptable_seq: snd_max_ unless it lies beyond the peer's window.
SeqNum Tcb::AcceptableSeq() const {
  const SeqNum wnd_end = snd_una_ + snd_wnd_;
  if (snd_max_ <= wnd_end) return snd_max_;
  if (wscale_ok_ &&
      static_cast<uint32_t>(snd_max_ - wnd_end) < (1u << rcv_wscale_)) {
    return snd_max_;
  }
  return wnd_end;
}

// --- The window we advertise
// -----------------------------------------------------

// tcp_select_window: the free receive space, scaled, but never less than
// what is left of the window already advertised (rounded up, as Linux's
// ALIGN), so the right edge never moves left.
uint16_t Tcb::WindowField() {
  const uint64_t unit = uint64_t{1} << rcv_wscale_;
  const int32_t left = rcv_adv_ - rcv_nxt_;
  const uint64_t cur = left > 0 ? static_cast<uint64_t>(left) : 0;
  uint64_t field =
      std::max(FreeSpace() >> rcv_wscale_, (cur + unit - 1) >> rcv_wscale_);
  field = std::min<uint64_t>(field, kMaxWindowField);
  const SeqNum edge = rcv_nxt_ + static_cast<uint32_t>(field << rcv_wscale_);
  if (edge > rcv_adv_) rcv_adv_ = edge;
  // tcp_select_window: the window sent, and where it was sent from.
  last_adv_wnd_ = static_cast<uint32_t>(field << rcv_wscale_);
  rcv_wup_ = rcv_nxt_;
  return static_cast<uint16_t>(field);
}

// The window an ACK sent now would advertise (__tcp_select_window).
uint64_t Tcb::SelectableWindow() const {
  return std::min<uint64_t>(FreeSpace() >> rcv_wscale_, kMaxWindowField)
         << rcv_wscale_;
}

uint64_t Tcb::FreeSpace() const {
  const uint64_t used = rcv_queue_.size() + reassembly_.bytes();
  return conn_.rcv_buf > used ? conn_.rcv_buf - used : 0;
}

}  // namespace simsock::sim::tcp
