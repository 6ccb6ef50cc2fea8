// TCP on the net layer: accept/dial, read/write, partial reads, EOF,
// half-close, refused and timed-out dials, deadlines, Close unblocking
// waiters, socket options, and Go's error texts. Backend-parameterized.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <vector>

#include "tests/net/net_test_util.h"

namespace simsock::net::testing {
namespace {

using TcpTest = NetTest;

std::string Str(const Error& e) { return e.ToString(); }

TEST_P(TcpTest, AcceptAndDialAgreeOnAddresses) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_FALSE(p.client.IsNil());
    ASSERT_FALSE(p.server.IsNil());
    EXPECT_EQ(p.client.RemoteAddr(), p.listener.Addr());
    EXPECT_EQ(p.client.LocalAddr(), p.server.RemoteAddr());
    EXPECT_EQ(p.server.LocalAddr(), p.listener.Addr());
    EXPECT_EQ(p.client.LocalAddr().Network(), "tcp");
    EXPECT_EQ(p.listener.Addr().AsTCPAddr().ip.String(), Loopback());
    EXPECT_NE(p.listener.Addr().port(), 0);
    EXPECT_EQ(p.client.Network(), "tcp4");
  }));
}

TEST_P(TcpTest, DialByNameAndListenConfig) {
  EXPECT_TRUE(RunBody([&] {
    ListenConfig lc;
    std::string seen_network;
    std::string seen_address;
    int seen_fd = -1;
    lc.control = [&](const std::string& n, const std::string& a, int fd) {
      seen_network = n;
      seen_address = a;
      seen_fd = fd;
      return Result<void>();
    };
    lc.backlog = 16;
    auto l = lc.Listen(rt(), "tcp4", LoopbackAddr());
    ASSERT_TRUE(l.ok()) << Str(l.error());
    EXPECT_EQ(seen_network, "tcp4");
    EXPECT_EQ(seen_address, LoopbackAddr(0));
    EXPECT_EQ(seen_fd, l->Fd());
    auto c = Dial(rt(), "tcp", "localhost:" + std::to_string(l->Addr().port()));
    ASSERT_TRUE(c.ok()) << Str(c.error());
    EXPECT_EQ(c->RemoteAddr(), l->Addr());
    auto s = l->Accept();
    ASSERT_TRUE(s.ok()) << Str(s.error());
  }));
}

TEST_P(TcpTest, DialerLocalAddrAndControl) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    Dialer d;
    d.local_addr = Addr(TCPAddr{ParseIP(Loopback()), 0, ""});
    int calls = 0;
    d.control = [&](const std::string& n, const std::string& a, int fd) {
      ++calls;
      EXPECT_EQ(n, "tcp4");
      EXPECT_EQ(a, l.Addr().String());
      EXPECT_GE(fd, 0);
      return Result<void>();
    };
    auto c = d.Dial(rt(), "tcp4", l.Addr().String());
    ASSERT_TRUE(c.ok()) << Str(c.error());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(c->LocalAddr().ip(), ParseIP(Loopback()));

    d.control = [](const std::string&, const std::string&, int) {
      return Result<void>(Error::New("control says no"));
    };
    auto bad = d.Dial(rt(), "tcp4", l.Addr().String());
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(Str(bad.error()), "dial tcp4 " + Loopback() + ":0->" +
                                    l.Addr().String() + ": control says no");
  }));
}

TEST_P(TcpTest, ReadWriteBothWays) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    auto w = p.client.Write("hello, server");
    ASSERT_TRUE(w.ok()) << Str(w.error());
    EXPECT_EQ(*w, 13u);
    char buf[256];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok()) << Str(n.error());
    EXPECT_EQ(std::string(buf, *n), "hello, server");
    ASSERT_TRUE(p.server.Write("hello, client").ok());
    n = p.client.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string(buf, *n), "hello, client");
    // A zero-byte read returns at once.
    n = p.client.Read(buf, 0);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 0u);
  }));
}

// The runtime finds a socket's PollDesc from the slot and generation in the
// epoll event: after closed sockets free their slots and new ones take them
// over, a reader parked on each conn is woken by its own conn's data only.
TEST_P(TcpTest, ReusedPollSlotsWakeTheRightConn) {
  EXPECT_TRUE(RunBody([&] {
    std::vector<Pair> pairs;
    for (int i = 0; i < 3; ++i) pairs.push_back(MustPair());
    for (Pair* p : {&pairs[0], &pairs[1]}) {
      ASSERT_TRUE(p->client.Close().ok());
      ASSERT_TRUE(p->server.Close().ok());
      ASSERT_TRUE(p->listener.Close().ok());
    }
    pairs.erase(pairs.begin(), pairs.begin() + 2);
    for (int i = 0; i < 3; ++i) pairs.push_back(MustPair());
    WaitGroup wg(rt());
    std::vector<std::string> got(pairs.size());
    for (size_t i = 0; i < pairs.size(); ++i) {
      wg.Add(1);
      rt().Go([&, i] {
        char buf[64];
        auto n = pairs[i].server.Read(buf, sizeof(buf));  // parks: no data
        if (n.ok()) got[i] = std::string(buf, *n);
        wg.Done();
      });
    }
    rt().Yield();  // every reader runs and parks
    for (size_t i = pairs.size(); i-- > 0;) {
      ASSERT_TRUE(pairs[i].client.Write("conn " + std::to_string(i)).ok());
    }
    wg.Wait();
    for (size_t i = 0; i < pairs.size(); ++i) {
      EXPECT_EQ(got[i], "conn " + std::to_string(i));
    }
  }));
}

TEST_P(TcpTest, PartialReadsReturnWhatIsAvailable) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.client.Write("0123456789").ok());
    rt().Sleep(20 * kMillisecond);  // let all ten bytes arrive
    std::string got;
    std::vector<size_t> sizes;
    char buf[4];
    while (got.size() < 10) {
      auto n = p.server.Read(buf, sizeof(buf));
      ASSERT_TRUE(n.ok());
      sizes.push_back(*n);
      got.append(buf, *n);
    }
    EXPECT_EQ(got, "0123456789");
    EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 2}));
  }));
}

TEST_P(TcpTest, LargeWriteBlocksUntilTheReaderDrains) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    const size_t kTotal = 8 << 20;  // more than the socket buffers hold
    std::string data(kTotal, 'x');
    for (size_t i = 0; i < kTotal; ++i)
      data[i] = static_cast<char>('a' + i % 26);
    WaitGroup wg(rt());
    wg.Add(1);
    std::string received;
    rt().Go([&, server = p.server, wg]() mutable {
      std::vector<char> buf(64 << 10);
      while (true) {
        auto n = server.Read(buf);
        if (!n.ok()) {
          EXPECT_TRUE(n.IsEOF()) << Str(n.error());
          break;
        }
        received.append(buf.data(), *n);
      }
      wg.Done();
    });
    auto w = p.client.Write(data);
    ASSERT_TRUE(w.ok()) << Str(w.error());
    EXPECT_EQ(*w, kTotal);
    ASSERT_TRUE(p.client.Close().ok());
    wg.Wait();
    EXPECT_EQ(received.size(), kTotal);
    EXPECT_TRUE(received == data);
  }));
}

TEST_P(TcpTest, ReadAfterPeerCloseIsEOF) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.client.Write("last words").ok());
    ASSERT_TRUE(p.client.Close().ok());
    char buf[64];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(std::string(buf, *n), "last words");
    n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.IsEOF());
    EXPECT_EQ(Str(n.error()), "EOF");
    EXPECT_FALSE(n.error().IsOpError());
    EXPECT_EQ(n.error(), kEOF);
  }));
}

TEST_P(TcpTest, HalfClose) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.client.Write("request").ok());
    ASSERT_TRUE(p.client.CloseWrite().ok());
    std::string req;
    char buf[64];
    while (true) {
      auto n = p.server.Read(buf, sizeof(buf));
      if (!n.ok()) {
        EXPECT_TRUE(n.IsEOF());
        break;
      }
      req.append(buf, *n);
    }
    EXPECT_EQ(req, "request");
    // The other direction still works after the client's FIN.
    ASSERT_TRUE(p.server.Write("response").ok());
    ASSERT_TRUE(p.server.CloseWrite().ok());
    std::string resp;
    while (true) {
      auto n = p.client.Read(buf, sizeof(buf));
      if (!n.ok()) {
        EXPECT_TRUE(n.IsEOF());
        break;
      }
      resp.append(buf, *n);
    }
    EXPECT_EQ(resp, "response");
    // Writing after CloseWrite fails with EPIPE.
    auto w = p.client.Write("more");
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.error().Errno(), EPIPE);
    EXPECT_EQ(Str(w.error()), "write tcp4 " + p.client.LocalAddr().String() +
                                  "->" + p.client.RemoteAddr().String() +
                                  ": write: broken pipe");
  }));
}

TEST_P(TcpTest, CloseReadMakesReadsReturnEOF) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.server.CloseRead().ok());
    char buf[8];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.IsEOF());
    ASSERT_TRUE(p.server.Write("still writes").ok());
    n = p.client.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
  }));
}

TEST_P(TcpTest, ResetGivesConnectionResetByPeer) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.server.SetLinger(0).ok());
    ASSERT_TRUE(p.server.Close().ok());  // abortive: RST
    char buf[16];
    auto n = p.client.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().Errno(), ECONNRESET);
    EXPECT_EQ(Str(n.error()), "read tcp4 " + p.client.LocalAddr().String() +
                                  "->" + p.client.RemoteAddr().String() +
                                  ": read: connection reset by peer");
  }));
}

// A port nothing listens on: listen, note the port, close.
int FreePort(Runtime& rt, const std::string& addr) {
  auto l = Listen(rt, "tcp4", addr);
  if (!l.ok()) return 0;
  int port = l->Addr().port();
  (void)l->Close();
  return port;
}

TEST_P(TcpTest, RefusedDial) {
  EXPECT_TRUE(RunBody([&] {
    const int port = FreePort(rt(), LoopbackAddr());
    ASSERT_NE(port, 0);
    auto raddr = ResolveTCPAddr(rt(), "tcp4", LoopbackAddr(port));
    ASSERT_TRUE(raddr.ok());
    auto c = DialTCP(rt(), "tcp4", nullptr, *raddr);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().Errno(), ECONNREFUSED);
    EXPECT_EQ(c.error().Op(), "dial");
    EXPECT_EQ(c.error().Syscall(), "connect");
    EXPECT_FALSE(c.error().Timeout());
    EXPECT_EQ(Str(c.error()), "dial tcp4 " + LoopbackAddr(port) +
                                  ": connect: connection refused");
  }));
}

TEST_P(TcpTest, DialTimeoutOnAFullBacklog) {
  EXPECT_TRUE(RunBody(
      [&] {
        // A raw listener with backlog 0: its accept queue fills with one
        // connection, and further SYNs are dropped.
        int lfd = sys().socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(lfd, 0);
        sockaddr_in la = ToSockaddr(ParseIP(Loopback()), 0);
        ASSERT_EQ(sys().bind(lfd, reinterpret_cast<sockaddr*>(&la), sizeof(la)),
                  0);
        ASSERT_EQ(sys().listen(lfd, 0), 0);
        socklen_t len = sizeof(la);
        ASSERT_EQ(
            sys().getsockname(lfd, reinterpret_cast<sockaddr*>(&la), &len), 0);
        const std::string addr = LoopbackAddr(PortFromSockaddr(la));
        Dialer d;
        d.timeout = 200 * kMillisecond;
        std::vector<Conn> filled;
        std::optional<Error> timeout_error;
        int64_t elapsed_ms = 0;
        for (int i = 0; i < 8 && !timeout_error; ++i) {
          Time start = rt().Now();
          auto c = d.Dial(rt(), "tcp4", addr);
          elapsed_ms = MillisSince(rt(), start);
          if (c.ok()) {
            filled.push_back(*c);
          } else {
            timeout_error = c.error();
          }
        }
        ASSERT_TRUE(timeout_error.has_value()) << "the backlog never filled";
        EXPECT_TRUE(timeout_error->Timeout());
        EXPECT_EQ(Str(*timeout_error), "dial tcp4 " + addr + ": i/o timeout");
        EXPECT_GE(elapsed_ms, 190);
        EXPECT_LT(elapsed_ms, 2000);
        sys().close(lfd);
      },
      20 * kSecond));
}

TEST_P(TcpTest, ReadDeadlineInThePastFailsAtOnce) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    ASSERT_TRUE(p.server.SetReadDeadline(rt().Now().Add(-kSecond)).ok());
    char buf[8];
    Time start = rt().Now();
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_LT(MillisSince(rt(), start), 50);
    EXPECT_TRUE(n.error().Timeout());
    EXPECT_TRUE(n.error().Temporary());
    EXPECT_EQ(Str(n.error()), "read tcp4 " + p.server.LocalAddr().String() +
                                  "->" + p.server.RemoteAddr().String() +
                                  ": i/o timeout");
    // Data waiting does not help: the deadline is checked first, as Go.
    ASSERT_TRUE(p.client.Write("x").ok());
    rt().Sleep(10 * kMillisecond);
    n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.error().Timeout());
    // Zero clears it.
    ASSERT_TRUE(p.server.SetReadDeadline(Time()).ok());
    n = p.server.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1u);
  }));
}

TEST_P(TcpTest, ReadDeadlineInTheFutureFiresWhileBlocked) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    Time start = rt().Now();
    ASSERT_TRUE(p.server.SetReadDeadline(start.Add(100 * kMillisecond)).ok());
    char buf[8];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.error().Timeout());
    const int64_t ms = MillisSince(rt(), start);
    EXPECT_GE(ms, 100);
    EXPECT_LT(ms, 2000);
  }));
}

TEST_P(TcpTest, DeadlineExtendedWhileBlockedTakesEffect) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    Time start = rt().Now();
    ASSERT_TRUE(p.server.SetReadDeadline(start.Add(100 * kMillisecond)).ok());
    rt().Go([&, server = p.server]() mutable {
      rt().Sleep(50 * kMillisecond);
      ASSERT_TRUE(server.SetReadDeadline(start.Add(300 * kMillisecond)).ok());
    });
    char buf[8];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.error().Timeout());
    const int64_t ms = MillisSince(rt(), start);
    EXPECT_GE(ms, 300);
    EXPECT_LT(ms, 3000);
  }));
}

TEST_P(TcpTest, DeadlineClearedWhileBlocked) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    Time start = rt().Now();
    ASSERT_TRUE(p.server.SetReadDeadline(start.Add(100 * kMillisecond)).ok());
    rt().Go([&, server = p.server, client = p.client]() mutable {
      rt().Sleep(50 * kMillisecond);
      ASSERT_TRUE(server.SetReadDeadline(Time()).ok());
      rt().Sleep(150 * kMillisecond);
      ASSERT_TRUE(client.Write("late").ok());
    });
    char buf[8];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok()) << Str(n.error());
    EXPECT_EQ(std::string(buf, *n), "late");
    EXPECT_GE(MillisSince(rt(), start), 200);
  }));
}

TEST_P(TcpTest, DeadlineMovedIntoThePastWakesTheReader) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    Time start = rt().Now();
    rt().Go([&, server = p.server]() mutable {
      rt().Sleep(50 * kMillisecond);
      ASSERT_TRUE(server.SetDeadline(rt().Now()).ok());
    });
    char buf[8];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.error().Timeout());
    const int64_t ms = MillisSince(rt(), start);
    EXPECT_GE(ms, 50);
    EXPECT_LT(ms, 2000);
  }));
}

TEST_P(TcpTest, WriteDeadlineWhenThePeerDoesNotRead) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    std::string big(64 << 20, 'z');  // far more than the buffers hold
    ASSERT_TRUE(
        p.client.SetWriteDeadline(rt().Now().Add(200 * kMillisecond)).ok());
    auto w = p.client.Write(big);
    ASSERT_FALSE(w.ok());
    EXPECT_TRUE(w.error().Timeout());
    EXPECT_EQ(Str(w.error()), "write tcp4 " + p.client.LocalAddr().String() +
                                  "->" + p.client.RemoteAddr().String() +
                                  ": i/o timeout");
  }));
}

TEST_P(TcpTest, CloseUnblocksReadersAndWriters) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    WaitGroup wg(rt());
    std::vector<std::string> errors;
    for (int i = 0; i < 2; ++i) {
      wg.Add(1);
      rt().Go([&, server = p.server, wg]() mutable {
        char buf[8];
        auto n = server.Read(buf, sizeof(buf));
        EXPECT_FALSE(n.ok());
        if (!n.ok()) {
          EXPECT_TRUE(n.error().IsClosed());
          errors.push_back(Str(n.error()));
        }
        wg.Done();
      });
    }
    rt().Sleep(20 * kMillisecond);
    const std::string local = p.server.LocalAddr().String();
    const std::string remote = p.server.RemoteAddr().String();
    ASSERT_TRUE(p.server.Close().ok());
    wg.Wait();
    const std::string want = "read tcp4 " + local + "->" + remote +
                             ": use of closed network connection";
    EXPECT_EQ(errors, (std::vector<std::string>{want, want}));
    // Closing again, reading again: the same error.
    auto c = p.server.Close();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(Str(c.error()), "close tcp4 " + local + "->" + remote +
                                  ": use of closed network connection");
    auto d = p.server.SetReadDeadline(Time());
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(Str(d.error()),
              "set tcp4 " + local + ": use of closed network connection");
  }));
}

TEST_P(TcpTest, CloseUnblocksAccept) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    std::optional<Error> err;
    WaitGroup wg(rt());
    wg.Add(1);
    rt().Go([&, l, wg]() mutable {
      auto c = l.Accept();
      if (!c.ok()) err = c.error();
      wg.Done();
    });
    rt().Sleep(20 * kMillisecond);
    ASSERT_TRUE(l.Close().ok());
    wg.Wait();
    ASSERT_TRUE(err.has_value());
    EXPECT_TRUE(err->IsClosed());
    EXPECT_EQ(Str(*err), "accept tcp4 " + l.Addr().String() +
                             ": use of closed network connection");
  }));
}

TEST_P(TcpTest, AcceptDeadline) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    ASSERT_TRUE(l.SetDeadline(rt().Now().Add(50 * kMillisecond)).ok());
    auto c = l.Accept();
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(c.error().Timeout());
    EXPECT_EQ(Str(c.error()),
              "accept tcp4 " + l.Addr().String() + ": i/o timeout");
  }));
}

TEST_P(TcpTest, ListenOnABusyPort) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    auto again = ListenTCP(rt(), "tcp4", l.Addr().AsTCPAddr());
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().Errno(), EADDRINUSE);
    EXPECT_EQ(Str(again.error()), "listen tcp4 " + l.Addr().String() +
                                      ": bind: address already in use");
    auto bad = ListenTCP(rt(), "tcp7", TCPAddr{});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(Str(bad.error()), "listen tcp7 :0: unknown network tcp7");
  }));
}

int GetInt(sys::Syscalls& sys, int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof(v);
  if (sys.getsockopt(fd, level, name, &v, &len) < 0) return -1;
  return v;
}

TEST_P(TcpTest, SocketsAreOpenedAsGoOpensThem) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    EXPECT_EQ(GetInt(sys(), p.listener.Fd(), SOL_SOCKET, SO_REUSEADDR), 1);
    for (int fd : {p.listener.Fd(), p.client.Fd(), p.server.Fd()}) {
      EXPECT_TRUE(sys().fcntl(fd, F_GETFL, 0) & O_NONBLOCK) << fd;
      EXPECT_TRUE(sys().fcntl(fd, F_GETFD, 0) & FD_CLOEXEC) << fd;
    }
    EXPECT_EQ(GetInt(sys(), p.client.Fd(), IPPROTO_TCP, TCP_NODELAY), 1);
    EXPECT_EQ(GetInt(sys(), p.server.Fd(), IPPROTO_TCP, TCP_NODELAY), 1);
    ASSERT_TRUE(p.client.SetNoDelay(false).ok());
    EXPECT_EQ(GetInt(sys(), p.client.Fd(), IPPROTO_TCP, TCP_NODELAY), 0);
    ASSERT_TRUE(p.client.SetKeepAlive(true).ok());
    EXPECT_EQ(GetInt(sys(), p.client.Fd(), SOL_SOCKET, SO_KEEPALIVE), 1);
    ASSERT_TRUE(p.client.SetKeepAlivePeriod(1500 * kMillisecond).ok());
    EXPECT_EQ(GetInt(sys(), p.client.Fd(), IPPROTO_TCP, TCP_KEEPIDLE), 2);
    ASSERT_TRUE(p.client.SetLinger(5).ok());
    linger l{};
    socklen_t len = sizeof(l);
    ASSERT_EQ(sys().getsockopt(p.client.Fd(), SOL_SOCKET, SO_LINGER, &l, &len),
              0);
    EXPECT_EQ(l.l_onoff, 1);
    EXPECT_EQ(l.l_linger, 5);
  }));
}

TEST_P(TcpTest, ManyClientsAtOnce) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    const int kClients = 20;
    rt().Go([&, l]() mutable {
      for (int i = 0; i < kClients; ++i) {
        auto c = l.Accept();
        ASSERT_TRUE(c.ok());
        rt().Go([c = *c]() mutable {
          char buf[64];
          auto n = c.Read(buf, sizeof(buf));
          if (n.ok()) (void)c.Write(buf, *n);
          (void)c.Close();
        });
      }
    });
    WaitGroup wg(rt());
    int ok = 0;
    for (int i = 0; i < kClients; ++i) {
      wg.Add(1);
      rt().Go([&, i, wg]() mutable {
        auto c = Dial(rt(), "tcp4", l.Addr().String());
        ASSERT_TRUE(c.ok());
        std::string msg = "client " + std::to_string(i);
        ASSERT_TRUE(c->Write(msg).ok());
        char buf[64];
        auto n = c->Read(buf, sizeof(buf));
        if (n.ok() && std::string(buf, *n) == msg) ++ok;
        wg.Done();
      });
    }
    wg.Wait();
    EXPECT_EQ(ok, kClients);
  }));
}

// Go's Time.Add saturates: a deadline of Now().Add(Duration::max()) is the
// latest instant there is and never fires (it wrapped into the past and
// timed out at once before); Add(Duration::min()) is long past.
TEST_P(TcpTest, FarFutureDeadlineNeverFiresFarPastOneAlwaysHas) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    const Time far = rt().Now().Add(Duration::max());
    EXPECT_EQ(far.Nanos(), INT64_MAX);
    EXPECT_TRUE(far.After(rt().Now()));
    ASSERT_TRUE(p.server.SetReadDeadline(far).ok());
    ASSERT_TRUE(p.client.SetWriteDeadline(far).ok());
    // The reader blocks (the deadline does not fire) until the writer,
    // 200 ms later, sends.
    TCPConn client = p.client;
    rt().Go([this, client]() mutable {
      rt().Sleep(200 * kMillisecond);
      EXPECT_TRUE(client.Write("late").ok());
    });
    const Time start = rt().Now();
    char buf[8];
    auto n = p.server.Read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok()) << Str(n.error());
    EXPECT_EQ(std::string(buf, *n), "late");
    EXPECT_GE(MillisSince(rt(), start), 200);

    const Time past = rt().Now().Add(Duration::min());
    EXPECT_TRUE(past.Before(rt().Now()));
    EXPECT_EQ(past.Add(Duration::min()).Nanos(), INT64_MIN);  // saturated
    ASSERT_TRUE(p.server.SetReadDeadline(past).ok());
    n = p.server.Read(buf, sizeof(buf));
    ASSERT_FALSE(n.ok());
    EXPECT_TRUE(n.error().Timeout());
    // Sleeping "forever" from a task is also a far timer, not an instant one.
    bool woke = false;
    rt().Go([this, &woke] {
      rt().Sleep(Duration::max());
      woke = true;
    });
    rt().Sleep(50 * kMillisecond);
    EXPECT_FALSE(woke);
  }));
}

// Go's Dialer.deadline takes any nonzero Timeout, "including negative, for
// historical reasons": DialTimeout with a negative timeout fails with
// "i/o timeout" before connecting; zero is no timeout; a huge one saturates.
TEST_P(TcpTest, DialTimeoutNegativeIsExpiredZeroIsNone) {
  EXPECT_TRUE(RunBody([&] {
    TCPListener l = MustListen();
    const std::string addr = l.Addr().String();
    auto c = DialTimeout(rt(), "tcp4", addr, -kNanosecond);
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(c.error().Timeout());
    EXPECT_EQ(Str(c.error()), "dial tcp4 " + addr + ": i/o timeout");
    Dialer d;
    d.timeout = -kSecond;
    c = d.Dial(rt(), "tcp4", addr);
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(c.error().Timeout());
    // Nothing reached the listener: it has nothing to accept.
    ASSERT_TRUE(l.SetDeadline(rt().Now().Add(50 * kMillisecond)).ok());
    auto a = l.Accept();
    ASSERT_FALSE(a.ok());
    EXPECT_TRUE(a.error().Timeout());
    ASSERT_TRUE(l.SetDeadline(Time()).ok());

    for (Duration t : {Duration::zero(), Duration::max()}) {
      c = DialTimeout(rt(), "tcp4", addr, t);
      ASSERT_TRUE(c.ok()) << t.count() << ": " << Str(c.error());
      EXPECT_TRUE(l.Accept().ok());
      (void)c->Close();
    }
  }));
}

// After Close, Fd() no longer reports the number: the kernel may already
// have given it to the next socket.
TEST_P(TcpTest, FdIsMinusOneAfterClose) {
  EXPECT_TRUE(RunBody([&] {
    auto p = MustPair();
    const int cfd = p.client.Fd();
    ASSERT_GE(cfd, 0);
    ASSERT_GE(p.server.Fd(), 0);
    ASSERT_GE(p.listener.Fd(), 0);
    Conn as_conn = p.client;  // a copy shares the socket
    ASSERT_TRUE(p.client.Close().ok());
    EXPECT_EQ(p.client.Fd(), -1);
    EXPECT_EQ(as_conn.Fd(), -1);
    // The next socket may reuse the number; the closed conn must not
    // claim it.
    TCPListener l2 = MustListen();
    EXPECT_EQ(l2.Fd(), cfd);
    EXPECT_EQ(p.client.Fd(), -1);
    ASSERT_TRUE(p.listener.Close().ok());
    EXPECT_EQ(p.listener.Fd(), -1);
    EXPECT_GE(p.server.Fd(), 0);
    EXPECT_EQ(Conn().Fd(), -1);
  }));
}

INSTANTIATE_TEST_SUITE_P(Backends, TcpTest, ::testing::ValuesIn(AllBackends()),
                         BackendName);

}  // namespace
}  // namespace simsock::net::testing
