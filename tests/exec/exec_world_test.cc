// simsock exec end to end: world files with unmodified programs (the C echo
// server, coreutils' sleep, a crashing program) under the real shim,
// beside the C++ echo client, run as experiment scenarios.
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/exec/world_fixture.h"

namespace simsock::exec {
namespace {

using exec_test::NoChildLeft;
using exec_test::ReadFile;
using ExecWorld = exec_test::ExecWorldTest;

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

// A program spinning on the clock: after each run of `spin` clock reads
// without a call the shim lets virtual time pass (1 us, doubling to 1 ms),
// so its deadline comes; the yields fall at the same reads in every run.
TEST_F(ExecWorld, SpinLoopReachesItsDeadlineInVirtualTime) {
  experiment::Scenario s =
      World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SPIN "\nbudget 10s\n");
  experiment::RunResult r = Run(s, 1, "", dir_ + "/a.trace");
  ASSERT_TRUE(r.violations.empty()) << Violations(r);
  const std::string out = ReadFile(dir_ + "/h.1.out");
  long long elapsed = -1;
  long reads = -1;
  ASSERT_EQ(std::sscanf(out.c_str(), "the clock moved: %lld ns after %ld reads",
                        &elapsed, &reads),
            2)
      << out;
  // It waits for the second after next: between 1 s and 2 s from its start,
  // overshooting the second's edge by at most one yield (1 ms).
  EXPECT_GT(elapsed, 1000000000LL);
  EXPECT_LE(elapsed, 2001000000LL);
  // A yield after 1,000 reads (the default), then after every 100 (a
  // tenth); the reads are the first (start) and the loop's reads + 1 (the
  // last one breaks), the last run partial.
  const std::string t = ReadFile(dir_ + "/a.trace");
  size_t yields = 0;
  for (size_t at = t.find(" clock reads without a call, ");
       at != std::string::npos;
       at = t.find(" clock reads without a call, ", at + 1)) {
    ++yields;
  }
  EXPECT_GT(yields, 1000u);
  EXPECT_EQ(1 + (static_cast<size_t>(reads + 2) - 1000) / 100, yields);
  EXPECT_NE(t.find("spin: 1000 clock reads without a call, 1000 ns pass"),
            std::string::npos);
  EXPECT_NE(t.find("spin: 100 clock reads without a call, 2000 ns pass"),
            std::string::npos);
  EXPECT_NE(t.find("spin: 100 clock reads without a call, 1000000 ns pass"),
            std::string::npos);
  // Deterministic: the same seed, the same trace.
  experiment::RunResult b = Run(s, 1, "", dir_ + "/b.trace");
  EXPECT_EQ(r.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(t, ReadFile(dir_ + "/b.trace"));
}

// With the yield off (`spin 0`) the clock never moves while the program
// computes; past the world's `busy` bound of wall time without a call, the
// run reports a busy loop and kills it.
TEST_F(ExecWorld, BusyLoopIsReportedWithoutSpinYield) {
  experiment::Scenario s = World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SPIN
                                 "\nspin 0\nbusy 300ms\nbudget 10s\n");
  experiment::RunResult r = Run(s, 1);
  ASSERT_EQ(r.violations.size(), 1u) << Violations(r);
  EXPECT_EQ(r.violations[0].invariant, "exec");
  EXPECT_NE(r.violations[0].message.find("busy loop: no call for 300 ms"),
            std::string::npos)
      << r.violations[0].message;
  EXPECT_EQ(ReadFile(dir_ + "/h.1.out"), "");
}

// A sweep passes outputs=per-seed: each seed's programs write below
// seed-N/, so parallel workers never share a file; another value is a
// plan error.
TEST_F(ExecWorld, PerSeedOutputs) {
  experiment::Scenario s =
      World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SPIN "\nbudget 10s\n");
  for (uint64_t seed : {3, 4}) {
    experiment::RunOptions o;
    o.seed = seed;
    o.params["outputs"] = "per-seed";
    experiment::RunResult r = experiment::Run(s, o);
    EXPECT_TRUE(r.ok()) << Violations(r);
    EXPECT_NE(ReadFile(dir_ + "/seed-" + std::to_string(seed) + "/h.1.out")
                  .find("the clock moved"),
              std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/h.1.out"));
  experiment::RunOptions bad;
  bad.params["outputs"] = "sometimes";
  EXPECT_EQ(experiment::Run(s, bad).plan_error,
            "outputs: 'sometimes' is neither shared nor per-seed");
  EXPECT_TRUE(NoChildLeft());
}

TEST(ExecWorldFile, SpinLine) {
  std::string error;
  std::optional<WorldSpec> w = ParseWorld(
      "host a 10.0.0.1\nspin 50\nexec a /bin/true\n", "/tmp", &error);
  ASSERT_TRUE(w) << error;
  EXPECT_EQ(w->spin_reads, 50u);
  std::optional<WorldSpec> plain =
      ParseWorld("host a 10.0.0.1\nexec a /bin/true\n", "/tmp", &error);
  ASSERT_TRUE(plain) << error;
  EXPECT_EQ(plain->spin_reads, 1000u);
  for (const char* bad :
       {"spin", "spin -1", "spin 1x", "spin 4294967296", "spin 1 2"}) {
    EXPECT_FALSE(ParseWorld(
        std::string("host a 10.0.0.1\n") + bad + "\nexec a /bin/true\n", "/tmp",
        &error))
        << bad;
    EXPECT_NE(error.find("line 2: expected: spin READS"), std::string::npos)
        << error;
  }
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

// Signals (tests/exec/programs/exec_signals.c): setitimer(1 s, every 1 s)
// ticks in virtual time (5 ticks: 5 s virtual, little wall time), the
// program's own SIGALRM handler runs, and the accept it blocks in fails
// with EINTR (no SA_RESTART); the same seed gives the same trace.
TEST_F(ExecWorld, SignalsAlarmTicksInterruptAccept) {
  experiment::Scenario s = World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SIGNALS
                                 " eintr\nbudget 30s\n");
  experiment::RunResult a = Run(s, 3, "", dir_ + "/a.trace");
  EXPECT_TRUE(a.ok()) << Violations(a);
  const std::string out = ReadFile(dir_ + "/h.1.out");
  for (int tick = 1; tick <= 5; ++tick) {
    const std::string line = "accept = -1 (Interrupted system call) at tick " +
                             std::to_string(tick) + ", " +
                             std::to_string(tick) + ".000 s";
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  }
  // Re-armed as the fifth SIGALRM was taken: the next one is 1 s away.
  EXPECT_NE(out.find("next tick in 1.000000 s, every 1 s"), std::string::npos)
      << out;
  EXPECT_GE(a.summary.virtual_time, std::chrono::seconds(5));
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find("signal SIGALRM (ITIMER_REAL): pending"),
            std::string::npos);
  std::cout << "5 ticks of 1 s: virtual "
            << a.summary.virtual_time.count() / 1e9 << " s, wall "
            << a.summary.wall_seconds << " s\n";
  experiment::RunResult b = Run(s, 3, "", dir_ + "/b.trace");
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(ta, ReadFile(dir_ + "/b.trace"));
}

// SA_RESTART: the pipe read restarts after each tick (the simulator
// answers -ERESTARTSYS, the shim runs the handler and makes the call
// again); the fifth tick's handler writes to the pipe (a forwarded call
// from inside a handler) and the read returns its byte.
TEST_F(ExecWorld, SignalsSaRestartRestartsARead) {
  experiment::Scenario s = World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SIGNALS
                                 " restart\nbudget 30s\n");
  experiment::RunResult r = Run(s, 1);
  EXPECT_TRUE(r.ok()) << Violations(r);
  const std::string out = ReadFile(dir_ + "/h.1.out");
  EXPECT_NE(out.find("read 1 byte '!' after 5 ticks at 5.000 s"),
            std::string::npos)
      << out;
}

// SIGPIPE at its default kills the program writing to a closed peer (the
// run reports the death with the signal's name); ignored, the write fails
// with EPIPE and the program goes on.
TEST_F(ExecWorld, SignalsSigpipeKillsUnlessIgnored) {
  experiment::Scenario dies = World(
      "host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SIGNALS " sigpipe\nbudget 10s\n");
  experiment::RunResult r = Run(dies, 1);
  ASSERT_EQ(r.violations.size(), 1u) << Violations(r);
  EXPECT_NE(r.violations[0].message.find("killed by signal 13 (SIGPIPE"),
            std::string::npos)
      << r.violations[0].message;
  std::string out = ReadFile(dir_ + "/h.1.out");
  EXPECT_NE(out.find("write 0 = 4 (ok)"), std::string::npos) << out;
  EXPECT_EQ(out.find("still alive"), std::string::npos) << out;

  experiment::Scenario lives =
      World("host h 10.0.0.1\nexec h " SIMSOCK_EXEC_SIGNALS
            " sigpipe-ign\nbudget 10s\n");
  experiment::RunResult q = Run(lives, 1);
  EXPECT_TRUE(q.ok()) << Violations(q);
  out = ReadFile(dir_ + "/h.1.out");
  EXPECT_NE(out.find("= -1 (Broken pipe)"), std::string::npos) << out;
  EXPECT_NE(out.find("still alive"), std::string::npos) << out;
}

}  // namespace
}  // namespace simsock::exec
