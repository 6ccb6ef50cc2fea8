// Small helpers shared by the simulator's unit tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

#include "simsock/sim/kernel/process.h"

namespace simsock::sim::testing {

inline sockaddr_in Addr(const char* ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

inline int Bind(sys::Syscalls& p, int fd, const char* ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return p.bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

inline int Connect(sys::Syscalls& p, int fd, const char* ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return p.connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

inline ssize_t SendTo(sys::Syscalls& p, int fd, const void* buf, size_t len,
                      const char* ip, uint16_t port) {
  sockaddr_in a = Addr(ip, port);
  return p.sendto(fd, buf, len, 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

inline uint16_t LocalPort(sys::Syscalls& p, int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  p.getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// The events epoll_wait reports for the one fd registered, or 0.
inline uint32_t WaitOne(sys::Syscalls& p, int epfd) {
  epoll_event ev{};
  int n = p.epoll_wait(epfd, &ev, 1, 0);
  return n == 1 ? ev.events : 0;
}

}  // namespace simsock::sim::testing
