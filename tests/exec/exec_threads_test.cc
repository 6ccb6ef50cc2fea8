// Threads under simsock exec (docs/exec.md, "Threads"): an unmodified
// pthreads program (tests/exec/programs/exec_threads.c) runs with the
// clone emulation and simulated futexes, one real thread at a time,
// deterministically; what the emulation cannot do fails loudly.
#include <string>

#include "tests/exec/world_fixture.h"

namespace simsock::exec {
namespace {

using exec_test::ReadFile;

class ExecThreads : public exec_test::ExecWorldTest {
 protected:
  // exec_threads with `args` on host server (and the world's other lines).
  experiment::Scenario World(const std::string& args,
                             const std::string& more = "") {
    return ExecWorldTest::World(
        "host server 10.0.0.1\nhost client1 10.0.0.2\n"
        "latency client1 server 2ms\n"
        "exec server " SIMSOCK_EXEC_THREADS " " +
        args + "\n" + more);
  }

  // A run with its trace written to `trace` (and `plan`, or the world's).
  experiment::RunResult Run(const experiment::Scenario& s, uint64_t seed,
                            const std::string& trace = "",
                            const std::string& plan = "") {
    return ExecWorldTest::Run(s, seed, plan, trace);
  }

  std::string Out() const { return ReadFile(dir_ + "/server.1.out"); }
};

// Four workers pass a token round under a mutex and a condvar, then
// contend on the mutex alone; a detached thread sleeps 250 ms of virtual
// time and signals; main joins the workers. Each counted its own (thread-
// local) share; the same seed gives the same trace.
TEST_F(ExecThreads, MutexCondvarJoinDetached) {
  experiment::Scenario s = World("contend", "budget 10s\n");
  experiment::RunResult a = Run(s, 3, dir_ + "/a.trace");
  EXPECT_TRUE(a.ok()) << Violations(a);
  const std::string out = Out();
  for (int i = 0; i < 4; ++i) {
    const std::string line = "worker " + std::to_string(i) +
                             " counted 100, returned 100" + std::to_string(i);
    EXPECT_NE(out.find(line), std::string::npos) << out;
  }
  EXPECT_NE(out.find("total 400 (expected 400), main's own count 0"),
            std::string::npos)
      << out;
  // Virtual time: exactly the detached thread's sleep.
  EXPECT_NE(out.find("detached done after 250 ms"), std::string::npos) << out;
  EXPECT_NE(out.find("a worker's tid differs from the pid: 1"),
            std::string::npos)
      << out;
  // Calls naming a thread take its virtual tid (translated to the real).
  EXPECT_NE(out.find("sched_getaffinity of the worker's tid: 0"),
            std::string::npos)
      << out;
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find(": clone3 thread -> 100005"), std::string::npos) << ta;
  EXPECT_NE(ta.find(" exec t100001: thread start"), std::string::npos);
  EXPECT_NE(ta.find(": futex_wait -> 0"), std::string::npos);
  EXPECT_NE(ta.find(" exec t100005: thread exit"), std::string::npos);
  EXPECT_NE(ta.find("exit_group(0)"), std::string::npos);
  experiment::RunResult b = Run(s, 3, dir_ + "/b.trace");
  EXPECT_TRUE(b.ok()) << Violations(b);
  EXPECT_EQ(a.summary.trace_hash, b.summary.trace_hash);
  EXPECT_EQ(ta, ReadFile(dir_ + "/b.trace"));
}

// A futex wait's timeout is virtual time: a raw FUTEX_WAIT of 2 s, and
// pthread_cond_timedwait's absolute CLOCK_REALTIME deadline (FUTEX_WAIT_
// BITSET with FUTEX_CLOCK_REALTIME) 1.5 s ahead; a changed word is EAGAIN
// at once.
TEST_F(ExecThreads, FutexTimeoutPassesVirtualTime) {
  experiment::Scenario s = World("timeout", "budget 10s\n");
  experiment::RunResult r = Run(s, 1);
  EXPECT_TRUE(r.ok()) << Violations(r);
  const std::string out = Out();
  EXPECT_NE(out.find("futex_wait: -1 (Connection timed out) after 2000 ms"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("futex_wait on a changed word: -1 (Resource temporarily "
                     "unavailable)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("cond_timedwait: Connection timed out after 1500 ms"),
            std::string::npos)
      << out;
}

// A thread blocked in a simulated accept does not hold the program: the
// first thread ticks on nanosleep meanwhile, and the C++ client (from
// another host) is served by the accepting thread.
TEST_F(ExecThreads, BlockedAcceptWhileAnotherThreadRuns) {
  experiment::Scenario s = World(
      "serve 7300",
      "run client1 echo-client server:7300 count=2 interval=1s delay=1500ms\n"
      "budget 20s\n");
  experiment::RunResult r = Run(s, 2);
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_EQ(r.summary.counters["replies"], 2u);
  const std::string out = Out();
  EXPECT_NE(out.find("tick 0 at 1000 ms"), std::string::npos) << out;
  EXPECT_NE(out.find("tick 2 at 3000 ms"), std::string::npos) << out;
  EXPECT_NE(out.find("server thread: accepted at 15"), std::string::npos)
      << out;
  EXPECT_NE(out.find("joined the server thread: 0"), std::string::npos) << out;
}

// A crash kills every thread of the program (SIGKILL, reaped) while one
// is parked in accept and one in nanosleep; the restart launches it again
// and the new one serves a later client.
TEST_F(ExecThreads, CrashAndRestartWithThreads) {
  experiment::Scenario s = World(
      "serve 7300",
      "run client1 echo-client server:7300 count=2 interval=1s delay=2500ms\n"
      "budget 20s\n");
  experiment::RunResult r =
      Run(s, 5, "", "at 1500ms crash server\nat 2s restart server\n");
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_EQ(r.summary.counters["replies"], 2u);
  const std::string first = Out();
  EXPECT_NE(first.find("tick 0 at 1000 ms"), std::string::npos) << first;
  EXPECT_EQ(first.find("tick 1"), std::string::npos) << first;
  const std::string second = ReadFile(dir_ + "/server.2.out");
  EXPECT_NE(second.find("server thread: accepted at"), std::string::npos)
      << second;
  EXPECT_NE(second.find("joined the server thread: 0"), std::string::npos)
      << second;
}

// The first thread pthread_exits while another runs: its slot is freed
// (the program goes on), the other joins it (its clear-child-tid word,
// read at attach with PR_GET_TID_ADDRESS, is cleared and woken) and, as
// the last thread, ends the program with exit_group(0).
TEST_F(ExecThreads, FirstThreadExitsAndIsJoined) {
  experiment::Scenario s = World("mainexit", "budget 10s\n");
  experiment::RunResult r = Run(s, 1, dir_ + "/a.trace");
  EXPECT_TRUE(r.ok()) << Violations(r);
  EXPECT_NE(Out().find("joined the first thread: 0 at 100 ms"),
            std::string::npos)
      << Out();
  const std::string ta = ReadFile(dir_ + "/a.trace");
  EXPECT_NE(ta.find("server pid 1 exec: thread exit"), std::string::npos) << ta;
  EXPECT_NE(ta.find("exit_group(0)"), std::string::npos) << ta;
}

// More threads than slots: the shim fails loudly, naming the cause.
TEST_F(ExecThreads, TooManyThreadsFailsLoudly) {
  experiment::Scenario s = World("many 70", "budget 10s\n");
  experiment::RunResult r = Run(s, 1);
  const std::string v = Violations(r);
  EXPECT_NE(v.find("too many threads: simsock shim: no free slot for a new "
                   "thread (at most 64 threads at once)"),
            std::string::npos)
      << v;
  EXPECT_NE(Out().find("thread 63 made"), std::string::npos) << Out();
  EXPECT_EQ(Out().find("thread 64 made"), std::string::npos) << Out();
}

// A futex op the emulation does not do fails loudly, naming it.
TEST_F(ExecThreads, UnsupportedFutexOpFailsLoudly) {
  experiment::Scenario s = World("requeue", "budget 10s\n");
  experiment::RunResult r = Run(s, 1);
  const std::string v = Violations(r);
  EXPECT_NE(v.find("unsupported syscall: simsock shim: futex "
                   "FUTEX_CMP_REQUEUE (syscall 202)"),
            std::string::npos)
      << v;
  EXPECT_EQ(Out().find("requeue returned"), std::string::npos) << Out();
}

// clone(2) of a thread without CLONE_SETTLS: refused loudly (the new
// thread would share the caller's TLS, and the shim's slot index in it).
TEST_F(ExecThreads, CloneWithoutTlsFailsLoudly) {
  experiment::Scenario s = World("rawclone", "budget 10s\n");
  experiment::RunResult r = Run(s, 1);
  const std::string v = Violations(r);
  EXPECT_NE(v.find("simsock shim: a thread without CLONE_SETTLS or without a "
                   "stack of its own (the clone emulation needs both) "
                   "(syscall 56)"),
            std::string::npos)
      << v;
  EXPECT_EQ(Out().find("clone returned"), std::string::npos) << Out();
}

// fork still fails loudly.
TEST_F(ExecThreads, ForkFailsLoudly) {
  experiment::Scenario s = World("fork", "budget 10s\n");
  experiment::RunResult r = Run(s, 1);
  const std::string v = Violations(r);
  EXPECT_NE(v.find("unsupported syscall: simsock shim: fork (a managed "
                   "process cannot fork or spawn)"),
            std::string::npos)
      << v;
  EXPECT_EQ(Out().find("fork returned"), std::string::npos) << Out();
}

}  // namespace
}  // namespace simsock::exec
