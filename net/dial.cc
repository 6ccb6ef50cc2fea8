// Dialer and ListenConfig: see dial.h. Follows Go's dial.go (DialContext,
// dialSerial, ListenConfig.Listen / ListenPacket).
#include "simsock/net/dial.h"

#include "simsock/net/resolve.h"
#include "simsock/net/runtime/runtime.h"

namespace simsock::net {

namespace {

bool IsTCP(std::string_view n) { return n == "tcp" || n == "tcp4"; }
bool IsUDP(std::string_view n) { return n == "udp" || n == "udp4"; }

}  // namespace

Result<Conn> Dialer::Dial(Runtime& rt, std::string_view network,
                          std::string_view address) const {
  return DialImpl(rt, nullptr, network, address);
}

Result<Conn> Dialer::DialContext(const context::Context& ctx,
                                 std::string_view network,
                                 std::string_view address) const {
  return DialImpl(ctx.runtime(), &ctx, network, address);
}

Result<Conn> Dialer::DialImpl(Runtime& rt, const context::Context* ctx,
                              std::string_view network,
                              std::string_view address) const {
  const std::string net(network);
  Time dl = deadline;
  // Go's Dialer.deadline: any nonzero timeout counts, "including negative,
  // for historical reasons" (dial.go) -- a negative one is a deadline
  // already past, so the dial fails with "i/o timeout" before connecting.
  // Zero alone means no timeout.
  if (timeout != Duration::zero()) {
    Time t = rt.Now().Add(timeout);
    if (dl.IsZero() || t.Before(dl)) dl = t;
  }
  if (ctx != nullptr) {
    // Go's Dialer.deadline: the context's deadline counts too.
    if (auto cd = ctx->Deadline(); cd && (dl.IsZero() || cd->Before(dl))) {
      dl = *cd;
    }
    // Go checks the context before resolving.
    if (auto err = ctx->Err()) {
      return Error::MapContextError(*err).WithOp("dial", net, "", "");
    }
  }
  if (!IsTCP(network) && !IsUDP(network)) {
    return Error::UnknownNetwork(net).WithOp("dial", net, "", "");
  }
  auto list = internal::InternetAddrList(rt, network, address);
  if (!list.ok()) return list.error().WithOp("dial", net, "", "");
  const std::string source = local_addr.has_value() ? local_addr->String() : "";
  std::optional<Error> first;
  for (const IP& ip : list->ips) {
    const std::string dest = TCPAddr{ip, list->port, ""}.String();
    // Go's dialSerial: a done context ends the walk through the addresses.
    if (ctx != nullptr && ctx->Err()) {
      if (!first) {
        first = Error::MapContextError(*ctx->Err())
                    .WithOp("dial", net, source, dest);
      }
      break;
    }
    if (!dl.IsZero() && !rt.Now().Before(dl)) {
      if (!first) {
        first = Error::DialTimeout().WithOp("dial", net, source, dest);
      }
      break;
    }
    if (IsTCP(network)) {
      TCPAddr raddr{ip, list->port, ""};
      TCPAddr laddr;
      if (local_addr) laddr = local_addr->AsTCPAddr();
      auto c = internal::DialTCPCause(rt, net, local_addr ? &laddr : nullptr,
                                      raddr, dl, control, keep_alive, ctx);
      if (c.ok()) return Conn(*c);
      // A dial that ran out of time is Go's errTimeout ("i/o timeout",
      // and Is(context::DeadlineExceeded)), not os.ErrDeadlineExceeded.
      Error cause = c.error().kind() == Error::Kind::kTimeout
                        ? Error::DialTimeout()
                        : c.error();
      if (!first) first = cause.WithOp("dial", net, source, dest);
    } else {
      UDPAddr raddr{ip, list->port, ""};
      UDPAddr laddr;
      if (local_addr) laddr = local_addr->AsUDPAddr();
      auto c = internal::DialUDPCause(rt, net, local_addr ? &laddr : nullptr,
                                      raddr, control);
      if (c.ok()) return Conn(*c);
      if (!first) first = c.error().WithOp("dial", net, source, dest);
    }
  }
  return *first;
}

Result<Conn> Dial(Runtime& rt, std::string_view network,
                  std::string_view address) {
  return Dialer{}.Dial(rt, network, address);
}

Result<Conn> DialContext(const context::Context& ctx, std::string_view network,
                         std::string_view address) {
  return Dialer{}.DialContext(ctx, network, address);
}

Result<Conn> DialTimeout(Runtime& rt, std::string_view network,
                         std::string_view address, Duration timeout) {
  Dialer d;
  d.timeout = timeout;
  return d.Dial(rt, network, address);
}

Result<TCPListener> ListenConfig::Listen(Runtime& rt, std::string_view network,
                                         std::string_view address) const {
  const std::string net(network);
  if (!IsTCP(network)) {
    return Error::UnknownNetwork(net).WithOp("listen", net, "", "");
  }
  auto list = internal::InternetAddrList(rt, network, address);
  if (!list.ok()) return list.error().WithOp("listen", net, "", "");
  TCPAddr laddr{list->ips.front(), list->port, ""};
  auto l = internal::ListenTCPCause(
      rt, net, laddr, backlog > 0 ? backlog : internal::kDefaultBacklog,
      control, keep_alive);
  if (!l.ok()) return l.error().WithOp("listen", net, "", laddr.String());
  return l;
}

Result<UDPConn> ListenConfig::ListenPacket(Runtime& rt,
                                           std::string_view network,
                                           std::string_view address) const {
  const std::string net(network);
  if (!IsUDP(network)) {
    return Error::UnknownNetwork(net).WithOp("listen", net, "", "");
  }
  auto list = internal::InternetAddrList(rt, network, address);
  if (!list.ok()) return list.error().WithOp("listen", net, "", "");
  UDPAddr laddr{list->ips.front(), list->port, ""};
  auto c = internal::ListenUDPCause(rt, net, laddr, control);
  if (!c.ok()) return c.error().WithOp("listen", net, "", laddr.String());
  return c;
}

Result<TCPListener> Listen(Runtime& rt, std::string_view network,
                           std::string_view address) {
  return ListenConfig{}.Listen(rt, network, address);
}

Result<UDPConn> ListenPacket(Runtime& rt, std::string_view network,
                             std::string_view address) {
  return ListenConfig{}.ListenPacket(rt, network, address);
}

}  // namespace simsock::net
