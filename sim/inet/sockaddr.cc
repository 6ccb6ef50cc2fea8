#include "simsock/sim/inet/sockaddr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

int CopyAddrIn(const sockaddr* addr, socklen_t len, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (static_cast<int>(len) < 0 || len > sizeof(sockaddr_storage))
    return -EINVAL;
  if (len == 0) return 0;
  if (addr == nullptr) return -EFAULT;
  std::memcpy(out, addr, len);
  return 0;
}

int CopyAddrOut(const Endpoint& ep, sockaddr* addr, socklen_t* len) {
  if (len == nullptr) return -EFAULT;
  int have = static_cast<int>(*len);
  if (have < 0) return -EINVAL;
  sockaddr_in sin = ToSockAddr(ep);
  size_t n = std::min(static_cast<size_t>(have), sizeof sin);
  if (n > 0) {
    if (addr == nullptr) return -EFAULT;
    std::memcpy(addr, &sin, n);
  }
  *len = sizeof sin;
  return 0;
}

sockaddr_in ToSockAddr(const Endpoint& ep) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(ep.port);
  sin.sin_addr.s_addr = htonl(ep.ip);
  return sin;
}

Endpoint FromSockAddr(const sockaddr_in& sin) {
  return {ntohl(sin.sin_addr.s_addr), ntohs(sin.sin_port)};
}

std::string ToString(const Endpoint& ep) {
  return IpToString(ep.ip) + ":" + std::to_string(ep.port);
}

std::string DescribeAddr(const sockaddr* addr, socklen_t len) {
  if (addr == nullptr) return "NULL";
  if (static_cast<int>(len) < static_cast<int>(sizeof(sa_family_t)))
    return "{len " + std::to_string(static_cast<int>(len)) + "}";
  sa_family_t family;
  std::memcpy(&family, addr, sizeof family);
  if (family == AF_INET && len >= sizeof(sockaddr_in)) {
    sockaddr_in sin;
    std::memcpy(&sin, addr, sizeof sin);
    return "{AF_INET, " + ToString(FromSockAddr(sin)) + "}";
  }
  return "{family " + std::to_string(family) + ", len " + std::to_string(len) +
         "}";
}

}  // namespace simsock::sim
