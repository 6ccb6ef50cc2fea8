// Tcb: construction, opening, the user calls and state changes (see tcb.h
// for the contract of every public call, and for where the rest lives).
//
// Reading list: RFC 9293 §3.10.1-§3.10.6 (OPEN, SEND, RECEIVE, CLOSE,
// ABORT, STATUS), in that order here; tcp_connect, tcp_sendmsg,
// tcp_recvmsg_locked, tcp_cleanup_rbuf, tcp_close, tcp_disconnect,
// tcp_done (tcp.c, tcp_output.c); Linux's socket options that reach the
// block (do_tcp_setsockopt).
//
// Design notes (the choices tcb.h leaves to the implementation):
// - Our sequence space is [iss] SYN, then the data, then the FIN.
//   snd_queue_ holds the data from the first unacknowledged byte.
// - A FIN rides on the data segment that empties the send queue; when no
//   data is left it goes alone (tcb_output.cc).
// - Sender-side SWS avoidance, Nagle and the cork: tcb_output.cc.
// - RTT is measured on one segment at a time with Karn's rule (no
//   timestamps): rtt_estimator.h.
// - Retransmission and zero-window-probe give-ups die silently with
//   ETIMEDOUT (tcp_write_err); keepalive give-up sends a RST first, as
//   tcp_keepalive_timer does (tcb_timers.cc).
//
// Threading: none.
#include "simsock/sim/tcp/tcb.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <tuple>
#include <utility>

namespace simsock::sim::tcp {
namespace {

void CheckOrDie(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "simsock: Tcb invariant broken: %s\n", what);
    std::abort();
  }
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

bool SameSharedConfig(const TcbConfig& a, const TcbConfig& b) {
  auto shared = [](const TcbConfig& c) {
    return std::tie(c.syn_retries, c.syn_linear_timeouts, c.synack_retries,
                    c.retries2, c.orphan_retries, c.rto_initial, c.rto_min,
                    c.rto_max, c.time_wait, c.fin_timeout, c.user_timeout,
                    c.keepalive_idle, c.keepalive_interval, c.keepalive_count,
                    c.interactive, c.congestion, c.slow_start_after_idle,
                    c.invalid_ratelimit, c.hz);
  };
  return shared(a) == shared(b);
}

Tcb::ConnParams Tcb::ParamsOf(const TcbConfig& config) {
  return {config.rcv_buf,     config.snd_buf,   config.local_port,
          config.remote_port, config.mss,       config.rcv_wscale,
          config.nodelay,     config.keepalive, config.oob_inline};
}

Tcb::Tcb(const TcbConfig& config)
    : Tcb(std::make_shared<const TcbConfig>(config), ParamsOf(config)) {}

Tcb::Tcb(const TcbConfig& config, std::shared_ptr<const TcbConfig>* shared)
    : Tcb((*shared != nullptr && SameSharedConfig(**shared, config))
              ? *shared
              : (*shared = std::make_shared<const TcbConfig>(config)),
          ParamsOf(config)) {}

Tcb::Tcb(std::shared_ptr<const TcbConfig> config, const ConnParams& conn)
    : config_(std::move(config)),
      conn_(conn),
      rtt_(config_->rto_initial),
      delayed_ack_(config_->interactive) {
  if (config_->congestion == "reno") cc_.emplace<Reno>();
}

TcbConfig& Tcb::MutableConfig() {
  auto own = std::make_shared<TcbConfig>(*config_);
  TcbConfig& c = *own;
  config_ = std::move(own);
  return c;
}

TcbConfig Tcb::config() const {
  TcbConfig c = *config_;
  c.rcv_buf = conn_.rcv_buf;
  c.snd_buf = conn_.snd_buf;
  c.local_port = conn_.local_port;
  c.remote_port = conn_.remote_port;
  c.mss = conn_.mss;
  c.rcv_wscale = conn_.rcv_wscale;
  c.nodelay = conn_.nodelay;
  c.keepalive = conn_.keepalive;
  c.oob_inline = conn_.oob_inline;
  return c;
}

// --- OPEN (RFC 9293 §3.10.1)
// ---------------------------------------------------

// tcp_connect.
void Tcb::Connect(SeqNum iss, Time now) {
  CheckOrDie(state_ == TcpState::kClosed, "Connect on a block not CLOSED");
  *this = Tcb(config_, conn_);  // a fresh connection: nothing carries over
  now_ = now;
  iss_ = iss;
  snd_una_ = iss;
  snd_nxt_ = iss + 1;
  snd_max_ = iss + 1;
  cwnd_usage_seq_ = snd_max_;
  state_ = TcpState::kSynSent;
  SendSyn(/*with_ack=*/false);
  // tcp_connect stamps retrans_stamp with the first SYN: the SYN give-up
  // budget counts from here.
  timers_.StampRetransmit(now);
  rtt_.StartTiming(iss + 1, now);
  timers_.Arm(TcpTimer::kRetransmit, now + rtt_.rto());
}

// A listener's request sock (tcp_openreq_init, tcp_v4_send_synack).
void Tcb::AcceptSyn(const Segment& syn, SeqNum iss, Time now) {
  CheckOrDie(state_ == TcpState::kClosed, "AcceptSyn on a block not CLOSED");
  *this = Tcb(config_, conn_);
  now_ = now;
  passive_ = true;
  irs_ = syn.seq;
  rcv_nxt_ = irs_ + 1;
  rcv_adv_ = rcv_nxt_;
  iss_ = iss;
  snd_una_ = iss;
  snd_nxt_ = iss + 1;
  snd_max_ = iss + 1;
  cwnd_usage_seq_ = snd_max_;
  snd_mss_ = std::min(syn.mss.value_or(kDefaultMss), conn_.mss);
  // RFC 7323 §1.3: scaling is on only if both SYNs carry the option; our
  // SYN-ACK carries it only if the peer's SYN did.
  wscale_ok_ = syn.wscale.has_value();
  snd_wscale_ = wscale_ok_ ? std::min(*syn.wscale, kMaxWscale) : 0;
  rcv_wscale_ = wscale_ok_ ? std::min(conn_.rcv_wscale, kMaxWscale) : 0;
  snd_wnd_ = syn.window;  // never scaled in a SYN
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = syn.seq;
  last_rcv_ = now;
  state_ = TcpState::kSynReceived;
  SendSyn(/*with_ack=*/true);
  rtt_.StartTiming(iss + 1, now);
  timers_.Arm(TcpTimer::kRetransmit, now + config_->rto_initial);
}

// --- SEND (RFC 9293 §3.10.2)
// ---------------------------------------------------

size_t Tcb::Send(const IoSpan& data, Time now, bool urgent, bool more) {
  now_ = now;
  if (state_ != TcpState::kEstablished && state_ != TcpState::kCloseWait) {
    return 0;
  }
  const size_t n = std::min(data.size(), SendSpace());
  // A write that starts a new segment (tcp_skb_entail) first checks for
  // an idle restart.
  if (n > 0 && !HasUnsent()) SlowStartAfterIdleCheck(now);
  // The buffers in turn, as tcp_sendmsg_locked's copy walks the iov_iter.
  data.ForEachChunk(
      n, [this](const uint8_t* p, size_t len) { snd_queue_.Append(p, len); });
  if (urgent && n > 0) {
    // tcp_mark_urg: snd_up = write_seq, one past the last byte queued.
    urgent_snd_.Mark(snd_una_ + static_cast<uint32_t>(snd_queue_.size()));
  }
  more_ = more;  // tcp_push with TCP_NAGLE_CORK for this call
  Output(now);
  more_ = false;
  return n;
}

size_t Tcb::SendSpace() const {
  const size_t queued = snd_queue_.size();
  return conn_.snd_buf > queued ? conn_.snd_buf - queued : 0;
}

// --- RECEIVE (RFC 9293 §3.10.3)
// ------------------------------------------------

size_t Tcb::Recv(uint8_t* out, size_t len, bool peek, Time now, size_t skip) {
  now_ = now;
  // tcp_recvmsg_locked's walk: stop at the urgent mark once something is
  // copied; at the mark, step over the urgent byte unless it is in line.
  const size_t avail = rcv_queue_.size();
  const bool marked = urgent_rcv_.any();
  const uint64_t mark = urgent_rcv_.offset();
  if (!peek) skip = 0;
  if (skip >= avail) return 0;
  uint64_t pos = CopiedOffset() + skip;
  size_t at = skip;   // queue index
  size_t copied = 0;  // bytes given to the caller
  while (copied < len && at < avail) {
    if (marked && pos == mark) {
      if (copied > 0) break;
      if (!conn_.oob_inline) {
        ++at;
        ++pos;
        continue;
      }
    }
    size_t n = std::min(len - copied, avail - at);
    if (marked && mark > pos && mark - pos < n)
      n = static_cast<size_t>(mark - pos);
    if (out != nullptr) rcv_queue_.Peek(at, out + copied, n);
    copied += n;
    at += n;
    pos += n;
  }
  if (peek || at == 0) return copied;
  const uint64_t old_wnd = rcv_wnd();
  rcv_queue_.Consume(at);
  // Past the urgent byte: the mark is gone (MSG_OOB is EINVAL again).
  if (marked && CopiedOffset() > mark) urgent_rcv_.Clear();
  CleanupRbuf(at, old_wnd);
  return copied;
}

// tcp_cleanup_rbuf: a read may send the ACK the delayed-ACK engine held
// (a full segment unacknowledged, or a read that emptied the buffer of
// small pushed segments in a non-interactive session), or a window update.
void Tcb::CleanupRbuf(size_t copied, uint64_t old_wnd) {
  const bool drained = rcv_queue_.empty() && reassembly_.empty();
  bool time_to_ack = delayed_ack_.ReadWantsAck(
      copied, drained, static_cast<uint32_t>(rcv_nxt_ - rcv_wup_));
  // Receiver SWS avoidance (RFC 1122 §4.2.3.3, tcp_cleanup_rbuf): announce
  // the freed space only once it is worth a segment.
  const bool can_receive =
      (state_ == TcpState::kEstablished || state_ == TcpState::kFinWait1 ||
       state_ == TcpState::kFinWait2) &&
      !fin_received_;
  if (can_receive) {
    const uint64_t new_wnd = SelectableWindow();
    const uint64_t threshold = std::min<uint64_t>(conn_.rcv_buf / 2, snd_mss_);
    if (old_wnd < threshold && new_wnd >= old_wnd + threshold)
      time_to_ack = true;
  }
  if (time_to_ack && state_ != TcpState::kClosed) SendAck();
}

size_t Tcb::ReadableBytes() const {
  size_t n = rcv_queue_.size();
  if (n > 0 && !conn_.oob_inline && urgent_rcv_.At(CopiedOffset())) --n;
  return n;
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

// --- CLOSE and ABORT (RFC 9293 §3.10.4, §3.10.5)
// --------------------------------

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
  urgent_rcv_.Clear();
}

void Tcb::SetOrphan(Time now) {
  // close() has also shut the receive side (sk_shutdown = SHUTDOWN_MASK).
  orphan_ = true;
  rcv_shutdown_ = true;
  if (state_ == TcpState::kFinWait2) {
    timers_.Arm(TcpTimer::kClose, now + config_->fin_timeout);
  }
}

// --- Options (do_tcp_setsockopt, sock_setsockopt)
// --------------------------------

void Tcb::SetNoDelay(bool on, Time now) {
  now_ = now;
  conn_.nodelay = on;
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
  const bool was = conn_.keepalive;
  conn_.keepalive = on;
  if (!on) {
    timers_.Cancel(TcpTimer::kKeepalive);
    return;
  }
  // tcp_set_keepalive arms the timer only when the option turns on.
  if (!was && IsSynchronized(state_) && state_ != TcpState::kTimeWait) {
    timers_.Arm(TcpTimer::kKeepalive, now + config_->keepalive_idle);
  }
}

// TCP_KEEPIDLE and friends after the block exists (keepalive_time_when /
// tcp_sock_set_keepidle_locked): the timer is re-armed relative to the last
// segment received.
void Tcb::SetKeepAliveTiming(Duration idle, Duration interval, int count,
                             Time now) {
  if (config_->keepalive_idle != idle ||
      config_->keepalive_interval != interval ||
      config_->keepalive_count != count) {
    TcbConfig& c = MutableConfig();
    c.keepalive_idle = idle;
    c.keepalive_interval = interval;
    c.keepalive_count = count;
  }
  if (conn_.keepalive && IsSynchronized(state_) &&
      state_ != TcpState::kTimeWait && timers_.probes_out() == 0) {
    const Duration elapsed = now - last_rcv_;
    timers_.Arm(TcpTimer::kKeepalive,
                now + (idle > elapsed ? idle - elapsed : Duration::zero()));
  }
}

void Tcb::SetReceiveBuffer(uint32_t bytes) { conn_.rcv_buf = bytes; }

void Tcb::SetUserTimeout(Duration timeout) {
  if (config_->user_timeout != timeout) MutableConfig().user_timeout = timeout;
}

void Tcb::SetFinTimeout(Duration timeout) {
  if (config_->fin_timeout != timeout) MutableConfig().fin_timeout = timeout;
}

// __tcp_sock_set_quickack.
void Tcb::SetQuickAck(int val, Time now) {
  now_ = now;
  if (val == 0) {
    delayed_ack_.EnterPingpong();
    return;
  }
  delayed_ack_.LeavePingpong();
  if ((state_ == TcpState::kEstablished || state_ == TcpState::kCloseWait) &&
      delayed_ack_.scheduled()) {
    delayed_ack_.MarkPushed();
    CleanupRbuf(1, rcv_wnd());
    if ((val & 1) == 0) delayed_ack_.EnterPingpong();
  }
}

// --- State changes
// ------------------------------------------------------------

void Tcb::EnterEstablished(Time now) {
  state_ = TcpState::kEstablished;
  // tcp_create_openreq_child: the child socket starts with no out-of-window
  // ACK on record (its request sock kept its own).
  if (passive_) last_oow_ack_time_ = 0;
  delayed_ack_.InitRcvMss(conn_.mss, snd_mss_, last_adv_wnd_);
  if (conn_.keepalive) {
    timers_.Arm(TcpTimer::kKeepalive, now + config_->keepalive_idle);
  }
}

// tcp_time_wait.
void Tcb::EnterTimeWait(Time now) {
  state_ = TcpState::kTimeWait;
  last_oow_ack_time_ = 0;  // tcp_time_wait: tw_last_oow_ack_time
  CancelTimers();
  snd_queue_.Clear();
  timers_.Arm(TcpTimer::kClose, now + config_->time_wait);
}

// tcp_done. CLOSED: timers stop and unsent data is dropped; data already
// received stays readable (tcp_done does not purge the receive queue).
void Tcb::EnterClosed() {
  state_ = TcpState::kClosed;
  CancelTimers();
  snd_queue_.Clear();
  reassembly_.Clear();
}

void Tcb::CancelTimers() {
  delayed_ack_.Cancel();
  timers_.CancelAll();
}

}  // namespace simsock::sim::tcp
