// Fault plans applied to a world (sim/faults/apply_plan.h): each kind of
// event does what docs/faults.md says, at its time, on the directions it
// names, traced with its plan line; a bad plan is refused whole.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <tuple>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/sim/faults/apply_plan.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Bind;
using testing::SendTo;

// Hosts a (10.0.0.1) and b (10.0.0.2), 1 ms apart, each with a process and
// a nonblocking UDP socket bound to port 9.
struct UdpPair {
  explicit UdpPair(uint64_t seed = 1) : w(seed) {
    w.trace().KeepLines(true);
    a = &w.AddHost("a", "10.0.0.1");
    b = &w.AddHost("b", "10.0.0.2");
    w.network().SetLatency(*a, *b, milliseconds(1));
    pa = &a->SpawnProcess();
    pb = &b->SpawnProcess();
    fa = Udp(*pa);
    fb = Udp(*pb);
  }
  static int Udp(Process& p) {
    int fd = p.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    EXPECT_EQ(Bind(p, fd, "0.0.0.0", 9), 0);
    return fd;
  }
  void Apply(const std::string& text, PlanHooks hooks = {}) {
    faults::ParsedPlan parsed = faults::ParsePlan(text);
    ASSERT_TRUE(parsed.ok()) << parsed.error.ToString();
    AppliedPlan applied = ApplyPlan(w, *parsed.plan, std::move(hooks));
    ASSERT_TRUE(applied.ok()) << applied.error->ToString();
  }
  void AtoB(const std::string& payload) {
    ASSERT_EQ(SendTo(*pa, fa, payload.data(), payload.size(), "10.0.0.2", 9),
              static_cast<ssize_t>(payload.size()));
  }
  void BtoA(const std::string& payload) {
    ASSERT_EQ(SendTo(*pb, fb, payload.data(), payload.size(), "10.0.0.1", 9),
              static_cast<ssize_t>(payload.size()));
  }
  // Everything `p` has received on `fd`, in order.
  static std::vector<std::string> Drain(Process& p, int fd) {
    std::vector<std::string> got;
    for (int i = 0; i < 10000; ++i) {
      char buf[2048];
      ssize_t n = p.recvfrom(fd, buf, sizeof buf, 0, nullptr, nullptr);
      if (n < 0) break;
      got.emplace_back(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // When each datagram of `count` arrives at b: the world is stepped from
  // event to event until b can read it.
  std::vector<Time> ArrivalsAtB(int count) {
    std::vector<Time> times;
    for (int steps = 0;
         steps < 100000 && static_cast<int>(times.size()) < count; ++steps) {
      char buf[2048];
      while (pb->recvfrom(fb, buf, sizeof buf, 0, nullptr, nullptr) >= 0) {
        times.push_back(w.Now());
      }
      Time next = w.NextEventTime();
      if (next == kNever) break;
      w.RunFor(next - w.Now());
    }
    return times;
  }
  int CountLines(const std::string& needle) {
    int n = 0;
    for (const std::string& l : w.trace().lines()) {
      if (l.find(needle) != std::string::npos) ++n;
    }
    return n;
  }
  World w;
  Host* a;
  Host* b;
  Process* pa;
  Process* pb;
  int fa, fb;
};

TEST(PlanApply, OneWayLossDropsOnlyThatDirectionWhileItLasts) {
  UdpPair t;
  t.Apply("from 1s to 2s loss 1 a -> b");
  t.w.RunFor(seconds(1) + milliseconds(1));
  t.AtoB("lost");
  t.BtoA("passes");
  t.w.RunFor(milliseconds(10));
  EXPECT_TRUE(UdpPair::Drain(*t.pb, t.fb).empty());
  EXPECT_EQ(UdpPair::Drain(*t.pa, t.fa), std::vector<std::string>{"passes"});
  EXPECT_EQ(t.CountLines("a drop (loss, plan line 1)"), 1);
  t.w.RunFor(seconds(1));  // past 2s: the loss has ended
  t.AtoB("after");
  t.w.RunFor(milliseconds(10));
  EXPECT_EQ(UdpPair::Drain(*t.pb, t.fb), std::vector<std::string>{"after"});
  EXPECT_EQ(t.CountLines("network fault: plan line 1 begins: from 1s to 2s "
                         "loss 1 a -> b"),
            1);
  EXPECT_EQ(t.CountLines("network fault: plan line 1 ends"), 1);
}

TEST(PlanApply, PartitionsIsolateAndSplitCutBothWays) {
  for (const char* plan :
       {"from 0s to 1s partition a <-> b", "from 0s to 1s isolate b",
        "from 0s to 1s split a | b"}) {
    UdpPair t;
    t.Apply(plan);
    t.w.RunFor(milliseconds(1));
    t.AtoB("x");
    t.BtoA("y");
    t.w.RunFor(milliseconds(10));
    EXPECT_TRUE(UdpPair::Drain(*t.pb, t.fb).empty()) << plan;
    EXPECT_TRUE(UdpPair::Drain(*t.pa, t.fa).empty()) << plan;
    EXPECT_EQ(t.CountLines("drop (partition, plan line 1)"), 2) << plan;
    t.w.RunFor(seconds(1));
    t.AtoB("healed");
    t.w.RunFor(milliseconds(10));
    EXPECT_EQ(UdpPair::Drain(*t.pb, t.fb), std::vector<std::string>{"healed"})
        << plan;
  }
}

TEST(PlanApply, DelayAddsToTheLatency) {
  UdpPair t;
  t.Apply("from 0s delay 30ms a -> b");
  t.AtoB("x");
  EXPECT_EQ(t.ArrivalsAtB(1), std::vector<Time>{milliseconds(31)});
}

TEST(PlanApply, ClogHoldsThenReleasesInOrder) {
  UdpPair t;
  t.Apply("from 0s to 500ms clog a -> b");
  t.AtoB("1");
  t.w.RunFor(milliseconds(100));
  t.AtoB("2");
  t.AtoB("3");
  t.w.RunFor(milliseconds(300));
  EXPECT_TRUE(UdpPair::Drain(*t.pb, t.fb).empty());
  EXPECT_EQ(t.CountLines("hold (clog, plan line 1)"), 3);
  // Released at 500 ms, arriving one latency later, in the order sent.
  t.w.RunFor(milliseconds(100) + milliseconds(1));
  EXPECT_EQ(UdpPair::Drain(*t.pb, t.fb),
            (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(t.CountLines("a release (clog, plan line 1): 3 packet(s) to b"), 1);
}

TEST(PlanApply, BandwidthSerialisesAndTheQueueDropsTail) {
  UdpPair t;
  // 1 Mbit/s; each datagram is 1000 bytes of payload + 28 of headers:
  // 8224 us on the wire.
  t.Apply("from 0s bandwidth 1mbit a -> b\nfrom 0s queue 3000b a -> b");
  const std::string payload(1000, 'x');
  for (int i = 0; i < 5; ++i) t.AtoB(payload);
  // The first starts at once; two wait in the queue (2056 bytes); the
  // fourth would make 3084 > 3000: dropped, and so is the fifth.
  EXPECT_EQ(t.CountLines("drop (queue full, plan line 2)"), 2);
  std::vector<Time> at = t.ArrivalsAtB(3);
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[0], microseconds(8224) + milliseconds(1));
  EXPECT_EQ(at[1], microseconds(2 * 8224) + milliseconds(1));
  EXPECT_EQ(at[2], microseconds(3 * 8224) + milliseconds(1));
}

TEST(PlanApply, CorruptionIsDroppedByTheReceiversChecksum) {
  UdpPair t;
  t.Apply("from 0s corrupt 1 a -> b");
  t.AtoB("damaged");
  t.w.RunFor(milliseconds(10));
  EXPECT_TRUE(UdpPair::Drain(*t.pb, t.fb).empty());
  EXPECT_EQ(t.CountLines("a corrupt (plan line 1)"), 1);
  EXPECT_EQ(t.CountLines("b drop (bad checksum)"), 1);
}

TEST(PlanApply, CrashAndRestartCallTheHooks) {
  UdpPair t;
  std::vector<std::string> log;
  PlanHooks hooks;
  hooks.on_crash = [&](Host& h) {
    log.push_back(h.name() + " crashed at " +
                  std::to_string(t.w.Now().count()));
  };
  hooks.on_restart = [&](Host& h) {
    log.push_back(h.name() + " restarted at " +
                  std::to_string(t.w.Now().count()));
  };
  t.Apply("at 1s crash b\nat 2s restart b\nfrom 3s to 4s crash a", hooks);
  t.w.RunFor(seconds(5));
  EXPECT_EQ(log, (std::vector<std::string>{
                     "b crashed at 1000000000", "b restarted at 2000000000",
                     "a crashed at 3000000000", "a restarted at 4000000000"}));
  EXPECT_EQ(t.CountLines("network fault: plan line 3 ends: restart"), 1);
}

// A TCP connection from b to a's port 80, established, both ends
// nonblocking, with keepalive probing after 10 s of silence (every 5 s, 3
// probes), so that an end that only reads learns of a dead peer too.
struct TcpPair {
  explicit TcpPair(UdpPair& t) : t(t) {
    int l = t.pa->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_EQ(Bind(*t.pa, l, "0.0.0.0", 80), 0);
    EXPECT_EQ(t.pa->listen(l, 4), 0);
    client = t.pb->socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_EQ(testing::Connect(*t.pb, client, "10.0.0.1", 80), -EINPROGRESS);
    t.w.RunFor(milliseconds(10));
    server = t.pa->accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
    EXPECT_GE(server, 0);
    for (auto [p, fd] : {std::pair{t.pa, server}, std::pair{t.pb, client}}) {
      int one = 1, idle = 10, intvl = 5, cnt = 3;
      p->setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
      p->setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
      p->setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
      p->setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    }
  }
  // Steps the world until both ends' reads fail (or `limit` passes);
  // returns each end's error (0 if none) and when it came.
  struct Ending {
    int error = 0;
    Time at{-1};
  };
  std::pair<Ending, Ending> RunToTheEnd(Duration limit) {
    Ending c, s;
    const Time stop = t.w.Now() + limit;
    while (t.w.Now() < stop && (c.error == 0 || s.error == 0)) {
      t.w.RunFor(milliseconds(100));
      char buf[4096];
      for (auto [p, fd, end] :
           {std::tuple{t.pb, client, &c}, std::tuple{t.pa, server, &s}}) {
        if (end->error != 0) continue;
        ssize_t n = p->read(fd, buf, sizeof buf);
        if (n < 0 && n != -EAGAIN) {
          end->error = static_cast<int>(-n);
          end->at = t.w.Now();
        }
      }
    }
    return {c, s};
  }
  UdpPair& t;
  int client = -1, server = -1;
};

TEST(PlanApply, APartitionLongerThanTheRetryBudgetEndsBothEndsWithEtimedout) {
  UdpPair t;
  TcpPair c(t);
  // The client has data in flight when the link is cut for good: it
  // retransmits until tcp_retries2 gives up (about 15 minutes); the
  // server, which only reads, learns of it from its keepalive probes.
  t.Apply("from 1s partition a <-> b");
  const std::string data(2000, 'x');
  t.w.RunFor(seconds(1));
  ASSERT_EQ(t.pb->write(c.client, data.data(), data.size()), 2000);
  auto [client, server] = c.RunToTheEnd(std::chrono::hours(1));
  EXPECT_EQ(client.error, ETIMEDOUT);
  EXPECT_EQ(server.error, ETIMEDOUT);
  // Keepalive: 10 s idle + 3 probes 5 s apart; retransmissions: ~924 s.
  EXPECT_LT(server.at, Time(seconds(40)));
  EXPECT_GT(client.at, Time(seconds(900)));
  EXPECT_LT(client.at, Time(seconds(1000)));
}

TEST(PlanApply, ACrashAndRestartEndsThePeerWithEconnreset) {
  UdpPair t;
  TcpPair c(t);
  // The server host dies and comes back empty; the client's next segment
  // reaches a kernel that knows no such connection, which answers RST.
  t.Apply("at 1s crash a\nat 2s restart a");
  t.w.RunFor(seconds(3));
  const std::string data(100, 'x');
  ASSERT_EQ(t.pb->write(c.client, data.data(), data.size()), 100);
  auto [client, server] = c.RunToTheEnd(seconds(10));
  EXPECT_EQ(client.error, ECONNRESET);
  EXPECT_LT(client.at, Time(seconds(4)));
}

TEST(PlanApply, AnInjectedResetIsThePeersRstArrivingBeforeTheRead) {
  UdpPair t;
  TcpPair c(t);
  // b's first read of the connection meets a RST "from a": what was
  // already queued is read first (tcp_recvmsg takes queued bytes before
  // sk_err), then ECONNRESET once, then the end. a sent no RST, so it
  // hears nothing until its next segment reaches b, which no longer has
  // the connection and answers with a RST.
  t.Apply("from 10ms syscall econnreset nth 1 in read on b");
  ASSERT_EQ(t.pa->write(c.server, "queued", 6), 6);
  t.w.RunFor(milliseconds(10));
  char buf[64];
  EXPECT_EQ(t.pb->read(c.client, buf, sizeof buf), 6);
  EXPECT_EQ(std::string(buf, 6), "queued");
  EXPECT_EQ(t.pb->read(c.client, buf, sizeof buf), -ECONNRESET);
  EXPECT_EQ(t.pb->read(c.client, buf, sizeof buf), 0);
  EXPECT_EQ(t.pb->write(c.client, "x", 1), -EPIPE);
  EXPECT_EQ(t.CountLines("b pid 1 fault: econnreset in read (plan line 1): "
                         "a RST from the peer arrives first"),
            1);
  // Nothing went to a: its end is still established and readable-empty.
  EXPECT_EQ(t.pa->read(c.server, buf, sizeof buf), -EAGAIN);
  ASSERT_EQ(t.pa->write(c.server, "more", 4), 4);
  t.w.RunFor(milliseconds(10));
  EXPECT_EQ(t.pa->read(c.server, buf, sizeof buf), -ECONNRESET);
}

TEST(PlanApply, ABadPlanIsRefusedWholeAndNothingIsScheduled) {
  UdpPair t;
  const size_t before = t.w.pending_events();
  faults::ParsedPlan parsed = faults::ParsePlan(
      "from 1s loss 0.5 a <-> b\nfrom 2s partition a <-> nobody");
  ASSERT_TRUE(parsed.ok());
  AppliedPlan applied = ApplyPlan(t.w, *parsed.plan);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error->line, 2);
  EXPECT_NE(applied.error->message.find("nobody"), std::string::npos);
  EXPECT_EQ(t.w.pending_events(), before);
}

TEST(PlanApply, SyscallEventsHitTheirHostsProcessesWithinTheirWindow) {
  UdpPair t;
  t.Apply("from 1s to 2s syscall enobufs 1 in sendto on a");
  auto a_sends = [&t] { return SendTo(*t.pa, t.fa, "x", 1, "10.0.0.2", 9); };
  auto b_sends = [&t] { return SendTo(*t.pb, t.fb, "x", 1, "10.0.0.1", 9); };
  EXPECT_EQ(a_sends(), 1);  // before the window
  t.w.RunFor(milliseconds(1500));
  EXPECT_EQ(a_sends(), -ENOBUFS);
  EXPECT_EQ(b_sends(), 1);  // b is not in the event
  t.w.RunFor(seconds(1));
  EXPECT_EQ(a_sends(), 1);  // after it
  EXPECT_EQ(t.CountLines("network fault: plan line 1 begins: from 1s to 2s "
                         "syscall enobufs 1 in sendto on a"),
            1);
  EXPECT_EQ(t.CountLines("network fault: plan line 1 ends"), 1);
  EXPECT_EQ(
      t.CountLines("a pid 1 fault: enobufs in sendto (plan line 1): -ENOBUFS"),
      1);
  EXPECT_EQ(t.CountLines("fault: enobufs"), 1);
}

TEST(PlanApply, SyscallFaultsCountEligibleCallsForNth) {
  UdpPair t;
  // The second eligible recvfrom on b: a nonblocking socket, so a
  // spurious EAGAIN is one Linux can give. The datagram stays queued.
  t.Apply("from 0s syscall eagain nth 2 in recvfrom on b");
  t.AtoB("one");
  t.AtoB("two");
  t.w.RunFor(milliseconds(10));
  char buf[16];
  EXPECT_EQ(t.pb->recvfrom(t.fb, buf, sizeof buf, 0, nullptr, nullptr), 3);
  EXPECT_EQ(t.pb->recvfrom(t.fb, buf, sizeof buf, 0, nullptr, nullptr),
            -EAGAIN);
  EXPECT_EQ(t.pb->recvfrom(t.fb, buf, sizeof buf, 0, nullptr, nullptr), 3);
  EXPECT_EQ(std::string(buf, 3), "two");
  EXPECT_EQ(t.CountLines("b pid 1 fault: eagain in recvfrom (plan line 1): "
                         "-EAGAIN"),
            1);
}

TEST(PlanApply, EintrComesOnlyWhenTheCallSleeps) {
  UdpPair t;
  t.Apply("from 0s syscall eintr 1 in recvfrom on b");
  int fd = t.pb->socket(AF_INET, SOCK_DGRAM, 0);  // blocking
  ASSERT_EQ(Bind(*t.pb, fd, "0.0.0.0", 10), 0);
  char buf[16];
  // Nothing queued: the call sleeps, and the signal ends it.
  EXPECT_EQ(t.pb->recvfrom(fd, buf, sizeof buf, 0, nullptr, nullptr), -EINTR);
  // Something queued: no sleep, no signal, whatever the probability.
  ASSERT_EQ(SendTo(*t.pa, t.fa, "hi", 2, "10.0.0.2", 10), 2);
  t.w.RunFor(milliseconds(10));
  EXPECT_EQ(t.pb->recvfrom(fd, buf, sizeof buf, 0, nullptr, nullptr), 2);
  // A nonblocking socket never sleeps.
  EXPECT_EQ(t.pb->recvfrom(t.fb, buf, sizeof buf, 0, nullptr, nullptr),
            -EAGAIN);
  EXPECT_EQ(t.CountLines("b pid 1 fault: eintr in recvfrom (plan line 1): "
                         "-EINTR"),
            1);
}

TEST(PlanApply, ARestartedHostsNewProcessesGetTheSyscallFaults) {
  UdpPair t;
  std::vector<int> after_restart;
  PlanHooks hooks;
  hooks.on_restart = [&](Host& h) {
    Process& p = h.SpawnProcess();
    after_restart.push_back(p.socket(AF_INET, SOCK_DGRAM, 0));
  };
  t.Apply(
      "from 0s syscall emfile 1 in socket on a\nat 1s crash a\n"
      "at 2s restart a",
      hooks);
  EXPECT_EQ(t.pa->socket(AF_INET, SOCK_DGRAM, 0), -EMFILE);
  EXPECT_GE(t.pb->socket(AF_INET, SOCK_DGRAM, 0), 3);
  t.w.RunFor(seconds(3));
  EXPECT_EQ(after_restart, std::vector<int>{-EMFILE});
  EXPECT_EQ(t.CountLines("a pid 2 fault: emfile in socket (plan line 1): "
                         "-EMFILE"),
            1);
}

TEST(PlanApply, EventsInThePastAreRefused) {
  UdpPair t;
  t.w.RunFor(seconds(10));
  faults::ParsedPlan parsed = faults::ParsePlan("at 5s crash a");
  AppliedPlan applied = ApplyPlan(t.w, *parsed.plan);
  ASSERT_FALSE(applied.ok());
  EXPECT_NE(applied.error->message.find("before the world's time"),
            std::string::npos);
}

TEST(PlanApply, RandomPlansAreDrawnFromTheWorldsSeedAndReplay) {
  auto run = [](uint64_t seed) {
    UdpPair t(seed);
    faults::ParsedPlan parsed = faults::ParsePlan(
        "random faults=10 kinds=loss,duplicate,delay,jitter,clog,partition "
        "duration=2s");
    AppliedPlan applied = ApplyPlan(t.w, *parsed.plan);
    EXPECT_TRUE(applied.ok());
    for (int i = 0; i < 200; ++i) {
      t.AtoB("a" + std::to_string(i));
      t.BtoA("b" + std::to_string(i));
      t.w.RunFor(milliseconds(10));
    }
    t.w.RunFor(seconds(1));
    return std::make_pair(applied.plan.ToText(), t.w.trace().hash());
  };
  auto one = run(5), two = run(5), other = run(6);
  EXPECT_EQ(one, two);
  EXPECT_NE(one.first, other.first);
  EXPECT_EQ(std::count(one.first.begin(), one.first.end(), '\n'), 10);
}

}  // namespace
}  // namespace simsock::sim
