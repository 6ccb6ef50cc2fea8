// Differential scenarios: defaults and bounds of the TCP-level options
// (TCP_NODELAY, TCP_MAXSEG, keepalive timing, TCP_SYNCNT, TCP_LINGER2,
// TCP_USER_TIMEOUT), SO_RCVLOWAT / SO_SNDLOWAT, SO_DOMAIN / SO_PROTOCOL,
// SO_BROADCAST, option levels that do not fit the socket, the somaxconn cap
// on the listen backlog (seen through TCP_INFO), and the local address of a
// socket accepted on a wildcard listener. docs/semantics.md §2.3, §2.10,
// §2.11, §7.
#include <cstring>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Options_TcpNodelayDefaultToggleAndAfterConnect) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_TCP, TCP_NODELAY);  // 0
  s.SetInt(t, IPPROTO_TCP, TCP_NODELAY, 1);
  s.GetInt(t, IPPROTO_TCP, TCP_NODELAY);
  Conn c = Establish(s);
  s.GetInt(c.client, IPPROTO_TCP, TCP_NODELAY);  // 0
  s.SetInt(c.client, IPPROTO_TCP, TCP_NODELAY, 1);
  s.GetInt(c.client, IPPROTO_TCP, TCP_NODELAY);
  s.Write(c.client, "a");
  s.Write(c.client, "b");
  s.Settle();
  s.Read(c.server, 8);
}

DIFF_SCENARIO(Options_MaxsegDefaultBoundsAndAfterConnect) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_TCP, TCP_MAXSEG);      // 536
  s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, 1);   // EINVAL
  s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, 87);  // EINVAL
  s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, 88);
  s.GetInt(t, IPPROTO_TCP, TCP_MAXSEG);
  s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, 600);
  s.GetInt(t, IPPROTO_TCP, TCP_MAXSEG);  // 600 while unconnected
  s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, 0);
  s.GetInt(t, IPPROTO_TCP, TCP_MAXSEG);
  s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, -1);  // EINVAL
  Conn c = Establish(s);
  int v = 0;
  socklen_t len = sizeof v;
  int r = s.sys().getsockopt(c.client, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
  s.Line("getsockopt(" + s.Fd(c.client) +
         ", IPPROTO_TCP, TCP_MAXSEG) = " + s.Result(r));
  s.Check("established MSS in (500, 65495]", v > 500 && v <= 65495);
  r = s.sys().getsockopt(c.server, IPPROTO_TCP, TCP_MAXSEG, &v, &len);
  s.Line("getsockopt(" + s.Fd(c.server) +
         ", IPPROTO_TCP, TCP_MAXSEG) = " + s.Result(r));
  s.Check("accepted MSS in (500, 65495]", v > 500 && v <= 65495);
}

// TCP_MAXSEG accepts 88..MAX_TCP_WINDOW (32767) or 0.
DIFF_SCENARIO(Options_MaxsegUpperBound) {
  int t = s.Tcp();
  for (int v : {1000, 32767, 32768, 65495, 65535, 65536}) {
    s.SetInt(t, IPPROTO_TCP, TCP_MAXSEG, v);
  }
  s.GetInt(t, IPPROTO_TCP, TCP_MAXSEG);
}

DIFF_SCENARIO(Options_KeepaliveTimingDefaultsAndBounds) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPIDLE);   // 7200
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPINTVL);  // 75
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPCNT);    // 9
  for (int v : {0, -1, 32768, 1, 32767}) {
    s.SetInt(t, IPPROTO_TCP, TCP_KEEPIDLE, v);
  }
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPIDLE);
  for (int v : {0, -1, 32768, 1, 32767}) {
    s.SetInt(t, IPPROTO_TCP, TCP_KEEPINTVL, v);
  }
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPINTVL);
  for (int v : {0, -1, 128, 255, 1, 127}) {
    s.SetInt(t, IPPROTO_TCP, TCP_KEEPCNT, v);
  }
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPCNT);
  s.SetInt(t, IPPROTO_TCP, TCP_KEEPIDLE, 30);
  s.SetInt(t, IPPROTO_TCP, TCP_KEEPINTVL, 5);
  s.SetInt(t, IPPROTO_TCP, TCP_KEEPCNT, 4);
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPIDLE);
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPINTVL);
  s.GetInt(t, IPPROTO_TCP, TCP_KEEPCNT);
  s.GetInt(t, SOL_SOCKET, SO_KEEPALIVE);  // timing does not switch it on
}

DIFF_SCENARIO(Options_SyncntDefaultAndBounds) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_TCP, TCP_SYNCNT);  // 6
  for (int v : {0, -1, 1, 127}) {
    s.SetInt(t, IPPROTO_TCP, TCP_SYNCNT, v);
    s.GetInt(t, IPPROTO_TCP, TCP_SYNCNT);
  }
}

// The upper bound of TCP_SYNCNT is MAX_TCP_SYNCNT = 127 on Linux 6.18
// (128 and 255 give EINVAL and leave the value unchanged).
DIFF_SCENARIO(Options_SyncntUpperBound) {
  int t = s.Tcp();
  for (int v : {128, 255, 256}) {
    s.SetInt(t, IPPROTO_TCP, TCP_SYNCNT, v);
    s.GetInt(t, IPPROTO_TCP, TCP_SYNCNT);
  }
}

DIFF_SCENARIO(Options_Linger2DefaultAndValues) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);  // 60 (tcp_fin_timeout)
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, 5);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, -1);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);  // -1
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, -7);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);  // -1
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, 0);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);  // back to the sysctl: 60
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, 120);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);
}

// Values above TCP_FIN_TIMEOUT_MAX (120 s) are clamped to it.
DIFF_SCENARIO(Options_Linger2IsClampedAt120) {
  int t = s.Tcp();
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, 121);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);
  s.SetInt(t, IPPROTO_TCP, TCP_LINGER2, 100000);
  s.GetInt(t, IPPROTO_TCP, TCP_LINGER2);
}

DIFF_SCENARIO(Options_UserTimeoutDefaultAndBounds) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT);      // 0
  s.SetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);  // EINVAL
  s.GetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT);
  s.SetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT, 6000);
  s.GetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT);
  s.SetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT, 0x7fffffff);
  s.GetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT);
  s.SetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT, 0);
  s.GetInt(t, IPPROTO_TCP, TCP_USER_TIMEOUT);
}

DIFF_SCENARIO(Options_TcpTimingOptionsInheritedByAcceptedSocket) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.SetInt(l, IPPROTO_TCP, TCP_USER_TIMEOUT, 7000);
  s.SetInt(l, IPPROTO_TCP, TCP_KEEPIDLE, 11);
  s.SetInt(l, IPPROTO_TCP, TCP_KEEPINTVL, 3);
  s.SetInt(l, IPPROTO_TCP, TCP_KEEPCNT, 2);
  s.SetInt(l, IPPROTO_TCP, TCP_LINGER2, 9);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  s.NameLocalPort(c, "client");
  int a = s.Accept(l);
  s.GetInt(a, IPPROTO_TCP, TCP_USER_TIMEOUT);
  s.GetInt(a, IPPROTO_TCP, TCP_KEEPIDLE);
  s.GetInt(a, IPPROTO_TCP, TCP_KEEPINTVL);
  s.GetInt(a, IPPROTO_TCP, TCP_KEEPCNT);
  s.GetInt(a, IPPROTO_TCP, TCP_LINGER2);
  s.GetInt(c, IPPROTO_TCP, TCP_USER_TIMEOUT);  // the client's own: 0
}

DIFF_SCENARIO(Options_RcvlowatAndSndlowat) {
  int t = s.Tcp();
  s.GetInt(t, SOL_SOCKET, SO_RCVLOWAT);  // 1
  s.GetInt(t, SOL_SOCKET, SO_SNDLOWAT);  // 1
  s.SetInt(t, SOL_SOCKET, SO_RCVLOWAT, 100);
  s.GetInt(t, SOL_SOCKET, SO_RCVLOWAT);
  s.SetInt(t, SOL_SOCKET, SO_RCVLOWAT, 0);
  s.GetInt(t, SOL_SOCKET, SO_RCVLOWAT);       // 0 reads back as 1
  s.SetInt(t, SOL_SOCKET, SO_SNDLOWAT, 100);  // not changeable
  s.GetInt(t, SOL_SOCKET, SO_SNDLOWAT);
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_RCVLOWAT);
  s.GetInt(u, SOL_SOCKET, SO_SNDLOWAT);
  s.SetInt(u, SOL_SOCKET, SO_RCVLOWAT, -1);
  s.GetInt(u, SOL_SOCKET, SO_RCVLOWAT);  // negative: INT_MAX
  s.SetInt(u, SOL_SOCKET, SO_RCVLOWAT, 0);
  s.GetInt(u, SOL_SOCKET, SO_RCVLOWAT);
}

// On TCP, SO_RCVLOWAT is capped at half of the largest receive buffer
// (tcp_set_rcvlowat): tcp_rmem[2] / 2, or SO_RCVBUF / 2 once it is set.
DIFF_SCENARIO(Options_TcpRcvlowatIsCappedByReceiveBuffer) {
  int t = s.Tcp();
  s.SetInt(t, SOL_SOCKET, SO_RCVLOWAT, -1);
  s.GetInt(t, SOL_SOCKET, SO_RCVLOWAT);
  s.SetInt(t, SOL_SOCKET, SO_RCVLOWAT, 0x7fffffff);
  s.GetInt(t, SOL_SOCKET, SO_RCVLOWAT);
  int b = s.Tcp();
  s.SetInt(b, SOL_SOCKET, SO_RCVBUF, 8192);
  s.GetInt(b, SOL_SOCKET, SO_RCVBUF);
  s.SetInt(b, SOL_SOCKET, SO_RCVLOWAT, 100000);
  s.GetInt(b, SOL_SOCKET, SO_RCVLOWAT);
  s.GetInt(b, SOL_SOCKET, SO_RCVBUF);  // locked: unchanged
  // Without a locked SO_RCVBUF, a large SO_RCVLOWAT grows the buffer.
  int g = s.Tcp();
  s.GetInt(g, SOL_SOCKET, SO_RCVBUF);
  s.SetInt(g, SOL_SOCKET, SO_RCVLOWAT, 1000000);
  s.GetInt(g, SOL_SOCKET, SO_RCVLOWAT);
  int rcvbuf = 0;
  socklen_t len = sizeof rcvbuf;
  int r = s.sys().getsockopt(g, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
  s.Line("getsockopt(" + s.Fd(g) + ", SOL_SOCKET, SO_RCVBUF) = " + s.Result(r));
  s.Check("SO_RCVBUF grew to at least SO_RCVLOWAT", rcvbuf >= 1000000);
}

DIFF_SCENARIO(Options_DomainAndProtocol) {
  int t = s.Tcp();
  s.GetInt(t, SOL_SOCKET, SO_DOMAIN);    // AF_INET = 2
  s.GetInt(t, SOL_SOCKET, SO_PROTOCOL);  // IPPROTO_TCP = 6
  s.GetInt(t, SOL_SOCKET, SO_TYPE);
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_DOMAIN);
  s.GetInt(u, SOL_SOCKET, SO_PROTOCOL);  // IPPROTO_UDP = 17
  int t6 = s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
  s.GetInt(t6, SOL_SOCKET, SO_PROTOCOL);
  s.SetInt(t, SOL_SOCKET, SO_DOMAIN, 10);    // read-only
  s.SetInt(t, SOL_SOCKET, SO_PROTOCOL, 17);  // read-only
  s.GetInt(t, SOL_SOCKET, SO_PROTOCOL);
  Conn c = Establish(s);
  s.GetInt(c.server, SOL_SOCKET, SO_DOMAIN);
  s.GetInt(c.server, SOL_SOCKET, SO_PROTOCOL);
}

DIFF_SCENARIO(Options_UdpBroadcastNeedsSoBroadcast) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_BROADCAST);  // 0
  Ep bcast{"255.255.255.255", port, AF_INET};
  s.SendTo(u, "hello", 0, &bcast);  // EACCES
  s.SetInt(u, SOL_SOCKET, SO_BROADCAST, 1);
  s.GetInt(u, SOL_SOCKET, SO_BROADCAST);
  s.SetInt(u, SOL_SOCKET, SO_BROADCAST, 0);
  s.SendTo(u, "hello", 0, &bcast);  // EACCES again
  int t = s.Tcp();
  s.GetInt(t, SOL_SOCKET, SO_BROADCAST);  // exists on TCP too
  s.SetInt(t, SOL_SOCKET, SO_BROADCAST, 1);
  s.GetInt(t, SOL_SOCKET, SO_BROADCAST);
}

DIFF_SCENARIO(Options_TcpLevelOptionsOnUdpSocket) {
  int u = s.Udp();
  for (int name :
       {TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_SYNCNT, TCP_USER_TIMEOUT}) {
    s.SetInt(u, IPPROTO_TCP, name, 1);  // ENOPROTOOPT
    s.GetInt(u, IPPROTO_TCP, name);     // EOPNOTSUPP
  }
}

DIFF_SCENARIO(Options_UnknownIpLevelOption) {
  int t = s.Tcp();
  s.GetInt(t, IPPROTO_IP, 9999);     // ENOPROTOOPT
  s.SetInt(t, IPPROTO_IP, 9999, 1);  // ENOPROTOOPT
  int u = s.Udp();
  s.GetInt(u, IPPROTO_IP, 9999);
  s.SetInt(u, IPPROTO_IP, 9999, 1);
  s.SetInt(t, IPPROTO_UDP, 1, 1);  // a foreign protocol level on TCP
  s.GetInt(u, 9999, 1);            // unknown level on UDP
  s.SetInt(u, 9999, 1, 1);
}

DIFF_SCENARIO(Options_ListenBacklogCappedAtSomaxconn) {
  int l = s.Tcp();
  s.Listen(l, 100000);
  s.NameLocalPort(l, "server");
  TcpInfoState(s, l, true);  // sacked 4096
  s.Listen(l, -1);
  TcpInfoState(s, l, true);  // negative is huge unsigned: 4096
  s.Listen(l, 4096);
  TcpInfoState(s, l, true);
  s.Listen(l, 4097);
  TcpInfoState(s, l, true);
  s.Listen(l, 17);
  TcpInfoState(s, l, true);
  int l2 = s.Tcp();
  s.Listen(l2, -100);
  s.NameLocalPort(l2, "server2");
  TcpInfoState(s, l2, true);
}

DIFF_SCENARIO(Options_AcceptedSocketLocalAddressIsTheDestinationUsed) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Any(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Ep{"127.0.0.5", port, AF_INET});
  s.Settle();
  s.NameLocalPort(c, "client");
  s.GetSockName(c);     // 127.0.0.1:<client>
  s.GetPeerName(c);     // 127.0.0.5:<server>
  int a = s.Accept(l);  // peer 127.0.0.1:<client>
  s.GetSockName(a);     // 127.0.0.5:<server>
  s.GetPeerName(a);
  s.GetSockName(l);  // 0.0.0.0:<server>
  s.Write(c, "via .5");
  s.Settle();
  s.Read(a, 16);
}

DIFF_SCENARIO(Options_ClientBoundToOtherLoopbackAddressKeepsIt) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Any(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Bind(c, Ep{"127.0.0.9", 0, AF_INET});
  s.NameLocalPort(c, "client");
  s.Connect(c, Ep{"127.0.0.5", port, AF_INET});
  s.Settle();
  s.GetSockName(c);  // 127.0.0.9:<client>
  s.Accept(l);       // peer 127.0.0.9:<client>
}

}  // namespace
}  // namespace simsock::diff

namespace simsock::diff {
namespace {

// SO_SNDBUFFORCE / SO_RCVBUFFORCE (root): no wmem_max/rmem_max cap, negative
// counts as 0, saturates at INT_MAX / 2 * 2; the option cannot be read back.
// docs/semantics.md §2.11. (Both backends run as root here.)
DIFF_SCENARIO(Options_BufForceBypassesTheMaximum) {
  int t = s.Tcp();
  for (int v : {1, 8 * 1024 * 1024, -5, 0x7fffffff}) {
    s.SetInt(t, SOL_SOCKET, SO_SNDBUFFORCE, v);
    s.GetInt(t, SOL_SOCKET, SO_SNDBUF);
    s.SetInt(t, SOL_SOCKET, SO_RCVBUFFORCE, v);
    s.GetInt(t, SOL_SOCKET, SO_RCVBUF);
  }
  s.GetInt(t, SOL_SOCKET, SO_SNDBUFFORCE);  // ENOPROTOOPT
}

}  // namespace
}  // namespace simsock::diff

namespace simsock::diff {
namespace {

// Options a program may set that the simulator stores and reads back as
// Linux does, without modelling their effect on the wire (DSCP, TTL, queue
// priority, congestion control): defaults, accepted values, bounds.
DIFF_SCENARIO(Options_StoredSocketAndIpOptions) {
  int t = s.Tcp();
  int u = s.Udp();
  for (int fd : {t, u}) {
    for (int opt : {SO_PRIORITY, SO_OOBINLINE, SO_DONTROUTE, SO_PASSCRED,
                    SO_TIMESTAMP, SO_MARK}) {
      s.GetInt(fd, SOL_SOCKET, opt);
      s.SetInt(fd, SOL_SOCKET, opt, 5);
      s.GetInt(fd, SOL_SOCKET, opt);
      s.SetInt(fd, SOL_SOCKET, opt, 0);
      s.GetInt(fd, SOL_SOCKET, opt);
    }
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0x10);
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.SetInt(fd, IPPROTO_IP, IP_TOS, 0xff);
    s.GetInt(fd, IPPROTO_IP, IP_TOS);
    s.GetInt(fd, IPPROTO_IP, IP_TTL);
    for (int ttl : {1, 255, 0, 256, -1, -2}) {
      s.SetInt(fd, IPPROTO_IP, IP_TTL, ttl);
      s.GetInt(fd, IPPROTO_IP, IP_TTL);
    }
  }
}

DIFF_SCENARIO(Options_StoredTcpOptions) {
  int t = s.Tcp();
  for (int opt : {TCP_CORK, TCP_QUICKACK, TCP_NOTSENT_LOWAT, TCP_INQ}) {
    s.GetInt(t, IPPROTO_TCP, opt);
    s.SetInt(t, IPPROTO_TCP, opt, 1);
    s.GetInt(t, IPPROTO_TCP, opt);
    s.SetInt(t, IPPROTO_TCP, opt, 0);
    s.GetInt(t, IPPROTO_TCP, opt);
  }
  s.SetInt(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT, 16384);
  s.GetInt(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
  s.SetInt(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT, -1);
  s.GetInt(t, IPPROTO_TCP, TCP_NOTSENT_LOWAT);
  for (const char* cc : {"cubic", "reno", "nosuch"}) {
    int r = s.sys().setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc,
                               static_cast<socklen_t>(std::strlen(cc)));
    s.Line(std::string("setsockopt(TCP_CONGESTION, ") + cc +
           ") = " + s.Result(r));
    char name[32] = {};
    socklen_t len = sizeof name;
    r = s.sys().getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, name, &len);
    s.Line("getsockopt(TCP_CONGESTION) = " + s.Result(r) + " \"" +
           std::string(name) + "\" len " + std::to_string(len));
  }
}

// TCP_CORK holds a partial segment until the cork is pulled.
DIFF_SCENARIO(Options_CorkHoldsPartialDataUntilUncorked) {
  Conn c = Establish(s);
  s.SetInt(c.client, IPPROTO_TCP, TCP_CORK, 1);
  s.Write(c.client, "corked");
  s.Settle();
  s.Read(c.server, 64);  // EAGAIN: held
  s.SetInt(c.client, IPPROTO_TCP, TCP_CORK, 0);
  s.Settle();
  s.Read(c.server, 64);
}

// SO_ACCEPTCONN is 1 only on a listening socket (not on its accepted
// children, clients, UDP, or a listener after shutdown).
DIFF_SCENARIO(Options_AcceptconnOnEveryKindOfSocket) {
  Conn c = Establish(s);
  s.GetInt(c.listener, SOL_SOCKET, SO_ACCEPTCONN);
  s.GetInt(c.client, SOL_SOCKET, SO_ACCEPTCONN);
  s.GetInt(c.server, SOL_SOCKET, SO_ACCEPTCONN);
  s.GetInt(c.server, SOL_SOCKET, SO_TYPE);
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_ACCEPTCONN);
  s.Shutdown(c.listener, SHUT_RDWR);
  s.GetInt(c.listener, SOL_SOCKET, SO_ACCEPTCONN);
}

// TCP_QUICKACK reads back !pingpong: 1 on a fresh connection, 0 once
// request/response traffic has made it interactive (both ends). Setting
// it to 1 on the receiver ends that mode and sends the ACK it held, so
// the writer's Nagle lets the second byte go at once; 0 on a fresh socket
// reads back 0.
DIFF_SCENARIO(Options_QuickAckShowsAndEndsTheInteractiveMode) {
  Conn c = Establish(s);
  s.GetInt(c.server, IPPROTO_TCP, TCP_QUICKACK);
  for (int i = 0; i < 2; ++i) {
    s.Write(c.client, "req");
    s.Settle();
    s.Read(c.server, 10);
    s.Write(c.server, "resp");
    s.Settle();
    s.Read(c.client, 10);
  }
  s.GetInt(c.server, IPPROTO_TCP, TCP_QUICKACK);
  s.GetInt(c.client, IPPROTO_TCP, TCP_QUICKACK);
  s.Write(c.client, "a");
  s.Write(c.client, "b");
  s.Settle();
  s.Read(c.server, 10);
  s.SetInt(c.server, IPPROTO_TCP, TCP_QUICKACK, 1);
  s.Settle();
  s.Read(c.server, 10);
  s.GetInt(c.server, IPPROTO_TCP, TCP_QUICKACK);
  int f = s.Tcp();
  s.SetInt(f, IPPROTO_TCP, TCP_QUICKACK, 0);
  s.GetInt(f, IPPROTO_TCP, TCP_QUICKACK);
}

}  // namespace
}  // namespace simsock::diff
