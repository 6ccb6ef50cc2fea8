// Differential scenarios: blocking sockets (no SOCK_NONBLOCK) from a single
// thread. Every blocking call that could wait on Linux is bounded by
// SO_RCVTIMEO / SO_SNDTIMEO, so nothing can hang; the simulator runs the
// world forward during the call (docs D12). Elapsed time is compared only
// as a coarse property. docs/semantics.md §2.4–§2.7, §2.11, §7.
#include <fcntl.h>

#include <string>
#include <vector>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

int BlockingTcp(Script& s) { return s.Socket(AF_INET, SOCK_STREAM); }
int BlockingUdp(Script& s) { return s.Socket(AF_INET, SOCK_DGRAM); }

// A blocking listener (SO_RCVTIMEO 1 s as a safety net) and a blocking
// client connected to it, plus the accepted (blocking) socket.
Conn EstablishBlocking(Script& s) {
  Conn c;
  c.port = s.Port("server");
  c.listener = BlockingTcp(s);
  SetTimeo(s, c.listener, SO_RCVTIMEO, 1, 0);
  s.Bind(c.listener, Lo(c.port));
  s.Listen(c.listener, 8);
  c.client = BlockingTcp(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 1, 0);
  SetTimeo(s, c.client, SO_SNDTIMEO, 1, 0);
  s.Connect(c.client, Lo(c.port));
  s.NameLocalPort(c.client, "client");
  c.server = s.Accept(c.listener, 0);
  return c;
}

void CheckWaited(Script& s, const Stopwatch& sw, int timeout_ms) {
  // Linux rounds timeouts to jiffies and may wake up to a jiffy early.
  s.Check("waited about the timeout (>= " + std::to_string(timeout_ms) +
              " ms - 10%)",
          sw.Ms() >= timeout_ms * 9 / 10);
}

void CheckDidNotWait(Script& s, const Stopwatch& sw, int limit_ms) {
  s.Check("returned without waiting (< " + std::to_string(limit_ms) + " ms)",
          sw.Ms() < limit_ms);
}

DIFF_SCENARIO(Blocking_ConnectToClosedPortIsRefusedAtOnce) {
  uint16_t port = s.Port("server");
  int c = BlockingTcp(s);
  SetTimeo(s, c, SO_SNDTIMEO, 2, 0);
  Stopwatch sw(s);
  s.Connect(c, Lo(port));  // ECONNREFUSED
  CheckDidNotWait(s, sw, 500);
  s.GetInt(c, SOL_SOCKET, SO_ERROR);  // 0: the error went to connect()
  s.Connect(c, Lo(port));             // a fresh attempt, refused again
  s.GetPeerName(c);
  // Bound but not listening is refused the same way.
  int b = BlockingTcp(s);
  s.Bind(b, Lo(port));
  sw.Restart();
  s.Connect(c, Lo(port));
  CheckDidNotWait(s, sw, 500);
}

DIFF_SCENARIO(Blocking_ConnectSucceedsThenEisconn) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = BlockingTcp(s);
  SetTimeo(s, c, SO_SNDTIMEO, 2, 0);
  Stopwatch sw(s);
  s.Connect(c, Lo(port));  // 0 at once: loopback completes in the call
  CheckDidNotWait(s, sw, 500);
  s.NameLocalPort(c, "client");
  s.Connect(c, Lo(port));  // EISCONN
  s.GetPeerName(c);
  s.GetInt(c, SOL_SOCKET, SO_ERROR);
  s.Fcntl(c, F_GETFL);
  int a = s.Accept(l);
  s.Write(c, "hi");
  s.Read(a, 8);
}

// SO_SNDTIMEO cuts a blocking connect short: EINPROGRESS, the attempt goes
// on in SYN_SENT; a second blocking connect waits again and gives EALREADY;
// once the queue has room the next SYN retransmission (about 1 s after the
// first SYN) completes it, and connect() then returns 0, then EISCONN.
DIFF_SCENARIO(
    Blocking_ConnectSndtimeoAgainstFullQueueIsEinprogressThenEalready) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 0);
  int c0 = s.Tcp();
  s.Connect(c0, Lo(port));  // fills the queue (backlog 0 holds 1)
  s.Settle();
  int c1 = BlockingTcp(s);
  SetTimeo(s, c1, SO_SNDTIMEO, 0, 300000);
  Stopwatch sw(s);
  s.Connect(c1, Lo(port));  // EINPROGRESS after ~300 ms
  CheckWaited(s, sw, 300);
  s.Check("returned before the SYN retransmission (< 900 ms)", sw.Ms() < 900);
  TcpInfoState(s, c1);  // 2 = SYN_SENT
  s.GetPeerName(c1);    // ENOTCONN
  s.GetInt(c1, SOL_SOCKET, SO_ERROR);
  sw.Restart();
  s.Connect(c1, Lo(port));  // EALREADY, after waiting again
  CheckWaited(s, sw, 300);
  s.Accept(l);  // c0; makes room
  s.Advance(milliseconds(900));
  TcpInfoState(s, c1);      // 1 = ESTABLISHED
  s.Connect(c1, Lo(port));  // 0
  s.Connect(c1, Lo(port));  // EISCONN
  s.NameLocalPort(c1, "client1");
  s.Accept(l);
}

DIFF_SCENARIO(Blocking_AcceptWithRcvtimeoOnEmptyQueueIsEagain) {
  uint16_t port = s.Port("server");
  int l = BlockingTcp(s);
  SetTimeo(s, l, SO_RCVTIMEO, 0, 100000);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  Stopwatch sw(s);
  s.Accept(l, 0);  // EAGAIN after ~100 ms
  CheckWaited(s, sw, 100);
  sw.Restart();
  s.Accept(l, SOCK_NONBLOCK);  // the flag is for the new fd: still waits
  CheckWaited(s, sw, 100);
}

DIFF_SCENARIO(Blocking_AcceptReturnsPendingConnectionAtOnce) {
  uint16_t port = s.Port("server");
  int l = BlockingTcp(s);
  SetTimeo(s, l, SO_RCVTIMEO, 2, 0);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  Stopwatch sw(s);
  int a = s.Accept(l, 0);
  CheckDidNotWait(s, sw, 500);
  s.Fcntl(a, F_GETFL);  // blocking: accept4 flags 0
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  s.Settle();
  s.NameLocalPort(c2, "client2");
  int a2 = s.Accept(l, SOCK_NONBLOCK);
  s.Fcntl(a2, F_GETFL);
  s.Fcntl(l, F_GETFL);
}

DIFF_SCENARIO(Blocking_ReadWithRcvtimeoAndNoDataIsEagain) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 0, 100000);
  Stopwatch sw(s);
  s.Read(c.client, 16);  // EAGAIN after ~100 ms, not ETIMEDOUT
  CheckWaited(s, sw, 100);
  sw.Restart();
  s.Recv(c.client, 16, 0, false);
  CheckWaited(s, sw, 100);
  s.GetInt(c.client, SOL_SOCKET, SO_ERROR);  // no error stored
  TcpInfoState(s, c.client);                 // still ESTABLISHED
}

DIFF_SCENARIO(Blocking_ReadReturnsAvailableBytesWithoutWaitingForMore) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 2, 0);
  s.Write(c.server, "abc");
  s.Settle();
  Stopwatch sw(s);
  s.Read(c.client, 100);  // 3, at once
  CheckDidNotWait(s, sw, 1000);
  s.Write(c.server, "defgh");
  s.Settle();
  sw.Restart();
  s.Recv(c.client, 2, 0, false);    // 2 of 5
  s.Recv(c.client, 100, 0, false);  // the other 3
  CheckDidNotWait(s, sw, 1000);
}

DIFF_SCENARIO(Blocking_ReadReturnsEofAtOnceAfterPeerFin) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 2, 0);
  s.Write(c.server, "last");
  s.Close(c.server);
  s.Settle();
  Stopwatch sw(s);
  s.Read(c.client, 100);  // "last"
  s.Read(c.client, 100);  // 0
  s.Read(c.client, 100);  // 0
  CheckDidNotWait(s, sw, 1000);
}

DIFF_SCENARIO(Blocking_ReadAfterRstIsEconnresetAtOnce) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 2, 0);
  s.SetLinger(c.server, 1, 0);
  s.Close(c.server);
  s.Settle();
  Stopwatch sw(s);
  s.Read(c.client, 100);  // ECONNRESET
  s.Read(c.client, 100);  // 0
  CheckDidNotWait(s, sw, 1000);
  s.Write(c.client, "x");  // EPIPE
}

DIFF_SCENARIO(Blocking_WaitallReturnsShortCountAtEof) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 2, 0);
  s.Write(c.server, "abc");
  s.Shutdown(c.server, SHUT_WR);
  s.Settle();
  Stopwatch sw(s);
  s.Recv(c.client, 10, MSG_WAITALL, false);  // 3: EOF ends the wait
  s.Recv(c.client, 10, MSG_WAITALL, false);  // 0
  CheckDidNotWait(s, sw, 1000);
}

DIFF_SCENARIO(Blocking_WaitallCollectsQueuedDataUpToLen) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 2, 0);
  s.Write(c.server, "abc");
  s.Write(c.server, "defg");
  s.Write(c.server, "hij");
  s.Settle();
  Stopwatch sw(s);
  s.Recv(c.client, 7, MSG_WAITALL, false);  // exactly 7
  s.Recv(c.client, 3, MSG_WAITALL, false);  // the rest
  CheckDidNotWait(s, sw, 1000);
}

DIFF_SCENARIO(Blocking_WaitallWithRcvtimeoReturnsPartialCount) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 0, 100000);
  s.Write(c.server, "abc");
  s.Settle();
  Stopwatch sw(s);
  s.Recv(c.client, 10, MSG_WAITALL, false);  // 3 once the timeout expires
  CheckWaited(s, sw, 100);
  sw.Restart();
  s.Recv(c.client, 10, MSG_WAITALL, false);  // EAGAIN: nothing at all
  CheckWaited(s, sw, 100);
}

// MSG_WAITALL stops at TCP's urgent mark once it has copied something:
// the first call returns what comes before the mark at once; the second
// steps over the urgent byte and then waits for the rest until SO_RCVTIMEO.
DIFF_SCENARIO(Blocking_WaitallStopsAtTheUrgentMark) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 0, 100000);
  s.Send(c.server, "ab", MSG_OOB);
  s.Write(c.server, "cd");
  s.Settle();
  s.Recv(c.client, 10, MSG_WAITALL, false);  // "a", at once
  Stopwatch sw(s);
  s.Recv(c.client, 10, MSG_WAITALL, false);  // "cd" once the timeout expires
  CheckWaited(s, sw, 100);
}

DIFF_SCENARIO(Blocking_WaitallWithDontwaitReturnsWhatIsThere) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 2, 0);
  s.Write(c.server, "abc");
  s.Settle();
  Stopwatch sw(s);
  s.Recv(c.client, 10, MSG_WAITALL | MSG_DONTWAIT, false);  // 3
  s.Recv(c.client, 10, MSG_WAITALL | MSG_DONTWAIT, false);  // EAGAIN
  s.Recv(c.client, 10, MSG_DONTWAIT, false);                // EAGAIN
  CheckDidNotWait(s, sw, 1000);
}

// A blocking write into a buffer that cannot take it all: SO_SNDTIMEO ends
// it with a partial count (a property: 0 < n < requested); the next write
// makes no progress and gives EAGAIN after the timeout. The peer then reads
// exactly the bytes that were reported written.
DIFF_SCENARIO(Blocking_WriteIntoFullBufferReturnsPartialCountThenEagain) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.SetInt(l, SOL_SOCKET, SO_RCVBUF, 16384);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = BlockingTcp(s);
  s.SetInt(c, SOL_SOCKET, SO_SNDBUF, 16384);
  SetTimeo(s, c, SO_SNDTIMEO, 0, 200000);
  s.Connect(c, Lo(port));
  s.NameLocalPort(c, "client");
  int a = s.Accept(l);
  constexpr size_t kLen = 1 << 20;
  std::vector<char> buf(kLen);
  for (size_t i = 0; i < kLen; ++i) buf[i] = Script::PatternByte(i);
  Stopwatch sw(s);
  ssize_t n = s.sys().write(c, buf.data(), kLen);
  s.Line("blocking write(" + s.Fd(c) + ", 1048576 pattern bytes) done");
  s.Check("partial count: 0 < n < 1048576", n > 0 && n < ssize_t{kLen});
  CheckWaited(s, sw, 200);
  size_t written = n > 0 ? static_cast<size_t>(n) : 0;
  sw.Restart();
  ssize_t m = s.sys().write(c, buf.data() + written, kLen - written);
  s.Line("blocking write(" + s.Fd(c) + ", rest) = " + s.Result(m));  // EAGAIN
  CheckWaited(s, sw, 200);
  Script::Drained d = s.ReadAll(a, 65536, 4096);
  s.Check("peer read exactly the count reported written", d.total == written);
  s.Settle();
  // Room again: a small blocking write goes through at once.
  sw.Restart();
  s.Write(c, "tail");
  CheckDidNotWait(s, sw, 150);
}

DIFF_SCENARIO(Blocking_FcntlNonblockOverridesTimeouts) {
  Conn c = EstablishBlocking(s);
  SetTimeo(s, c.client, SO_RCVTIMEO, 5, 0);
  s.Fcntl(c.client, F_SETFL, O_RDWR | O_NONBLOCK);
  Stopwatch sw(s);
  s.Read(c.client, 8);  // EAGAIN at once
  int l2 = BlockingTcp(s);
  SetTimeo(s, l2, SO_RCVTIMEO, 5, 0);
  s.Listen(l2, 1);
  s.NameLocalPort(l2, "server2");
  s.Fcntl(l2, F_SETFL, O_RDWR | O_NONBLOCK);
  s.Accept(l2, 0);  // EAGAIN at once
  CheckDidNotWait(s, sw, 1000);
  s.Fcntl(c.client, F_SETFL, O_RDWR);
  SetTimeo(s, c.client, SO_RCVTIMEO, 0, 50000);
  sw.Restart();
  s.Read(c.client, 8);  // blocking again: EAGAIN after ~50 ms
  CheckWaited(s, sw, 50);
}

DIFF_SCENARIO(Blocking_UdpRecvWithRcvtimeoIsEagainThenGetsDatagram) {
  uint16_t port = s.Port("server");
  int u = BlockingUdp(s);
  SetTimeo(s, u, SO_RCVTIMEO, 0, 100000);
  s.Bind(u, Lo(port));
  Stopwatch sw(s);
  s.Recv(u, 64, 0);  // EAGAIN after ~100 ms
  CheckWaited(s, sw, 100);
  int v = s.Udp();
  Ep to = Lo(port);
  s.SendTo(v, "dgram", 0, &to);
  s.NameLocalPort(v, "sender", false);
  sw.Restart();
  s.Recv(u, 64, 0);  // the datagram, at once
  CheckDidNotWait(s, sw, 90);
}

DIFF_SCENARIO(Blocking_UdpRecvAfterShutRdIsZeroButNonblockingIsEagain) {
  uint16_t port = s.Port("server");
  int u = BlockingUdp(s);
  SetTimeo(s, u, SO_RCVTIMEO, 2, 0);
  s.Bind(u, Lo(port));
  s.Shutdown(u, SHUT_RD);  // ENOTCONN (unconnected), flags set anyway
  Stopwatch sw(s);
  s.Recv(u, 64, 0);             // 0: blocking
  s.Recv(u, 64, MSG_DONTWAIT);  // EAGAIN: nonblocking
  s.Read(u, 64);                // 0
  CheckDidNotWait(s, sw, 1000);
  int v = s.Udp();
  Ep to = Lo(port);
  s.SendTo(v, "after", 0, &to);  // still delivered
  s.NameLocalPort(v, "sender", false);
  s.Recv(u, 64, 0);
  s.Recv(u, 64, 0);  // 0 again
  Mask(s, u);
}

DIFF_SCENARIO(Blocking_UdpConnectedShutRdThenBlockingRecvIsZero) {
  uint16_t port = s.Port("server");
  int peer = s.Udp();
  s.Bind(peer, Lo(port));
  int u = BlockingUdp(s);
  SetTimeo(s, u, SO_RCVTIMEO, 2, 0);
  s.Connect(u, Lo(port));
  s.NameLocalPort(u, "client", false);
  s.Shutdown(u, SHUT_RD);  // 0: connected
  Stopwatch sw(s);
  s.Recv(u, 64, 0);  // 0
  CheckDidNotWait(s, sw, 1000);
  s.Send(u, "up");  // sending still works
  s.Recv(peer, 64, 0);
}

DIFF_SCENARIO(Blocking_TimeoutOptionsRoundTripAndErrors) {
  int t = BlockingTcp(s);
  GetTimeo(s, t, SO_RCVTIMEO);  // {0,0}
  GetTimeo(s, t, SO_SNDTIMEO);
  SetTimeo(s, t, SO_RCVTIMEO, 1, 500000);
  GetTimeo(s, t, SO_RCVTIMEO);
  SetTimeo(s, t, SO_SNDTIMEO, 3, 0);
  GetTimeo(s, t, SO_SNDTIMEO);
  GetTimeo(s, t, SO_RCVTIMEO);              // independent of SO_SNDTIMEO
  SetTimeo(s, t, SO_RCVTIMEO, 0, 1000000);  // EDOM
  SetTimeo(s, t, SO_RCVTIMEO, 0, -1);       // EDOM
  SetTimeo(s, t, SO_SNDTIMEO, 5, 2000000);  // EDOM
  GetTimeo(s, t, SO_RCVTIMEO);              // unchanged
  SetTimeo(s, t, SO_RCVTIMEO, 1, 0, 8);     // EINVAL: short optlen
  SetTimeo(s, t, SO_RCVTIMEO, -5, 0);       // negative: no timeout
  GetTimeo(s, t, SO_RCVTIMEO);
  SetTimeo(s, t, SO_SNDTIMEO, 0, 0);  // 0: no timeout
  GetTimeo(s, t, SO_SNDTIMEO);
  SetTimeo(s, t, SO_RCVTIMEO, 2, 0);
  GetTimeo(s, t, SO_RCVTIMEO, 8);  // truncated
  int u = BlockingUdp(s);
  SetTimeo(s, u, SO_RCVTIMEO, 0, 252000);  // a whole number of jiffies
  GetTimeo(s, u, SO_RCVTIMEO);
  SetTimeo(s, u, SO_SNDTIMEO, 0, 1000000);  // EDOM
}

// Linux keeps the timeouts in jiffies (HZ = 250 here): a value below one
// jiffy rounds up, and reads back as a multiple of 4 ms.
DIFF_SCENARIO(Blocking_TimeoutOptionsRoundToJiffies) {
  int t = BlockingTcp(s);
  SetTimeo(s, t, SO_RCVTIMEO, 0, 1);
  GetTimeo(s, t, SO_RCVTIMEO);
  SetTimeo(s, t, SO_SNDTIMEO, 0, 5000);
  GetTimeo(s, t, SO_SNDTIMEO);
  SetTimeo(s, t, SO_RCVTIMEO, 0, 250000);
  GetTimeo(s, t, SO_RCVTIMEO);
}

}  // namespace
}  // namespace simsock::diff
