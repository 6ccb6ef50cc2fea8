// Process: signals (kernel/signal.c, kernel/time/itimer.c). Generation
// (SendSignal: send_signal_locked's ignore and coalescing rules,
// complete_signal's choice of a thread and its wakeup), delivery at a
// call's exit (SignalsAtCallExit: get_signal and handle_signal's restart
// rules), and the calls. docs/semantics.md, "Signals".
#include <signal.h>

#include <cerrno>
#include <string>

#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {
namespace {

using Kind = sys::Syscalls::SignalAction::Kind;

// The sa_flags the interface takes (sys::Syscalls::SignalAction).
constexpr int kKnownFlags = SA_RESTART | SA_RESETHAND;
// SIGKILL and SIGSTOP: never caught, ignored or blocked (sig_kernel_only).
constexpr SigMask kKernelOnly = SigBit(SIGKILL) | SigBit(SIGSTOP);

SigMask FromSigset(const sigset_t& set) {
  SigMask m = 0;
  for (int sig = 1; sig <= kMaxSignal; ++sig)
    if (sigismember(&set, sig) == 1) m |= SigBit(sig);
  return m;
}
void ToSigset(SigMask m, sigset_t* set) {
  sigemptyset(set);
  for (int sig = 1; sig <= kMaxSignal; ++sig)
    if ((m & SigBit(sig)) != 0) sigaddset(set, sig);
}

// "{SIGPIPE|SIGALRM}" for a trace.
std::string MaskText(int64_t mask, int64_t) {
  std::string out = "{";
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if ((static_cast<SigMask>(mask) & SigBit(sig)) == 0) continue;
    if (out.size() > 1) out += '|';
    out += SignalName(sig);
  }
  return out + "}";
}
std::string ActionText(int64_t kind, int64_t flags) {
  std::string out = kind == static_cast<int64_t>(Kind::kDefault)  ? "SIG_DFL"
                    : kind == static_cast<int64_t>(Kind::kIgnore) ? "SIG_IGN"
                                                                  : "handler";
  if ((flags & SA_RESTART) != 0) out += "|SA_RESTART";
  if ((flags & SA_RESETHAND) != 0) out += "|SA_RESETHAND";
  return out;
}
std::string HowText(int how) {
  switch (how) {
    case SIG_BLOCK:
      return "SIG_BLOCK";
    case SIG_UNBLOCK:
      return "SIG_UNBLOCK";
    case SIG_SETMASK:
      return "SIG_SETMASK";
    default:
      return std::to_string(how);
  }
}
std::string WhichText(int which) {
  switch (which) {
    case ITIMER_REAL:
      return "ITIMER_REAL";
    case ITIMER_VIRTUAL:
      return "ITIMER_VIRTUAL";
    case ITIMER_PROF:
      return "ITIMER_PROF";
    default:
      return std::to_string(which);
  }
}

// The calls a handler makes fail with EINTR whatever SA_RESTART says
// (man 7 signal: epoll_wait, poll, select, nanosleep ... return
// -EINTR, -ERESTARTNOHAND or -ERESTART_RESTARTBLOCK).
bool NeverRestarted(std::string_view call) {
  return call == "epoll_wait" || call == "epoll_pwait2" || call == "poll" ||
         call == "ppoll" || call == "select" || call == "pselect6" ||
         call == "nanosleep";
}

Duration FromTimeval(const timeval& tv) {
  return std::chrono::seconds(tv.tv_sec) +
         std::chrono::microseconds(tv.tv_usec);
}
// ns_to_timeval's truncation to microseconds, as put_itimerval writes it.
timeval ToTimeval(Duration d) {
  const int64_t ns = d.count();
  return timeval{static_cast<time_t>(ns / 1000000000),
                 static_cast<suseconds_t>(ns % 1000000000 / 1000)};
}
bool TimevalValid(const timeval& tv) {
  return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000;
}

}  // namespace

SignalState::Thread& Process::CurrentSignals() {
  return signals_.thread(CurrentTid());
}

int Process::CurrentTid() const {
  const SimThread* t = world_.scheduler().Current();
  return t != nullptr ? t->tid() : 0;
}

ssize_t Process::SigpipeOnEpipe(ssize_t r, const Socket& s, int flags) {
  if (r == -EPIPE && s.type() == SOCK_STREAM && (flags & MSG_NOSIGNAL) == 0)
    SendSignal(SIGPIPE, CurrentTid(), "EPIPE");
  return r;
}

SignalState::Thread& Process::BeginSleep(SimThread* t) {
  SignalState::Thread& th = signals_.thread(t != nullptr ? t->tid() : 0);
  th.sleeping = true;
  th.sleeper = t;
  th.signal_woke = false;
  return th;
}

bool Process::EndSleep(SignalState::Thread& th) {
  th.sleeping = false;
  th.sleeper = nullptr;
  const bool woke = th.signal_woke;
  th.signal_woke = false;
  return woke;
}

void Process::ResetSignalsForExec() {
  for (int sig = 1; sig <= kMaxSignal; ++sig)
    if ((SigBit(sig) & kKernelOnly) == 0) signals_.SetAction(sig, {});
  program_delivers_ = true;
}

void Process::ReleaseSignals() {
  signals_released_ = true;
  SignalState::RealTimer& rt = signals_.real_timer();
  world_.Cancel(rt.event);
  rt = SignalState::RealTimer{};
}

SigMask Process::TakeSignalsToDeliver() {
  SignalState::Thread& th = CurrentSignals();
  const SigMask m = th.to_deliver;
  th.to_deliver = 0;
  return m;
}

void Process::SendSignal(int sig, int tid, const char* why) {
  if (dead_ || signals_released_) return;
  const SigMask bit = SigBit(sig);
  // sig_ignored: discarded at once, without a trace line (the ignored
  // SIGPIPE of every simulated process's EPIPE leaves no trace).
  SigMask* queue = nullptr;
  if (tid != 0) {
    SignalState::Thread& t = signals_.thread(tid);
    if (signals_.Ignored(sig, t.blocked)) return;
    queue = &t.pending;
  } else {
    bool ignored = signals_.Ignored(sig, 0);
    for (auto& [id, t] : signals_.threads())
      ignored = ignored && signals_.Ignored(sig, t.blocked);
    if (ignored) return;
    queue = &signals_.shared_pending();
  }
  signals_.Activate();
  const std::string head = "pid " + std::to_string(pid_) + " signal " +
                           SignalName(sig) + " (" + why + ")";
  // Standard signals coalesce while one is pending (legacy_queue), and so
  // do real-time ones here (D32).
  if ((*queue & bit) != 0) {
    host_.TraceLine(head + ": already pending");
    return;
  }
  *queue |= bit;
  host_.TraceLine(head + ": pending");
  // complete_signal: a thread that does not block it (the target, or for
  // the process the first such one that sleeps) is woken; a fatal signal
  // ends the process at once unless it comes from the process's own
  // running thread, whose call's exit delivers it.
  SignalState::Thread* taker = nullptr;
  if (tid != 0) {
    SignalState::Thread& t = signals_.thread(tid);
    if ((t.blocked & bit) == 0) taker = &t;
  } else {
    for (auto& [id, t] : signals_.threads()) {
      if ((t.blocked & bit) != 0) continue;
      if (taker == nullptr || (!taker->sleeping && t.sleeping)) taker = &t;
    }
    if (taker == nullptr && signals_.threads().empty())
      taker = &signals_.thread(0);
  }
  if (taker == nullptr) return;
  const SimThread* running = world_.scheduler().Current();
  const bool from_own_thread =
      running != nullptr && &running->process() == this;
  if (!program_delivers_ && signals_.Fatal(sig) && !from_own_thread) {
    TerminateBySignal(sig);
    return;
  }
  if (taker->sleeping) {
    taker->signal_woke = true;
    if (taker->sleeper != nullptr) world_.scheduler().Wake(*taker->sleeper);
  }
}

bool Process::SignalsAtCallExit(const char* call, const TraceArgs& args,
                                long* r) {
  SignalState::Thread& th = CurrentSignals();
  const bool interrupted = th.interrupted && *r == -EINTR;
  th.interrupted = false;
  // get_signal takes the pending signals one by one; the first with a
  // handler decides whether the interrupted call restarts (handle_signal:
  // -ERESTARTSYS with SA_RESTART), a fatal one ends the process.
  int signals[kMaxSignal];
  int n = 0;
  while (int sig = signals_.Dequeue(th)) signals[n++] = sig;
  bool restart = false;
  bool decided = false;
  int fatal = 0;
  for (int i = 0; i < n; ++i) {
    const int sig = signals[i];
    if (signals_.action(sig).kind == Kind::kCount) {
      if (interrupted && !decided) {
        restart = th.restartable && !NeverRestarted(call) &&
                  (signals_.action(sig).flags & SA_RESTART) != 0;
        decided = true;
      }
    } else if (signals_.Fatal(sig) && fatal == 0) {
      fatal = sig;
    }
  }
  // In a program (simsock exec) the restart happens there, after its
  // handlers ran: the call answers -ERESTARTSYS and is made again.
  if (restart && program_delivers_) *r = -kRestartSys;
  TraceCall(call, args, restart && !program_delivers_ ? -kRestartSys : *r);
  const std::string head = "pid " + std::to_string(pid_) + " ";
  for (int i = 0; i < n; ++i) {
    const int sig = signals[i];
    const SignalState::Action act = signals_.action(sig);
    if (program_delivers_) {
      th.to_deliver |= SigBit(sig);
    } else if (act.kind == Kind::kCount) {
      signals_.CountCaught(sig);
      host_.TraceLine(head + "handler " + SignalName(sig) + " runs (" +
                      std::to_string(signals_.caught(sig)) + ")");
    } else if (sig != fatal) {
      host_.TraceLine(head + "signal " + SignalName(sig) + " discarded");
    }
    // SA_RESETHAND: the disposition is back to its default once delivered.
    if (act.kind == Kind::kCount && (act.flags & SA_RESETHAND) != 0)
      signals_.SetAction(sig, {});
    // dequeue_signal re-arms ITIMER_REAL with an interval as its SIGALRM
    // is taken (hrtimer_forward past now).
    SignalState::RealTimer& rt = signals_.real_timer();
    if (sig == SIGALRM && rt.expires == kNever && rt.interval.count() > 0 &&
        rt.last_expiry != kNever) {
      const Time now = world_.Now();
      Time next = rt.last_expiry;
      const Duration late = now - next;
      if (late >= rt.interval) next += late / rt.interval * rt.interval;
      if (next <= now) next += rt.interval;
      rt.expires = next;
      rt.last_expiry = kNever;
      ArmRealTimer();
    }
  }
  if (fatal != 0 && !program_delivers_) TerminateBySignal(fatal);
  return restart && !program_delivers_;
}

void Process::TerminateBySignal(int sig) {
  if (dead_) return;
  host_.TraceLine("pid " + std::to_string(pid_) + " killed by " +
                  SignalName(sig));
  killed_by_ = sig;
  dead_ = true;
  world_.Cancel(signals_.real_timer().event);
  signals_.real_timer().expires = kNever;
  for (auto& [tid, t] : signals_.threads()) {
    t.sleeping = false;
    t.sleeper = nullptr;
  }
  // As exit_files: every fd closes, sockets send what close sends.
  fds_.CloseAll();
  Scheduler& sched = world_.scheduler();
  SimThread* running = sched.Current();
  if (running != nullptr && &running->process() == this) {
    // The dying thread cannot end itself: an event ends the process's
    // threads (this one with them) as soon as it parks.
    world_.Schedule(world_.Now(),
                    [this] { world_.scheduler().KillProcess(*this); });
    sched.Park("killed by " + SignalName(sig), kNever);
    return;
  }
  sched.KillProcess(*this);
}

void Process::ArmRealTimer() {
  SignalState::RealTimer& rt = signals_.real_timer();
  world_.Cancel(rt.event);
  rt.event = {};
  if (rt.expires == kNever) return;
  rt.event = world_.Schedule(rt.expires, [this] { RealTimerFired(); });
}

void Process::RealTimerFired() {
  SignalState::RealTimer& rt = signals_.real_timer();
  rt.event = {};
  rt.last_expiry = rt.expires;
  rt.expires = kNever;  // HRTIMER_NORESTART: dequeue_signal re-arms it
  SendSignal(SIGALRM, 0, "ITIMER_REAL");
}

itimerval Process::RealTimerValue() const {
  const SignalState::RealTimer& rt = signals_.real_timer();
  itimerval v{};
  v.it_interval = ToTimeval(rt.interval);
  if (rt.expires != kNever) {
    Duration left = rt.expires - world_.Now();
    // itimer_get_remtime: a queued timer due now reads 1 us.
    if (left.count() <= 0) left = std::chrono::microseconds(1);
    v.it_value = ToTimeval(left);
  }
  return v;
}

// --- the calls

int Process::sigaction(int sig, const SignalAction* act, SignalAction* oldact) {
  TraceArgs args = TraceArgs().Named<&SignalName>(sig);
  if (act == nullptr) {
    args.Null();
  } else {
    args.With(&ActionText, static_cast<int64_t>(act->kind), act->flags);
  }
  return Syscall<int>("sigaction", args, [&](CallFiles&) {
    // do_sigaction: a valid signal, and no act for SIGKILL or SIGSTOP.
    if (sig < 1 || sig > kMaxSignal) return -EINVAL;
    if (act != nullptr && (SigBit(sig) & kKernelOnly) != 0) return -EINVAL;
    if (act != nullptr && (act->flags & ~kKnownFlags) != 0) return -EINVAL;
    signals_.Activate();
    if (oldact != nullptr) *oldact = signals_.action(sig);
    if (act != nullptr) signals_.SetAction(sig, *act);
    return 0;
  });
}

uint64_t Process::signals_caught(int sig) {
  return sig >= 1 && sig <= kMaxSignal ? signals_.caught(sig) : 0;
}

int Process::sigprocmask(int how, const sigset_t* set, sigset_t* oldset) {
  TraceArgs args = TraceArgs().Text(HowText(how));
  if (set == nullptr) {
    args.Null();
  } else {
    args.With(&MaskText, static_cast<int64_t>(FromSigset(*set)));
  }
  return Syscall<int>("sigprocmask", args, [&](CallFiles&) {
    signals_.Activate();
    SignalState::Thread& th = CurrentSignals();
    const SigMask old = th.blocked;
    if (set != nullptr) {
      const SigMask m = FromSigset(*set) & ~kKernelOnly;
      switch (how) {
        case SIG_BLOCK:
          th.blocked |= m;
          break;
        case SIG_UNBLOCK:
          th.blocked &= ~m;
          break;
        case SIG_SETMASK:
          th.blocked = m;
          break;
        default:
          return -EINVAL;
      }
    }
    if (oldset != nullptr) ToSigset(old, oldset);
    return 0;
  });
}

int Process::sigpending(sigset_t* set) {
  return Syscall<int>("sigpending", TraceArgs(), [&](CallFiles&) {
    if (set == nullptr) return -EFAULT;
    SignalState::Thread& th = CurrentSignals();
    // do_sigpending: pending (the thread's and the process's) and blocked.
    ToSigset((th.pending | signals_.shared_pending()) & th.blocked, set);
    return 0;
  });
}

int Process::setitimer(int which, const itimerval* new_value,
                       itimerval* old_value) {
  TraceArgs args = TraceArgs().Text(WhichText(which));
  if (new_value == nullptr) {
    args.Null();
  } else {
    args.Timeval(&new_value->it_value).Timeval(&new_value->it_interval);
  }
  return Syscall<int>("setitimer", args, [&](CallFiles&) {
    // A NULL new value disarms (the "misfeature" Linux keeps).
    const itimerval nv = new_value != nullptr ? *new_value : itimerval{};
    if (!TimevalValid(nv.it_value) || !TimevalValid(nv.it_interval))
      return -EINVAL;
    if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
      // Stored only: no CPU time passes (D30).
      itimerval& cpu = signals_.cpu_timer(which);
      if (old_value != nullptr) *old_value = cpu;
      cpu = nv;
      if (nv.it_value.tv_sec == 0 && nv.it_value.tv_usec == 0)
        cpu.it_interval = timeval{};
      return 0;
    }
    if (which != ITIMER_REAL) return -EINVAL;
    signals_.Activate();
    if (old_value != nullptr) *old_value = RealTimerValue();
    SignalState::RealTimer& rt = signals_.real_timer();
    const Duration value = FromTimeval(nv.it_value);
    if (value.count() != 0) {
      rt.interval = FromTimeval(nv.it_interval);
      rt.expires = DeadlineAfter(world_.Now(), value);
    } else {
      rt.interval = Duration(0);
      rt.expires = kNever;
    }
    rt.last_expiry = kNever;
    ArmRealTimer();
    return 0;
  });
}

int Process::getitimer(int which, itimerval* curr_value) {
  return Syscall<int>(
      "getitimer", TraceArgs().Text(WhichText(which)), [&](CallFiles&) {
        itimerval v{};
        if (which == ITIMER_REAL) {
          v = RealTimerValue();
        } else if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
          v = signals_.cpu_timer(which);
        } else {
          return -EINVAL;
        }
        if (curr_value == nullptr) return -EFAULT;
        *curr_value = v;
        return 0;
      });
}

unsigned Process::alarm(unsigned seconds) {
  itimerval nv{};
  nv.it_value.tv_sec = seconds;
  itimerval old{};
  (void)setitimer(ITIMER_REAL, &nv, &old);
  // alarm_setitimer: never 0 for a pending alarm, and half a second or
  // more rounds up.
  if ((old.it_value.tv_sec == 0 && old.it_value.tv_usec != 0) ||
      old.it_value.tv_usec >= 500000)
    ++old.it_value.tv_sec;
  return static_cast<unsigned>(old.it_value.tv_sec);
}

int Process::kill_self(int sig) { return kill(pid_, sig); }

int Process::kill(int pid, int sig) {
  return Syscall<int>("kill", TraceArgs().Int(pid).Named<&SignalName>(sig),
                      [&](CallFiles&) {
                        if (sig < 0 || sig > kMaxSignal) return -EINVAL;
                        // Only the process itself is visible (its own pid, 0:
                        // its group, -pid: the group it leads); kill(-1)
                        // signals every process but the caller, none here
                        // (D31).
                        if (pid != pid_ && pid != 0 && pid != -pid_)
                          return -ESRCH;
                        if (sig != 0) SendSignal(sig, 0, "kill");
                        return 0;
                      });
}

int Process::tgkill(int tgid, int tid, int sig) {
  return Syscall<int>(
      "tgkill", TraceArgs().Int(tgid).Int(tid).Named<&SignalName>(sig),
      [&](CallFiles&) {
        if (tgid <= 0 || tid <= 0) return -EINVAL;
        if (sig < 0 || sig > kMaxSignal) return -EINVAL;
        const SimThread* t = world_.scheduler().Find(tid);
        if (tgid != pid_ || t == nullptr || &t->process() != this)
          return -ESRCH;
        if (sig != 0) SendSignal(sig, tid, "tgkill");
        return 0;
      });
}

int Process::nanosleep_left(int64_t ns, int64_t* left_ns) {
  const Time start = world_.Now();
  const int r = nanosleep_ns(ns);
  if (left_ns != nullptr) {
    const int64_t slept = (world_.Now() - start).count();
    *left_ns = r == -EINTR && slept < ns ? ns - slept : 0;
  }
  return r;
}

}  // namespace simsock::sim
