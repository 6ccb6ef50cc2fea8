/// \file
/// Socket helpers for tests, on any sys::Syscalls (the real kernel or a
/// simulated process): IPv4 addresses, bind/connect/sendto by address and
/// port, the local port of a socket, and an fd's epoll readiness. Every
/// call returns the syscall's raw result (a value or -errno), so a test can
/// check it with the matchers of simsock/testing/matchers.h.
///
/// Header-only and free of GoogleTest, so that fuzzers and properties can use
/// it too. Threading: none; each helper is a function of its arguments.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "simsock/net/sys/syscalls.h"

namespace simsock::testing {

inline constexpr uint32_t kLoopback = 0x7f000001;  ///< 127.0.0.1
inline constexpr uint32_t kAnyAddr = 0;            ///< 0.0.0.0

/// An AF_INET address from a dotted quad ("10.0.0.1"; anything else gives
/// 0.0.0.0).
inline sockaddr_in Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}
/// An AF_INET address from an address in host byte order.
inline sockaddr_in Addr(uint32_t ip_host_order, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip_host_order);
  return a;
}

/// Host h (0-based) of a simulated world built the usual way is
/// 10.0.0.(h+1).
inline uint32_t HostIp(int h) { return 0x0a000001u + static_cast<uint32_t>(h); }
/// Host h's address as text: "10.0.0.(h+1)".
inline std::string HostIpStr(int h) {
  return "10.0.0." + std::to_string(h + 1);
}
/// "10.0.0.1" for an address in host byte order.
inline std::string IpStr(uint32_t ip_host_order) {
  return std::to_string(ip_host_order >> 24) + "." +
         std::to_string((ip_host_order >> 16) & 0xff) + "." +
         std::to_string((ip_host_order >> 8) & 0xff) + "." +
         std::to_string(ip_host_order & 0xff);
}

/// bind(2) to ip:port (a dotted quad or an address in host byte order);
/// returns what s.bind returns.
template <typename Ip>
int Bind(sys::Syscalls& s, int fd, Ip ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return s.bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
}
/// connect(2) to ip:port; returns what s.connect returns.
template <typename Ip>
int Connect(sys::Syscalls& s, int fd, Ip ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return s.connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
}
/// sendto(2) of buf to ip:port, no flags; returns what s.sendto returns.
template <typename Ip>
ssize_t SendTo(sys::Syscalls& s, int fd, const void* buf, size_t len, Ip ip,
               uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return s.sendto(fd, buf, len, 0, reinterpret_cast<const sockaddr*>(&a),
                  sizeof a);
}

/// The port getsockname(2) reports (0 if the call fails).
inline uint16_t LocalPort(sys::Syscalls& s, int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  s.getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

/// The readiness of one fd as a level-triggered epoll asking for `events`
/// reports it (0 if nothing), through a throwaway epoll set that is closed
/// again before returning. Negative (-errno) on error.
inline int64_t ProbeMask(sys::Syscalls& s, int fd,
                         uint32_t events = EPOLLIN | EPOLLOUT | EPOLLRDHUP) {
  int ep = s.epoll_create1(0);
  if (ep < 0) return ep;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  int r = s.epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  if (r < 0) {
    s.close(ep);
    return r;
  }
  epoll_event out[2];
  int n = s.epoll_wait(ep, out, 2, 0);
  s.close(ep);
  if (n < 0) return n;
  return n == 0 ? 0 : out[0].events;
}

/// The events a nonblocking epoll_wait reports for the one fd registered in
/// epfd, or 0.
inline uint32_t WaitOne(sys::Syscalls& s, int epfd) {
  epoll_event ev{};
  int n = s.epoll_wait(epfd, &ev, 1, 0);
  return n == 1 ? ev.events : 0;
}

}  // namespace simsock::testing
