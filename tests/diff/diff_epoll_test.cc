// Differential scenarios: epoll — create/ctl/wait errors, readiness masks
// per socket state, edge-triggered re-arming, EPOLLONESHOT, registrations
// removed by close(), ERR|HUP reported without being asked.
// docs/semantics.md §2.13.
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Epoll_CreateCtlAndWaitErrors) {
  s.EpollCreate(1);  // EINVAL
  int ep = s.EpollCreate(EPOLL_CLOEXEC);
  int fd = s.Tcp();
  s.EpollCtl(ep, EPOLL_CTL_ADD, fd, EPOLLIN);
  s.EpollCtl(ep, EPOLL_CTL_ADD, fd, EPOLLIN);  // EEXIST
  int other = s.Tcp();
  s.EpollCtl(ep, EPOLL_CTL_MOD, other, EPOLLIN);  // ENOENT
  s.EpollCtl(ep, EPOLL_CTL_DEL, other, 0);        // ENOENT
  s.EpollCtl(ep, EPOLL_CTL_ADD, ep, EPOLLIN);     // EINVAL: fd == epfd
  s.EpollCtl(ep, 42, other, EPOLLIN);             // EINVAL: bad op
  s.EpollCtl(fd, EPOLL_CTL_ADD, other, EPOLLIN);  // EINVAL: not epoll
  s.EpollCtl(ep, EPOLL_CTL_ADD, Script::kHugeFd, EPOLLIN);     // EBADF
  s.EpollCtl(Script::kHugeFd, EPOLL_CTL_ADD, other, EPOLLIN);  // EBADF
  s.EpollWait(ep, 0);                                          // EINVAL
  s.EpollWait(ep, -1);                                         // EINVAL
  s.EpollWait(fd, 4);  // EINVAL: not an epoll fd
  s.EpollCtl(ep, EPOLL_CTL_DEL, fd, 0);
  s.EpollCtl(ep, EPOLL_CTL_DEL, fd, 0);  // ENOENT
  s.EpollCtl(ep, EPOLL_CTL_ADD, other, EPOLLIN);
  s.Close(other);
  s.EpollCtl(ep, EPOLL_CTL_DEL, other, 0);  // EBADF after close
  s.EpollCtlNull(ep, EPOLL_CTL_DEL, fd);    // ENOENT (NULL ok for DEL)
}

DIFF_SCENARIO(Epoll_MasksForFreshBoundListeningAndSynSentSockets) {
  uint16_t port = s.Port("server");
  int fresh = s.Tcp();
  Mask(s, fresh);  // OUT|HUP
  int bound = s.Tcp();
  s.Bind(bound, Lo(s.Port("bound")));
  Mask(s, bound);  // OUT|HUP
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 0);
  Mask(s, l);  // none
  int c0 = s.Tcp();
  s.Connect(c0, Lo(port));
  s.Settle();
  Mask(s, l);  // IN, never OUT
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));
  s.Settle();
  Mask(s, c1);  // SYN_SENT: none
  Mask(s, c0);  // ESTABLISHED: OUT
  int u = s.Udp();
  Mask(s, u);  // OUT
}

DIFF_SCENARIO(Epoll_MasksForConnectedStates) {
  Conn c = Establish(s);
  Mask(s, c.client);  // OUT
  Mask(s, c.server);  // OUT
  s.Write(c.client, "data");
  s.Settle();
  Mask(s, c.server);  // IN|OUT
  s.Close(c.client);
  s.Settle();
  Mask(s, c.server);  // CLOSE_WAIT with data: IN|OUT|RDHUP
  s.Read(c.server, 64);
  Mask(s, c.server);  // IN|OUT|RDHUP
}

DIFF_SCENARIO(Epoll_MasksAfterOwnShutdowns) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  Mask(s, c.client);  // OUT
  Conn d = Establish(s);
  s.Shutdown(d.client, SHUT_RD);
  s.Settle();
  Mask(s, d.client);  // IN|OUT|RDHUP
  Conn e = Establish(s);
  s.Shutdown(e.client, SHUT_RDWR);
  s.Settle();
  Mask(s, e.client);  // IN|OUT|HUP|RDHUP
  Mask(s, e.server);  // IN|OUT|RDHUP
}

DIFF_SCENARIO(Epoll_RstMaskLosesErrOnceErrorIsRead) {
  Conn c = Establish(s);
  s.SetLinger(c.server, 1, 0);
  s.Close(c.server);
  s.Settle();
  Mask(s, c.client);  // IN|OUT|ERR|HUP|RDHUP
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);
  Mask(s, c.client);     // IN|OUT|HUP|RDHUP
  Mask(s, c.client, 0);  // events=0: HUP still reported
}

DIFF_SCENARIO(Epoll_ZeroEventsStillGetsErrAndHup) {
  Conn c = Establish(s);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.client, 0);
  s.Write(c.server, "data");
  s.Settle();
  s.EpollWait(ep);  // nothing asked, nothing reported
  s.SetLinger(c.server, 1, 0);
  s.Close(c.server);
  s.Settle();
  s.EpollWait(ep);  // ERR|HUP
  s.EpollCtl(ep, EPOLL_CTL_MOD, c.client, EPOLLIN);
  s.EpollWait(ep);
}

DIFF_SCENARIO(Epoll_LevelTriggeredRepeatsUntilDrained) {
  Conn c = Establish(s);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN);
  s.EpollWait(ep);
  s.Write(c.client, "0123456789");
  s.Settle();
  s.EpollWait(ep);
  s.EpollWait(ep);
  s.Read(c.server, 4);
  s.EpollWait(ep);
  s.Read(c.server, 64);
  s.EpollWait(ep);
}

DIFF_SCENARIO(Epoll_EdgeTriggeredRearmsOnNewDataNotOnPartialRead) {
  Conn c = Establish(s);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN | EPOLLRDHUP | EPOLLET);
  s.EpollWait(ep);
  s.Write(c.client, "first");
  s.Settle();
  s.EpollWait(ep);      // IN
  s.EpollWait(ep);      // nothing
  s.Read(c.server, 2);  // partial read
  s.EpollWait(ep);      // does not re-arm
  s.Write(c.client, "second");
  s.Settle();
  s.EpollWait(ep);  // new data re-arms although not drained
  s.Read(c.server, 64);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.EpollWait(ep);  // IN|RDHUP once
  s.EpollWait(ep);
  s.EpollCtl(ep, EPOLL_CTL_MOD, c.server, EPOLLIN | EPOLLRDHUP | EPOLLET);
  s.EpollWait(ep);  // MOD re-evaluates
}

DIFF_SCENARIO(Epoll_EdgeTriggeredReportsWholeMaskOnEachWakeup) {
  Conn c = Establish(s);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN | EPOLLOUT | EPOLLET);
  s.EpollWait(ep);             // OUT once
  s.EpollWait(ep);             // nothing
  s.Write(c.server, "small");  // acknowledged write: no new OUT
  s.Settle();
  s.EpollWait(ep);
  s.Write(c.client, "ping");
  s.Settle();
  s.EpollWait(ep);  // IN|OUT together
  s.EpollWait(ep);
}

DIFF_SCENARIO(Epoll_EdgeTriggeredOutReturnsAfterEagainWhenPeerReads) {
  Conn conn = EstablishWithBuffers(s, 16384, 16384);
  int c = conn.client;
  int a = conn.server;
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c, EPOLLOUT | EPOLLET);
  s.EpollWait(ep);  // OUT
  Script::Filled f = s.WriteUntilEagain(c);
  s.Settle();
  s.EpollWait(ep);  // nothing while full
  Script::Drained d = s.ReadAll(a);
  s.Settle();
  s.EpollWait(ep);  // OUT again
  Script::Drained d2 = s.ReadAll(a, 65536, 4096, d.total);
  s.Check("all written bytes read", d.total + d2.total == f.total);
}

DIFF_SCENARIO(Epoll_OneshotReportsOnceUntilMod) {
  Conn c = Establish(s);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN | EPOLLONESHOT);
  s.Write(c.client, "one");
  s.Settle();
  s.EpollWait(ep);  // IN
  s.EpollWait(ep);  // disabled
  s.Write(c.client, "two");
  s.Settle();
  s.EpollWait(ep);                                   // still disabled
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.server, EPOLLIN);  // EEXIST: still there
  s.EpollCtl(ep, EPOLL_CTL_MOD, c.server, EPOLLIN | EPOLLONESHOT);
  s.EpollWait(ep);  // IN again
  s.EpollWait(ep);
}

DIFF_SCENARIO(Epoll_CloseRemovesRegistration) {
  int ep = s.EpollCreate();
  int a = s.Tcp();
  s.EpollCtl(ep, EPOLL_CTL_ADD, a, EPOLLIN | EPOLLOUT);
  s.EpollWait(ep);  // OUT|HUP
  s.Close(a);
  s.EpollWait(ep);                                       // gone
  int b = s.Tcp();                                       // same number
  s.EpollWait(ep);                                       // not registered
  s.EpollCtl(ep, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLOUT);  // not EEXIST
  s.EpollWait(ep);
}

DIFF_SCENARIO(Epoll_UdpMasks) {
  auto [port, server, u] = BindUdp(s, "server");
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, kInOutRdhup);
  s.EpollWait(ep);  // OUT
  int cl = s.Udp();
  s.SendTo(cl, "dgram", 0, &server);
  s.Settle();
  s.EpollWait(ep);  // IN|OUT
  s.Recv(u, 64, 0, false);
  s.EpollWait(ep);  // OUT
}

// EPOLLET on a listener: one report for two connections queued together,
// none for the one still queued after an accept, one for the next arrival.
// An EPOLLEXCLUSIVE registration cannot be modified, only deleted.
DIFF_SCENARIO(Epoll_EdgeTriggeredListenerReportsNewConnectionsOnly) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 8);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLET);
  s.EpollWait(ep);
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));
  s.Settle();
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  s.EpollWait(ep);
  s.EpollWait(ep);
  s.Accept(l);
  s.EpollWait(ep);
  int c3 = s.Tcp();
  s.Connect(c3, Lo(port));
  s.Settle();
  s.EpollWait(ep);
  s.Accept(l);
  s.Accept(l);
  s.Accept(l);
  s.EpollCtl(ep, EPOLL_CTL_MOD, l, EPOLLIN | EPOLLEXCLUSIVE);
  s.EpollCtl(ep, EPOLL_CTL_DEL, l, 0);
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLEXCLUSIVE);
  s.EpollCtl(ep, EPOLL_CTL_MOD, l, EPOLLIN);
  s.EpollCtl(ep, EPOLL_CTL_ADD, ep, EPOLLIN);
}

// EPOLLEXCLUSIVE (ep_op_has_event, EPOLLEXCLUSIVE_OK_BITS): not with
// EPOLLRDHUP, EPOLLONESHOT or EPOLLPRI, not on an epoll fd, not in MOD; an
// exclusive registration cannot be modified.
DIFF_SCENARIO(Epoll_ExclusiveRegistrationRules) {
  int l = s.Tcp();
  int ep = s.EpollCreate();
  int ep2 = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP);
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT);
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN | EPOLLEXCLUSIVE | EPOLLPRI);
  s.EpollCtl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN | EPOLLEXCLUSIVE);
  s.EpollCtl(ep, EPOLL_CTL_ADD, l,
             EPOLLOUT | EPOLLEXCLUSIVE | EPOLLET | EPOLLERR | EPOLLHUP);
  s.EpollCtl(ep, EPOLL_CTL_MOD, l, EPOLLIN);
  s.EpollCtl(ep, EPOLL_CTL_MOD, l, EPOLLIN | EPOLLEXCLUSIVE);
  s.EpollWait(ep);
  s.EpollCtl(ep, EPOLL_CTL_DEL, l, 0);
  s.EpollCtl(ep, EPOLL_CTL_ADD, l, EPOLLIN);
  s.EpollCtl(ep, EPOLL_CTL_MOD, l, EPOLLIN | EPOLLEXCLUSIVE);
}

// EPOLLOUT|EPOLLET on a writer with a 4096-byte SO_SNDBUF, writing 700
// bytes at a time: the edges follow the ACKs that free the buffer.
DIFF_SCENARIO(Epoll_EdgeTriggeredOutWithASmallSendBuffer) {
  Conn c = EstablishWithBuffers(s, 8192, 4096);
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, c.client, EPOLLOUT | EPOLLET);
  s.EpollWait(ep);
  for (int i = 0; i < 6; ++i) {
    s.WriteFill(c.client, 700);
    s.EpollWait(ep);
  }
  s.Settle();
  s.Read(c.server, 100000);
  s.Settle();
  s.EpollWait(ep);
  s.Read(c.server, 100000);
}

}  // namespace
}  // namespace simsock::diff
