// The dispatcher's signal calls (dispatch_signal.h): what the shim tells
// the simulated kernel, so that its signal state follows the program's.
#include "simsock/exec/dispatch_signal.h"

#include <signal.h>
#include <sys/syscall.h>

#include <cerrno>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::exec {

using Action = sys::Syscalls::SignalAction;

bool IsSignalCall(int64_t nr) {
  switch (nr) {
    case SYS_rt_sigaction:
    case SYS_rt_sigprocmask:
    case SYS_setitimer:
    case SYS_getitimer:
    case SYS_alarm:
    case SYS_kill:
    case SYS_tgkill:
    case SYS_tkill:
      return true;
    default:
      return false;
  }
}

int64_t RunSignalCall(int64_t nr, const int64_t args[6], sim::Process& process,
                      const itimerval* value, itimerval* old) {
  const int sig = static_cast<int>(args[0]);
  switch (nr) {
    case SYS_rt_sigaction: {
      // The program's real handler is installed already; the simulated
      // kernel needs its kind and the flags that change delivery.
      Action act;
      act.kind = args[1] == 0   ? Action::Kind::kDefault
                 : args[1] == 1 ? Action::Kind::kIgnore
                                : Action::Kind::kCount;
      act.flags = static_cast<int>(args[2]) & (SA_RESTART | SA_RESETHAND);
      return process.sigaction(sig, &act, nullptr);
    }
    case SYS_rt_sigprocmask: {
      sigset_t set;
      sigemptyset(&set);
      const auto mask = static_cast<uint64_t>(args[1]);
      for (int s = 1; s <= sim::kMaxSignal; ++s)
        if ((mask & sim::SigBit(s)) != 0) sigaddset(&set, s);
      return process.sigprocmask(SIG_SETMASK, &set, nullptr);
    }
    case SYS_setitimer:
      return process.setitimer(sig, value, old);
    case SYS_getitimer:
      return process.getitimer(sig, old);
    case SYS_alarm:
      return process.alarm(static_cast<unsigned>(args[0]));
    case SYS_kill:
      return process.kill(process.pid(), sig);
    case SYS_tgkill:
    case SYS_tkill: {
      // To the calling thread: its proxy's simulated thread.
      const sim::SimThread* t = process.host().world().scheduler().Current();
      if (t == nullptr) return process.kill(process.pid(), sig);
      return process.tgkill(process.pid(), t->tid(), sig);
    }
    default:
      return -ENOSYS;
  }
}

}  // namespace simsock::exec
