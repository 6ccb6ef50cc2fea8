// Differential scenarios: the options an accepted socket takes from its
// listener. sk_clone_lock copies the whole sock (every SOL_SOCKET, IP and
// TCP setting), then resets sk_priority (and sk_err) to 0;
// inet_csk_clone_lock gives the child the request's mark, which is the
// listener's. O_NONBLOCK and FD_CLOEXEC are per file / per fd and come only
// from accept4's flags (Fd_AcceptedSocketTakesFlagsOnlyFromAccept4).
// docs/semantics.md §2.4.
#include <netinet/ip.h>
#include <netinet/tcp.h>

#include <cstring>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// A listener on <server> with `setup` applied before listen(), a client
// connected to it, and the accepted socket.
template <typename Setup>
Conn ListenWith(Script& s, Setup setup) {
  Conn c;
  c.port = s.Port("server");
  c.listener = s.Tcp();
  setup(c.listener);
  s.Bind(c.listener, Lo(c.port));
  s.Listen(c.listener, 4);
  c.client = s.Tcp();
  s.Connect(c.client, Lo(c.port));
  s.Settle();
  s.NameLocalPort(c.client, "client");
  c.server = s.Accept(c.listener);
  return c;
}

void GetCongestion(Script& s, int fd) {
  char name[16] = {};
  socklen_t len = sizeof name;
  int r = s.sys().getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len);
  s.Line("getsockopt(" + s.Fd(fd) + ", TCP_CONGESTION) = " + s.Result(r) +
         " \"" + std::string(name) + "\"");
}

// SOL_SOCKET flags and values: all copied to the accepted socket; the
// client (a socket of its own) has the defaults.
DIFF_SCENARIO(Inherit_SocketLevelOptionsAreCopied) {
  const int kBools[] = {SO_KEEPALIVE, SO_REUSEADDR, SO_REUSEPORT, SO_BROADCAST,
                        SO_OOBINLINE, SO_DONTROUTE, SO_TIMESTAMP};
  Conn c = ListenWith(s, [&](int l) {
    for (int opt : kBools) s.SetInt(l, SOL_SOCKET, opt, 1);
    s.SetInt(l, SOL_SOCKET, SO_MARK, 7);
    s.SetInt(l, SOL_SOCKET, SO_RCVLOWAT, 100);
    s.SetLinger(l, 1, 7);
    SetTimeo(s, l, SO_RCVTIMEO, 3, 500000);
    SetTimeo(s, l, SO_SNDTIMEO, 1, 0);
  });
  for (int fd : {c.server, c.client}) {
    for (int opt : kBools) s.GetInt(fd, SOL_SOCKET, opt);
    s.GetInt(fd, SOL_SOCKET, SO_MARK);
    s.GetInt(fd, SOL_SOCKET, SO_RCVLOWAT);
    s.GetLinger(fd);
    GetTimeo(s, fd, SO_RCVTIMEO);
    GetTimeo(s, fd, SO_SNDTIMEO);
  }
}

// Buffer sizes set on the listener are copied with their locks: the
// accepted socket keeps them (no autotuning at the end of the handshake).
DIFF_SCENARIO(Inherit_LockedBufferSizesAreCopied) {
  Conn c = ListenWith(s, [&](int l) {
    s.SetInt(l, SOL_SOCKET, SO_SNDBUF, 10000);
    s.SetInt(l, SOL_SOCKET, SO_RCVBUF, 0);
  });
  s.GetInt(c.server, SOL_SOCKET, SO_SNDBUF);
  s.GetInt(c.server, SOL_SOCKET, SO_RCVBUF);
  s.GetInt(c.client, SOL_SOCKET, SO_RCVBUF);
}

// sk_clone_lock sets the child's sk_priority to 0, whether the listener's
// came from SO_PRIORITY or from IP_TOS; the TOS itself is copied (a TCP
// listener's ECN bits were already masked). The client's own priority does
// not reach the accepted socket either.
DIFF_SCENARIO(Inherit_PriorityIsResetButTosIsCopied) {
  Conn a =
      ListenWith(s, [&](int l) { s.SetInt(l, SOL_SOCKET, SO_PRIORITY, 5); });
  s.GetInt(a.listener, SOL_SOCKET, SO_PRIORITY);
  s.GetInt(a.server, SOL_SOCKET, SO_PRIORITY);
  Conn b = ListenWith(s, [&](int l) {
    s.SetInt(l, SOL_SOCKET, SO_PRIORITY, 3);
    s.SetInt(l, IPPROTO_IP, IP_TOS, 0x13);
  });
  s.GetInt(b.listener, IPPROTO_IP, IP_TOS);
  s.GetInt(b.listener, SOL_SOCKET, SO_PRIORITY);
  s.GetInt(b.server, IPPROTO_IP, IP_TOS);
  s.GetInt(b.server, SOL_SOCKET, SO_PRIORITY);
  s.GetInt(b.client, IPPROTO_IP, IP_TOS);
  // The child's TOS is the listener's, so setting it again is no change
  // and leaves the child's priority at 0.
  s.SetInt(b.server, IPPROTO_IP, IP_TOS, 0x10);
  s.GetInt(b.server, SOL_SOCKET, SO_PRIORITY);
  s.SetInt(b.server, IPPROTO_IP, IP_TOS, 0x08);
  s.GetInt(b.server, SOL_SOCKET, SO_PRIORITY);
  uint16_t port = s.Port("server3");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int cl = s.Tcp();
  s.SetInt(cl, SOL_SOCKET, SO_PRIORITY, 4);
  s.SetInt(cl, IPPROTO_IP, IP_TOS, 0x08);
  s.Connect(cl, Lo(port));
  s.Settle();
  int acc = s.Accept(l);
  s.GetInt(acc, SOL_SOCKET, SO_PRIORITY);
  s.GetInt(acc, IPPROTO_IP, IP_TOS);
  s.GetInt(cl, SOL_SOCKET, SO_PRIORITY);
}

// IP_TTL and the TCP options: copied (tcp_create_openreq_child keeps the
// listener's nonagle, cork, keepalive and timeout settings, congestion
// control, notsent_lowat, inq). TCP_QUICKACK reads 1 on every fresh
// connection: the listener's interactive mode is not carried over.
DIFF_SCENARIO(Inherit_IpAndTcpOptionsAreCopied) {
  const int kTcp[][2] = {{TCP_NODELAY, 1},          {TCP_CORK, 1},
                         {TCP_NOTSENT_LOWAT, 1000}, {TCP_INQ, 1},
                         {TCP_SYNCNT, 2},           {TCP_LINGER2, -1},
                         {TCP_KEEPIDLE, 100},       {TCP_KEEPINTVL, 10},
                         {TCP_KEEPCNT, 3},          {TCP_USER_TIMEOUT, 5000},
                         {TCP_QUICKACK, 0}};
  Conn c = ListenWith(s, [&](int l) {
    s.SetInt(l, IPPROTO_IP, IP_TTL, 9);
    for (const auto& o : kTcp) s.SetInt(l, IPPROTO_TCP, o[0], o[1]);
    int r = s.sys().setsockopt(l, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
    s.Line("setsockopt(" + s.Fd(l) +
           ", TCP_CONGESTION, reno) = " + s.Result(r));
  });
  s.GetInt(c.server, IPPROTO_IP, IP_TTL);
  s.GetInt(c.client, IPPROTO_IP, IP_TTL);
  for (const auto& o : kTcp) {
    s.GetInt(c.server, IPPROTO_TCP, o[0]);
    s.GetInt(c.client, IPPROTO_TCP, o[0]);
  }
  GetCongestion(s, c.server);
  GetCongestion(s, c.listener);
  // listen() cleared the listener's interactive mode (inet_csk_delack_init).
  s.GetInt(c.listener, IPPROTO_TCP, TCP_QUICKACK);
}

// The child is cloned when the connection is made, not when it is
// accepted: options set on the listener after the handshake do not reach
// an already queued connection, but reach the next one.
DIFF_SCENARIO(Inherit_ListenerChangesAfterTheHandshakeAreNotSeen) {
  Conn c =
      ListenWith(s, [&](int l) { s.SetInt(l, SOL_SOCKET, SO_KEEPALIVE, 1); });
  int second = s.Tcp();
  s.Connect(second, Lo(c.port));
  s.Settle();
  s.SetInt(c.listener, SOL_SOCKET, SO_KEEPALIVE, 0);
  s.SetInt(c.listener, IPPROTO_TCP, TCP_NODELAY, 1);
  s.SetInt(c.listener, SOL_SOCKET, SO_RCVLOWAT, 9);
  int a2 = s.Accept(c.listener);
  int third = s.Tcp();
  s.Connect(third, Lo(c.port));
  s.Settle();
  int a3 = s.Accept(c.listener);
  for (int fd : {c.server, a2, a3}) {
    s.GetInt(fd, SOL_SOCKET, SO_KEEPALIVE);
    s.GetInt(fd, IPPROTO_TCP, TCP_NODELAY);
    s.GetInt(fd, SOL_SOCKET, SO_RCVLOWAT);
  }
}

// Options changed on the accepted socket stay its own: the listener and
// the next accepted socket still have the listener's values.
DIFF_SCENARIO(Inherit_ChildChangesDoNotReachTheListener) {
  Conn c = ListenWith(s, [&](int l) {
    s.SetInt(l, IPPROTO_TCP, TCP_NODELAY, 1);
    s.SetInt(l, SOL_SOCKET, SO_MARK, 3);
  });
  s.SetInt(c.server, IPPROTO_TCP, TCP_NODELAY, 0);
  s.SetInt(c.server, SOL_SOCKET, SO_MARK, 4);
  s.SetInt(c.server, SOL_SOCKET, SO_PRIORITY, 2);
  int second = s.Tcp();
  s.Connect(second, Lo(c.port));
  s.Settle();
  int a2 = s.Accept(c.listener);
  for (int fd : {c.listener, c.server, a2}) {
    s.GetInt(fd, IPPROTO_TCP, TCP_NODELAY);
    s.GetInt(fd, SOL_SOCKET, SO_MARK);
    s.GetInt(fd, SOL_SOCKET, SO_PRIORITY);
  }
}

// TCP_MAXSEG set on the listener is the child's user_mss too, and its MSS
// option in the SYN-ACK clamps the client: both ends read the clamp less
// the 12 bytes of timestamp option (mss_cache).
DIFF_SCENARIO(Inherit_MaxsegOfTheListenerClampsBothEnds) {
  Conn c =
      ListenWith(s, [&](int l) { s.SetInt(l, IPPROTO_TCP, TCP_MAXSEG, 1000); });
  s.GetInt(c.listener, IPPROTO_TCP, TCP_MAXSEG);
  s.GetInt(c.server, IPPROTO_TCP, TCP_MAXSEG);
  s.GetInt(c.client, IPPROTO_TCP, TCP_MAXSEG);
  // A client with a smaller clamp of its own: the smaller wins on both.
  int d = s.Tcp();
  s.SetInt(d, IPPROTO_TCP, TCP_MAXSEG, 700);
  s.Connect(d, Lo(c.port));
  s.Settle();
  int a = s.Accept(c.listener);
  s.GetInt(a, IPPROTO_TCP, TCP_MAXSEG);
  s.GetInt(d, IPPROTO_TCP, TCP_MAXSEG);
}

}  // namespace
}  // namespace simsock::diff
