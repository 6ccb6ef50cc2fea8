// Differential scenarios that cross areas: listener restart after
// shutdown, negative backlogs, client-side TIME_WAIT reuse, UDP buffer
// limits, epoll_wait's EFAULT rule, linger after a half-close and the
// multicast/broadcast bind quirk. docs/semantics.md §2.2, §2.3, §2.9,
// §2.13, §4.3, §5, §7.
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Listen_AfterShutdownAutoboundListenerGetsNewPort) {
  int l = s.Tcp();
  s.Listen(l, 4);
  uint16_t first = s.NameLocalPort(l, "first");
  s.Shutdown(l, SHUT_RDWR);
  s.GetSockName(l);  // still <first>
  s.Listen(l, 4);    // autobound: the old port was released
  uint16_t second = s.NameLocalPort(l, "second");
  s.Check("re-listen picked a different port", first != second);
  s.GetSockName(l);
  int e = s.Tcp();
  uint16_t explicit_port = s.Port("server");
  s.Bind(e, Lo(explicit_port));
  s.Listen(e, 4);
  s.Shutdown(e, SHUT_RD);
  s.Listen(e, 4);  // keeps its explicit port
  s.GetSockName(e);
}

DIFF_SCENARIO(Listen_NegativeOrHugeBacklogIsAccepted) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, -1);
  s.Listen(l, 1 << 20);
  s.Listen(l, 3);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Accept(l);
}

DIFF_SCENARIO(Bind_MulticastAndBroadcastAddressesAreAcceptedForTcp) {
  uint16_t port = s.Port("server");
  int a = s.Tcp();
  s.Bind(a, Ep{"224.0.0.1", port});
  s.GetSockName(a);
  int b = s.Tcp();
  s.Bind(b, Ep{"255.255.255.255", port});
}

// The client binds an explicit port with SO_REUSEADDR and closes first, so
// its side of the tuple sits in TIME_WAIT; a new socket binds the same port
// and reconnects to the same server.
DIFF_SCENARIO(Bind_ClientTimeWaitTupleCanBeReboundAndReconnected) {
  uint16_t port = s.Port("server");
  uint16_t cport = s.Port("client");
  int l = s.Tcp();
  s.SetInt(l, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.SetInt(c, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(c, Lo(cport));
  s.Connect(c, Lo(port));
  s.Settle();
  int a = s.Accept(l);
  s.Close(c);  // active close: the client's tuple -> TIME_WAIT
  s.Settle();
  s.Read(a, 8);
  s.Close(a);
  s.Settle();
  int d = s.Tcp();
  s.Bind(d, Lo(cport));  // no REUSEADDR: blocked by TIME_WAIT
  int e = s.Tcp();
  s.SetInt(e, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(e, Lo(cport));    // both had REUSEADDR: OK
  s.Connect(e, Lo(port));  // same 4-tuple as the TIME_WAIT
  s.Settle();
  s.Connect(e, Lo(port));
  s.Accept(l);
}

DIFF_SCENARIO(Udp_FullReceiveBufferDropsDatagramsSilently) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int srv = s.Udp();
  s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 1);  // minimum: 2304
  s.Bind(srv, server);
  int cl = s.Udp();
  int sent_ok = 0;
  for (int i = 0; i < 50; ++i) {
    std::string d(100, static_cast<char>('A' + i % 26));
    sockaddr_in sa = ToSockaddr(server);
    if (s.sys().sendto(cl, d.data(), d.size(), 0,
                       reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 100) {
      ++sent_ok;
    }
  }
  s.Check("all 50 sends of 100 bytes succeed", sent_ok == 50);
  s.Settle();
  int got = 0;
  for (int i = 0; i < 60; ++i) {
    char buf[200];
    if (s.sys().recvfrom(srv, buf, sizeof buf, 0, nullptr, nullptr) != 100) {
      break;
    }
    ++got;
  }
  s.Check("received datagrams in [1, 20] (the rest dropped)",
          got >= 1 && got <= 20);
  s.Recv(srv, 200, 0);
}

DIFF_SCENARIO(Udp_DatagramLargerThanSndbufIsAcceptedWhenIdle) {
  auto [port, server, srv] = BindUdp(s, "server");
  int cl = s.Udp();
  s.SetInt(cl, SOL_SOCKET, SO_SNDBUF, 4096);
  s.GetInt(cl, SOL_SOCKET, SO_SNDBUF);
  s.SendToFill(cl, 20000, 0, &server);
  s.Settle();
  s.Recv(srv, 30000, 0);
}

DIFF_SCENARIO(Udp_ConnectToPortZeroThenGetpeernameIsEnotconn) {
  int u = s.Udp();
  s.Connect(u, Lo(0));
  s.GetPeerName(u);
  s.GetSockName(u);
  s.Send(u, "x");
}

DIFF_SCENARIO(Epoll_WaitWithNullEventsFaultsOnlyWhenReady) {
  int ep = s.EpollCreate();
  s.Raw("epoll_wait(" + s.Fd(ep) + ", NULL, 4, 0) with nothing registered",
        s.sys().epoll_wait(ep, nullptr, 4, 0));
  int u = s.Udp();
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, EPOLLOUT);
  s.Raw("epoll_wait(" + s.Fd(ep) + ", NULL, 4, 0) with OUT ready",
        s.sys().epoll_wait(ep, nullptr, 4, 0));
  s.EpollWait(ep);
}

DIFF_SCENARIO(Teardown_LingerZeroAfterShutWrPeerSeesOnlyEof) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Read(c.server, 8);  // 0: CLOSE_WAIT
  s.SetLinger(c.client, 1, 0);
  s.Close(c.client);  // RST after the FIN
  s.Settle();
  s.Read(c.server, 8);  // still 0, no ECONNRESET
  Mask(s, c.server);
  s.GetInt(c.server, SOL_SOCKET, SO_ERROR);
  s.Write(c.server, "x");
}

DIFF_SCENARIO(Teardown_CloseAfterPartialReadStillSendsRst) {
  Conn c = Establish(s);
  s.Write(c.client, "0123456789");
  s.Settle();
  s.Read(c.server, 4);  // 6 bytes left unread
  s.Close(c.server);
  s.Settle();
  s.Read(c.client, 8);  // ECONNRESET
  s.Read(c.client, 8);
}

DIFF_SCENARIO(Teardown_ShutdownRdThenCloseWithLateDataSendsRst) {
  Conn c = Establish(s);
  s.Shutdown(c.server, SHUT_RD);
  s.Write(c.client, "late");  // queued on the server although SHUT_RD
  s.Settle();
  s.Close(c.server);  // unread -> RST
  s.Settle();
  s.Read(c.client, 8);
  s.Write(c.client, "x");
}

}  // namespace
}  // namespace simsock::diff
