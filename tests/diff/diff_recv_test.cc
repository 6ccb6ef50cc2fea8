// Differential scenarios: the receive side's less travelled options —
// MSG_ERRQUEUE and IP_RECVERR (ip_recv_error), SO_PEEK_OFF
// (sk_peek_offset_fwd / _bwd, __skb_try_recv_from_queue), SO_RCVLOWAT
// (tcp_poll, tcp_data_ready, sock_rcvlowat) and recvfrom's address length
// (move_addr_to_user). docs/semantics.md §2.6 and §7.
#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

constexpr int kNullLen = -2000;  // pass a NULL address length

// recvfrom with an address buffer of 16 bytes filled with 0xab (or none,
// addr == false) and an address length `len` (or a NULL one, kNullLen).
// Logs the result, the data, the length written back and what reached the
// buffer: the address when the whole of it fit, the family and port when
// only 4 bytes did, and whether the byte after the copied part is intact.
ssize_t RecvLen(Script& s, int fd, size_t n, int flags, bool addr, int len) {
  std::vector<char> buf(n + 1);
  unsigned char a[32];
  std::memset(a, 0xab, sizeof a);
  int l = len;
  ssize_t r = s.sys().recvfrom(
      fd, buf.data(), n, flags, addr ? reinterpret_cast<sockaddr*>(a) : nullptr,
      len == kNullLen ? nullptr : reinterpret_cast<socklen_t*>(&l));
  std::string line = "recvfrom(" + s.Fd(fd) + ", " + std::to_string(n) + ", " +
                     sys::MsgFlagsName(flags) + ", " +
                     (addr ? "addr" : "NULL") + ", " +
                     (len == kNullLen ? "NULL" : "len " + std::to_string(len)) +
                     ") = " + s.Result(r);
  if (r > 0 && r <= 48) line += " \"" + std::string(buf.data(), r) + "\"";
  if (len != kNullLen) line += " len=" + std::to_string(l);
  if (r >= 0 && addr && len != kNullLen) {
    int copied = std::min(len, l);
    if (copied >= 16) {
      line += " from " + s.Addr(reinterpret_cast<sockaddr*>(a), 16);
    } else if (copied >= 4) {
      sockaddr_in sin;
      std::memcpy(&sin, a, 4);
      line += " head family " + std::to_string(sin.sin_family) + " port " +
              s.PortStr(ntohs(sin.sin_port));
    }
    if (copied >= 0 && copied < 32)
      line += a[copied] == 0xab ? " rest untouched" : " rest written";
  }
  s.Line(line);
  return r;
}

int BlockingTcp(Script& s) { return s.Socket(AF_INET, SOCK_STREAM); }

// A connection whose accepted socket is blocking (SO_RCVTIMEO ms).
Conn EstablishBlockingServer(Script& s, int rcvtimeo_ms) {
  Conn c;
  c.port = s.Port("server");
  c.listener = BlockingTcp(s);
  s.Bind(c.listener, Lo(c.port));
  s.Listen(c.listener, 8);
  c.client = s.Tcp();
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  s.NameLocalPort(c.client, "client");
  c.server = s.Accept(c.listener, 0);
  SetTimeo(s, c.server, SO_RCVTIMEO, 0, rcvtimeo_ms * 1000);
  return c;
}

void CheckWaited(Script& s, const Stopwatch& sw, int ms) {
  s.Check("waited about " + std::to_string(ms) + " ms", sw.Ms() >= ms * 9 / 10);
}
void CheckDidNotWait(Script& s, const Stopwatch& sw) {
  s.Check("returned without waiting", sw.Ms() < 50);
}

// An edge-triggered epoll set watching fd for EPOLLIN.
int EdgeEpoll(Script& s, int fd) {
  int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLET);
  return ep;
}

}  // namespace

// --- 1. MSG_ERRQUEUE
// -----------------------------------------------------------

// tcp_recvmsg hands MSG_ERRQUEUE to inet_recv_error before anything else:
// with nothing on the error queue (loopback TCP never queues one) it is
// EAGAIN on a listener, an unconnected socket, a connection with data
// queued, a blocking socket (without waiting), with MSG_PEEK or MSG_OOB,
// and with a pending sk_err, which it leaves alone. IP_RECVERR reads back
// as 0 or 1 and changes nothing here.
DIFF_SCENARIO(Recv_ErrQueueOnTcpIsEagainWhateverIsQueued) {
  Conn c = EstablishBlockingServer(s, 200);
  s.Recv(c.listener, 16, MSG_ERRQUEUE);
  int fresh = s.Tcp();
  s.Recv(fresh, 16, MSG_ERRQUEUE);
  s.Write(c.client, "hello");
  s.Settle();
  Stopwatch sw(s);
  s.Recv(c.server, 16, MSG_ERRQUEUE);
  CheckDidNotWait(s, sw);
  s.Recv(c.server, 16, MSG_ERRQUEUE | MSG_PEEK);
  s.Recv(c.server, 16, MSG_ERRQUEUE | MSG_OOB);
  s.Recv(c.server, 16, MSG_ERRQUEUE | MSG_DONTWAIT);
  s.RecvNull(c.server, 16, MSG_ERRQUEUE);
  s.GetInt(c.server, IPPROTO_IP, IP_RECVERR);
  s.SetInt(c.server, IPPROTO_IP, IP_RECVERR, 5);
  s.GetInt(c.server, IPPROTO_IP, IP_RECVERR);
  s.Recv(c.server, 16, MSG_ERRQUEUE);
  Mask(s, c.server);
  s.Read(c.server, 16);
  // A reset leaves ECONNRESET pending; MSG_ERRQUEUE does not see it.
  s.SetLinger(c.client, 1, 0);
  s.Close(c.client);
  s.Settle();
  Mask(s, c.server);
  s.Recv(c.server, 16, MSG_ERRQUEUE);
  s.GetInt(c.server, SOL_SOCKET, SO_ERROR);
  s.Recv(c.server, 16, MSG_ERRQUEUE);
  s.Recv(c.server, 16, 0);
}

// Without IP_RECVERR an ICMP port unreachable is never queued: a connected
// UDP socket gets sk_err only (EPOLLERR, SO_ERROR), an unconnected one
// nothing; MSG_ERRQUEUE is EAGAIN either way, on a blocking socket too,
// and leaves sk_err pending.
DIFF_SCENARIO(Recv_ErrQueueOnUdpWithoutRecverrHoldsNothing) {
  uint16_t closed = s.Port("closed");
  Ep dst = Lo(closed);
  int u = s.Socket(AF_INET, SOCK_DGRAM);
  SetTimeo(s, u, SO_RCVTIMEO, 0, 200000);
  s.Connect(u, dst);
  s.Send(u, "lost");
  s.Settle();
  Mask(s, u);
  Stopwatch sw(s);
  s.Recv(u, 16, MSG_ERRQUEUE);
  CheckDidNotWait(s, sw);
  Mask(s, u);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  s.Recv(u, 16, MSG_ERRQUEUE);
  int v = s.Udp();
  s.SendTo(v, "lost too", 0, &dst);
  s.Settle();
  Mask(s, v);
  s.Recv(v, 16, MSG_ERRQUEUE);
  s.GetInt(v, SOL_SOCKET, SO_ERROR);
}

// With IP_RECVERR an unconnected socket hears of the ICMP too: the error
// is queued (EPOLLERR stays while it is there, even after SO_ERROR has
// cleared sk_err), and recvfrom(MSG_ERRQUEUE) returns the failed
// datagram's payload, cut to the buffer, from the address it was sent to;
// dequeuing the last ICMP error clears sk_err.
DIFF_SCENARIO(Recv_ErrQueueOnUdpWithRecverrReturnsThePayload) {
  uint16_t closed = s.Port("closed");
  Ep dst = Lo(closed);
  int u = s.Udp();
  s.GetInt(u, IPPROTO_IP, IP_RECVERR);
  s.SetInt(u, IPPROTO_IP, IP_RECVERR, 1);
  s.GetInt(u, IPPROTO_IP, IP_RECVERR);
  s.SendTo(u, "payload-abc", 0, &dst);
  s.Settle();
  Mask(s, u);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  s.Recv(u, 16, 0);
  RecvLen(s, u, 4, MSG_ERRQUEUE, true, 16);
  Mask(s, u);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  s.Recv(u, 16, MSG_ERRQUEUE);
  // Without reading SO_ERROR first: the queued error is still there, and
  // taking it clears sk_err.
  s.SendTo(u, "second", 0, &dst);
  s.Settle();
  s.Recv(u, 64, MSG_ERRQUEUE | MSG_TRUNC);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  // A long datagram: the ICMP message quotes only the start of it.
  s.SendToFill(u, 1000, 0, &dst);
  s.Settle();
  s.Recv(u, 2000, MSG_ERRQUEUE);
  s.Recv(u, 2000, MSG_ERRQUEUE);
}

// Two queued errors: a send in between finds sk_err set and fails (no
// datagram, no third error); a plain recv finds sk_err already taken;
// dequeuing the first error sets sk_err again from the second
// (sock_dequeue_err_skb), dequeuing the last clears it.
DIFF_SCENARIO(Recv_ErrQueueOnUdpTwoErrorsAndSkErr) {
  uint16_t closed = s.Port("closed");
  Ep dst = Lo(closed);
  int u = s.Udp();
  s.SetInt(u, IPPROTO_IP, IP_RECVERR, 1);
  s.SendTo(u, "A", 0, &dst);
  s.Settle();
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  s.SendTo(u, "BB", 0, &dst);
  s.Settle();
  s.SendTo(u, "CCC", 0, &dst);
  s.Settle();
  Mask(s, u);
  s.Recv(u, 16, 0);
  s.Recv(u, 16, MSG_ERRQUEUE);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  s.Recv(u, 16, MSG_ERRQUEUE);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  s.Recv(u, 16, MSG_ERRQUEUE);
}

// sk_err comes before data on a plain recv; the error queue is separate
// from both; turning IP_RECVERR off purges the queue but leaves sk_err.
DIFF_SCENARIO(Recv_ErrQueueOnUdpDataErrorAndRecverrOff) {
  uint16_t closed = s.Port("closed");
  Ep dst = Lo(closed);
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(port));
  s.SetInt(u, IPPROTO_IP, IP_RECVERR, 1);
  int v = s.Udp();
  s.SendTo(u, "to-nowhere", 0, &dst);
  s.Settle();
  Ep me = Lo(port);
  s.SendTo(v, "data", 0, &me);
  s.Settle();
  s.NameLocalPort(v, "client");
  Mask(s, u);
  s.Recv(u, 16, 0);
  s.Recv(u, 16, MSG_ERRQUEUE | MSG_PEEK);
  s.Recv(u, 16, 0);
  Mask(s, u);
  s.SendTo(u, "again", 0, &dst);
  s.Settle();
  s.SetInt(u, IPPROTO_IP, IP_RECVERR, 0);
  Mask(s, u);
  s.Recv(u, 16, MSG_ERRQUEUE);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  Mask(s, u);
  // Without IP_RECVERR now, an unconnected socket hears nothing.
  s.SendTo(u, "third", 0, &dst);
  s.Settle();
  Mask(s, u);
  s.Recv(u, 16, MSG_ERRQUEUE);
}

// A connected socket with IP_RECVERR queues the error too; a blocking
// MSG_ERRQUEUE takes it at once; a zero-length one takes it and returns 0;
// a NULL buffer loses it (EFAULT); the next one is EAGAIN.
DIFF_SCENARIO(Recv_ErrQueueOnConnectedUdpWithRecverr) {
  uint16_t closed = s.Port("closed");
  int u = s.Socket(AF_INET, SOCK_DGRAM);
  SetTimeo(s, u, SO_RCVTIMEO, 0, 200000);
  s.SetInt(u, IPPROTO_IP, IP_RECVERR, 1);
  s.Connect(u, Lo(closed));
  s.Send(u, "first");
  s.Settle();
  Stopwatch sw(s);
  RecvLen(s, u, 16, MSG_ERRQUEUE, true, 500);
  CheckDidNotWait(s, sw);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  s.Send(u, "second");
  s.Settle();
  s.Recv(u, 0, MSG_ERRQUEUE);
  Mask(s, u);
  s.GetInt(u, SOL_SOCKET, SO_ERROR);
  s.Send(u, "third");
  s.Settle();
  s.RecvNull(u, 16, MSG_ERRQUEUE);
  Mask(s, u);
  s.Recv(u, 16, MSG_ERRQUEUE);
  s.Recv(u, 16, 0);
  sw.Restart();
  s.Recv(u, 16, 0);
  CheckWaited(s, sw, 200);
}

// An accepted socket inherits SO_PEEK_OFF, SO_RCVLOWAT and IP_RECVERR
// from its listener (sk_clone_lock copies the sock).
DIFF_SCENARIO(Recv_AcceptedSocketInheritsPeekOffLowatAndRecverr) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  s.SetInt(l, SOL_SOCKET, SO_PEEK_OFF, 3);
  s.SetInt(l, SOL_SOCKET, SO_RCVLOWAT, 7);
  s.SetInt(l, IPPROTO_IP, IP_RECVERR, 1);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  int a = s.Accept(l);
  s.GetInt(a, SOL_SOCKET, SO_PEEK_OFF);
  s.GetInt(a, SOL_SOCKET, SO_RCVLOWAT);
  s.GetInt(a, IPPROTO_IP, IP_RECVERR);
  s.Write(c, "012345");
  s.Settle();
  Mask(s, a);
  s.Recv(a, 2, MSG_PEEK);
  s.Write(c, "6");
  s.Settle();
  Mask(s, a);
  s.Recv(a, 10, MSG_PEEK);
  s.GetInt(a, SOL_SOCKET, SO_PEEK_OFF);
}

// --- 2. SO_PEEK_OFF
// ---------------------------------------------------------------

// SO_PEEK_OFF is -1 (off) on every TCP and UDP socket, takes any value
// (negative turns it off and reads back as set) and needs a whole int.
DIFF_SCENARIO(Recv_PeekOffDefaultsAndReadback) {
  Conn c = Establish(s);
  s.GetInt(c.listener, SOL_SOCKET, SO_PEEK_OFF);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  int t = s.Tcp();
  s.GetInt(t, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(t, SOL_SOCKET, SO_PEEK_OFF, 7);
  s.GetInt(t, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(t, SOL_SOCKET, SO_PEEK_OFF, -5);
  s.GetInt(t, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(t, SOL_SOCKET, SO_PEEK_OFF, 3, 2);
  s.GetInt(t, SOL_SOCKET, SO_PEEK_OFF, 2);
  s.GetInt(t, SOL_SOCKET, SO_PEEK_OFF, 8);
  s.SetInt(c.listener, SOL_SOCKET, SO_PEEK_OFF, 3);
  s.GetInt(c.listener, SOL_SOCKET, SO_PEEK_OFF);
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, 1000);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, -1);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
}

// TCP: a peek starts at the offset and moves it on by what it copied; a
// read takes from the front and moves it back (not below 0); an offset at
// or past the queued bytes is EAGAIN, and at the end of the stream 0.
DIFF_SCENARIO(Recv_PeekOffTcpAdvancesAndReadsMoveItBack) {
  Conn c = Establish(s);
  s.Write(c.client, "0123456789");
  s.Settle();
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 0);
  s.Recv(c.server, 3, MSG_PEEK);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(c.server, 3, MSG_PEEK);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(c.server, 2, 0);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(c.server, 50, MSG_PEEK);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(c.server, 50, MSG_PEEK);
  s.RecvNull(c.server, 5, MSG_PEEK | MSG_TRUNC);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  Mask(s, c.server);
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 100);
  s.Recv(c.server, 5, MSG_PEEK);
  s.Read(c.server, 3);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 2);
  s.Recv(c.server, 3, MSG_PEEK);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.RecvNull(c.server, 2, MSG_TRUNC);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(c.server, 50, 0);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  // Off again: peeks start at the front and nothing moves.
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, -1);
  s.Write(c.client, "abcdef");
  s.Settle();
  s.Recv(c.server, 2, MSG_PEEK);
  s.Recv(c.server, 2, MSG_PEEK);
  s.Recv(c.server, 2, 0);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 3);
  s.Read(c.server, 1);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  // Past the data with the peer's FIN behind it: 0.
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 3);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.Recv(c.server, 5, MSG_PEEK);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 1);
  s.Recv(c.server, 5, MSG_PEEK);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(c.server, 5, 0);
  s.Recv(c.server, 5, 0);
}

// A blocking peek whose offset is past the queued bytes waits (here until
// SO_RCVTIMEO); one that finds bytes at the offset returns at once.
DIFF_SCENARIO(Recv_PeekOffTcpBlockingPeekPastTheData) {
  Conn c = EstablishBlockingServer(s, 150);
  s.Write(c.client, "abcd");
  s.Settle();
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 4);
  Stopwatch sw(s);
  s.Recv(c.server, 8, MSG_PEEK);
  CheckWaited(s, sw, 150);
  s.SetInt(c.server, SOL_SOCKET, SO_PEEK_OFF, 1);
  sw.Restart();
  s.Recv(c.server, 8, MSG_PEEK);
  CheckDidNotWait(s, sw);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
  s.Read(c.server, 8);
  s.GetInt(c.server, SOL_SOCKET, SO_PEEK_OFF);
}

// UDP: the offset counts bytes across datagrams; a peek skips the
// datagrams it covers and starts inside the one it lands in, and moves the
// offset on by what it returns (the whole datagram's length with
// MSG_TRUNC); a read takes the first datagram and moves the offset back by
// what it returned, not by what it took off the queue.
DIFF_SCENARIO(Recv_PeekOffUdpSkipsDatagrams) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(port));
  int v = s.Udp();
  Ep to = Lo(port);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.SendTo(v, "aaaa", 0, &to);
  s.SendTo(v, "bbbbbb", 0, &to);
  s.SendTo(v, "cc", 0, &to);
  s.Settle();
  s.NameLocalPort(v, "client");
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, 0);
  s.Recv(u, 2, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 1, MSG_PEEK | MSG_TRUNC);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  Mask(s, u);
  s.Recv(u, 2, 0);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, 1);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 3, MSG_TRUNC);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, -1);
  s.Recv(u, 50, MSG_PEEK);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, 0);
  s.Recv(u, 50, 0);
}

// A 0-byte datagram is returned by a peek at its offset once; after that
// (skb->peeked) the same offset skips it.
DIFF_SCENARIO(Recv_PeekOffUdpZeroLengthDatagram) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(port));
  int v = s.Udp();
  Ep to = Lo(port);
  s.SendTo(v, "aaaa", 0, &to);
  s.SendTo(v, "", 0, &to);
  s.SendTo(v, "x", 0, &to);
  s.Settle();
  s.NameLocalPort(v, "client");
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, 4);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, MSG_PEEK);
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, 0);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, 0);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.SetInt(u, SOL_SOCKET, SO_PEEK_OFF, 0);
  s.Recv(u, 50, MSG_PEEK);
  s.Recv(u, 50, MSG_PEEK);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
  s.Recv(u, 50, 0);
  s.Recv(u, 50, 0);
  s.GetInt(u, SOL_SOCKET, SO_PEEK_OFF);
}

// --- 3. SO_RCVLOWAT
// ----------------------------------------------------------------

// tcp_poll: EPOLLIN once SO_RCVLOWAT bytes are queued. Data that arrives
// below the mark wakes nobody (tcp_data_ready), so an edge-triggered item
// stays quiet until the mark is crossed; setting the mark at or below what
// is queued wakes readers at once, every time.
DIFF_SCENARIO(Recv_RcvlowatTcpReadinessAndEdgeWakeups) {
  Conn c = Establish(s);
  int ep = EdgeEpoll(s, c.server);
  s.EpollWait(ep);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 10);
  s.EpollWait(ep);
  s.Write(c.client, "abc");
  s.Settle();
  Mask(s, c.server);
  s.EpollWait(ep);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 8);
  s.EpollWait(ep);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 3);
  s.EpollWait(ep);
  s.EpollWait(ep);
  Mask(s, c.server);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 3);
  s.EpollWait(ep);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 2);
  s.EpollWait(ep);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 10);
  s.EpollWait(ep);
  s.Write(c.client, "defg");
  s.Settle();
  s.EpollWait(ep);
  Mask(s, c.server);
  s.Write(c.client, "hij");
  s.Settle();
  s.EpollWait(ep);
  Mask(s, c.server);
  // A nonblocking read takes what is there, mark or not.
  s.Read(c.server, 4);
  Mask(s, c.server);
  s.Recv(c.server, 50, 0);
  s.Recv(c.server, 50, 0);
  // The peer's FIN makes the socket readable below the mark.
  s.Write(c.client, "xy");
  s.Settle();
  s.EpollWait(ep);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.EpollWait(ep);
  Mask(s, c.server);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 0);
  s.GetInt(c.server, SOL_SOCKET, SO_RCVLOWAT);
}

// A blocking read waits until min(SO_RCVLOWAT, len) bytes are there (len
// with MSG_WAITALL, a peek too); at the timeout it returns what it has; the
// end of the stream returns at once. read() follows the same rule.
DIFF_SCENARIO(Recv_RcvlowatTcpBlockingReadWaitsForTheMark) {
  Conn c = EstablishBlockingServer(s, 150);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 10);
  s.Write(c.client, "abcdefg");
  s.Settle();
  Stopwatch sw(s);
  s.Recv(c.server, 4, 0);
  CheckDidNotWait(s, sw);
  sw.Restart();
  s.Recv(c.server, 50, 0);
  CheckWaited(s, sw, 150);
  s.Write(c.client, "abcdef");
  s.Settle();
  sw.Restart();
  s.Recv(c.server, 50, MSG_PEEK);
  CheckWaited(s, sw, 150);
  sw.Restart();
  s.Recv(c.server, 50, MSG_DONTWAIT);
  CheckDidNotWait(s, sw);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 4);
  s.Write(c.client, "abcdef");
  s.Settle();
  sw.Restart();
  s.Recv(c.server, 50, MSG_WAITALL);
  CheckWaited(s, sw, 150);
  s.Write(c.client, "abc");
  s.Settle();
  sw.Restart();
  s.Read(c.server, 50);
  CheckWaited(s, sw, 150);
  s.Write(c.client, "abcd");
  s.Settle();
  sw.Restart();
  s.Read(c.server, 50);
  CheckDidNotWait(s, sw);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 10);
  s.Write(c.client, "abc");
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  Mask(s, c.server);
  sw.Restart();
  s.Recv(c.server, 50, 0);
  CheckDidNotWait(s, sw);
}

// Bytes that arrive during a blocking read but stay below SO_RCVLOWAT wake
// nobody (tcp_data_ready), even when the read asked for no more than that:
// the read sleeps on to SO_RCVTIMEO and then returns them (the queue is
// looked at once more before giving up). With the mark at 1 the same
// arrival ends the read at once. (MSG_MORE holds the bytes at the sender
// for the 200 ms cork ceiling, so they arrive during the read.)
DIFF_SCENARIO(Recv_RcvlowatTcpBytesBelowTheMarkDoNotWakeAReader) {
  Conn c = EstablishBlockingServer(s, 400);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 10);
  s.Send(c.client, "abcd", MSG_MORE);
  Stopwatch sw(s);
  s.Recv(c.server, 4, 0);
  CheckWaited(s, sw, 400);
  s.Send(c.client, "ij", MSG_MORE);
  sw.Restart();
  s.Recv(c.server, 50, 0);
  CheckWaited(s, sw, 400);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 1);
  s.Send(c.client, "efgh", MSG_MORE);
  sw.Restart();
  s.Recv(c.server, 50, 0);
  s.Check("returned when the bytes came (150..350 ms)",
          sw.Ms() >= 150 && sw.Ms() < 350);
}

// A blocking read below the mark that finds the peer's reset returns the
// bytes it has at once and leaves ECONNRESET for the next read
// (tcp_recvmsg_locked breaks on sk_err once something is copied); the
// same with MSG_WAITALL.
DIFF_SCENARIO(Recv_RcvlowatTcpResetAfterPartialReadKeepsTheError) {
  Conn c = EstablishBlockingServer(s, 200);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 10);
  s.Write(c.client, "abc");
  s.SetLinger(c.client, 1, 0);
  s.Close(c.client);
  s.Settle();
  Mask(s, c.server);
  Stopwatch sw(s);
  s.Recv(c.server, 50, 0);
  CheckDidNotWait(s, sw);
  s.Recv(c.server, 50, 0);
  s.Recv(c.server, 50, 0);
  s.GetInt(c.server, SOL_SOCKET, SO_ERROR);
  Conn d = EstablishBlockingServer(s, 200);
  s.Write(d.client, "xyz");
  s.SetLinger(d.client, 1, 0);
  s.Close(d.client);
  s.Settle();
  sw.Restart();
  s.Recv(d.server, 50, MSG_WAITALL);
  CheckDidNotWait(s, sw);
  s.GetInt(d.server, SOL_SOCKET, SO_ERROR);
  s.Recv(d.server, 50, 0);
}

// The urgent byte a read steps over does not count towards the mark while
// it is next (tcp_poll's target++), but counts while data precedes it.
DIFF_SCENARIO(Recv_RcvlowatTcpUrgentByte) {
  Conn c = Establish(s);
  s.SetInt(c.server, SOL_SOCKET, SO_RCVLOWAT, 3);
  s.Send(c.client, "ab");
  s.Send(c.client, "U", MSG_OOB);
  s.Settle();
  Mask(s, c.server);
  s.Recv(c.server, 50, 0);
  Mask(s, c.server);
  s.Send(c.client, "cd");
  s.Settle();
  Mask(s, c.server);
  s.Send(c.client, "e");
  s.Settle();
  Mask(s, c.server);
  s.Recv(c.server, 50, 0);
}

// UDP stores SO_RCVLOWAT (0 as 1, negative as INT_MAX) but neither
// datagram_poll nor a blocking read looks at it.
DIFF_SCENARIO(Recv_RcvlowatUdpIsStoredOnly) {
  uint16_t port = s.Port("server");
  int u = s.Socket(AF_INET, SOCK_DGRAM);
  SetTimeo(s, u, SO_RCVTIMEO, 0, 200000);
  s.Bind(u, Lo(port));
  s.SetInt(u, SOL_SOCKET, SO_RCVLOWAT, 100);
  s.GetInt(u, SOL_SOCKET, SO_RCVLOWAT);
  int ep = EdgeEpoll(s, u);
  Ep to = Lo(port);
  s.SendTo(u, "x", 0, &to);
  s.Settle();
  s.EpollWait(ep);
  Mask(s, u);
  Stopwatch sw(s);
  s.Recv(u, 50, 0, false);
  CheckDidNotWait(s, sw);
  s.SetInt(u, SOL_SOCKET, SO_RCVLOWAT, -7);
  s.GetInt(u, SOL_SOCKET, SO_RCVLOWAT);
  s.SetInt(u, SOL_SOCKET, SO_RCVLOWAT, 0);
  s.GetInt(u, SOL_SOCKET, SO_RCVLOWAT);
}

// --- 4. recvfrom's address length
// ----------------------------------------------------

// TCP fills no address, so move_addr_to_user writes back length 0 and
// copies nothing; a negative length is EINVAL, but only after the data
// was taken (a peek leaves it); a NULL length with an address is EFAULT,
// also after the data was taken; with no data the receive's own error
// comes first; a NULL address leaves the length alone.
DIFF_SCENARIO(Recv_RecvfromAddrLenOnTcp) {
  Conn c = Establish(s);
  s.Write(c.client, "0123456789");
  s.Settle();
  RecvLen(s, c.server, 2, 0, true, -1);
  RecvLen(s, c.server, 2, MSG_PEEK, true, -1);
  RecvLen(s, c.server, 1, 0, true, 3);
  RecvLen(s, c.server, 1, 0, true, 0);
  RecvLen(s, c.server, 1, 0, false, 500);
  RecvLen(s, c.server, 1, 0, false, -1);
  RecvLen(s, c.server, 1, 0, true, 500);
  RecvLen(s, c.server, 1, 0, true, 16);
  RecvLen(s, c.server, 1, 0, true, kNullLen);
  RecvLen(s, c.server, 1, 0, false, kNullLen);
  s.Recv(c.server, 50, 0);
  RecvLen(s, c.server, 1, 0, true, -1);
  RecvLen(s, c.server, 1, 0, true, kNullLen);
  // recvfrom(len 0) with data queued, and at the end of the stream.
  s.Write(c.client, "z");
  s.Settle();
  RecvLen(s, c.server, 0, 0, true, -1);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  RecvLen(s, c.server, 5, 0, true, -1);
  RecvLen(s, c.server, 5, 0, true, -1);
}

// UDP fills 16 bytes: a longer length reads back 16, a shorter one gets
// that many bytes of the address and reads back 16; a negative one is
// EINVAL and the datagram is gone; NULL length: EFAULT, datagram gone.
DIFF_SCENARIO(Recv_RecvfromAddrLenOnUdp) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(port));
  int v = s.Udp();
  Ep to = Lo(port);
  for (const char* d : {"one", "two", "three", "four", "five", "six", "seven"})
    s.SendTo(v, d, 0, &to);
  s.Settle();
  s.NameLocalPort(v, "client");
  RecvLen(s, u, 16, 0, true, -1);
  RecvLen(s, u, 16, MSG_PEEK, true, 4);
  RecvLen(s, u, 16, 0, true, 4);
  RecvLen(s, u, 16, 0, true, 0);
  RecvLen(s, u, 16, 0, true, 500);
  RecvLen(s, u, 16, 0, true, kNullLen);
  RecvLen(s, u, 16, 0, false, -1);
  RecvLen(s, u, 16, 0, true, 16);
  RecvLen(s, u, 16, 0, true, -1);
  RecvLen(s, u, 16, 0, true, kNullLen);
}

}  // namespace simsock::diff
