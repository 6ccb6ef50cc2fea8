// Differential scenarios: poll(2) and ppoll(2) — revents per socket state
// (the file's readiness masked by events | POLLERR | POLLHUP), POLLNVAL
// for an fd not open, negative fds skipped, the count of entries with
// revents set, timeouts that expire (the harness compares results, not
// durations), an epoll fd as a pollable file, and the argument checks
// (do_sys_poll, poll_select_set_timeout). docs/semantics.md, "poll and
// select".
#include <poll.h>

#include <string>
#include <utility>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// An entry of a poll: an fd and the events asked for.
using Entry = std::pair<int, short>;

std::string FdName(Script& s, int fd) {
  return fd < 0 ? std::to_string(fd) : s.Fd(fd);
}

// Logs "<call>([fd0 IN, -1 IN], <how>) = <result> revents [IN, 0]",
// revents only when the call succeeded.
void LogPoll(Script& s, const std::string& call, const std::vector<pollfd>& fds,
             const std::string& how, int r) {
  std::string line = call + "([";
  for (size_t i = 0; i < fds.size(); ++i)
    line += (i ? ", " : "") + FdName(s, fds[i].fd) + " " +
            sys::PollEventsName(fds[i].events);
  line += "], " + how + ") = " + s.Result(r);
  if (r >= 0) {
    line += " revents [";
    for (size_t i = 0; i < fds.size(); ++i)
      line += (i ? ", " : "") + sys::PollEventsName(fds[i].revents);
    line += "]";
  }
  s.Line(line);
}

std::vector<pollfd> Entries(const std::vector<Entry>& entries) {
  std::vector<pollfd> fds;
  for (const auto& [fd, events] : entries)
    fds.push_back(pollfd{fd, events, static_cast<short>(0x5a5a)});
  return fds;
}

// poll with a millisecond timeout; logs and returns the result.
int Poll(Script& s, const std::vector<Entry>& entries, int timeout_ms = 0) {
  std::vector<pollfd> fds = Entries(entries);
  const int r = s.sys().poll(fds.data(), fds.size(), timeout_ms);
  LogPoll(s, "poll", fds, std::to_string(timeout_ms), r);
  return r;
}

// ppoll with a timespec timeout (null: none).
int PPoll(Script& s, const std::vector<Entry>& entries, const timespec* ts) {
  std::vector<pollfd> fds = Entries(entries);
  const int r = s.sys().ppoll(fds.data(), fds.size(), ts, nullptr);
  LogPoll(s, "ppoll", fds,
          ts == nullptr ? std::string("NULL")
                        : "{" + std::to_string(ts->tv_sec) + "," +
                              std::to_string(ts->tv_nsec) + "}",
          r);
  return r;
}

constexpr short kInRdhup = POLLIN | POLLRDHUP;
constexpr short kAll = POLLIN | POLLOUT | POLLRDHUP | POLLPRI;

}  // namespace

// A listener is readable while a connection waits to be accepted.
DIFF_SCENARIO(Poll_ListenerReadableWithAPendingConnection) {
  const uint16_t port = s.Port("server");
  const int l = s.Tcp();
  s.Bind(l, Lo(port));
  Poll(s, {{l, kAll}});  // bound, not listening: OUT|HUP
  s.Listen(l, 4);
  Poll(s, {{l, kAll}});  // nothing pending
  const int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  Poll(s, {{l, POLLIN}, {c, POLLOUT}});
  const int a = s.Accept(l);
  Poll(s, {{l, POLLIN}, {a, kAll}});
}

// A connected socket: writable at once, readable once data is queued
// (IN|RDNORM when both are asked), writable again after the data is read.
DIFF_SCENARIO(Poll_ConnectedSocketBeforeAndAfterData) {
  Conn c = Establish(s);
  Poll(s, {{c.server, kAll}, {c.client, kAll}});
  Poll(s, {{c.server, POLLIN}});  // nothing to read
  s.Write(c.client, "hello");
  s.Settle();
  Poll(s, {{c.server, kAll}});
  Poll(s, {{c.server, POLLIN | POLLRDNORM | POLLWRNORM}});
  Poll(s, {{c.server, POLLOUT}});  // only what was asked
  s.Read(c.server, 64);
  Poll(s, {{c.server, kAll}});
}

// The peer's FIN: readable (0 bytes to read) with RDHUP when asked; the
// own SHUT_WR then both directions: HUP. A reset: ERR and HUP, reported
// even with events 0, and ERR gone once SO_ERROR is read.
DIFF_SCENARIO(Poll_PeerShutdownCloseAndReset) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  Poll(s, {{c.server, kAll}});
  Poll(s, {{c.server, POLLIN}});  // RDHUP not asked: not reported
  Poll(s, {{c.client, kAll}});
  s.Shutdown(c.server, SHUT_WR);
  s.Settle();
  Poll(s, {{c.server, kAll}, {c.client, kAll}});
  Conn d = Establish(s);
  s.Close(d.client);
  s.Settle();
  Poll(s, {{d.server, kAll}});
  Conn e = Establish(s);
  s.SetLinger(e.server, 1, 0);
  s.Close(e.server);
  s.Settle();
  Poll(s, {{e.client, kAll}});
  Poll(s, {{e.client, 0}});  // events 0: ERR|HUP all the same
  s.GetInt(e.client, SOL_SOCKET, SO_ERROR);
  Poll(s, {{e.client, 0}});
}

// A refused nonblocking connect: OUT|ERR|HUP.
DIFF_SCENARIO(Poll_RefusedConnect) {
  const uint16_t port = s.Port("closed");
  const int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  Poll(s, {{c, kAll}});
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  Poll(s, {{c, kAll}});
}

// An fd not open is POLLNVAL and counts; a negative fd is skipped
// (revents 0, not counted); the same fd twice counts twice.
DIFF_SCENARIO(Poll_ClosedNegativeAndRepeatedFds) {
  Conn c = Establish(s);
  const int gone = s.Tcp();
  s.Close(gone);
  Poll(s, {{gone, POLLIN}});
  Poll(s, {{-1, POLLIN}, {-5, kAll}});
  Poll(s, {{Script::kHugeFd, 0}});
  Poll(s, {{c.client, POLLOUT},
           {-1, POLLOUT},
           {gone, POLLOUT},
           {c.client, POLLOUT},
           {c.server, POLLIN}});
}

// Nothing to poll: 0 at once with timeout 0, and 0 after the timeout
// (a sleep); nothing ready with timeout 0: 0.
DIFF_SCENARIO(Poll_NoFdsAndZeroTimeouts) {
  s.Raw("poll(NULL, 0, 0)", s.sys().poll(nullptr, 0, 0));
  s.Raw("poll(NULL, 0, 20)", s.sys().poll(nullptr, 0, 20));
  Conn c = Establish(s);
  Poll(s, {{c.server, POLLIN}}, 0);
  const timespec zero{0, 0};
  PPoll(s, {{c.server, POLLIN}}, &zero);
}

// A timeout that expires: 0, revents 0; data already queued is returned
// at once whatever the timeout.
DIFF_SCENARIO(Poll_TimeoutExpires) {
  Conn c = Establish(s);
  Poll(s, {{c.server, kInRdhup}}, 30);
  const timespec ts{0, 20'000'000};
  PPoll(s, {{c.server, kInRdhup}}, &ts);
  s.Write(c.client, "x");
  s.Settle();
  Poll(s, {{c.server, kInRdhup}}, 5000);
  PPoll(s, {{c.server, kInRdhup}}, nullptr);
}

// UDP: writable when fresh or bound, readable while a datagram is queued.
DIFF_SCENARIO(Poll_UdpSockets) {
  auto [port, server, u] = BindUdp(s, "server");
  const int fresh = s.Udp();
  Poll(s, {{fresh, kAll}, {u, kAll}});
  s.SendTo(fresh, "dgram", 0, &server);
  s.Settle();
  Poll(s, {{u, kAll}});
  s.Recv(u, 64, 0, false);
  Poll(s, {{u, kAll}});
  s.Shutdown(u, SHUT_RDWR);
  Poll(s, {{u, kAll}});
}

// An epoll fd is pollable: readable (IN|RDNORM) while it has a ready
// event, never writable.
DIFF_SCENARIO(Poll_EpollFdIsPollable) {
  Conn c = Establish(s);
  const int ep = s.EpollCreate();
  Poll(s, {{ep, POLLIN | POLLOUT | POLLRDNORM}});  // empty
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN);
  Poll(s, {{ep, POLLIN | POLLOUT | POLLRDNORM}});  // nothing ready
  s.Write(c.client, "data");
  s.Settle();
  Poll(s, {{ep, POLLIN | POLLOUT | POLLRDNORM}});
  s.EpollWait(ep);
  s.Read(c.server, 64);
  Poll(s, {{ep, POLLIN}});
}

// The checks: nfds above RLIMIT_NOFILE is EINVAL (before the array is
// read), a NULL array with entries EFAULT; ppoll's timespec: negative
// seconds or nanoseconds outside [0, 1e9) are EINVAL, before the fds.
DIFF_SCENARIO(Poll_ArgumentChecks) {
  pollfd one{-1, POLLIN, 0};
  s.Raw("poll(one entry, nfds 1<<30, 0)", s.sys().poll(&one, 1u << 30, 0));
  s.Raw("poll(NULL, 1, 0)", s.sys().poll(nullptr, 1, 0));
  const timespec bad[] = {{-1, 0}, {0, 1'000'000'000}, {0, -1}};
  for (const timespec& ts : bad) PPoll(s, {{-1, POLLIN}}, &ts);
  s.Raw("ppoll(NULL, 1, {0,-1})", [&] {
    const timespec ts{0, -1};
    return s.sys().ppoll(nullptr, 1, &ts, nullptr);
  }());
}

}  // namespace simsock::diff
