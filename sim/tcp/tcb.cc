// Tcb: one TCP connection's control block, sans-IO (see tcb.h for the
// contract of every public call).
//
// Reading list: RFC 9293 §3.10 (event processing; OnSegment is ordered by
// its "SEGMENT ARRIVES" steps), RFC 5961 (RST, SYN and ACK robustness),
// RFC 6298 (RTO), RFC 7323 (window scale), RFC 1122 §4.2.2.17 (zero-window
// probes) and §4.2.3.4 (Nagle), RFC 5681 §3.2 and RFC 6582 (fast
// retransmit, NewReno partial ACKs). Where Linux differs from the RFCs we
// follow Linux and name the function: tcp_rcv_synsent_state_process,
// tcp_validate_incoming, tcp_ack, tcp_data_queue, tcp_rcv_state_process
// (tcp_input.c); tcp_check_req, tcp_timewait_state_process
// (tcp_minisocks.c); tcp_write_xmit, tcp_select_window, tcp_acceptable_seq,
// tcp_send_probe0, tcp_write_wakeup (tcp_output.c); tcp_retransmit_timer,
// tcp_write_timeout, retransmits_timed_out, tcp_model_timeout,
// tcp_probe_timer, tcp_keepalive_timer (tcp_timer.c); reqsk_timer_handler
// (inet_connection_sock.c).
//
// Design notes (the choices tcb.h leaves to the implementation):
// - Our sequence space is [iss] SYN, then the data, then the FIN.
//   snd_queue_ holds the data from the first unacknowledged byte.
// - A FIN rides on the data segment that empties the send queue; when no
//   data is left it goes alone. A bare FIN is sent whatever the peer's
//   window (a receiver takes a FIN at RCV.NXT even with window 0, as
//   Linux's tcp_data_queue does).
// - After a retransmission timeout the head segment is resent and snd_nxt_
//   goes back to snd_una_ (go-back-N, RFC 9293 §3.8.1); the rest is resent
//   as ACKs come back, bounded only by the peer's window (there is no
//   congestion window). snd_max_ keeps the highest sequence number sent.
// - Sender-side SWS avoidance is Linux's tcp_snd_wnd_test: the next segment
//   (min(unsent, MSS) bytes) goes only if it fits the window whole; a
//   window too small for it is handled by the persist timer, whose probe
//   then carries what fits (tcp_write_wakeup).
// - RTT is measured on one segment at a time with Karn's rule (no
//   timestamps). Every ACK that advances SND.UNA resets the backoff: RTO =
//   srtt + max(4 * rttvar, rto_min), or rto_initial with no sample yet.
//   (Linux, which has timestamps, also gets a fresh RTO on such ACKs.)
// - Retransmission and zero-window-probe give-ups die silently with
//   ETIMEDOUT (tcp_write_err); keepalive give-up sends a RST first, as
//   tcp_keepalive_timer does.
// - The ACK of data the peer never sent is answered with an ACK and the
//   segment dropped (RFC 9293) in every state; Linux drops it silently in
//   ESTABLISHED.
//
// Threading: none.
#include "simsock/sim/tcp/tcb.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;

// TCP_RTO_MIN: tcp_model_timeout's base for a synchronized connection. It is
// the kernel constant, not the per-route rto_min.
constexpr Duration kLinuxRtoMin = milliseconds(200);
// TCP_MSS_DEFAULT: the send MSS when the peer's SYN has no MSS option.
constexpr uint16_t kDefaultMss = 536;
// RFC 7323 §2.3: larger shifts are treated as 14.
constexpr uint8_t kMaxWscale = 14;
constexpr uint32_t kMaxWindowField = 65535;

// The delayed-ACK engine's constants (include/net/tcp.h, HZ-independent in
// milliseconds): TCP_ATO_MIN and TCP_DELACK_MIN are HZ/25, TCP_DELACK_MAX
// HZ/5; a bulk receiver's ATO is bounded by HZ/2.
constexpr Duration kAtoMin = milliseconds(40);
constexpr Duration kDelackMin = milliseconds(40);
constexpr Duration kDelackMax = milliseconds(200);
constexpr Duration kAtoMaxBulk = milliseconds(500);
constexpr int kMaxQuickacks = 16;     // TCP_MAX_QUICKACKS
constexpr uint32_t kMinRcvMss = 536;  // TCP_MIN_RCVMSS
constexpr uint32_t kMinMss = 88;      // TCP_MIN_MSS
// The header tcp_measure_rcv_mss adds to a segment's length. Linux's peer
// on loopback also sends timestamps (32 bytes); the simulator has none.
constexpr size_t kTcpHeaderLen = 20;
// tcp_grow_window raises the window (and grants one more quick ACK) only
// for a segment whose payload outweighs its buffer overhead: measured on
// Linux 6.18 loopback, 20 writes of 800 bytes get 16 quick ACKs and of
// 900 bytes 17 (832 is the truesize of a small skb, UdpSocket::Truesize).
constexpr size_t kGrowMinPayload = 832;

void CheckOrDie(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "simsock: Tcb invariant broken: %s\n", what);
    std::abort();
  }
}

// A duration doubled, but never past cap.
Duration Doubled(Duration d, Duration cap) { return std::min(d * 2, cap); }

// base << n, capped (no shift overflow for large n).
Duration Backoff(Duration base, int n, Duration cap) {
  Duration d = base;
  for (int i = 0; i < n && d < cap; ++i) d *= 2;
  return std::min(d, cap);
}

}  // namespace

bool ResetFor(const Segment& seg, Segment* reply) {
  // RFC 9293 §3.10.7.1 (CLOSED): never answer a RST.
  if (seg.Has(kRst)) return false;
  Segment r;
  r.src_port = seg.dst_port;
  r.dst_port = seg.src_port;
  if (seg.Has(kAck)) {
    r.seq = seg.ack;
    r.flags = kRst;
  } else {
    r.seq = SeqNum(0);
    r.ack = seg.seq + seg.SeqLen();
    r.flags = kRst | kAck;
  }
  r.window = 0;
  *reply = std::move(r);
  return true;
}

Tcb::Tcb(const TcbConfig& config) : config_(config), rto_(config.rto_initial) {
  if (config.interactive) pingpong_ = kPingpongThresh;
}

// --- Opening ---------------------------------------------------------------

void Tcb::Connect(SeqNum iss, Time now) {
  CheckOrDie(state_ == TcpState::kClosed, "Connect on a block not CLOSED");
  *this = Tcb(config_);  // a fresh connection: nothing carries over
  now_ = now;
  iss_ = iss;
  snd_una_ = iss;
  snd_nxt_ = iss + 1;
  snd_max_ = iss + 1;
  state_ = TcpState::kSynSent;
  SendSyn(/*with_ack=*/false);
  // tcp_connect stamps retrans_stamp with the first SYN: the SYN give-up
  // budget counts from here.
  retrans_stamp_valid_ = true;
  retrans_stamp_ = now;
  rtt_timing_ = true;
  rtt_seq_ = iss + 1;
  rtt_start_ = now;
  rtx_at_ = now + rto_;
}

void Tcb::AcceptSyn(const Segment& syn, SeqNum iss, Time now) {
  CheckOrDie(state_ == TcpState::kClosed, "AcceptSyn on a block not CLOSED");
  *this = Tcb(config_);
  now_ = now;
  passive_ = true;
  irs_ = syn.seq;
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_;
  iss_ = iss;
  snd_una_ = iss;
  snd_nxt_ = iss + 1;
  snd_max_ = iss + 1;
  snd_mss_ = std::min(syn.mss.value_or(kDefaultMss), config_.mss);
  // RFC 7323 §1.3: scaling is on only if both SYNs carry the option; our
  // SYN-ACK carries it only if the peer's SYN did.
  wscale_ok_ = syn.wscale.has_value();
  snd_wscale_ = wscale_ok_ ? std::min(*syn.wscale, kMaxWscale) : 0;
  rcv_wscale_ = wscale_ok_ ? std::min(config_.rcv_wscale, kMaxWscale) : 0;
  snd_wnd_ = syn.window;  // never scaled in a SYN
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = syn.seq;
  snd_wl2_ = iss;
  last_rcv_ = now;
  state_ = TcpState::kSynReceived;
  SendSyn(/*with_ack=*/true);
  rtt_timing_ = true;
  rtt_seq_ = iss + 1;
  rtt_start_ = now;
  rtx_at_ = now + config_.rto_initial;
}

// --- Input -----------------------------------------------------------------

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
  // current backoff (reqsk_timeout), without counting a timeout.
  if (!syn_acked_ && seg.Has(kSyn) && !seg.Has(kAck) && !seg.Has(kRst) &&
      seg.seq == irs_) {
    SendSyn(/*with_ack=*/true);
    rtt_timing_ = false;
    if (passive_) {
      rtx_at_ =
          now + Backoff(config_.rto_initial, synack_timeouts_, config_.rto_max);
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
  // §3.2), except Linux's tcp_reset_check case.
  if (!simopen_synack && !SeqAcceptable(seg)) {
    if (seg.Has(kRst)) {
      if (ResetCheck(seg)) OnReset();
      return;
    }
    SendAck();
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
      SendAck();  // challenge ACK
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
    SendAck();
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
  snd_mss_ = std::min(seg.mss.value_or(kDefaultMss), config_.mss);
  wscale_ok_ = seg.wscale.has_value();  // we always offer it
  snd_wscale_ = wscale_ok_ ? std::min(*seg.wscale, kMaxWscale) : 0;
  rcv_wscale_ = wscale_ok_ ? std::min(config_.rcv_wscale, kMaxWscale) : 0;
  snd_wnd_ = seg.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = seg.seq;
  snd_wl2_ = seg.Has(kAck) ? seg.ack : iss_;

  if (seg.Has(kAck)) {
    // SYN-ACK: ESTABLISHED. Without Fast Open Linux ignores any text or FIN
    // on a SYN-ACK, so the ACK we send covers the SYN only.
    syn_acked_ = true;
    snd_una_ = seg.ack;
    if (rtt_timing_) {
      rtt_timing_ = false;
      RttSample(now - rtt_start_);
    }
    rto_ = ComputedRto();
    retransmits_ = 0;
    retrans_stamp_valid_ = false;
    rtx_at_ = kNever;
    EnterEstablished(now);
    SendAck();
    return;
  }
  // A SYN without ACK: simultaneous open (RFC 9293 "else enter
  // SYN-RECEIVED"). Our SYN-ACK reuses ISS; the retransmission timer keeps
  // running, now without the linear SYN backoff.
  state_ = TcpState::kSynReceived;
  rtt_timing_ = false;
  SendSyn(/*with_ack=*/true);
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
    close_at_ = now + config_.time_wait;
    return;
  }
  // Anything else (typically the peer's retransmitted FIN, whose ACK was
  // lost) is acknowledged; with an ACK bit it also restarts the timer. A
  // new SYN that would reopen the connection is the socket layer's to
  // route to a listener; here it is answered like an old duplicate.
  if (seg.Has(kAck)) close_at_ = now + config_.time_wait;
  SendAck();
}

bool Tcb::SeqAcceptable(const Segment& seg) const {
  // RFC 9293 §3.10.7.4 first step, the four cases. With a zero window a
  // segment at exactly RCV.NXT is let through so that its ACK, RST or FIN
  // is processed ("special allowance", and Linux's tcp_sequence); its data
  // is then trimmed away by the window in ProcessText.
  const int64_t wnd = rcv_wnd();
  const int64_t rel = seg.seq - rcv_nxt_;
  const int64_t len = seg.SeqLen();
  if (len == 0 || wnd == 0) {
    return wnd == 0 ? rel == 0 : (rel >= 0 && rel < wnd);
  }
  const int64_t last = rel + len - 1;
  return (rel >= 0 && rel < wnd) || (last >= 0 && last < wnd);
}

bool Tcb::ResetCheck(const Segment& seg) const {
  // tcp_reset_check: once the peer's FIN is in, its RST may carry the FIN's
  // own sequence number.
  return seg.seq == rcv_nxt_ - 1 &&
         (state_ == TcpState::kCloseWait || state_ == TcpState::kLastAck ||
          state_ == TcpState::kClosing);
}

// RFC 9293 fifth step (tcp_ack). Returns false when the segment is dropped.
bool Tcb::ProcessAck(const Segment& seg, Time now) {
  // SYN-RECEIVED (or FIN-WAIT-1 entered from it): the ACK must cover our
  // SYN, else <SEQ=SEG.ACK><CTL=RST>.
  if (!syn_acked_ && !(seg.ack > snd_una_ && seg.ack <= snd_max_)) {
    ReplyReset(seg);
    return false;
  }
  // An ACK of something not yet sent: send an ACK, drop the segment.
  if (seg.ack > snd_max_) {
    SendAck();
    return false;
  }
  // RFC 5961 §5.2: an ACK older than the largest window the peer ever
  // offered is a blind injection attempt: challenge ACK, drop.
  if (seg.ack < snd_una_ - max_snd_wnd_) {
    SendAck();
    return false;
  }

  probes_out_ = 0;  // tcp_ack: the peer is alive
  const bool prior_in_flight = snd_max_ != snd_una_;
  const uint32_t seg_wnd = seg.Has(kSyn) ? seg.window
                                         : static_cast<uint32_t>(seg.window)
                                               << snd_wscale_;
  bool partial_ack = false;

  if (seg.ack > snd_una_) {
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
    // tcp_clean_rtx_queue: the urgent byte is acknowledged, urgent mode ends.
    if (urg_mode_ && snd_up_ <= snd_una_) urg_mode_ = false;
    if (rtt_timing_ && seg.ack >= rtt_seq_) {
      rtt_timing_ = false;
      RttSample(now - rtt_start_);
    }
    rto_ = ComputedRto();
    retransmits_ = 0;
    retrans_stamp_valid_ = false;
    dupacks_ = 0;
    if (in_recovery_) {
      if (snd_una_ < recover_) {
        partial_ack = true;
      } else {
        in_recovery_ = false;
      }
    }
    // RFC 6298 §5.2 / 5.3: stop the timer when all is acknowledged, else
    // restart it.
    rtx_at_ = snd_max_ == snd_una_ ? kNever : now + rto_;
    if (state_ == TcpState::kSynReceived) EnterEstablished(now);
  } else if (seg.ack == snd_una_ && seg.payload.empty() && !seg.Has(kSyn) &&
             !seg.Has(kFin) && seg_wnd == snd_wnd_ && prior_in_flight) {
    // RFC 5681 §2 duplicate ACK; the third one triggers fast retransmit of
    // the head segment (only once per window, RFC 6582).
    if (++dupacks_ == 3 && !in_recovery_) {
      in_recovery_ = true;
      recover_ = snd_max_;
      TransmitAt(snd_una_, EffectiveMss(), /*allow_fin=*/true, now);
    }
  }

  // Window update (RFC 9293: only from a segment not older than the last
  // one that set the window).
  if (seg.ack >= snd_una_ &&
      (snd_wl1_ < seg.seq || (snd_wl1_ == seg.seq && snd_wl2_ <= seg.ack))) {
    snd_wnd_ = seg_wnd;
    snd_wl1_ = seg.seq;
    snd_wl2_ = seg.ack;
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
      probe_at_ = kNever;
      probe_backoff_ = 0;
      probes_start_valid_ = false;
    } else {
      probe_at_ = now + ProbeWhen();
    }
  }

  if (fin_acked_) {
    switch (state_) {
      case TcpState::kFinWait1:
        state_ = TcpState::kFinWait2;
        rtx_at_ = kNever;
        if (orphan_) close_at_ = now + config_.fin_timeout;
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

// tcp_urg + tcp_check_urg, with stream offsets instead of sequence numbers.
// Linux keeps one mark, the newest; a pointer into data already received
// is ignored; the urgent byte's value is taken from the segment that
// carries it, in order or not.
void Tcb::ProcessUrgent(const Segment& seg) {
  if (fin_received_) return;  // nothing can follow the FIN
  const int64_t seg_rel =
      static_cast<int64_t>(seg.seq - rcv_nxt_) + (seg.Has(kSyn) ? 1 : 0);
  const int64_t seg_off = static_cast<int64_t>(rcv_off_) + seg_rel;
  if (seg.Has(kUrg)) {
    // tcp_stdurg = 0: the pointer is one past the urgent byte.
    const int64_t ptr = seg.urg_ptr > 0 ? seg.urg_ptr - 1 : 0;
    const int64_t off = seg_off + ptr;
    const bool newer =
        off >= static_cast<int64_t>(rcv_off_) &&
        (urg_ == Urgent::kNone || static_cast<uint64_t>(off) > urg_off_);
    if (newer) {
      // A new mark while the old urgent byte is next to be read: that byte
      // is dropped from the stream, or it would be read again as data.
      const uint64_t copied = CopiedOffset();
      if (urg_ != Urgent::kNone && urg_off_ == copied && !config_.oob_inline &&
          copied != rcv_off_) {
        rcv_queue_.Consume(1);
      }
      urg_ = Urgent::kNotYet;
      urg_off_ = static_cast<uint64_t>(off);
    }
  }
  if (urg_ == Urgent::kNotYet) {
    const int64_t at = static_cast<int64_t>(urg_off_) - seg_off;
    if (at >= 0 && at < static_cast<int64_t>(seg.payload.size())) {
      urg_ = Urgent::kValid;
      urg_byte_ = seg.payload[static_cast<size_t>(at)];
    }
  }
}

size_t Tcb::ReadableBytes() const {
  size_t n = rcv_queue_.size();
  if (n > 0 && urg_ != Urgent::kNone && !config_.oob_inline &&
      urg_off_ == CopiedOffset())
    --n;
  return n;
}

// RFC 9293 seventh step (tcp_data_queue): in-order data to rcv_queue_,
// data beyond a hole to out_of_order_, all trimmed to the window we
// advertised; then the eighth step for a FIN that is in sequence.
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
      const bool had_hole = !out_of_order_.empty();
      rcv_queue_.Append(p, n);
      rcv_nxt_ += static_cast<uint32_t>(n);
      rcv_off_ += n;
      DrainOutOfOrder();
      EventDataRecv(n, seg.flags, now);
      // RFC 5681 §4.2: ACK at once when a hole has been filled.
      if (had_hole && out_of_order_.empty()) ack_pending_ |= kAckNow;
    } else {
      // Out of order: a duplicate ACK at once (no SACK to compress).
      InsertOutOfOrder(base + static_cast<uint64_t>(lo), p, n);
      ack_pending_ |= kAckSched | kAckNow;
    }
  } else if (!seg.payload.empty()) {
    // Nothing new: a retransmission of data we have, or data beyond the
    // window (tcp_data_queue: quickack mode, ACK at once).
    EnterQuickackMode();
    ack_pending_ |= kAckSched | kAckNow;
  }
  if (fin) {
    // Remember the FIN's place; it is processed once the data before it is
    // all in (at once, or after a hole fills).
    ooo_fin_valid_ = true;
    ooo_fin_ = base + static_cast<uint64_t>(end);
  }
  if (ooo_fin_valid_ && ooo_fin_ == rcv_off_) ProcessFin(now);
}

void Tcb::InsertOutOfOrder(uint64_t off, const uint8_t* data, size_t len) {
  // Merge with every entry that overlaps or touches [off, off + len), so
  // entries stay disjoint and ooo_bytes_ counts each byte once.
  uint64_t mstart = off;
  uint64_t mend = off + len;
  auto first = out_of_order_.lower_bound(off);
  if (first != out_of_order_.begin()) {
    auto prev = std::prev(first);
    if (prev->first + prev->second.size() >= off) first = prev;
  }
  auto last = first;
  while (last != out_of_order_.end() && last->first <= mend) {
    mstart = std::min(mstart, last->first);
    mend = std::max(mend, last->first + last->second.size());
    ++last;
  }
  std::vector<uint8_t> merged(static_cast<size_t>(mend - mstart));
  for (auto it = first; it != last; ++it) {
    std::memcpy(merged.data() + (it->first - mstart), it->second.data(),
                it->second.size());
    ooo_bytes_ -= it->second.size();
  }
  std::memcpy(merged.data() + (off - mstart), data, len);
  out_of_order_.erase(first, last);
  ooo_bytes_ += merged.size();
  out_of_order_.emplace(mstart, std::move(merged));
}

void Tcb::DrainOutOfOrder() {
  while (!out_of_order_.empty()) {
    auto it = out_of_order_.begin();
    if (it->first > rcv_off_) break;
    const uint64_t end = it->first + it->second.size();
    if (end > rcv_off_) {
      const size_t skip = static_cast<size_t>(rcv_off_ - it->first);
      const size_t n = static_cast<size_t>(end - rcv_off_);
      rcv_queue_.Append(it->second.data() + skip, n);
      rcv_nxt_ += static_cast<uint32_t>(n);
      rcv_off_ = end;
    }
    ooo_bytes_ -= it->second.size();
    out_of_order_.erase(it);
  }
}

// RFC 9293 eighth step: the peer's FIN, in sequence.
void Tcb::ProcessFin(Time now) {
  ooo_fin_valid_ = false;
  rcv_nxt_ += 1;
  fin_received_ = true;
  ack_pending_ |= kAckSched;  // tcp_fin: inet_csk_schedule_ack
  switch (state_) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
      // tcp_fin: CLOSE_WAIT, and the session counts as interactive, so the
      // ACK of the FIN is delayed (at once if no data came before: ATO 0).
      state_ = TcpState::kCloseWait;
      pingpong_ = std::max(pingpong_, kPingpongThresh);
      break;
    case TcpState::kFinWait1:
      // Our FIN not yet acknowledged: simultaneous close. tcp_fin ACKs at
      // once here and in FIN_WAIT2.
      if (fin_acked_) {
        EnterTimeWait(now);
      } else {
        state_ = TcpState::kClosing;
      }
      ack_pending_ |= kAckSched | kAckNow;
      break;
    case TcpState::kFinWait2:
      EnterTimeWait(now);
      ack_pending_ |= kAckSched | kAckNow;
      break;
    default:
      break;
  }
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

// --- Delayed ACK
// --------------------------------------------------------------- Linux's
// receiver-side ACK engine (tcp_input.c tcp_event_data_recv,
// __tcp_ack_snd_check, tcp_output.c tcp_send_delayed_ack, tcp_timer.c
// tcp_delack_timer_handler), in virtual time: the timer fires exactly at
// now + ATO rather than on the next 4 ms jiffy.

// tcp_initialize_rcv_mss: a guess at the peer's MSS, at most 536.
void Tcb::InitRcvMss() {
  uint32_t hint = std::min<uint32_t>(config_.mss, snd_mss_);
  hint = std::min<uint32_t>(hint, last_adv_wnd_ / 2);
  hint = std::min<uint32_t>(hint, kMinRcvMss);
  rcv_mss_ = std::max<uint32_t>(hint, kMinMss);
}

// tcp_incr_quickack: about one quick ACK per two segments of window.
void Tcb::IncrQuickack(int max_quickacks) {
  uint32_t quickacks = last_adv_wnd_ / (2 * rcv_mss_);
  if (quickacks == 0) quickacks = 2;
  const int q = static_cast<int>(
      std::min<uint32_t>(quickacks, static_cast<uint32_t>(max_quickacks)));
  if (q > quick_) quick_ = q;
}

// tcp_enter_quickack_mode.
void Tcb::EnterQuickackMode() {
  IncrQuickack(kMaxQuickacks);
  pingpong_ = 0;
  ato_ = kAtoMin;
}

// tcp_measure_rcv_mss: full-sized segments teach the peer's MSS; small
// ones mark the pending ACK as "pushed" (twice: PUSHED2).
void Tcb::MeasureRcvMss(size_t len, uint8_t flags) {
  const uint32_t lss = last_seg_size_;
  last_seg_size_ = 0;
  if (len >= rcv_mss_) {
    rcv_mss_ = static_cast<uint32_t>(std::min<size_t>(len, config_.mss));
    return;
  }
  const size_t with_header = len + kTcpHeaderLen;
  if (with_header >= kMinRcvMss + kTcpHeaderLen ||
      (with_header >= kMinMss + kTcpHeaderLen &&
       !(flags & (kFin | kUrg | kSyn | kPsh)))) {
    last_seg_size_ = static_cast<uint32_t>(len);
    if (len == lss) {
      rcv_mss_ = static_cast<uint32_t>(len);
      return;
    }
  }
  if (ack_pending_ & kAckPushed) ack_pending_ |= kAckPushed2;
  ack_pending_ |= kAckPushed;
}

// tcp_event_data_recv: schedule an ACK and adapt the ATO to the gaps
// between data segments.
void Tcb::EventDataRecv(size_t len, uint8_t flags, Time now) {
  ack_pending_ |= kAckSched;
  MeasureRcvMss(len, flags);
  if (ato_ == Duration::zero()) {
    // The first data segment starts the engine.
    IncrQuickack(kMaxQuickacks);
    ato_ = kAtoMin;
  } else {
    const Duration m = now - lrcvtime_;
    if (m <= kAtoMin / 2) {
      ato_ = ato_ / 2 + kAtoMin / 2;
    } else if (m < ato_) {
      ato_ = ato_ / 2 + m;
      if (ato_ > rto_) ato_ = rto_;
    } else if (m > rto_) {
      // A long gap: the sender must restart; ACK quickly again.
      IncrQuickack(kMaxQuickacks);
    }
  }
  lrcvtime_ = now;
  // tcp_grow_window: while rcv_ssthresh (the window our SYN offered) is
  // below the window clamp (the buffer's capacity), the first large enough
  // segment raises it to the clamp in one step on these paths (2 * advmss
  // exceeds the room left) and adds a quick ACK (icsk_ack.quick |= 1). A
  // small pinned SO_RCVBUF leaves no room, so no extra ACK.
  if (len >= kGrowMinPayload && !window_grown_ &&
      config_.rcv_buf > syn_window_) {
    window_grown_ = true;
    quick_ |= 1;
  }
}

// The window an ACK sent now would advertise (__tcp_select_window).
uint64_t Tcb::SelectableWindow() const {
  return std::min<uint64_t>(FreeSpace() >> rcv_wscale_, kMaxWindowField)
         << rcv_wscale_;
}

// __tcp_ack_snd_check.
void Tcb::AckSndCheck(Time now) {
  if (!(ack_pending_ & kAckSched)) return;
  // More than one full segment received, and the right edge of the window
  // would move (or the application has read everything).
  const bool full_frames =
      static_cast<uint32_t>(rcv_nxt_ - rcv_wup_) > rcv_mss_ &&
      (rcv_queue_.empty() || SelectableWindow() >= last_adv_wnd_);
  if (full_frames || InQuickackMode() || (ack_pending_ & kAckNow)) {
    SendAck();
    return;
  }
  SendDelayedAck(now);
}

// tcp_send_delayed_ack: the timer at now + ATO, bounded by 200 ms in an
// interactive session (or after a pushed segment) and by the RTT; an
// earlier timer already armed is kept.
void Tcb::SendDelayedAck(Time now) {
  Duration ato = ato_;
  if (ato > kDelackMin) {
    Duration max_ato = kAtoMaxBulk;
    if (in_pingpong() || (ack_pending_ & kAckPushed)) max_ato = kDelackMax;
    if (have_srtt_) {
      const Duration rtt = std::max(srtt_, kDelackMin);
      if (rtt < max_ato) max_ato = rtt;
    }
    ato = std::min(ato, max_ato);
  }
  ato = std::min(ato, kDelackMax);
  // ATO 0 (no data received yet, e.g. a bare FIN): Linux's timer fires on
  // the next 4 ms tick; here, at once.
  if (ato == Duration::zero()) {
    SendAck();
    return;
  }
  Time timeout = now + ato;
  if (ack_pending_ & kAckTimer) {
    // The armed timer is about to fire: ACK now.
    if (delack_at_ <= now + ato / 4) {
      SendAck();
      return;
    }
    if (!(timeout < delack_at_)) timeout = delack_at_;
  }
  ack_pending_ |= kAckSched | kAckTimer;
  delack_at_ = timeout;
}

// tcp_delack_timer_handler: the ACK goes; a missed delayed ACK inflates
// the ATO, or ends an interactive session.
void Tcb::DelackTimer(Time /*now*/) {
  delack_at_ = kNever;
  ack_pending_ &= static_cast<uint8_t>(~kAckTimer);
  if (!(ack_pending_ & kAckSched) || state_ == TcpState::kClosed) return;
  if (!in_pingpong()) {
    ato_ = std::min(ato_ * 2, rto_);
  } else {
    pingpong_ = 0;
    ato_ = kAtoMin;
  }
  SendAck();
}

void Tcb::SetQuickAck(int val, Time now) {
  now_ = now;
  if (val == 0) {
    pingpong_ = std::max(pingpong_, kPingpongThresh);
    return;
  }
  pingpong_ = 0;
  if ((state_ == TcpState::kEstablished || state_ == TcpState::kCloseWait) &&
      (ack_pending_ & kAckSched)) {
    ack_pending_ |= kAckPushed;
    CleanupRbuf(1, rcv_wnd());
    if ((val & 1) == 0) pingpong_ = kPingpongThresh;
  }
}

// --- User calls --------------------------------------------------------------

size_t Tcb::Send(const uint8_t* data, size_t len, Time now, bool urgent,
                 bool more) {
  now_ = now;
  if (state_ != TcpState::kEstablished && state_ != TcpState::kCloseWait) {
    return 0;
  }
  const size_t n = std::min(len, SendSpace());
  snd_queue_.Append(data, n);
  if (urgent && n > 0) {
    // tcp_mark_urg: snd_up = write_seq, one past the last byte queued.
    urg_mode_ = true;
    snd_up_ = snd_una_ + static_cast<uint32_t>(snd_queue_.size());
  }
  more_ = more;  // tcp_push with TCP_NAGLE_CORK for this call
  Output(now);
  more_ = false;
  return n;
}

size_t Tcb::Recv(uint8_t* out, size_t len, bool peek, Time now, size_t skip) {
  now_ = now;
  // tcp_recvmsg_locked's walk: stop at the urgent mark once something is
  // copied; at the mark, step over the urgent byte unless it is in line.
  const size_t avail = rcv_queue_.size();
  const bool marked = urg_ != Urgent::kNone;
  if (!peek) skip = 0;
  if (skip >= avail) return 0;
  uint64_t pos = CopiedOffset() + skip;
  size_t at = skip;   // queue index
  size_t copied = 0;  // bytes given to the caller
  while (copied < len && at < avail) {
    if (marked && pos == urg_off_) {
      if (copied > 0) break;
      if (!config_.oob_inline) {
        ++at;
        ++pos;
        continue;
      }
    }
    size_t n = std::min(len - copied, avail - at);
    if (marked && urg_off_ > pos && urg_off_ - pos < n)
      n = static_cast<size_t>(urg_off_ - pos);
    if (out != nullptr) rcv_queue_.Peek(at, out + copied, n);
    copied += n;
    at += n;
    pos += n;
  }
  if (peek || at == 0) return copied;
  const uint64_t old_wnd = rcv_wnd();
  rcv_queue_.Consume(at);
  // Past the urgent byte: the mark is gone (MSG_OOB is EINVAL again).
  if (marked && CopiedOffset() > urg_off_) urg_ = Urgent::kNone;
  CleanupRbuf(at, old_wnd);
  return copied;
}

// tcp_cleanup_rbuf: a read may send the ACK the delayed-ACK engine held
// (a full segment unacknowledged, or a read that emptied the buffer of
// small pushed segments in a non-interactive session), or a window update.
void Tcb::CleanupRbuf(size_t copied, uint64_t old_wnd) {
  bool time_to_ack = false;
  if (ack_pending_ & kAckSched) {
    const bool drained = rcv_queue_.empty() && out_of_order_.empty();
    if (static_cast<uint32_t>(rcv_nxt_ - rcv_wup_) > rcv_mss_ ||
        (copied > 0 && drained &&
         ((ack_pending_ & kAckPushed2) ||
          ((ack_pending_ & kAckPushed) && !in_pingpong())))) {
      time_to_ack = true;
    }
  }
  // Receiver SWS avoidance (RFC 1122 §4.2.3.3, tcp_cleanup_rbuf): announce
  // the freed space only once it is worth a segment.
  const bool can_receive =
      (state_ == TcpState::kEstablished || state_ == TcpState::kFinWait1 ||
       state_ == TcpState::kFinWait2) &&
      !fin_received_;
  if (can_receive) {
    const uint64_t field =
        std::min<uint64_t>(FreeSpace() >> rcv_wscale_, kMaxWindowField);
    const uint64_t new_wnd = field << rcv_wscale_;
    const uint64_t threshold =
        std::min<uint64_t>(config_.rcv_buf / 2, snd_mss_);
    if (old_wnd < threshold && new_wnd >= old_wnd + threshold)
      time_to_ack = true;
  }
  if (time_to_ack && state_ != TcpState::kClosed) SendAck();
}

void Tcb::Close(Time now) {
  now_ = now;
  switch (state_) {
    case TcpState::kSynSent:
      EnterClosed();  // nothing sent; a late SYN-ACK meets a closed port
      return;
    case TcpState::kSynReceived:
      // The FIN waits for the ACK of our SYN (RFC 9293: "queue for
      // processing after entering ESTABLISHED").
      state_ = TcpState::kFinWait1;
      fin_queued_ = true;
      return;
    case TcpState::kEstablished:
      state_ = TcpState::kFinWait1;
      fin_queued_ = true;
      Output(now);
      return;
    case TcpState::kCloseWait:
      state_ = TcpState::kLastAck;
      fin_queued_ = true;
      Output(now);
      return;
    default:
      return;
  }
}

bool Tcb::ResetOnAbort() const {
  switch (state_) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
    case TcpState::kFinWait1:
    case TcpState::kFinWait2:
    case TcpState::kCloseWait:
      return true;
    case TcpState::kClosing:
    case TcpState::kLastAck: {
      const SeqNum write_seq = snd_una_ +
                               static_cast<uint32_t>(snd_queue_.size()) +
                               (fin_queued_ ? 1u : 0u);
      return write_seq != snd_max_;
    }
    default:
      return false;
  }
}

void Tcb::Abort(Time now, bool unread_data) {
  now_ = now;
  const bool synchronized_open =
      state_ != TcpState::kClosed && state_ != TcpState::kListen &&
      state_ != TcpState::kSynSent && state_ != TcpState::kTimeWait;
  if (ResetOnAbort() || (unread_data && synchronized_open)) SendActiveReset();
  EnterClosed();
  rcv_queue_.Clear();
  urg_ = Urgent::kNone;
}

void Tcb::SetOrphan(Time now) {
  // close() has also shut the receive side (sk_shutdown = SHUTDOWN_MASK).
  orphan_ = true;
  rcv_shutdown_ = true;
  if (state_ == TcpState::kFinWait2) close_at_ = now + config_.fin_timeout;
}

void Tcb::SetNoDelay(bool on, Time now) {
  now_ = now;
  config_.nodelay = on;
  if (on) {
    // TCP_NODELAY pushes what Nagle, or a cork, was holding
    // (__tcp_sock_set_nodelay: TCP_NAGLE_PUSH).
    push_once_ = true;
    Output(now);
    push_once_ = false;
  }
}

void Tcb::SetCork(bool on, Time now) {
  now_ = now;
  cork_ = on;
  if (!on) Output(now);  // pulling the cork sends what it held
}

void Tcb::SetKeepAlive(bool on, Time now) {
  const bool was = config_.keepalive;
  config_.keepalive = on;
  if (!on) {
    keepalive_at_ = kNever;
    return;
  }
  // tcp_set_keepalive arms the timer only when the option turns on.
  if (!was && IsSynchronized(state_) && state_ != TcpState::kTimeWait) {
    keepalive_at_ = now + config_.keepalive_idle;
  }
}

// TCP_KEEPIDLE and friends after the block exists (keepalive_time_when /
// tcp_sock_set_keepidle_locked): the timer is re-armed relative to the last
// segment received.
void Tcb::SetKeepAliveTiming(Duration idle, Duration interval, int count,
                             Time now) {
  config_.keepalive_idle = idle;
  config_.keepalive_interval = interval;
  config_.keepalive_count = count;
  if (config_.keepalive && IsSynchronized(state_) &&
      state_ != TcpState::kTimeWait && probes_out_ == 0) {
    const Duration elapsed = now - last_rcv_;
    keepalive_at_ = now + (idle > elapsed ? idle - elapsed : Duration::zero());
  }
}

void Tcb::SetReceiveBuffer(uint32_t bytes) { config_.rcv_buf = bytes; }

size_t Tcb::SendSpace() const {
  const size_t queued = snd_queue_.size();
  return config_.snd_buf > queued ? config_.snd_buf - queued : 0;
}

uint32_t Tcb::rcv_wnd() const {
  // RCV.WND: what is left of the window we advertised. Before the peer's
  // SYN is known, the window our SYN would offer.
  if (state_ == TcpState::kClosed || state_ == TcpState::kListen ||
      state_ == TcpState::kSynSent) {
    return static_cast<uint32_t>(
        std::min<uint64_t>(FreeSpace(), kMaxWindowField));
  }
  const int32_t left = rcv_adv_ - rcv_nxt_;
  return left > 0 ? static_cast<uint32_t>(left) : 0;
}

// --- Timers
// --------------------------------------------------------------------

Time Tcb::PollAt() const {
  return std::min({rtx_at_, probe_at_, keepalive_at_, close_at_, delack_at_});
}

void Tcb::OnTimer(Time now) {
  now_ = now;
  if (delack_at_ <= now) {
    DelackTimer(now);
    if (state_ == TcpState::kClosed) return;
  }
  if (close_at_ <= now) {
    close_at_ = kNever;
    // TIME_WAIT over, or an orphan's FIN_WAIT2 timewait sock expired: gone
    // without a word.
    if (state_ == TcpState::kTimeWait ||
        (state_ == TcpState::kFinWait2 && orphan_)) {
      EnterClosed();
      return;
    }
  }
  if (rtx_at_ <= now) {
    RetransmitTimer(now);
    if (state_ == TcpState::kClosed) return;
  }
  if (probe_at_ <= now) {
    ProbeTimer(now);
    if (state_ == TcpState::kClosed) return;
  }
  if (keepalive_at_ <= now) KeepaliveTimer(now);
}

// tcp_retransmit_timer, and reqsk_timer_handler for a request sock.
void Tcb::RetransmitTimer(Time now) {
  rtx_at_ = kNever;
  if (state_ == TcpState::kClosed || state_ == TcpState::kTimeWait) return;

  if (!syn_acked_ && passive_) {
    // Request sock: SYN-ACK at rto_initial << n, synack_retries times,
    // then dropped silently (the client will see its ACK answered by RST
    // or its SYN retransmission answered afresh).
    if (synack_timeouts_ >= config_.synack_retries) {
      EnterClosed();
      return;
    }
    SendSyn(/*with_ack=*/true);
    rtt_timing_ = false;
    ++synack_timeouts_;
    rtx_at_ =
        now + Backoff(config_.rto_initial, synack_timeouts_, config_.rto_max);
    return;
  }

  if (!syn_acked_) {
    // SYN_SENT, or SYN_RECEIVED after a simultaneous open.
    if (WriteTimeout(now)) {
      error_ = ETIMEDOUT;
      EnterClosed();
      return;
    }
    ++retransmits_;  // tcp_update_rto_stats
    ++total_rto_;
    rtt_timing_ = false;
    SendSyn(/*with_ack=*/state_ != TcpState::kSynSent);
    // Linux >= 6.5: the first syn_linear_timeouts SYN retransmissions keep
    // the initial RTO; after that, and in any other state, it doubles.
    if (state_ != TcpState::kSynSent ||
        total_rto_ > config_.syn_linear_timeouts) {
      rto_ = Doubled(rto_, config_.rto_max);
    }
    rtx_at_ = now + ClampRtoToUserTimeout(now);
    return;
  }

  if (snd_max_ == snd_una_) return;  // nothing in flight
  if (WriteTimeout(now)) {
    GiveUp(now, /*send_reset=*/false);
    return;
  }
  ++retransmits_;
  ++total_rto_;
  // tcp_retransmit_skb: retrans_stamp is the time of the first
  // retransmission; the retries2 budget counts from there.
  if (!retrans_stamp_valid_) {
    retrans_stamp_valid_ = true;
    retrans_stamp_ = now;
  }
  in_recovery_ = false;
  dupacks_ = 0;
  RetransmitHead(now);
  rto_ = Doubled(rto_, config_.rto_max);
  rtx_at_ = now + ClampRtoToUserTimeout(now);
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
    retry_until = config_.syn_retries;
    int max_retransmits = retry_until;
    if (state_ == TcpState::kSynSent) {
      max_retransmits += config_.syn_linear_timeouts;
    }
    expired = retransmits_ >= max_retransmits;
  } else {
    retry_until = config_.retries2;
    if (orphan_) {
      // "alive": the RTO has not yet reached its ceiling.
      retry_until = OrphanRetries(rto_ < config_.rto_max);
    }
  }
  if (!expired) expired = RetransmitsTimedOut(retry_until, now);
  return expired;
}

// retransmits_timed_out: true once the time since retrans_stamp reaches
// the user timeout, or else the time the boundary would take with an RTO
// starting at rto_base and doubling up to rto_max (tcp_model_timeout).
bool Tcb::RetransmitsTimedOut(int boundary, Time now) const {
  if (retransmits_ == 0 || !retrans_stamp_valid_) return false;
  Duration timeout = config_.user_timeout;
  if (timeout == Duration::zero()) {
    timeout =
        ModelTimeout(boundary, syn_acked_ ? kLinuxRtoMin : config_.rto_initial);
  }
  return now - retrans_stamp_ >= timeout;
}

// tcp_model_timeout: retries2 = 15 with a 200 ms base gives
// (2^10 - 1) * 0.2 s + 6 * 120 s = 924.6 s.
Duration Tcb::ModelTimeout(int boundary, Duration rto_base) const {
  if (rto_base <= Duration::zero()) return Duration::zero();
  int thresh = 0;  // ilog2(rto_max / rto_base)
  for (int64_t ratio = config_.rto_max / rto_base; ratio > 1; ratio >>= 1) {
    ++thresh;
  }
  if (boundary <= thresh) {
    return ((int64_t{2} << boundary) - 1) * rto_base;
  }
  return ((int64_t{2} << thresh) - 1) * rto_base +
         (boundary - thresh) * config_.rto_max;
}

// tcp_clamp_rto_to_user_timeout: never sleep past TCP_USER_TIMEOUT.
Duration Tcb::ClampRtoToUserTimeout(Time now) const {
  if (config_.user_timeout == Duration::zero() || !retrans_stamp_valid_) {
    return rto_;
  }
  const Duration remaining = config_.user_timeout - (now - retrans_stamp_);
  if (remaining <= Duration::zero()) return milliseconds(1);  // one jiffy
  return std::min(rto_, remaining);
}

int Tcb::OrphanRetries(bool alive) const {
  // tcp_orphan_retries: 0 means 8 while the peer looks alive.
  int retries = config_.orphan_retries;
  if (retries == 0 && alive) retries = 8;
  return retries;
}

// tcp_probe0_when: max(RTO, rto_min) doubled per unanswered probe, capped.
Duration Tcb::ProbeWhen() const {
  return Backoff(std::max(rto_, config_.rto_min), probe_backoff_,
                 config_.rto_max);
}

// tcp_probe_timer + tcp_send_probe0.
void Tcb::ProbeTimer(Time now) {
  probe_at_ = kNever;
  if (!CanSendData() || snd_max_ != snd_una_ || !HasUnsent()) {
    probes_out_ = 0;
    probe_backoff_ = 0;
    probes_start_valid_ = false;
    return;
  }
  // RFC 1122 §4.2.2.17: stay open as long as probes are answered (every
  // ACK zeroes probes_out_); give up after retries2 unanswered probes, or
  // by TCP_USER_TIMEOUT, or sooner for an orphan.
  const Duration ut = config_.user_timeout;
  if (!probes_start_valid_) {
    probes_start_valid_ = true;
    probes_start_ = now;
  } else if (ut > Duration::zero() && now - probes_start_ >= ut) {
    GiveUp(now, /*send_reset=*/false);
    return;
  }
  int max_probes = config_.retries2;
  if (orphan_) {
    // inet_csk_rto_backoff(icsk, TCP_RTO_MAX) < TCP_RTO_MAX.
    const bool alive =
        Backoff(rto_, probe_backoff_, config_.rto_max) < config_.rto_max;
    max_probes = OrphanRetries(alive);
    if (!alive && probe_backoff_ >= max_probes) {
      GiveUp(now, /*send_reset=*/false);
      return;
    }
  }
  if (probes_out_ >= max_probes) {
    GiveUp(now, /*send_reset=*/false);
    return;
  }
  // tcp_write_wakeup: if the window has any room, the probe is real data.
  if (snd_wnd_ > 0) {
    TransmitAt(snd_nxt_, std::min<size_t>(snd_wnd_, EffectiveMss()),
               /*allow_fin=*/true, now);
    probes_out_ = 0;
    probe_backoff_ = 0;
    probes_start_valid_ = false;
    return;
  }
  // tcp_xmit_probe_skb: an ACK one byte behind SND.UNA, which the peer must
  // answer with its current window.
  Emit(MakeSegment(kAck, snd_una_ - 1));
  ++probes_out_;
  if (probe_backoff_ < config_.retries2) ++probe_backoff_;
  Duration when = ProbeWhen();
  if (ut > Duration::zero()) {  // tcp_clamp_probe0_to_user_timeout
    const Duration remaining = ut - (now - probes_start_);
    when = remaining <= Duration::zero() ? milliseconds(2)
                                         : std::min(when, remaining);
  }
  probe_at_ = now + when;
}

// tcp_keepalive_timer.
void Tcb::KeepaliveTimer(Time now) {
  keepalive_at_ = kNever;
  if (!config_.keepalive || !IsSynchronized(state_) ||
      state_ == TcpState::kTimeWait) {
    return;
  }
  const Duration idle = config_.keepalive_idle;
  // "It is alive without keepalive": data or FIN in flight or queued.
  if (snd_max_ != snd_una_ || !snd_queue_.empty() ||
      (fin_queued_ && !fin_sent_)) {
    keepalive_at_ = now + idle;
    return;
  }
  const Duration elapsed = now - last_rcv_;
  if (elapsed < idle) {
    keepalive_at_ = now + (idle - elapsed);
    return;
  }
  const Duration ut = config_.user_timeout;
  if ((ut > Duration::zero() && elapsed >= ut && probes_out_ > 0) ||
      (ut == Duration::zero() && probes_out_ >= config_.keepalive_count)) {
    GiveUp(now, /*send_reset=*/true);
    return;
  }
  Emit(MakeSegment(kAck, snd_una_ - 1));  // same probe as tcp_xmit_probe_skb
  ++probes_out_;
  keepalive_at_ = now + config_.keepalive_interval;
}

// tcp_write_err / tcp_done: the connection dies with ETIMEDOUT. Only the
// keepalive timer tells the peer (tcp_keepalive_timer sends a RST before
// tcp_write_err); retransmission and probe give-ups send nothing.
void Tcb::GiveUp(Time /*now*/, bool send_reset) {
  if (send_reset && IsSynchronized(state_) && state_ != TcpState::kTimeWait) {
    SendActiveReset();
  }
  error_ = ETIMEDOUT;
  EnterClosed();
}

// --- Output
// --------------------------------------------------------------------

std::vector<Segment> Tcb::TakeOutput() {
  std::vector<Segment> out;
  out.swap(outbox_);
  return out;
}

Segment Tcb::MakeSegment(uint8_t flags, SeqNum seq) {
  Segment s;
  s.src_port = config_.local_port;
  s.dst_port = config_.remote_port;
  s.seq = seq;
  s.flags = flags;
  if (flags & kAck) s.ack = rcv_nxt_;
  s.window = (flags & kSyn) ? syn_window_ : WindowField();
  // tcp_transmit_skb: every segment that starts before the urgent pointer
  // carries it, if it fits the 16-bit field.
  if (urg_mode_ && !(flags & kSyn) && seq < snd_up_ &&
      snd_up_ - seq <= 0xFFFF) {
    s.flags |= kUrg;
    s.urg_ptr = static_cast<uint16_t>(snd_up_ - seq);
  }
  return s;
}

void Tcb::Emit(Segment seg) {
  if (seg.Has(kAck)) {
    // tcp_event_ack_sent: every segment carries the ACK; one scheduled
    // is now sent, a quickack is used up, the delayed-ACK timer stops.
    if (quick_ > 0 && (ack_pending_ & kAckSched)) {
      if (--quick_ == 0) ato_ = kAtoMin;
    }
    ack_pending_ = 0;
    delack_at_ = kNever;
  }
  if (!seg.payload.empty() && now_ - lrcvtime_ < ato_) {
    // tcp_event_data_sent: data sent within the ATO of the last data
    // received is a reply: the session is interactive.
    if (pingpong_ < 255) ++pingpong_;
  }
  outbox_.push_back(std::move(seg));
}

void Tcb::SendAck() { Emit(MakeSegment(kAck, AcceptableSeq())); }

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
  s.mss = config_.mss;
  if (!with_ack) {
    s.wscale = std::min(config_.rcv_wscale, kMaxWscale);
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

// tcp_write_xmit: send what the window and Nagle allow, then see whether the
// persist timer is needed.
void Tcb::Output(Time now) {
  if (!CanSendData()) return;
  while (SendOneSegment(now)) {
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
    // tcp_snd_wnd_test: the segment must fit the window whole.
    const int64_t usable =
        static_cast<int64_t>((snd_una_ + snd_wnd_) - snd_nxt_);
    if (static_cast<int64_t>(len) > usable) return false;
    // Nagle (RFC 1122 §4.2.3.4) in Minshall's form (tcp_nagle_check,
    // tcp_minshall_check): hold a sub-MSS segment while an earlier sub-MSS
    // segment is unacknowledged. Closing turns Nagle off (tcp_send_fin
    // pushes with TCP_NAGLE_OFF). Urgent mode overrides both Nagle and the
    // cork (tcp_nagle_test).
    const bool small_in_flight =
        snd_nxt_ != snd_una_ && snd_sml_ > snd_una_ && snd_sml_ <= snd_nxt_;
    if (len < EffectiveMss() && !config_.nodelay && !fin_queued_ &&
        !urg_mode_ && small_in_flight) {
      return false;
    }
    // TCP_CORK: no partial segment at all until the cork is pulled (or a
    // push: TCP_NODELAY, the FIN).
    if (len < EffectiveMss() && (cork_ || more_) && !push_once_ &&
        !fin_queued_ && !urg_mode_) {
      return false;
    }
  }
  TransmitAt(snd_nxt_, len, /*allow_fin=*/true, now);
  return true;
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
  s.payload.resize(len);
  if (len > 0) snd_queue_.Peek(offset, s.payload.data(), len);
  // tcp_minshall_update.
  if (len < EffectiveMss())
    snd_sml_ = seq + static_cast<uint32_t>(len) + (fin ? 1u : 0u);
  Emit(std::move(s));

  const SeqNum end = seq + static_cast<uint32_t>(len) + (fin ? 1 : 0);
  if (fin) {
    fin_sent_ = true;
    fin_seq_ = seq + static_cast<uint32_t>(len);
  }
  if (seq < snd_max_) {
    rtt_timing_ = false;  // Karn: no RTT sample across a retransmission
  } else if (!rtt_timing_ && end != seq) {
    rtt_timing_ = true;
    rtt_seq_ = end;
    rtt_start_ = now;
  }
  if (end > snd_nxt_) snd_nxt_ = end;
  if (end > snd_max_) snd_max_ = end;
  if (rtx_at_ == kNever && end != seq) rtx_at_ = now + rto_;
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
    probe_at_ = kNever;
    probe_backoff_ = 0;
    probes_start_valid_ = false;
    return;
  }
  if (probe_at_ == kNever) probe_at_ = now + ProbeWhen();
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

uint64_t Tcb::FreeSpace() const {
  const uint64_t used = rcv_queue_.size() + ooo_bytes_;
  return config_.rcv_buf > used ? config_.rcv_buf - used : 0;
}

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

// --- State changes
// -------------------------------------------------------------

void Tcb::EnterEstablished(Time now) {
  state_ = TcpState::kEstablished;
  InitRcvMss();
  if (config_.keepalive) keepalive_at_ = now + config_.keepalive_idle;
}

void Tcb::EnterTimeWait(Time now) {
  state_ = TcpState::kTimeWait;
  CancelTimers();
  snd_queue_.Clear();
  close_at_ = now + config_.time_wait;
}

// CLOSED: timers stop and unsent data is dropped; data already received
// stays readable (tcp_done does not purge the receive queue).
void Tcb::EnterClosed() {
  state_ = TcpState::kClosed;
  CancelTimers();
  snd_queue_.Clear();
  out_of_order_.clear();
  ooo_bytes_ = 0;
  ooo_fin_valid_ = false;
}

void Tcb::CancelTimers() {
  delack_at_ = kNever;
  ack_pending_ = 0;
  rtx_at_ = kNever;
  probe_at_ = kNever;
  keepalive_at_ = kNever;
  close_at_ = kNever;
}

// RFC 6298 §2.2 / 2.3.
void Tcb::RttSample(Duration r) {
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
Duration Tcb::ComputedRto() const {
  if (!have_srtt_) return config_.rto_initial;
  const Duration rto = srtt_ + std::max(4 * rttvar_, config_.rto_min);
  return std::min(rto, config_.rto_max);
}

}  // namespace simsock::sim::tcp
