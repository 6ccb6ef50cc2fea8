// Differential scenarios: bind() errors and port sharing, SO_REUSEADDR /
// SO_REUSEPORT, TIME_WAIT holders, ephemeral ports and implicit binds.
// docs/semantics.md §2.2, §4.3, §4.4.
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Bind_AddrlenAndPointerErrors) {
  uint16_t port = s.Port("server");
  int fd = s.Tcp();
  s.Bind(fd, Lo(port), 0);
  s.Bind(fd, Lo(port), 15);
  s.BindNull(fd, 16);
  s.Bind(fd, Lo(port), 16);
  s.GetSockName(fd);
}

DIFF_SCENARIO(Bind_WrongFamilyAndAfUnspecAnyQuirk) {
  uint16_t port = s.Port("server");
  int fd = s.Tcp();
  s.Bind(fd, Ep{"127.0.0.1", port, AF_INET6});
  s.Bind(fd, Ep{"127.0.0.1", port, AF_UNSPEC});
  s.GetSockName(fd);
  s.Bind(fd, Ep{"0.0.0.0", port, AF_UNSPEC});  // accepted as AF_INET
  s.GetSockName(fd);
  int u = s.Udp();
  s.Bind(u, Ep{"127.0.0.1", port, AF_INET6});
  s.Bind(u, Ep{"0.0.0.0", port, AF_UNSPEC});
  s.GetSockName(u);
}

DIFF_SCENARIO(Bind_NonLocalAddressIsEaddrnotavail) {
  uint16_t port = s.Port("server");
  int fd = s.Tcp();
  s.Bind(fd, Ep{"192.0.2.1", port});
  s.Bind(fd, Ep{"127.1.2.3", port});  // all of 127/8 is local
  s.GetSockName(fd);
  int u = s.Udp();
  s.Bind(u, Ep{"192.0.2.1", port});
  s.Bind(u, Ep{"127.0.0.9", port});
}

DIFF_SCENARIO(Bind_TwiceOrAfterConnectIsEinval) {
  uint16_t p1 = s.Port("server");
  uint16_t p2 = s.Port("other");
  int fd = s.Tcp();
  s.Bind(fd, Lo(p1));
  s.Bind(fd, Lo(p2));
  s.Bind(fd, Lo(p1));
  int l = s.Tcp();
  s.Bind(l, Lo(p2));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(p2));  // autobinds
  s.Settle();
  s.Bind(c, Lo(0));
  int u = s.Udp();
  s.Bind(u, Lo(p1));
  s.Bind(u, Lo(p2));
}

DIFF_SCENARIO(Bind_SamePortIsEaddrinuseButTcpAndUdpAreIndependent) {
  uint16_t port = s.Port("server");
  int a = s.Tcp();
  s.Bind(a, Lo(port));
  int b = s.Tcp();
  s.Bind(b, Lo(port));
  int u1 = s.Udp();
  s.Bind(u1, Lo(port));
  int u2 = s.Udp();
  s.Bind(u2, Lo(port));
  s.Close(a);
  s.Bind(b, Lo(port));  // free again once the holder is closed
}

DIFF_SCENARIO(Bind_WildcardConflictsWithSpecificBothWays) {
  uint16_t p1 = s.Port("server");
  uint16_t p2 = s.Port("server2");
  int a = s.Tcp();
  s.Bind(a, Lo(p1));
  int b = s.Tcp();
  s.Bind(b, Any(p1));
  int c = s.Tcp();
  s.Bind(c, Any(p2));
  int d = s.Tcp();
  s.Bind(d, Lo(p2));
  s.Bind(d, Ep{"127.0.0.2", p2});
}

DIFF_SCENARIO(Bind_OtherLoopbackAddressDoesNotConflict) {
  uint16_t port = s.Port("server");
  int a = s.Tcp();
  s.Bind(a, Lo(port));
  int b = s.Tcp();
  s.Bind(b, Ep{"127.0.0.2", port});
  s.Listen(a, 4);
  s.Listen(b, 4);
  int c = s.Tcp();
  s.Connect(c, Ep{"127.0.0.2", port});
  s.Settle();
  s.NameLocalPort(c, "client");
  s.GetSockName(c);
  s.Accept(a);
  int x = s.Accept(b);
  s.GetSockName(x);
}

DIFF_SCENARIO(Bind_ReuseAddrSharesPortUntilOneListens) {
  uint16_t port = s.Port("server");
  int a = s.Tcp();
  s.SetInt(a, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(a, Lo(port));
  int b = s.Tcp();
  s.SetInt(b, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(b, Lo(port));  // two non-listening sockets: OK
  s.Listen(a, 4);
  s.Listen(b, 4);  // another listener holds the port
  int c = s.Tcp();
  s.SetInt(c, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(c, Lo(port));  // a listener blocks even with REUSEADDR
}

DIFF_SCENARIO(Bind_ReuseAddrNeedsTheOptionOnBothSockets) {
  uint16_t p1 = s.Port("server");
  uint16_t p2 = s.Port("server2");
  int a = s.Tcp();
  s.Bind(a, Lo(p1));
  int b = s.Tcp();
  s.SetInt(b, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(b, Lo(p1));
  int c = s.Tcp();
  s.SetInt(c, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(c, Lo(p2));
  int d = s.Tcp();
  s.Bind(d, Lo(p2));
}

DIFF_SCENARIO(Bind_ReusePortLetsTwoSocketsListen) {
  uint16_t port = s.Port("server");
  int a = s.Tcp();
  s.SetInt(a, SOL_SOCKET, SO_REUSEPORT, 1);
  s.Bind(a, Lo(port));
  int b = s.Tcp();
  s.SetInt(b, SOL_SOCKET, SO_REUSEPORT, 1);
  s.Bind(b, Lo(port));
  s.Listen(a, 8);
  s.Listen(b, 8);
  int c = s.Tcp();
  s.Bind(c, Lo(port));  // without the option
  s.GetInt(a, SOL_SOCKET, SO_REUSEPORT);
  int clients[6];
  for (int& cl : clients) {
    cl = s.sys().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in sa = ToSockaddr(Lo(port));
    s.sys().connect(cl, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  }
  s.Settle();
  int accepted = 0;
  for (int l : {a, b}) {
    for (int i = 0; i < 10; ++i) {
      int fd = s.sys().accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) break;
      ++accepted;
      s.sys().close(fd);
    }
  }
  for (int cl : clients) s.sys().close(cl);
  s.Check("6 connects are accepted across the two listeners", accepted == 6);
}

// The server closes first, so its accepted socket ends in TIME_WAIT holding
// the port; the listener did not set SO_REUSEADDR.
DIFF_SCENARIO(Bind_TimeWaitWithoutReuseAddrBlocksRebind) {
  Conn c = Establish(s);
  s.Close(c.server);  // active close: FIN
  s.Settle();
  s.Read(c.client, 16);  // EOF
  s.Close(c.client);     // server side -> TIME_WAIT
  s.Settle();
  s.Close(c.listener);
  int a = s.Tcp();
  s.Bind(a, Lo(c.port));
  int b = s.Tcp();
  s.SetInt(b, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(b, Lo(c.port));  // the TIME_WAIT owner lacked REUSEADDR
}

DIFF_SCENARIO(Bind_TimeWaitWithReuseAddrAllowsRebindWithReuseAddr) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.SetInt(l, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  int a = s.Accept(l);
  s.GetInt(a, SOL_SOCKET, SO_REUSEADDR);  // inherited
  s.Close(a);
  s.Settle();
  s.Read(c, 16);
  s.Close(c);
  s.Settle();
  int b = s.Tcp();
  s.SetInt(b, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(b, Lo(port));  // listener still open -> EADDRINUSE
  s.Close(l);
  int d = s.Tcp();
  s.Bind(d, Lo(port));  // no option -> TIME_WAIT blocks
  s.Bind(b, Lo(port));  // both have the option -> OK
  s.Listen(b, 4);
}

DIFF_SCENARIO(Bind_PortZeroPicksOddEphemeralPort) {
  int fd = s.Tcp();
  s.Bind(fd, Lo(0));
  uint16_t p = s.NameLocalPort(fd, "bound");
  s.Check("TCP bind(0) port is odd", p % 2 == 1);
  s.GetSockName(fd);
  int u = s.Udp();
  s.Bind(u, Any(0));
  s.NameLocalPort(u, "udp-bound");
  s.GetSockName(u);
}

DIFF_SCENARIO(Bind_ImplicitOnListenAndConnect) {
  int l = s.Tcp();
  s.GetSockName(l);
  s.Listen(l, 4);  // autobinds 0.0.0.0:<odd ephemeral>
  uint16_t p = s.NameLocalPort(l, "listener");
  s.Check("listen autobind port is odd", p % 2 == 1);
  s.GetSockName(l);
  int c = s.Tcp();
  s.Connect(c, Lo(p));
  uint16_t cp = s.NameLocalPort(c, "client");
  s.Check("connect autobind port is even", cp % 2 == 0);
  s.GetSockName(c);
  s.Settle();
  s.Accept(l);
}

// Closing the listener does not free its port while an accepted
// connection uses it: bind is EADDRINUSE even with SO_REUSEADDR (the
// connection is not in TIME_WAIT), but listen() autobinds elsewhere and the
// connection carries on.
DIFF_SCENARIO(Bind_ClosedListenersPortIsHeldByItsAcceptedConnection) {
  Conn c = Establish(s);
  s.Close(c.listener);
  int l2 = s.Tcp();
  s.Bind(l2, Lo(c.port));
  s.SetInt(l2, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(l2, Lo(c.port));
  s.Listen(l2, 4);
  s.Write(c.client, "still");
  s.Settle();
  s.Read(c.server, 64);
}

}  // namespace
}  // namespace simsock::diff
