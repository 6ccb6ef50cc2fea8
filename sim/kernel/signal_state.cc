// SignalState: the rules of kernel/signal.c that need no scheduler.
#include "simsock/sim/kernel/signal_state.h"

#include <signal.h>

#include <string>

namespace simsock::sim {
namespace {

// The synchronous signals next_signal takes first (SYNCHRONOUS_MASK).
constexpr SigMask kSynchronous = SigBit(SIGSEGV) | SigBit(SIGBUS) |
                                 SigBit(SIGILL) | SigBit(SIGTRAP) |
                                 SigBit(SIGFPE) | SigBit(SIGSYS);

// The lowest signal in m (m != 0).
int Lowest(SigMask m) { return __builtin_ctzll(m) + 1; }

}  // namespace

DefaultAction DefaultActionOf(int sig) {
  switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
    case SIGCONT:  // continues a stopped process, else nothing
      return DefaultAction::kIgnore;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return DefaultAction::kStop;
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
      return DefaultAction::kCoreDump;
    default:  // SIGHUP, SIGINT, SIGKILL, SIGPIPE, SIGALRM, SIGTERM,
              // SIGUSR1/2, SIGPROF, SIGVTALRM, SIGIO, SIGPWR, SIGSTKFLT,
              // and every real-time signal
      return DefaultAction::kTerminate;
  }
}

std::string SignalName(int sig) {
  static const char* const kNames[32] = {
      nullptr,   "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP",
      "SIGABRT", "SIGBUS",  "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV",
      "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
      "SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
      "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
      "SIGPWR",  "SIGSYS"};
  if (sig >= 1 && sig < 32) return kNames[sig];
  // The kernel's SIGRTMIN is 32 (glibc keeps 32 and 33 for itself).
  if (sig >= 32 && sig <= kMaxSignal)
    return "SIGRTMIN+" + std::to_string(sig - 32);
  return "signal " + std::to_string(sig);
}

void SignalState::SetAction(int sig, const Action& act) {
  actions_[sig - 1] = act;
  // do_sigaction: setting SIG_IGN, or SIG_DFL for a signal whose default
  // is to ignore, discards it from every pending set, blocked or not.
  const bool now_ignored = act.kind == Action::Kind::kIgnore ||
                           (act.kind == Action::Kind::kDefault &&
                            DefaultActionOf(sig) == DefaultAction::kIgnore);
  if (!now_ignored) return;
  shared_pending_ &= ~SigBit(sig);
  for (auto& [tid, t] : threads_) t.pending &= ~SigBit(sig);
}

bool SignalState::Ignored(int sig, SigMask blocked) const {
  // sig_ignored: a blocked signal is never ignored (the handler may
  // change before it is unblocked).
  if ((blocked & SigBit(sig)) != 0) return false;
  const Action& a = action(sig);
  if (a.kind == Action::Kind::kIgnore) return true;
  if (a.kind != Action::Kind::kDefault) return false;
  const DefaultAction d = DefaultActionOf(sig);
  return d == DefaultAction::kIgnore || d == DefaultAction::kStop;
}

bool SignalState::Fatal(int sig) const {
  if (action(sig).kind != Action::Kind::kDefault) return false;
  const DefaultAction d = DefaultActionOf(sig);
  return d == DefaultAction::kTerminate || d == DefaultAction::kCoreDump;
}

SignalState::Thread& SignalState::thread(int tid) {
  auto it = threads_.find(tid);
  if (it != threads_.end()) return it->second;
  Thread t;
  if (auto parent = threads_.find(0); parent != threads_.end())
    t.blocked = parent->second.blocked;
  return threads_.emplace(tid, t).first->second;
}

int SignalState::Dequeue(Thread& t) {
  // dequeue_signal: the thread's own queue first, then the shared one.
  for (SigMask* set : {&t.pending, &shared_pending_}) {
    const SigMask ready = *set & ~t.blocked;
    if (ready == 0) continue;
    const SigMask sync = ready & kSynchronous;
    const int sig = Lowest(sync != 0 ? sync : ready);
    *set &= ~SigBit(sig);
    return sig;
  }
  return 0;
}

}  // namespace simsock::sim
