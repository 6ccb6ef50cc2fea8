// The fault plan language: reading, printing back, errors with positions,
// checks against a world's hosts, and random plans drawn from a seed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "simsock/faults/fault_plan.h"

namespace simsock::faults {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::vector<std::string> kHosts = {"server", "client1", "client2",
                                         "client3"};

FaultPlan MustParse(const std::string& text) {
  ParsedPlan p = ParsePlan(text);
  EXPECT_TRUE(p.ok()) << p.error.ToString();
  return p.ok() ? *p.plan : FaultPlan{};
}

PlanError MustFail(const std::string& text,
                   const std::vector<std::string>* hosts = nullptr) {
  ParsedPlan p = hosts ? ParsePlan(text, *hosts) : ParsePlan(text);
  EXPECT_FALSE(p.ok()) << "parsed: " << text;
  return p.error;
}

TEST(FaultPlanParse, EveryKindOfEvent) {
  FaultPlan plan = MustParse(
      "# the issue's examples\n"
      "group clients = client*\n"
      "from 10s to 40s loss 0.1 clients <-> server\n"
      "from 10s duplicate 5% client1 -> server\n"
      "from 11s to 12s corrupt 0.001 * <-> server\n"
      "from 12s delay 30ms clients <-> server\n"
      "from 12s jitter 1.5ms client1,client2 <-> server\n"
      "from 13s bandwidth 10mbit clients <-> server\n"
      "from 13s queue 64kb clients <-> server\n"
      "from 14s to 14.5s clog client1 <-> server\n"
      "from 20s to 25s partition server -> clients\n"
      "from 21s to 22s isolate server\n"
      "from 23s to 24s split server,client1 | client2,client3\n"
      "at 45s crash server\n"
      "at 55s restart server\n"
      "from 56s to 60s crash client3\n"
      "at 60s syscall eintr 0.05 in recvfrom on clients\n"
      "at 61s syscall econnreset nth 3 in read on server pid 2\n");
  ASSERT_EQ(plan.groups.size(), 1u);
  EXPECT_EQ(plan.groups[0].name, "clients");
  EXPECT_EQ(plan.groups[0].patterns, std::vector<std::string>{"client*"});
  ASSERT_EQ(plan.events.size(), 16u);

  const Event& loss = plan.events[0];
  EXPECT_EQ(loss.kind, FaultKind::kLoss);
  EXPECT_EQ(loss.where.line, 3);
  EXPECT_EQ(loss.where.column, 1);
  EXPECT_EQ(loss.start, seconds(10));
  EXPECT_EQ(loss.end, seconds(40));
  EXPECT_DOUBLE_EQ(loss.probability, 0.1);
  EXPECT_EQ(loss.link.from, HostSet::Of({"clients"}));
  EXPECT_EQ(loss.link.to, HostSet::Of({"server"}));
  EXPECT_TRUE(loss.link.both_ways);

  const Event& dup = plan.events[1];
  EXPECT_DOUBLE_EQ(dup.probability, 0.05);
  EXPECT_FALSE(dup.end.has_value());
  EXPECT_FALSE(dup.link.both_ways);

  EXPECT_TRUE(plan.events[2].link.from.all);
  EXPECT_EQ(plan.events[3].duration, milliseconds(30));
  EXPECT_EQ(plan.events[4].duration, std::chrono::microseconds(1500));
  EXPECT_EQ(plan.events[4].link.from, HostSet::Of({"client1", "client2"}));
  EXPECT_EQ(plan.events[5].bits_per_second, 10'000'000u);
  EXPECT_EQ(plan.events[6].bytes, 64u * 1024);
  EXPECT_EQ(plan.events[7].end, milliseconds(14500));
  EXPECT_EQ(plan.events[9].kind, FaultKind::kIsolate);
  EXPECT_EQ(plan.events[10].others, HostSet::Of({"client2", "client3"}));
  EXPECT_TRUE(plan.events[11].instant);
  EXPECT_EQ(plan.events[12].kind, FaultKind::kRestart);
  EXPECT_EQ(plan.events[13].end, seconds(60));

  const Event& eintr = plan.events[14];
  EXPECT_EQ(eintr.syscall.kind, SyscallFaultKind::kEintr);
  EXPECT_EQ(eintr.syscall.call, "recvfrom");
  EXPECT_DOUBLE_EQ(eintr.syscall.probability, 0.05);
  const Event& reset = plan.events[15];
  EXPECT_EQ(reset.syscall.nth, 3u);
  EXPECT_EQ(reset.pid, 2);
  EXPECT_EQ(plan.Check(kHosts), std::nullopt);
}

TEST(FaultPlanParse, OneLineFormSeparatesEventsWithSemicolons) {
  FaultPlan plan = MustParse(
      "from 1s to 2s loss 0.5 a <-> b; at 3s crash b;at 4s restart b");
  ASSERT_EQ(plan.events.size(), 3u);
  EXPECT_EQ(plan.events[1].where.line, 1);
  EXPECT_EQ(plan.events[1].where.column, 33);
  EXPECT_EQ(plan.events[2].where.column, 47);
}

TEST(FaultPlanParse, EmptyTextIsAnEmptyPlan) {
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse("  # nothing\n\n ;; \n").empty());
}

TEST(FaultPlanText, RoundTripsTextPlanText) {
  const std::string text =
      "group clients = client* db?\n"
      "from 0s to 40s loss 0.1 clients <-> server\n"
      "from 1s duplicate 0.000001 client1 -> server\n"
      "from 2s delay 30ms * <-> server\n"
      "from 2s jitter 1500us client1,client2 <-> server\n"
      "from 3s bandwidth 1500kbit clients -> server\n"
      "from 3s queue 1500b clients <-> server\n"
      "from 4s to 4500ms clog client1 <-> server\n"
      "from 5s to 6s split server | client1,client2\n"
      "at 1m crash server\n"
      "at 90s restart server\n"
      "at 2h syscall short nth 7 on clients pid 1\n"
      "random faults=20 kinds=loss,partition,crash duration=10m\n";
  FaultPlan plan = MustParse(text);
  EXPECT_EQ(plan.ToText(), text);
  EXPECT_EQ(MustParse(plan.ToText()), plan);
}

TEST(FaultPlanText, PrintsTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(seconds(90)), "90s");
  EXPECT_EQ(FormatDuration(seconds(120)), "2m");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(std::chrono::nanoseconds(7)), "7ns");
  EXPECT_EQ(FormatDuration(std::chrono::nanoseconds(0)), "0s");
  EXPECT_EQ(FormatRate(10'000'000), "10mbit");
  EXPECT_EQ(FormatRate(1'500), "1500bit");
  EXPECT_EQ(FormatBytes(65536), "64kb");
  EXPECT_EQ(FormatBytes(1000), "1000b");
}

struct BadPlan {
  const char* text;
  int line;
  int column;
  const char* message_part;
};

TEST(FaultPlanErrors, SayWhereAndWhatWasExpected) {
  const BadPlan cases[] = {
      {"from 1s to 2s smoke 0.1 a <-> b", 1, 15, "expected a fault"},
      {"from 1s to 2s loss 1.5 a <-> b", 1, 20, "outside [0, 1]"},
      {"from 1s to 2s loss -0.1 a <-> b", 1, 20, "expected a probability"},
      {"from 1s to 2s loss 101% a <-> b", 1, 20, "outside [0, 1]"},
      {"from 5s loss 0.1 a <-> b\nfrom 2s loss 0.1 a <-> b", 2, 6,
       "time goes backwards"},
      {"from 5s to 2s loss 0.1 a <-> b", 1, 12, "ends (2s) before it starts"},
      {"from 5s to 5s loss 0.1 a <-> b", 1, 12, "before it starts"},
      {"from 5x loss 0.1 a <-> b", 1, 6, "expected a time"},
      {"from 1s loss 0.1 a b", 1, 20, "expected \"<->\""},
      {"from 1s loss 0.1 a <->", 1, 23, "expected a host"},
      {"at 1s loss 0.1 a <-> b", 1, 7, "loss lasts"},
      {"from 1s restart a", 1, 9, "restart happens at an instant"},
      {"from 1s crash a b", 1, 17, "expected the end of the line"},
      {"from 1s split a b", 1, 17, "expected \"|\""},
      {"from 1s bandwidth 10mbps a <-> b", 1, 19, "expected a rate"},
      {"from 1s bandwidth 0mbit a <-> b", 1, 19, "expected a rate"},
      {"from 1s queue 64 a <-> b", 1, 15, "expected a size"},
      {"at 1s syscall eintr 0.1 in listen on a", 1, 28,
       "never returned by \"listen\""},
      {"at 1s syscall econnaborted 0.1 in read on a", 1, 35,
       "it can hit accept4"},
      {"at 1s syscall teapot 0.1 on a", 1, 15, "expected a syscall fault"},
      {"at 1s syscall eintr nth 0 on a", 1, 25, "whole number from 1"},
      {"at 1s syscall eintr 0.1 a", 1, 25, "expected \"on\""},
      {"group = a", 1, 7, "expected a group name"},
      {"group g = a\ngroup g = b", 2, 7, "already defined on line 1"},
      {"random faults=3", 1, 16, "random needs duration"},
      {"random faults=3 kinds=restart duration=1m", 1, 23,
       "expected a fault kind to draw"},
      {"random faults=3 duration=1m\nrandom faults=3 duration=1m", 2, 1,
       "one \"random\" line"},
      {"hello", 1, 1, "expected \"at\", \"from\""},
      {"from 1s loss 0.1 a <-> b; at 2s crash ; from 1s crash a", 1, 39,
       "expected a host"},
      {"from 1.0000000001s crash a", 1, 6, "expected a time"},
      {"from 99999999999999999999s crash a", 1, 6, "expected a time"},
  };
  for (const BadPlan& c : cases) {
    PlanError e = MustFail(c.text);
    EXPECT_EQ(e.line, c.line) << c.text << " -> " << e.ToString();
    EXPECT_EQ(e.column, c.column) << c.text << " -> " << e.ToString();
    EXPECT_NE(e.message.find(c.message_part), std::string::npos)
        << c.text << " -> " << e.ToString();
  }
}

TEST(FaultPlanErrors, ToStringHasFileStylePosition) {
  PlanError e = MustFail("\n  from 1s smoke a");
  EXPECT_EQ(e.ToString().rfind("plan:2:11: expected a fault", 0), 0u)
      << e.ToString();
}

TEST(FaultPlanErrors, UnknownHostsAtTheirColumnWhenTheHostsAreKnown) {
  PlanError e = MustFail("from 1s loss 0.1 client1 <-> sevrer", &kHosts);
  EXPECT_EQ(e.column, 30);
  EXPECT_NE(e.message.find("unknown host or group \"sevrer\""),
            std::string::npos);
  e = MustFail("group g = db*", &kHosts);
  EXPECT_EQ(e.column, 11);
  EXPECT_NE(e.message.find("matches no host"), std::string::npos);
  // A group is known from the line that defines it on.
  e = MustFail("at 1s crash g\ngroup g = client*", &kHosts);
  EXPECT_EQ(e.line, 1);
  EXPECT_TRUE(ParsePlan("group g = client*\nat 1s crash g", kHosts).ok());
}

TEST(FaultPlanCheck, FindsWhatOnlyTheWorldKnows) {
  auto check = [](const std::string& text) {
    return MustParse(text).Check(kHosts);
  };
  EXPECT_EQ(check("from 1s loss 0.1 client1 <-> server"), std::nullopt);
  auto e = check("\nfrom 1s loss 0.1 client1 <-> nobody");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->line, 2);
  EXPECT_NE(e->message.find("unknown host or group \"nobody\""),
            std::string::npos);
  e = check("from 1s loss 0.1 server <-> server");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("to itself"), std::string::npos);
  e = check("from 1s split client1,server | server");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("both sides"), std::string::npos);
  e = check("group server = client1");
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->message.find("name of a host"), std::string::npos);
}

// Found by plan_fuzzer: a plan read with the hosts is one Check accepts
// (a self-link passed the name checks of the reading, then Check refused
// it when applied).
TEST(FaultPlanParse, ReadingWithTheHostsChecksTheWholePlan) {
  const std::vector<std::string> hosts = {"a", "b", "server"};
  PlanError e =
      MustFail("at 1s crash a\nfrom 2s bandwidth 10mbit b -> b", &hosts);
  EXPECT_EQ(e.line, 2);
  EXPECT_NE(e.message.find("to itself"), std::string::npos);
  e = MustFail("from 1s split a,b | b", &hosts);
  EXPECT_NE(e.message.find("both sides"), std::string::npos);
  EXPECT_TRUE(ParsePlan("from 0s bandwidth 10mbit a -> b", hosts).ok());
}

TEST(FaultPlanCheck, ResolveExpandsGroupsInWorldOrder) {
  FaultPlan plan = MustParse("group cs = client3 client1\ngroup all = *");
  EXPECT_EQ(plan.Resolve(HostSet::Of({"cs", "server"}), kHosts),
            (std::vector<std::string>{"server", "client1", "client3"}));
  EXPECT_EQ(plan.Resolve(HostSet::All(), kHosts), kHosts);
  EXPECT_EQ(plan.Resolve(HostSet::Of({"all"}), kHosts), kHosts);
}

TEST(FaultPlanGlob, StarAndQuestionMark) {
  EXPECT_TRUE(GlobMatch("client*", "client12"));
  EXPECT_TRUE(GlobMatch("client*", "client"));
  EXPECT_TRUE(GlobMatch("*1", "client1"));
  EXPECT_TRUE(GlobMatch("c?ient*2", "client12"));
  EXPECT_FALSE(GlobMatch("client?", "client12"));
  EXPECT_FALSE(GlobMatch("server", "server1"));
  EXPECT_TRUE(GlobMatch("*", ""));
}

TEST(FaultPlanRandom, SameSeedSamePlanOtherSeedOtherPlan) {
  FaultPlan budget = MustParse(
      "at 1s crash client1\n"
      "random faults=20 "
      "kinds=loss,duplicate,corrupt,delay,jitter,bandwidth,queue,clog,"
      "partition,isolate,split,crash duration=10m");
  FaultPlan a = budget.Draw(7, kHosts);
  FaultPlan b = budget.Draw(7, kHosts);
  FaultPlan c = budget.Draw(8, kHosts);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.ToText(), b.ToText());
  EXPECT_NE(a.ToText(), c.ToText());
  EXPECT_FALSE(a.random.has_value());
  ASSERT_EQ(a.events.size(), 21u);
  // The drawn plan is a plan like any other: valid, in time order, within
  // the budget, and its text reads back as the same plan.
  EXPECT_EQ(a.Check(kHosts), std::nullopt);
  for (size_t i = 1; i < a.events.size(); ++i) {
    EXPECT_LE(a.events[i - 1].start, a.events[i].start);
  }
  for (const Event& ev : a.events) {
    if (!ev.end) continue;
    EXPECT_LT(ev.start, *ev.end);
    EXPECT_LE(*ev.end, std::chrono::minutes(10));
  }
  EXPECT_EQ(MustParse(a.ToText()), a);
}

TEST(FaultPlanRandom, DrawsOnlyTheKindsAskedFor) {
  FaultPlan budget =
      MustParse("random faults=50 kinds=partition,crash duration=1m");
  FaultPlan a = budget.Draw(1, kHosts);
  ASSERT_EQ(a.events.size(), 50u);
  int partitions = 0, crashes = 0;
  for (const Event& ev : a.events) {
    if (ev.kind == FaultKind::kPartition) ++partitions;
    if (ev.kind == FaultKind::kCrash) ++crashes;
  }
  EXPECT_EQ(partitions + crashes, 50);
  EXPECT_GT(partitions, 0);
  EXPECT_GT(crashes, 0);
  // One host: no link to draw, only crashes.
  FaultPlan lone = budget.Draw(1, {"only"});
  for (const Event& ev : lone.events) EXPECT_EQ(ev.kind, FaultKind::kCrash);
}

}  // namespace
}  // namespace simsock::faults
