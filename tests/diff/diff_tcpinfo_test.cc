// Differential scenarios: TCP_INFO tcpi_state of the fd in every state that
// loopback reaches deterministically once things have settled, and the
// listener fields (tcpi_unacked = accept-queue length, tcpi_sacked =
// backlog). Only these fields are compared; the others differ by design
// (docs D14). State numbers: 1 ESTABLISHED, 2 SYN_SENT, 5 FIN_WAIT2,
// 7 CLOSE, 8 CLOSE_WAIT, 10 LISTEN. docs/semantics.md §2.11, §4.1, §6.
//
// Not covered, because loopback cannot hold them still: LAST_ACK (the
// peer's ACK of our FIN comes back within the call), CLOSING (needs FINs
// that cross), SYN_RECV (invisible: a request minisock, not an fd), and
// TIME_WAIT (the fd reports CLOSE).
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(TcpInfo_FreshAndBoundSocketsAreClose) {
  int t = s.Tcp();
  TcpInfoState(s, t);  // 7
  s.Bind(t, Lo(s.Port("server")));
  TcpInfoState(s, t);  // 7
  int u = s.Udp();
  TcpInfoState(s, u);  // EOPNOTSUPP: an IPPROTO_TCP option on UDP
}

DIFF_SCENARIO(TcpInfo_ListenerReportsQueueLengthAndBacklog) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 3);
  TcpInfoState(s, l, true);  // 10, unacked 0, sacked 3
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  TcpInfoState(s, l, true);  // unacked 2
  s.AcceptLen(l, Script::kNoAddr, SOCK_NONBLOCK);
  TcpInfoState(s, l, true);  // unacked 1
  s.Listen(l, 7);            // re-listen changes the backlog
  TcpInfoState(s, l, true);  // sacked 7
  s.Listen(l, 0);
  TcpInfoState(s, l, true);  // sacked 0, unacked still 1
}

DIFF_SCENARIO(TcpInfo_AutoboundListenerIsListen) {
  int l = s.Tcp();
  s.Listen(l, 2);
  s.NameLocalPort(l, "server");
  TcpInfoState(s, l, true);
}

DIFF_SCENARIO(TcpInfo_SynSentAgainstFullQueue) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 0);
  int c0 = s.Tcp();
  s.Connect(c0, Lo(port));
  s.Settle();
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));  // EINPROGRESS; the SYN is dropped
  s.Settle();
  TcpInfoState(s, c0);       // 1
  TcpInfoState(s, c1);       // 2 = SYN_SENT
  TcpInfoState(s, l, true);  // unacked 1, sacked 0
}

DIFF_SCENARIO(TcpInfo_EstablishedOnBothSides) {
  Conn c = Establish(s);
  TcpInfoState(s, c.client);
  TcpInfoState(s, c.server);
  s.Write(c.client, "data");
  s.Settle();
  TcpInfoState(s, c.server);  // unread data changes nothing
  s.Shutdown(c.client, SHUT_RD);
  TcpInfoState(s, c.client);  // SHUT_RD sends nothing: still 1
}

// No data was received by the peer, so it is in quickack mode and ACKs the
// FIN at once: FIN_WAIT2 right after settling.
DIFF_SCENARIO(TcpInfo_ShutWrWithoutDataIsFinWait2AndPeerCloseWait) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  TcpInfoState(s, c.client);  // 5 = FIN_WAIT2
  TcpInfoState(s, c.server);  // 8 = CLOSE_WAIT
  s.Advance(milliseconds(300));
  TcpInfoState(s, c.client);  // FIN_WAIT2 lasts while the fd is open
  TcpInfoState(s, c.server);  // CLOSE_WAIT never times out
}

// After the peer has received data, Linux may delay the ACK of the FIN by
// 40 ms or more (FIN_WAIT1 meanwhile, on both kernels:
// TcpInfo_FinAfterDataWaitsForTheDelayedAck), so
// this waits 300 ms before reading the state.
DIFF_SCENARIO(TcpInfo_ShutWrAfterDataIsFinWait2OnceTheFinIsAcked) {
  Conn c = Establish(s);
  s.Write(c.client, "request");
  s.Settle();
  s.Read(c.server, 64);
  s.Write(c.server, "reply");
  s.Settle();
  s.Read(c.client, 64);
  s.Write(c.client, "more");
  s.Shutdown(c.client, SHUT_WR);
  s.Advance(milliseconds(300));
  TcpInfoState(s, c.client);  // 5
  TcpInfoState(s, c.server);  // 8
  s.Read(c.server, 64);
  s.Read(c.server, 64);       // 0
  TcpInfoState(s, c.server);  // still 8
}

DIFF_SCENARIO(TcpInfo_PeerCloseGivesCloseWaitThenShutWrGivesClose) {
  Conn c = Establish(s);
  s.Close(c.server);  // FIN; the server side is now an orphan
  s.Settle();
  TcpInfoState(s, c.client);  // 8 = CLOSE_WAIT
  s.Read(c.client, 8);        // 0
  TcpInfoState(s, c.client);
  // Passive close: LAST_ACK, and the orphan ACKs the FIN within the call.
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  TcpInfoState(s, c.client);  // 7 = CLOSE, no TIME_WAIT on this side
  Mask(s, c.client);
}

DIFF_SCENARIO(TcpInfo_ActiveCloserAfterBothFinsIsClose) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Read(c.server, 8);  // 0
  s.Shutdown(c.server, SHUT_WR);
  s.Settle();
  TcpInfoState(s, c.client);  // 7: TIME_WAIT is not visible on the fd
  TcpInfoState(s, c.server);  // 7: LAST_ACK -> CLOSE
  s.Read(c.client, 8);
}

DIFF_SCENARIO(TcpInfo_SimultaneousShutdownRdwrEndsClose) {
  Conn c = Establish(s);
  s.Shutdown(c.client, SHUT_RDWR);
  s.Settle();
  TcpInfoState(s, c.client);  // 5
  s.Shutdown(c.server, SHUT_RDWR);
  s.Settle();
  TcpInfoState(s, c.client);  // 7
  TcpInfoState(s, c.server);  // 7
}

DIFF_SCENARIO(TcpInfo_AfterRstIsClose) {
  Conn c = Establish(s);
  s.SetLinger(c.server, 1, 0);
  s.Close(c.server);
  s.Settle();
  TcpInfoState(s, c.client);  // 7 even before the error is read
  s.Read(c.client, 8);        // ECONNRESET
  TcpInfoState(s, c.client);
}

DIFF_SCENARIO(TcpInfo_CloseWithUnreadDataResetsPeerToClose) {
  Conn c = Establish(s);
  s.Write(c.client, "unread");
  s.Settle();
  s.Close(c.server);  // RST because of the unread data
  s.Settle();
  TcpInfoState(s, c.client);  // 7
}

DIFF_SCENARIO(TcpInfo_RefusedConnectIsClose) {
  uint16_t port = s.Port("server");
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  TcpInfoState(s, c);  // 7
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  TcpInfoState(s, c);
}

DIFF_SCENARIO(TcpInfo_ShutdownWrInSynSentAbortsToClose) {
  int c1 = StuckInSynSent(s).client;
  TcpInfoState(s, c1);  // 2
  s.Shutdown(c1, SHUT_WR);
  TcpInfoState(s, c1);  // 7
}

DIFF_SCENARIO(TcpInfo_AfUnspecDisconnectIsClose) {
  Conn c = Establish(s);
  s.ConnectUnspec(c.client);
  TcpInfoState(s, c.client);  // 7
  s.Settle();
  TcpInfoState(s, c.server);  // 7: it got the RST
}

DIFF_SCENARIO(TcpInfo_ListenerAfterShutdownIsClose) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  TcpInfoState(s, l, true);  // 10, unacked 1, sacked 4
  s.Shutdown(l, SHUT_WR);    // no-op
  TcpInfoState(s, l, true);
  s.Shutdown(l, SHUT_RD);  // closes it; RST to the queued connection
  s.Settle();
  TcpInfoState(s, l);        // 7
  TcpInfoState(s, c);        // 7
  s.Listen(l, 2);            // listening again on the explicit port
  TcpInfoState(s, l, true);  // 10, unacked 0, sacked 2
}

DIFF_SCENARIO(TcpInfo_AcceptedAfterPeerFinIsCloseWait) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.Write(c, "early");
  s.Shutdown(c, SHUT_WR);
  s.Settle();
  s.NameLocalPort(c, "client");
  int a = s.Accept(l);
  TcpInfoState(s, a);  // 8
  // The queued child had received data, so its ACK of the FIN may be
  // delayed (Linux read FIN_WAIT1 = 4 after 20 ms here): wait it out.
  s.Advance(milliseconds(300));
  TcpInfoState(s, c);  // 5
}

DIFF_SCENARIO(TcpInfo_SelfConnectIsEstablished) {
  uint16_t port = s.Port("server");
  int t = s.Tcp();
  s.Bind(t, Lo(port));
  s.Connect(t, Lo(port));
  s.Settle();
  TcpInfoState(s, t);  // 1
}

DIFF_SCENARIO(TcpInfo_ShortLengthTruncates) {
  int l = s.Tcp();
  s.Listen(l, 5);
  s.NameLocalPort(l, "server");
  unsigned char buf[4] = {0xee, 0xee, 0xee, 0xee};
  socklen_t len = 1;
  int r = s.sys().getsockopt(l, IPPROTO_TCP, TCP_INFO, buf, &len);
  s.Line("getsockopt(" + s.Fd(l) + ", IPPROTO_TCP, TCP_INFO, len 1) = " +
         s.Result(r) + " len " + std::to_string(len) + " bytes " +
         std::to_string(buf[0]) + " " + std::to_string(buf[1]));
  len = 0;
  r = s.sys().getsockopt(l, IPPROTO_TCP, TCP_INFO, buf, &len);
  s.Line("getsockopt(" + s.Fd(l) + ", IPPROTO_TCP, TCP_INFO, len 0) = " +
         s.Result(r) + " len " + std::to_string(len));
}

// After data, the peer's ACK of our FIN waits for its delayed-ACK timer
// (tcp_fin makes the session interactive): FIN_WAIT1 for about 40 ms, then
// FIN_WAIT2; a reply from the peer carries the ACK at once. The peer's
// close then ends the client in CLOSE (TIME_WAIT on the fd).
DIFF_SCENARIO(TcpInfo_FinAfterDataWaitsForTheDelayedAck) {
  Conn c = Establish(s);
  s.Write(c.client, "data");
  s.Settle();
  s.Read(c.server, 10);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  TcpInfoState(s, c.client);  // 4 = FIN_WAIT1
  TcpInfoState(s, c.server);  // 8 = CLOSE_WAIT
  s.Write(c.server, "reply");
  s.Settle();
  TcpInfoState(s, c.client);  // 5 = FIN_WAIT2
  s.Read(c.client, 10);
  s.Close(c.server);
  s.Settle();
  TcpInfoState(s, c.client);  // 7 = CLOSE
}

}  // namespace
}  // namespace simsock::diff
