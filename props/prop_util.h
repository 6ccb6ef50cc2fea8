// Small helpers shared by the property tests (props/*_prop.cc) and the
// fuzzer: addresses, the byte pattern every property writes, epoll masks as
// text, and the replay banner printed with every counterexample.
//
// Threading: none; everything here is a pure function of its arguments.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "simsock/net/sys/names.h"
#include "simsock/net/sys/syscalls.h"

namespace simsock::props {

inline sockaddr_in Addr(uint32_t ip_host_order, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(ip_host_order);
  return a;
}

inline constexpr uint32_t kLoopback = 0x7f000001;  // 127.0.0.1
inline constexpr uint32_t kAnyAddr = 0;            // 0.0.0.0
// Host h (0-based) of a simulated world is 10.0.0.(h+1).
inline uint32_t HostIp(int h) { return 0x0a000001u + static_cast<uint32_t>(h); }
inline std::string HostIpStr(int h) {
  return "10.0.0." + std::to_string(h + 1);
}

inline std::string IpStr(uint32_t ip_host_order) {
  return std::to_string(ip_host_order >> 24) + "." +
         std::to_string((ip_host_order >> 16) & 0xff) + "." +
         std::to_string((ip_host_order >> 8) & 0xff) + "." +
         std::to_string(ip_host_order & 0xff);
}

inline int BindTo(sys::Syscalls& s, int fd, uint32_t ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return s.bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
}

inline int ConnectTo(sys::Syscalls& s, int fd, uint32_t ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return s.connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
}

// The byte at `offset` of the stream written in direction `dir` of
// connection `conn`. Every property writes this pattern, so a reader can
// tell a dropped, duplicated or reordered byte from the value alone.
inline char PatternByte(int conn, int dir, int64_t offset) {
  uint64_t x =
      static_cast<uint64_t>(offset) * 7 + static_cast<uint64_t>(offset / 251) +
      static_cast<uint64_t>(conn) * 131 + static_cast<uint64_t>(dir) * 71;
  return static_cast<char>(x & 0xff);
}

// The readiness of one fd as a level-triggered epoll asking for
// IN|OUT|RDHUP reports it (0 if nothing), through a throwaway epoll set that
// is closed again before returning. Negative on error.
inline int64_t ProbeMask(sys::Syscalls& s, int fd) {
  int ep = s.epoll_create1(0);
  if (ep < 0) return ep;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
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

inline std::string MaskStr(uint32_t mask) { return sys::EpollEventsName(mask); }

// "5", "-EAGAIN".
inline std::string ResultStr(long r) { return sys::ResultString(r); }

// How to replay a failing case; printed (through RC_LOG) with every
// counterexample.
inline std::string ReplayHint(uint64_t sim_seed) {
  return "replay: RC_PARAMS=\"seed=<seed printed by rapidcheck above>\" "
         "(or reproduce=<string printed at the end>); this case's simulator "
         "seed is " +
         std::to_string(sim_seed);
}

}  // namespace simsock::props
