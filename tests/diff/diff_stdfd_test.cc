// Differential scenarios: the standard fds 0, 1, 2 a process starts with.
// A real process has them open, so its first socket is fd 3; a simulated
// one has them on the null device (sim::Process). The harness normalises fd
// numbers, so "the first socket is fd 3" does not show in a log; what shows
// is that the numbers below the first socket are open ordinary fds, and
// that closing one frees its number for the next socket.
//
// On Linux fds 0-2 are the test runner's stdin, stdout and stderr, so these
// scenarios only do what leaves them as they were: F_GETFD (fds inherited
// across exec never have FD_CLOEXEC), calls that fail with ENOTSOCK, and
// one close of fd 0 that is undone (a saved dup is put back at 0 before the
// scenario ends). What depends on the runner's files (F_GETFL, read,
// write, whether epoll can watch them) is covered by the unit tests in
// tests/sim/fd_table_test.cc (suite StdFds) instead.
#include <fcntl.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// 0, 1, 2 are open, without FD_CLOEXEC; they are not sockets; a dup of one
// is the lowest free number at or above the argument.
DIFF_SCENARIO(StdFds_AreOpenWithoutCloexecAndAreNotSockets) {
  int t = s.Tcp();  // the first fd of the scenario: 3 on both sides
  s.Fcntl(0, F_GETFD);
  s.Fcntl(1, F_GETFD);
  s.Fcntl(2, F_GETFD);
  s.Listen(0, 1);                          // ENOTSOCK
  s.GetSockName(1);                        // ENOTSOCK
  s.Shutdown(2, SHUT_RDWR);                // ENOTSOCK
  int d = s.Fcntl(1, F_DUPFD_CLOEXEC, 0);  // the next number after t
  s.Fcntl(d, F_GETFD);
  s.Fcntl(1, F_GETFD);  // still 0: FD_CLOEXEC is per fd
  s.Close(d);
  s.Close(t);
}

// close(0) frees number 0 like any other: the next socket gets it, and it
// is an ordinary socket (bind, epoll, data). Putting stdin back at 0 with
// F_DUPFD(saved, 0) gives 0 again.
DIFF_SCENARIO(StdFds_ClosingFdZeroGivesItToTheNextSocket) {
  int saved = s.Fcntl(0, F_DUPFD_CLOEXEC, 0);
  s.Close(0);
  s.Fcntl(0, F_GETFD);  // EBADF
  int u = s.Udp();
  s.Check("the new socket is fd 0", u == 0);
  Ep addr = Lo(s.Port("udp"));
  s.Bind(u, addr);
  int sender = s.Udp();  // the lowest free number above the saved dup
  int ep = s.EpollCreate(0);
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, EPOLLIN);
  s.SendTo(sender, "to fd 0", 0, &addr);
  s.Settle();
  s.EpollWait(ep);
  s.Recv(u, 16, 0);
  s.Close(u);
  s.Close(ep);
  s.Close(sender);
  // Stdin back where it was, not through the Script so that its cleanup
  // does not close it.
  s.Raw("fcntl(saved stdin, F_DUPFD, 0)", s.sys().fcntl(saved, F_DUPFD, 0));
  s.Fcntl(0, F_GETFD);
  s.Close(saved);
}

}  // namespace
}  // namespace simsock::diff
