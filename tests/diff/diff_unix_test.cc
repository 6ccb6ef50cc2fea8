// Differential scenarios: AF_UNIX stream sockets made by socketpair(2) —
// unix_socketpair, unix_stream_sendmsg, unix_stream_read_generic,
// unix_poll, unix_shutdown and unix_release_sock (sim/vfs/unix_socket.h;
// docs/semantics.md §10). The sockets are nonblocking or have data: nothing
// here waits.
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <string>

#include "simsock/testing/diff/harness.h"

namespace simsock::diff {
namespace {

constexpr uint32_t kAll = EPOLLIN | EPOLLOUT | EPOLLRDHUP;

// An epoll instance watching both ends (IN|OUT|RDHUP), so each wait shows
// the readiness of both.
int WatchBoth(Script& s, const int sv[2]) {
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, sv[0], kAll);
  s.EpollCtl(ep, EPOLL_CTL_ADD, sv[1], kAll);
  return ep;
}

DIFF_SCENARIO(Unix_SocketpairBasics) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM, sv);
  s.Fcntl(sv[0], F_GETFL);
  s.Fcntl(sv[0], F_GETFD);
  s.GetInt(sv[0], SOL_SOCKET, SO_TYPE);
  s.GetInt(sv[0], SOL_SOCKET, SO_DOMAIN);
  s.GetInt(sv[0], SOL_SOCKET, SO_PROTOCOL);
  s.GetInt(sv[0], SOL_SOCKET, SO_ERROR);
  s.GetInt(sv[0], SOL_SOCKET, SO_ACCEPTCONN);
  s.Write(sv[0], "hello");
  s.Write(sv[0], " world");
  s.Write(sv[1], "back");
  s.Read(sv[1], 3);
  s.Read(sv[1], 100);  // across writes of one writer
  s.Read(sv[0], 100);
  s.Write(sv[0], "");  // a null write
  s.Read(sv[1], 0);    // a null read
  s.Send(sv[0], "peek", 0);
  s.Recv(sv[1], 2, MSG_PEEK, false);
  s.Recv(sv[1], 100, MSG_PEEK, false);
  s.Recv(sv[1], 100, 0, false);
  s.Recv(sv[1], 100, MSG_DONTWAIT, false);  // EAGAIN
  s.UnixName(sv[0], false);
  s.UnixName(sv[0], true);
}

DIFF_SCENARIO(Unix_SocketpairFlagsAndErrors) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, sv);
  s.Fcntl(sv[0], F_GETFL);
  s.Fcntl(sv[1], F_GETFL);
  s.Fcntl(sv[0], F_GETFD);
  s.Fcntl(sv[1], F_GETFD);
  s.Fcntl(sv[0], F_SETFL, 0);  // the flag is per open file
  s.Fcntl(sv[1], F_GETFL);
  s.Read(sv[1], 10);  // EAGAIN
  int bad[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | 0x100000, bad);  // an unknown flag
  s.Socketpair(AF_UNIX, SOCK_STREAM, bad, 1);          // PF_UNIX is fine
  s.Socketpair(AF_UNIX, SOCK_STREAM, bad, 6);          // a protocol
  s.Socketpair(AF_UNIX, 9, bad);                       // no such type
  s.Socketpair(AF_INET, SOCK_STREAM, bad);             // no pairs
  s.Socketpair(4242, SOCK_STREAM, bad);                // no family
  s.GetInt(sv[0], IPPROTO_TCP, 1);                     // not TCP
  s.SetInt(sv[0], IPPROTO_IP, 1, 1);
  s.Recv(sv[0], 4, MSG_OOB, false);  // no urgent byte: EINVAL
  // Out-of-band data (CONFIG_AF_UNIX_OOB) is not modelled: refused (D34).
  s.Diverge(R"(sendto\(fd0, "x", MSG_OOB, NULL\) = 1)",
            "MSG_OOB on AF_UNIX is not modelled: EOPNOTSUPP (D34)");
  s.Send(sv[0], "x", MSG_OOB);
}

DIFF_SCENARIO(Unix_CloseGivesEof) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  const int ep = WatchBoth(s, sv);
  s.EpollWait(ep);
  s.Write(sv[0], "last words");
  s.EpollWait(ep);
  s.Close(sv[0]);  // nothing unread in sv[0]: a plain end
  s.EpollWait(ep);
  s.Read(sv[1], 4);
  s.Read(sv[1], 100);
  s.Read(sv[1], 100);   // the end
  s.Write(sv[1], "x");  // EPIPE
  s.GetInt(sv[1], SOL_SOCKET, SO_ERROR);
  s.UnixName(sv[1], true);
}

DIFF_SCENARIO(Unix_CloseWithUnreadDataResets) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  s.Write(sv[1], "never read");
  s.Write(sv[0], "pending");
  s.Close(sv[0]);  // with unread bytes: the peer sees ECONNRESET
  const int ep = s.EpollCreate();
  s.EpollCtl(ep, EPOLL_CTL_ADD, sv[1], kAll);
  s.EpollWait(ep);     // IN|OUT|ERR|HUP|RDHUP
  s.Read(sv[1], 100);  // what was queued first
  s.Read(sv[1], 100);  // then the reset, once
  s.Read(sv[1], 100);  // then the end
  s.EpollWait(ep);
  int sv2[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv2);
  s.Write(sv2[1], "unread");
  s.Close(sv2[0]);
  s.GetInt(sv2[1], SOL_SOCKET, SO_ERROR);  // taken by getsockopt
  s.Read(sv2[1], 100);
}

DIFF_SCENARIO(Unix_ShutdownBothWays) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  const int ep = WatchBoth(s, sv);
  s.Write(sv[0], "before");
  s.Shutdown(sv[0], SHUT_WR);
  s.EpollWait(ep);
  s.Write(sv[0], "after");  // EPIPE
  s.Read(sv[1], 100);
  s.Read(sv[1], 100);       // the end
  s.Write(sv[1], "reply");  // the other way still works
  s.Read(sv[0], 100);
  s.Shutdown(sv[0], SHUT_RD);
  s.EpollWait(ep);
  s.Write(sv[1], "more");  // EPIPE: sv[0] reads no more
  s.Read(sv[0], 100);      // 0
  s.Shutdown(sv[1], 7);    // EINVAL
  int t[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, t);
  s.Shutdown(t[1], SHUT_RDWR);
  const int ep2 = WatchBoth(s, t);
  s.EpollWait(ep2);
  s.Read(t[0], 10);
  s.Write(t[0], "x");
  const int u = s.UnixSocket(SOCK_NONBLOCK);
  s.Shutdown(u, SHUT_RDWR);  // no ENOTCONN on AF_UNIX
}

DIFF_SCENARIO(Unix_SendBufferFills) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  s.GetInt(sv[0], SOL_SOCKET, SO_SNDBUF);
  s.GetInt(sv[0], SOL_SOCKET, SO_RCVBUF);
  const auto filled = s.WriteUntilEagain(sv[0], 1000);
  s.Line("filled " + std::to_string(filled.total) + " bytes in " +
         std::to_string(filled.total / 1000) + " writes");
  s.Ioctl(sv[0], SIOCOUTQ);
  s.Ioctl(sv[1], FIONREAD);
  const int ep = WatchBoth(s, sv);
  s.EpollWait(ep);  // sv[0] not writable
  s.Read(sv[1], 50000);
  s.EpollWait(ep);  // still above a quarter
  const auto drained = s.ReadAll(sv[1], 65536);
  s.Line("drained " + std::to_string(drained.total));
  s.EpollWait(ep);
  s.Ioctl(sv[0], SIOCOUTQ);
  // Large writes: chunks of at most 36544 bytes.
  const auto big = s.WriteUntilEagain(sv[0], 65536);
  s.Line("filled " + std::to_string(big.total) + " bytes, partial " +
         std::to_string(big.partial_writes));
  s.Ioctl(sv[0], SIOCOUTQ);
  s.ReadAll(sv[1], 65536);
  // Single bytes: one chunk each.
  const auto small = s.WriteUntilEagain(sv[0], 1);
  s.Line("filled " + std::to_string(small.total) + " one-byte writes");
  s.Ioctl(sv[0], SIOCOUTQ);
  s.ReadAll(sv[1], 65536);
  // A smaller buffer.
  s.SetInt(sv[0], SOL_SOCKET, SO_SNDBUF, 10000);
  s.GetInt(sv[0], SOL_SOCKET, SO_SNDBUF);
  const auto lim = s.WriteUntilEagain(sv[0], 4000);
  s.Line("filled " + std::to_string(lim.total));
  s.Ioctl(sv[0], SIOCOUTQ);
  s.SetInt(sv[0], SOL_SOCKET, SO_SNDBUF, 1);
  s.GetInt(sv[0], SOL_SOCKET, SO_SNDBUF);
}

DIFF_SCENARIO(Unix_ChunkSizes) {
  // Each write size in turn, until EAGAIN: what the accounting of chunk
  // truesizes lets through.
  for (size_t size :
       {1, 200, 1000, 3700, 3800, 5000, 8000, 16000, 32768, 106000, 1 << 20}) {
    int sv[2];
    s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
    const auto f = s.WriteUntilEagain(sv[0], size);
    s.Line("size " + std::to_string(size) + ": " + std::to_string(f.total) +
           " bytes, partial " + std::to_string(f.partial_writes));
    s.Ioctl(sv[0], SIOCOUTQ);
    s.Ioctl(sv[1], FIONREAD);
    s.Close(sv[0]);
    s.Close(sv[1]);
  }
}

DIFF_SCENARIO(Unix_VectoredAndMsg) {
  int sv[2];
  s.Socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, sv);
  char a[] = "abc", b[] = "defgh";
  iovec out[2] = {{a, 3}, {b, 5}};
  s.Raw("writev(fd0, 2 iovecs, 8 bytes)", s.sys().writev(sv[0], out, 2));
  char x[4] = {}, y[8] = {};
  iovec in[2] = {{x, 2}, {y, 8}};
  const ssize_t n = s.sys().readv(sv[1], in, 2);
  s.Raw("readv(fd1, 2/10)", n);
  s.Line("read \"" + std::string(x, 2) + "|" +
         std::string(y, n > 2 ? static_cast<size_t>(n - 2) : 0) + "\"");
  s.SendCmsg(sv[0], "bad", SOL_SOCKET, 77, 0);  // no such type: EINVAL
  s.SendCmsg(sv[0], "ip", IPPROTO_IP, 1, 0);    // other levels: skipped
  s.Read(sv[1], 100);
  msghdr m{};
  char r[16] = {};
  iovec ri{r, sizeof r};
  sockaddr_storage name{};
  m.msg_name = &name;
  m.msg_namelen = sizeof name;
  m.msg_iov = &ri;
  m.msg_iovlen = 1;
  s.Write(sv[0], "msg");
  const ssize_t got = s.sys().recvmsg(sv[1], &m, 0);
  s.Raw("recvmsg(fd1, 16)", got);
  s.Line("namelen " + std::to_string(m.msg_namelen) + " controllen " +
         std::to_string(m.msg_controllen) + " flags " +
         std::to_string(m.msg_flags));
  s.Write(sv[0], "from");
  s.RecvFromUnix(sv[1], 10, 0);
  s.Send(sv[0], "nosig", MSG_NOSIGNAL);
  s.Read(sv[1], 10);
  // Passing an fd is not modelled: the simulator refuses it (D34), Linux
  // queues the byte with the fd. Last, so that nothing reads it.
  s.Diverge(R"(sendmsg\(fd0, 2, cmsg SOL_SOCKET/1\) = 2)",
            "SCM_RIGHTS is not modelled: EOPNOTSUPP in the simulator (D34)");
  s.SendCmsg(sv[0], "fd", SOL_SOCKET, SCM_RIGHTS, sv[0]);
}

}  // namespace
}  // namespace simsock::diff
