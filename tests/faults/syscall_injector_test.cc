// SyscallInjector: nth counts only eligible calls, probabilities are drawn
// deterministically from the source, eligibility follows the table of
// docs/faults.md, rules come and go; and the plan's schedule for one
// process.
#include "simsock/faults/syscall_injector.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <vector>

#include "simsock/faults/syscall_schedule.h"

namespace simsock::faults {
namespace {

using K = SyscallFaultKind;

SyscallFault Nth(K kind, uint64_t n, std::string call = "") {
  SyscallFault f;
  f.kind = kind;
  f.nth = n;
  f.call = std::move(call);
  return f;
}

SyscallFault Prob(K kind, double p, std::string call = "") {
  SyscallFault f;
  f.kind = kind;
  f.probability = p;
  f.call = std::move(call);
  return f;
}

CallSite StreamRead(bool blocking, size_t len = 100) {
  CallSite s{"read"};
  s.socket = true;
  s.stream = true;
  s.connected = true;
  s.blocking = blocking;
  s.len = len;
  return s;
}

TEST(SyscallInjector, NthCountsOnlyEligibleCalls) {
  SplitMix64 rng(1);
  SyscallInjector inj(rng);
  inj.Add(Nth(K::kEintr, 3), "plan line 2");
  // Nonblocking reads cannot be interrupted: they do not count.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(inj.Pick(StreamRead(false)));
  EXPECT_FALSE(inj.Pick(StreamRead(true)));
  EXPECT_FALSE(inj.Pick(StreamRead(true)));
  auto hit = inj.Pick(StreamRead(true));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->kind, K::kEintr);
  EXPECT_EQ(hit->origin, "plan line 2");
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(inj.Pick(StreamRead(true)));
}

TEST(SyscallInjector, CallNarrowsTheRule) {
  SplitMix64 rng(1);
  SyscallInjector inj(rng);
  inj.Add(Nth(K::kEintr, 1, "recvfrom"), "");
  EXPECT_FALSE(inj.MayHit("read"));
  EXPECT_TRUE(inj.MayHit("recvfrom"));
  EXPECT_FALSE(inj.Pick(StreamRead(true)));
  CallSite s = StreamRead(true);
  s.call = "recvfrom";
  EXPECT_TRUE(inj.Pick(s));
}

std::vector<bool> Draws(uint64_t seed, double p, int n) {
  SplitMix64 rng(seed);
  SyscallInjector inj(rng);
  inj.Add(Prob(K::kShortIo, p), "");
  std::vector<bool> out;
  for (int i = 0; i < n; ++i)
    out.push_back(inj.Pick(StreamRead(true)).has_value());
  return out;
}

TEST(SyscallInjector, ProbabilityIsDeterministic) {
  auto a = Draws(42, 0.3, 2000);
  EXPECT_EQ(a, Draws(42, 0.3, 2000));
  EXPECT_NE(a, Draws(43, 0.3, 2000));
  int hits = 0;
  for (bool b : a) hits += b;
  EXPECT_GT(hits, 450);  // 600 expected
  EXPECT_LT(hits, 750);
  for (bool b : Draws(1, 0, 100)) EXPECT_FALSE(b);
  for (bool b : Draws(1, 1, 100)) EXPECT_TRUE(b);
}

TEST(SyscallInjector, EveryEligibleRuleCountsEvenAfterOneFired) {
  SplitMix64 rng(1);
  SyscallInjector inj(rng);
  inj.Add(Nth(K::kShortIo, 1), "first");
  inj.Add(Nth(K::kEintr, 2), "second");
  auto h1 = inj.Pick(StreamRead(true));
  ASSERT_TRUE(h1);
  EXPECT_EQ(h1->origin, "first");
  auto h2 = inj.Pick(StreamRead(true));
  ASSERT_TRUE(h2);  // the second rule counted the first call too
  EXPECT_EQ(h2->origin, "second");
}

TEST(SyscallInjector, AddAndRemove) {
  SplitMix64 rng(1);
  SyscallInjector inj(rng);
  EXPECT_TRUE(inj.empty());
  EXPECT_FALSE(inj.MayHit("read"));
  uint64_t a = inj.Add(Prob(K::kEintr, 1), "a");
  uint64_t b = inj.Add(Prob(K::kEconnreset, 1), "b");
  EXPECT_EQ(inj.size(), 2u);
  EXPECT_TRUE(inj.Remove(a));
  EXPECT_FALSE(inj.Remove(a));
  auto hit = inj.Pick(StreamRead(true));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->rule_id, b);
  EXPECT_EQ(hit->kind, K::kEconnreset);
  EXPECT_TRUE(inj.Remove(b));
  EXPECT_FALSE(inj.Pick(StreamRead(true)));
}

TEST(SyscallInjector, EligibilityFollowsTheCallsState) {
  CallSite r = StreamRead(true);
  EXPECT_TRUE(Eligible(K::kEintr, r));
  EXPECT_FALSE(Eligible(K::kEagain, r));
  EXPECT_TRUE(Eligible(K::kShortIo, r));
  EXPECT_TRUE(Eligible(K::kEconnreset, r));
  EXPECT_FALSE(Eligible(K::kEnobufs, r));  // not a send
  r.blocking = false;
  EXPECT_FALSE(Eligible(K::kEintr, r));
  EXPECT_TRUE(Eligible(K::kEagain, r));
  r.len = 1;
  EXPECT_FALSE(Eligible(K::kShortIo, r));  // at least 1 byte must move
  r.len = 10;
  r.msg_flags = MSG_WAITALL;
  EXPECT_FALSE(Eligible(K::kShortIo, r));
  r.msg_flags = 0;
  r.connected = false;
  EXPECT_FALSE(Eligible(K::kEconnreset, r));
  r.stream = false;  // a datagram socket
  r.connected = true;
  EXPECT_FALSE(Eligible(K::kShortIo, r));
  EXPECT_FALSE(Eligible(K::kEconnreset, r));
  r.socket = false;  // a pipe or file: no socket errors at all
  EXPECT_FALSE(Eligible(K::kEagain, r));

  CallSite send{"sendto"};
  send.socket = true;
  EXPECT_TRUE(Eligible(K::kEnobufs, send));  // datagram
  EXPECT_TRUE(Eligible(K::kEnomem, send));
  send.stream = true;
  EXPECT_FALSE(Eligible(K::kEnobufs, send));  // a stream waits for memory

  CallSite sock{"socket"};
  EXPECT_TRUE(Eligible(K::kEmfile, sock));
  EXPECT_TRUE(Eligible(K::kEnfile, sock));
  EXPECT_FALSE(Eligible(K::kEintr, sock));

  CallSite acc{"accept4"};
  acc.socket = acc.stream = true;
  EXPECT_TRUE(Eligible(K::kEconnaborted, acc));
  EXPECT_TRUE(Eligible(K::kEmfile, acc));
  acc.blocking = true;
  EXPECT_TRUE(Eligible(K::kEintr, acc));

  CallSite conn{"connect"};
  conn.socket = conn.stream = conn.blocking = true;
  EXPECT_TRUE(Eligible(K::kEintr, conn));
  conn.connected = true;  // EISCONN at once: nothing to interrupt
  EXPECT_FALSE(Eligible(K::kEintr, conn));

  CallSite wait{"epoll_wait"};
  EXPECT_FALSE(Eligible(K::kSpuriousWake, wait));  // timeout 0
  EXPECT_FALSE(Eligible(K::kEintr, wait));
  wait.blocking = true;
  EXPECT_TRUE(Eligible(K::kSpuriousWake, wait));
  EXPECT_TRUE(Eligible(K::kEintr, wait));
  EXPECT_FALSE(Eligible(K::kEagain, wait));
}

TEST(SyscallInjector, ShortLengthIsWithinTheRequest) {
  SplitMix64 rng(7);
  SyscallInjector inj(rng);
  for (size_t len : {2u, 3u, 100u, 65536u}) {
    for (int i = 0; i < 200; ++i) {
      size_t n = inj.ShortLength(len);
      EXPECT_GE(n, 1u);
      EXPECT_LT(n, len);
    }
  }
}

TEST(SyscallInjector, ReportsToTheTrace) {
  SplitMix64 rng(1);
  SyscallInjector inj(rng, "pid 3");
  std::vector<std::string> lines;
  inj.SetTrace([&](const Injection& i) { lines.push_back(i.ToString()); });
  inj.Add(Nth(K::kEintr, 1), "plan line 7");
  auto hit = inj.Pick(StreamRead(true));
  ASSERT_TRUE(hit);
  inj.Report(*hit, "read", "-EINTR");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "pid 3: eintr in read (plan line 7): -EINTR");
}

TEST(SyscallSchedule, RulesForOneProcessComeAndGo) {
  auto parsed = ParsePlan(
      "group clients = client*\n"
      "from 0s syscall emfile 1 on *\n"
      "from 1s to 3s syscall eintr 0.5 in read on clients\n"
      "from 2s syscall short nth 2 on server pid 2\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error.ToString();
  std::vector<std::string> hosts = {"server", "client1", "client2"};
  auto client = SyscallRulesFor(*parsed.plan, hosts, "client2", 1);
  ASSERT_EQ(client.size(), 2u);
  EXPECT_EQ(client[0].origin, "plan line 2");
  EXPECT_EQ(client[0].fault.kind, K::kEmfile);
  EXPECT_EQ(client[1].origin, "plan line 3");
  EXPECT_EQ(client[1].fault.kind, K::kEintr);
  EXPECT_EQ(SyscallRulesFor(*parsed.plan, hosts, "server", 1).size(), 1u);
  EXPECT_EQ(SyscallRulesFor(*parsed.plan, hosts, "server", 2).size(), 2u);

  SplitMix64 rng(1);
  SyscallInjector inj(rng);
  uint64_t own = inj.Add(Prob(K::kEnobufs, 1), "own");
  SyscallSchedule schedule(client);
  using std::chrono::milliseconds;
  EXPECT_EQ(schedule.Tick(milliseconds(0), inj), 1);  // emfile
  EXPECT_EQ(inj.size(), 2u);
  EXPECT_EQ(schedule.Tick(milliseconds(1000), inj), 1);  // + eintr
  EXPECT_EQ(inj.size(), 3u);
  EXPECT_EQ(schedule.Tick(milliseconds(2000), inj), 0);
  EXPECT_EQ(schedule.Tick(milliseconds(3000), inj), 1);  // - eintr
  EXPECT_EQ(inj.size(), 2u);
  EXPECT_TRUE(inj.Remove(own));  // the caller's own rule was left alone
  EXPECT_EQ(inj.size(), 1u);
}

}  // namespace
}  // namespace simsock::faults
