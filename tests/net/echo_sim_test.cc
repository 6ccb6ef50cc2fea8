// The seed's story in virtual time (issue 3 §4): clients write at 0, 30, 60
// and 90 s, the server's 2-minute read deadline fires at 120 s
// ("i/o timeout"), the server closes, and each client's next exchange
// fails. With one-way latency L to client i, everything happens at exact
// offsets of L, which this test checks from the timeline.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "examples/echo/echo_world.h"
#include "simsock/faults/fault_plan.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/testing/trace_events.h"

namespace simsock::echo {
namespace {

using sim::Time;
using simsock::testing::EventTimes;
using simsock::testing::PacketDst;
using simsock::testing::PacketSrc;
using simsock::testing::PacketSrcPort;
using simsock::testing::SyscallBy;
using simsock::testing::SyscallResult;
using simsock::testing::TcpFlagsExactly;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;

TEST(EchoSim, SeedStoryPlaysOutInVirtualTime) {
  EchoWorldOptions o;
  o.seed = 1;
  o.clients = 3;
  o.keep_events = true;
  EchoWorldResult r = RunEchoWorld(o);

  // Server lines, by client address; client lines, by client host.
  std::map<std::string, std::vector<Time>> server_hellos;
  std::map<std::string, Time> server_timeouts;
  std::map<std::string, std::vector<Time>> client_replies;
  std::map<std::string, std::string> client_end;
  std::map<std::string, Time> client_end_at;
  for (const TimelineEntry& e : r.timeline) {
    if (e.host == kSeedServerName) {
      if (e.line == "hello, server") {
        server_hellos["any"].push_back(e.at);
      } else if (e.line.find("i/o timeout") != std::string::npos &&
                 e.line.rfind("Error:  ", 0) == 0) {
        // "Error:  read tcp4 10.0.0.1:6445->10.0.1.N:PORT: i/o timeout"
        std::string peer = e.line.substr(e.line.find("->") + 2);
        peer = peer.substr(0, peer.find(':'));
        server_timeouts[peer] = e.at;
      }
    } else if (e.line == "hello, client") {
      client_replies[e.host].push_back(e.at);
    } else if (e.line.rfind("client done: ", 0) == 0) {
      client_end[e.host] = e.line;
      client_end_at[e.host] = e.at;
    }
  }

  ASSERT_EQ(server_timeouts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const std::string host = "client" + std::to_string(i + 1);
    const std::string ip = "10.0.1." + std::to_string(i + 1);
    const milliseconds l(i + 1);  // one-way latency to this client
    // Connected at 2L; request k lands at 3L + k (30 s + 2L); its reply is
    // back L later.
    ASSERT_EQ(client_replies[host].size(), 4u) << host;
    for (int k = 0; k < 4; ++k) {
      Time request = Time(3 * l + k * (seconds(30) + 2 * l));
      EXPECT_EQ(client_replies[host][k], request + l) << host << " #" << k;
    }
    // The server accepted at 3L and set its 2-minute deadline then.
    EXPECT_EQ(server_timeouts[ip], Time(seconds(120) + 3 * l)) << host;
    // The fifth exchange starts 30 s after the fourth reply and fails at
    // once: the server's FIN is already there.
    Time fifth = Time(3 * l + 3 * (seconds(30) + 2 * l) + l + seconds(30));
    EXPECT_EQ(client_end[host], "client done: EOF") << host;
    EXPECT_EQ(client_end_at[host], fifth) << host;
  }
  EXPECT_EQ(server_hellos["any"].size(), 12u);

  // The same story in the kernel trace: each client's requests leave it at
  // 2L + k (30 s + 2L) (a write of 13 bytes), and the server's FIN to it
  // leaves at 120 s + 3L, when the deadline fires and the server closes.
  for (int i = 0; i < 3; ++i) {
    const milliseconds l(i + 1);
    const std::string client = "client" + std::to_string(i + 1);
    const std::string client_ip = "10.0.1." + std::to_string(i + 1);
    std::vector<Time> writes = EventTimes(
        r.events,
        AllOf(SyscallBy(client + " pid 1 tid", "write"), SyscallResult("13")));
    std::vector<Time> server_fins = EventTimes(
        r.events,
        AllOf(PacketSrc("10.0.0.1"), PacketSrcPort(6445), PacketDst(client_ip),
              TcpFlagsExactly(sim::tcp::kFin | sim::tcp::kAck)));
    ASSERT_GE(writes.size(), 5u) << "client" << i + 1;
    for (int k = 0; k < 4; ++k)
      EXPECT_EQ(writes[k], Time(2 * l + k * (seconds(30) + 2 * l)));
    ASSERT_EQ(server_fins.size(), 1u);
    EXPECT_EQ(server_fins[0], Time(seconds(120) + 3 * l));
  }
  // Only the server's accept loop is still waiting at the end.
  ASSERT_EQ(r.deadlock.size(), 1u);
  EXPECT_NE(r.deadlock[0].find("(echo_server)"), std::string::npos);
}

TEST(EchoSim, SameSeedSameTraceOtherSeedSameStory) {
  EchoWorldOptions o;
  o.clients = 2;
  o.seed = 5;
  EchoWorldResult a = RunEchoWorld(o);
  EchoWorldResult b = RunEchoWorld(o);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  o.seed = 6;
  EchoWorldResult c = RunEchoWorld(o);
  EXPECT_NE(a.trace_hash, c.trace_hash);  // ISNs and ports differ
  ASSERT_EQ(a.timeline.size(), c.timeline.size());
  for (size_t i = 0; i < a.timeline.size(); ++i) {
    EXPECT_EQ(a.timeline[i].at, c.timeline[i].at);
    EXPECT_EQ(a.timeline[i].host, c.timeline[i].host);
  }
}

}  // namespace
}  // namespace simsock::echo

namespace simsock::echo {
namespace {

// The fault-injection experiment of the main job: lossy links, and the
// server host crashing at 45 s and coming back at 55 s. Every client's
// next exchange after the restart is reset; the run replays from its seed.
TEST(EchoSim, CrashAndLossExperimentReplaysFromItsSeed) {
  EchoWorldOptions o;
  o.seed = 3;
  o.clients = 3;
  auto plan = faults::ParsePlan(
      "from 0s loss 0.2 clients <-> server\n"
      "from 0s jitter 5ms clients <-> server\n"
      "at 45s crash server\n"
      "at 55s restart server\n");
  ASSERT_TRUE(plan.ok()) << plan.error.ToString();
  o.plan = *plan.plan;
  EchoWorldResult a = RunEchoWorld(o);
  ASSERT_EQ(a.plan_error, "");
  int resets = 0, hellos_after_restart = 0;
  for (const TimelineEntry& e : a.timeline) {
    if (e.line.rfind("client done: ", 0) == 0 &&
        e.line.find("connection reset by peer") != std::string::npos) {
      ++resets;
      EXPECT_GT(e.at, Time(seconds(55)));
    }
    if (e.line == "hello, client" && e.at > Time(seconds(45)))
      ++hellos_after_restart;
  }
  EXPECT_EQ(resets, 3);
  EXPECT_EQ(hellos_after_restart, 0);
  EXPECT_EQ(RunEchoWorld(o).trace_hash, a.trace_hash);
}

}  // namespace
}  // namespace simsock::echo

namespace simsock::echo {
namespace {

using std::chrono::seconds;

std::string Ip(uint32_t a) { return sim::IpToString(a); }

// Client addresses are computed: the first 254 are the 10.0.1.N they
// always were (so pinned traces stay), then the next /24s, never a .0 or
// .255 and never an octet past 255.
TEST(EchoSimClients, AddressesAreComputedFrom10_0_1_1) {
  EXPECT_EQ(Ip(ClientAddress(0)), "10.0.1.1");
  EXPECT_EQ(Ip(ClientAddress(253)), "10.0.1.254");
  EXPECT_EQ(Ip(ClientAddress(254)), "10.0.2.1");  // was "10.0.1.255"...
  EXPECT_EQ(Ip(ClientAddress(999)), "10.0.4.238");
  EXPECT_EQ(Ip(ClientAddress(254 * 255)), "10.1.0.1");  // carries on
  EXPECT_EQ(Ip(ClientAddress(kMaxClients - 1)), "10.1.138.178");
  EXPECT_EQ(Ip(ClientAddress(static_cast<int>(kMaxAddressable - 1))),
            "10.255.255.254");
  std::set<uint32_t> seen;
  for (int i = 0; i < kMaxClients; ++i) {
    const uint32_t a = ClientAddress(i);
    ASSERT_TRUE(seen.insert(a).second) << i;
    ASSERT_EQ(a >> 24, 10u) << i;
    ASSERT_NE(a & 0xFFFFFF00u, 0x0A000000u) << i;  // not the server's /24
    ASSERT_NE(a & 0xFF, 0u) << i;
    ASSERT_NE(a & 0xFF, 255u) << i;
  }
}

// Counts, per client host, the replies it got and how it ended.
struct Tally {
  std::map<std::string, int> replies;
  std::map<std::string, std::string> end;
  std::set<std::string> server_peers;  // client addresses in server lines
};

Tally Count(const EchoWorldResult& r) {
  Tally t;
  for (const TimelineEntry& e : r.timeline) {
    if (e.host == kSeedServerName) {
      const size_t arrow = e.line.find("->");
      if (arrow != std::string::npos) {
        std::string peer = e.line.substr(arrow + 2);
        t.server_peers.insert(peer.substr(0, peer.find(':')));
      }
    } else if (e.line == "hello, client") {
      ++t.replies[e.host];
    } else if (e.line.rfind("client done: ", 0) == 0) {
      t.end[e.host] = e.line;
    }
  }
  return t;
}

// 255 clients was the first number that aborted (10.0.1.256); 1000 was
// the old limit. Both play the whole story: four replies each, then EOF.
// With the server renewing its read deadline per read (the benchmark's
// workload), clients exchanging every 30 s are never cut off: in 10
// minutes each gets 20 replies (at connection, then every 30 s plus the
// round trip) and none ends, where the seed's once-set deadline ends every
// one after 2 minutes.
TEST(EchoSimClients, RenewedDeadlineKeepsClientsExchanging) {
  EchoWorldOptions o;
  o.clients = 5;
  o.run_for = std::chrono::minutes(10);
  o.settle = false;
  o.renew_deadline_per_read = true;
  EchoWorldResult r = RunEchoWorld(o);
  Tally t = Count(r);
  ASSERT_EQ(t.replies.size(), 5u);
  for (const auto& [host, count] : t.replies) EXPECT_EQ(count, 20) << host;
  EXPECT_TRUE(t.end.empty());
  for (const TimelineEntry& e : r.timeline)
    EXPECT_EQ(e.line.find("i/o timeout"), std::string::npos) << e.line;

  o.renew_deadline_per_read = false;  // the seed: cut off at 2 minutes
  Tally seed = Count(RunEchoWorld(o));
  for (const auto& [host, count] : seed.replies) EXPECT_EQ(count, 4) << host;
  EXPECT_EQ(seed.end.size(), 5u);
}

TEST(EchoSimClients, Clients255And1000PlayTheWholeStory) {
  for (int n : {255, 1000}) {
    EchoWorldOptions o;
    o.clients = n;
    EchoWorldResult r = RunEchoWorld(o);
    Tally t = Count(r);
    ASSERT_EQ(t.replies.size(), static_cast<size_t>(n));
    for (const auto& [host, count] : t.replies) {
      EXPECT_EQ(count, 4) << host;
      EXPECT_EQ(t.end[host], "client done: EOF") << host;
    }
    EXPECT_EQ(t.end.size(), static_cast<size_t>(n));
    // The server's deadline lines name the last client's computed address.
    EXPECT_TRUE(t.server_peers.count(Ip(ClientAddress(n - 1))))
        << Ip(ClientAddress(n - 1));
    EXPECT_TRUE(t.server_peers.count("10.0.2.1"));
    ASSERT_EQ(r.deadlock.size(), 1u);
  }
}

// Ten thousand clients for one second of virtual time: every one connects
// and gets its first reply (by 4 x its latency of at most 100 ms), and the
// server is not starved of fds (its RLIMIT_NOFILE is raised for them).
TEST(EchoSimClients, TenThousandClientsForOneSecond) {
  EchoWorldOptions o;
  o.clients = 10'000;
  o.run_for = seconds(1);
  o.settle = false;
  EchoWorldResult r = RunEchoWorld(o);
  Tally t = Count(r);
  EXPECT_EQ(t.replies.size(), 10'000u);
  for (const auto& [host, count] : t.replies) ASSERT_EQ(count, 1) << host;
  for (const TimelineEntry& e : r.timeline) {
    ASSERT_EQ(e.line.find("too many open files"), std::string::npos)
        << e.host << ": " << e.line;
    ASSERT_LE(e.at, sim::Time(seconds(1)));
  }
}

#ifdef SIMSOCK_ECHO_SIM
// The program itself: a --clients outside 1..kMaxClients (or not a number)
// is a usage error, exit code 2, with a message that says the range.
struct Ran {
  int exit_code = -1;
  std::string output;
};

Ran RunEchoSim(const std::string& args) {
  Ran ran;
  const std::string cmd = std::string(SIMSOCK_ECHO_SIM) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return ran;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) ran.output.append(buf, n);
  const int status = ::pclose(p);
  if (WIFEXITED(status)) ran.exit_code = WEXITSTATUS(status);
  return ran;
}

TEST(EchoSimCli, ClientsOutOfRangeIsAUsageError) {
  const std::string range = "echo_sim: --clients must be a number in 1.." +
                            std::to_string(kMaxClients);
  const std::vector<std::string> bads = {
      "0",    "-3", std::to_string(kMaxClients + 1), "99999999999", "12x",
      "many", ""};
  for (const std::string& bad : bads) {
    Ran r = RunEchoSim("--clients '" + bad + "'");
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_EQ(r.output, range + ", not \"" + bad + "\"\n") << bad;
  }
  Ran r = RunEchoSim("--run-for 1x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = RunEchoSim("--bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output.rfind("usage: echo_sim", 0), 0u) << r.output;
}

TEST(EchoSimCli, FaultsTakeAPlanFileOrOneLine) {
  // The README's experiment: the timeline of a lossy, jittery run with the
  // server crashing at 45 s and back at 55 s.
  const std::string one_line =
      "from 0s loss 0.1 clients <-> server; from 0s jitter 5ms clients <-> "
      "server; at 45s crash server; at 55s restart server";
  Ran r = RunEchoSim("--seed 3 --faults '" + one_line + "'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(": -- crashed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(": -- restarted, serving again"), std::string::npos);
  // The same plan from a file gives the same run.
  const std::string path = ::testing::TempDir() + "echo_plan.txt";
  {
    std::ofstream f(path);
    f << "# the README's experiment\n"
      << "from 0s loss 0.1 clients <-> server\n"
      << "from 0s jitter 5ms clients <-> server\n"
      << "at 45s crash server\nat 55s restart server\n";
  }
  // The same plan from a file gives the same run (the trace names other
  // plan lines, so its hash differs).
  Ran from_file = RunEchoSim("--seed 3 --faults " + path);
  auto timeline = [](const std::string& out) {
    return out.substr(0, out.find("-- seed 3"));
  };
  EXPECT_EQ(timeline(from_file.output), timeline(r.output));
  EXPECT_NE(from_file.output, r.output);
}

TEST(EchoSimCli, ABadPlanSaysWhereAndExitsWithTwo) {
  Ran r = RunEchoSim("--faults 'from 1s loss 1.5 clients <-> server'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "echo_sim: --faults: plan:1:14: probability 1.5 is outside "
            "[0, 1]\n");
  r = RunEchoSim("--clients 2 --faults 'at 1s crash client3'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.output,
            "echo_sim: --faults: plan:1:1: unknown host or group "
            "\"client3\"\n");
}

TEST(EchoSimCli, ARandomPlanIsPrintedSoTheRunCanBeReplayed) {
  Ran r = RunEchoSim(
      "--seed 9 --run-for 60 --faults 'random faults=4 "
      "kinds=loss,partition,crash duration=1m'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string head = "-- the random plan drawn from seed 9:\n";
  ASSERT_EQ(r.output.rfind(head, 0), 0u) << r.output;
  // The printed plan, given back as a plan, replays the same run.
  std::string plan = r.output.substr(head.size());
  plan = plan.substr(0, plan.find("\n[") + 1);
  // The world's groups, then the four events drawn.
  EXPECT_EQ(plan.rfind("group server = ", 0), 0u) << plan;
  EXPECT_EQ(std::count(plan.begin(), plan.end(), '\n'), 6) << plan;
  std::string one_line;
  for (char c : plan) one_line += c == '\n' ? ';' : c;
  Ran again = RunEchoSim("--seed 9 --run-for 60 --faults '" + one_line + "'");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.output, r.output.substr(head.size() + plan.size()));
}

TEST(EchoSimCli, Clients255RunsAndTheDefaultOutputIsUnchanged) {
  Ran r = RunEchoSim("--clients 255 --run-for 1 --trace");
  EXPECT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
  // The 255th client's SYN, from its computed address (it was 10.0.1.255,
  // and the 256th aborted as 10.0.1.256).
  EXPECT_NE(r.output.find("IP 10.0.2.1."), std::string::npos);
  EXPECT_NE(r.output.find("client255: hello, client"), std::string::npos);
  EXPECT_NE(r.output.find("-- seed 1, 255 client(s), trace hash "),
            std::string::npos);
  // The three-client default: the same trace hash as before client
  // addresses were computed (10.0.1.1..3 then as now). The hash is of the
  // binary events since 7cac3a8 (it was 5f82fb6f372b06a8 over the text,
  // whose every line is unchanged), and the net layer reads with recvmsg
  // and TCP_INQ since the recvmsg merge (5acb1b4d5a832bdc before: the
  // same lines but for the reads that failed with EAGAIN, now not made).
  r = RunEchoSim("");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("-- seed 1, 3 client(s), trace hash "
                          "3e659d4db9a140ff"),
            std::string::npos)
      << r.output;
}
#endif

}  // namespace
}  // namespace simsock::echo
