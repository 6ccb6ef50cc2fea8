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
#include "simsock/net/error.h"
#include "simsock/net/ip.h"
#include "simsock/net/net_fd.h"
#include "simsock/net/runtime/time.h"
#include "simsock/net/tcpsock.h"
#include "simsock/net/udpsock.h"

namespace simsock::net {

class Runtime;

struct Dialer {
  Duration timeout{0};  ///< 0: none; < 0: already expired (as Go)
  Time deadline;        ///< zero: none
  std::optional<Addr> local_addr;
  Duration keep_alive{0};  ///< TCP only; see above
  ControlFn control;

  /// network: "tcp", "tcp4", "udp", "udp4". The Conn is a TCPConn or a
  /// UDPConn (convert with TCPConn(conn) / UDPConn(conn)).
  Result<Conn> Dial(Runtime& rt, std::string_view network,
                    std::string_view address) const;
};

/// Dialer{}.Dial.
Result<Conn> Dial(Runtime& rt, std::string_view network,
                  std::string_view address);
/// Dialer{timeout}.Dial: zero means no timeout; a negative timeout fails at
/// once with "dial tcp4 a:p: i/o timeout", as Go's DialTimeout does.
Result<Conn> DialTimeout(Runtime& rt, std::string_view network,
                         std::string_view address, Duration timeout);

struct ListenConfig {
  int backlog = 0;  ///< 0: internal::kDefaultBacklog
  ControlFn control;
  Duration keep_alive{0};  ///< for accepted conns; see above

  Result<TCPListener> Listen(Runtime& rt, std::string_view network,
                             std::string_view address) const;
  Result<UDPConn> ListenPacket(Runtime& rt, std::string_view network,
                               std::string_view address) const;
};

Result<TCPListener> Listen(Runtime& rt, std::string_view network,
                           std::string_view address);
Result<UDPConn> ListenPacket(Runtime& rt, std::string_view network,
                             std::string_view address);

}  // namespace simsock::net
