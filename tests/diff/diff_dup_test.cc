// Differential scenarios: several fds on one open file (fcntl F_DUPFD),
// and what "the last reference" means for close, shutdown and epoll.
// docs/semantics.md §2.8, §2.9, §2.12, §2.13.
#include <fcntl.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// F_DUPFD gives the lowest free fd >= arg; F_DUPFD_CLOEXEC sets the flag on
// the new fd only; O_NONBLOCK is shared (one open file).
DIFF_SCENARIO(Dup_FcntlDupfdSharesTheFileNotTheFdFlags) {
  int t = s.Tcp();
  int d = s.Fcntl(t, F_DUPFD, 0);
  int e = s.Fcntl(t, F_DUPFD_CLOEXEC, 0);
  s.Fcntl(d, F_GETFD);
  s.Fcntl(e, F_GETFD);
  s.Fcntl(t, F_SETFL, 0);  // clears O_NONBLOCK on the shared file
  s.Fcntl(d, F_GETFL);
  s.Fcntl(t, F_SETFL, O_NONBLOCK | O_APPEND);
  s.Fcntl(e, F_GETFL);
  s.Fcntl(t, F_DUPFD, -1);  // EINVAL
  s.Close(t);
  s.Fcntl(t, F_DUPFD, 0);  // EBADF
  s.Close(d);
  s.Close(e);
}

// Nothing is sent until the last fd is closed (§2.9).
DIFF_SCENARIO(Dup_CloseSendsTheFinOnlyWithTheLastFd) {
  Conn c = Establish(s);
  int d = s.Fcntl(c.client, F_DUPFD, 0);
  s.Close(c.client);
  s.Settle();
  s.Read(c.server, 16);  // EAGAIN: no FIN yet
  s.Write(d, "still here");
  s.Settle();
  s.Read(c.server, 16);
  s.Close(d);
  s.Settle();
  s.Read(c.server, 16);  // 0: the FIN
}

// shutdown() acts on the socket: every fd sharing it sees it (§2.8).
DIFF_SCENARIO(Dup_ShutdownIsSeenThroughEveryFd) {
  Conn c = Establish(s);
  int d = s.Fcntl(c.client, F_DUPFD, 0);
  s.Shutdown(c.client, SHUT_WR);
  s.Write(d, "x");  // EPIPE
  s.Settle();
  s.Read(c.server, 16);  // 0
}

// An epoll registration lives as long as the file: closing one of two fds
// keeps it, events keep coming with the old data; the closed number is
// EBADF for epoll_ctl (§2.13, P22).
DIFF_SCENARIO(Dup_EpollRegistrationOutlivesTheClosedFd) {
  Conn c = Establish(s);
  int ep = s.EpollCreate(0);
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN);
  int d = s.Fcntl(c.server, F_DUPFD, 0);
  s.Close(c.server);
  s.Write(c.client, "ping");
  s.Settle();
  s.EpollWait(ep);  // reported, with the closed fd's data
  s.EpollCtl(ep, EPOLL_CTL_DEL, c.server, 0);  // EBADF
  s.EpollCtl(ep, EPOLL_CTL_MOD, d,
             EPOLLIN);  // ENOENT: registered as the other fd
  s.Read(d, 16);
  s.Close(d);
  s.Write(c.client, "pong");
  s.Settle();
  s.EpollWait(ep);  // the file is gone: nothing
}

}  // namespace
}  // namespace simsock::diff
