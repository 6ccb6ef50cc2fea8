// Differential scenarios: AF_UNIX stream sockets with names —
// unix_bind (autobind, abstract and pathname names), unix_listen,
// unix_stream_connect (the backlog: a full one is EAGAIN for a nonblocking
// connect), unix_accept, unix_getname and SO_PEERCRED (sim/vfs/unix_socket.h,
// sim/vfs/unix_names.h; docs/semantics.md §10). Pathnames live in a fresh
// /tmp directory on the real kernel, removed afterwards; the simulator keeps
// them in its host's name table.
#include <fcntl.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <string>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Unix_AbstractConnectAccept) {
  const int l = s.UnixSocket(SOCK_NONBLOCK);
  s.UnixName(l, false);  // unbound: just the family
  s.UnixName(l, true);   // ENOTCONN
  s.Listen(l, 4);        // EINVAL: unbound
  s.BindUnix(l, "@simsock-diff-abstract");
  s.BindUnix(l, "@simsock-diff-other");  // EINVAL: bound
  s.UnixName(l, false);
  s.Listen(l, 4);
  s.GetInt(l, SOL_SOCKET, SO_ACCEPTCONN);
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLOUT);
  s.EpollWait(ep);  // nothing: a listener is not writable
  s.AcceptUnix(l);  // EAGAIN
  const int c = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(c, "@simsock-diff-nobody");  // ECONNREFUSED
  s.ConnectUnix(c, "@simsock-diff-abstract");
  s.ConnectUnix(c, "@simsock-diff-abstract");  // EISCONN
  s.EpollWait(ep);                             // IN
  s.Write(c, "early");  // before accept: queued on the new socket
  s.UnixName(c, false);
  s.UnixName(c, true);
  const int a = s.AcceptUnix(l);
  s.UnixName(a, false);  // the listener's name
  s.UnixName(a, true);   // the client: unbound
  s.Read(a, 100);
  s.Write(a, "reply");
  s.RecvFromUnix(c, 100, 0);  // from a socket with the listener's name
  s.Read(a, 100);             // EAGAIN
  s.Fcntl(a, F_GETFL);
  s.Close(l);
  const int c2 = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(c2, "@simsock-diff-abstract");  // the name went with l
  s.Write(c, "still");
  s.Read(a, 100);
}

DIFF_SCENARIO(Unix_AutobindAndAddressChecks) {
  const int u = s.UnixSocket(SOCK_NONBLOCK);
  s.BindUnix(u, "", 1);  // too short
  s.BindUnix(u, "");     // autobind
  s.UnixName(u, false);
  s.BindUnix(u, "");    // bound: nothing to do
  s.BindUnix(u, "@x");  // EINVAL: bound
  const int v = s.UnixSocket(SOCK_NONBLOCK);
  s.BindUnix(v, "@", 3);  // an abstract name of one NUL byte
  s.UnixName(v, false);
  const int w = s.UnixSocket(SOCK_NONBLOCK);
  s.BindUnix(w, "@", 3);     // EADDRINUSE
  s.BindUnix(w, "@z", 200);  // longer than a sockaddr_un: EINVAL
  s.ConnectUnix(w, "", 2);   // EINVAL: just the family
  s.Listen(v, 0);
  s.ConnectUnix(w, "@", 3);  // backlog 0 takes one
  const int x = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(x, "@", 3);  // EAGAIN: the backlog is full
  s.AcceptUnix(v);
  s.ConnectUnix(x, "@", 3);  // room again
  const int y = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(y, "@", 3);  // EAGAIN
  s.Listen(v, 5);            // a larger backlog
  s.ConnectUnix(y, "@", 3);
  s.Listen(w, 1);   // EINVAL: connected
  s.AcceptUnix(w);  // EINVAL: not listening
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  s.ConnectUnix(sv[0], "@", 3);  // EISCONN
  s.BindUnix(sv[0], "@pair");    // a pair end may be bound
  s.UnixName(sv[0], false);
  s.UnixName(sv[1], true);
}

DIFF_SCENARIO(Unix_PathnameBindConnect) {
  const int l = s.UnixSocket(SOCK_NONBLOCK);
  const int c = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(c, "nobody");  // ENOENT
  s.BindUnix(l, "server");
  s.UnixName(l, false);
  s.ConnectUnix(c, "server");  // ECONNREFUSED: not listening
  s.Listen(l, 8);
  s.ConnectUnix(c, "server");
  const int a = s.AcceptUnix(l, SOCK_NONBLOCK | SOCK_CLOEXEC);
  s.Fcntl(a, F_GETFD);
  s.UnixName(a, false);
  s.UnixName(c, true);
  s.Write(c, "ping");
  s.Read(a, 10);
  const int d = s.UnixSocket(SOCK_NONBLOCK);
  s.BindUnix(d, "server");  // EADDRINUSE: the file exists
  s.BindUnix(d, "client");
  s.UnixName(d, false);
  s.BindUnix(d, "client2");  // EINVAL: bound
  s.ConnectUnix(d, "server");
  const int b = s.AcceptUnix(l);
  s.UnixName(b, true);  // the client's pathname
  s.Write(d, "hi");
  s.RecvFromUnix(b, 10, 0);
  s.Write(b, "back");
  s.RecvFromUnix(d, 10, 0);  // from the listener's name
  s.Close(l);
  const int e = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(e, "server");  // the file stays: ECONNREFUSED
  s.BindUnix(e, "server");     // EADDRINUSE
}

DIFF_SCENARIO(Unix_ListenerCloseResetsPending) {
  const int l = s.UnixSocket(SOCK_NONBLOCK);
  s.BindUnix(l, "@simsock-diff-pending");
  s.Listen(l, 4);
  const int c = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(c, "@simsock-diff-pending");
  s.Write(c, "lost");
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
  s.EpollWait(ep);
  s.Close(l);  // the connection was never accepted: a reset
  s.EpollWait(ep);
  s.Read(c, 10);
  s.Read(c, 10);
  s.Write(c, "x");
  s.UnixName(c, true);
}

DIFF_SCENARIO(Unix_PeerCred) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM, sv);
  s.PeerCred(sv[0]);
  s.PeerCred(sv[1]);
  const int u = s.UnixSocket(SOCK_NONBLOCK);
  s.PeerCred(u);  // no peer: pid 0 and the overflow ids
  s.BindUnix(u, "@simsock-diff-cred");
  s.Listen(u, 1);
  s.PeerCred(u);  // the listener's own, set by listen
  const int c = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(c, "@simsock-diff-cred");
  s.PeerCred(c);
  const int a = s.AcceptUnix(u);
  s.PeerCred(a);
}

DIFF_SCENARIO(Unix_PollMasks) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  pollfd p[3] = {{sv[0], POLLIN | POLLOUT | POLLRDHUP, 0},
                 {sv[1], POLLIN | POLLOUT | POLLRDHUP, 0},
                 {-1, 0, 0}};
  const int u = s.UnixSocket(SOCK_NONBLOCK);
  p[2].fd = u;  // unconnected: OUT|HUP
  p[2].events = POLLIN | POLLOUT;
  auto show = [&](const char* what) {
    const int n = s.sys().poll(p, 3, 0);
    s.Line(std::string(what) + ": poll = " + s.Result(n) + " " +
           EpollMaskName(p[0].revents) + " / " + EpollMaskName(p[1].revents) +
           " / " + EpollMaskName(p[2].revents));
  };
  show("fresh");
  s.Write(sv[0], "data");
  show("data");
  s.Shutdown(sv[0], SHUT_WR);
  show("shut wr");
  s.Shutdown(sv[1], SHUT_WR);
  show("both shut wr");
  s.BindUnix(u, "@simsock-diff-poll");
  s.Listen(u, 1);
  show("listening");
  const int c = s.UnixSocket(SOCK_NONBLOCK);
  s.ConnectUnix(c, "@simsock-diff-poll");
  show("pending");
}

}  // namespace
}  // namespace simsock::diff
