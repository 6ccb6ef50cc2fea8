// experiment::Run: the summary, violations, parameters, bad plans, the
// "deadlock" invariant, the registry, and the echo scenario.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "examples/echo/echo_scenario.h"
#include "examples/scenarios/builtin_scenarios.h"
#include "gtest/gtest.h"
#include "simsock/experiment/experiment.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "testing/sockets.h"

namespace simsock::experiment {
namespace {

// A server that reads one request and never answers; a client that sends
// it and reads without a timeout: both wait forever on a connection with
// nothing in flight. With `no_client`, the server only waits in accept.
// With `ticker`, a third host's program wakes every second all along, so
// the world is never idle and only the hang limit tells.
Scenario Silent(bool no_client = false, bool ticker = true) {
  Scenario s;
  s.name = "silent";
  s.budget = std::chrono::seconds(120);
  s.hang_limit = std::chrono::seconds(30);
  s.setup = [no_client, ticker](RunContext& ctx) {
    sim::World& w = ctx.world();
    if (ticker) {
      sim::Process& tp = w.AddHost("ticker", "10.0.0.9").SpawnProcess();
      tp.Spawn([&tp] {
        for (int i = 0; i < 1000; ++i) tp.nanosleep_ns(1'000'000'000);
      });
    }
    sim::Process& sp = w.AddHost("server", "10.0.0.1").SpawnProcess();
    sim::Process& cp = w.AddHost("client", "10.0.0.2").SpawnProcess();
    sys::Syscalls& server = ctx.Tap(sp);
    sys::Syscalls& client = ctx.Tap(cp);
    sp.Spawn(
        [&server] {
          const int fd = server.socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a = testing::Addr(testing::HostIp(0), 80);
          server.bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
          server.listen(fd, 4);
          const int c = server.accept4(fd, nullptr, nullptr, 0);
          char buf[16];
          while (server.read(c, buf, sizeof buf) > 0) {
          }
        },
        "silent_server");
    if (no_client) return;
    cp.Spawn(
        [&client] {
          const int fd = client.socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in a = testing::Addr(testing::HostIp(0), 80);
          client.connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
          client.write(fd, "ping", 4);
          char buf[16];
          client.read(fd, buf, sizeof buf);
        },
        "waiting_client");
  };
  return s;
}

TEST(NoHang, AClientWaitingForeverForAReplyIsReported) {
  RunResult r = experiment::Run(Silent(), RunOptions{});
  ASSERT_EQ(r.violations.size(), 1u);
  const Violation& v = r.violations[0];
  EXPECT_EQ(v.invariant, "deadlock");
  // Blocked from about 0 s: reported within limit + limit/8.
  EXPECT_GE(v.at, std::chrono::seconds(30));
  EXPECT_LE(v.at, std::chrono::seconds(35));
  // The server blocked first, in its read of the next request.
  EXPECT_NE(v.message.find("(silent_server) blocked in recv"),
            std::string::npos)
      << v.message;
  EXPECT_NE(v.message.find("no timer pending on its 1 connection(s)"),
            std::string::npos)
      << v.message;
  ASSERT_FALSE(v.last_trace.empty());
  EXPECT_LE(v.last_trace.size(), 20u);
  EXPECT_NE(v.last_trace.back().find("nanosleep"), std::string::npos)
      << v.last_trace.back();
  EXPECT_EQ(r.summary.connections, 1u);
  EXPECT_EQ(r.summary.bytes, 4u);  // the server read the ping
}

TEST(NoHang, RunToTheEndReportsEveryStuckThreadOnce) {
  RunOptions o;
  o.stop_at_first = false;
  RunResult r = experiment::Run(Silent(), o);
  ASSERT_EQ(r.violations.size(), 2u);
  EXPECT_NE(r.violations[0].message.find("(silent_server)"), std::string::npos);
  EXPECT_NE(r.violations[1].message.find("(waiting_client)"),
            std::string::npos);
  EXPECT_EQ(r.summary.virtual_time, std::chrono::seconds(120));
}

TEST(NoHang, AnIdleWorldsDeadlockIsReportedAtOnce) {
  // Nothing pending at all: no need to wait for the limit.
  RunResult r = experiment::Run(Silent(false, /*ticker=*/false), RunOptions{});
  ASSERT_EQ(r.violations.size(), 1u);
  const Violation& v = r.violations[0];
  EXPECT_LT(v.at, std::chrono::seconds(1));
  EXPECT_NE(v.message.find("(silent_server)"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("(waiting_client)"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("nothing is pending"), std::string::npos)
      << v.message;
  ASSERT_FALSE(v.last_trace.empty());
  EXPECT_NE(v.last_trace.back().find("read(4, 16) = 4"), std::string::npos)
      << v.last_trace.back();
}

TEST(NoHang, AServerWaitingOnlyForNewClientsIsNotHung) {
  RunResult r = experiment::Run(Silent(/*no_client=*/true), {});
  EXPECT_TRUE(r.ok()) << r.violations[0].ToString();
}

TEST(NoHang, DisabledItReportsNothing) {
  Scenario s = Silent();
  auto setup = s.setup;
  s.setup = [setup](RunContext& ctx) {
    setup(ctx);
    ctx.DisableBuiltin("deadlock");
  };
  EXPECT_TRUE(experiment::Run(s, {}).ok());
}

TEST(NoHang, AWaitWithATimerPendingIsNotAHang) {
  // The server is gone (crashed) before the client's request is acked: the
  // client's data is retransmitted, a timer is pending all along.
  RunOptions o;
  o.plan = *faults::ParsePlan("at 0s crash server").plan;
  RunResult r = experiment::Run(Silent(), o);
  EXPECT_TRUE(r.ok()) << r.violations[0].ToString();
  EXPECT_GE(r.summary.faults_injected, 1u);
}

TEST(Run, WritesTheTracePcapAndJsonLines) {
  const std::string base = ::testing::TempDir() + "/experiment_run_files";
  RunOptions o;
  o.trace_path = base + ".trace";
  o.pcap_path = base + ".pcap";
  o.json_path = base + ".jsonl";
  RunResult r = experiment::Run(Silent(false, /*ticker=*/false), o);
  auto lines = [](const std::string& path) {
    std::ifstream in(path);
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) ++n;
    return n;
  };
  const size_t trace_lines = lines(o.trace_path);
  EXPECT_GT(trace_lines, 5u);
  // Every trace line is there, the last ones as the violation saw them.
  ASSERT_EQ(r.violations.size(), 1u);
  std::ifstream trace(o.trace_path);
  std::vector<std::string> all;
  for (std::string l; std::getline(trace, l);) all.push_back(l);
  ASSERT_GE(all.size(), r.violations[0].last_trace.size());
  EXPECT_TRUE(std::equal(
      r.violations[0].last_trace.begin(), r.violations[0].last_trace.end(),
      all.end() -
          static_cast<std::ptrdiff_t>(r.violations[0].last_trace.size())));
  EXPECT_EQ(lines(o.json_path), trace_lines);
  std::ifstream pcap(o.pcap_path, std::ios::binary);
  char magic[4] = {};
  pcap.read(magic, 4);
  EXPECT_TRUE(pcap.good());
  // A replay without files writes the same trace.
  EXPECT_EQ(
      experiment::Run(Silent(false, false), RunOptions{}).summary.trace_hash,
      r.summary.trace_hash);
}

// An output file that cannot be written refuses the run with its reason:
// a user who asked for a capture gets one or is told why not.
TEST(Run, AnOutputFileThatCannotBeOpenedRunsNothing) {
  const std::string missing_dir = ::testing::TempDir() + "/no/such/dir";
  for (int which = 0; which < 3; ++which) {
    RunOptions o;
    (which == 0   ? o.trace_path
     : which == 1 ? o.pcap_path
                  : o.json_path) = missing_dir + "/out";
    RunResult r = experiment::Run(Silent(), o);
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.plan_error.find("cannot open the"), std::string::npos)
        << r.plan_error;
    EXPECT_NE(r.plan_error.find(missing_dir), std::string::npos)
        << r.plan_error;
    EXPECT_TRUE(r.violations.empty());
    EXPECT_EQ(r.summary.trace_hash, 0u) << "nothing ran";
  }
}

TEST(Run, ABadPlanRunsNothing) {
  RunOptions o;
  o.plan = *faults::ParsePlan("at 1s crash nobody").plan;
  RunResult r = experiment::Run(Silent(), o);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.plan_error.find("nobody"), std::string::npos) << r.plan_error;
  EXPECT_TRUE(r.violations.empty());
}

TEST(Run, ViolationsFromTheProgramsCarryTheirTimeAndTrace) {
  Scenario s;
  s.name = "violates";
  s.budget = std::chrono::seconds(10);
  s.setup = [](RunContext& ctx) {
    sim::Process& p = ctx.world().AddHost("a", "10.0.0.1").SpawnProcess();
    p.Spawn([&ctx, &p] {
      p.nanosleep_ns(2'000'000'000);
      ctx.Count("woke");
      ctx.Violate("mine", "woke up wrong");
    });
  };
  RunResult r = experiment::Run(s, {});
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].ToString(),
            "[    2.000000000] mine: woke up wrong");
  ASSERT_FALSE(r.violations[0].last_trace.empty());
  EXPECT_NE(r.violations[0].last_trace.back().find("nanosleep"),
            std::string::npos);
  EXPECT_EQ(r.summary.counters.at("woke"), 1u);
  EXPECT_EQ(r.summary.virtual_time, std::chrono::seconds(2));
}

TEST(Run, ABadParameterIsReported) {
  Scenario echo = echo::EchoScenario();
  RunOptions o;
  o.params["clients"] = "many";
  RunResult r = experiment::Run(echo, o);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.plan_error.find("clients"), std::string::npos) << r.plan_error;
}

TEST(Registry, FindsWhatWasRegistered) {
  Scenario s = Silent();
  s.name = "registry-test-silent";
  Register(s);
  ASSERT_NE(Find("registry-test-silent"), nullptr);
  EXPECT_EQ(Find("registry-test-silent")->budget, std::chrono::seconds(120));
  EXPECT_EQ(Find("no-such-scenario"), nullptr);
  bool listed = false;
  for (const Scenario* x : All()) listed |= x->name == "registry-test-silent";
  EXPECT_TRUE(listed);
}

TEST(Registry, TheBuiltinScenariosAreThere) {
  scenarios::RegisterBuiltinScenarios();
  scenarios::RegisterBuiltinScenarios();  // twice: no duplicate abort
  for (const char* name : {"echo", "kv", "kv-fixed"}) {
    const Scenario* s = Find(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_FALSE(s->description.empty()) << name;
    EXPECT_FALSE(DefaultPlan(*s).empty()) << name;
  }
}

TEST(EchoScenario, RunsCleanWithoutFaultsAndIsDeterministic) {
  Scenario echo = echo::EchoScenario();
  RunOptions o;
  o.seed = 5;
  o.params["clients"] = "5";
  RunResult a = experiment::Run(echo, o);
  RunResult b = experiment::Run(echo, o);
  ASSERT_TRUE(a.ok()) << a.violations[0].ToString();
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(a.summary.connections, 5u);
  // The seed's story: an exchange every 30 s until the server's 2-minute
  // read deadline (set once per connection) ends it: 4 replies a client.
  EXPECT_EQ(a.summary.counters.at("replies"), 20u);
  EXPECT_EQ(a.summary.faults_injected, 0u);
  // Then the world is idle (the server waits for new clients): it ends.
  EXPECT_GE(a.summary.virtual_time, std::chrono::seconds(120));
  EXPECT_LT(a.summary.virtual_time, echo.budget);
}

TEST(EchoScenario, TheDefaultPlanInjectsFaultsAndIsReplayable) {
  Scenario echo = echo::EchoScenario();
  RunOptions o;
  o.seed = 3;
  o.plan = DefaultPlan(echo);
  o.stop_at_first = false;
  RunResult a = experiment::Run(echo, o);
  EXPECT_TRUE(a.plan_error.empty()) << a.plan_error;
  EXPECT_GT(a.summary.faults_injected, 2u);
  EXPECT_GT(a.summary.counters.at("replies"), 0u);
  // "serving" looked at the 19 clients the partition of client1 (20 s to
  // 90 s) left alone, each exchanging when it began.
  EXPECT_EQ(a.summary.counters.at("serving checks"), 19u);
  for (const Violation& v : a.violations) {
    EXPECT_NE(v.invariant, "reply") << v.ToString();
    EXPECT_NE(v.invariant, "stream") << v.ToString();
    EXPECT_NE(v.invariant, "serving") << v.ToString();
  }
  // The plan as applied replays the same run.
  RunOptions replay = o;
  replay.plan = *faults::ParsePlan(a.plan).plan;
  EXPECT_EQ(experiment::Run(echo, replay).summary.trace_hash,
            a.summary.trace_hash);
}

}  // namespace
}  // namespace simsock::experiment
