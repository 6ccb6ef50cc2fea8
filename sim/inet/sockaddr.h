/// \file
/// Helpers that move socket addresses across the syscall boundary with
/// Linux's checks (move_addr_to_kernel, move_addr_to_user).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

namespace simsock::sim {

/// An IPv4 endpoint in host byte order.
struct Endpoint {
  uint32_t ip = 0;    ///< IPv4 address, host byte order
  uint16_t port = 0;  ///< port, host byte order
  /// Orders by (ip, port).
  auto operator<=>(const Endpoint&) const = default;
};

/// Copies a caller's address in: -EINVAL if len is negative or larger than a
/// sockaddr_storage, -EFAULT if addr is null with a non-zero len.
int CopyAddrIn(const sockaddr* addr, socklen_t len, sockaddr_storage* out);
/// Writes `ep` as a sockaddr_in to the caller, truncated to *len, and sets
/// *len to the full size. -EFAULT for a null len (or null addr with
/// *len > 0), -EINVAL for a negative *len.
int CopyAddrOut(const Endpoint& ep, sockaddr* addr, socklen_t* len);

/// ep as an AF_INET sockaddr_in, in network byte order.
sockaddr_in ToSockAddr(const Endpoint& ep);
/// The endpoint of a sockaddr_in (its family is not checked).
Endpoint FromSockAddr(const sockaddr_in& sin);

/// "127.0.0.1:8080"
std::string ToString(const Endpoint& ep);
/// Renders a caller's sockaddr for the trace ("{AF_INET, 127.0.0.1:80}").
std::string DescribeAddr(const sockaddr* addr, socklen_t len);

}  // namespace simsock::sim
