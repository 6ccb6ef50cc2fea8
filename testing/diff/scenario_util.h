// Small building blocks shared by the differential scenarios. Every call
// goes through the Script, so it is logged like any other.
#pragma once

#include <netinet/tcp.h>
#include <sys/time.h>

#include <string>

#include "simsock/testing/diff/harness.h"

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

// Establish with pinned buffers: SO_RCVBUF on the listener (the accepted
// socket inherits it) and, if snd_buf > 0, SO_SNDBUF on the client; the
// client's port stays <ephemeral>.
inline Conn EstablishWithBuffers(Script& s, int rcv_buf, int snd_buf = 0) {
  Conn c;
  c.port = s.Port("server");
  c.listener = s.Tcp();
  s.SetInt(c.listener, SOL_SOCKET, SO_RCVBUF, rcv_buf);
  s.Bind(c.listener, Lo(c.port));
  s.Listen(c.listener, 4);
  c.client = s.Tcp();
  if (snd_buf > 0) s.SetInt(c.client, SOL_SOCKET, SO_SNDBUF, snd_buf);
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  c.server = s.Accept(c.listener);
  return c;
}

// A UDP socket bound to 127.0.0.1:<role>, as most UDP scenarios start.
struct BoundUdp {
  uint16_t port = 0;
  Ep ep;
  int fd = -1;
};
inline BoundUdp BindUdp(Script& s, const std::string& role) {
  BoundUdp b;
  b.port = s.Port(role);
  b.ep = Lo(b.port);
  b.fd = s.Udp();
  s.Bind(b.fd, b.ep);
  return b;
}

// A listener with backlog 0 whose one place is taken by `filler`, and a
// nonblocking `client` whose SYN it drops: the client stays in SYN_SENT,
// retransmitting (docs/semantics.md §3).
struct Stuck {
  uint16_t port = 0;
  int listener = -1;
  int filler = -1;
  int client = -1;
};
inline Stuck StuckInSynSent(Script& s) {
  Stuck st;
  st.port = s.Port("server");
  st.listener = s.Tcp();
  s.Bind(st.listener, Lo(st.port));
  s.Listen(st.listener, 0);
  st.filler = s.Tcp();
  s.Connect(st.filler, Lo(st.port));
  s.Settle();
  st.client = s.Tcp();
  s.Connect(st.client, Lo(st.port));
  s.Settle();
  return st;
}

// The mask of one fd, through a throwaway epoll set (level-triggered,
// asking for IN|OUT|RDHUP). Logs "mask(fdN) = ...". Not
// testing::ProbeMask: these exact calls (epoll_wait for 4 events, even
// after a failed epoll_ctl) are in every simulated trace the pins digest.
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
  s.Line("mask(" + s.Fd(fd) +
         ") = " + (n < 0 ? s.Result(n) : EpollMaskName(mask)));
  return mask;
}

}  // namespace simsock::diff

// --- helpers for timeouts, TCP_INFO and elapsed time ------------------------
// (used by diff_blocking_test.cc, diff_tcpinfo_test.cc, diff_options_test.cc)
namespace simsock::diff {

// setsockopt(SO_RCVTIMEO / SO_SNDTIMEO) with a timeval; logs the call.
inline int SetTimeo(Script& s, int fd, int name, long sec, long usec,
                    socklen_t len = sizeof(timeval)) {
  timeval tv{};
  tv.tv_sec = sec;
  tv.tv_usec = usec;
  int r = s.sys().setsockopt(fd, SOL_SOCKET, name, &tv, len);
  s.Line("setsockopt(" + s.Fd(fd) + ", SOL_SOCKET, " +
         (name == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO") + ", {" +
         std::to_string(sec) + "," + std::to_string(usec) + "}" +
         (len != sizeof(timeval) ? ", len " + std::to_string(len) : "") +
         ") = " + s.Result(r));
  return r;
}

// getsockopt(SO_RCVTIMEO / SO_SNDTIMEO); logs "= 0 {sec,usec} len N".
inline int GetTimeo(Script& s, int fd, int name,
                    socklen_t len = sizeof(timeval)) {
  timeval tv{-7, -7};
  socklen_t l = len;
  int r = s.sys().getsockopt(fd, SOL_SOCKET, name, &tv, &l);
  std::string line =
      "getsockopt(" + s.Fd(fd) + ", SOL_SOCKET, " +
      (name == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO") +
      (len != sizeof(timeval) ? ", len " + std::to_string(len) : "") +
      ") = " + s.Result(r);
  if (r == 0) {
    line += " {" + std::to_string(tv.tv_sec) + "," +
            std::to_string(tv.tv_usec) + "} len " + std::to_string(l);
  }
  s.Line(line);
  return r;
}

// getsockopt(TCP_INFO); logs the state number only (the other fields of a
// connection differ by design, docs D14), plus tcpi_unacked / tcpi_sacked
// (accept-queue length and backlog) when `listener`. Returns the state, or
// the error.
inline int TcpInfoState(Script& s, int fd, bool listener = false) {
  tcp_info info{};
  socklen_t len = sizeof info;
  int r = s.sys().getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len);
  std::string line = "tcp_info(" + s.Fd(fd) + ") = " + s.Result(r);
  if (r == 0) {
    line += " state " + std::to_string(info.tcpi_state);
    if (listener) {
      line += " unacked " + std::to_string(info.tcpi_unacked) + " sacked " +
              std::to_string(info.tcpi_sacked);
    }
  }
  s.Line(line);
  return r == 0 ? info.tcpi_state : r;
}

// Measures elapsed time on the backend's clock (virtual time on the sim).
class Stopwatch {
 public:
  explicit Stopwatch(Script& s) : s_(s), t0_(s.sys().clock_gettime_ns()) {}
  void Restart() { t0_ = s_.sys().clock_gettime_ns(); }
  int64_t Ms() const { return (s_.sys().clock_gettime_ns() - t0_) / 1000000; }

 private:
  Script& s_;
  int64_t t0_;
};

}  // namespace simsock::diff
