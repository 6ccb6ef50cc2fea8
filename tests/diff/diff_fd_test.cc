// Differential scenarios: the fd table (lowest free number, EMFILE), fcntl
// flags, SOCK_NONBLOCK / SOCK_CLOEXEC, EBADF on closed fds, socket()
// argument errors. docs/semantics.md §2.1, §2.4, §2.12.
#include <fcntl.h>
#include <sys/resource.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Fd_LowestFreeNumberIsReused) {
  int a = s.Tcp();
  int b = s.Udp();
  int c = s.Tcp();
  s.Close(b);
  int d = s.Tcp();  // takes b's number
  s.Check("socket reuses the lowest free fd", d == b);
  s.Close(a);
  int e = s.EpollCreate();  // epoll fds share the table
  s.Check("epoll_create1 reuses the lowest free fd", e == a);
  s.Udp();  // one past the highest
  s.Close(c);
  s.Close(d);
  s.Tcp();
  s.Tcp();
}

DIFF_SCENARIO(Fd_FcntlSetflTogglesNonblock) {
  int fd = s.Socket(AF_INET, SOCK_STREAM);  // blocking
  s.Fcntl(fd, F_GETFL);
  s.Fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK);
  s.Fcntl(fd, F_GETFL);
  uint16_t port = s.Port("server");
  s.Bind(fd, Lo(port));
  s.Listen(fd, 4);
  s.Accept(fd, 0);  // nonblocking now: EAGAIN instead of blocking
  s.Fcntl(fd, F_SETFL, O_RDWR);
  s.Fcntl(fd, F_GETFL);
  int nb = s.Tcp();
  s.Fcntl(nb, F_GETFL);
  s.Fcntl(nb, F_SETFL, 0);
  s.Fcntl(nb, F_GETFL);
}

DIFF_SCENARIO(Fd_CloexecFromSocketAndFsetfd) {
  int plain = s.Tcp();
  s.Fcntl(plain, F_GETFD);
  int cx = s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
  s.Fcntl(cx, F_GETFD);
  s.Fcntl(cx, F_GETFL);
  s.Fcntl(plain, F_SETFD, FD_CLOEXEC);
  s.Fcntl(plain, F_GETFD);
  s.Fcntl(cx, F_SETFD, 0);
  s.Fcntl(cx, F_GETFD);
  int ep = s.EpollCreate(EPOLL_CLOEXEC);
  s.Fcntl(ep, F_GETFD);
  int ep2 = s.EpollCreate(0);
  s.Fcntl(ep2, F_GETFD);
}

DIFF_SCENARIO(Fd_AcceptedSocketTakesFlagsOnlyFromAccept4) {
  uint16_t port = s.Port("server");
  int l = s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
  s.Bind(l, Lo(port));
  s.Listen(l, 8);
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  int a1 = s.Accept(l, 0);  // O_NONBLOCK and FD_CLOEXEC not inherited
  s.Fcntl(a1, F_GETFL);
  s.Fcntl(a1, F_GETFD);
  int a2 = s.Accept(l, SOCK_NONBLOCK | SOCK_CLOEXEC);
  s.Fcntl(a2, F_GETFL);
  s.Fcntl(a2, F_GETFD);
  s.Accept(l, SOCK_NONBLOCK);
}

DIFF_SCENARIO(Fd_ClosedFdGivesEbadfEverywhere) {
  int fd = s.Tcp();
  int ep = s.EpollCreate();
  s.Close(fd);
  s.Close(fd);
  s.Read(fd, 8);
  s.Write(fd, "x");
  s.Bind(fd, Lo(0));
  s.Listen(fd, 1);
  s.Accept(fd);
  s.Connect(fd, Lo(1));
  s.Recv(fd, 8, 0);
  s.Send(fd, "x");
  s.Shutdown(fd, SHUT_RDWR);
  s.GetInt(fd, SOL_SOCKET, SO_TYPE);
  s.SetInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  s.GetSockName(fd);
  s.GetPeerName(fd);
  s.Fcntl(fd, F_GETFL);
  s.EpollCtl(ep, EPOLL_CTL_ADD, fd, EPOLLIN);
  s.Raw("close(-1)", s.sys().close(-1));
  s.Raw("read(-1)", s.sys().read(-1, nullptr, 0));
}

// The sim's default RLIMIT_NOFILE is 1024; on Linux the scenario lowers the
// soft limit to 1024 for its duration, so both tables end at fd 1023.
DIFF_SCENARIO(Fd_EmfileWhenTableFullAndAcceptKeepsConnectionQueued) {
  rlimit old{};
  bool lowered = false;
  if (!s.is_sim()) {
    ::getrlimit(RLIMIT_NOFILE, &old);
    rlimit lim = old;
    lim.rlim_cur = 1024;
    lowered = ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
  }
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 8);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  std::vector<int> filler;
  int last = 0;
  for (int i = 0; i < 1100; ++i) {
    last = s.sys().socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (last < 0) break;
    filler.push_back(last);
  }
  s.Line("fill with UDP sockets ends " + s.Result(last));
  s.Check("table filled with 1000..1022 more fds",
          filler.size() >= 1000 && filler.size() <= 1022);
  s.Check("highest fd is 1023", !filler.empty() && filler.back() == 1023);
  s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  s.EpollCreate();
  s.Accept(l);  // EMFILE, connection stays queued
  s.sys().close(filler.back());
  filler.pop_back();
  s.Line("close(one filler fd)");
  // The fd number itself is not printed: Linux's table holds fds inherited
  // from the test runner, so it normalises differently at the top.
  int a = s.sys().accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  s.Line("accept4(fd0) after freeing one = " + (a < 0 ? s.Result(a) : "ok"));
  s.Check("accepted fd is the freed one (1023)", a == 1023);
  if (a >= 0) s.sys().close(a);
  for (int fd : filler) s.sys().close(fd);
  if (lowered) ::setrlimit(RLIMIT_NOFILE, &old);
}

DIFF_SCENARIO(Socket_ArgumentErrors) {
  s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_UDP);
  s.Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_TCP);
  s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 200);
  s.Socket(12345, SOCK_STREAM, 0);
  s.Socket(AF_INET, 77, 0);
  s.Socket(AF_INET, SOCK_STREAM | 0x100, 0);
  s.Socket(AF_INET, SOCK_SEQPACKET, 0);
  s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
  s.Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
}

// F_SETFL keeps O_ASYNC and O_NOATIME (F_GETFL shows them; the simulator has
// no SIGIO), O_DIRECT on a socket is EINVAL and changes nothing; an unknown
// command is EINVAL.
DIFF_SCENARIO(Fd_FcntlSetflKeepsAsyncAndNoatimeRejectsDirect) {
  int t = s.Tcp();
  s.Fcntl(t, F_GETFL);
  s.Fcntl(t, F_SETFL, O_ASYNC | O_NONBLOCK);
  s.Fcntl(t, F_GETFL);
  s.Fcntl(t, F_SETFL, O_NOATIME | O_NONBLOCK);
  s.Fcntl(t, F_GETFL);
  s.Fcntl(t, F_SETFL, O_DIRECT | O_NONBLOCK);
  s.Fcntl(t, F_GETFL);
  s.Fcntl(t, 9999);
}

}  // namespace
}  // namespace simsock::diff
