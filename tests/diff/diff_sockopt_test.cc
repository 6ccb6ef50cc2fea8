// Differential scenarios: getsockopt/setsockopt defaults, the SO_SNDBUF /
// SO_RCVBUF table, boolean normalisation, SO_LINGER, length and pointer
// errors, truncation of getsockopt/getsockname/getpeername/accept
// addresses. docs/semantics.md §2.10, §2.11.
#include <netinet/tcp.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

DIFF_SCENARIO(Sockopt_TcpAndUdpDefaults) {
  int t = s.Tcp();
  s.GetInt(t, SOL_SOCKET, SO_TYPE);
  s.GetInt(t, SOL_SOCKET, SO_ERROR);
  s.GetInt(t, SOL_SOCKET, SO_ACCEPTCONN);
  s.GetInt(t, SOL_SOCKET, SO_REUSEADDR);
  s.GetInt(t, SOL_SOCKET, SO_REUSEPORT);
  s.GetInt(t, SOL_SOCKET, SO_KEEPALIVE);
  s.GetInt(t, SOL_SOCKET, SO_SNDBUF);
  s.GetInt(t, SOL_SOCKET, SO_RCVBUF);
  s.GetInt(t, IPPROTO_TCP, TCP_NODELAY);
  s.GetLinger(t);
  int u = s.Udp();
  s.GetInt(u, SOL_SOCKET, SO_TYPE);
  s.GetInt(u, SOL_SOCKET, SO_SNDBUF);
  s.GetInt(u, SOL_SOCKET, SO_RCVBUF);
  s.GetInt(u, SOL_SOCKET, SO_ACCEPTCONN);
  int l = s.Tcp();
  s.Listen(l, 4);
  s.GetInt(l, SOL_SOCKET, SO_ACCEPTCONN);
}

DIFF_SCENARIO(Sockopt_BufferSizesDoubleWithFloorsAndCaps) {
  int t = s.Tcp();
  for (int v : {1, 2048, 2304, 4096, 16384, 65536, 1 << 30, -1}) {
    s.SetInt(t, SOL_SOCKET, SO_SNDBUF, v);
    s.GetInt(t, SOL_SOCKET, SO_SNDBUF);
  }
  for (int v : {1, 256, 1152, 2000, 65536, 1 << 30, -1}) {
    s.SetInt(t, SOL_SOCKET, SO_RCVBUF, v);
    s.GetInt(t, SOL_SOCKET, SO_RCVBUF);
  }
  int u = s.Udp();
  s.SetInt(u, SOL_SOCKET, SO_SNDBUF, 1);
  s.GetInt(u, SOL_SOCKET, SO_SNDBUF);
  s.SetInt(u, SOL_SOCKET, SO_RCVBUF, 1);
  s.GetInt(u, SOL_SOCKET, SO_RCVBUF);
  s.SetInt(u, SOL_SOCKET, SO_RCVBUF, 100000);
  s.GetInt(u, SOL_SOCKET, SO_RCVBUF);
}

DIFF_SCENARIO(Sockopt_RcvbufSetOnListenerIsInherited) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.SetInt(l, SOL_SOCKET, SO_RCVBUF, 8192);
  s.SetInt(l, SOL_SOCKET, SO_KEEPALIVE, 1);
  s.SetInt(l, IPPROTO_TCP, TCP_NODELAY, 1);
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c = s.Tcp();
  s.Connect(c, Lo(port));
  s.Settle();
  int a = s.Accept(l);
  s.GetInt(a, SOL_SOCKET, SO_RCVBUF);
  s.GetInt(a, SOL_SOCKET, SO_KEEPALIVE);
  s.GetInt(a, IPPROTO_TCP, TCP_NODELAY);
  s.GetInt(a, SOL_SOCKET, SO_ACCEPTCONN);
}

DIFF_SCENARIO(Sockopt_BooleanOptionsReadBackAsOne) {
  int t = s.Tcp();
  s.SetInt(t, SOL_SOCKET, SO_KEEPALIVE, 5);
  s.GetInt(t, SOL_SOCKET, SO_KEEPALIVE);
  s.SetInt(t, SOL_SOCKET, SO_REUSEADDR, 2);
  s.GetInt(t, SOL_SOCKET, SO_REUSEADDR);
  s.SetInt(t, SOL_SOCKET, SO_REUSEPORT, -3);
  s.GetInt(t, SOL_SOCKET, SO_REUSEPORT);
  s.SetInt(t, IPPROTO_TCP, TCP_NODELAY, 7);
  s.GetInt(t, IPPROTO_TCP, TCP_NODELAY);
  s.SetInt(t, IPPROTO_TCP, TCP_NODELAY, 0);
  s.GetInt(t, IPPROTO_TCP, TCP_NODELAY);
  s.SetInt(t, SOL_SOCKET, SO_KEEPALIVE, 0);
  s.GetInt(t, SOL_SOCKET, SO_KEEPALIVE);
}

DIFF_SCENARIO(Sockopt_LingerNormalisesOnoffAndNeedsEightBytes) {
  int t = s.Tcp();
  s.SetLinger(t, 5, 10);
  s.GetLinger(t);
  s.SetLinger(t, 0, 7);
  s.GetLinger(t);
  s.SetLinger(t, 1, 0, 4);   // EINVAL
  s.SetLinger(t, 1, 3, 12);  // longer is fine
  s.GetLinger(t);
  s.GetLinger(t, 4);  // truncated
  s.GetLinger(t, 16);
}

DIFF_SCENARIO(Sockopt_LengthPointerAndUnknownOptionErrors) {
  int t = s.Tcp();
  s.SetInt(t, SOL_SOCKET, SO_KEEPALIVE, 1, 2);  // EINVAL
  s.SetInt(t, SOL_SOCKET, SO_RCVBUF, 1, 0);     // EINVAL
  s.SetInt(t, IPPROTO_TCP, TCP_NODELAY, 1, 3);  // EINVAL
  s.SetIntNull(t, SOL_SOCKET, SO_KEEPALIVE);    // EFAULT
  s.GetIntNull(t, SOL_SOCKET, SO_KEEPALIVE);    // EFAULT
  s.SetInt(t, SOL_SOCKET, 9999, 1);             // ENOPROTOOPT
  s.GetInt(t, SOL_SOCKET, 9999);                // ENOPROTOOPT
  s.SetInt(t, IPPROTO_TCP, 9999, 1);            // ENOPROTOOPT
  s.GetInt(t, IPPROTO_TCP, 9999);               // ENOPROTOOPT
  s.GetInt(t, 9999, 1);                         // EOPNOTSUPP
  s.SetInt(t, SOL_SOCKET, SO_ERROR, 1);         // ENOPROTOOPT
  s.SetInt(t, SOL_SOCKET, SO_TYPE, 1);          // ENOPROTOOPT
  s.SetInt(t, SOL_SOCKET, SO_RCVBUF, 65536);
  s.GetInt(t, SOL_SOCKET, SO_RCVBUF, 0);  // 0, len 0
  s.GetInt(t, SOL_SOCKET, SO_RCVBUF, 2);  // truncated, len 2
  s.GetInt(t, SOL_SOCKET, SO_RCVBUF, 8);  // len 4
  int u = s.Udp();
  s.SetInt(u, IPPROTO_TCP, TCP_NODELAY, 1);  // ENOPROTOOPT
  s.GetInt(u, IPPROTO_TCP, TCP_NODELAY);     // EOPNOTSUPP
}

DIFF_SCENARIO(Sockopt_SockNameAndPeerNameTruncateAndRejectNegativeLength) {
  Conn c = Establish(s);
  s.GetSockName(c.client, 2);
  s.GetSockName(c.client, 0);
  s.GetSockName(c.client, -1);
  s.GetSockName(c.client, 32);
  s.GetPeerName(c.client, 2);
  s.GetPeerName(c.client, -1);
  s.GetPeerName(c.server, 32);
  s.Raw("getsockname(" + s.Fd(c.client) + ", NULL, NULL)",
        s.sys().getsockname(c.client, nullptr, nullptr));
}

DIFF_SCENARIO(Sockopt_AcceptTruncatesAddressAndBadLengthLosesConnection) {
  uint16_t port = s.Port("server");
  int l = s.Tcp();
  s.Bind(l, Lo(port));
  s.Listen(l, 4);
  int c1 = s.Tcp();
  s.Connect(c1, Lo(port));
  int c2 = s.Tcp();
  s.Connect(c2, Lo(port));
  int c3 = s.Tcp();
  s.Connect(c3, Lo(port));
  s.Settle();
  s.AcceptLen(l, 2, SOCK_NONBLOCK);   // truncated, len 16
  s.AcceptLen(l, -1, SOCK_NONBLOCK);  // EINVAL, c2's connection is lost
  s.AcceptLen(l, Script::kNoAddr, SOCK_NONBLOCK);  // c3
  s.Accept(l);                                     // EAGAIN
  s.Settle();
  s.Read(c2, 8);  // FIN (no unread data): 0
  Mask(s, c2);
  s.Read(c1, 8);
}

}  // namespace
}  // namespace simsock::diff
