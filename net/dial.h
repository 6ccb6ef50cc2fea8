/// \file
/// Dial and Listen by name: Dialer, ListenConfig, Dial, Listen, ListenPacket
/// (Go's dial.go).
///
/// Dialer: timeout and deadline (the earlier wins) bound name resolution's
/// aftermath and the connect; the wait is the poller's, so a blocked dial
/// parks only its task. A dial that runs out of time fails with
/// "dial tcp4 10.0.0.1:80: i/o timeout" (Timeout() true). local_addr binds
/// the socket before connect; control is Go's Control hook. Each resolved
/// address is tried in turn until one connects; the first error is
/// returned (Go also splits the time between addresses: not done here).
///
/// ListenConfig: backlog (0: 4096, Go's listenerBacklog on a default Linux)
/// and the control hook, called after SO_REUSEADDR and before bind.
///
/// keep_alive: 0 leaves SO_KEEPALIVE off (Go's default is on, 15 s; set
/// 15 * kSecond to match Go); > 0 enables it with that idle/interval.
/// Threading: the Runtime's thread; Dial from one of its tasks.
#pragma once

#include <optional>
#include <string_view>

#include "simsock/net/conn.h"
#include "simsock/net/context.h"
#include "simsock/net/error.h"
#include "simsock/net/ip.h"
#include "simsock/net/net_fd.h"
#include "simsock/net/runtime/time.h"
#include "simsock/net/tcpsock.h"
#include "simsock/net/udpsock.h"

namespace simsock::net {

class Runtime;

/// Options for dialing (Go's net.Dialer); the zero value dials with no
/// timeout, as Go's.
struct Dialer {
  Duration timeout{0};  ///< 0: none; < 0: already expired (as Go)
  Time deadline;        ///< zero: none
  /// The local address to bind before connect; none lets the kernel choose.
  std::optional<Addr> local_addr;
  Duration keep_alive{0};  ///< TCP only; see above
  /// Go's Dialer.Control (ControlFn): called with the new socket before
  /// bind and connect; an error from it fails the dial.
  ControlFn control;

  /// Resolves address ("host:port") and connects to each address in turn
  /// until one answers, parking the task. network: "tcp", "tcp4", "udp",
  /// "udp4". The Conn is a TCPConn or a UDPConn (convert with
  /// TCPConn(conn) / UDPConn(conn)). Fails as Go's OpError "dial" with the
  /// first address's error: ECONNREFUSED, ETIMEDOUT, Timeout() when the
  /// timeout or deadline passes, a DNSError ("no such host"), an AddrError
  /// (bad address), UnknownNetwork. Costs a name lookup (resolve_ipv4,
  /// which blocks the thread on Linux) and, per address tried, socket,
  /// connect and a wait for the handshake.
  Result<Conn> Dial(Runtime& rt, std::string_view network,
                    std::string_view address) const;

  /// Go's Dialer.DialContext: Dial on ctx's Runtime, bounded also by ctx.
  /// The connect's deadline is the earliest of ctx's deadline, `deadline`
  /// and now + `timeout`. A ctx already done fails before resolving
  /// ("dial tcp4: operation was canceled"); a ctx that ends during the
  /// connect interrupts it ("dial tcp4 10.0.0.1:80: operation was
  /// canceled", or "i/o timeout" for its deadline): Go's mapErr, so
  /// error().Is(context::Canceled) / Is(context::DeadlineExceeded) hold.
  Result<Conn> DialContext(const context::Context& ctx,
                           std::string_view network,
                           std::string_view address) const;

 private:
  Result<Conn> DialImpl(Runtime& rt, const context::Context* ctx,
                        std::string_view network,
                        std::string_view address) const;
};

/// Dialer{}.Dial.
Result<Conn> Dial(Runtime& rt, std::string_view network,
                  std::string_view address);
/// Go's net.DialContext: Dialer{}.DialContext(ctx, network, address).
Result<Conn> DialContext(const context::Context& ctx, std::string_view network,
                         std::string_view address);
/// Dialer{timeout}.Dial: zero means no timeout; a negative timeout fails at
/// once with "dial tcp4 a:p: i/o timeout", as Go's DialTimeout does.
Result<Conn> DialTimeout(Runtime& rt, std::string_view network,
                         std::string_view address, Duration timeout);

/// Options for listening (Go's net.ListenConfig).
struct ListenConfig {
  int backlog = 0;  ///< listen(2)'s backlog; 0: 4096 (Go's on Linux)
  /// Go's ListenConfig.Control: called with the new socket's fd after
  /// SO_REUSEADDR and before bind; an error from it fails the listen.
  ControlFn control;
  Duration keep_alive{0};  ///< for accepted conns; see above

  /// Listens on address ("host:port", ":0" for any port) for network "tcp"
  /// or "tcp4". Fails as Go's OpError "listen": EADDRINUSE, EACCES, a
  /// DNSError or AddrError for the address, UnknownNetwork. Costs a name
  /// lookup when the host is a name, then socket, setsockopt, bind, listen.
  Result<TCPListener> Listen(Runtime& rt, std::string_view network,
                             std::string_view address) const;
  /// Opens a UDP socket bound to address for network "udp" or "udp4"; fails
  /// as Listen.
  Result<UDPConn> ListenPacket(Runtime& rt, std::string_view network,
                               std::string_view address) const;
};

/// ListenConfig{}.Listen (Go's net.Listen).
Result<TCPListener> Listen(Runtime& rt, std::string_view network,
                           std::string_view address);
/// ListenConfig{}.ListenPacket (Go's net.ListenPacket).
Result<UDPConn> ListenPacket(Runtime& rt, std::string_view network,
                             std::string_view address);

}  // namespace simsock::net
