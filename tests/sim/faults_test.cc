// Link faults end to end: partitions against the SYN schedule, healing,
// and a stream through loss, duplication and reordering.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <cerrno>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"
#include "simsock/testing/trace_events.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;
using testing::Bind;
using testing::Connect;
using ::testing::Contains;
using testing::DropOf;
using testing::EventTimes;
using testing::PacketFrom;
using testing::PacketSrc;
using testing::TcpFlags;
using testing::TcpFlagsExactly;

struct TwoHosts {
  explicit TwoHosts(uint64_t seed) : w(seed) {
    w.trace().KeepEvents(true);
    a = &w.AddHost("a", "10.0.0.1");
    b = &w.AddHost("b", "10.0.0.2");
    w.network().SetLatency(*a, *b, milliseconds(1));
    pa = &a->SpawnProcess();
    pb = &b->SpawnProcess();
    listener = pa->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    Bind(*pa, listener, "0.0.0.0", 80);
    pa->listen(listener, 8);
  }
  int SoError(int fd) {
    int err = -1;
    socklen_t len = sizeof err;
    pb->getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
  }
  // When b sent each SYN (dropped on the way or not).
  std::vector<Time> SynTimes() {
    return EventTimes(w.trace().events(),
                      AllOf(PacketFrom("b"), TcpFlagsExactly(tcp::kSyn)));
  }
  World w;
  Host* a;
  Host* b;
  Process* pa;
  Process* pb;
  int listener;
};

TEST(Faults, PartitionTimesOutOnLinuxSynSchedule) {
  TwoHosts t(1);
  t.w.network().Partition(*t.a, *t.b);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_THAT(Connect(*t.pb, c, "10.0.0.1", 80),
              SyscallFailsWithErrno(EINPROGRESS));
  t.w.RunFor(milliseconds(130999));
  EXPECT_EQ(t.SoError(c), 0);  // still trying
  t.w.RunFor(milliseconds(1));
  EXPECT_EQ(t.SoError(c), ETIMEDOUT);
  std::vector<Time> expected;
  for (int s : {0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67})
    expected.push_back(Time(seconds(s)));
  EXPECT_EQ(t.SynTimes(), expected);
  EXPECT_EQ(t.w.network().packets_dropped(), 11u);
}

TEST(Faults, HealedLinkConnectsOnTheNextSynRetransmission) {
  TwoHosts t(1);
  t.w.network().Partition(*t.a, *t.b);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_THAT(Connect(*t.pb, c, "10.0.0.1", 80),
              SyscallFailsWithErrno(EINPROGRESS));
  t.w.RunFor(milliseconds(2500));
  t.w.network().Heal(*t.a, *t.b);
  t.w.RunFor(milliseconds(501));  // the SYN of 3 s is answered at 3.002 s
  EXPECT_THAT(Connect(*t.pb, c, "10.0.0.1", 80),
              SyscallFailsWithErrno(EALREADY));
  t.w.RunFor(milliseconds(1));
  EXPECT_EQ(Connect(*t.pb, c, "10.0.0.1", 80), 0);
  EXPECT_EQ(t.w.Now(), Time(milliseconds(3002)));
}

// The client's final ACK of the handshake is lost (a partition of half a
// millisecond around it). Its next segment completes the handshake on the
// server: data, or a bare FIN|ACK after shutdown(SHUT_WR). In the second
// case the child goes from SYN_RECV straight to CLOSE_WAIT, and Linux still
// puts it in the accept queue (tcp_check_req creates it, then
// tcp_child_process hands it the FIN): accept() returns it, read() says EOF.
TEST(Faults, LostFinalAckTheNextSegmentCompletesTheHandshake) {
  for (bool with_data : {true, false}) {
    SCOPED_TRACE(with_data ? "data, then FIN" : "FIN only");
    TwoHosts t(5);
    int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_THAT(Connect(*t.pb, c, "10.0.0.1", 80),
                SyscallFailsWithErrno(EINPROGRESS));
    // SYN-ACK leaves at 1 ms and lands at 2 ms, when the ACK leaves.
    t.w.RunFor(std::chrono::microseconds(1500));
    t.w.network().Partition(*t.a, *t.b);
    t.w.RunFor(milliseconds(1));
    t.w.network().Heal(*t.a, *t.b);
    ASSERT_EQ(Connect(*t.pb, c, "10.0.0.1", 80), 0);  // client: established
    EXPECT_THAT(t.pa->accept4(t.listener, nullptr, nullptr, 0),
                SyscallFailsWithErrno(EAGAIN));
    if (with_data) {
      ASSERT_EQ(t.pb->write(c, "hi", 2), 2);
    }
    ASSERT_EQ(t.pb->shutdown(c, SHUT_WR), 0);
    t.w.RunFor(milliseconds(5));
    int s = t.pa->accept4(t.listener, nullptr, nullptr, 0);
    ASSERT_GE(s, 0);
    tcp_info info{};
    socklen_t len = sizeof info;
    ASSERT_EQ(t.pa->getsockopt(s, IPPROTO_TCP, TCP_INFO, &info, &len), 0);
    EXPECT_EQ(info.tcpi_state, TCP_CLOSE_WAIT);
    char buf[8];
    if (with_data) {
      EXPECT_EQ(t.pa->read(s, buf, sizeof buf), 2);
    }
    EXPECT_EQ(t.pa->read(s, buf, sizeof buf), 0);
    EXPECT_EQ(t.w.network().packets_dropped(), 1u);
  }
}

// The final ACK and every SYN-ACK retransmission are lost (1, 3, 7, 15 and
// 31 s after the first; synack_retries = 5): the server's request sock
// expires at 63 s and nothing was ever accepted, while the client counts
// itself established. Its first segment after that draws a RST from the
// listener (an ACK that matches no request), and the client's next call
// reports ECONNRESET.
TEST(Faults, ExpiredRequestSockResetsAClientThatThinksItIsConnected) {
  TwoHosts t(6);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_THAT(Connect(*t.pb, c, "10.0.0.1", 80),
              SyscallFailsWithErrno(EINPROGRESS));
  t.w.RunFor(std::chrono::microseconds(1500));
  t.w.network().Partition(*t.a, *t.b);
  t.w.RunFor(milliseconds(62999));  // to 63.0005 s: the 63.001 s expiry
  EXPECT_EQ(t.w.network().packets_dropped(), 6u);  // the ACK, 5 SYN-ACKs
  EXPECT_EQ(t.a->connection_count(), 1u);
  t.w.RunFor(milliseconds(1));
  EXPECT_EQ(t.a->connection_count(), 0u);
  t.w.network().Heal(*t.a, *t.b);
  ASSERT_EQ(Connect(*t.pb, c, "10.0.0.1", 80), 0);
  ASSERT_EQ(t.pb->write(c, "hi", 2), 2);
  t.w.RunFor(milliseconds(5));
  EXPECT_THAT(t.pa->accept4(t.listener, nullptr, nullptr, 0),
              SyscallFailsWithErrno(EAGAIN));
  char buf[8];
  EXPECT_THAT(t.pb->read(c, buf, sizeof buf),
              SyscallFailsWithErrno(ECONNRESET));
  EXPECT_EQ(t.pb->read(c, buf, sizeof buf), 0);
}

// A stream of 300 KB through 20 % loss, 10 % duplication and 5 ms jitter
// (reordering) arrives whole and in order; the same seed replays it.
uint64_t LossyTransfer(uint64_t seed, size_t* received, bool* intact,
                       uint64_t* dropped) {
  TwoHosts t(seed);
  LinkFaults f;
  f.loss = 0.2;
  f.duplicate = 0.1;
  f.jitter = milliseconds(5);
  t.w.network().SetFaults(*t.a, *t.b, f);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(*t.pb, c, "10.0.0.1", 80);
  int s = -1;
  for (int i = 0; i < 600 && s < 0; ++i) {
    t.w.RunFor(milliseconds(100));
    s = t.pa->accept4(t.listener, nullptr, nullptr, SOCK_NONBLOCK);
  }
  const size_t total = 300 * 1024;
  size_t sent = 0;
  std::vector<uint8_t> got;
  std::vector<uint8_t> buf(65536);
  for (int step = 0; step < 100000 && got.size() < total && s >= 0; ++step) {
    while (sent < total) {
      std::vector<uint8_t> chunk(std::min<size_t>(8192, total - sent));
      for (size_t i = 0; i < chunk.size(); ++i)
        chunk[i] = static_cast<uint8_t>((sent + i) * 7 % 251);
      ssize_t n = t.pb->write(c, chunk.data(), chunk.size());
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    t.w.RunFor(milliseconds(10));
    ssize_t n;
    while ((n = t.pa->read(s, buf.data(), buf.size())) > 0)
      got.insert(got.end(), buf.begin(), buf.begin() + n);
  }
  *received = got.size();
  *intact = true;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != static_cast<uint8_t>(i * 7 % 251)) *intact = false;
  *dropped = t.w.network().packets_dropped();
  return t.w.trace().hash();
}

TEST(Faults, StreamSurvivesLossDuplicationAndReordering) {
  size_t received = 0;
  bool intact = false;
  uint64_t dropped = 0;
  uint64_t h1 = LossyTransfer(7, &received, &intact, &dropped);
  EXPECT_EQ(received, 300u * 1024);
  EXPECT_TRUE(intact);
  EXPECT_GT(dropped, 10u);
  size_t r2 = 0;
  bool i2 = false;
  uint64_t d2 = 0;
  EXPECT_EQ(LossyTransfer(7, &r2, &i2, &d2), h1);  // replays from its seed
  EXPECT_EQ(d2, dropped);
}

}  // namespace
}  // namespace simsock::sim

namespace simsock::sim {
namespace {

// SO_LINGER {1, n} (docs/semantics.md §2.9): close() waits until the FIN
// is acknowledged, or n seconds, even on a nonblocking socket; it returns
// 0 either way and the orphan keeps retransmitting the FIN.
TEST(Faults, LingerCloseWaitsForTheAckOfTheFinOrTheTimeout) {
  TwoHosts t(3);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(*t.pb, c, "10.0.0.1", 80);
  t.w.RunFor(milliseconds(10));
  linger l{1, 2};
  ASSERT_EQ(t.pb->setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
  // A live peer: close returns once the FIN's ACK is back (one RTT).
  Time before = t.w.Now();
  EXPECT_EQ(t.pb->close(c), 0);
  EXPECT_EQ(t.w.Now() - before, milliseconds(2));

  // A cut link: close returns 0 after the linger time; the FIN goes on.
  int d = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(*t.pb, d, "10.0.0.1", 80);
  t.w.RunFor(milliseconds(10));
  ASSERT_EQ(t.pb->setsockopt(d, SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
  t.w.network().Partition(*t.a, *t.b);
  before = t.w.Now();
  EXPECT_EQ(t.pb->close(d), 0);
  EXPECT_EQ(t.w.Now() - before, seconds(2));
  // Both orphans live on: the first in FIN_WAIT2, the second in FIN_WAIT1.
  EXPECT_EQ(t.b->connection_count(), 2u);
}

}  // namespace
}  // namespace simsock::sim

namespace simsock::sim {
namespace {

// docs/semantics.md §6 end to end, with a partition as the black hole.
TEST(Faults, KeepaliveAgainstASilentPeerTimesOutAtThreeSeconds) {
  TwoHosts t(4);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(*t.pb, c, "10.0.0.1", 80);
  t.w.RunFor(milliseconds(10));
  int one = 1;
  t.pb->setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  t.pb->setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &one, sizeof one);
  t.pb->setsockopt(c, IPPROTO_TCP, TCP_KEEPINTVL, &one, sizeof one);
  int two = 2;
  t.pb->setsockopt(c, IPPROTO_TCP, TCP_KEEPCNT, &two, sizeof two);
  t.w.network().Partition(*t.a, *t.b);
  // Last segment received at 2 ms: probes at 1.002 and 2.002 s, give-up
  // (RST, ETIMEDOUT) at 3.002 s.
  char buf[4];
  t.w.RunFor(Time(milliseconds(3001)) - t.w.Now());
  EXPECT_THAT(t.pb->read(c, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
  t.w.RunFor(milliseconds(1));
  EXPECT_THAT(t.pb->read(c, buf, sizeof buf), SyscallFailsWithErrno(ETIMEDOUT));
  EXPECT_EQ(t.pb->read(c, buf, sizeof buf), 0);
  EXPECT_THAT(t.w.trace().events(),
              Contains(AllOf(DropOf("partition"), PacketSrc("10.0.0.2"),
                             TcpFlags(tcp::kRst))));
}

// Data into a partition: retransmissions until tcp_retries2's time budget
// (tcp_model_timeout) is spent; then SO_ERROR is ETIMEDOUT and a write
// EPIPE.
TEST(Faults, DataToABlackHoleTimesOutOnTheRetries2Budget) {
  TwoHosts t(5);
  t.b->settings().tcp_retries2 = 3;  // budget 3 s from the first retransmit
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(*t.pb, c, "10.0.0.1", 80);
  t.w.RunFor(milliseconds(10));
  t.w.network().Partition(*t.a, *t.b);
  Time sent = t.w.Now();
  ASSERT_EQ(t.pb->write(c, "data", 4), 4);
  // RTO = srtt + max(4 rttvar, 200 ms) = 202 ms on this 2 ms path, doubling:
  // retransmissions at +0.202, +0.606, +1.414, +3.030 s; the timer at
  // +6.262 s finds the 3 s budget (counted from the first retransmission)
  // spent.
  t.w.RunFor(milliseconds(6261));
  int err = -1;
  socklen_t len = sizeof err;
  t.pb->getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
  EXPECT_EQ(err, 0);
  t.w.RunFor(milliseconds(1));
  EXPECT_EQ(t.w.Now() - sent, milliseconds(6262));
  t.pb->getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
  EXPECT_EQ(err, ETIMEDOUT);
  EXPECT_THAT(t.pb->write(c, "x", 1), SyscallFailsWithErrno(EPIPE));
}

}  // namespace
}  // namespace simsock::sim

namespace simsock::sim {
namespace {

// A server host crashes mid-connection and comes back: the client's
// retransmissions go unanswered while it is down, and its first segment
// after the restart is answered with a RST (no such connection any more).
TEST(Faults, HostCrashAndRestart) {
  TwoHosts t(9);
  int c = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  Connect(*t.pb, c, "10.0.0.1", 80);
  t.w.RunFor(milliseconds(10));
  int s = t.pa->accept4(t.listener, nullptr, nullptr, SOCK_NONBLOCK);
  ASSERT_GE(s, 0);
  t.a->Crash();
  EXPECT_TRUE(t.a->down());
  EXPECT_TRUE(t.pa->dead());
  EXPECT_EQ(t.a->connection_count(), 0u);
  EXPECT_EQ(t.a->tcp_ports().size(), 0u);
  char buf[8];
  EXPECT_THAT(t.pa->read(s, buf, sizeof buf), SyscallFailsWithErrno(EBADF));
  EXPECT_THAT(t.pa->socket(AF_INET, SOCK_STREAM, 0),
              SyscallFailsWithErrno(ESRCH));
  // No FIN or RST left the crashed host: the client still thinks it is
  // connected, and its data goes into the void.
  ASSERT_EQ(t.pb->write(c, "hello", 5), 5);
  t.w.RunFor(seconds(1));
  EXPECT_THAT(t.pb->read(c, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
  t.a->Restart();
  Process& reborn = t.a->SpawnProcess();
  int l = reborn.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_EQ(Bind(reborn, l, "0.0.0.0", 80), 0);  // the port is free again
  // The next retransmission (RTO backoff) meets the rebooted host: RST.
  t.w.RunFor(seconds(5));
  EXPECT_THAT(t.pb->read(c, buf, sizeof buf),
              SyscallFailsWithErrno(ECONNRESET));
}

}  // namespace
}  // namespace simsock::sim

namespace simsock::sim {
namespace {

TEST(Faults, CrashKillsTheHostsThreadsOnly) {
  TwoHosts t(2);
  bool a_returned = false, b_returned = false;
  t.pa->Spawn([&] {
    int l = t.pa->socket(AF_INET, SOCK_STREAM, 0);
    Bind(*t.pa, l, "0.0.0.0", 81);
    t.pa->listen(l, 1);
    t.pa->accept4(l, nullptr, nullptr, 0);
    a_returned = true;
  });
  t.pb->Spawn([&] {
    t.pb->nanosleep_ns(std::chrono::nanoseconds(seconds(2)).count());
    b_returned = true;
  });
  t.w.RunFor(seconds(1));
  EXPECT_EQ(t.w.scheduler().live_threads(), 2u);
  t.a->Crash();
  EXPECT_EQ(t.w.scheduler().live_threads(), 1u);
  t.w.RunFor(seconds(2));
  EXPECT_FALSE(a_returned);  // unwound, never returned
  EXPECT_TRUE(b_returned);
}

}  // namespace
}  // namespace simsock::sim
