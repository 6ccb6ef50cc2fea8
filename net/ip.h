/// \file
/// simsock::net addresses: IP, TCPAddr, UDPAddr, Addr, and host:port syntax.
///
/// IP holds 0 (nil), 4 or 16 bytes, as Go's net.IP holds an IPv4 address in
/// 4 or 16 bytes; only IPv4 is parsed and used today (TODO(#3): IPv6 parsing
/// and AF_INET6 sockets; the types leave room). String() prints like Go:
/// "127.0.0.1", "<nil>" for a nil IP; TCPAddr{nil, 80} prints ":80".
///
/// SplitHostPort / JoinHostPort follow Go's ipsock.go exactly, with its
/// AddrError texts ("address x: missing port in address", "too many colons
/// in address", "missing ']' in address", ...).
/// Threading: plain values.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "simsock/net/error.h"

namespace simsock::net {

class IP {
 public:
  IP() = default;  ///< nil
  static IP V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  /// From an address in host byte order (as resolve_ipv4 gives).
  static IP FromV4HostOrder(uint32_t addr);
  static IP IPv4zero() { return V4(0, 0, 0, 0); }

  bool IsNil() const { return len_ == 0; }
  bool IsV4() const { return len_ == 4; }
  bool IsUnspecified() const;
  bool IsLoopback() const;
  /// Host byte order; 0 for nil.
  uint32_t V4HostOrder() const;
  size_t size() const { return len_; }
  const uint8_t* data() const { return bytes_.data(); }

  std::string String() const;
  friend bool operator==(const IP& a, const IP& b) {
    return a.len_ == b.len_ && a.bytes_ == b.bytes_;
  }

 private:
  std::array<uint8_t, 16> bytes_{};
  uint8_t len_ = 0;
};

/// Go's ParseIP (IPv4 dotted decimal only for now): nil IP if not valid.
IP ParseIP(std::string_view s);

struct TCPAddr {
  IP ip;
  int port = 0;
  std::string zone;

  std::string Network() const { return "tcp"; }
  std::string String() const;
  friend bool operator==(const TCPAddr&, const TCPAddr&) = default;
};

struct UDPAddr {
  IP ip;
  int port = 0;
  std::string zone;

  std::string Network() const { return "udp"; }
  std::string String() const;
  friend bool operator==(const UDPAddr&, const UDPAddr&) = default;
};

/// Go's net.Addr interface, as a value: the network ("tcp", "udp") and the
/// endpoint. A nil Addr has an empty network.
class Addr {
 public:
  Addr() = default;
  Addr(const TCPAddr& a)  // NOLINT: implicit, as *TCPAddr is a net.Addr
      : network_("tcp"), ip_(a.ip), port_(a.port), zone_(a.zone) {}
  Addr(const UDPAddr& a)  // NOLINT: implicit
      : network_("udp"), ip_(a.ip), port_(a.port), zone_(a.zone) {}

  bool IsNil() const { return network_.empty(); }
  const std::string& Network() const { return network_; }
  std::string String() const;
  const IP& ip() const { return ip_; }
  int port() const { return port_; }
  TCPAddr AsTCPAddr() const { return TCPAddr{ip_, port_, zone_}; }
  UDPAddr AsUDPAddr() const { return UDPAddr{ip_, port_, zone_}; }
  friend bool operator==(const Addr&, const Addr&) = default;

 private:
  std::string network_;
  IP ip_;
  int port_ = 0;
  std::string zone_;
};

/// An address as Go's OpError prints it: empty when nil (no "<nil>").
inline std::string OpAddrString(const Addr& a) {
  return a.IsNil() ? "" : a.String();
}

inline std::ostream& operator<<(std::ostream& os, const IP& ip) {
  return os << ip.String();
}
inline std::ostream& operator<<(std::ostream& os, const TCPAddr& a) {
  return os << a.String();
}
inline std::ostream& operator<<(std::ostream& os, const UDPAddr& a) {
  return os << a.String();
}
inline std::ostream& operator<<(std::ostream& os, const Addr& a) {
  return os << a.String();
}

struct HostPort {
  std::string host;
  std::string port;
};

/// Splits "host:port", "[host]:port" or "[ipv6-host%zone]:port".
Result<HostPort> SplitHostPort(std::string_view hostport);
/// "host:port", or "[host]:port" if host has a colon or a percent sign.
std::string JoinHostPort(std::string_view host, std::string_view port);

/// sockaddr conversions (IPv4).
sockaddr_in ToSockaddr(const IP& ip, int port);
IP IPFromSockaddr(const sockaddr_in& sa);
int PortFromSockaddr(const sockaddr_in& sa);

}  // namespace simsock::net
