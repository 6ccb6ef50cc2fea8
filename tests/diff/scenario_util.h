// Small building blocks shared by the differential scenarios. Every call
// goes through the Script, so it is logged like any other.
#pragma once

#include <netinet/tcp.h>

#include <string>

#include "tests/diff/harness.h"

namespace simsock::diff {

inline constexpr uint32_t kInOutRdhup = EPOLLIN | EPOLLOUT | EPOLLRDHUP;

struct Conn {
  int listener = -1;
  int client = -1;
  int server = -1;  // the accepted socket
  uint16_t port = 0;
};

// A listener on 127.0.0.1:<server>, a nonblocking client connected to it,
// and the accepted (nonblocking) socket. The client's port is <client>.
inline Conn Establish(Script& s, int backlog = 8) {
  Conn c;
  c.port = s.Port("server");
  c.listener = s.Tcp();
  s.Bind(c.listener, Lo(c.port));
  s.Listen(c.listener, backlog);
  c.client = s.Tcp();
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  s.NameLocalPort(c.client, "client");
  c.server = s.Accept(c.listener);
  return c;
}

// The mask of one fd, through a throwaway epoll set (level-triggered,
// asking for IN|OUT|RDHUP). Logs "mask(fdN) = ...".
inline uint32_t Mask(Script& s, int fd, uint32_t events = kInOutRdhup) {
  int ep = s.sys().epoll_create1(0);
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  s.sys().epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  epoll_event out[4];
  int n = s.sys().epoll_wait(ep, out, 4, 0);
  s.sys().close(ep);
  uint32_t mask = n > 0 ? out[0].events : 0;
  s.Line("mask(" + s.Fd(fd) + ") = " +
         (n < 0 ? s.Result(n) : EpollMaskName(mask)));
  return mask;
}

}  // namespace simsock::diff
