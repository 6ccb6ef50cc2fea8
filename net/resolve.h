/// \file
/// Name and port resolution: ResolveTCPAddr, ResolveUDPAddr, LookupPort,
/// LookupHost, following Go's ipsock.go / lookup.go / port.go.
///
/// Host names go through the backend: Syscalls::resolve_ipv4 (the system
/// resolver on Linux, the world's name table in the simulator). On Linux
/// that call blocks the thread (and so the Runtime) while it runs, as a
/// cgo lookup holds its thread in Go.
///
/// Networks: "tcp", "tcp4" (and "" as "tcp"), "udp", "udp4". TODO(#3):
/// "tcp6"/"udp6" and AAAA lookups. Error texts are Go's:
/// \code
///   "unknown network tcp7", "address 1.2.3.4: missing port in address",
///   "lookup tcp/nosuch: unknown port", "address 70000: invalid port",
///   "lookup nosuch.invalid: no such host".
/// \endcode
/// Named ports come from Go's built-in fallback table (http, https, ssh,
/// ...), not /etc/services: net/ reaches the system only through Syscalls.
/// Threading: the Runtime's thread.
#pragma once

#include <string_view>
#include <vector>

#include "simsock/net/error.h"
#include "simsock/net/ip.h"

namespace simsock::net {

class Runtime;

/// Go's ResolveTCPAddr: "host:port" to a TCPAddr (the first IPv4 address of
/// host; an empty host gives a nil IP). Fails with UnknownNetwork, an
/// AddrError ("missing port in address", "invalid port"), a DNSError ("no
/// such host", or temporary). Costs one resolve_ipv4 when host is a name,
/// which blocks the thread on Linux.
Result<TCPAddr> ResolveTCPAddr(Runtime& rt, std::string_view network,
                               std::string_view address);
/// Go's ResolveUDPAddr: as ResolveTCPAddr, for "udp" and "udp4".
Result<UDPAddr> ResolveUDPAddr(Runtime& rt, std::string_view network,
                               std::string_view address);

/// Go's LookupPort: "80" -> 80, "http" -> 80 for tcp. Fails with a DNSError
/// "lookup tcp/nosuch: unknown port" for a name not in the table, an
/// AddrError "invalid port" for a number outside [0, 65535], UnknownNetwork.
/// No syscall.
Result<int> LookupPort(std::string_view network, std::string_view service);

/// Go's LookupIP: the IPv4 addresses of host (a literal resolves to itself,
/// with no syscall). Fails with a DNSError: "lookup x: no such host", or
/// temporary (EAGAIN from the resolver). Costs one resolve_ipv4 (blocking
/// the thread on Linux).
Result<std::vector<IP>> LookupIP(Runtime& rt, std::string_view host);

namespace internal {

struct AddrList {
  std::vector<IP> ips;  ///< one nil IP when the host was empty
  int port = 0;
};

/// Go's internetAddrList for "tcp*"/"udp*": the candidate endpoints.
Result<AddrList> InternetAddrList(Runtime& rt, std::string_view network,
                                  std::string_view address);

}  // namespace internal
}  // namespace simsock::net
