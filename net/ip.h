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

/// An IP address as Go's net.IP: 0 bytes (nil), 4 (IPv4) or 16. A plain
/// value; copying costs 17 bytes.
class IP {
 public:
  IP() = default;  ///< nil
  /// The IPv4 address a.b.c.d.
  static IP V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  /// From an address in host byte order (as resolve_ipv4 gives).
  static IP FromV4HostOrder(uint32_t addr);
  /// 0.0.0.0 (Go's net.IPv4zero): the wildcard address to listen on.
  static IP IPv4zero() { return V4(0, 0, 0, 0); }

  /// True for the nil IP (no bytes), which Listen and Dial read as "any".
  bool IsNil() const { return len_ == 0; }
  /// True for a 4-byte (IPv4) address.
  bool IsV4() const { return len_ == 4; }
  /// True for 0.0.0.0 (Go's IP.IsUnspecified).
  bool IsUnspecified() const;
  /// True for 127.0.0.0/8 (Go's IP.IsLoopback).
  bool IsLoopback() const;
  /// Host byte order; 0 for nil.
  uint32_t V4HostOrder() const;
  /// The number of bytes: 0, 4 or 16.
  size_t size() const { return len_; }
  /// The bytes, in network order; size() of them.
  const uint8_t* data() const { return bytes_.data(); }

  /// "127.0.0.1"; "<nil>" for the nil IP (Go's IP.String).
  std::string String() const;
  /// Same length and same bytes.
  friend bool operator==(const IP& a, const IP& b) {
    return a.len_ == b.len_ && a.bytes_ == b.bytes_;
  }

 private:
  std::array<uint8_t, 16> bytes_{};
  uint8_t len_ = 0;
};

/// Go's ParseIP (IPv4 dotted decimal only for now): nil IP if not valid.
IP ParseIP(std::string_view s);

/// A TCP endpoint (Go's net.TCPAddr). A nil ip means any address (listen)
/// or the local host (dial).
struct TCPAddr {
  IP ip;             ///< The address; nil for any.
  int port = 0;      ///< The port; 0 lets the kernel choose one (listen, bind).
  std::string zone;  ///< IPv6 scope zone (unused while only IPv4 is supported).

  /// "tcp".
  std::string Network() const { return "tcp"; }
  /// "127.0.0.1:80", ":80" for a nil ip (Go's TCPAddr.String).
  std::string String() const;
  /// Field-wise equality.
  friend bool operator==(const TCPAddr&, const TCPAddr&) = default;
};

/// A UDP endpoint (Go's net.UDPAddr); the same fields as TCPAddr.
struct UDPAddr {
  IP ip;             ///< The address; nil for any.
  int port = 0;      ///< The port; 0 lets the kernel choose one.
  std::string zone;  ///< IPv6 scope zone (unused while only IPv4 is supported).

  /// "udp".
  std::string Network() const { return "udp"; }
  /// "127.0.0.1:53", ":53" for a nil ip.
  std::string String() const;
  /// Field-wise equality.
  friend bool operator==(const UDPAddr&, const UDPAddr&) = default;
};

/// Go's net.Addr interface, as a value: the network ("tcp", "udp") and the
/// endpoint. A nil Addr has an empty network.
class Addr {
 public:
  /// The nil Addr (no network).
  Addr() = default;
  /// A "tcp" Addr (implicit, as a *TCPAddr is a net.Addr in Go).
  Addr(const TCPAddr& a)  // NOLINT: implicit, as *TCPAddr is a net.Addr
      : network_("tcp"), ip_(a.ip), port_(a.port), zone_(a.zone) {}
  /// A "udp" Addr (implicit).
  Addr(const UDPAddr& a)  // NOLINT: implicit
      : network_("udp"), ip_(a.ip), port_(a.port), zone_(a.zone) {}

  /// True for the nil Addr.
  bool IsNil() const { return network_.empty(); }
  /// "tcp", "udp", or empty for the nil Addr.
  const std::string& Network() const { return network_; }
  /// "ip:port" as TCPAddr::String prints it; "<nil>" for the nil Addr.
  std::string String() const;
  /// The address.
  const IP& ip() const { return ip_; }
  /// The port.
  int port() const { return port_; }
  /// The endpoint as a TCPAddr, whatever the network.
  TCPAddr AsTCPAddr() const { return TCPAddr{ip_, port_, zone_}; }
  /// The endpoint as a UDPAddr, whatever the network.
  UDPAddr AsUDPAddr() const { return UDPAddr{ip_, port_, zone_}; }
  /// Same network and endpoint.
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

/// Prints ip.String().
inline std::ostream& operator<<(std::ostream& os, const IP& ip) {
  return os << ip.String();
}
/// Prints a.String().
inline std::ostream& operator<<(std::ostream& os, const TCPAddr& a) {
  return os << a.String();
}
/// Prints a.String().
inline std::ostream& operator<<(std::ostream& os, const UDPAddr& a) {
  return os << a.String();
}
/// Prints a.String().
inline std::ostream& operator<<(std::ostream& os, const Addr& a) {
  return os << a.String();
}

/// The two halves of "host:port" (SplitHostPort).
struct HostPort {
  std::string host;  ///< The host, without brackets; may be empty (":80").
  std::string port;  ///< The port as written (a number or a service name).
};

/// Splits "host:port", "[host]:port" or "[ipv6-host%zone]:port" (Go's
/// net.SplitHostPort). Fails with Go's AddrError: "missing port in
/// address", "too many colons in address", "missing ']' in address", ...
Result<HostPort> SplitHostPort(std::string_view hostport);
/// "host:port", or "[host]:port" if host has a colon or a percent sign.
std::string JoinHostPort(std::string_view host, std::string_view port);

/// The AF_INET sockaddr for ip and port (network byte order inside).
sockaddr_in ToSockaddr(const IP& ip, int port);
/// The address of an AF_INET sockaddr.
IP IPFromSockaddr(const sockaddr_in& sa);
/// The port of an AF_INET sockaddr, in host byte order.
int PortFromSockaddr(const sockaddr_in& sa);

}  // namespace simsock::net
