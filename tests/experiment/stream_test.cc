// The "stream" invariant: the ledger alone, and taps over real simulated
// connections, one of them deliberately corrupted under the tap.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "simsock/experiment/stream_ledger.h"
#include "simsock/experiment/stream_tap.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/vfs/null_file.h"

namespace simsock::experiment {
namespace {

const uint8_t* U(const char* s) { return reinterpret_cast<const uint8_t*>(s); }

// Two files standing for the two ends' sockets (the ledger only needs
// their identity and lifetime).
struct Ends {
  std::shared_ptr<sim::File> a = std::make_shared<sim::NullFile>();
  std::shared_ptr<sim::File> b = std::make_shared<sim::NullFile>();
  sim::Endpoint ea{0x0a000002, 40000};
  sim::Endpoint eb{0x0a000001, 80};
  void Register(StreamLedger& l) {
    l.Register(a, ea, eb);
    l.Register(b, eb, ea);
  }
};

TEST(StreamLedger, BytesReadInOrderPass) {
  StreamLedger l;
  Ends e;
  e.Register(l);
  l.Wrote(e.a.get(), U("hello, "), 7);
  l.Wrote(e.a.get(), U("server"), 6);
  l.Read(e.b.get(), U("hel"), 3);
  l.Read(e.b.get(), U("lo, server"), 10);
  l.Wrote(e.b.get(), U("ok"), 2);
  l.Read(e.a.get(), U("ok"), 2);
  EXPECT_TRUE(l.TakeViolations().empty());
  EXPECT_EQ(l.connections(), 1u);
}

TEST(StreamLedger, WrongBytesAreAViolationWithTheirOffset) {
  StreamLedger l;
  Ends e;
  e.Register(l);
  l.Wrote(e.a.get(), U("abcdef"), 6);
  l.Read(e.b.get(), U("ab"), 2);
  l.Read(e.b.get(), U("cX"), 2);
  auto v = l.TakeViolations();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("10.0.0.2:40000 -> 10.0.0.1:80"), std::string::npos)
      << v[0];
  EXPECT_NE(v[0].find("offset 3"), std::string::npos) << v[0];
  // One report per direction: the stream is off by then.
  l.Read(e.b.get(), U("ef"), 2);
  EXPECT_TRUE(l.TakeViolations().empty());
}

TEST(StreamLedger, ReadingMoreThanWasWrittenIsAViolation) {
  StreamLedger l;
  Ends e;
  e.Register(l);
  l.Wrote(e.a.get(), U("ab"), 2);
  l.Read(e.b.get(), U("abc"), 3);
  auto v = l.TakeViolations();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("wrote only 2 more"), std::string::npos) << v[0];
}

TEST(StreamLedger, UnreadBytesOfADeadReaderAreNoViolation) {
  StreamLedger l;
  Ends e;
  e.Register(l);
  l.Wrote(e.a.get(), U("lost in the crash"), 17);
  e.b.reset();  // the reader's host crashed: its socket is gone
  l.Wrote(e.a.get(), U("more"), 4);
  EXPECT_TRUE(l.TakeViolations().empty());
}

TEST(StreamLedger, AReusedTupleIsANewConnection) {
  StreamLedger l;
  Ends first;
  first.Register(l);
  l.Wrote(first.a.get(), U("old"), 3);
  Ends second;  // same endpoints, new sockets (after TIME_WAIT)
  second.Register(l);
  l.Wrote(second.a.get(), U("new"), 3);
  l.Read(second.b.get(), U("new"), 3);
  l.Read(first.b.get(), U("old"), 3);
  EXPECT_TRUE(l.TakeViolations().empty());
  EXPECT_EQ(l.connections(), 2u);
}

// A decorator that flips a bit of every byte its reads return: the
// "kernel" under the tap delivers a damaged stream.
class Corrupting final : public sys::Syscalls {
 public:
  explicit Corrupting(sim::Process& p) : p_(p) {}
  ssize_t read(int fd, void* buf, size_t count) override {
    const ssize_t n = p_.read(fd, buf, count);
    if (n > 0) static_cast<uint8_t*>(buf)[n - 1] ^= 0x20;
    return n;
  }
  // The net layer reads TCP with recvmsg (TCP_INQ): the same damage to
  // the last byte returned.
  ssize_t recvmsg(int fd, msghdr* m, int f) override {
    const ssize_t n = p_.recvmsg(fd, m, f);
    size_t left = n > 0 ? static_cast<size_t>(n) : 0;
    for (size_t i = 0; i < m->msg_iovlen && left > 0; ++i) {
      const size_t k = std::min(left, m->msg_iov[i].iov_len);
      left -= k;
      if (left == 0)
        static_cast<uint8_t*>(m->msg_iov[i].iov_base)[k - 1] ^= 0x20;
    }
    return n;
  }
  // Everything else passes through.
  int socket(int d, int t, int p) override { return p_.socket(d, t, p); }
  int bind(int fd, const sockaddr* a, socklen_t l) override {
    return p_.bind(fd, a, l);
  }
  int listen(int fd, int b) override { return p_.listen(fd, b); }
  int accept4(int fd, sockaddr* a, socklen_t* l, int f) override {
    return p_.accept4(fd, a, l, f);
  }
  int connect(int fd, const sockaddr* a, socklen_t l) override {
    return p_.connect(fd, a, l);
  }
  ssize_t write(int fd, const void* b, size_t c) override {
    return p_.write(fd, b, c);
  }
  ssize_t recvfrom(int fd, void* b, size_t l, int f, sockaddr* a,
                   socklen_t* al) override {
    return p_.recvfrom(fd, b, l, f, a, al);
  }
  ssize_t sendto(int fd, const void* b, size_t l, int f, const sockaddr* a,
                 socklen_t al) override {
    return p_.sendto(fd, b, l, f, a, al);
  }
  int shutdown(int fd, int h) override { return p_.shutdown(fd, h); }
  int close(int fd) override { return p_.close(fd); }
  int getsockopt(int fd, int l, int n, void* v, socklen_t* vl) override {
    return p_.getsockopt(fd, l, n, v, vl);
  }
  int setsockopt(int fd, int l, int n, const void* v, socklen_t vl) override {
    return p_.setsockopt(fd, l, n, v, vl);
  }
  int getsockname(int fd, sockaddr* a, socklen_t* l) override {
    return p_.getsockname(fd, a, l);
  }
  int getpeername(int fd, sockaddr* a, socklen_t* l) override {
    return p_.getpeername(fd, a, l);
  }
  int fcntl(int fd, int c, long a) override { return p_.fcntl(fd, c, a); }
  int epoll_create1(int f) override { return p_.epoll_create1(f); }
  int epoll_ctl(int e, int o, int fd, epoll_event* ev) override {
    return p_.epoll_ctl(e, o, fd, ev);
  }
  int epoll_wait(int e, epoll_event* ev, int m, int t) override {
    return p_.epoll_wait(e, ev, m, t);
  }
  int64_t clock_gettime_ns() override { return p_.clock_gettime_ns(); }
  int nanosleep_ns(int64_t ns) override { return p_.nanosleep_ns(ns); }
  int resolve_ipv4(std::string_view h, std::vector<uint32_t>* a) override {
    return p_.resolve_ipv4(h, a);
  }
  int epoll_pwait2(int e, epoll_event* ev, int m, const timespec* t,
                   const sigset_t* s) override {
    return p_.epoll_pwait2(e, ev, m, t, s);
  }
  // pipes and eventfds
  int pipe2(int fds[2], int f) override { return p_.pipe2(fds, f); }
  int eventfd2(unsigned int v, int f) override { return p_.eventfd2(v, f); }

  // poll, ppoll, select, pselect6 (issue 13)
  int poll(pollfd* f, nfds_t n, int t) override { return p_.poll(f, n, t); }
  int ppoll(pollfd* f, nfds_t n, const timespec* t,
            const sigset_t* s) override {
    return p_.ppoll(f, n, t, s);
  }
  int select(int n, fd_set* r, fd_set* w, fd_set* e, timeval* t) override {
    return p_.select(n, r, w, e, t);
  }
  int pselect6(int n, fd_set* r, fd_set* w, fd_set* e, const timespec* t,
               const sigset_t* s) override {
    return p_.pselect6(n, r, w, e, t, s);
  }

  // Vectored calls (readv, writev, sendmsg).
  ssize_t readv(int fd, const iovec* v, int n) override {
    return p_.readv(fd, v, n);
  }
  ssize_t writev(int fd, const iovec* v, int n) override {
    return p_.writev(fd, v, n);
  }
  ssize_t sendmsg(int fd, const msghdr* m, int f) override {
    return p_.sendmsg(fd, m, f);
  }

  // AF_UNIX sockets (issue 13)
  int socketpair(int d, int t, int p, int sv[2]) override {
    return p_.socketpair(d, t, p, sv);
  }

 private:
  sim::Process& p_;
};

sockaddr_in ServerAddr() {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(80);
  a.sin_addr.s_addr = htonl(0x0a000001);
  return a;
}

// A client sends 3 messages of 5 bytes, the server reads them all and
// answers "ok"; the server's reads go through `corrupt` if set. Returns
// what the ledger found.
std::vector<std::string> Exchange(bool corrupt) {
  StreamLedger ledger;
  sim::World world(7);
  sim::Host& sh = world.AddHost("server", "10.0.0.1");
  sim::Host& ch = world.AddHost("client", "10.0.0.2");
  sim::Process& sp = sh.SpawnProcess();
  sim::Process& cp = ch.SpawnProcess();
  Corrupting damaged(sp);
  StreamTap server(corrupt ? static_cast<sys::Syscalls&>(damaged) : sp, sp,
                   ledger, nullptr);
  uint64_t client_bytes = 0;
  StreamTap client(cp, cp, ledger, &client_bytes);
  sp.Spawn([&] {
    const int fd = server.socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = ServerAddr();
    ASSERT_EQ(server.bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(server.listen(fd, 4), 0);
    const int c = server.accept4(fd, nullptr, nullptr, 0);
    ASSERT_GE(c, 0);
    char buf[64];
    size_t got = 0;
    while (got < 15) {
      const ssize_t n = server.read(c, buf, sizeof buf);
      ASSERT_GT(n, 0);
      got += static_cast<size_t>(n);
    }
    ASSERT_EQ(server.write(c, "ok", 2), 2);
    server.close(c);
    server.close(fd);
  });
  cp.Spawn([&] {
    const int fd = client.socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = ServerAddr();
    ASSERT_EQ(client.connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    for (const char* m : {"one..", "two..", "three"}) {
      ASSERT_EQ(client.write(fd, m, 5), 5);
      client.nanosleep_ns(10'000'000);
    }
    char buf[8];
    ASSERT_EQ(client.read(fd, buf, sizeof buf), 2);
    client.close(fd);
  });
  world.RunFor(std::chrono::seconds(5));
  EXPECT_EQ(client_bytes, 2u);
  EXPECT_EQ(ledger.connections(), 1u);
  return ledger.TakeViolations();
}

TEST(StreamTap, AnIntactExchangePasses) {
  EXPECT_TRUE(Exchange(false).empty());
}

TEST(StreamTap, BytesDamagedUnderTheTapAreFound) {
  auto v = Exchange(true);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].find("10.0.0.2:"), std::string::npos) << v[0];
  EXPECT_NE(v[0].find("-> 10.0.0.1:80: read 5 bytes that differ"),
            std::string::npos)
      << v[0];
  EXPECT_NE(v[0].find("offset 4"), std::string::npos) << v[0];
}

}  // namespace
}  // namespace simsock::experiment
