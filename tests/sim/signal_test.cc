// Signals in the simulated kernel (sim/kernel/process_signal.cc): the
// dispositions, the blocked mask, ITIMER_REAL in virtual time, kill to
// itself, SIGPIPE on EPIPE, and interrupted calls (EINTR or SA_RESTART).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Action = sys::Syscalls::SignalAction;

itimerval Every(int64_t first_ms, int64_t then_ms) {
  itimerval v{};
  v.it_value = timeval{first_ms / 1000, (first_ms % 1000) * 1000};
  v.it_interval = timeval{then_ms / 1000, (then_ms % 1000) * 1000};
  return v;
}

sigset_t Only(int sig) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, sig);
  return s;
}

TEST(Signals, ItimerTicksInVirtualTimeAndSaRestartKeepsAReadBlocked) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action count{Action::Kind::kCount, SA_RESTART};
  ASSERT_EQ(p.sigaction(SIGALRM, &count, nullptr), 0);
  int fds[2];
  ASSERT_EQ(p.pipe2(fds, 0), 0);
  ssize_t got = -1;
  Time read_at{-1};
  p.Spawn([&] {
    const itimerval tick = Every(1000, 1000);
    ASSERT_EQ(p.setitimer(ITIMER_REAL, &tick, nullptr), 0);
    char buf[8];
    got = p.read(fds[0], buf, sizeof buf);
    read_at = w.Now();
  });
  w.RunFor(milliseconds(5500));
  // Five ticks ran the handler; the read restarted after each.
  EXPECT_EQ(p.signals_caught(SIGALRM), 5u);
  EXPECT_EQ(got, -1);
  ASSERT_EQ(p.write(fds[1], "x", 1), 1);
  w.RunFor(milliseconds(1));
  EXPECT_EQ(got, 1);
  EXPECT_EQ(read_at, Time(milliseconds(5500)));
}

TEST(Signals, WithoutSaRestartTheReadFailsWithEintr) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action count{Action::Kind::kCount, 0};
  ASSERT_EQ(p.sigaction(SIGALRM, &count, nullptr), 0);
  int fds[2];
  ASSERT_EQ(p.pipe2(fds, 0), 0);
  ssize_t got = 0;
  Time at{-1};
  p.Spawn([&] {
    const itimerval once = Every(1000, 0);
    ASSERT_EQ(p.setitimer(ITIMER_REAL, &once, nullptr), 0);
    char buf[8];
    got = p.read(fds[0], buf, sizeof buf);
    at = w.Now();
  });
  w.RunFor(seconds(3));
  EXPECT_EQ(got, -EINTR);
  EXPECT_EQ(at, Time(seconds(1)));
  EXPECT_EQ(p.signals_caught(SIGALRM), 1u);
}

TEST(Signals, EpollWaitAndNanosleepGiveEintrEvenWithSaRestart) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action count{Action::Kind::kCount, SA_RESTART};
  ASSERT_EQ(p.sigaction(SIGALRM, &count, nullptr), 0);
  int waited = 0;
  int slept = 0;
  int64_t left = -1;
  p.Spawn([&] {
    const int ep = p.epoll_create1(0);
    const itimerval once = Every(100, 0);
    ASSERT_EQ(p.setitimer(ITIMER_REAL, &once, nullptr), 0);
    epoll_event ev[1];
    waited = p.epoll_wait(ep, ev, 1, -1);
    ASSERT_EQ(p.setitimer(ITIMER_REAL, &once, nullptr), 0);
    slept = p.nanosleep_left(1000000000, &left);
  });
  w.RunFor(seconds(2));
  EXPECT_EQ(waited, -EINTR);
  EXPECT_EQ(slept, -EINTR);
  EXPECT_EQ(left, 900000000);  // 1 s asked, woken after 100 ms
  EXPECT_EQ(p.signals_caught(SIGALRM), 2u);
}

TEST(Signals, GetitimerShowsTheTimeLeftAndTheInterval) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const itimerval v = Every(2500, 700);
  itimerval old{};
  ASSERT_EQ(p.setitimer(ITIMER_REAL, &v, &old), 0);
  EXPECT_EQ(old.it_value.tv_sec, 0);
  EXPECT_EQ(old.it_value.tv_usec, 0);
  w.RunFor(milliseconds(1000) + std::chrono::nanoseconds(1500));
  itimerval cur{};
  ASSERT_EQ(p.getitimer(ITIMER_REAL, &cur), 0);
  // 1.4999985 s left, truncated to microseconds.
  EXPECT_EQ(cur.it_value.tv_sec, 1);
  EXPECT_EQ(cur.it_value.tv_usec, 499998);
  EXPECT_EQ(cur.it_interval.tv_sec, 0);
  EXPECT_EQ(cur.it_interval.tv_usec, 700000);
  // Disarmed: zero.
  const itimerval off{};
  ASSERT_EQ(p.setitimer(ITIMER_REAL, &off, &old), 0);
  EXPECT_EQ(old.it_value.tv_sec, 1);
  ASSERT_EQ(p.getitimer(ITIMER_REAL, &cur), 0);
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_usec, 0);
  EXPECT_EQ(cur.it_interval.tv_usec, 0);
  // The CPU timers are kept, never run.
  const itimerval prof = Every(10, 10);
  ASSERT_EQ(p.setitimer(ITIMER_PROF, &prof, nullptr), 0);
  w.RunFor(seconds(1));
  ASSERT_EQ(p.getitimer(ITIMER_PROF, &cur), 0);
  EXPECT_EQ(cur.it_value.tv_usec, 10000);
  // Linux's checks.
  itimerval bad = Every(10, 0);
  bad.it_value.tv_usec = 1000000;
  EXPECT_EQ(p.setitimer(ITIMER_REAL, &bad, nullptr), -EINVAL);
  EXPECT_EQ(p.setitimer(7, &v, nullptr), -EINVAL);
  EXPECT_EQ(p.getitimer(7, &cur), -EINVAL);
  EXPECT_EQ(p.getitimer(ITIMER_REAL, nullptr), -EFAULT);
}

TEST(Signals, ABlockedSignalStaysPendingUntilUnblocked) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action count{Action::Kind::kCount, 0};
  ASSERT_EQ(p.sigaction(SIGUSR1, &count, nullptr), 0);
  const sigset_t usr1 = Only(SIGUSR1);
  ASSERT_EQ(p.sigprocmask(SIG_BLOCK, &usr1, nullptr), 0);
  ASSERT_EQ(p.kill_self(SIGUSR1), 0);
  ASSERT_EQ(p.kill_self(SIGUSR1), 0);  // coalesces with the pending one
  EXPECT_EQ(p.signals_caught(SIGUSR1), 0u);
  sigset_t pending;
  ASSERT_EQ(p.sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGUSR1), 1);
  ASSERT_EQ(p.sigprocmask(SIG_UNBLOCK, &usr1, nullptr), 0);
  EXPECT_EQ(p.signals_caught(SIGUSR1), 1u);
  ASSERT_EQ(p.sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGUSR1), 0);
  // Only this process is visible; SIGKILL and SIGSTOP keep their default.
  EXPECT_EQ(p.kill(p.pid() + 1, SIGUSR1), -ESRCH);
  EXPECT_EQ(p.kill_self(65), -EINVAL);
  EXPECT_EQ(p.sigaction(SIGKILL, &count, nullptr), -EINVAL);
  EXPECT_EQ(p.sigaction(0, nullptr, nullptr), -EINVAL);
  Action old;
  ASSERT_EQ(p.sigaction(SIGKILL, nullptr, &old), 0);
  EXPECT_EQ(old.kind, Action::Kind::kDefault);
}

TEST(Signals, SigpipeOnEpipeUnlessIgnoredOrMsgNosignal) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  // A simulated process starts with SIGPIPE ignored: EPIPE only.
  Action old;
  ASSERT_EQ(p.sigaction(SIGPIPE, nullptr, &old), 0);
  EXPECT_EQ(old.kind, Action::Kind::kIgnore);
  const int s = p.socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(p.write(s, "x", 1), -EPIPE);
  const Action count{Action::Kind::kCount, 0};
  ASSERT_EQ(p.sigaction(SIGPIPE, &count, nullptr), 0);
  EXPECT_EQ(p.write(s, "x", 1), -EPIPE);
  EXPECT_EQ(p.signals_caught(SIGPIPE), 1u);
  EXPECT_EQ(p.sendto(s, "x", 1, MSG_NOSIGNAL, nullptr, 0), -EPIPE);
  EXPECT_EQ(p.signals_caught(SIGPIPE), 1u);
  // A pipe with no reader sends it too.
  int fds[2];
  ASSERT_EQ(p.pipe2(fds, 0), 0);
  ASSERT_EQ(p.close(fds[0]), 0);
  EXPECT_EQ(p.write(fds[1], "x", 1), -EPIPE);
  EXPECT_EQ(p.signals_caught(SIGPIPE), 2u);
}

TEST(Signals, TheDefaultActionEndsTheProcessAsExitWould) {
  World w(1);
  Host& h = w.AddHost("h", "10.0.0.1");
  Process& p = h.SpawnProcess();
  const Action dfl{Action::Kind::kDefault, 0};
  ASSERT_EQ(p.sigaction(SIGPIPE, &dfl, nullptr), 0);
  int fds[2];
  ASSERT_EQ(p.pipe2(fds, 0), 0);
  Process& reader = h.SpawnProcess();
  bool after = false;
  p.Spawn([&] {
    const int s = p.socket(AF_INET, SOCK_STREAM, 0);
    (void)p.write(s, "x", 1);
    after = true;  // never reached: SIGPIPE killed the process
  });
  w.RunFor(seconds(1));
  EXPECT_FALSE(after);
  EXPECT_TRUE(p.dead());
  EXPECT_EQ(p.killed_by(), SIGPIPE);
  EXPECT_EQ(w.scheduler().live_threads(), 0u);
  EXPECT_EQ(p.write(fds[1], "x", 1), -EBADF);  // its fds are closed
  (void)reader;

  // A timer's SIGALRM at its default ends a process blocked in a call.
  Process& q = h.SpawnProcess();
  ASSERT_EQ(q.pipe2(fds, 0), 0);
  q.Spawn([&] {
    const itimerval once = Every(300, 0);
    ASSERT_EQ(q.setitimer(ITIMER_REAL, &once, nullptr), 0);
    char buf[4];
    (void)q.read(fds[0], buf, sizeof buf);
    after = true;
  });
  w.RunFor(seconds(1));
  EXPECT_FALSE(after);
  EXPECT_EQ(q.killed_by(), SIGALRM);
  EXPECT_EQ(w.scheduler().live_threads(), 0u);
}

TEST(Signals, ABlockedSigalrmHoldsTheIntervalTimerUntilTaken) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action count{Action::Kind::kCount, 0};
  ASSERT_EQ(p.sigaction(SIGALRM, &count, nullptr), 0);
  const sigset_t alrm = Only(SIGALRM);
  ASSERT_EQ(p.sigprocmask(SIG_BLOCK, &alrm, nullptr), 0);
  const itimerval tick = Every(1000, 1000);
  ASSERT_EQ(p.setitimer(ITIMER_REAL, &tick, nullptr), 0);
  w.RunFor(milliseconds(3500));
  // One SIGALRM pending; the timer waits for it to be taken (dequeue_signal
  // re-arms it), so getitimer reads 0 left.
  itimerval cur{};
  ASSERT_EQ(p.getitimer(ITIMER_REAL, &cur), 0);
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_usec, 0);
  EXPECT_EQ(cur.it_interval.tv_sec, 1);
  ASSERT_EQ(p.sigprocmask(SIG_UNBLOCK, &alrm, nullptr), 0);
  EXPECT_EQ(p.signals_caught(SIGALRM), 1u);
  // Re-armed past now on the 1 s grid of the first expiry: 4 s.
  ASSERT_EQ(p.getitimer(ITIMER_REAL, &cur), 0);
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_usec, 500000);
}

TEST(Signals, AlarmRoundsTheSecondsLeftAsLinux) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action ignore{Action::Kind::kIgnore, 0};
  ASSERT_EQ(p.sigaction(SIGALRM, &ignore, nullptr), 0);
  EXPECT_EQ(p.alarm(10), 0u);
  w.RunFor(milliseconds(4400));
  EXPECT_EQ(p.alarm(10), 6u);  // 5.6 s left: half a second or more rounds up
  w.RunFor(milliseconds(9999));
  EXPECT_EQ(p.alarm(0), 1u);  // 1 ms left: never 0 for a pending alarm
  EXPECT_EQ(p.alarm(0), 0u);
}

TEST(Signals, ResetHandAndTgkillToOneThread) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  const Action once{Action::Kind::kCount, static_cast<int>(SA_RESETHAND)};
  ASSERT_EQ(p.sigaction(SIGUSR2, &once, nullptr), 0);
  int fds[2];
  ASSERT_EQ(p.pipe2(fds, 0), 0);
  ssize_t got = 0;
  const int tid = p.Spawn([&] {
    char buf[4];
    got = p.read(fds[0], buf, sizeof buf);
  });
  w.RunFor(milliseconds(10));
  EXPECT_EQ(p.tgkill(p.pid(), tid, SIGUSR2), 0);
  w.RunFor(milliseconds(10));
  EXPECT_EQ(got, -EINTR);
  EXPECT_EQ(p.signals_caught(SIGUSR2), 1u);
  Action now;
  ASSERT_EQ(p.sigaction(SIGUSR2, nullptr, &now), 0);
  EXPECT_EQ(now.kind, Action::Kind::kDefault);  // reset once delivered
  EXPECT_EQ(p.tgkill(p.pid(), tid + 100, SIGUSR2), -ESRCH);
  EXPECT_EQ(p.tgkill(p.pid() + 1, tid, SIGUSR2), -ESRCH);
  EXPECT_EQ(p.tgkill(p.pid(), 0, SIGUSR2), -EINVAL);
}

}  // namespace
}  // namespace simsock::sim
