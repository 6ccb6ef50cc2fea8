// Differential scenarios: the UDP receive buffer. Each datagram is charged
// its skb truesize (a loopback sender's allocation, by payload size); a
// datagram is dropped when it does not fit, unless the queue is empty
// (__udp_enqueue_schedule_skb); memory of datagrams read is released in
// batches (udp_rmem_release). docs/semantics.md §7, formula under D4.
#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// Sends `count` datagrams of `size` bytes to a fresh receiver whose
// SO_RCVBUF is set to `rcvbuf` (left at its default when 0), then reads
// them all; logs one line with
// how many arrived. Every send must succeed (checked).
void Burst(Script& s, int rcvbuf, size_t size, int count) {
  uint16_t port =
      s.Port("r" + std::to_string(rcvbuf) + "s" + std::to_string(size));
  Ep server = Lo(port);
  int srv = s.sys().socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (rcvbuf > 0)
    s.sys().setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int eff = 0;
  socklen_t len = sizeof eff;
  s.sys().getsockopt(srv, SOL_SOCKET, SO_RCVBUF, &eff, &len);
  sockaddr_in sa = ToSockaddr(server);
  s.sys().bind(srv, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int cl = s.sys().socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  std::string d(size, 'q');
  int sent = 0;
  for (int i = 0; i < count; ++i) {
    if (s.sys().sendto(cl, d.data(), d.size(), 0,
                       reinterpret_cast<sockaddr*>(&sa),
                       sizeof sa) == static_cast<ssize_t>(size))
      ++sent;
  }
  s.Settle();
  std::string buf(70000, '\0');
  int got = 0;
  ssize_t last = 0;
  for (int i = 0; i <= count; ++i) {
    last = s.sys().recvfrom(srv, buf.data(), buf.size(), 0, nullptr, nullptr);
    if (last != static_cast<ssize_t>(size)) break;
    ++got;
  }
  s.Line("SO_RCVBUF " + std::to_string(rcvbuf) + " (" + std::to_string(eff) +
         "), " + std::to_string(count) + " x " + std::to_string(size) +
         " bytes: sent " + std::to_string(sent) + ", kept " +
         std::to_string(got) + ", then " + s.Result(last));
  s.sys().close(cl);
  s.sys().close(srv);
}

DIFF_SCENARIO(UdpBuf_MinimumBufferKeepsBySize) {
  for (size_t size :
       {0, 1, 100, 197, 198, 500, 1000, 1472, 2000, 8000, 30000, 65507})
    Burst(s, 1, size, 8);
}

// The default buffer (212992): 256 small datagrams fill it exactly.
DIFF_SCENARIO(UdpBuf_DefaultBufferKeepsBySize) {
  for (size_t size : {1, 1000, 1472, 30000}) Burst(s, 0, size, 300);
}

DIFF_SCENARIO(UdpBuf_4608ByteBufferKeepsBySize) {
  for (size_t size : {1, 100, 197, 198, 500, 645, 646, 1000, 1472, 1669, 1670,
                      2000, 8000, 30000})
    Burst(s, 2304, size, 12);
}

DIFF_SCENARIO(UdpBuf_LargerBuffersKeepBySize) {
  for (int rcvbuf : {4096, 8192, 16700})
    for (size_t size : {1, 500, 1000, 1472, 2000, 3717, 3718, 7813, 7814, 8000,
                        16004, 16005, 30000})
      Burst(s, rcvbuf, size, 48);
}

// The first datagram of an empty queue is taken whatever its size; the
// next one is dropped if it does not fit.
DIFF_SCENARIO(UdpBuf_FirstDatagramOfAnEmptyQueueIsAlwaysAccepted) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int srv = s.Udp();
  s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 1);
  s.GetInt(srv, SOL_SOCKET, SO_RCVBUF);  // 2304
  s.Bind(srv, server);
  int cl = s.Udp();
  s.SendToFill(cl, 30000, 0, &server);
  s.SendTo(cl, "tiny", 0, &server);  // dropped
  s.Settle();
  s.Recv(srv, 70000, 0);  // 30000
  s.Recv(srv, 70000, 0);  // EAGAIN
  s.SendTo(cl, "a", 0, &server);
  s.SendTo(cl, "b", 0, &server);  // 832 + 832 <= 2304
  s.SendTo(cl, "c", 0, &server);  // 2496 > 2304: dropped
  s.Settle();
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);  // EAGAIN
}

// Reading does not give the memory back at once: it is released when a
// quarter of the buffer is owed or the reader's queue is empty, and what
// arrived meanwhile joins that queue when it is. Until then, the
// datagrams read still count. SO_RCVBUF 4608, 832 bytes each.
DIFF_SCENARIO(UdpBuf_ReadMemoryIsReleasedInQuarterBufferBatches) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int srv = s.Udp();
  s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 2304);
  s.Bind(srv, server);
  int cl = s.Udp();
  for (const char* d : {"a", "b", "c", "d", "e"}) s.SendTo(cl, d, 0, &server);
  s.SendTo(cl, "f", 0, &server);  // 6 x 832 > 4608: dropped
  s.Settle();
  s.Recv(srv, 64, 0);             // "a": 832 owed, 4 left: kept
  s.SendTo(cl, "g", 0, &server);  // still 4160 charged: dropped
  s.Settle();
  s.Recv(srv, 64, 0);             // "b": 1664 owed >= 1152: released
  s.SendTo(cl, "h", 0, &server);  // fits
  s.SendTo(cl, "i", 0, &server);  // fits (4160)
  s.SendTo(cl, "j", 0, &server);  // dropped
  s.Settle();
  for (int i = 0; i < 6; ++i) s.Recv(srv, 64, 0);  // c d e h i, EAGAIN
}

// Arrivals wait in sk_receive_queue while the reader has a batch; a
// release moves them into the reader's queue, so the last datagram of the
// old batch no longer empties it.
DIFF_SCENARIO(UdpBuf_ArrivalsJoinTheReaderQueueOnRelease) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int srv = s.Udp();
  s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 2304);
  s.Bind(srv, server);
  int cl = s.Udp();
  for (const char* d : {"a", "b", "c"}) s.SendTo(cl, d, 0, &server);
  s.Settle();
  s.Recv(srv, 64, 0);  // "a" (the reader takes a, b, c)
  s.SendTo(cl, "d", 0, &server);
  s.SendTo(cl, "e", 0, &server);
  s.Settle();
  s.Recv(srv, 64, 0);             // "b": released; d, e join the reader queue
  s.Recv(srv, 64, 0);             // "c": d, e still queued: 832 stays owed
  s.SendTo(cl, "f", 0, &server);  // 2496 + 832
  s.SendTo(cl, "g", 0, &server);  // 4160
  s.SendTo(cl, "h", 0, &server);  // 4992 > 4608: dropped
  s.Settle();
  for (int i = 0; i < 5; ++i) s.Recv(srv, 64, 0);  // d e f g, EAGAIN
}

// MSG_PEEK neither releases memory nor consumes; a datagram read with a
// short buffer (truncated) is charged and released like any other.
DIFF_SCENARIO(UdpBuf_PeekKeepsTheChargeAndTruncatedReadsRelease) {
  uint16_t port = s.Port("server");
  Ep server = Lo(port);
  int srv = s.Udp();
  s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 4096);  // 8192, threshold 2048
  s.Bind(srv, server);
  int cl = s.Udp();
  s.SendToFill(cl, 1000, 0, &server);  // 2304 each
  s.SendToFill(cl, 1000, 0, &server);
  s.SendToFill(cl, 1000, 0, &server);
  s.SendToFill(cl, 1000, 0, &server);  // 6912 + 2304 > 8192: dropped
  s.Settle();
  s.Recv(srv, 10, MSG_PEEK);
  s.Recv(srv, 10, MSG_TRUNC);          // 1000; 2304 owed >= 2048: released
  s.SendToFill(cl, 1000, 0, &server);  // fits again
  s.SendToFill(cl, 100, 0, &server);   // 832: fits (7744)
  s.SendToFill(cl, 100, 0, &server);   // dropped
  s.Settle();
  for (int i = 0; i < 5; ++i) s.Recv(srv, 2000, MSG_TRUNC);
}

// Sizes at the edges of the kmalloc classes and of the linear limit: a
// buffer that holds two datagrams of one size but not of the next.
DIFF_SCENARIO(UdpBuf_TruesizeStepsAtAllocationBoundaries) {
  // 16004 bytes: 16640 each (linear); 16005: 16837 (paged).
  Burst(s, 16700, 16004, 4);  // 33400: two fit
  Burst(s, 16700, 16005, 4);  // one
  // 7813: 8448; 7814: 16640.
  Burst(s, 8448, 7813, 4);  // 16896: two
  Burst(s, 8448, 7814, 4);  // one
  // 3717: 4352; 3718: 8448.
  Burst(s, 4352, 3717, 4);
  Burst(s, 4352, 3718, 4);
}

// A corked datagram's first send fills the linear head and the rest go to
// page frags, charged byte for byte; when the buffer is more than half
// full, frags that fit the head's tailroom are pulled in (skb_condense) and
// only the head is charged. The admission test still used the full size.
// SO_RCVBUF 5000 after four 832-byte datagrams (3328): 1 + 211 bytes are
// admitted (4371) and then charged 832 (4160), so one more small datagram
// fits (4992); 1 + 212 stay 1044 (4372) and it does not.
DIFF_SCENARIO(UdpBuf_CorkedDatagramIsCondensedWhenTheBufferIsHalfFull) {
  std::string tail211(211, 't');
  std::string tail212(212, 't');
  for (const std::string* tail : {&tail211, &tail212}) {
    uint16_t port = s.Port("server" + std::to_string(tail->size()));
    Ep server = Lo(port);
    int srv = s.Udp();
    s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 2500);
    s.Bind(srv, server);
    int cl = s.Udp();
    for (const char* d : {"a", "b", "c", "d"}) s.SendTo(cl, d, 0, &server);
    s.SendTo(cl, "e", MSG_MORE, &server);
    s.SendTo(cl, *tail, 0, &server);
    s.SendTo(cl, "f", 0, &server);
    s.Settle();
    for (int i = 0; i < 7; ++i) s.Recv(srv, 300, MSG_TRUNC);
  }
  // Below half full nothing is condensed: 1 + 211 costs 1043.
  uint16_t port = s.Port("server-low");
  Ep server = Lo(port);
  int srv = s.Udp();
  s.SetInt(srv, SOL_SOCKET, SO_RCVBUF, 1100);  // 2304
  s.Bind(srv, server);
  int cl = s.Udp();
  s.SendTo(cl, "a", MSG_MORE, &server);
  s.SendTo(cl, tail211, 0, &server);  // 1043
  s.SendTo(cl, "b", MSG_MORE, &server);
  s.SendTo(cl, tail211, 0, &server);  // 2086
  s.SendTo(cl, "c", 0, &server);      // 2918 > 2304: dropped
  s.Settle();
  for (int i = 0; i < 3; ++i) s.Recv(srv, 300, MSG_TRUNC);
}

}  // namespace
}  // namespace simsock::diff
