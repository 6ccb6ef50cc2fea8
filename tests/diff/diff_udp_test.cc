// Differential scenarios: UDP — addresses on sendto/recvfrom, datagram
// boundaries, MSG_TRUNC / MSG_PEEK, zero-length datagrams, connect()
// filtering and AF_UNSPEC, ICMP port unreachable, EMSGSIZE, autobind on a
// failed send, argument errors. docs/semantics.md §7.
#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Udp_SendtoRecvfromCarryAddressesAndKeepBoundaries) {
  auto [port, server, srv] = BindUdp(s, "server");
  int cl = s.Udp();
  s.Recv(srv, 64, 0);  // EAGAIN
  s.SendTo(cl, "a", 0, &server);
  s.NameLocalPort(cl, "client");
  s.GetSockName(cl);  // 0.0.0.0:<client>
  s.SendTo(cl, "bb", 0, &server);
  s.SendTo(cl, "ccc", 0, &server);
  s.Settle();
  Mask(s, srv);
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);
  Mask(s, srv);
  Ep back = Lo(s.NameLocalPort(cl, "client", false));
  s.SendTo(srv, "reply", 0, &back);
  s.Settle();
  s.Recv(cl, 64, 0);
  s.Read(cl, 64);
}

DIFF_SCENARIO(Udp_MsgTruncReturnsRealLengthAndPeekKeepsDatagram) {
  auto [port, server, srv] = BindUdp(s, "server");
  int cl = s.Udp();
  s.SendTo(cl, "0123456789", 0, &server);
  s.SendTo(cl, "abcdefghij", 0, &server);
  s.Settle();
  s.Recv(srv, 4, MSG_PEEK | MSG_TRUNC);  // 10, keeps it
  s.Recv(srv, 4, MSG_PEEK);              // 4
  s.Recv(srv, 4, MSG_TRUNC);             // 10, consumed
  s.Recv(srv, 4, 0);                     // 4, tail discarded
  s.Recv(srv, 4, 0);                     // EAGAIN
}

DIFF_SCENARIO(Udp_ZeroLengthDatagramIsDelivered) {
  auto [port, server, srv] = BindUdp(s, "server");
  int cl = s.Udp();
  s.SendTo(cl, "", 0, &server);
  s.NameLocalPort(cl, "client");
  s.Settle();
  Mask(s, srv);
  s.Recv(srv, 64, 0);  // 0 from <client>
  s.Recv(srv, 64, 0);  // EAGAIN
}

DIFF_SCENARIO(Udp_ConnectFiltersPeersAndAfUnspecDisconnects) {
  auto [port, server, srv] = BindUdp(s, "server");
  int c1 = s.Udp();
  s.Bind(c1, Lo(s.Port("client1")));
  int c2 = s.Udp();
  s.Bind(c2, Lo(s.Port("client2")));
  sockaddr_in c1a{};
  socklen_t len = sizeof c1a;
  s.sys().getsockname(c1, reinterpret_cast<sockaddr*>(&c1a), &len);
  Ep c1ep = Lo(ntohs(c1a.sin_port));
  s.Connect(srv, c1ep);
  s.GetSockName(srv);
  s.GetPeerName(srv);
  s.SendTo(c2, "from c2", 0, &server);  // filtered
  s.SendTo(c1, "from c1", 0, &server);
  s.Settle();
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);
  s.Send(srv, "to c1");  // default peer
  s.Settle();
  s.Recv(c1, 64, 0);
  s.ConnectUnspec(srv);
  s.GetPeerName(srv);
  s.GetSockName(srv);
  s.Send(srv, "nowhere");  // EDESTADDRREQ
  s.Write(srv, "nowhere");
  s.SendTo(c2, "c2 again", 0, &server);
  s.Settle();
  s.Recv(srv, 64, 0);
}

DIFF_SCENARIO(Udp_IcmpPortUnreachableReportedOnceOnConnectedSocket) {
  uint16_t closed = s.Port("closed");
  int u = s.Udp();
  s.Connect(u, Lo(closed));
  s.Send(u, "one");
  s.Settle();
  Mask(s, u);        // OUT|ERR
  s.Send(u, "two");  // ECONNREFUSED (pending error), nothing sent
  s.Settle();
  s.Send(u, "three");  // sent; its ICMP sets the error again
  s.Settle();
  s.GetInt(u, SOL_SOCKET, SO_ERROR);  // ECONNREFUSED from "three"
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  s.Send(u, "four");
  s.Settle();
  s.Recv(u, 64, 0);  // ECONNREFUSED
  s.Recv(u, 64, 0);  // EAGAIN
  s.Send(u, "five");
  s.Settle();
  Ep other = Lo(s.Port("other"));
  s.SendTo(u, "elsewhere", 0, &other);  // the pending error wins
}

DIFF_SCENARIO(Udp_IcmpNotReportedOnUnconnectedSocket) {
  uint16_t closed = s.Port("closed");
  Ep dst = Lo(closed);
  int u = s.Udp();
  s.SendTo(u, "lost", 0, &dst);
  s.Settle();
  Mask(s, u);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  s.Recv(u, 64, 0);
  s.SendTo(u, "lost", 0, &dst);
}

DIFF_SCENARIO(Udp_MaxPayloadIs65507ThenEmsgsize) {
  auto [port, server, srv] = BindUdp(s, "server");
  int cl = s.Udp();
  s.SendToFill(cl, 65507, 0, &server);
  s.SendToFill(cl, 65508, 0, &server);
  s.SendToFill(cl, 100000, 0, &server);
  s.Settle();
  s.Recv(srv, 70000, 0);
  s.Recv(srv, 70000, 0);
}

DIFF_SCENARIO(Udp_FailedSendStillAutobinds) {
  int u = s.Udp();
  s.GetSockName(u);
  s.Recv(u, 8, 0);  // EAGAIN, no autobind
  s.GetSockName(u);
  s.Send(u, "x");  // EDESTADDRREQ
  s.NameLocalPort(u, "autobound");
  s.GetSockName(u);
  s.Bind(u, Lo(0));  // already bound
}

DIFF_SCENARIO(Udp_ArgumentErrors) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  Ep zero = Lo(0);
  s.SendTo(u, "x", 0, &zero);  // EINVAL
  Ep server = Lo(port);
  s.SendTo(u, "x", 0, &server, 15);  // EINVAL
  Ep v6 = Ep{"127.0.0.1", port, AF_INET6};
  s.SendTo(u, "x", 0, &v6);            // EAFNOSUPPORT
  s.SendTo(u, "x", MSG_OOB, &server);  // EOPNOTSUPP
  Ep bcast = Ep{"255.255.255.255", port};
  s.SendTo(u, "x", 0, &bcast);  // EACCES
  int a = s.Udp();
  s.Bind(a, server);
  int b = s.Udp();
  s.Bind(b, server);  // EADDRINUSE without options
  s.Bind(b, Any(port));
}

DIFF_SCENARIO(Udp_ShutdownUnconnectedAndAfterShutWr) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.Shutdown(u, SHUT_WR);        // ENOTCONN, flag set anyway
  s.SendTo(u, "x", 0, &server);  // EPIPE
  int v = s.Udp();
  s.Connect(v, server);
  s.Shutdown(v, SHUT_WR);
  s.Send(v, "x");            // EPIPE
  s.Shutdown(srv, SHUT_RD);  // unconnected: ENOTCONN but set
  Mask(s, srv);
  int w = s.Udp();
  s.SendTo(w, "after shut_rd", 0, &server);
  s.Settle();
  s.Recv(srv, 64, 0);  // still delivered
  s.Recv(srv, 64, 0);  // EAGAIN (nonblocking)
}

DIFF_SCENARIO(Udp_ReuseAddrLastBoundReceives) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int a = s.Udp();
  s.SetInt(a, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(a, server);
  int b = s.Udp();
  s.SetInt(b, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(b, server);
  int c = s.Udp();
  for (int i = 0; i < 3; ++i) s.SendTo(c, "m" + std::to_string(i), 0, &server);
  s.Settle();
  s.Recv(a, 64, 0, false);
  s.Recv(b, 64, 0, false);
  s.Recv(b, 64, 0, false);
  s.Recv(b, 64, 0, false);
  s.Recv(b, 64, 0, false);
}

// A connected UDP socket may still sendto() another address; an
// unconnected one without an address gets EDESTADDRREQ.
DIFF_SCENARIO(Udp_ConnectedSocketCanStillSendtoElsewhere) {
  uint16_t p1 = s.Port("one");
  uint16_t p2 = s.Port("two");
  int r1 = s.Udp();
  s.Bind(r1, Lo(p1));
  int r2 = s.Udp();
  s.Bind(r2, Lo(p2));
  int u = s.Udp();
  s.Connect(u, Lo(p1));
  Ep two = Lo(p2);
  s.SendTo(u, "to two", 0, &two);
  s.Send(u, "to one");
  s.Settle();
  s.Recv(r1, 64, 0);
  s.Recv(r2, 64, 0);
  s.SendTo(r2, "from two", 0, nullptr);
  s.NameLocalPort(u, "u");
}

// An unbound socket shows 0.0.0.0:0; recv does not bind it, nor does a send
// without an address (EDESTADDRREQ); sendto binds an ephemeral port;
// sendto port 0 is EINVAL.
DIFF_SCENARIO(Udp_UnboundSocketAutobindsOnlyOnASuccessfulSend) {
  int t = s.Tcp();
  s.GetSockName(t);
  s.GetPeerName(t);
  int u = s.Udp();
  s.GetSockName(u);
  s.Recv(u, 8, 0);
  s.GetSockName(u);
  s.Send(u, "x");
  Ep to = Lo(s.Port("nobody"));
  s.SendTo(u, "x", 0, &to);
  s.GetSockName(u);
  Ep zero = Lo(0);
  s.SendTo(u, "x", 0, &zero);
}

}  // namespace
}  // namespace simsock::diff
