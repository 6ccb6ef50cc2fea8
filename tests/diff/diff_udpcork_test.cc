// Differential scenarios: UDP corking. MSG_MORE and UDP_CORK make the
// sends one pending datagram (udp_sendmsg's corkreq, ip_append_data); it
// leaves on a send without MSG_MORE while uncorked, or when UDP_CORK goes
// back to 0 (udp_push_pending_frames). docs/semantics.md §7.
//
// The level IPPROTO_UDP's option 1 is UDP_CORK (the names table does not
// know it, so the log shows the number).
#include <netinet/udp.h>

#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(UdpCork_MsgMoreJoinsSendsIntoOneDatagram) {
  auto [port, server, srv] = BindUdp(s, "server");
  int cl = s.Udp();
  s.SendTo(cl, "ab", MSG_MORE, &server);
  s.NameLocalPort(cl, "client");
  s.Settle();
  s.Recv(srv, 64, 0);  // EAGAIN: still pending
  Mask(s, srv);
  s.SendTo(cl, "cd", MSG_MORE, &server);
  s.SendTo(cl, "ef", 0, &server);  // pushes "abcdef"
  s.Settle();
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);              // EAGAIN: one datagram
  s.SendTo(cl, "gh", 0, &server);  // uncorked again: its own datagram
  s.Settle();
  s.Recv(srv, 64, 0);
}

// The destination of a pending datagram is fixed by its first send: the
// address of a later sendto is ignored, even one that would be refused.
DIFF_SCENARIO(UdpCork_PendingDatagramKeepsItsFirstDestination) {
  Ep one = Lo(s.Port("one"));
  Ep two = Lo(s.Port("two"));
  int r1 = s.Udp();
  s.Bind(r1, one);
  int r2 = s.Udp();
  s.Bind(r2, two);
  int u = s.Udp();
  s.SendTo(u, "to-one ", MSG_MORE, &one);
  s.SendTo(u, "to-two ", MSG_MORE, &two);
  Ep zero = Lo(0);
  s.SendTo(u, "port0 ", MSG_MORE, &zero);  // no EINVAL while pending
  Ep v6{"127.0.0.1", two.port, AF_INET6};
  s.SendTo(u, "v6 ", MSG_MORE, &v6);  // no EAFNOSUPPORT either
  s.Send(u, "noaddr");  // unconnected, but pending: no EDESTADDRREQ; pushed
  s.Settle();
  s.Recv(r1, 128, 0);
  s.Recv(r2, 128, 0);                 // EAGAIN
  s.Send(u, "noaddr");                // nothing pending: EDESTADDRREQ
  s.SendTo(u, "x", 0, &zero);         // EINVAL
  s.SendTo(u, "x", MSG_MORE, &zero);  // EINVAL: nothing became pending
  s.SendTo(u, "y", 0, &two);
  s.Settle();
  s.Recv(r2, 128, 0);  // "y" alone
  s.Recv(r1, 128, 0);  // EAGAIN
}

// A connected socket: MSG_MORE then a zero-length send pushes the pending
// bytes; a zero-length MSG_MORE send starts an empty pending datagram; two
// zero-length sends make one empty datagram.
DIFF_SCENARIO(UdpCork_ConnectedMsgMoreThenZeroLengthSend) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.Connect(u, server);
  s.NameLocalPort(u, "client");
  s.Send(u, "xy", MSG_MORE);
  s.Send(u, "", 0);  // 0, pushes "xy"
  s.Settle();
  s.Recv(srv, 64, 0);
  s.Recv(srv, 64, 0);  // EAGAIN
  s.Send(u, "", MSG_MORE);
  s.Settle();
  s.Recv(srv, 64, 0);  // EAGAIN: pending, empty
  s.Send(u, "z", 0);
  s.Settle();
  s.Recv(srv, 64, 0);  // "z"
  s.Send(u, "", MSG_MORE);
  s.Send(u, "", 0);
  s.Settle();
  s.Recv(srv, 64, 0);  // 0: one empty datagram
  s.Recv(srv, 64, 0);  // EAGAIN
  // A connected socket's pending datagram started by sendto elsewhere goes
  // there, even when later sends name no address.
  Ep other = Lo(s.Port("other"));
  int r2 = s.Udp();
  s.Bind(r2, other);
  s.SendTo(u, "a", MSG_MORE, &other);
  s.Send(u, "b");
  s.Settle();
  s.Recv(r2, 64, 0);   // "ab"
  s.Recv(srv, 64, 0);  // EAGAIN
}

DIFF_SCENARIO(UdpCork_CorkOptionHoldsUntilUncorked) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.GetInt(u, IPPROTO_UDP, UDP_CORK);  // 0
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 1);
  s.GetInt(u, IPPROTO_UDP, UDP_CORK);  // 1
  s.SendTo(u, "1", 0, &server);
  s.SendTo(u, "2", 0, &server);  // corked: no MSG_MORE needed
  s.Settle();
  s.Recv(srv, 64, 0);                     // EAGAIN
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 0);  // pushes "12"
  s.GetInt(u, IPPROTO_UDP, UDP_CORK);
  s.Settle();
  s.Recv(srv, 64, 0);
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 5);
  s.GetInt(u, IPPROTO_UDP, UDP_CORK);     // 1
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 0);  // nothing pending: nothing sent
  s.Settle();
  s.Recv(srv, 64, 0);                        // EAGAIN
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 1, 2);  // EINVAL (optlen < 4)
  s.GetInt(u, IPPROTO_UDP, UDP_CORK);        // still 0
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 1, 8);  // longer is fine
  s.GetInt(u, IPPROTO_UDP, UDP_CORK, 2);     // 2 bytes
  s.GetInt(u, IPPROTO_UDP, UDP_CORK, 8);     // 4 bytes
  s.SendTo(u, "3", MSG_MORE, &server);
  s.SendTo(u, "4", 0, &server);  // still corked: pending
  s.Settle();
  s.Recv(srv, 64, 0);  // EAGAIN
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 0);
  s.Settle();
  s.Recv(srv, 64, 0);               // "34"
  s.GetInt(u, IPPROTO_UDP, 2);      // no such option: ENOPROTOOPT
  s.SetInt(u, IPPROTO_UDP, 99, 1);  // ENOPROTOOPT
}

// The 65507-byte limit counts the whole pending datagram; going over it
// discards what was pending.
DIFF_SCENARIO(UdpCork_OversizedPendingDatagramIsDiscardedWithEmsgsize) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.SendToFill(u, 60000, MSG_MORE, &server);
  s.SendToFill(u, 5507, MSG_MORE, &server);  // 65507 in all: fine
  s.SendToFill(u, 1, MSG_MORE, &server);     // EMSGSIZE, all discarded
  s.SendToFill(u, 0, 0, &server);            // a new, empty datagram
  s.Settle();
  s.Recv(srv, 70000, 0);  // 0
  s.Recv(srv, 70000, 0);  // EAGAIN
  s.SendToFill(u, 65507, MSG_MORE, &server);
  s.SendToFill(u, 1, 0, &server);  // EMSGSIZE
  s.Settle();
  s.Recv(srv, 70000, 0);  // EAGAIN
  s.SendToFill(u, 40000, MSG_MORE, &server);
  s.SendToFill(u, 25507, 0, &server);
  s.Settle();
  s.Recv(srv, 70000, 0);                      // 65507
  s.SendToFill(u, 65508, MSG_MORE, &server);  // EMSGSIZE, nothing pending
  s.SendToFill(u, 3, 0, &server);
  s.Settle();
  s.Recv(srv, 70000, 0);  // 3
}

// Appending to a pending datagram allocates nothing, so neither a pending
// socket error nor SHUT_WR stops it (both are checked in
// sock_alloc_send_pskb, when a datagram starts). Closing the socket drops
// what is pending.
DIFF_SCENARIO(UdpCork_AppendSkipsShutdownAndCloseDiscards) {
  auto [port, server, srv] = BindUdp(s, "server");
  int u = s.Udp();
  s.Connect(u, server);
  s.Send(u, "a", MSG_MORE);
  s.Shutdown(u, SHUT_WR);
  s.Send(u, "b", MSG_MORE);  // appended despite SHUT_WR
  s.Send(u, "c");            // pushed
  s.Settle();
  s.Recv(srv, 64, 0);        // "abc"
  s.Send(u, "d", MSG_MORE);  // EPIPE: a new datagram
  s.Send(u, "e");            // EPIPE
  // A pending ICMP error is taken by the send that starts a datagram.
  Ep closed = Lo(s.Port("closed"));
  int v = s.Udp();
  s.Connect(v, closed);
  s.Send(v, "probe");
  s.Settle();
  s.Send(v, "f", MSG_MORE);           // ECONNREFUSED, nothing pending
  s.Send(v, "g", MSG_MORE);           // pending
  s.GetInt(v, SOL_SOCKET, SO_ERROR);  // 0
  int w = s.Udp();
  s.SendTo(w, "h", MSG_MORE, &server);
  s.Close(w);  // discards "h"
  s.Settle();
  s.Recv(srv, 64, 0);  // EAGAIN
}

// connect() routes into the flow the pending datagram is sent with
// (inet->cork.fl), so it redirects a pending datagram to the new peer;
// AF_UNSPEC leaves the flow alone.
DIFF_SCENARIO(UdpCork_ConnectWhilePendingRedirectsTheDatagram) {
  Ep one = Lo(s.Port("one"));
  Ep two = Lo(s.Port("two"));
  int r1 = s.Udp();
  s.Bind(r1, one);
  int r2 = s.Udp();
  s.Bind(r2, two);
  int u = s.Udp();
  s.SendTo(u, "a", MSG_MORE, &one);
  s.NameLocalPort(u, "u");
  s.Connect(u, two);
  s.Send(u, "b");
  s.Settle();
  s.Recv(r1, 64, 0);  // EAGAIN
  s.Recv(r2, 64, 0);  // "ab"
  s.Send(u, "c", MSG_MORE);
  s.ConnectUnspec(u);  // releases the autobound port
  s.Send(u, "d");      // autobinds again, pushes "cd" to <two>
  s.NameLocalPort(u, "u2");
  s.Settle();
  s.Recv(r1, 64, 0);  // EAGAIN
  s.Recv(r2, 64, 0);  // "cd" from <u2>
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 1);
  s.SendTo(u, "e", 0, &two);
  s.Connect(u, one);
  s.SetInt(u, IPPROTO_UDP, UDP_CORK, 0);
  s.Settle();
  s.Recv(r2, 64, 0);  // EAGAIN
  s.Recv(r1, 64, 0);  // "e"
}

}  // namespace
}  // namespace simsock::diff
