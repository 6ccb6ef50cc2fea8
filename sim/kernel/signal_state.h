/// \file
/// SignalState: a simulated process's signals, with Linux's rules
/// (kernel/signal.c): each signal's disposition, each thread's blocked
/// mask and pending set, the process's shared pending set, and the
/// ITIMER_REAL timer (kernel/time/itimer.c). It holds the state and the
/// rules that need no scheduler (which signal is ignored, which one a
/// thread dequeues next); sim::Process (sim/kernel/process_signal.cc)
/// generates signals, wakes threads and delivers. docs/semantics.md,
/// "Signals".
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/base/time.h"

namespace simsock::sim {

class SimThread;

/// A set of signals 1..64: bit sig - 1, as the kernel's sigset_t on x86_64.
using SigMask = uint64_t;

/// The bit of signal sig (1..64) in a SigMask.
constexpr SigMask SigBit(int sig) { return SigMask{1} << (sig - 1); }

/// The highest signal number (_NSIG on x86_64 Linux).
constexpr int kMaxSignal = 64;

/// What a signal does by default (the sig_kernel_* tables of
/// include/linux/signal.h).
enum class DefaultAction {
  kTerminate,  ///< ends the process (SIGTERM, SIGPIPE, SIGALRM, ...)
  kCoreDump,   ///< ends the process with a core dump (SIGQUIT, SIGSEGV ...)
  kIgnore,     ///< nothing (SIGCHLD, SIGURG, SIGWINCH, SIGCONT)
  kStop,       ///< stops the process (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)
};

/// The default action of sig (1..64).
DefaultAction DefaultActionOf(int sig);

/// "SIGALRM", "SIGRTMIN+3", or "signal 99" outside 1..64: names in traces.
std::string SignalName(int sig);

/// One process's signals (see the file comment). Thread state is keyed by
/// the simulated thread id (0: the test's own code, outside any thread).
class SignalState {
 public:
  /// A disposition, as sys::Syscalls::SignalAction gives it.
  using Action = sys::Syscalls::SignalAction;

  /// One thread's part.
  struct Thread {
    SigMask blocked = 0;  ///< the blocked mask (never SIGKILL, SIGSTOP)
    SigMask pending = 0;  ///< signals sent to this thread (tgkill, SIGPIPE)
    /// While the thread sleeps interruptibly: the thread (null outside a
    /// simulated thread) and that a signal has woken it.
    bool sleeping = false;
    SimThread* sleeper = nullptr;  ///< the parked thread, when sleeping
    bool signal_woke = false;      ///< a signal ended the sleep
    /// The current call was interrupted by a signal (its wait returned
    /// kInterrupted), and whether Linux would let it restart
    /// (-ERESTARTSYS rather than -EINTR: the wait had no timeout).
    bool interrupted = false;
    bool restartable = false;  ///< see interrupted
    /// Signals collected for the program to deliver itself (simsock
    /// exec: the shim raises them after the reply).
    SigMask to_deliver = 0;
  };

  /// Every signal at its default, nothing blocked or pending (a program
  /// under simsock exec starts so, as after execve).
  SignalState() = default;

  /// sig's disposition (1..64).
  const Action& action(int sig) const { return actions_[sig - 1]; }
  /// Sets sig's disposition (1..64, not SIGKILL or SIGSTOP) and, if it
  /// now ignores sig, discards sig from every pending set (do_sigaction's
  /// POSIX 3.3.1.3 rule).
  void SetAction(int sig, const Action& act);

  /// sig_ignored for a thread whose mask is `blocked`: not blocked, and
  /// SIG_IGN or a default action that ignores (stop signals included:
  /// the simulator stops no process, docs/semantics.md D33).
  bool Ignored(int sig, SigMask blocked) const;
  /// The action a delivery of sig takes: its handler (kCount), or its
  /// default's kind when it ends the process, or none.
  bool Fatal(int sig) const;

  /// The thread's state (made on first use, with tid 0's mask: a new
  /// thread inherits its creator's mask; see Process::Spawn).
  Thread& thread(int tid);
  /// Threads known so far, by tid.
  std::map<int, Thread>& threads() { return threads_; }
  /// Signals sent to the whole process (kill, the itimer).
  SigMask& shared_pending() { return shared_pending_; }
  /// The next signal `t` takes (next_signal: its own pending first, then
  /// the process's; the synchronous ones first, then the lowest number),
  /// removed from its set; 0 when none is pending and unblocked.
  int Dequeue(Thread& t);
  /// Whether t has a pending signal it does not block (signal_pending).
  bool HasDeliverable(const Thread& t) const {
    return ((t.pending | shared_pending_) & ~t.blocked) != 0;
  }

  /// Runs of the counting handler, per signal (index sig - 1).
  uint64_t caught(int sig) const { return caught_[sig - 1]; }
  /// Counts one run of sig's handler.
  void CountCaught(int sig) { ++caught_[sig - 1]; }

  /// Whether any signal was ever generated or set up (the calls' fast
  /// path skips the delivery work until then).
  bool active() const { return active_; }
  /// Marks the state active (see active()).
  void Activate() { active_ = true; }

  /// The ITIMER_REAL timer: when it fires next (kNever: disarmed), its
  /// interval (0: one shot), and the event that fires it.
  struct RealTimer {
    Time expires = kNever;  ///< the next expiry, kNever when not queued
    Duration interval{0};   ///< it_real_incr
    EventId event;          ///< the pending expiry event, if any
    /// The expiry whose SIGALRM is not yet taken (kNever: none): the
    /// interval re-arms from it when the signal is dequeued.
    Time last_expiry = kNever;
  };
  /// The process's ITIMER_REAL.
  RealTimer& real_timer() { return real_timer_; }
  /// The process's ITIMER_REAL (read only).
  const RealTimer& real_timer() const { return real_timer_; }
  /// ITIMER_VIRTUAL (1) or ITIMER_PROF (2): stored, never running (no
  /// CPU time passes in the simulation).
  itimerval& cpu_timer(int which) { return cpu_timers_[which == 2 ? 1 : 0]; }

 private:
  Action actions_[kMaxSignal] = {};
  std::map<int, Thread> threads_;
  SigMask shared_pending_ = 0;
  uint64_t caught_[kMaxSignal] = {};
  bool active_ = false;
  RealTimer real_timer_;
  itimerval cpu_timers_[2] = {};
};

}  // namespace simsock::sim
