// Differential scenarios: signals (kernel/signal.c, kernel/time/itimer.c).
// ITIMER_REAL's time left, a SIGALRM interrupting blocking calls (EINTR,
// or a restart only where Linux restarts: not a socket wait with a
// timeout, never epoll_wait or poll), SIGPIPE on EPIPE unless ignored or
// MSG_NOSIGNAL, and kill to itself with the signal blocked. The counting
// handler's runs are process-wide on the real kernel, so each scenario
// logs how many ran during it. Real waits are tens of milliseconds, each
// bounded by a socket or call timeout where the call has one.
// docs/semantics.md, "Signals".
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/time.h>

#include <string>

#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

using Action = sys::Syscalls::SignalAction;

// sigaction(sig, handler or SIG_IGN / SIG_DFL, flags), logged.
void SetAction(Script& s, int sig, Action::Kind kind, int flags,
               const std::string& what) {
  const Action act{kind, flags};
  s.Line("sigaction(" + std::to_string(sig) + ", " + what +
         ") = " + s.Result(s.sys().sigaction(sig, &act, nullptr)));
}

// The handler runs of sig since `base`, logged.
void Caught(Script& s, int sig, uint64_t base) {
  s.Line("handler runs of " + std::to_string(sig) + ": " +
         std::to_string(s.sys().signals_caught(sig) - base));
}

// setitimer(ITIMER_REAL) for value_ms then every interval_ms, logged.
void Alarm(Script& s, long value_ms, long interval_ms) {
  itimerval v{};
  v.it_value = timeval{value_ms / 1000, value_ms % 1000 * 1000};
  v.it_interval = timeval{interval_ms / 1000, interval_ms % 1000 * 1000};
  s.Line("setitimer(ITIMER_REAL, " + std::to_string(value_ms) + " ms, " +
         std::to_string(interval_ms) +
         " ms) = " + s.Result(s.sys().setitimer(ITIMER_REAL, &v, nullptr)));
}

// sigpending, logged with whether SIGUSR1 is in the set.
void Pending(Script& s, sigset_t* pending) {
  const int r = s.sys().sigpending(pending);
  s.Line("sigpending = " + s.Result(r) +
         (sigismember(pending, SIGUSR1) == 1 ? " USR1 pending" : " none"));
}

std::string Usec(const timeval& tv) {
  return std::to_string(tv.tv_sec * 1000000 + tv.tv_usec);
}

}  // namespace

// getitimer after setitimer: the time left (a real kernel has run a few
// microseconds since: a range), the interval exactly; setitimer's old
// value; a disarmed timer reads 0; Linux's checks of which and the
// timeval.
DIFF_SCENARIO(Signals_ItimerTimeLeft) {
  Alarm(s, 500, 250);
  itimerval cur{};
  s.Line("getitimer(ITIMER_REAL) = " +
         s.Result(s.sys().getitimer(ITIMER_REAL, &cur)));
  const long left = cur.it_value.tv_sec * 1000000 + cur.it_value.tv_usec;
  s.Check("time left in (490000, 500000] us", left > 490000 && left <= 500000);
  s.Line("interval " + Usec(cur.it_interval) + " us");
  const itimerval off{};
  itimerval old{};
  s.Line("setitimer(ITIMER_REAL, 0) = " +
         s.Result(s.sys().setitimer(ITIMER_REAL, &off, &old)));
  const long old_left = old.it_value.tv_sec * 1000000 + old.it_value.tv_usec;
  s.Check("old time left in (490000, 500000] us",
          old_left > 490000 && old_left <= 500000);
  s.Line("old interval " + Usec(old.it_interval) + " us");
  const int disarmed = s.sys().getitimer(ITIMER_REAL, &cur);
  s.Line("getitimer(ITIMER_REAL) = " + s.Result(disarmed) + " left " +
         Usec(cur.it_value) + " interval " + Usec(cur.it_interval));
  itimerval bad{};
  bad.it_value.tv_usec = 1000000;
  s.Line("setitimer(tv_usec 1000000) = " +
         s.Result(s.sys().setitimer(ITIMER_REAL, &bad, nullptr)));
  bad.it_value = timeval{-1, 0};
  s.Line("setitimer(tv_sec -1) = " +
         s.Result(s.sys().setitimer(ITIMER_REAL, &bad, nullptr)));
  s.Line("setitimer(which 7) = " +
         s.Result(s.sys().setitimer(7, &off, nullptr)));
  s.Line("getitimer(which 7) = " + s.Result(s.sys().getitimer(7, &cur)));
}

// A SIGALRM handler without SA_RESTART: a blocking pipe read fails with
// EINTR. With SA_RESTART, a socket read with SO_RCVTIMEO still fails
// with EINTR (sock_intr_errno: only a wait without a timeout restarts),
// and so do epoll_wait and poll (man 7 signal: never restarted).
DIFF_SCENARIO(Signals_AlarmInterruptsBlockingCalls) {
  const uint64_t base = s.sys().signals_caught(SIGALRM);
  SetAction(s, SIGALRM, Action::Kind::kCount, 0, "handler");
  int fds[2] = {-1, -1};
  s.Line("pipe2 = " + s.Result(s.sys().pipe2(fds, 0)));
  Alarm(s, 20, 0);
  char buf[8];
  s.Line("read(pipe) = " + s.Result(s.sys().read(fds[0], buf, sizeof buf)));
  Caught(s, SIGALRM, base);
  SetAction(s, SIGALRM, Action::Kind::kCount, SA_RESTART, "handler|SA_RESTART");
  Conn c = Establish(s);
  const int flags = s.sys().fcntl(c.server, F_GETFL, 0);
  s.sys().fcntl(c.server, F_SETFL, flags & ~O_NONBLOCK);
  SetTimeo(s, c.server, SO_RCVTIMEO, 0, 200000);
  Alarm(s, 20, 0);
  s.Line("read(socket, SO_RCVTIMEO 200 ms) = " +
         s.Result(s.sys().read(c.server, buf, sizeof buf)));
  Caught(s, SIGALRM, base);
  const int ep = s.EpollCreate();
  Alarm(s, 20, 0);
  epoll_event ev[1];
  s.Line("epoll_wait(2000 ms) = " +
         s.Result(s.sys().epoll_wait(ep, ev, 1, 2000)));
  Caught(s, SIGALRM, base);
  pollfd p{fds[0], POLLIN, 0};
  Alarm(s, 20, 0);
  s.Line("poll(2000 ms) = " + s.Result(s.sys().poll(&p, 1, 2000)));
  Caught(s, SIGALRM, base);
  s.sys().close(fds[0]);
  s.sys().close(fds[1]);
  SetAction(s, SIGALRM, Action::Kind::kIgnore, 0, "SIG_IGN");
}

// SIGPIPE: a handler sees one per EPIPE of a stream write (an unconnected
// socket, a reset one after its ECONNRESET, a pipe without reader), none
// with MSG_NOSIGNAL; ignored, the write gives EPIPE only.
DIFF_SCENARIO(Signals_SigpipeOnEpipe) {
  const uint64_t base = s.sys().signals_caught(SIGPIPE);
  Action old;
  const int got = s.sys().sigaction(SIGPIPE, nullptr, &old);
  s.Line("sigaction(SIGPIPE, NULL) = " + s.Result(got) +
         (old.kind == Action::Kind::kIgnore ? " was SIG_IGN" : " was other"));
  SetAction(s, SIGPIPE, Action::Kind::kCount, 0, "handler");
  const int u = s.Tcp();
  s.Write(u, "x");
  Caught(s, SIGPIPE, base);
  s.Send(u, "x", MSG_NOSIGNAL);
  Caught(s, SIGPIPE, base);
  Conn c = Establish(s);
  s.SetLinger(c.client, 1, 0);
  s.Close(c.client);  // an RST
  s.Settle();
  s.Write(c.server, "after reset");  // ECONNRESET: no signal
  Caught(s, SIGPIPE, base);
  s.Write(c.server, "again");  // EPIPE and SIGPIPE
  Caught(s, SIGPIPE, base);
  int fds[2] = {-1, -1};
  s.Line("pipe2 = " + s.Result(s.sys().pipe2(fds, 0)));
  s.sys().close(fds[0]);
  s.Line("write(pipe, no reader) = " + s.Result(s.sys().write(fds[1], "x", 1)));
  Caught(s, SIGPIPE, base);
  SetAction(s, SIGPIPE, Action::Kind::kIgnore, 0, "SIG_IGN");
  s.Write(c.server, "ignored");
  s.Line("write(pipe, no reader) = " + s.Result(s.sys().write(fds[1], "x", 1)));
  Caught(s, SIGPIPE, base);
  s.sys().close(fds[1]);
}

// kill to itself with the signal blocked: pending (sigpending shows it),
// a second kill coalesces; unblocked, the handler runs once before
// sigprocmask returns. kill of signal 0 only checks; 65 is EINVAL.
DIFF_SCENARIO(Signals_KillSelfBlockedStaysPending) {
  const uint64_t base = s.sys().signals_caught(SIGUSR1);
  SetAction(s, SIGUSR1, Action::Kind::kCount, 0, "handler");
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  s.Line("sigprocmask(SIG_BLOCK, USR1) = " +
         s.Result(s.sys().sigprocmask(SIG_BLOCK, &usr1, nullptr)));
  s.Line("kill(self, USR1) = " + s.Result(s.sys().kill_self(SIGUSR1)));
  s.Line("kill(self, USR1) = " + s.Result(s.sys().kill_self(SIGUSR1)));
  Caught(s, SIGUSR1, base);
  sigset_t pending;
  sigemptyset(&pending);
  Pending(s, &pending);
  s.Line("sigprocmask(SIG_UNBLOCK, USR1) = " +
         s.Result(s.sys().sigprocmask(SIG_UNBLOCK, &usr1, nullptr)));
  Caught(s, SIGUSR1, base);
  sigemptyset(&pending);
  Pending(s, &pending);
  s.Line("kill(self, 0) = " + s.Result(s.sys().kill_self(0)));
  s.Line("kill(self, 65) = " + s.Result(s.sys().kill_self(65)));
  s.Line("sigprocmask(how 7) = " +
         s.Result(s.sys().sigprocmask(7, &usr1, nullptr)));
  const Action act{Action::Kind::kCount, 0};
  s.Line("sigaction(SIGKILL, handler) = " +
         s.Result(s.sys().sigaction(SIGKILL, &act, nullptr)));
}

}  // namespace simsock::diff
