// Differential scenarios: listen() errors and re-listen, the accept queue
// (backlog N holds N+1, silent SYN drop, completion on the next SYN
// retransmission, TCP_SYNCNT give-up), and what queued connections see when
// the listener goes away. docs/semantics.md §2.3, §2.4, §3.
#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Listen_UdpIsEopnotsupp) {
  int u = s.Udp();
  s.Listen(u, 4);
  s.Bind(u, Lo(s.Port("server")));
  s.Listen(u, 4);
  s.Accept(u);
}

DIFF_SCENARIO(Listen_ConnectedOrAcceptedSocketIsEinval) {
  Conn c = Establish(s);
  s.Listen(c.client, 4);
  s.Listen(c.server, 4);
  s.Accept(c.client);  // not a listener
  int fresh = s.Tcp();
  s.Accept(fresh);
}

DIFF_SCENARIO(Listen_UnboundAutobindsAndAcceptsConnections) {
  int l = s.Tcp();
  s.Listen(l, 4);
  uint16_t port = s.NameLocalPort(l, "server");
  s.GetInt(l, SOL_SOCKET, SO_ACCEPTCONN);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  s.Accept(l);
  s.Accept(l);
}

// listen(fd, n) with n+2 nonblocking clients: n+1 complete the handshake
// (OUT on the client, accepted in arrival order), the last stays in
// SYN_SENT (no events) until an accept makes room and its SYN is
// retransmitted one second later.
void BacklogScenario(Script& s, int n) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, n);
  int ep = s.EpollCreate();
  std::vector<int> clients;
  for (int i = 0; i < n + 2; ++i) {
    int c = s.Tcp();
    s.Connect(c, Lo(port));
    s.NameLocalPort(c, "client" + std::to_string(i));
    s.EpollCtl(ep, EPOLL_CTL_ADD, c, kInOutRdhup);
    clients.push_back(c);
    s.Settle();
  }
  s.EpollWait(ep);
  Mask(s, l);
  int pending = clients.back();
  s.Connect(pending, Lo(port));                 // EALREADY
  s.Read(pending, 8);                           // EAGAIN
  s.GetPeerName(pending);                       // ENOTCONN
  for (int i = 0; i < n + 2; ++i) s.Accept(l);  // n+1 in order, then EAGAIN
  s.Advance(milliseconds(1500));
  s.EpollWait(ep);
  s.Connect(pending, Lo(port));  // 0: now connected
  s.Accept(l);
  s.Accept(l);
}

DIFF_SCENARIO(Backlog_Listen0HoldsOneConnection) { BacklogScenario(s, 0); }
DIFF_SCENARIO(Backlog_Listen1HoldsTwoConnections) { BacklogScenario(s, 1); }
DIFF_SCENARIO(Backlog_Listen2HoldsThreeConnections) { BacklogScenario(s, 2); }
DIFF_SCENARIO(Backlog_Listen5HoldsSixConnections) { BacklogScenario(s, 5); }

DIFF_SCENARIO(Listen_AgainOnListenerChangesBacklog) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 0);
  int ep = s.EpollCreate();
  for (int i = 0; i < 3; ++i) {
    int c = s.Tcp();
    s.Connect(c, Lo(port));
    s.NameLocalPort(c, "client" + std::to_string(i));
    s.EpollCtl(ep, EPOLL_CTL_ADD, c, kInOutRdhup);
    s.Settle();
  }
  s.EpollWait(ep);  // only client0
  s.Listen(l, 2);   // room for two more, no accept
  s.Advance(milliseconds(1500));
  s.EpollWait(ep);  // all three
  // client1 and client2 retransmit at about the same time; their order in
  // the queue is not deterministic on Linux, so no peer addresses here.
  s.AcceptLen(l, Script::kNoAddr, SOCK_NONBLOCK);
  s.AcceptLen(l, Script::kNoAddr, SOCK_NONBLOCK);
  s.AcceptLen(l, Script::kNoAddr, SOCK_NONBLOCK);
  s.AcceptLen(l, Script::kNoAddr, SOCK_NONBLOCK);
}

DIFF_SCENARIO(Backlog_SyncntOneTimesOutAgainstFullQueue) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 0);
  int c0 = s.Tcp();
  s.Connect(c0, Lo(port));
  s.Settle();
  int c1 = s.Tcp();
  s.SetInt(c1, IPPROTO_TCP, TCP_SYNCNT, 1);
  s.GetInt(c1, IPPROTO_TCP, TCP_SYNCNT);
  s.Connect(c1, Lo(port));
  s.Settle();
  Mask(s, c1);
  s.Advance(milliseconds(2000));
  Mask(s, c1);
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  s.Advance(milliseconds(2000));  // gives up at about 3.07 s
  Mask(s, c1);
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  Mask(s, c1);
  s.Read(c1, 8);
  s.Write(c1, "x");
}

DIFF_SCENARIO(Backlog_ListenerCloseResetsUnacceptedConnections) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  s.Write(c2, "queued");
  s.Settle();
  s.Close(l);
  s.Settle();
  Mask(s, c1);
  s.Read(c1, 16);    // ECONNRESET
  s.Read(c1, 16);    // 0
  s.Write(c1, "x");  // EPIPE
  Mask(s, c1);
  s.GetInt(c2, SOL_SOCKET, SO_ERROR);  // ECONNRESET
  s.GetInt(c2, SOL_SOCKET, SO_ERROR);
  s.Write(c2, "x");
  s.GetPeerName(c2);
}

DIFF_SCENARIO(Backlog_ListenerCloseRefusesClientStillInSynSent) {
  Stuck stuck = StuckInSynSent(s);
  int c0 = stuck.filler;
  int c1 = stuck.client;
  Mask(s, c1);
  s.Close(stuck.listener);
  s.Settle();
  Mask(s, c1);                    // still SYN_SENT
  s.Advance(milliseconds(1500));  // next SYN -> RST
  Mask(s, c1);
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  s.Read(c0, 8);
}

// The model_prop counterexample of seed 16536372428105877682, reduced: a
// client whose SYN a full accept queue dropped learns nothing when the
// listener closes (inet_csk_listen_stop resets only the accept queue and
// the request socks; a dropped SYN left neither), nor from the failed
// writes on the reset connection. It learns at its SYN retransmission,
// TCP_TIMEOUT_INIT (1 s) after connect(): the SYN meets no listener, the
// RST refuses it (tcp_reset: ECONNREFUSED in SYN_SENT).
DIFF_SCENARIO(Backlog_DroppedSynIsRefusedAtItsRetransmissionNotAtClose) {
  Stuck stuck = StuckInSynSent(s);
  int c0 = stuck.filler;
  int c1 = stuck.client;
  s.Close(stuck.listener);
  s.Write(c0, "");  // ECONNRESET: the queued connection was reset
  s.Write(c0, "");  // EPIPE
  s.Write(c0, "");
  Mask(s, c1);
  s.Advance(milliseconds(780));  // about 800 ms after connect(): SYN_SENT
  Mask(s, c1);
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  s.Advance(milliseconds(300));  // about 1.1 s: retransmitted, refused
  Mask(s, c1);
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  s.Connect(c1, Lo(stuck.port));
}

DIFF_SCENARIO(Backlog_DataAndFinBeforeAcceptAreDelivered) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  s.Write(c, "hello");
  s.Close(c);
  s.Settle();
  Mask(s, l);
  int a = s.Accept(l);
  Mask(s, a);
  s.GetPeerName(a);
  s.Read(a, 64);
  s.Read(a, 64);
  s.Write(a, "late");  // succeeds; the closed peer answers with RST
  s.Settle();
  s.Write(a, "again");
  s.Read(a, 64);
}

DIFF_SCENARIO(Backlog_DataAndRstBeforeAcceptAreDelivered) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  s.Write(c, "hello");
  s.SetLinger(c, 1, 0);
  s.Close(c);
  s.SetLinger(c2, 1, 0);
  s.Close(c2);
  s.Settle();
  Mask(s, l);  // reset entries still count
  int a = s.Accept(l);
  Mask(s, a);
  s.Read(a, 64);  // the data
  s.Read(a, 64);  // ECONNRESET
  s.Read(a, 64);  // 0
  int b = s.Accept(l);
  s.Read(b, 64);  // ECONNRESET
  s.Read(b, 64);  // 0
  s.Accept(l);
}

DIFF_SCENARIO(Backlog_DataSentBeforeAcceptIsBuffered) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Connect(c, Lo(port));
  s.Write(c, "early ");
  s.Write(c, "bird");
  s.Settle();
  int a = s.Accept(l);
  s.Read(a, 64);
  s.Write(a, "ack");
  s.Settle();
  s.Read(c, 64);
}

// shutdown(SHUT_RD) of a listener resets the connections queued on it;
// listen() again is EADDRINUSE while the accepted one holds the port.
DIFF_SCENARIO(Backlog_ListenerShutRdResetsTheQueueAndKeepsThePort) {
  Conn c = Establish(s);
  int c2 = s.Tcp();
  s.Connect(c2, Lo(c.port));
  s.Settle();
  s.Shutdown(c.listener, SHUT_RD);
  s.Accept(c.listener);
  s.Settle();
  s.Read(c2, 8);
  s.Read(c2, 8);
  s.Listen(c.listener, 4);
  s.GetSockName(c.listener);
}

// Closing a listener whose queued connection carries unread data: the
// client is reset (ECONNRESET once, then EPIPE on write).
DIFF_SCENARIO(Backlog_ListenerCloseResetsAQueuedConnectionWithData) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Write(c, "queued");
  s.Settle();
  s.Close(l);
  s.Settle();
  Mask(s, c);
  s.Read(c, 8);
  s.Write(c, "x");
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
}

// SO_LINGER {1,0} on a listener: closing it resets the queued connection
// and leaves the accepted one alone.
DIFF_SCENARIO(Backlog_LingerZeroListenerCloseResetsOnlyTheQueue) {
  Conn c = Establish(s);
  int c2 = s.Tcp();
  s.Connect(c2, Lo(c.port));
  s.Settle();
  s.SetLinger(c.listener, 1, 0);
  s.Close(c.listener);
  s.Settle();
  s.Read(c2, 8);
  s.Write(c.client, "ok");
  s.Settle();
  s.Read(c.server, 8);
}

// shutdown() on a bound socket before listen() is ENOTCONN but sets the
// flags, listen() keeps them, and every child inherits them (sk_clone_lock
// copies sk_shutdown): SHUT_WR children send their FIN as the handshake
// completes (the client reads 0, CLOSE_WAIT; the child is FIN_WAIT2, its
// writes EPIPE); SHUT_RD children read 0 but still receive; SHUT_RDWR
// children also reset on the client's data. Found by diff_prop with 40
// commands.
DIFF_SCENARIO(Backlog_ShutdownBeforeListenShutsEveryAcceptedConnection) {
  for (int how : {SHUT_RDWR, SHUT_WR, SHUT_RD}) {
    uint16_t port = s.Port("p" + std::to_string(how));
    int l = s.Tcp();
    s.Bind(l, Lo(port));
    s.Shutdown(l, how);
    s.Listen(l, 4);
    Mask(s, l);
    int c = s.Tcp();
    s.Connect(c, Lo(port));
    s.Settle();
    TcpInfoState(s, c);
    s.Read(c, 4);
    int a = s.Accept(l);
    TcpInfoState(s, a);
    Mask(s, a);
    s.Read(a, 4);
    s.Write(a, "x");
    s.Write(c, "hi");
    s.Settle();
    s.Read(a, 4);
    s.Read(c, 4);
    TcpInfoState(s, a);
    TcpInfoState(s, c);
  }
}

// A socket that has been one end of a connection never listens again on the
// kernel the recordings come from (docs/semantics.md §3.1): whether its
// connect() was refused, reset by connect(AF_UNSPEC) while established, or
// it was accepted; whether or not it was bound first or again afterwards.
// A connect() that fails before sending a SYN leaves it free to listen.
DIFF_SCENARIO(Listen_AfterRefusedConnectAndUnspecIsEinval) {
  // The program: a refused nonblocking connect, settle,
  // connect(AF_UNSPEC), listen.
  int fd = s.Tcp();
  s.Connect(fd, Lo(s.Port("closed")));
  s.Settle();
  s.ConnectUnspec(fd);
  s.Listen(fd, 0);
  TcpInfoState(s, fd);
  // The error was read first this time: the same answer.
  int fd2 = s.Tcp();
  s.Connect(fd2, Lo(s.Port("closed2")));
  s.Settle();
  s.GetInt(fd2, SOL_SOCKET, SO_ERROR);
  s.ConnectUnspec(fd2);
  s.Listen(fd2, 0);
  // A fresh socket that only got connect(AF_UNSPEC) still listens.
  int fresh = s.Tcp();
  s.ConnectUnspec(fresh);
  s.Listen(fresh, 0);
}

DIFF_SCENARIO(Listen_AfterSecondRefusedConnectIsEinval) {
  int fd = s.Tcp();
  uint16_t closed = s.Port("closed");
  s.Connect(fd, Lo(closed));
  s.Settle();
  s.Connect(fd, Lo(closed));  // reports ECONNREFUSED and disconnects
  s.Listen(fd, 0);
  s.Connect(fd, Lo(closed));  // connects again: the socket is unconnected
  s.Settle();
  s.Listen(fd, 1);
}

// The refused listen() still takes an ephemeral port: the socket is bound
// (not listening) until a disconnect gives the port back. Found by
// diff_prop (listen, then bind = EINVAL on Linux).
DIFF_SCENARIO(Listen_RefusedForStickyRoleStillAutobinds) {
  int fd = s.Tcp();
  uint16_t closed = s.Port("closed");
  s.Connect(fd, Lo(closed));
  s.Settle();
  s.Connect(fd, Lo(closed));  // ECONNREFUSED
  s.Listen(fd, 0);            // EINVAL
  uint16_t port = s.NameLocalPort(fd, "autobound");
  int other = s.Tcp();
  s.Bind(other, Lo(port));  // EADDRINUSE: the port is held
  int c = s.Tcp();
  s.Connect(c, Lo(port));  // nobody listens
  s.Settle();
  s.Connect(c, Lo(port));          // ECONNREFUSED
  s.Bind(fd, Lo(s.Port("free")));  // EINVAL: already bound
  s.ConnectUnspec(fd);
  s.Bind(other, Lo(port));  // free again
  s.Bind(fd, Lo(s.Port("free2")));
  s.Listen(fd, 0);  // still EINVAL (sticky)
}

DIFF_SCENARIO(Listen_AfterEstablishedThenUnspecIsEinval) {
  Conn c = Establish(s);
  s.ConnectUnspec(c.client);
  TcpInfoState(s, c.client);
  s.Listen(c.client, 4);
  // The accepted end, disconnected the same way, is refused as well.
  s.ConnectUnspec(c.server);
  s.Listen(c.server, 4);
  // It may still connect again.
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  s.Accept(c.listener);
}

DIFF_SCENARIO(Listen_AfterConnectWithBindBeforeOrAfterIsEinval) {
  int fd = s.Tcp();
  s.Bind(fd, Lo(s.Port("mine")));
  s.Connect(fd, Lo(s.Port("closed")));
  s.Settle();
  s.ConnectUnspec(fd);
  s.Listen(fd, 0);
  int fd2 = s.Tcp();
  s.Connect(fd2, Lo(s.Port("closed2")));
  s.Settle();
  s.ConnectUnspec(fd2);
  s.Bind(fd2, Lo(s.Port("later")));
  s.Listen(fd2, 0);
}

DIFF_SCENARIO(Listen_AfterConnectThatSentNoSynIsAllowed) {
  // Refused before a SYN leaves: a multicast destination (ENETUNREACH) and
  // a short address (EINVAL). The socket has not been a connection.
  int fd = s.Tcp();
  s.Connect(fd, Ep{"224.0.0.1", 9, AF_INET});
  s.Connect(fd, Lo(9), 8);
  s.Listen(fd, 0);
  s.NameLocalPort(fd, "server");
}

DIFF_SCENARIO(Connect_AfterListeningIsEinval) {
  // The other half of the rule: a socket that has listened never connects,
  // whether it stopped listening by connect(AF_UNSPEC) or shutdown(SHUT_RD),
  // and it may listen again.
  int fd = s.Tcp();
  s.Bind(fd, Lo(s.Port("server")));
  s.Listen(fd, 1);
  s.ConnectUnspec(fd);
  s.Connect(fd, Lo(s.Port("closed")));
  Ep v6 = Lo(9);
  v6.family = AF_INET6;
  s.Connect(fd, v6);
  s.Connect(fd, Lo(9), 8);
  s.Connect(fd, Ep{"224.0.0.1", 9, AF_INET});
  s.ConnectUnspec(fd);
  s.Connect(fd, Lo(9));
  s.Listen(fd, 1);
  s.GetInt(fd, SOL_SOCKET, SO_ACCEPTCONN);
  int l2 = s.Tcp();
  s.Listen(l2, 1);
  s.Shutdown(l2, SHUT_RD);
  s.GetInt(l2, SOL_SOCKET, SO_ACCEPTCONN);
  s.Connect(l2, Lo(9));
  s.Listen(l2, 1);
  // A listen() that failed (the port is another listener's) is no role.
  uint16_t shared = s.Port("shared");
  int a = s.Tcp();
  int b = s.Tcp();
  s.SetInt(a, SOL_SOCKET, SO_REUSEADDR, 1);
  s.SetInt(b, SOL_SOCKET, SO_REUSEADDR, 1);
  s.Bind(a, Lo(shared));
  s.Bind(b, Lo(shared));
  s.Listen(a, 1);
  s.Listen(b, 1);
  s.Connect(b, Lo(s.Port("closed2")));
  s.Settle();
}

}  // namespace
}  // namespace simsock::diff
