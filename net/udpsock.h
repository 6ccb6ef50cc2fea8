/// \file
/// UDP: UDPConn, ListenUDP, DialUDP (Go's udpsock.go).
///
/// Datagram sockets are opened SOCK_NONBLOCK|SOCK_CLOEXEC with SO_BROADCAST
/// (as Go). ReadFrom returns one datagram (truncated to the buffer, as
/// recvfrom) and its sender; a zero-length datagram is a 0-byte read, not
/// EOF. WriteTo on a connected UDPConn fails with "use of WriteTo with
/// pre-connected connection" as in Go. Deadlines as on Conn.
/// Threading: the Runtime's thread; blocking calls from its tasks.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "simsock/net/conn.h"
#include "simsock/net/error.h"
#include "simsock/net/ip.h"
#include "simsock/net/net_fd.h"

namespace simsock::net {

class Runtime;

/// What UDPConn::ReadFrom returns: Go's `n, addr, err := c.ReadFrom(b)`.
struct ReadFromResult {
  size_t n = 0;  ///< The datagram's bytes copied into the buffer (the rest is
                 ///< dropped).
  UDPAddr addr;  ///< The sender.
};

/// A UDP socket (Go's *net.UDPConn), connected (DialUDP) or not (ListenUDP):
/// a Conn plus datagram calls. Each Read or Write is one datagram. A handle,
/// as Conn.
class UDPConn : public Conn {
 public:
  UDPConn() = default;  ///< nil
  /// Wraps an open UDP socket (DialUDP and ListenUDP make these).
  explicit UDPConn(std::shared_ptr<internal::NetFD> fd) : Conn(std::move(fd)) {}
  /// A type assertion, c.(*UDPConn): aborts if c is not a UDP conn.
  explicit UDPConn(const Conn& c);

  /// Receives one datagram and its sender, parking the task until one arrives
  /// (one recvfrom per wakeup); a datagram longer than len is truncated. Fails
  /// with Timeout() at the read deadline, IsClosed() after Close(), or the
  /// errno (ECONNREFUSED after an ICMP port unreachable on a connected socket)
  /// as Go's OpError "read".
  Result<ReadFromResult> ReadFrom(void* buf, size_t len);
  /// ReadFrom(buf.data(), buf.size()).
  Result<ReadFromResult> ReadFrom(std::span<char> buf) {
    return ReadFrom(buf.data(), buf.size());
  }
  /// ReadFrom(buf, len).
  Result<ReadFromResult> ReadFromUDP(void* buf, size_t len) {
    return ReadFrom(buf, len);
  }
  /// Sends buf as one datagram to addr (one sendto); returns len. Fails on a
  /// connected socket ("use of WriteTo with pre-connected connection", as
  /// Go), with EMSGSIZE, EACCES, Timeout() at the write deadline, or
  /// IsClosed(), as Go's OpError "write".
  Result<size_t> WriteTo(const void* buf, size_t len, const UDPAddr& addr);
  /// WriteTo(s.data(), s.size(), addr).
  Result<size_t> WriteTo(std::string_view s, const UDPAddr& addr) {
    return WriteTo(s.data(), s.size(), addr);
  }
  /// WriteTo(buf, len, addr).
  Result<size_t> WriteToUDP(const void* buf, size_t len, const UDPAddr& addr) {
    return WriteTo(buf, len, addr);
  }
};

/// Go's ListenUDP: network "udp" or "udp4".
Result<UDPConn> ListenUDP(Runtime& rt, std::string_view network,
                          const UDPAddr& laddr);
/// Go's DialUDP: laddr may be nullptr.
Result<UDPConn> DialUDP(Runtime& rt, std::string_view network,
                        const UDPAddr* laddr, const UDPAddr& raddr);

namespace internal {

Result<UDPConn> DialUDPCause(Runtime& rt, const std::string& network,
                             const UDPAddr* laddr, const UDPAddr& raddr,
                             const ControlFn& control);
Result<UDPConn> ListenUDPCause(Runtime& rt, const std::string& network,
                               const UDPAddr& laddr, const ControlFn& control);

}  // namespace internal
}  // namespace simsock::net
