// Differential scenarios: nonblocking connect() — refusal and the
// ECONNREFUSED / ECONNABORTED sequences, EALREADY in SYN_SENT, the
// EINPROGRESS / 0 / EISCONN success sequence, self-connect, AF_UNSPEC and
// argument errors. docs/semantics.md §2.5.
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Connect_RefusedNoListenerThenSoErrorThenEconnaborted) {
  uint16_t port = s.Port("server");
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  Mask(s, c);
  s.GetPeerName(c);
  s.GetInt(c, SOL_SOCKET, SO_ERROR);  // ECONNREFUSED, clears
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  Mask(s, c);
  s.Connect(c, Lo(port));  // ECONNABORTED (error was already read)
  s.Connect(c, Lo(port));  // a new attempt
  s.Settle();
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
}

DIFF_SCENARIO(Connect_RefusedBoundNotListeningThenConnectReportsIt) {
  uint16_t port = s.Port("server");
  int holder = s.Tcp();
  s.Bind(holder, Lo(port));
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Connect(c, Lo(port));  // ECONNREFUSED, SO_ERROR cleared
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  s.Connect(c, Lo(port));  // a new attempt
  s.Settle();
  s.Listen(holder, 4);
  s.Connect(c, Lo(port));  // ECONNREFUSED for the second attempt
  s.Connect(c, Lo(port));
  s.Settle();
  s.Connect(c, Lo(port));  // 0: the third attempt reached the listener
  s.Accept(holder);
}

DIFF_SCENARIO(Connect_RefusedThenReadGivesErrorOnceThenEof) {
  uint16_t port = s.Port("server");
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Read(c, 8);     // ECONNREFUSED
  s.Read(c, 8);     // 0
  s.Write(c, "x");  // EPIPE
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
}

DIFF_SCENARIO(Connect_RefusedThenWriteGivesErrorOnceThenEpipe) {
  uint16_t port = s.Port("server");
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Write(c, "x");  // ECONNREFUSED
  s.Write(c, "x");  // EPIPE
  s.Read(c, 8);     // 0
}

DIFF_SCENARIO(Connect_PortZeroIsRefused) {
  int c = s.Tcp();
  s.Connect(c, Lo(0));
  s.Settle();
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
}

DIFF_SCENARIO(Connect_EalreadyAndEagainWhileSynSent) {
  uint16_t port = s.Port("server");
  uint16_t other = s.Port("other");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 0);
  int filler = s.Tcp();
  s.Connect(filler, Lo(port));
  s.Settle();
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  s.Connect(c, Lo(port));
  s.Connect(c, Lo(other));  // EALREADY even to another destination
  s.GetSockName(c);
  s.GetPeerName(c);
  s.Read(c, 8);
  s.Write(c, "x");
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  Mask(s, c);
}

DIFF_SCENARIO(Connect_SuccessIsEinprogressThenZeroThenEisconn) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  Mask(s, c);
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  s.GetPeerName(c);
  s.GetSockName(c);
  s.Connect(c, Lo(port));
  s.Connect(c, Lo(port));
  s.Connect(c, Lo(port));
  int a = s.Accept(l);
  s.GetSockName(a);
  s.GetPeerName(a);
  s.Connect(a, Lo(port));
}

DIFF_SCENARIO(Connect_OnListenerIsEisconn) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  s.Connect(l, Lo(port));
  s.Accept(l);
}

DIFF_SCENARIO(Connect_ToSelfEstablishesAndLoopsData) {
  uint16_t port = s.Port("self");
  int c = s.Tcp();
  s.Bind(c, Lo(port));
  s.Connect(c, Lo(port));
  s.Settle();
  Mask(s, c);
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  s.Connect(c, Lo(port));
  s.GetPeerName(c);
  s.Write(c, "ping");
  s.Settle();
  s.Read(c, 16);
}

DIFF_SCENARIO(Connect_AfUnspecDisconnectsAndAllowsReconnect) {
  Conn c = Establish(s);
  s.ConnectUnspec(c.client);
  s.Settle();
  s.GetPeerName(c.client);
  s.GetSockName(c.client);
  Mask(s, c.client);
  s.Read(c.server, 8);  // the server saw an RST
  s.Read(c.server, 8);
  s.Read(c.client, 8);
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  s.Connect(c.client, Lo(c.port));
  s.Accept(c.listener);
}

DIFF_SCENARIO(Connect_ArgumentErrors) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Any(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port), 15);
  s.Connect(c, Lo(port), 0);
  s.Connect(c, Ep{"127.0.0.1", port, AF_INET6});
  s.Raw("connect(" + s.Fd(c) + ", NULL, 16)", s.sys().connect(c, nullptr, 16));
  s.Connect(c, Ep{"0.0.0.0", port});  // reaches the local listener
  s.Settle();
  s.Connect(c, Ep{"0.0.0.0", port});
  s.GetPeerName(c);
  s.Accept(l);
}

DIFF_SCENARIO(Connect_ShutdownWrInSynSentAbortsAttempt) {
  Stuck stuck = StuckInSynSent(s);
  uint16_t port = stuck.port;
  int l = stuck.listener;
  int c = stuck.client;
  s.Shutdown(c, SHUT_WR);
  s.Settle();
  Mask(s, c);
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  s.Accept(l);             // the filler
  s.Connect(c, Lo(port));  // a new attempt
  s.Settle();
  s.Connect(c, Lo(port));
}

}  // namespace
}  // namespace simsock::diff

namespace simsock::diff {
namespace {

// tcp_v4_connect: a multicast or broadcast destination has no unicast
// route: ENETUNREACH, and the socket stays unconnected.
DIFF_SCENARIO(Connect_MulticastOrBroadcastIsEnetunreach) {
  int t = s.Tcp();
  s.Connect(t, Ep{"224.0.0.1", 80, AF_INET});
  s.Connect(t, Ep{"255.255.255.255", 80, AF_INET});
  s.GetPeerName(t);
}

// connect() to 0.0.0.0 goes to this host (ip_route_connect picks the
// loopback source and destination): the peer shows as 127.0.0.1.
DIFF_SCENARIO(Connect_ToAnyAddressReachesTheLocalListener) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Any(port));
  s.Settle();
  s.Connect(c, Any(port));
  s.GetPeerName(c);
  int a = s.Accept(l);
  s.GetSockName(a);
}

// A listener on 127.0.0.1 does not hear 127.0.0.2 (refused), and a client
// bound to 127.0.0.5 reaches it with that source address.
DIFF_SCENARIO(Connect_OtherLoopbackAddressMissesASpecificListener) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Ep{"127.0.0.2", port, AF_INET});
  s.Settle();
  s.Connect(c, Ep{"127.0.0.2", port, AF_INET});
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  int c2 = s.Tcp();
  s.Bind(c2, Ep{"127.0.0.5", 0, AF_INET});
  s.Connect(c2, Lo(port));
  s.Settle();
  s.Connect(c2, Lo(port));
  int a = s.Accept(l);
  s.GetPeerName(a);
}

// After ECONNREFUSED the socket is back in CLOSE: the same fd connects
// again once somebody listens.
DIFF_SCENARIO(Connect_AgainAfterRefusalSucceedsOnceListening) {
  uint16_t port = s.Port("server");
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Connect(c, Lo(port));
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  s.Connect(c, Lo(port));
  s.Settle();
  s.Connect(c, Lo(port));
  s.Accept(l);
  s.Write(c, "x");
}

// The client never called connect() again after EINPROGRESS, so its socket
// is still SS_CONNECTING: connect() to any address now returns 0
// (__inet_stream_connect sees an established sk_state). connect(AF_UNSPEC)
// on a listener disconnects it: accept EINVAL, the port stays bound, and
// listen() again is EADDRINUSE while the accepted connection holds it.
DIFF_SCENARIO(Connect_EstablishedAfterEinprogressReturnsZeroForAnyAddress) {
  Conn c = Establish(s);
  Ep other = Lo(s.Port("other"));
  s.Connect(c.client, other);
  s.ConnectUnspec(c.listener);
  s.Accept(c.listener);
  s.GetSockName(c.listener);
  s.Listen(c.listener, 4);
}

// shutdown(SHUT_WR) on an unconnected socket only sets the flag; a connect
// to itself is a crossed-SYN open, and Linux ends its SYN_RECV ->
// ESTABLISHED step with tcp_shutdown: the FIN goes at once, the socket
// meets its own FIN (CLOSING, then TIME_WAIT, CLOSE on the fd), read says
// 0, and connect() again is ECONNABORTED.
DIFF_SCENARIO(Connect_ToSelfAfterShutWrSendsTheFinAtOnce) {
  uint16_t p = s.Port("p0");
  int f = s.Tcp();
  s.Bind(f, Lo(p));
  s.Shutdown(f, SHUT_WR);
  s.Connect(f, Lo(p));
  s.Settle();
  TcpInfoState(s, f);
  Mask(s, f, kInOutRdhup | EPOLLPRI);
  s.Read(f, 1);
  s.Write(f, "x");
  s.Connect(f, Lo(p));
}

// The same flag on a normal connect (SYN_SENT -> ESTABLISHED has no such
// step): the connection stays ESTABLISHED, the server sees no FIN and can
// send; only the client's own writes are EPIPE.
DIFF_SCENARIO(Connect_AfterShutWrToAListenerStaysOpenWithoutAFin) {
  Conn base = Establish(s);
  int f = s.Tcp();
  s.Shutdown(f, SHUT_WR);
  s.Connect(f, Lo(base.port));
  s.Settle();
  TcpInfoState(s, f);
  Mask(s, f, kInOutRdhup);
  int a = s.Accept(base.listener);
  TcpInfoState(s, a);
  Mask(s, a, kInOutRdhup);
  s.Read(a, 4);
  s.Write(a, "hi");
  s.Settle();
  s.Read(f, 4);
  s.Write(f, "x");
  s.Connect(f, Lo(base.port));
}

// A refused connect leaves ECONNREFUSED in SO_ERROR; if nobody reads it,
// connect(AF_UNSPEC) keeps it, and the next attempt clears it
// (tcp_connect_init): after a connect to itself, or to a listener, SO_ERROR
// is 0. Found by diff_prop.
DIFF_SCENARIO(Connect_NewAttemptClearsAnUnreadError) {
  uint16_t port[3] = {s.Port("p0"), s.Port("p1"), s.Port("closed")};
  std::vector<int> f;
  f.push_back(s.Tcp());
  s.Connect(f[0], Lo(port[0]));
  s.Settle();
  s.Bind(f[0], Lo(port[0]));
  s.ConnectUnspec(f[0]);
  s.Settle();
  s.Connect(f[0], Lo(port[0]));
  s.Settle();
  s.GetInt(f[0], SOL_SOCKET, SO_ERROR);
  // The same with a listener: refused, unread, AF_UNSPEC, then success.
  int g = s.Tcp();
  s.Connect(g, Lo(port[1]));
  s.Settle();
  int l = s.Tcp();
  s.Bind(l, Lo(port[1]));
  s.Listen(l, 4);
  s.ConnectUnspec(g);
  s.Settle();
  s.Connect(g, Lo(port[1]));
  s.Settle();
  s.GetInt(g, SOL_SOCKET, SO_ERROR);
  s.Connect(g, Lo(port[1]));
  s.Accept(l);
}

}  // namespace
}  // namespace simsock::diff
