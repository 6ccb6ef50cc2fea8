// Differential scenarios: errno precedence — which check wins when one call
// has several faults. Each syscall checks in one fixed order (net/socket.c,
// fs/eventpoll.c, af_inet.c); the scenarios combine faults two and three at
// a time so that every pair of neighbouring checks is seen in its order.
// docs/semantics.md §2.15 "Errno precedence".
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/resource.h>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

// do_epoll_wait: the fd (EBADF), then ep_check_params: maxevents (EINVAL),
// then that the file is an epoll (EINVAL). epoll_pwait2 checks its timeout
// before all of them.
DIFF_SCENARIO(Precedence_EpollWaitChecksTheFdBeforeMaxevents) {
  int ep = s.EpollCreate();
  int u = s.Udp();
  s.EpollWait(Script::kHugeFd, 0);   // EBADF, not EINVAL
  s.EpollWait(Script::kHugeFd, -1);  // EBADF
  int gone = s.EpollCreate();
  s.Close(gone);
  s.EpollWait(gone, 0);  // EBADF
  s.EpollWait(u, 0);     // EINVAL (maxevents)
  s.EpollWait(u, 1);     // EINVAL (not an epoll)
  s.EpollWait(ep, 0);    // EINVAL
  epoll_event evs[2];
  s.Raw("epoll_wait(fd<huge>, NULL, 0)",
        s.sys().epoll_wait(Script::kHugeFd, nullptr, 0, 0));
  s.Raw("epoll_wait(" + s.Fd(ep) + ", NULL, 0)",
        s.sys().epoll_wait(ep, nullptr, 0, 0));
  timespec bad{0, -1};
  timespec zero{0, 0};
  s.Raw("epoll_pwait2(fd<huge>, max 0, {0,-1})",
        s.sys().epoll_pwait2(Script::kHugeFd, evs, 0, &bad, nullptr));
  s.Raw("epoll_pwait2(fd<huge>, max 0, {0,0})",
        s.sys().epoll_pwait2(Script::kHugeFd, evs, 0, &zero, nullptr));
  s.Raw("epoll_pwait2(" + s.Fd(u) + ", max 0, {0,0})",
        s.sys().epoll_pwait2(u, evs, 0, &zero, nullptr));
  s.Raw("epoll_pwait2(" + s.Fd(ep) + ", max 1, {0,0})",
        s.sys().epoll_pwait2(ep, evs, 1, &zero, nullptr));
}

// do_epoll_ctl: the event is copied in first (EFAULT, except for DEL), then
// both fds (EBADF), then "is an epoll and not itself" (EINVAL), the
// EPOLLEXCLUSIVE rules (EINVAL), and only then the op and the item
// (EEXIST / ENOENT / EINVAL for an unknown op).
DIFF_SCENARIO(Precedence_EpollCtlCopiesTheEventThenFdsThenOp) {
  int ep = s.EpollCreate();
  int u = s.Udp();
  int u2 = s.Udp();
  const int huge = Script::kHugeFd;
  s.EpollCtlNull(huge, 77, huge);             // EFAULT
  s.EpollCtlNull(huge, EPOLL_CTL_ADD, huge);  // EFAULT
  s.EpollCtlNull(ep, 77, u);                  // EFAULT
  s.EpollCtlNull(huge, EPOLL_CTL_DEL, huge);  // EBADF
  s.EpollCtl(huge, 77, huge, EPOLLIN);        // EBADF
  s.EpollCtl(ep, 77, huge, EPOLLIN);          // EBADF (the target)
  s.EpollCtl(u, 77, u2, EPOLLIN);             // EINVAL (not an epoll)
  s.EpollCtl(ep, 77, ep, EPOLLIN);            // EINVAL (itself)
  s.EpollCtl(ep, 77, u, EPOLLIN);             // EINVAL (op)
  s.EpollCtl(ep, EPOLL_CTL_MOD, u, EPOLLIN | EPOLLEXCLUSIVE);  // EINVAL
  s.EpollCtl(ep, EPOLL_CTL_ADD, huge, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP);
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, EPOLLIN);
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, EPOLLIN | EPOLLEXCLUSIVE);  // EINVAL
  s.EpollCtl(ep, EPOLL_CTL_ADD, u, EPOLLIN);                   // EEXIST
  s.EpollCtl(ep, 77, u, EPOLLIN);                              // EINVAL
  s.EpollCtl(ep, EPOLL_CTL_DEL, u2, EPOLLIN);                  // ENOENT
  s.EpollCreate(-1);                                           // EINVAL
  s.EpollCreate(EPOLL_CLOEXEC | 1);                            // EINVAL
}

// __sys_accept4: the fd (EBADF), flags (EINVAL), then do_accept: a socket
// (ENOTSOCK), then the protocol (EOPNOTSUPP for UDP, EINVAL when not
// listening).
DIFF_SCENARIO(Precedence_Accept4ChecksTheFdBeforeFlags) {
  int ep = s.EpollCreate();
  int u = s.Udp();
  int t = s.Tcp();
  s.Accept(Script::kHugeFd, 0x1234);  // EBADF, not EINVAL
  int gone = s.Tcp();
  s.Close(gone);
  s.Accept(gone, 0x1);                       // EBADF
  s.Accept(ep, 0x1234);                      // EINVAL before ENOTSOCK
  s.Accept(ep, 0);                           // ENOTSOCK
  s.Accept(u, 0x1234);                       // EINVAL before EOPNOTSUPP
  s.Accept(u, 0);                            // EOPNOTSUPP
  s.Accept(t, 0x1234);                       // EINVAL
  s.Accept(t, SOCK_NONBLOCK);                // EINVAL: not listening
  s.AcceptLen(Script::kHugeFd, -1, 0x1234);  // EBADF
  s.AcceptLen(u, -1, 0);  // EOPNOTSUPP: the length is looked at last
}

// __sys_socket: flag bits (EINVAL); __sock_create: the family (EAFNOSUPPORT)
// before the type's range (EINVAL); inet_create: the protocol's range
// (EINVAL) before the type's protocols (ESOCKTNOSUPPORT, EPROTONOSUPPORT).
DIFF_SCENARIO(Precedence_SocketFlagsThenFamilyThenTypeThenProtocol) {
  s.Socket(999, 999);                           // EINVAL: 999 has flag bits
  s.Socket(999, SOCK_STREAM | 0x100000);        // EINVAL
  s.Socket(AF_INET6, 999);                      // EINVAL
  s.Socket(999, SOCK_STREAM);                   // EAFNOSUPPORT
  s.Socket(999, 15);                            // EAFNOSUPPORT before EINVAL
  s.Socket(999, 11, 999);                       // EAFNOSUPPORT
  s.Socket(-1, SOCK_STREAM);                    // EAFNOSUPPORT
  s.Socket(AF_MAX, SOCK_DGRAM);                 // EAFNOSUPPORT
  s.Socket(AF_INET, 15);                        // EINVAL
  s.Socket(AF_INET, 11);                        // EINVAL
  s.Socket(AF_INET, -1);                        // EINVAL
  s.Socket(AF_INET, SOCK_STREAM, 999);          // EINVAL (range)
  s.Socket(AF_INET, SOCK_STREAM, -1);           // EINVAL
  s.Socket(AF_INET, SOCK_STREAM, 263);          // EINVAL (IPPROTO_MAX)
  s.Socket(AF_INET, SOCK_SEQPACKET, 999);       // EINVAL before ESOCKTNOSUPPORT
  s.Socket(AF_INET, SOCK_SEQPACKET, 0);         // ESOCKTNOSUPPORT
  s.Socket(AF_INET, 0, 0);                      // ESOCKTNOSUPPORT
  s.Socket(AF_INET, SOCK_RAW, 999);             // EINVAL
  s.Socket(AF_INET, SOCK_STREAM, IPPROTO_UDP);  // EPROTONOSUPPORT
  s.Socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP);   // EPROTONOSUPPORT
  s.Socket(AF_INET, SOCK_DGRAM, 200);           // EPROTONOSUPPORT
  s.Socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);  // EACCES (ping_group_range)
  s.Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
}

// getsockopt: the level is routed first; only the handler of a level the
// socket has (SOL_SOCKET, SOL_IP, its protocol's) reads optlen (EFAULT,
// then EINVAL for a negative one) and then looks at the name. setsockopt:
// a negative optlen is refused before the level; then each level in its
// own order.
DIFF_SCENARIO(Precedence_SockoptLevelBeforeLength) {
  int u = s.Udp();
  int t = s.Tcp();
  int ep = s.EpollCreate();
  int v = 1;
  const socklen_t neg = static_cast<socklen_t>(-1);
  auto get_null_len = [&](int fd, int level, int name, const char* what) {
    s.Raw(
        std::string("getsockopt(") + s.Fd(fd) + ", " + what + ", optlen NULL)",
        s.sys().getsockopt(fd, level, name, &v, nullptr));
  };
  get_null_len(u, 999, 1, "level 999");                      // EOPNOTSUPP
  get_null_len(u, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY");  // EOPNOTSUPP
  get_null_len(t, IPPROTO_UDP, 1, "SOL_UDP 1");              // EOPNOTSUPP
  get_null_len(u, SOL_SOCKET, SO_TYPE, "SO_TYPE");           // EFAULT
  get_null_len(u, IPPROTO_IP, 999, "SOL_IP 999");            // EFAULT
  get_null_len(u, IPPROTO_UDP, 999, "SOL_UDP 999");          // EFAULT
  get_null_len(t, IPPROTO_TCP, 999, "SOL_TCP 999");          // EFAULT
  get_null_len(Script::kHugeFd, 999, 1, "level 999");        // EBADF
  get_null_len(ep, 999, 1, "level 999");                     // ENOTSOCK
  s.GetInt(u, 999, 1, neg);                                  // EOPNOTSUPP
  s.GetInt(u, SOL_SOCKET, 999, neg);                         // EINVAL
  s.GetInt(u, IPPROTO_IP, 999, neg);                         // EINVAL
  s.GetInt(u, IPPROTO_IP, IP_TOS, neg);                      // EINVAL
  s.GetInt(u, IPPROTO_UDP, 999, neg);                        // EINVAL
  s.GetInt(u, IPPROTO_UDP, 999);                             // ENOPROTOOPT
  s.GetInt(u, IPPROTO_TCP, 999, neg);                        // EOPNOTSUPP
  s.GetInt(t, IPPROTO_TCP, 999, neg);                        // EINVAL
  s.GetInt(t, IPPROTO_TCP, TCP_NODELAY, neg);                // EINVAL
  s.GetInt(t, IPPROTO_UDP, 999, neg);                        // EOPNOTSUPP
  s.SetInt(Script::kHugeFd, 999, 1, 1);                      // EBADF
  s.SetInt(ep, 999, 1, 1);                                   // ENOTSOCK
  s.SetInt(u, 999, 1, 1, neg);                    // EINVAL before the level
  s.SetInt(u, SOL_SOCKET, SO_KEEPALIVE, 1, neg);  // EINVAL
  s.SetInt(t, 999, 1, 1, 2);                      // ENOPROTOOPT
  s.SetInt(t, IPPROTO_UDP, 999, 1, 2);            // ENOPROTOOPT
  s.SetIntNull(t, IPPROTO_IP, 999);               // ENOPROTOOPT before EFAULT
  s.SetIntNull(t, IPPROTO_IP, IP_TOS);            // EFAULT
  s.SetIntNull(t, SOL_SOCKET, 999);               // EFAULT before ENOPROTOOPT
  s.SetInt(t, SOL_SOCKET, 999, 1, 2);             // EINVAL
  s.SetIntNull(t, IPPROTO_TCP, 999);              // EFAULT
  s.SetInt(t, IPPROTO_TCP, 999, 1, 2);            // EINVAL
  s.SetInt(u, IPPROTO_UDP, 999, 1, 2);            // EINVAL
  s.SetInt(u, 136, 999, 1, 2);                    // EINVAL (SOL_UDPLITE)
  s.SetIntNull(u, IPPROTO_UDP, 999);              // EFAULT
  s.SetInt(u, IPPROTO_UDP, 999, 1);               // ENOPROTOOPT
  s.SetInt(u, IPPROTO_TCP, 999, 1, 2);            // ENOPROTOOPT
}

// __sys_connect: the fd (EBADF), the address copy (move_addr_to_kernel:
// EINVAL for a bad length, EFAULT), and only then ENOTSOCK. __sys_bind
// looks the socket up first.
DIFF_SCENARIO(Precedence_ConnectCopiesTheAddressBeforeTheSocketCheck) {
  int ep = s.EpollCreate();
  int u = s.Udp();
  s.Raw("connect(" + s.Fd(ep) + ", NULL, 16)",
        s.sys().connect(ep, nullptr, 16));           // EFAULT
  s.Connect(ep, Lo(9), static_cast<socklen_t>(-1));  // EINVAL
  s.Connect(ep, Lo(9), 200);                         // EINVAL
  s.Connect(ep, Lo(9));                              // ENOTSOCK
  s.Raw("connect(" + s.Fd(ep) + ", NULL, 0)",
        s.sys().connect(ep, nullptr, 0));  // ENOTSOCK
  s.Raw("connect(fd<huge>, NULL, 16)",
        s.sys().connect(Script::kHugeFd, nullptr, 16));  // EBADF
  s.Connect(Script::kHugeFd, Lo(9), 200);                // EBADF
  s.Raw("connect(" + s.Fd(u) + ", NULL, 16)",
        s.sys().connect(u, nullptr, 16));  // EFAULT
  s.Raw("connect(" + s.Fd(u) + ", NULL, 0)",
        s.sys().connect(u, nullptr, 0));  // EINVAL (inet_dgram_connect)
  s.Raw("bind(" + s.Fd(ep) + ", NULL, 16)",
        s.sys().bind(ep, nullptr, 16));  // ENOTSOCK
  s.Bind(ep, Lo(9), 200);                // ENOTSOCK
  s.Bind(u, Lo(9), 200);                 // EINVAL
  s.Raw("bind(fd<huge>, NULL, 16)", s.sys().bind(Script::kHugeFd, nullptr, 16));
}

// inet_dgram_connect: a length below sizeof(sa_family) is EINVAL and
// AF_UNSPEC disconnects; otherwise an unbound socket is autobound before
// __ip4_datagram_connect checks the length (EINVAL), the family
// (EAFNOSUPPORT) and the route (EACCES for a broadcast without
// SO_BROADCAST), so each of those failures leaves it bound.
DIFF_SCENARIO(Precedence_UdpConnectAutobindsBeforeCheckingTheAddress) {
  int a = s.Udp();
  s.Connect(a, Ep{"127.0.0.1", 9, AF_INET6});  // EAFNOSUPPORT
  s.NameLocalPort(a, "a");                     // bound anyway
  s.GetPeerName(a);                            // ENOTCONN
  int b = s.Udp();
  s.Connect(b, Lo(9), 8);  // EINVAL, bound
  s.NameLocalPort(b, "b");
  int c = s.Udp();
  s.Connect(c, Ep{"127.0.0.1", 9, 1234}, 8);  // EINVAL, bound
  s.NameLocalPort(c, "c");
  s.Connect(c, Ep{"127.0.0.1", 9, AF_UNSPEC}, 2);  // disconnect: unbound
  s.GetSockName(c);
  s.Connect(c, Ep{"127.0.0.1", 9, 1234}, 16);  // EAFNOSUPPORT, bound again
  s.NameLocalPort(c, "c2");
  int d = s.Udp();
  s.Connect(d, Lo(9), 1);  // EINVAL before the autobind
  s.GetSockName(d);        // still port 0
  s.Raw("connect(" + s.Fd(d) + ", NULL, 0)", s.sys().connect(d, nullptr, 0));
  s.GetSockName(d);
  int e = s.Udp();
  s.Connect(e, Ep{"255.255.255.255", 9, AF_INET});  // EACCES
  s.NameLocalPort(e, "e");
  s.GetPeerName(e);  // ENOTCONN
  int f = s.Udp();
  s.Connect(f, Ep{"127.255.255.255", 9, AF_INET});  // EACCES: lo's broadcast
  s.NameLocalPort(f, "f");
  int g = s.Udp();
  s.Connect(g, Ep{"127.0.0.255", 9, AF_INET});  // an ordinary address
  s.NameLocalPort(g, "g");
  s.GetPeerName(g);
  int t = s.Tcp();
  s.Connect(t, Ep{"127.0.0.1", 9, AF_INET6});  // TCP: no autobind
  s.Connect(t, Lo(9), 8);
  s.GetSockName(t);
}

// __sys_recvfrom reads the address length only when it copies the address
// out, after the data was taken (move_addr_to_user): on an empty queue a
// NULL or negative length is never looked at (EAGAIN); with data the call
// fails (EFAULT / EINVAL) and the data is gone: the datagram, or the
// stream bytes it read. A stream has no address: its length becomes 0.
DIFF_SCENARIO(Precedence_RecvfromAddressLengthIsReadAfterTheData) {
  auto [port, dst, srv] = BindUdp(s, "udp");
  int u = s.Udp();
  char buf[8];
  sockaddr_in from{};
  socklen_t neg = static_cast<socklen_t>(-1);
  auto recv_bad_len = [&](int fd, size_t n, socklen_t* len, const char* what) {
    long r = s.sys().recvfrom(fd, buf, n, MSG_DONTWAIT,
                              reinterpret_cast<sockaddr*>(&from), len);
    s.Line("recvfrom(" + s.Fd(fd) + ", " + std::to_string(n) + ", addr, " +
           what + ") = " + s.Result(r));
  };
  recv_bad_len(srv, 8, nullptr, "len NULL");  // EAGAIN
  neg = static_cast<socklen_t>(-1);
  recv_bad_len(srv, 8, &neg, "len -1");  // EAGAIN
  s.SendTo(u, "one", 0, &dst);
  s.SendTo(u, "two", 0, &dst);
  s.SendTo(u, "three", 0, &dst);
  s.Settle();
  recv_bad_len(srv, 8, nullptr, "len NULL");  // EFAULT, "one" gone
  neg = static_cast<socklen_t>(-1);
  recv_bad_len(srv, 8, &neg, "len -1");  // EINVAL, "two" gone
  s.Recv(srv, 8, 0);                     // "three"
  Conn c = Establish(s);
  recv_bad_len(c.server, 8, nullptr, "len NULL");  // EAGAIN
  s.Write(c.client, "abcdef");
  s.Settle();
  recv_bad_len(c.server, 3, nullptr, "len NULL");  // EFAULT, "abc" gone
  neg = static_cast<socklen_t>(-1);
  recv_bad_len(c.server, 2, &neg, "len -1");  // EINVAL, "de" gone
  s.Recv(c.server, 8, 0);                     // "f", address length 0
  s.Raw("recvfrom(" + s.Fd(c.server) + ", 8, NULL addr, len NULL)",
        s.sys().recvfrom(c.server, buf, 8, MSG_DONTWAIT, nullptr, nullptr));
}

// __inet_stream_connect: addrlen < 2 is EINVAL and AF_UNSPEC disconnects;
// then the socket's state decides (connected: EISCONN; connecting:
// EALREADY, or 0 once the handshake completed; a listener: EISCONN) before
// tcp_v4_connect looks at the length (EINVAL) and the family
// (EAFNOSUPPORT). inet_bind checks the address (length, family, locality)
// before "already bound" (EINVAL).
DIFF_SCENARIO(Precedence_TcpConnectStateBeforeAddress) {
  const Ep v6{"127.0.0.1", 9, AF_INET6};
  Conn c = Establish(s);
  s.Connect(c.listener, v6);        // EISCONN
  s.Connect(c.listener, Lo(9), 8);  // EISCONN
  s.Connect(c.listener, Lo(9), 1);  // EINVAL
  s.Connect(c.server, v6);          // EISCONN
  int d = s.Tcp();
  s.Connect(d, Lo(c.port));  // EINPROGRESS
  s.Settle();
  s.Connect(d, v6);        // 0: the first call after it
  s.Connect(d, v6);        // EISCONN
  s.Connect(d, Lo(9), 8);  // EISCONN
  Stuck st = StuckInSynSent(s);
  s.Connect(st.client, v6);        // EALREADY
  s.Connect(st.client, Lo(9), 8);  // EALREADY
  int f = s.Tcp();
  s.Connect(f, v6, 8);                              // EINVAL: length first
  s.Connect(f, v6);                                 // EAFNOSUPPORT
  s.Connect(f, Ep{"224.0.0.1", 9, AF_INET});        // ENETUNREACH
  s.Bind(c.listener, v6);                           // EAFNOSUPPORT
  s.Bind(c.listener, Lo(9), 8);                     // EINVAL
  s.Bind(c.listener, Ep{"192.0.2.1", 9, AF_INET});  // EADDRNOTAVAIL
  s.Bind(c.listener, Lo(0));                        // EINVAL: already bound
  s.Bind(c.server, Lo(0));                          // EINVAL
}

// With the fd table full: the argument checks come before the free fd
// (accept4's flags, socket's family, type and protocol, epoll_create1's
// flags), and accept4 looks for a free fd before it looks at the file
// (EMFILE before ENOTSOCK / EOPNOTSUPP); an fd that does not exist is still
// EBADF first.
DIFF_SCENARIO(Precedence_FullTableEmfileAfterArgumentsBeforeTheFile) {
  rlimit old{};
  bool lowered = false;
  if (!s.is_sim()) {
    ::getrlimit(RLIMIT_NOFILE, &old);
    rlimit lim = old;
    lim.rlim_cur = 1024;
    lowered = ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
  }
  int ep = s.EpollCreate();
  int u = s.Udp();
  std::vector<int> filler;
  int last = 0;
  for (int i = 0; i < 1100; ++i) {
    last = s.sys().socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (last < 0) break;
    filler.push_back(last);
  }
  s.Line("fill with UDP sockets ends " + s.Result(last));
  s.Check("highest fd is 1023", !filler.empty() && filler.back() == 1023);
  s.Accept(ep, 0);                                 // EMFILE before ENOTSOCK
  s.Accept(u, 0);                                  // EMFILE before EOPNOTSUPP
  s.Accept(ep, 0x1234);                            // EINVAL
  s.Accept(Script::kHugeFd, 0);                    // EBADF
  s.Socket(999, SOCK_STREAM);                      // EAFNOSUPPORT
  s.Socket(AF_INET, 15);                           // EINVAL
  s.Socket(AF_INET, SOCK_STREAM, 999);             // EINVAL
  s.Socket(AF_INET, SOCK_SEQPACKET);               // ESOCKTNOSUPPORT
  s.Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);  // EMFILE
  s.EpollCreate(1);                                // EINVAL
  s.EpollCreate(0);                                // EMFILE
  s.Fcntl(u, F_DUPFD, 0);                          // EMFILE
  s.Fcntl(Script::kHugeFd, F_DUPFD, 0);            // EBADF
  for (int fd : filler) s.sys().close(fd);
  if (lowered) ::setrlimit(RLIMIT_NOFILE, &old);
}

// A NULL buffer is accepted by import_ubuf; it faults only when the call
// has bytes to copy, after every other check: an empty queue is EAGAIN, the
// end of a stream 0, an unconnected socket ENOTCONN / EDESTADDRREQ / EPIPE.
// A datagram that faults is consumed (unless MSG_PEEK); stream data stays.
DIFF_SCENARIO(Precedence_NullBufferFaultsOnlyWhenBytesMove) {
  auto [port, dst, srv] = BindUdp(s, "udp");
  int u = s.Udp();
  s.RecvNull(srv, 5, 0);          // EAGAIN
  s.RecvNull(srv, 5, MSG_TRUNC);  // EAGAIN
  s.SendTo(u, "one", 0, &dst);
  s.SendTo(u, "two", 0, &dst);
  s.SendTo(u, "three", 0, &dst);
  s.Settle();
  s.RecvNull(srv, 5, MSG_PEEK);   // EFAULT, kept
  s.RecvNull(srv, 5, 0);          // EFAULT, "one" is gone
  s.Recv(srv, 8, 0);              // "two"
  s.RecvNull(srv, 5, MSG_TRUNC);  // EFAULT, "three" is gone
  s.Recv(srv, 8, 0);              // EAGAIN
  s.RecvNull(srv, 0, 0);          // EAGAIN: nothing to copy
  int v = s.Udp();
  s.SendToNull(v, 5, nullptr);      // EDESTADDRREQ
  s.SendToNull(v, 70000, nullptr);  // EMSGSIZE
  Ep bcast{"255.255.255.255", 9, AF_INET};
  s.SendToNull(v, 5, &bcast);  // EACCES
  Ep zero = Lo(0);
  s.SendToNull(v, 5, &zero);  // EINVAL
  s.SendToNull(v, 5, &dst);   // EFAULT, nothing sent
  s.Settle();
  s.Recv(srv, 8, 0);  // EAGAIN
  int t = s.Tcp();
  s.SendToNull(t, 5, nullptr);  // EPIPE: not connected
  s.RecvNull(t, 5, 0);          // ENOTCONN
  Conn c = Establish(s);
  s.RecvNull(c.server, 5, 0);        // EAGAIN
  s.RecvNull(c.server, 5, MSG_OOB);  // EINVAL
  s.WriteNull(c.client, 5);          // EFAULT
  s.Write(c.client, "abc");
  s.Settle();
  s.RecvNull(c.server, 5, MSG_PEEK);  // EFAULT
  s.RecvNull(c.server, 5, 0);         // EFAULT, kept
  s.Read(c.server, 8);                // "abc"
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  s.RecvNull(c.server, 5, 0);          // 0: end of stream
  s.ReadNull(c.server, 5);             // 0
  s.SendToNull(c.client, 5, nullptr);  // EPIPE
  s.RecvNull(c.listener, 5, 0);        // ENOTCONN
}

}  // namespace
}  // namespace simsock::diff
