// simsock exec end to end: world files with unmodified programs (the C echo
// server, coreutils' sleep, a crashing program) under the real shim,
// beside the C++ echo client, run as experiment scenarios.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "examples/echo/echo_programs.h"
#include "simsock/exec/exec_scenario.h"
#include "simsock/exec/world_file.h"

namespace simsock::exec {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// No run may leave a child behind: every launched program was reaped.
bool NoChildLeft() {
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

class ExecWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    echo::RegisterEchoPrograms();
    dir_ = ::testing::TempDir() + "exec_world_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }

  // The world of `text` (with an `output` line to this test's directory).
  experiment::Scenario World(const std::string& text) {
    std::string error;
    std::optional<WorldSpec> spec =
        ParseWorld(text + "output " + dir_ + "\n", dir_, &error);
    EXPECT_TRUE(spec) << error;
    if (!spec) return {};
    EXPECT_EQ(CheckWorld(*spec), "");
    return WorldScenario(std::make_shared<const WorldSpec>(*spec));
  }

  experiment::RunResult Run(const experiment::Scenario& s, uint64_t seed,
                            const std::string& plan = "",
                            const std::string& trace = "") {
    experiment::RunOptions o;
    o.seed = seed;
    o.trace_path = trace;
    o.stop_at_first = false;
    faults::ParsedPlan p =
        faults::ParsePlan(plan.empty() ? s.default_plan : plan);
    EXPECT_TRUE(p.ok()) << p.error.ToString();
    if (p.ok()) o.plan = *p.plan;
    experiment::RunResult r = experiment::Run(s, o);
    EXPECT_TRUE(NoChildLeft());
    return r;
  }

  static std::string Violations(const experiment::RunResult& r) {
    std::string out = r.plan_error;
    for (const auto& v : r.violations) out += v.ToString() + "\n";
    return out;
  }

  std::string dir_;
};

const std::string kEcho = std::string("host server 10.0.0.1\n") +
                          "host client1 10.0.0.2\n"
                          "host client2 10.0.0.3\n"
                          "latency client1 server 2ms\n"
                          "latency client2 server 30ms\n"
                          "exec server " SIMSOCK_C_ECHO_SERVER " 7000\n";

TEST_F(ExecWorld, CEchoServerBesideCxxClients) {
  experiment::Scenario s =
      World(kEcho +
            "run client1 echo-client server:7000 count=5 interval=1s\n"
            "run client2 echo-client server:7000 count=5 interval=2s\n"
            "budget 30s\n");
  experiment::RunResult r = Run(s, 1);
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_EQ(r.summary.counters["replies"], 10u);
  EXPECT_EQ(r.summary.counters["clients done"], 2u);
  EXPECT_EQ(r.summary.connections, 2u);
  const std::string out = ReadFile(dir_ + "/server.1.out");
  EXPECT_NE(out.find("listening on port 7000"), std::string::npos) << out;
  EXPECT_NE(out.find("read 13 bytes: hello, server"), std::string::npos);
  EXPECT_NE(out.find("accepted 10.0.0.3:"), std::string::npos);
}

TEST_F(ExecWorld, SameSeedSameTrace) {
  experiment::Scenario s =
      World(kEcho +
            "run client1 echo-client server:7000 count=3 interval=1s\n"
            "budget 10s\n");
  experiment::RunResult a = Run(s, 5, "", dir_ + "/a.trace");
  experiment::RunResult b = Run(s, 5, "", dir_ + "/b.trace");
  EXPECT_TRUE(a.ok()) << Violations(a);
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find(" exec: attached"), std::string::npos);
  EXPECT_GT(ta.size(), 1000u);
  EXPECT_EQ(ta, ReadFile(dir_ + "/b.trace"));
}

// Under heavy loss every line still arrives (retransmission), on a seed
// other than the default.
TEST_F(ExecWorld, LossyPlanDeliversEveryLine) {
  experiment::Scenario s =
      World(kEcho +
            "run client1 echo-client server:7000 count=8 interval=1s\n"
            "budget 120s\n");
  experiment::RunResult r =
      Run(s, 42, "from 0s to 20s loss 0.3 client1 <-> server\n");
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_EQ(r.summary.counters["replies"], 8u);
  EXPECT_GT(r.summary.faults_injected, 0u);
}

// A crash SIGKILLs the server (reaped); the restart launches it again and
// a later client is served by the new one.
TEST_F(ExecWorld, ServerCrashAndRestart) {
  experiment::Scenario s =
      World(kEcho +
            "run client1 echo-client server:7000 count=3 interval=1s\n"
            "run client2 echo-client server:7000 count=3 interval=1s "
            "delay=10s\n"
            "budget 30s\n");
  experiment::RunResult r =
      Run(s, 3, "at 5s crash server\nat 6s restart server\n");
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_EQ(r.summary.counters["replies"], 6u);
  EXPECT_NE(ReadFile(dir_ + "/server.1.out").find("connection closed"),
            std::string::npos);
  const std::string second = ReadFile(dir_ + "/server.2.out");
  EXPECT_NE(second.find("listening on port 7000"), std::string::npos);
  EXPECT_NE(second.find("accepted 10.0.0.3:"), std::string::npos) << second;
}

// poll, select and ppoll on simulated sockets (tests/exec/programs/
// exec_poll.c): a quiet listener's timeouts take exactly their virtual
// time (select writes 0 left back), stdout beside a socket is answered by
// the shim at once, and a client's lines are echoed with poll and select
// waiting for each; the same seed gives the same trace.
TEST_F(ExecWorld, PollSelectOnSimulatedSockets) {
  experiment::Scenario s = World(
      "host server 10.0.0.1\nhost client1 10.0.0.2\n"
      "latency client1 server 2ms\n"
      "exec server " SIMSOCK_EXEC_POLL
      " 7100\n"
      "run client1 echo-client server:7100 count=3 interval=1s "
      "delay=5s\n"
      "budget 30s\n");
  experiment::RunResult a = Run(s, 7, "", dir_ + "/a.trace");
  EXPECT_TRUE(a.ok()) << Violations(a);
  EXPECT_EQ(a.summary.counters["replies"], 3u);
  const std::string out = ReadFile(dir_ + "/server.1.out");
  EXPECT_NE(out.find("poll 0 revents 0 after 1500000000 ns"), std::string::npos)
      << out;
  EXPECT_NE(out.find("poll with stdout 1 revents 0 4 after 0 ns"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("select 0 set 0 left 0.000000 after 250000000 ns"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ppoll 0 after 750000000 ns"), std::string::npos) << out;
  EXPECT_NE(out.find("accepted after poll 1 revents 1"), std::string::npos)
      << out;
  EXPECT_NE(out.find("echoed"), std::string::npos) << out;
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find(" poll("), std::string::npos);
  // glibc's select() makes the pselect6 call.
  EXPECT_NE(ta.find("select6("), std::string::npos);
  experiment::RunResult b = Run(s, 7, "", dir_ + "/b.trace");
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(ta, ReadFile(dir_ + "/b.trace"));
}

// Wake-up fds (tests/exec/programs/exec_wake.c): a self-pipe and an
// eventfd are simulated fds at Linux's numbers, in one epoll beside a
// listening socket; each write wakes epoll_wait at once, the echo loop
// wakes itself through the pipe, and the same seed gives the same trace.
TEST_F(ExecWorld, PipeAndEventfdWakeUps) {
  experiment::Scenario s = World(
      "host server 10.0.0.1\nhost client1 10.0.0.2\n"
      "latency client1 server 2ms\n"
      "exec server " SIMSOCK_EXEC_WAKE
      " 7200\n"
      "run client1 echo-client server:7200 count=3 interval=1s "
      "delay=1s\n"
      "budget 30s\n");
  experiment::RunResult a = Run(s, 11, "", dir_ + "/a.trace");
  EXPECT_TRUE(a.ok()) << Violations(a);
  EXPECT_EQ(a.summary.counters["replies"], 3u);
  const std::string out = ReadFile(dir_ + "/server.1.out");
  EXPECT_NE(out.find("fds pipe 3 4 eventfd 5 socket 6"), std::string::npos)
      << out;
  EXPECT_NE(out.find("pipe is a fifo 1, eventfd mode 600"), std::string::npos)
      << out;
  EXPECT_NE(out.find("quiet wait 0 after 300000000 ns"), std::string::npos)
      << out;
  EXPECT_NE(out.find("after pipe write: 1 ready, fd 3"), std::string::npos)
      << out;
  EXPECT_NE(out.find("after eventfd writes: 1 ready, fd 5, counter 8 7"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("eventfd empty: -1"), std::string::npos) << out;
  EXPECT_NE(out.find("client done, 3 wake-ups through the pipe"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("writer closed: 1 ready, read 0"), std::string::npos)
      << out;
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find(" pipe2("), std::string::npos);
  EXPECT_NE(ta.find(" eventfd2("), std::string::npos);
  experiment::RunResult b = Run(s, 11, "", dir_ + "/b.trace");
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(ta, ReadFile(dir_ + "/b.trace"));
}

// AF_UNIX sockets (tests/exec/programs/exec_unix.c): a socketpair is the
// event loop's wake-up channel beside a TCP listener, an abstract-named
// listener takes the program's own connection; simulated fds at Linux's
// numbers, the same trace twice.
TEST_F(ExecWorld, UnixSocketpairWakeUps) {
  experiment::Scenario s = World(
      "host server 10.0.0.1\nhost client1 10.0.0.2\n"
      "latency client1 server 2ms\n"
      "exec server " SIMSOCK_EXEC_UNIX
      " 7300\n"
      "run client1 echo-client server:7300 count=3 interval=1s "
      "delay=1s\n"
      "budget 30s\n");
  experiment::RunResult a = Run(s, 13, "", dir_ + "/a.trace");
  EXPECT_TRUE(a.ok()) << Violations(a);
  EXPECT_EQ(a.summary.counters["replies"], 3u);
  const std::string out = ReadFile(dir_ + "/server.1.out");
  for (const char* want :
       {"fds pair 3 4 socket 5", "pair is a socket 1, cloexec 1",
        "peer cred pid is mine 1", "pair name len 2", "unix connect 0 accept 1",
        "unix FIONREAD 3 SIOCOUTQ 768", "unix read 3", "after close read 0",
        "after pair write: 1 ready, fd 3", "pair read 1",
        "client done, 3 wake-ups through the pair",
        "pair closed: 1 ready, read 0", "write to closed pair -1 errno 32"}) {
    EXPECT_NE(out.find(want), std::string::npos) << want << "\n" << out;
  }
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find(" socketpair("), std::string::npos);
  experiment::RunResult b = Run(s, 13, "", dir_ + "/b.trace");
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(ta, ReadFile(dir_ + "/b.trace"));
}

// Debian's netcat-openbsd, unmodified: `nc -l` accepts the C++ client and
// prints its line, its poll listing the socket beside stdin (/dev/null)
// and stdout (a file), which the shim answers. nc never replies (its
// stdin is empty), so the run ends as a deadlock the checker reports,
// not as a failure of the shim.
TEST_F(ExecWorld, NetcatListensThroughPoll) {
  if (!std::filesystem::exists("/usr/bin/nc.openbsd")) {
    GTEST_SKIP() << "netcat-openbsd is not installed";
  }
  experiment::Scenario s = World(
      "host server 10.0.0.1\nhost client1 10.0.0.2\n"
      "latency client1 server 2ms\n"
      "exec server /usr/bin/nc.openbsd -l 7000\n"
      "run client1 echo-client server:7000 count=1 interval=1s\n"
      "budget 10s\n");
  experiment::RunResult r = Run(s, 1);
  const std::string v = Violations(r);
  EXPECT_EQ(r.violations.size(), 1u) << v;
  EXPECT_NE(v.find("deadlock: server pid 1 tid 1 (exec /usr/bin/nc.openbsd) "
                   "blocked in poll"),
            std::string::npos)
      << v;
  EXPECT_EQ(v.find("shim"), std::string::npos) << v;
  EXPECT_EQ(ReadFile(dir_ + "/server.1.out"), "hello, server");
}

// coreutils' sleep 30 sleeps 30 s of virtual time (and, unasserted, little
// wall time: the summary's wall_seconds shows it).
TEST_F(ExecWorld, SleepTakesVirtualTime) {
  experiment::Scenario s =
      World("host h 10.0.0.1\nexec h /usr/bin/sleep 30\nbudget 100s\n");
  experiment::RunResult r = Run(s, 1, "", dir_ + "/sleep.trace");
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_EQ(r.summary.counters["exec exits"], 1u);
  EXPECT_GE(r.summary.virtual_time, std::chrono::seconds(30));
  const std::string t = ReadFile(dir_ + "/sleep.trace");
  EXPECT_NE(t.find("[   30.000000000] h pid 1 exec: exit_group(0)"),
            std::string::npos)
      << t;
  std::cout << "sleep 30: virtual " << r.summary.virtual_time.count() / 1e9
            << " s, wall " << r.summary.wall_seconds << " s\n";
}

TEST_F(ExecWorld, MissingAndStaticBinariesAreRefused) {
  std::string error;
  std::optional<WorldSpec> missing =
      ParseWorld("host h 10.0.0.1\nexec h ./no_such_program\n", dir_, &error);
  ASSERT_TRUE(missing) << error;
  EXPECT_NE(CheckWorld(*missing).find("line 2: " + dir_ +
                                      "/no_such_program: No such file"),
            std::string::npos)
      << CheckWorld(*missing);
  std::optional<WorldSpec> unknown =
      ParseWorld("host h 10.0.0.1\nrun h no-such-builtin\n", dir_, &error);
  ASSERT_TRUE(unknown);
  EXPECT_NE(CheckWorld(*unknown).find("no built-in program 'no-such-builtin'"),
            std::string::npos);
#ifdef SIMSOCK_EXEC_STATIC_PROBE
  std::optional<WorldSpec> fixed = ParseWorld(
      "host h 10.0.0.1\nexec h " SIMSOCK_EXEC_STATIC_PROBE "\n", dir_, &error);
  ASSERT_TRUE(fixed);
  EXPECT_NE(
      CheckWorld(*fixed).find("static binary: the preload shim cannot attach; "
                              "SECCOMP_RET_USER_NOTIF support is future work"),
      std::string::npos)
      << CheckWorld(*fixed);
#endif
}

TEST_F(ExecWorld, SegfaultIsReported) {
  experiment::Scenario s =
      World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SEGV "\nbudget 10s\n");
  experiment::RunResult r = Run(s, 1);
  ASSERT_EQ(r.violations.size(), 1u) << Violations(r);
  EXPECT_EQ(r.violations[0].invariant, "exec");
  EXPECT_NE(r.violations[0].message.find("killed by signal 11"),
            std::string::npos)
      << r.violations[0].message;
  EXPECT_NE(ReadFile(dir_ + "/h.1.out").find("about to crash"),
            std::string::npos);
}

// A program spinning on the clock never sees it move; past the world's
// `busy` bound of wall time without a call, the run reports a busy loop
// and kills it.
TEST_F(ExecWorld, BusyLoopIsReported) {
  experiment::Scenario s = World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SPIN
                                 "\nbusy 300ms\nbudget 10s\n");
  experiment::RunResult r = Run(s, 1);
  ASSERT_EQ(r.violations.size(), 1u) << Violations(r);
  EXPECT_EQ(r.violations[0].invariant, "exec");
  EXPECT_NE(r.violations[0].message.find("busy loop: no call for 300 ms"),
            std::string::npos)
      << r.violations[0].message;
  EXPECT_EQ(ReadFile(dir_ + "/h.1.out"), "");
}

TEST(ExecWorldFile, ParsesAndReportsLines) {
  std::string error;
  std::optional<WorldSpec> w = ParseWorld(
      "# a comment\n"
      "host a 10.0.0.1\n"
      "host b 10.0.0.2\n"
      "latency a b 5ms\n"
      "env a MODE=\"x y\"\n"
      "exec a ./srv 1 \"two words\"   # trailing comment\n"
      "run b echo-client a:1 count=2\n"
      "budget 2m\n"
      "plan from 1s to 2s loss 0.1 a <-> b\n",
      "/d", &error);
  ASSERT_TRUE(w) << error;
  ASSERT_EQ(w->programs.size(), 2u);
  EXPECT_EQ(w->programs[0].args, (std::vector<std::string>{"1", "two words"}));
  EXPECT_EQ(w->programs[0].env, (std::vector<std::string>{"MODE=x y"}));
  EXPECT_FALSE(w->programs[1].native);
  EXPECT_EQ(w->budget, std::chrono::minutes(2));
  EXPECT_EQ(w->latencies[0].delay, std::chrono::milliseconds(5));
  EXPECT_EQ(w->plan, "from 1s to 2s loss 0.1 a <-> b\n");
  EXPECT_FALSE(ParseWorld("host a 10.0.0.1\nexec b ./x\n", "/d", &error));
  EXPECT_EQ(error, "line 2: no host b yet");
  EXPECT_FALSE(ParseWorld("host a 10.0.0.1\nbudget soon\n", "/d", &error));
  EXPECT_EQ(error, "line 2: expected: budget DURATION (e.g. 60s)");
  EXPECT_FALSE(ParseWorld("frobnicate\n", "/d", &error));
  EXPECT_NE(error.find("line 1: unknown keyword 'frobnicate'"),
            std::string::npos);
}

}  // namespace
}  // namespace simsock::exec
