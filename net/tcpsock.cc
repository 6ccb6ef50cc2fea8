// TCP: see tcpsock.h. Follows Go's tcpsock.go / tcpsock_posix.go and
// tcpsockopt_unix.go.
#include "simsock/net/tcpsock.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "simsock/net/net_fd.h"
#include "simsock/net/runtime/check.h"

namespace simsock::net {

namespace {

bool IsTCPNetwork(std::string_view n) { return n == "tcp" || n == "tcp4"; }

}  // namespace

TCPConn::TCPConn(const Conn& c) : Conn(c) {
  SIMSOCK_NET_CHECK(IsNil() || fd_->sotype() == SOCK_STREAM,
                    "interface conversion: Conn is not a TCPConn");
}

Result<void> TCPConn::CloseRead() {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "CloseRead on a nil TCPConn");
  auto r = fd_->Shutdown(SHUT_RD);
  if (!r.ok()) return Wrap("close", r.error());
  return r;
}

Result<void> TCPConn::CloseWrite() {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "CloseWrite on a nil TCPConn");
  auto r = fd_->Shutdown(SHUT_WR);
  if (!r.ok()) return Wrap("close", r.error());
  return r;
}

Result<void> TCPConn::SetNoDelay(bool no_delay) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetNoDelay on a nil TCPConn");
  auto r = fd_->SetsockoptInt(IPPROTO_TCP, TCP_NODELAY, no_delay ? 1 : 0);
  if (!r.ok()) return Wrap("set", r.error());
  return r;
}

Result<void> TCPConn::SetKeepAlive(bool keep_alive) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetKeepAlive on a nil TCPConn");
  auto r = fd_->SetsockoptInt(SOL_SOCKET, SO_KEEPALIVE, keep_alive ? 1 : 0);
  if (!r.ok()) return Wrap("set", r.error());
  return r;
}

Result<void> TCPConn::SetKeepAlivePeriod(Duration d) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetKeepAlivePeriod on a nil TCPConn");
  int64_t secs = (d.count() + kSecond.count() - 1) / kSecond.count();
  if (secs < 1) secs = 1;
  auto r =
      fd_->SetsockoptInt(IPPROTO_TCP, TCP_KEEPINTVL, static_cast<int>(secs));
  if (r.ok()) {
    r = fd_->SetsockoptInt(IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(secs));
  }
  if (!r.ok()) return Wrap("set", r.error());
  return r;
}

Result<void> TCPConn::SetLinger(int sec) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetLinger on a nil TCPConn");
  linger l{};
  if (sec >= 0) {
    l.l_onoff = 1;
    l.l_linger = sec;
  }
  auto r = fd_->Setsockopt(SOL_SOCKET, SO_LINGER, &l, sizeof(l));
  if (!r.ok()) return Wrap("set", r.error());
  return r;
}

Result<TCPConn> TCPListener::Accept() {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "Accept on a nil TCPListener");
  auto r = fd_->Accept();
  if (!r.ok()) {
    return r.error().WithOp("accept", fd_->net(), "",
                            OpAddrString(fd_->laddr()));
  }
  internal::SetupTCPConn(**r, keep_alive_);
  return TCPConn(std::move(*r));
}

Result<void> TCPListener::Close() {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "Close on a nil TCPListener");
  auto r = fd_->Close();
  if (!r.ok()) {
    return r.error().WithOp("close", fd_->net(), "",
                            OpAddrString(fd_->laddr()));
  }
  return r;
}

net::Addr TCPListener::Addr() const { return fd_ ? fd_->laddr() : net::Addr(); }

int TCPListener::Fd() const { return fd_ ? fd_->UserFd() : -1; }

Result<void> TCPListener::SetDeadline(Time t) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "SetDeadline on a nil TCPListener");
  auto r = fd_->SetReadDeadline(t);
  if (!r.ok()) {
    return r.error().WithOp("set", fd_->net(), "", OpAddrString(fd_->laddr()));
  }
  return r;
}

namespace internal {

void SetupTCPConn(NetFD& fd, Duration keep_alive) {
  // Go's newTCPConn: setNoDelay(true), errors ignored; keep-alive if asked.
  (void)fd.SetsockoptInt(IPPROTO_TCP, TCP_NODELAY, 1);
  // Not Go's: reads learn when the socket is drained (NetFD::EnableInq).
  fd.EnableInq();
  if (keep_alive.count() > 0) {
    int64_t secs = (keep_alive.count() + kSecond.count() - 1) / kSecond.count();
    (void)fd.SetsockoptInt(SOL_SOCKET, SO_KEEPALIVE, 1);
    (void)fd.SetsockoptInt(IPPROTO_TCP, TCP_KEEPINTVL, static_cast<int>(secs));
    (void)fd.SetsockoptInt(IPPROTO_TCP, TCP_KEEPIDLE, static_cast<int>(secs));
  }
}

namespace {

Result<TCPConn> DialOnce(Runtime& rt, const std::string& network,
                         const TCPAddr* laddr, const TCPAddr& raddr,
                         Time deadline, const ControlFn& control,
                         Duration keep_alive, const context::Context* ctx) {
  auto fd = NewSocket(rt, network, SOCK_STREAM);
  if (!fd.ok()) return fd.error();
  sockaddr_in ra = ToSockaddr(raddr.ip, raddr.port);
  sockaddr_in la{};
  Addr local;
  if (laddr != nullptr) {
    la = ToSockaddr(laddr->ip, laddr->port);
    local = *laddr;
  }
  auto r = (*fd)->Dial(laddr ? &la : nullptr, laddr ? &local : nullptr, ra,
                       Addr(raddr), deadline, control, ctx);
  if (!r.ok()) {
    (void)(*fd)->Close();
    return r.error();
  }
  SetupTCPConn(**fd, keep_alive);
  return TCPConn(std::move(*fd));
}

bool SelfConnect(const TCPConn& c) {
  Addr l = c.LocalAddr();
  Addr r = c.RemoteAddr();
  if (l.IsNil() || r.IsNil()) return true;
  return l.port() == r.port() && l.ip() == r.ip();
}

}  // namespace

Result<TCPConn> DialTCPCause(Runtime& rt, const std::string& network,
                             const TCPAddr* laddr, const TCPAddr& raddr,
                             Time deadline, const ControlFn& control,
                             Duration keep_alive, const context::Context* ctx) {
  auto c =
      DialOnce(rt, network, laddr, raddr, deadline, control, keep_alive, ctx);
  // Go's dialTCP: with an ephemeral local port, a TCP simultaneous open
  // onto ourselves (or a spurious EADDRNOTAVAIL) is retried twice.
  for (int i = 0; i < 2 && (laddr == nullptr || laddr->port == 0); ++i) {
    if (c.ok()) {
      if (!SelfConnect(*c)) break;
      (void)c->Close();
    } else if (c.error().Errno() != EADDRNOTAVAIL) {
      break;
    }
    c = DialOnce(rt, network, laddr, raddr, deadline, control, keep_alive, ctx);
  }
  return c;
}

Result<TCPListener> ListenTCPCause(Runtime& rt, const std::string& network,
                                   const TCPAddr& laddr, int backlog,
                                   const ControlFn& control,
                                   Duration keep_alive) {
  auto fd = NewSocket(rt, network, SOCK_STREAM);
  if (!fd.ok()) return fd.error();
  sockaddr_in la = ToSockaddr(laddr.ip, laddr.port);
  auto r = (*fd)->ListenStream(la, Addr(laddr), backlog, control);
  if (!r.ok()) {
    (void)(*fd)->Close();
    return r.error();
  }
  return TCPListener(std::move(*fd), keep_alive);
}

}  // namespace internal

Result<TCPListener> ListenTCP(Runtime& rt, std::string_view network,
                              const TCPAddr& laddr) {
  const std::string net(network);
  if (!IsTCPNetwork(network)) {
    return Error::UnknownNetwork(net).WithOp("listen", net, "", laddr.String());
  }
  auto l = internal::ListenTCPCause(rt, net, laddr, internal::kDefaultBacklog,
                                    nullptr, Duration(0));
  if (!l.ok()) return l.error().WithOp("listen", net, "", laddr.String());
  return l;
}

Result<TCPConn> DialTCP(Runtime& rt, std::string_view network,
                        const TCPAddr* laddr, const TCPAddr& raddr) {
  const std::string net(network);
  const std::string source = laddr ? laddr->String() : "";
  if (!IsTCPNetwork(network)) {
    return Error::UnknownNetwork(net).WithOp("dial", net, source,
                                             raddr.String());
  }
  auto c = internal::DialTCPCause(rt, net, laddr, raddr, Time(), nullptr,
                                  Duration(0));
  if (!c.ok()) return c.error().WithOp("dial", net, source, raddr.String());
  return c;
}

}  // namespace simsock::net
