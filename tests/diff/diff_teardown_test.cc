// Differential scenarios: FIN and RST, close with unread data, SO_LINGER
// {1,0}, RST in CLOSE_WAIT, shutdown() on connected, unconnected and
// listening sockets, half-close data flow, ENOTCONN / EPIPE on unconnected
// sockets. docs/semantics.md §2.6–§2.10, §4.1.
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Teardown_ReadReturnsZeroAfterFinOnceDrained) {
  Conn c = Establish(s);
  s.Write(c.client, "bye");
  s.Close(c.client);
  s.Settle();
  Mask(s, c.server);  // CLOSE_WAIT with data
  s.Read(c.server, 2);
  s.Read(c.server, 64);
  s.Read(c.server, 64);
  s.Read(c.server, 64);
  Mask(s, c.server);
  s.GetPeerName(c.server);  // still works in CLOSE_WAIT
}

DIFF_SCENARIO(Teardown_CloseWithUnreadDataSendsRst) {
  Conn c = Establish(s);
  s.Write(c.client, "unread");
  s.Settle();
  s.Close(c.server);  // unread data -> RST
  s.Settle();
  Mask(s, c.client);
  s.GetPeerName(c.client);
  s.Read(c.client, 64);  // ECONNRESET once
  s.Read(c.client, 64);  // then 0
  s.Read(c.client, 64);
  s.Write(c.client, "x");  // EPIPE
  Mask(s, c.client);
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);
}

DIFF_SCENARIO(Teardown_RstThenWriteFirstGivesEconnresetThenEpipe) {
  Conn c = Establish(s);
  s.SetLinger(c.server, 1, 0);
  s.Close(c.server);
  s.Settle();
  s.Write(c.client, "x");  // ECONNRESET
  s.Write(c.client, "x");  // EPIPE
  s.Read(c.client, 8);     // 0
}

DIFF_SCENARIO(Teardown_LingerZeroCloseSendsRstWithoutUnreadData) {
  Conn c = Establish(s);
  s.Write(c.server, "data for client");
  s.Settle();
  s.SetLinger(c.server, 1, 0);
  s.GetLinger(c.server);
  s.Close(c.server);
  s.Settle();
  Mask(s, c.client);
  s.Read(c.client, 64);  // data that arrived before the RST
  s.Read(c.client, 64);  // ECONNRESET
  s.Read(c.client, 64);  // 0
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);
}

DIFF_SCENARIO(Teardown_RstInCloseWaitLeavesEofAndEpipe) {
  Conn c = Establish(s);
  s.Close(c.server);  // FIN; the server fd is gone (orphan)
  s.Settle();
  s.Read(c.client, 8);  // 0: CLOSE_WAIT
  Mask(s, c.client);
  s.Write(c.client, "late");  // succeeds; the orphan answers with RST
  s.Settle();
  Mask(s, c.client);
  s.Read(c.client, 8);                       // still 0, never ECONNRESET
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);  // EPIPE
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);
  s.Write(c.client, "x");  // EPIPE
  s.GetPeerName(c.client);
}

DIFF_SCENARIO(Teardown_RstInCloseWaitWriteSeesEpipe) {
  Conn c = Establish(s);
  s.Close(c.server);
  s.Settle();
  s.Write(c.client, "late");
  s.Settle();
  s.Write(c.client, "x");  // EPIPE (the stored error)
  s.Write(c.client, "x");
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);
}

DIFF_SCENARIO(Teardown_ShutdownWrHalfCloseStillCarriesDataBack) {
  Conn c = Establish(s);
  s.Write(c.client, "request");
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  Mask(s, c.client);  // OUT
  Mask(s, c.server);  // IN|OUT|RDHUP
  s.Read(c.server, 64);
  s.Read(c.server, 64);  // 0
  s.Write(c.server, "response");
  s.Settle();
  Mask(s, c.client);
  s.Read(c.client, 64);
  s.Write(c.client, "more");      // EPIPE
  s.Shutdown(c.client, SHUT_WR);  // repeating is fine
  s.Close(c.server);
  s.Settle();
  s.Read(c.client, 64);
  Mask(s, c.client);
}

DIFF_SCENARIO(Teardown_ShutdownRdStillDeliversQueuedAndLaterData) {
  Conn c = Establish(s);
  s.Write(c.server, "abc");
  s.Settle();
  s.Shutdown(c.client, SHUT_RD);
  Mask(s, c.client);
  s.Read(c.client, 64);      // buffered data
  s.Read(c.client, 64);      // 0
  s.Write(c.server, "def");  // the peer is not told
  s.Settle();
  s.Read(c.client, 64);  // still readable
  s.Read(c.client, 64);
  s.Write(c.client, "up");  // writing still works
  s.Settle();
  s.Read(c.server, 64);
  s.Shutdown(c.client, SHUT_RD);
}

DIFF_SCENARIO(Teardown_ShutdownRdwrWithUnreadDataSendsFinNotRst) {
  Conn c = Establish(s);
  s.Write(c.server, "unread");
  s.Settle();
  s.Shutdown(c.client, SHUT_RDWR);
  s.Settle();
  Mask(s, c.client);  // IN|OUT|HUP|RDHUP
  Mask(s, c.server);  // IN|OUT|RDHUP: a FIN, not an RST
  s.Read(c.server, 8);
  s.Read(c.client, 64);  // the unread data
  s.Read(c.client, 64);
  s.Write(c.client, "x");
  s.Write(c.server, "y");  // the peer still has its fd: ACKed, no RST
  s.Settle();
  s.Read(c.server, 8);
}

DIFF_SCENARIO(Teardown_ShutdownUnconnectedIsEnotconnButSetsFlags) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int a = s.Tcp();
  s.Shutdown(a, SHUT_WR);  // ENOTCONN, flag set anyway
  s.Connect(a, Lo(port));
  s.Settle();
  s.Connect(a, Lo(port));  // connected
  s.Write(a, "x");         // EPIPE: SHUT_WR stuck
  int b = s.Tcp();
  s.Shutdown(b, SHUT_RD);
  Mask(s, b);
  s.Read(b, 8);
  int c = s.Tcp();
  s.Shutdown(c, SHUT_RDWR);
  s.Shutdown(c, 3);
  s.Shutdown(c, -1);
  Mask(s, c);
}

DIFF_SCENARIO(Teardown_ShutdownListenerRdClosesItWrDoesNot) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  s.Shutdown(l, SHUT_WR);  // no-op
  s.GetInt(l, SOL_SOCKET, SO_ACCEPTCONN);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  Mask(s, l);
  s.Shutdown(l, SHUT_RD);  // closes the listener, RST to the queue
  s.Settle();
  Mask(s, l);   // OUT|HUP
  s.Accept(l);  // EINVAL
  s.GetInt(l, SOL_SOCKET, SO_ACCEPTCONN);
  s.Read(c, 8);  // ECONNRESET
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  s.GetInt(c2, SOL_SOCKET, SO_ERROR);  // ECONNREFUSED
  s.Listen(l, 4);  // listening again on the same explicit port
  s.GetSockName(l);
  s.Connect(c2, Lo(port));  // ECONNABORTED: SO_ERROR was already read
  s.Connect(c2, Lo(port));  // a new attempt
  s.Settle();
  s.Connect(c2, Lo(port));
  s.Accept(l);
}

DIFF_SCENARIO(Teardown_UnconnectedAndListeningSocketsRejectIo) {
  int fresh = s.Tcp();
  s.Read(fresh, 8);     // ENOTCONN
  s.Read(fresh, 0);     // 0
  s.Write(fresh, "x");  // EPIPE
  s.Write(fresh, "");   // EPIPE too
  Ep somewhere = Lo(s.Port("server"));
  s.SendTo(fresh, "x", 0, &somewhere);  // EPIPE
  s.Recv(fresh, 8, 0);                  // ENOTCONN
  s.GetPeerName(fresh);                 // ENOTCONN
  s.GetSockName(fresh);                 // 0.0.0.0:0
  int l = s.Tcp();
  s.Bind(l, somewhere);
  s.Listen(l, 4);
  s.Read(l, 8);
  s.Write(l, "x");
  s.GetPeerName(l);
}

DIFF_SCENARIO(Teardown_BothSidesClosedShowsHupOnLastFd) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Read(c.server, 8);
  s.Shutdown(c.server, SHUT_WR);
  s.Settle();
  Mask(s, c.client);  // both FINs exchanged: IN|OUT|HUP|RDHUP
  Mask(s, c.server);
  s.Read(c.client, 8);
  s.Write(c.client, "x");
  s.Write(c.server, "x");
  s.GetPeerName(c.client);
}

// shutdown(SHUT_RDWR) with queued data: the data can still be read, the
// peer gets a FIN; a later write from the peer draws a RST (the receive
// side is shut), and both ends end in CLOSE.
DIFF_SCENARIO(Teardown_ShutdownRdwrThenPeerWriteDrawsRst) {
  Conn c = Establish(s);
  s.Write(c.client, "pending");
  s.Settle();
  s.Shutdown(c.server, SHUT_RDWR);
  s.Read(c.server, 64);
  s.Write(c.server, "x");
  s.Settle();
  Mask(s, c.server);
  Mask(s, c.client);
  s.Read(c.client, 64);
  s.Write(c.client, "more");
  s.Settle();
  Mask(s, c.client);
  s.Read(c.server, 64);
  TcpInfoState(s, c.server);
  TcpInfoState(s, c.client);
}

// SHUT_WR twice is fine; a write after it is EPIPE without setting
// SO_ERROR; after the peer closes, read says 0 and the state is CLOSE.
DIFF_SCENARIO(Teardown_ShutWrTwiceThenWriteIsEpipeWithoutError) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Shutdown(c.client, SHUT_WR);
  s.Write(c.client, "x");
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);
  s.Settle();
  s.Read(c.server, 8);
  s.Close(c.server);
  s.Settle();
  s.Read(c.client, 8);
  s.Write(c.client, "x");
  TcpInfoState(s, c.client);
}

// The active closer's fd, once its connection is in TIME_WAIT: the
// connection lives on in a timewait sock, the socket is CLOSE (tcp_done)
// and gave its autobound port back, though getsockname still shows it.
// connect is EISCONN and listen EINVAL (still SS_CONNECTED), but bind
// succeeds; after connect(AF_UNSPEC) it listens on the new port.
DIFF_SCENARIO(Teardown_TimeWaitLeavesTheFdClosedAndFreeToBindAgain) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Close(c.server);
  s.Settle();
  TcpInfoState(s, c.client);
  s.GetSockName(c.client);
  s.GetPeerName(c.client);
  s.Connect(c.client, Lo(c.port));
  s.Listen(c.client, 4);
  s.Bind(c.client, Lo(s.Port("other")));
  Mask(s, c.client);
  s.Read(c.client, 4);
  s.Write(c.client, "x");
  s.ConnectUnspec(c.client);
  TcpInfoState(s, c.client);
  s.GetSockName(c.client);
  s.Listen(c.client, 4);
  s.GetSockName(c.client);
}

}  // namespace
}  // namespace simsock::diff
