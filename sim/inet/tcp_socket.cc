#include "simsock/sim/inet/tcp_socket.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "simsock/sim/base/check.h"
#include "simsock/sim/base/random.h"
#include "simsock/sim/inet/inet_stack.h"
#include "simsock/sim/inet/tcp_listener.h"
#include "simsock/sim/inet/tcp_time_wait.h"

namespace simsock::sim {

using tcp::Segment;
using tcp::TcpState;

namespace {

// Linux's sndbuf autotuning at the end of the handshake
// (tcp_sndbuf_expand): room for about twice the initial congestion window
// of full segments with their skb overhead, capped at tcp_wmem[2]. On
// loopback's 64 KiB MSS this is the cap, 4 MiB, as observed.
int AutotunedSndBuf(int mss, int cap) {
  int64_t per_mss = 1;
  while (per_mss < mss + 320) per_mss *= 2;
  int64_t v = 2 * 10 * 2 * per_mss;
  return static_cast<int>(std::min<int64_t>(v, cap));
}

bool HasState(TcpState s, std::initializer_list<TcpState> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

}  // namespace

TcpSocket::TcpSocket(InetStack& stack) : Socket(stack, SOCK_STREAM) {}

TcpSocket::~TcpSocket() {
  stack_.env().Cancel(timer_);
  if (held_port_ != 0) stack_.tcp_ports().Remove(*this, held_port_);
}

Time TcpSocket::Now() const { return stack_.env().Now(); }

std::shared_ptr<TcpSocket> TcpSocket::Self() {
  return std::static_pointer_cast<TcpSocket>(shared_from_this());
}

TcpState TcpSocket::ConnState() const {
  if (listener_) return TcpState::kListen;
  return tcb_ ? tcb_->state() : TcpState::kClosed;
}

TcpState TcpSocket::FdState() const {
  TcpState s = ConnState();
  return s == TcpState::kTimeWait ? TcpState::kClosed : s;
}

// --- Ports
// ---------------------------------------------------------------------

void TcpSocket::HoldPort(uint16_t port, bool connect_bound) {
  SIM_CHECK(held_port_ == 0);
  local_.port = port;
  connect_bound_ = connect_bound;
  stack_.tcp_ports().Add(*this, port);
  held_port_ = port;
}

void TcpSocket::ReleasePort() {
  if (held_port_ == 0) return;
  stack_.tcp_ports().Remove(*this, held_port_);
  held_port_ = 0;
  connect_bound_ = false;
}

// inet_bind / __inet_bind.
int TcpSocket::Bind(const sockaddr_storage& addr, socklen_t len) {
  Endpoint ep;
  if (int e = CheckBindAddress(addr, len, &ep)) return e;
  // The simulator runs every process as root: CAP_NET_BIND_SERVICE holds.
  if (held_port_ != 0 || FdState() != TcpState::kClosed || listener_)
    return -EINVAL;
  const HostSettings& s = stack_.settings();
  uint16_t port = ep.port;
  local_.ip = ep.ip;
  if (port == 0) {
    port = stack_.tcp_ports().PickForBind(*this, ep.ip, s.port_range_lo,
                                          s.port_range_hi,
                                          stack_.env().Rng("port.ephemeral"));
    if (port == 0) {
      local_.ip = 0;
      return -EADDRINUSE;
    }
  } else if (!stack_.tcp_ports().CanBind(*this, ep.ip, port)) {
    local_.ip = 0;
    return -EADDRINUSE;
  }
  addr_user_locked_ = ep.ip != 0;
  port_user_locked_ = ep.port != 0;
  HoldPort(port, /*connect_bound=*/false);
  return 0;
}

// inet_listen / inet_csk_listen_start.
int TcpSocket::Listen(int backlog) {
  if (sock_state_ != SockState::kUnconnected) return -EINVAL;
  TcpState st = ConnState();
  if (st != TcpState::kClosed && st != TcpState::kListen) return -EINVAL;
  const HostSettings& s = stack_.settings();
  int capped =
      static_cast<unsigned>(backlog) > static_cast<unsigned>(s.somaxconn)
          ? s.somaxconn
          : backlog;
  if (listener_) {
    listener_->set_backlog(capped);  // a second listen() changes the backlog
    return 0;
  }
  if (tcb_ && tcb_->state() == TcpState::kTimeWait) return -EINVAL;
  // The kernel we record on (docs/semantics.md, "sticky roles") never lets
  // a socket that has been one end of a connection listen, however it was
  // disconnected; mainline looks only at the states checked above.
  // inet_csk_listen_start -> inet_csk_delack_init clears icsk_ack before
  // the port is checked, so a TCP_QUICKACK 0 set before listen() reads 1
  // again, even if listen() then fails.
  topts_.quickack = true;
  if (was_connection_ && s.tcp_sticky_roles) {
    // Measured: the refusal comes after the port was taken. A socket that
    // holds none is left bound to a new ephemeral port (another bind() of
    // it is EADDRINUSE, its own bind() EINVAL, connects to it are refused,
    // as it does not listen) until connect(AF_UNSPEC) or a failed connect
    // releases it; it may still connect from it.
    if (held_port_ == 0) {
      uint16_t port = stack_.tcp_ports().PickForBind(
          *this, local_.ip, s.port_range_lo, s.port_range_hi,
          stack_.env().Rng("port.ephemeral"));
      if (port == 0) return -EADDRINUSE;
      HoldPort(port, /*connect_bound=*/false);
    }
    return -EINVAL;
  }
  // Re-check the port as a listener: two SO_REUSEADDR sockets may share a
  // port, but only one may listen on it (the holders' listening decides,
  // see PortTable::CanBind).
  if (held_port_ != 0) {
    if (!stack_.tcp_ports().CanBind(*this, local_.ip, held_port_))
      return -EADDRINUSE;
  } else {
    uint16_t port = stack_.tcp_ports().PickForBind(
        *this, local_.ip, s.port_range_lo, s.port_range_hi,
        stack_.env().Rng("port.ephemeral"));
    if (port == 0) return -EADDRINUSE;
    HoldPort(port, /*connect_bound=*/false);
  }
  connect_bound_ = false;
  was_listener_ = true;
  tcb_.reset();
  // Linux keeps sk_shutdown across listen(), and sk_clone_lock copies it to
  // every child: shutdown() on the socket before it listened (ENOTCONN,
  // but the flags are set) shuts each accepted connection the same way.
  listener_ = std::make_unique<TcpListener>(*this, capped, shutdown_);
  // The port table learns that this holder listens, and no longer holds
  // its port by connect().
  stack_.tcp_ports().Update(*this, held_port_);
  shutdown_ = 0;
  done_ = false;
  return 0;
}

// inet_accept / inet_csk_accept.
int TcpSocket::Accept(std::shared_ptr<Socket>* child) {
  if (!listener_) return -EINVAL;
  std::shared_ptr<TcpSocket> c = listener_->PopAccepted();
  if (!c) return -EAGAIN;
  *child = c;
  return 0;
}

void TcpSocket::StopListening() {
  std::unique_ptr<TcpListener> listener = std::move(listener_);
  listener->Stop();
  // An autobound listener gives its port back (tcp_set_state(TCP_CLOSE)).
  if (!port_user_locked_) ReleasePort();
}

// --- Data
// ------------------------------------------------------------------------

// tcp_recvmsg_locked.
ssize_t TcpSocket::Recv(uint8_t* buf, size_t len, int flags, bool /*is_read*/,
                        size_t peek_skip, Endpoint* /*from*/, bool* has_from) {
  *has_from = false;
  if (listener_) return -ENOTCONN;
  if (flags & MSG_OOB) return RecvUrgent(buf, len, flags);
  size_t avail = tcb_ ? tcb_->RecvAvailable() : 0;
  const bool peek = (flags & MSG_PEEK) != 0;
  // tcp_recvmsg_locked: a peek starts at copied_seq + max(sk_peek_off, 0);
  // an offset at or past the queued bytes finds nothing (then the end of
  // the stream, an error or EAGAIN, as with an empty queue).
  size_t skip = 0;
  if (peek) {
    skip = static_cast<size_t>(std::max(opts_.peek_off, 0)) + peek_skip;
  }
  if (avail > skip && len > 0) {
    bool discard = (flags & MSG_TRUNC) != 0;
    size_t n = tcb_->Recv(discard ? nullptr : buf, len, peek, Now(), skip);
    // sk_peek_offset_fwd after a peek, sk_peek_offset_bwd after a read.
    PeekOffsetMove(peek ? static_cast<int64_t>(n) : -static_cast<int64_t>(n));
    last_readable_ = tcb_->RecvAvailable();
    AfterTcb();
    // 0: only the urgent byte was there, and it was stepped over (or
    // peeked over); then as if nothing were queued.
    if (n > 0) return static_cast<ssize_t>(n);
  } else if (avail > skip) {
    return 0;  // recv(len 0) with data queued
  }
  if (done_) return 0;
  if (error_ != 0) return -TakeError();
  if (shutdown_ & kRcvShutdown) return 0;
  if (FdState() == TcpState::kClosed) return -ENOTCONN;
  return -EAGAIN;
}

int TcpSocket::RecvInqHint() const {
  if (!topts_.inq) return -1;
  // The receive queue holds every in-order byte not yet read, the urgent
  // byte included until a read steps over it (as in rcv_nxt - copied_seq);
  // the FIN takes one sequence number until the read that finds it.
  size_t inq = tcb_ ? tcb_->RecvAvailable() : 0;
  if (tcb_ && tcb_->fin_received()) ++inq;
  if (inq == 0 && done_) inq = 1;
  return static_cast<int>(std::min<size_t>(inq, INT_MAX));
}

// tcp_recv_urg: the urgent byte, once; never blocks.
ssize_t TcpSocket::RecvUrgent(uint8_t* buf, size_t len, int flags) {
  if (opts_.oobinline || !tcb_ || !tcb_->urgent_any() || tcb_->urgent_read())
    return -EINVAL;
  if (FdState() == TcpState::kClosed && !done_) return -ENOTCONN;
  if (tcb_->urgent_valid()) {
    const uint8_t c = tcb_->urgent_byte();
    if (!(flags & MSG_PEEK)) tcb_->MarkUrgentRead();
    // msg_flags: MSG_OOB for the byte, and MSG_TRUNC if it had no room.
    recv_msg_flags_ |= MSG_OOB;
    if (len == 0) {
      recv_msg_flags_ |= MSG_TRUNC;
      return 0;
    }
    if (!(flags & MSG_TRUNC)) buf[0] = c;
    return 1;
  }
  if (FdState() == TcpState::kClosed || (shutdown_ & kRcvShutdown)) return 0;
  return -EAGAIN;  // the mark is known, the byte has not arrived
}

// tcp_epollin_ready: something is queued, and either `target` bytes, or
// the window we can still offer is down to one segment (the sender cannot
// add much more; tcp_rmem_pressure, the other escape, is not modelled).
bool TcpSocket::EpollinReady(size_t target) const {
  if (!tcb_) return false;
  size_t avail = tcb_->RecvAvailable();
  if (avail == 0) return false;
  return avail >= target || tcb_->rcv_wnd() <= tcb_->rcv_mss();
}

bool TcpSocket::Writeable() const {
  // sk_stream_is_writeable: free space >= half the queued bytes.
  if (!tcb_) return true;
  size_t queued = tcb_->SendQueued();
  size_t buf = static_cast<size_t>(opts_.sndbuf);
  size_t free_space = buf > queued ? buf - queued : 0;
  return free_space >= queued / 2 && tcb_->SendSpace() > 0;
}

// tcp_sendmsg_locked. msg_name is not read (no Fast Open: a connected or
// connecting socket ignores it, as Linux's does).
ssize_t TcpSocket::Send(const IoSpan& data, int flags,
                        const sockaddr_storage* /*to*/, socklen_t /*tolen*/,
                        const SendControl* ctl) {
  TcpState st = FdState();
  if (st != TcpState::kEstablished && st != TcpState::kCloseWait) {
    // sk_stream_wait_connect.
    if (int e = TakeError()) return -e;
    if (st != TcpState::kSynSent && st != TcpState::kSynReceived) return -EPIPE;
    return -EAGAIN;
  }
  // Once connected, the control messages (any error is EINVAL).
  if (ctl != nullptr && ctl->len > 0 && SockCmsgSend(*ctl) != 0) return -EINVAL;
  if (error_ != 0 || (shutdown_ & kSendShutdown)) {
    int e = TakeError();
    return e != 0 ? -e : -EPIPE;
  }
  const size_t len = data.size();
  if (len == 0) return 0;
  // A NULL buffer passes import_ubuf / import_iovec; tcp_sendmsg_locked
  // faults only when it copies, that is once there is room in the send
  // buffer (EFAULT, nothing queued); without room it waits or is EAGAIN
  // first. The bytes before a NULL buffer are queued (the caller's loop
  // then meets the fault with those bytes sent, and returns them).
  const size_t readable = data.Readable();
  if (readable == 0) return tcb_->SendSpace() > 0 ? -EFAULT : -EAGAIN;
  size_t n = tcb_->Send(data.Head(readable), Now(), (flags & MSG_OOB) != 0,
                        (flags & MSG_MORE) != 0);
  if (n < readable) nospace_ = true;
  AfterTcb();
  return n == 0 ? -EAGAIN : static_cast<ssize_t>(n);
}

// inet_shutdown + tcp_shutdown.
int TcpSocket::Shutdown(int how) {
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  uint8_t mask = static_cast<uint8_t>(how + 1);  // RCV=1, SEND=2, both=3
  if (sock_state_ == SockState::kConnecting) {
    // A connect that has not completed (or has failed) leaves the socket
    // SS_DISCONNECTING: connect() and listen() then fail with EINVAL until
    // connect(AF_UNSPEC).
    TcpState st = FdState();
    sock_state_ = (st == TcpState::kSynSent || st == TcpState::kSynReceived ||
                   st == TcpState::kClosed)
                      ? SockState::kDisconnecting
                      : SockState::kConnected;
  }
  int err = 0;
  TcpState st = FdState();
  if (st == TcpState::kListen) {
    if (mask & kRcvShutdown) {
      StopListening();
      Disconnect();
      sock_state_ = SockState::kUnconnected;
    }
  } else if (st == TcpState::kSynSent) {
    Disconnect();
    sock_state_ = SockState::kUnconnected;
  } else {
    if (st == TcpState::kClosed) err = -ENOTCONN;  // flags are set anyway
    shutdown_ |= mask;
    if (tcb_) {
      if (mask & kRcvShutdown) tcb_->ShutdownReceive();
      if ((mask & kSendShutdown) &&
          HasState(tcb_->state(),
                   {TcpState::kEstablished, TcpState::kSynReceived,
                    TcpState::kCloseWait}))
        tcb_->Close(Now());
      AfterTcb();
    }
  }
  Notify(0);
  return err;
}

int TcpSocket::GetPeerName(Endpoint* peer) {
  TcpState st = FdState();
  if (listener_ || !tcb_ || st == TcpState::kClosed ||
      st == TcpState::kSynSent ||
      (sock_state_ != SockState::kConnected && st == TcpState::kSynReceived))
    return -ENOTCONN;
  *peer = peer_;
  return 0;
}

// --- Readiness (tcp_poll)
// ----------------------------------------------------------

uint32_t TcpSocket::Poll() {
  if (listener_)
    return listener_->accept_queue_length() == 0 ? 0 : (EPOLLIN | EPOLLRDNORM);
  uint32_t mask = 0;
  TcpState st = FdState();
  if (shutdown_ == kShutdownMask || st == TcpState::kClosed) mask |= EPOLLHUP;
  if (shutdown_ & kRcvShutdown) mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
  if (st != TcpState::kSynSent && st != TcpState::kSynReceived) {
    // tcp_stream_is_readable(sk, target): the target is SO_RCVLOWAT, one
    // more when the next byte is an urgent byte that a read steps over.
    if (tcb_) {
      size_t target = static_cast<size_t>(std::max(1, opts_.rcvlowat));
      if (tcb_->ReadableBytes() < tcb_->RecvAvailable()) ++target;
      if (EpollinReady(target)) mask |= EPOLLIN | EPOLLRDNORM;
    }
    if (tcb_ && tcb_->urgent_valid()) mask |= EPOLLPRI;
    if (!(shutdown_ & kSendShutdown)) {
      if (Writeable()) {
        mask |= EPOLLOUT | EPOLLWRNORM;
      } else {
        nospace_ = true;
      }
    } else {
      mask |= EPOLLOUT | EPOLLWRNORM;
    }
  }
  if (error_ != 0) mask |= EPOLLERR;
  return mask;
}

// --- Close
// --------------------------------------------------------------------------

// tcp_close.
void TcpSocket::OnLastClose() {
  orphan_ = true;
  shutdown_ = kShutdownMask;
  if (listener_) {
    StopListening();
    ReleasePort();
    return;
  }
  if (!tcb_) {
    ReleasePort();
    return;
  }
  TcpState st = tcb_->state();
  if (st == TcpState::kClosed) {
    if (in_table_) {
      stack_.RemoveConnection(key_, this);
      in_table_ = false;
    }
    ReleasePort();
    return;
  }
  tcb_->ShutdownReceive();
  if (tcb_->RecvAvailable() > 0) {
    // Unread data: RST instead of FIN (RFC 2525 §2.17), no error recorded.
    tcb_->Abort(Now(), /*unread_data=*/true);
  } else if (opts_.linger && opts_.linger_seconds == 0) {
    tcb_->Abort(Now());  // SO_LINGER {1, 0}: abortive close
  } else {
    tcb_->Close(Now());
  }
  tcb_->SetOrphan(Now());
  AfterTcb();
}

// --- Segments
// ----------------------------------------------------------------------

void TcpSocket::SendSegment(Segment seg, uint32_t src, uint32_t dst) {
  Packet p;
  p.src = src;
  p.dst = dst;
  p.proto = IpProto::kTcp;
  p.tcp = std::move(seg);
  stack_.Send(std::move(p));
}

// A socket is never in TIME_WAIT in the connection table: its TIME_WAIT
// has moved to a TcpTimeWait (DetachTimeWait).
bool TcpSocket::InjectPeerReset() {
  if (!tcb_ || !in_table_) return false;
  const TcpState state = tcb_->state();
  if (!tcp::IsSynchronized(state) || state == TcpState::kTimeWait) {
    return false;
  }
  // The segment the peer would have sent: RST at rcv_nxt, which
  // tcp_validate_incoming accepts at once (RFC 5961 §3.2). It does not
  // cross the network: the peer did not send it and goes on as it was,
  // until its next segment meets no connection here and is answered with a
  // RST.
  Packet p;
  p.src = key_.remote_ip;
  p.dst = key_.local_ip;
  p.proto = IpProto::kTcp;
  p.tcp.src_port = key_.remote_port;
  p.tcp.dst_port = key_.local_port;
  p.tcp.seq = tcb_->rcv_nxt();
  p.tcp.flags = tcp::kRst;
  OnSegment(p);
  return true;
}

bool TcpSocket::InTimeWait() const { return false; }
bool TcpSocket::AcceptsNewSyn(const Segment&) const { return false; }
void TcpSocket::KillTimeWait() {
  SIM_CHECK(!"a TcpSocket is never in TIME_WAIT");
}

void TcpSocket::OnSegment(const Packet& p) {
  SIM_CHECK(tcb_.has_value());
  const Segment& seg = p.tcp;
  // The final ACK of the handshake finds the accept queue full: drop it
  // (tcp_abort_on_overflow = 0); the SYN-ACK will be retransmitted.
  if (parent_ != nullptr && tcb_->state() == TcpState::kSynReceived &&
      seg.Has(tcp::kAck) && !seg.Has(tcp::kSyn) && !seg.Has(tcp::kRst) &&
      parent_->AcceptQueueFull()) {
    stack_.TraceLine("drop: accept queue of " + ToString(parent_->local()) +
                     " is full");
    return;
  }
  tcb_->OnSegment(seg, Now());
  AfterTcb();
}

// --- Reacting to the control block
// ---------------------------------------------------

void TcpSocket::AfterTcb() {
  if (!tcb_) return;
  std::vector<Segment> out = tcb_->TakeOutput();
  for (Segment& seg : out)
    SendSegment(std::move(seg), key_.local_ip, key_.remote_ip);
  tcp::RecycleSegmentVector(std::move(out));

  TcpState now_state = tcb_->state();
  TcpState was = last_state_;
  last_state_ = now_state;
  uint32_t wake = 0;
  bool wake_all = false;

  if (now_state != was) {
    wake_all = true;
    const bool handshaking =
        was == TcpState::kSynSent || was == TcpState::kSynReceived;
    const bool synchronized = now_state != TcpState::kClosed &&
                              now_state != TcpState::kSynSent &&
                              now_state != TcpState::kSynReceived;
    if (handshaking && synchronized) {
      // End of the handshake: sndbuf autotuning, and a child moves from
      // the SYN queue to its listener's accept queue. One segment can
      // complete it and carry a FIN too (the client's final ACK lost, its
      // FIN|ACK does the job): the child is then in CLOSE_WAIT already,
      // and Linux still queues it (tcp_check_req, then tcp_child_process).
      if (!opts_.sndbuf_locked) {
        opts_.sndbuf =
            AutotunedSndBuf(tcb_->send_mss(), stack_.settings().tcp_wmem[2]);
        tcb_->SetSendBuffer(static_cast<uint32_t>(opts_.sndbuf));
      }
      if (parent_ != nullptr) parent_->OnChildEstablished(*this);
    }
    if (now_state == TcpState::kClosed) OnConnectionClosed();
    // A socket leaving SYN_RECV with SEND_SHUTDOWN set sends its FIN at
    // once (the SYN_RECV case of tcp_rcv_state_process ends with
    // tcp_shutdown): a crossed-SYN open (simultaneous, or a connect to
    // itself) after shutdown(SHUT_WR) on the unconnected socket, or the
    // child of a listener that had been shut down before listen(). (The
    // SYN_SENT path, tcp_finish_connect, has no such step: a normal connect
    // after the same call stays open.)
    if (was == TcpState::kSynReceived && now_state == TcpState::kEstablished &&
        (shutdown_ & kSendShutdown) && tcb_) {
      tcb_->Close(Now());
      AfterTcb();
      return;
    }
  }
  if (!tcb_) {
    Notify(0);
    return;
  }
  if (tcb_->fin_received() && !done_) {
    done_ = true;
    shutdown_ |= kRcvShutdown;
    wake_all = true;
  }
  size_t readable = tcb_->RecvAvailable();
  // tcp_data_ready: new data wakes readers only once SO_RCVLOWAT bytes are
  // there (tcp_epollin_ready) or the stream has ended; an urgent byte
  // wakes them anyway (tcp_urg calls sk_data_ready).
  if (readable > last_readable_ &&
      (EpollinReady(static_cast<size_t>(std::max(1, opts_.rcvlowat))) ||
       tcb_->fin_received() || tcb_->urgent_valid()))
    wake |= kInKey;
  last_readable_ = readable;
  if (nospace_ && Writeable() && !(shutdown_ & kSendShutdown)) {
    nospace_ = false;
    wake |= kOutKey;
  }
  ArmTimer();
  if (tcb_->state() == TcpState::kTimeWait) DetachTimeWait();
  if (wake_all) {
    Notify(0);
  } else if (wake != 0) {
    Notify(wake);
  }
}

// tcp_time_wait: the connection's last minute moves to a timewait sock
// that holds the 4-tuple and the port, while the socket itself is done
// (tcp_done: CLOSE; inet_put_port gives the port back unless the user bound
// it, though getsockname still shows it). The fd can then bind() again; an
// orphan is gone once the step is over.
void TcpSocket::DetachTimeWait() {
  auto tw = std::make_shared<TcpTimeWait>(stack_, key_, *tcb_, opts_.reuseaddr,
                                          opts_.reuseport, connect_bound_);
  // The timewait sock takes the control block's TIME_WAIT duty; the socket
  // keeps a closed one with the data received and not yet read.
  tcb_->HandOverTimeWait();
  if (in_table_) {
    stack_.RemoveConnection(key_, this);  // may queue *this for the graveyard
    in_table_ = false;
  }
  stack_.env().Cancel(timer_);
  timer_ = {};
  tw->Enter();
  shutdown_ = kShutdownMask;
  last_state_ = TcpState::kClosed;
  if (!port_user_locked_ || orphan_) ReleasePort();
}

void TcpSocket::OnConnectionClosed() {
  if (int e = tcb_->error()) {
    error_ = e;
    tcb_->ClearError();
  }
  shutdown_ = kShutdownMask;
  stack_.env().Cancel(timer_);
  timer_ = {};
  if (in_table_) {
    stack_.RemoveConnection(key_, this);
    in_table_ = false;
  }
  // A child that dies before it was accepted leaves the SYN queue (which
  // may destroy *this: nothing may follow); one in the accept queue stays
  // there and accept() still returns it.
  if (parent_ != nullptr && parent_->OnChildGone(*this)) return;
  // tcp_set_state(TCP_CLOSE) gives back a port the socket did not bind
  // (getsockname still shows it).
  if (!port_user_locked_ || orphan_) ReleasePort();
}

void TcpSocket::ArmTimer() {
  if (!tcb_) return;
  Time at = tcb_->PollAt();
  if (timer_.valid() && timer_.at == at) return;
  if (at == kNever) {
    stack_.env().Cancel(timer_);
    timer_ = {};
    return;
  }
  // Re-armed in place when still pending (every ACK moves it): the same
  // new scheduling number as a cancel and a fresh Schedule, one sift.
  if (timer_.valid()) {
    timer_ = stack_.env().Reschedule(timer_, std::max(at, Now()));
    if (timer_.valid()) return;
  }
  std::weak_ptr<TcpSocket> weak = Self();
  timer_ = stack_.env().Schedule(std::max(at, Now()), [weak]() {
    if (auto s = weak.lock()) s->OnTimer();
  });
}

void TcpSocket::OnTimer() {
  timer_ = {};
  if (!tcb_) return;
  auto keep = Self();  // closing may drop the table's reference
  tcb_->OnTimer(Now());
  AfterTcb();
}

}  // namespace simsock::sim
