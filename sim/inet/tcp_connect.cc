// connect() and its undoing on a TcpSocket: __inet_stream_connect and
// tcp_v4_connect (route, autobind, the control block's configuration, the
// SYN), and tcp_disconnect.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/sim/base/random.h"
#include "simsock/sim/inet/inet_stack.h"
#include "simsock/sim/inet/tcp_listener.h"
#include "simsock/sim/inet/tcp_socket.h"

namespace simsock::sim {

using tcp::Segment;
using tcp::TcpState;

tcp::TcbConfig TcpSocket::MakeConfig(uint32_t peer_ip) const {
  const HostSettings& s = stack_.settings();
  tcp::TcbConfig c;
  c.local_port = local_.port;
  c.remote_port = peer_.port;
  uint16_t mss = stack_.MssFor(peer_ip);
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
  c.congestion = std::string(topts_.congestion());
  c.invalid_ratelimit = s.tcp_invalid_ratelimit;
  c.hz = s.hz;
  return c;
}

uint16_t TcpSocket::PickConnectPort(uint32_t src, const Endpoint& dst) {
  const HostSettings& s = stack_.settings();
  return stack_.tcp_ports().PickForConnect(
      s.port_range_lo, s.port_range_hi, stack_.env().Rng("port.ephemeral"),
      stack_.PortsInUse(src, dst.ip, dst.port), [&](uint16_t port) {
        return stack_.FindConnection({src, port, dst.ip, dst.port}) == nullptr;
      });
}

// __inet_stream_connect + tcp_v4_connect.
int TcpSocket::Connect(const sockaddr_storage& addr, socklen_t len) {
  if (len < sizeof(sa_family_t)) return -EINVAL;
  if (addr.ss_family == AF_UNSPEC) {
    // connect(AF_UNSPEC): disconnect, then the socket may connect again.
    if (listener_) StopListening();
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
      if (was_listener_ && stack_.settings().tcp_sticky_roles) return -EINVAL;
      uint32_t src =
          local_.ip != 0 ? local_.ip : stack_.SourceAddressFor(dst.ip);
      uint16_t port = held_port_;
      if (port == 0) {
        port = PickConnectPort(src, dst);
        if (port == 0) return -EADDRNOTAVAIL;
      } else if (TcpConnection* other =
                     stack_.FindConnection({src, port, dst.ip, dst.port})) {
        // The 4-tuple is in use. A TIME_WAIT is recycled, as Linux's
        // tcp_tw_reuse = 2 does on loopback; anything else refuses.
        if (!other->InTimeWait()) return -EADDRNOTAVAIL;
        other->KillTimeWait();
      }
      if (tcb_) tcb_.reset();  // a finished earlier connection
      local_.ip = src;
      peer_ = dst;
      if (held_port_ == 0) HoldPort(port, /*connect_bound=*/true);
      key_ = {src, port, dst.ip, dst.port};
      tcb_.emplace(MakeConfig(dst.ip), stack_.shared_tcb_config());
      was_connection_ = true;
      if (topts_.cork) tcb_->SetCork(true, Now());
      stack_.AddConnection(key_, Self(), /*active_open=*/true);
      in_table_ = true;
      // shutdown flags set on the unconnected socket stay (inet_shutdown's
      // "hack"): a later write still gets EPIPE.
      sock_state_ = SockState::kConnecting;
      // tcp_connect_init clears an error the last attempt left unread, and
      // SOCK_DONE.
      error_ = 0;
      done_ = false;
      tcb_->Connect(tcp::SeqNum(stack_.NewIss()), Now());
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
    // A socket with an fd is never in TIME_WAIT here: its TIME_WAIT has
    // moved to a TcpTimeWait (DetachTimeWait), which lives on.
    if (in_table_) {
      stack_.RemoveConnection(key_, this);
      in_table_ = false;
    }
    tcb_.reset();
    stack_.env().Cancel(timer_);
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

}  // namespace simsock::sim
