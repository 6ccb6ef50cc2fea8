#include "simsock/sim/inet/tcp_socket.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "simsock/sim/base/check.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {

using tcp::Segment;
using tcp::TcpState;

namespace {

constexpr uint8_t kRcvShutdown = 1;   // RCV_SHUTDOWN
constexpr uint8_t kSendShutdown = 2;  // SEND_SHUTDOWN
constexpr uint8_t kShutdownMask = 3;

// sock_def_readable's key: data (and urgent data) arrived.
constexpr uint32_t kInKey = EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND;
constexpr uint32_t kOutKey = EPOLLOUT | EPOLLWRNORM;

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

TcpSocket::TcpSocket(Host& host) : Socket(host, SOCK_STREAM) {}

TcpSocket::~TcpSocket() {
  host_.world().Cancel(timer_);
  if (held_port_ != 0) host_.tcp_ports().Remove(*this, held_port_);
}

Time TcpSocket::Now() const { return host_.world().Now(); }

std::shared_ptr<TcpSocket> TcpSocket::Self() {
  return std::static_pointer_cast<TcpSocket>(shared_from_this());
}

ConnKey TcpSocket::Key() const {
  return {local_.ip, tcb_ ? key_.local_port : local_.port, peer_.ip,
          peer_.port};
}

TcpState TcpSocket::ConnState() const {
  if (listening_) return TcpState::kListen;
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
  host_.tcp_ports().Add(*this, port);
  held_port_ = port;
}

void TcpSocket::ReleasePort() {
  if (held_port_ == 0) return;
  host_.tcp_ports().Remove(*this, held_port_);
  held_port_ = 0;
  connect_bound_ = false;
}

// inet_bind / __inet_bind.
int TcpSocket::Bind(const sockaddr_storage& addr, socklen_t len) {
  Endpoint ep;
  if (int e = CheckBindAddress(addr, len, &ep)) return e;
  // The simulator runs every process as root: CAP_NET_BIND_SERVICE holds.
  if (held_port_ != 0 || FdState() != TcpState::kClosed || listening_)
    return -EINVAL;
  const HostSettings& s = host_.settings();
  uint16_t port = ep.port;
  local_.ip = ep.ip;
  if (port == 0) {
    port = host_.tcp_ports().PickForBind(*this, ep.ip, s.port_range_lo,
                                         s.port_range_hi,
                                         host_.world().Rng("port.ephemeral"));
    if (port == 0) {
      local_.ip = 0;
      return -EADDRINUSE;
    }
  } else if (!host_.tcp_ports().CanBind(*this, ep.ip, port)) {
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
  const HostSettings& s = host_.settings();
  int capped =
      static_cast<unsigned>(backlog) > static_cast<unsigned>(s.somaxconn)
          ? s.somaxconn
          : backlog;
  if (listening_) {
    backlog_ = capped;  // a second listen() changes the backlog
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
      listening_ = true;  // picked as a listener would be
      uint16_t port = host_.tcp_ports().PickForBind(
          *this, local_.ip, s.port_range_lo, s.port_range_hi,
          host_.world().Rng("port.ephemeral"));
      listening_ = false;
      if (port == 0) return -EADDRINUSE;
      HoldPort(port, /*connect_bound=*/false);
    }
    return -EINVAL;
  }
  // Re-check the port as a listener: two SO_REUSEADDR sockets may share a
  // port, but only one may listen on it.
  listening_ = true;
  if (held_port_ != 0) {
    if (!host_.tcp_ports().CanBind(*this, local_.ip, held_port_)) {
      listening_ = false;
      return -EADDRINUSE;
    }
  } else {
    uint16_t port = host_.tcp_ports().PickForBind(
        *this, local_.ip, s.port_range_lo, s.port_range_hi,
        host_.world().Rng("port.ephemeral"));
    if (port == 0) {
      listening_ = false;
      return -EADDRINUSE;
    }
    HoldPort(port, /*connect_bound=*/false);
  }
  connect_bound_ = false;
  was_listener_ = true;
  backlog_ = capped;
  tcb_.reset();
  // Linux keeps sk_shutdown across listen(), and sk_clone_lock copies it to
  // every child: shutdown() on the socket before it listened (ENOTCONN,
  // but the flags are set) shuts each accepted connection the same way.
  child_shutdown_ = shutdown_;
  shutdown_ = 0;
  done_ = false;
  return 0;
}

// inet_accept / inet_csk_accept.
int TcpSocket::Accept(std::shared_ptr<Socket>* child) {
  if (!listening_) return -EINVAL;
  if (accept_queue_.empty()) return -EAGAIN;
  std::shared_ptr<TcpSocket> c = accept_queue_.front();
  accept_queue_.pop_front();
  c->parent_ = nullptr;
  *child = c;
  return 0;
}

void TcpSocket::StopListening() {
  listening_ = false;
  auto queued = std::move(accept_queue_);
  auto pending = std::move(syn_queue_);
  accept_queue_.clear();
  syn_queue_.clear();
  for (auto& c : pending) {
    c->parent_ = nullptr;
    if (c->tcb_) {
      c->tcb_->Abort(Now());
      c->AfterTcb();
    }
  }
  for (auto& c : queued) {
    c->parent_ = nullptr;
    c->orphan_ = true;
    if (c->tcb_) {
      c->tcb_->Abort(Now());
      c->AfterTcb();
    }
  }
  // An autobound listener gives its port back (tcp_set_state(TCP_CLOSE)).
  if (!port_user_locked_) ReleasePort();
}

// --- Connect
// -------------------------------------------------------------------

tcp::TcbConfig TcpSocket::MakeConfig(uint32_t peer_ip) const {
  const HostSettings& s = host_.settings();
  tcp::TcbConfig c;
  c.local_port = local_.port;
  c.remote_port = peer_.port;
  uint16_t mss = host_.MssFor(peer_ip);
  if (topts_.user_mss > 0) mss = std::min<uint16_t>(mss, topts_.user_mss);
  c.mss = mss;
  // The window scale Linux offers for the largest receive buffer it could
  // grow to (tcp_select_initial_window with tcp_rmem[2]).
  uint8_t wscale = 0;
  int64_t space = std::max(s.tcp_rmem[2], s.rmem_max);
  while ((space >> wscale) > 65535 && wscale < 14) ++wscale;
  c.rcv_wscale = wscale;
  // Half of sk_rcvbuf is payload (tcp_adv_win_scale = 1).
  c.rcv_buf = static_cast<uint32_t>(opts_.rcvbuf / 2);
  c.snd_buf = static_cast<uint32_t>(opts_.sndbuf);
  c.nodelay = topts_.nodelay;
  c.syn_retries = topts_.syncnt > 0 ? topts_.syncnt : s.tcp_syn_retries;
  c.syn_linear_timeouts = s.tcp_syn_linear_timeouts;
  c.synack_retries = s.tcp_synack_retries;
  c.retries2 = s.tcp_retries2;
  c.orphan_retries = s.tcp_orphan_retries == 0 ? 8 : s.tcp_orphan_retries;
  c.time_wait = s.tcp_time_wait;
  c.fin_timeout = topts_.linger2 > 0 ? std::chrono::seconds(topts_.linger2)
                                     : s.tcp_fin_timeout;
  c.user_timeout = std::chrono::milliseconds(topts_.user_timeout_ms);
  c.keepalive = opts_.keepalive;
  c.keepalive_idle = std::chrono::seconds(
      topts_.keepidle > 0 ? topts_.keepidle : s.tcp_keepalive_time);
  c.keepalive_interval = std::chrono::seconds(
      topts_.keepintvl > 0 ? topts_.keepintvl : s.tcp_keepalive_intvl);
  c.keepalive_count =
      topts_.keepcnt > 0 ? topts_.keepcnt : s.tcp_keepalive_probes;
  c.oob_inline = opts_.oobinline;
  c.interactive = !topts_.quickack;
  return c;
}

uint16_t TcpSocket::PickConnectPort(uint32_t src, const Endpoint& dst) {
  const HostSettings& s = host_.settings();
  return host_.tcp_ports().PickForConnect(
      s.port_range_lo, s.port_range_hi, host_.world().Rng("port.ephemeral"),
      [&](uint16_t port) {
        return host_.FindConnection({src, port, dst.ip, dst.port}) == nullptr;
      });
}

// __inet_stream_connect + tcp_v4_connect.
int TcpSocket::Connect(const sockaddr_storage& addr, socklen_t len) {
  if (len < sizeof(sa_family_t)) return -EINVAL;
  if (addr.ss_family == AF_UNSPEC) {
    // connect(AF_UNSPEC): disconnect, then the socket may connect again.
    if (listening_) StopListening();
    Disconnect();
    sock_state_ = SockState::kUnconnected;
    return 0;
  }
  int err = 0;
  switch (sock_state_) {
    case SockState::kDisconnecting:
      return -EINVAL;
    case SockState::kConnected:
      return -EISCONN;
    case SockState::kConnecting:
      err = -EALREADY;
      break;
    case SockState::kUnconnected: {
      if (FdState() != TcpState::kClosed) return -EISCONN;
      if (len < sizeof(sockaddr_in)) return -EINVAL;
      if (addr.ss_family != AF_INET) return -EAFNOSUPPORT;
      sockaddr_in sin;
      std::memcpy(&sin, &addr, sizeof sin);
      Endpoint dst = FromSockAddr(sin);
      // A zero destination means this host (ip_route_connect).
      if (dst.ip == 0) dst.ip = 0x7F000001;
      // tcp_v4_connect refuses multicast and broadcast routes.
      if ((dst.ip >> 28) == 0xE || dst.ip == 0xFFFFFFFFu) return -ENETUNREACH;
      // The other half of the sticky roles (see Listen): a socket that has
      // listened never connects. Measured after the address and route
      // checks: EAFNOSUPPORT and ENETUNREACH win.
      if (was_listener_ && host_.settings().tcp_sticky_roles) return -EINVAL;
      uint32_t src =
          local_.ip != 0 ? local_.ip : host_.SourceAddressFor(dst.ip);
      uint16_t port = held_port_;
      if (port == 0) {
        port = PickConnectPort(src, dst);
        if (port == 0) return -EADDRNOTAVAIL;
      } else if (TcpSocket* other =
                     host_.FindConnection({src, port, dst.ip, dst.port})) {
        // The 4-tuple is in use. A TIME_WAIT is recycled, as Linux's
        // tcp_tw_reuse = 2 does on loopback; anything else refuses.
        if (other->ConnState() != TcpState::kTimeWait) return -EADDRNOTAVAIL;
        other->KillTimeWait();
      }
      if (tcb_) tcb_.reset();  // a finished earlier connection
      local_.ip = src;
      peer_ = dst;
      if (held_port_ == 0) HoldPort(port, /*connect_bound=*/true);
      key_ = {src, port, dst.ip, dst.port};
      tcb_ = std::make_unique<tcp::Tcb>(MakeConfig(dst.ip));
      was_connection_ = true;
      if (topts_.cork) tcb_->SetCork(true, Now());
      host_.AddConnection(key_, Self());
      in_table_ = true;
      // shutdown flags set on the unconnected socket stay (inet_shutdown's
      // "hack"): a later write still gets EPIPE.
      sock_state_ = SockState::kConnecting;
      // tcp_connect_init clears an error the last attempt left unread, and
      // SOCK_DONE.
      error_ = 0;
      done_ = false;
      tcb_->Connect(tcp::SeqNum(host_.NewIss()), Now());
      AfterTcb();
      err = -EINPROGRESS;
      break;
    }
  }
  TcpState st = FdState();
  if (st == TcpState::kSynSent || st == TcpState::kSynReceived) {
    // Blocking connects wait in Process (it retries after a wakeup).
    return err;
  }
  if (st == TcpState::kClosed) {
    // Refused, reset or timed out: report the error once, then
    // ECONNABORTED; the socket may start a new attempt afterwards.
    int e = TakeError();
    sock_state_ = SockState::kUnconnected;
    Disconnect();
    return e != 0 ? -e : -ECONNABORTED;
  }
  sock_state_ = SockState::kConnected;
  return 0;
}

// tcp_disconnect(): aborts whatever is in progress and returns the socket
// to a fresh state that may bind-less connect again.
void TcpSocket::Disconnect() {
  // tcp_disconnect calls tcp_set_state(TCP_CLOSE), which gives back a port
  // the socket did not bind, only if the socket was not CLOSE already: a
  // CLOSE socket keeps its port (the one a refused listen() took on the
  // recorded kernel, see Listen). Refusals, resets and StopListening have
  // released theirs when they reached CLOSE.
  const bool was_open = tcb_ && tcb_->state() != TcpState::kClosed;
  if (tcb_) {
    TcpState old = tcb_->state();
    bool need_reset = tcb_->ResetOnAbort();
    if (old != TcpState::kClosed && old != TcpState::kTimeWait) {
      tcb_->Abort(Now());
      if (need_reset || old == TcpState::kSynSent) error_ = ECONNRESET;
    }
    for (Segment& seg : tcb_->TakeOutput())
      SendSegment(std::move(seg), key_.local_ip, key_.remote_ip);
    // A TIME_WAIT of this socket ends here too; on Linux it would live on
    // in its timewait minisock (docs/semantics.md: the fd's socket keeps
    // the TIME_WAIT).
    if (in_table_) {
      host_.RemoveConnection(key_, this);
      in_table_ = false;
    }
    tcb_.reset();
    host_.world().Cancel(timer_);
    timer_ = {};
  }
  // The port goes back to the table, but getsockname keeps showing it
  // (inet_put_port clears inet_num, not inet_sport).
  if (was_open && !port_user_locked_) ReleasePort();
  if (!addr_user_locked_) local_.ip = 0;
  peer_ = {};
  shutdown_ = 0;
  done_ = false;
  last_state_ = TcpState::kClosed;
  last_readable_ = 0;
  Notify(0);
}

// --- Data
// ------------------------------------------------------------------------

// tcp_recvmsg_locked.
ssize_t TcpSocket::Recv(uint8_t* buf, size_t len, int flags, bool /*is_read*/,
                        size_t peek_skip, Endpoint* /*from*/, bool* has_from) {
  *has_from = false;
  if (listening_) return -ENOTCONN;
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

// tcp_recv_urg: the urgent byte, once; never blocks.
ssize_t TcpSocket::RecvUrgent(uint8_t* buf, size_t len, int flags) {
  if (opts_.oobinline || !tcb_ || !tcb_->urgent_any() || tcb_->urgent_read())
    return -EINVAL;
  if (FdState() == TcpState::kClosed && !done_) return -ENOTCONN;
  if (tcb_->urgent_valid()) {
    const uint8_t c = tcb_->urgent_byte();
    if (!(flags & MSG_PEEK)) tcb_->MarkUrgentRead();
    if (len == 0) return 0;  // the kernel flags MSG_TRUNC
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

// tcp_sendmsg_locked.
ssize_t TcpSocket::Send(const uint8_t* buf, size_t len, int flags,
                        const sockaddr_storage* /*to*/, socklen_t /*tolen*/) {
  TcpState st = FdState();
  if (st != TcpState::kEstablished && st != TcpState::kCloseWait) {
    // sk_stream_wait_connect.
    if (int e = TakeError()) return -e;
    if (st != TcpState::kSynSent && st != TcpState::kSynReceived) return -EPIPE;
    return -EAGAIN;
  }
  if (error_ != 0 || (shutdown_ & kSendShutdown)) {
    int e = TakeError();
    return e != 0 ? -e : -EPIPE;
  }
  if (len == 0) return 0;
  // A NULL buffer passes import_ubuf; tcp_sendmsg_locked faults only when
  // it copies, that is once there is room in the send buffer (EFAULT,
  // nothing queued); without room it waits or is EAGAIN first.
  if (buf == nullptr) return tcb_->SendSpace() > 0 ? -EFAULT : -EAGAIN;
  size_t n = tcb_->Send(buf, len, Now(), (flags & MSG_OOB) != 0,
                        (flags & MSG_MORE) != 0);
  if (n < len) nospace_ = true;
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
  if (listening_ || !tcb_ || st == TcpState::kClosed ||
      st == TcpState::kSynSent ||
      (sock_state_ != SockState::kConnected && st == TcpState::kSynReceived))
    return -ENOTCONN;
  *peer = peer_;
  return 0;
}

// --- Readiness (tcp_poll)
// ----------------------------------------------------------

uint32_t TcpSocket::Poll() {
  if (listening_) return accept_queue_.empty() ? 0 : (EPOLLIN | EPOLLRDNORM);
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
  if (listening_) {
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
      host_.RemoveConnection(key_, this);
      in_table_ = false;
    }
    ReleasePort();
    return;
  }
  if (st == TcpState::kTimeWait) return;  // the TIME_WAIT finishes alone
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
  host_.Send(std::move(p));
}

bool TcpSocket::AcceptsNewSyn(const Segment& seg) const {
  return tcb_ && tcb_->state() == TcpState::kTimeWait && seg.Has(tcp::kSyn) &&
         !seg.Has(tcp::kAck) && !seg.Has(tcp::kRst) &&
         seg.seq > tcb_->rcv_nxt();
}

void TcpSocket::KillTimeWait() {
  SIM_CHECK(tcb_ && tcb_->state() == TcpState::kTimeWait);
  tcb_->Abort(Now());
  AfterTcb();
}

void TcpSocket::OnSegment(const Packet& p) {
  SIM_CHECK(tcb_ != nullptr);
  const Segment& seg = p.tcp;
  // The final ACK of the handshake finds the accept queue full: drop it
  // (tcp_abort_on_overflow = 0); the SYN-ACK will be retransmitted.
  if (parent_ != nullptr && tcb_->state() == TcpState::kSynReceived &&
      seg.Has(tcp::kAck) && !seg.Has(tcp::kSyn) && !seg.Has(tcp::kRst) &&
      parent_->accept_queue_.size() > static_cast<size_t>(parent_->backlog_)) {
    host_.TraceLine("drop: accept queue of " + ToString(parent_->local_) +
                    " is full");
    return;
  }
  tcb_->OnSegment(seg, Now());
  AfterTcb();
}

void TcpSocket::OnListenSegment(const Packet& p) {
  const Segment& seg = p.tcp;
  if (seg.Has(tcp::kRst)) return;
  if (seg.Has(tcp::kAck) || !seg.Has(tcp::kSyn)) {
    // An ACK to a listener with no matching request: RST (tcp_v4_do_rcv).
    Segment reply;
    if (tcp::ResetFor(seg, &reply)) SendSegment(reply, p.dst, p.src);
    return;
  }
  // sk_acceptq_is_full: more than backlog queued. The SYN is dropped
  // silently and the client retransmits it.
  if (accept_queue_.size() > static_cast<size_t>(backlog_)) {
    host_.TraceLine("drop: SYN to " + ToString(local_) + ", accept queue full");
    return;
  }
  auto child = std::make_shared<TcpSocket>(host_);
  // sk_clone_lock copies the listener (every SOL_SOCKET, IP and TCP option
  // the simulator keeps: SO_KEEPALIVE, SO_LINGER, buffer sizes and their
  // locks, SO_RCVLOWAT, timeouts, SO_MARK (inet_csk_clone_lock: ir_mark is
  // the listener's mark), IP_TOS, IP_TTL, TCP_NODELAY, TCP_CORK, the
  // keepalive and timeout knobs, TCP_CONGESTION ...), but resets
  // sk_priority to 0 (with sk_err), so SO_PRIORITY, whether set directly
  // or through IP_TOS, is not inherited. O_NONBLOCK is per file and is not
  // inherited either.
  child->opts_ = opts_;
  child->opts_.priority = 0;
  child->topts_ = topts_;
  child->shutdown_ = child_shutdown_;
  child->local_ = {p.dst, local_.port};
  child->peer_ = {p.src, seg.src_port};
  // sk_clone_lock drops SOCK_BINDPORT_LOCK: an accepted socket gives the
  // port back when it reaches CLOSE, even while its fd is open.
  child->port_user_locked_ = false;
  child->addr_user_locked_ = true;
  child->HoldPort(local_.port, /*connect_bound=*/false);
  child->local_.ip = p.dst;
  child->key_ = {p.dst, local_.port, p.src, seg.src_port};
  child->sock_state_ = SockState::kConnected;
  child->was_connection_ = true;
  child->parent_ = this;
  child->tcb_ = std::make_unique<tcp::Tcb>(child->MakeConfig(p.src));
  if (topts_.cork) child->tcb_->SetCork(true, Now());
  host_.AddConnection(child->key_, child);
  child->in_table_ = true;
  syn_queue_.push_back(child);
  child->tcb_->AcceptSyn(seg, tcp::SeqNum(host_.NewIss()), Now());
  if (child->shutdown_ & kRcvShutdown) child->tcb_->ShutdownReceive();
  child->AfterTcb();
}

// --- Reacting to the control block
// ---------------------------------------------------

void TcpSocket::AfterTcb() {
  if (!tcb_) return;
  for (Segment& seg : tcb_->TakeOutput())
    SendSegment(std::move(seg), key_.local_ip, key_.remote_ip);

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
            AutotunedSndBuf(tcb_->send_mss(), host_.settings().tcp_wmem[2]);
        tcb_->SetSendBuffer(static_cast<uint32_t>(opts_.sndbuf));
      }
      if (parent_ != nullptr) {
        auto& q = parent_->syn_queue_;
        auto it = std::find_if(q.begin(), q.end(),
                               [this](auto& c) { return c.get() == this; });
        if (it != q.end()) {
          parent_->accept_queue_.push_back(*it);
          q.erase(it);
          parent_->Notify(kInKey);
        }
      }
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
  if (tcb_->state() == TcpState::kTimeWait && !orphan_) DetachTimeWait();
  if (wake_all) {
    Notify(0);
  } else if (wake != 0) {
    Notify(wake);
  }
}

// tcp_time_wait: the connection's last minute moves to a timewait sock
// that holds the 4-tuple and the port, while the socket itself is done
// (tcp_done: CLOSE; inet_put_port gives the port back unless the user bound
// it, though getsockname still shows it). The fd can then bind() again.
void TcpSocket::DetachTimeWait() {
  auto tw = std::make_shared<TcpSocket>(host_);
  tw->opts_ = opts_;
  tw->topts_ = topts_;
  tw->peer_ = peer_;
  tw->key_ = key_;
  tw->sock_state_ = SockState::kConnected;
  tw->orphan_ = true;
  tw->done_ = true;
  tw->shutdown_ = kShutdownMask;
  tw->port_user_locked_ = false;
  tw->addr_user_locked_ = true;
  tw->last_state_ = TcpState::kTimeWait;
  tw->HoldPort(key_.local_port, connect_bound_);
  tw->local_ = {key_.local_ip, key_.local_port};
  // The timewait sock takes the control block's TIME_WAIT duty; the socket
  // keeps a closed one with the data received and not yet read.
  tw->tcb_ = std::make_unique<tcp::Tcb>(*tcb_);
  tcb_->HandOverTimeWait();
  if (in_table_) {
    host_.RemoveConnection(key_, this);  // may queue *this for the graveyard
    in_table_ = false;
  }
  host_.AddConnection(tw->key_, tw);
  tw->in_table_ = true;
  host_.world().Cancel(timer_);
  timer_ = {};
  tw->ArmTimer();
  shutdown_ = kShutdownMask;
  last_state_ = TcpState::kClosed;
  if (!port_user_locked_) ReleasePort();
}

void TcpSocket::OnConnectionClosed() {
  if (int e = tcb_->error()) {
    error_ = e;
    tcb_->ClearError();
  }
  shutdown_ = kShutdownMask;
  host_.world().Cancel(timer_);
  timer_ = {};
  if (in_table_) {
    host_.RemoveConnection(key_, this);
    in_table_ = false;
  }
  // A child that dies before it was accepted leaves the SYN queue; one in
  // the accept queue stays there and accept() still returns it.
  if (parent_ != nullptr) {
    auto& q = parent_->syn_queue_;
    auto it = std::find_if(q.begin(), q.end(),
                           [this](auto& c) { return c.get() == this; });
    if (it != q.end()) {
      parent_ = nullptr;
      q.erase(it);  // may destroy *this: nothing may follow
      return;
    }
  }
  // tcp_set_state(TCP_CLOSE) gives back a port the socket did not bind
  // (getsockname still shows it).
  if (!port_user_locked_ || orphan_) ReleasePort();
}

void TcpSocket::ArmTimer() {
  if (!tcb_) return;
  Time at = tcb_->PollAt();
  if (timer_.valid() && timer_.at == at) return;
  host_.world().Cancel(timer_);
  timer_ = {};
  if (at == kNever) return;
  std::weak_ptr<TcpSocket> weak = Self();
  timer_ = host_.world().Schedule(std::max(at, Now()), [weak]() {
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

// --- Options
// -------------------------------------------------------------------------

// SOCK_URGINLINE is read at each receive: a change applies at once.
void TcpSocket::OnOobInlineChanged() {
  if (tcb_) tcb_->SetOobInline(opts_.oobinline);
}

void TcpSocket::OnKeepAliveChanged() {
  if (tcb_) {
    tcb_->SetKeepAlive(opts_.keepalive, Now());
    AfterTcb();
  }
}

// tcp_set_rcvlowat: capped at half the receive buffer (or of tcp_rmem[2]
// when the buffer is not locked), which then grows to hold that much.
void TcpSocket::SetRcvLowat(int val) {
  int cap =
      opts_.rcvbuf_locked ? opts_.rcvbuf / 2 : host_.settings().tcp_rmem[2] / 2;
  val = std::min(val, cap);
  opts_.rcvlowat = val == 0 ? 1 : val;
  // "Check if we need to signal EPOLLIN right now": tcp_data_ready wakes
  // readers (and edge-triggered epoll items) when the new mark is met, even
  // if it was met before.
  if (tcb_ && (EpollinReady(static_cast<size_t>(opts_.rcvlowat)) || done_))
    Notify(kInKey);
  if (opts_.rcvbuf_locked) return;
  int64_t space = 2 * static_cast<int64_t>(val);  // tcp_space_from_win
  if (space > opts_.rcvbuf) {
    opts_.rcvbuf = static_cast<int>(space);
    OnBufferSizeChanged();
  }
}

// Options that the control block copied at creation and that Linux lets
// change on a live connection.
void TcpSocket::PushTimingOptions() {
  if (!tcb_) return;
  tcp::TcbConfig c = MakeConfig(peer_.ip);
  tcb_->SetKeepAliveTiming(c.keepalive_idle, c.keepalive_interval,
                           c.keepalive_count, Now());
  tcb_->SetUserTimeout(c.user_timeout);
  tcb_->SetFinTimeout(c.fin_timeout);
  AfterTcb();
}

void TcpSocket::OnBufferSizeChanged() {
  if (tcb_) {
    tcb_->SetSendBuffer(static_cast<uint32_t>(opts_.sndbuf));
    tcb_->SetReceiveBuffer(static_cast<uint32_t>(opts_.rcvbuf / 2));
    AfterTcb();
  }
}

// tp->mss_cache, what TCP_MAXSEG and tcpi_snd_mss report on a connection:
// the negotiated MSS less the TCP options every segment carries. Linux
// negotiates timestamps on every connection between two Linux hosts
// (net.ipv4.tcp_timestamps = 1), 12 bytes (TCPOLEN_TSTAMP_ALIGNED,
// tcp_sync_mss -> tcp_mss_to_mtu / tcp_current_mss), so a listener's
// TCP_MAXSEG 1000 reads 988 on both ends. The simulator's segments carry
// no timestamps (docs D2), so only the reported value follows this.
int TcpSocket::MssCache() const {
  constexpr int kTimestampOptionLen = 12;
  return static_cast<int>(tcb_->send_mss()) - kTimestampOptionLen;
}

// do_tcp_getsockopt.
int TcpSocket::GetProtoOpt(int level, int name, void* val, socklen_t* len) {
  if (level != IPPROTO_TCP) return -EOPNOTSUPP;
  const HostSettings& s = host_.settings();
  switch (name) {
    case TCP_NODELAY:
      return PutInt(topts_.nodelay, val, len);
    case TCP_CORK:
      return PutInt(topts_.cork, val, len);
    case TCP_QUICKACK:
      // !inet_csk_in_pingpong_mode: 0 once the session is interactive.
      return PutInt(tcb_ ? !tcb_->in_pingpong() : topts_.quickack, val, len);
    case TCP_NOTSENT_LOWAT:
      return PutInt(topts_.notsent_lowat, val, len);
    case TCP_INQ:
      return PutInt(topts_.inq, val, len);
    case TCP_CONGESTION: {
      // The name, NUL-padded to TCP_CA_NAME_MAX, truncated to the caller's
      // length.
      char name_buf[16] = {};
      std::memcpy(name_buf, topts_.congestion.data(),
                  std::min(topts_.congestion.size(), sizeof name_buf - 1));
      return PutBytes(name_buf, sizeof name_buf, val, len);
    }
    case TCP_MAXSEG: {
      int v = 536;  // TCP_MSS_DEFAULT until connected
      TcpState st = FdState();
      if (tcb_ && st != TcpState::kClosed && st != TcpState::kListen)
        v = MssCache();
      else if (topts_.user_mss > 0)
        v = topts_.user_mss;
      return PutInt(v, val, len);
    }
    case TCP_KEEPIDLE:
      return PutInt(
          topts_.keepidle > 0 ? topts_.keepidle : s.tcp_keepalive_time, val,
          len);
    case TCP_KEEPINTVL:
      return PutInt(
          topts_.keepintvl > 0 ? topts_.keepintvl : s.tcp_keepalive_intvl, val,
          len);
    case TCP_KEEPCNT:
      return PutInt(
          topts_.keepcnt > 0 ? topts_.keepcnt : s.tcp_keepalive_probes, val,
          len);
    case TCP_SYNCNT:
      return PutInt(topts_.syncnt > 0 ? topts_.syncnt : s.tcp_syn_retries, val,
                    len);
    case TCP_LINGER2: {
      int v = topts_.linger2 < 0
                  ? -1
                  : (topts_.linger2 > 0
                         ? topts_.linger2
                         : static_cast<int>(
                               std::chrono::duration_cast<std::chrono::seconds>(
                                   s.tcp_fin_timeout)
                                   .count()));
      return PutInt(v, val, len);
    }
    case TCP_USER_TIMEOUT:
      return PutInt(topts_.user_timeout_ms, val, len);
    case TCP_INFO: {
      tcp_info info{};
      info.tcpi_state = tcp::LinuxStateNumber(FdState());
      if (listening_) {
        info.tcpi_unacked = static_cast<uint32_t>(accept_queue_.size());
        info.tcpi_sacked = static_cast<uint32_t>(backlog_);
      } else if (tcb_) {
        info.tcpi_rto = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(tcb_->rto())
                .count());
        info.tcpi_snd_mss = static_cast<uint32_t>(MssCache());
        info.tcpi_unacked = tcb_->snd_nxt() - tcb_->snd_una();
      }
      return PutBytes(&info, sizeof info, val, len);
    }
    default:
      return -ENOPROTOOPT;
  }
}

// do_tcp_setsockopt.
int TcpSocket::SetProtoOpt(int level, int name, const void* val,
                           socklen_t len) {
  if (level != IPPROTO_TCP) return -ENOPROTOOPT;
  if (name == TCP_CONGESTION) {
    // A string option: only the algorithms a default kernel offers.
    if (val == nullptr && len > 0) return -EFAULT;
    std::string want(static_cast<const char*>(val), std::min<size_t>(len, 15));
    want = want.substr(0, want.find('\0'));
    if (want != "cubic" && want != "reno") return -ENOENT;
    topts_.congestion = want;
    return 0;
  }
  if (len < sizeof(int)) return -EINVAL;
  if (val == nullptr) return -EFAULT;
  int v;
  std::memcpy(&v, val, sizeof v);
  switch (name) {
    case TCP_NODELAY:
      topts_.nodelay = v != 0;
      if (tcb_) {
        tcb_->SetNoDelay(topts_.nodelay, Now());
        AfterTcb();
      }
      return 0;
    case TCP_CORK:
      topts_.cork = v != 0;
      if (tcb_) {
        tcb_->SetCork(topts_.cork, Now());
        AfterTcb();
      }
      return 0;
    case TCP_QUICKACK:
      // __tcp_sock_set_quickack: 0 makes the session interactive; 1 ends
      // that and may send a held ACK now.
      topts_.quickack = v != 0;
      if (tcb_) {
        tcb_->SetQuickAck(v, Now());
        AfterTcb();
      }
      return 0;
    case TCP_NOTSENT_LOWAT:
      topts_.notsent_lowat = v;
      return 0;
    case TCP_INQ:
      if (v < 0 || v > 1) return -EINVAL;
      topts_.inq = v != 0;
      return 0;
    case TCP_MAXSEG:
      // TCP_MIN_MSS .. MAX_TCP_WINDOW.
      if (v != 0 && (v < 88 || v > 32767)) return -EINVAL;
      topts_.user_mss = v;
      return 0;
    case TCP_KEEPIDLE:
      if (v < 1 || v > 32767) return -EINVAL;
      topts_.keepidle = v;
      PushTimingOptions();
      return 0;
    case TCP_KEEPINTVL:
      if (v < 1 || v > 32767) return -EINVAL;
      topts_.keepintvl = v;
      PushTimingOptions();
      return 0;
    case TCP_KEEPCNT:
      if (v < 1 || v > 127) return -EINVAL;
      topts_.keepcnt = v;
      PushTimingOptions();
      return 0;
    case TCP_SYNCNT:
      if (v < 1 || v > 127) return -EINVAL;  // MAX_TCP_SYNCNT
      topts_.syncnt = v;
      return 0;
    case TCP_LINGER2:
      // Capped at TCP_FIN_TIMEOUT_MAX (120 s); 0 means tcp_fin_timeout.
      topts_.linger2 = v < 0 ? -1 : std::min(v, 120);
      PushTimingOptions();
      return 0;
    case TCP_USER_TIMEOUT:
      if (v < 0) return -EINVAL;
      topts_.user_timeout_ms = v;
      PushTimingOptions();
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

}  // namespace simsock::sim
