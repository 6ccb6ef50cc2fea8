// UDP: see udpsock.h. Follows Go's udpsock.go / udpsock_posix.go.
#include "simsock/net/udpsock.h"

#include <sys/socket.h>

#include "simsock/net/net_fd.h"
#include "simsock/net/runtime/check.h"

namespace simsock::net {

namespace {

bool IsUDPNetwork(std::string_view n) { return n == "udp" || n == "udp4"; }

}  // namespace

UDPConn::UDPConn(const Conn& c) : Conn(c) {
  SIMSOCK_NET_CHECK(IsNil() || fd_->sotype() == SOCK_DGRAM,
                    "interface conversion: Conn is not a UDPConn");
}

Result<ReadFromResult> UDPConn::ReadFrom(void* buf, size_t len) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "ReadFrom on a nil UDPConn");
  auto r = fd_->ReadFrom(buf, len);
  if (!r.ok()) return Wrap("read", r.error());
  return ReadFromResult{
      r->n, UDPAddr{IPFromSockaddr(r->addr), PortFromSockaddr(r->addr), ""}};
}

Result<size_t> UDPConn::WriteTo(const void* buf, size_t len,
                                const UDPAddr& addr) {
  SIMSOCK_NET_CHECK(fd_ != nullptr, "WriteTo on a nil UDPConn");
  auto wrap = [&](const Error& e) {
    return e.WithOp("write", fd_->net(), OpAddrString(fd_->laddr()),
                    addr.String());
  };
  if (fd_->is_connected()) {
    return wrap(Error::New("use of WriteTo with pre-connected connection"));
  }
  auto r = fd_->WriteTo(buf, len, ToSockaddr(addr.ip, addr.port));
  if (!r.ok()) return wrap(r.error());
  return r;
}

namespace internal {

Result<UDPConn> DialUDPCause(Runtime& rt, const std::string& network,
                             const UDPAddr* laddr, const UDPAddr& raddr,
                             const ControlFn& control) {
  auto fd = NewSocket(rt, network, SOCK_DGRAM);
  if (!fd.ok()) return fd.error();
  sockaddr_in ra = ToSockaddr(raddr.ip, raddr.port);
  sockaddr_in la{};
  Addr local;
  if (laddr != nullptr) {
    la = ToSockaddr(laddr->ip, laddr->port);
    local = *laddr;
  }
  auto r = (*fd)->Dial(laddr ? &la : nullptr, laddr ? &local : nullptr, ra,
                       Addr(raddr), Time(), control);
  if (!r.ok()) {
    (void)(*fd)->Close();
    return r.error();
  }
  return UDPConn(std::move(*fd));
}

Result<UDPConn> ListenUDPCause(Runtime& rt, const std::string& network,
                               const UDPAddr& laddr, const ControlFn& control) {
  auto fd = NewSocket(rt, network, SOCK_DGRAM);
  if (!fd.ok()) return fd.error();
  sockaddr_in la = ToSockaddr(laddr.ip, laddr.port);
  auto r = (*fd)->ListenDatagram(la, Addr(laddr), control);
  if (!r.ok()) {
    (void)(*fd)->Close();
    return r.error();
  }
  return UDPConn(std::move(*fd));
}

}  // namespace internal

Result<UDPConn> ListenUDP(Runtime& rt, std::string_view network,
                          const UDPAddr& laddr) {
  const std::string net(network);
  if (!IsUDPNetwork(network)) {
    return Error::UnknownNetwork(net).WithOp("listen", net, "", laddr.String());
  }
  auto c = internal::ListenUDPCause(rt, net, laddr, nullptr);
  if (!c.ok()) return c.error().WithOp("listen", net, "", laddr.String());
  return c;
}

Result<UDPConn> DialUDP(Runtime& rt, std::string_view network,
                        const UDPAddr* laddr, const UDPAddr& raddr) {
  const std::string net(network);
  const std::string source = laddr ? laddr->String() : "";
  if (!IsUDPNetwork(network)) {
    return Error::UnknownNetwork(net).WithOp("dial", net, source,
                                             raddr.String());
  }
  auto c = internal::DialUDPCause(rt, net, laddr, raddr, nullptr);
  if (!c.ok()) return c.error().WithOp("dial", net, source, raddr.String());
  return c;
}

}  // namespace simsock::net
