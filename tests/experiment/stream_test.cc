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
#include "testing/sockets.h"

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
class Corrupting final : public sys::ForwardingSyscalls {
 public:
  explicit Corrupting(sim::Process& p) : ForwardingSyscalls(p), p_(p) {}
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
  // Everything else passes through (ForwardingSyscalls).

 private:
  sim::Process& p_;
};

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
    sockaddr_in a = testing::Addr(testing::HostIp(0), 80);
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
    sockaddr_in a = testing::Addr(testing::HostIp(0), 80);
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
