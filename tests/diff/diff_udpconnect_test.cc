// Differential scenarios: UDP connect() corner cases. A peer port of 0
// (the socket is connected, but inet_dport == 0 matches any source port)
// and broadcast destinations (ip_route_connect's RTCF_BROADCAST check
// without SO_BROADCAST). No datagram is ever sent to a broadcast address.
// docs/semantics.md §7.
#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// compute_score checks the source address of a connected socket, but its
// port only when inet_dport is not 0.
DIFF_SCENARIO(UdpPortZero_ConnectedSocketTakesAnyPortOfThePeerAddress) {
  auto [port, server, u] = BindUdp(s, "server");
  s.Connect(u, Lo(0));
  s.GetPeerName(u);  // ENOTCONN
  s.GetSockName(u);
  int a = s.Udp();
  s.Bind(a, Lo(s.Port("a")));
  int b = s.Udp();
  s.Bind(b, Lo(s.Port("b")));
  int other = s.Udp();
  s.Bind(other, Ep{"127.0.0.2", s.Port("other")});
  s.SendTo(a, "from a", 0, &server);
  s.SendTo(other, "from 127.0.0.2", 0, &server);  // filtered by address
  s.SendTo(b, "from b", 0, &server);
  s.Settle();
  s.Recv(u, 64, 0);
  s.Recv(u, 64, 0);
  s.Recv(u, 64, 0);  // EAGAIN
  // Connected to 127.0.0.2:0, it takes only 127.0.0.2.
  s.Connect(u, Ep{"127.0.0.2", 0});
  s.GetPeerName(u);
  s.SendTo(a, "from a again", 0, &server);
  s.SendTo(other, "from 127.0.0.2 again", 0, &server);
  s.Settle();
  s.Recv(u, 64, 0);
  s.Recv(u, 64, 0);  // EAGAIN
}

// The connected socket (address matched: score + 4) wins over an
// unconnected one bound later to the same port.
DIFF_SCENARIO(UdpPortZero_ConnectedSocketWinsOverUnconnected) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int w1 = s.Udp();
  s.SetInt(w1, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(w1, server);
  s.Connect(w1, Lo(0));
  int w2 = s.Udp();
  s.SetInt(w2, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(w2, server);
  int c = s.Udp();
  s.SendTo(c, "one", 0, &server);
  s.SendTo(c, "two", 0, &server);
  s.Settle();
  s.Recv(w2, 64, 0);  // EAGAIN
  s.Recv(w1, 64, 0);
  s.Recv(w1, 64, 0);
  // (Not shown: after connect(AF_UNSPEC) the two tie again, and Linux's
  // compute_score then prefers the socket whose sk_incoming_cpu is the
  // current CPU, here w1, which depends on the scheduler.)
}

// send() to a port-0 peer leaves (port 0 is never bound) and is refused by
// ICMP; sendto() naming port 0 is EINVAL. The refusal of a datagram sent
// to another port of the peer's address reaches the socket too (udp_err
// looks it up like an arrival).
DIFF_SCENARIO(UdpPortZero_SendToThePortZeroPeerIsRefused) {
  int u = s.Udp();
  s.Connect(u, Lo(0));
  s.NameLocalPort(u, "u");
  s.GetPeerName(u);
  s.Send(u, "x");  // 1
  s.Settle();
  Mask(s, u);
  s.Recv(u, 64, 0);                   // ECONNREFUSED
  s.GetInt(u, SOL_SOCKET, SO_ERROR);  // 0
  Ep zero = Lo(0);
  s.SendTo(u, "x", 0, &zero);  // EINVAL
  Ep closed = Lo(s.Port("closed"));
  s.SendTo(u, "x", 0, &closed);
  s.Settle();
  s.GetInt(u, SOL_SOCKET, SO_ERROR);  // ECONNREFUSED
  s.Write(u, "y");
  s.Settle();
  s.Recv(u, 64, 0);  // ECONNREFUSED
}

// connect(0.0.0.0:0) means 127.0.0.1:0; a later connect to a real port
// gives getpeername its address, and connecting to port 0 again hides it.
DIFF_SCENARIO(UdpPortZero_ReconnectBetweenPortZeroAndARealPort) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.Connect(u, Any(0));
  s.NameLocalPort(u, "u");
  s.GetSockName(u);  // 127.0.0.1:<u>
  s.GetPeerName(u);  // ENOTCONN
  s.Connect(u, server);
  s.GetPeerName(u);
  s.Connect(u, Lo(0));
  s.GetPeerName(u);                   // ENOTCONN
  s.SendTo(srv, "back", 0, nullptr);  // srv unconnected: EDESTADDRREQ
  Ep uep = Lo(s.NameLocalPort(u, "u", false));
  s.SendTo(srv, "back", 0, &uep);
  s.Settle();
  s.Recv(u, 64, 0);  // from <server>, any port is accepted
}

// Without SO_BROADCAST, connect() to a broadcast address is EACCES; the
// socket is autobound by then (inet_dgram_connect) and not connected.
DIFF_SCENARIO(UdpBroadcast_ConnectWithoutSoBroadcastIsEacces) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_BROADCAST);  // 0
  s.Connect(u, Ep{"255.255.255.255", port});
  s.NameLocalPort(u, "u");
  s.GetSockName(u);  // 0.0.0.0:<u>
  s.GetPeerName(u);  // ENOTCONN
  s.Send(u, "x");    // EDESTADDRREQ
  s.Connect(u, Ep{"127.255.255.255", port});
  s.Connect(u, Ep{"255.255.255.255", 0});
  s.Connect(u, Ep{"127.255.255.255", 0});
  s.GetSockName(u);
  int b = s.Udp();
  s.Bind(b, Lo(0));
  s.NameLocalPort(b, "b");
  s.Connect(b, Ep{"127.255.255.255", port});
  s.GetSockName(b);
  s.GetPeerName(b);
  Ep lbcast{"127.255.255.255", port};
  s.SendTo(b, "x", 0, &lbcast);  // EACCES: nothing is sent
  s.ConnectUnspec(u);
  s.GetSockName(u);  // the autobound port is released
}

// With SO_BROADCAST the connect succeeds (no datagram is sent here);
// clearing it makes the next connect EACCES again, which keeps the old
// peer.
DIFF_SCENARIO(UdpBroadcast_ConnectWithSoBroadcastSucceeds) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(0));
  s.NameLocalPort(u, "u");
  s.SetInt(u, SOL_SOCKET, SO_BROADCAST, 1);
  s.Connect(u, Ep{"255.255.255.255", port});
  s.GetPeerName(u);
  s.GetSockName(u);  // 127.0.0.1:<u>
  s.Connect(u, Ep{"127.255.255.255", port});
  s.GetPeerName(u);
  s.SetInt(u, SOL_SOCKET, SO_BROADCAST, 0);
  s.Connect(u, Ep{"255.255.255.255", port});  // EACCES
  s.GetPeerName(u);                           // still 127.255.255.255
  int v = s.Udp();
  s.SetInt(v, SOL_SOCKET, SO_BROADCAST, 1);
  s.Connect(v, Ep{"127.255.255.255", port});
  s.NameLocalPort(v, "v");
  s.GetSockName(v);  // 127.0.0.1:<v>
  s.GetPeerName(v);
}

// A failed connect leaves an existing connection as it was.
DIFF_SCENARIO(UdpBroadcast_FailedConnectKeepsThePreviousPeer) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.Connect(u, server);
  s.NameLocalPort(u, "u");
  s.Connect(u, Ep{"255.255.255.255", port});  // EACCES
  s.GetPeerName(u);
  s.GetSockName(u);
  s.Send(u, "still connected");
  s.Settle();
  s.Recv(srv, 64, 0);
}

// Only 255.255.255.255 and 127.255.255.255 are broadcast on loopback: the
// other 127/8 addresses (network address, x.255 endings) and multicast
// connect without SO_BROADCAST.
DIFF_SCENARIO(UdpBroadcast_OtherLoopbackAddressesAreNotBroadcast) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(0));
  s.NameLocalPort(u, "u");
  for (const char* ip : {"127.0.0.255", "127.0.0.0", "127.1.255.255",
                         "127.255.255.254", "224.0.0.1"}) {
    s.Connect(u, Ep{ip, port});
    s.GetPeerName(u);
  }
  s.GetSockName(u);
}

}  // namespace
}  // namespace simsock::diff
