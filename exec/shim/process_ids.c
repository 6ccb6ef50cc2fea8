/* Calls that name processes or arm real timers. The program sees virtual
 * ids (getpid and gettid give region.virtual_pid), so a signal it sends to
 * itself names the virtual pid: it is translated to the real one here
 * (raise() is tgkill(getpid(), gettid(), sig), kill(getpid(), sig)). A
 * signal to any other process, or to a process group, would reach real
 * processes outside the simulation (kill(0, sig) would reach the
 * simulator's own group): it fails loudly. A signal to itself goes to the
 * simulated kernel, and alarm / setitimer are its timers in virtual time
 * (signals.c); a real POSIX timer (timer_settime) fails loudly, since its
 * signal would come in real time. */
#include <errno.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>

#include "exec/shim/shim.h"

static long real_tid(void) {
  return shim_raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

static int is_self(long pid) {
  return pid == shim_region->virtual_pid || pid == shim_real_pid;
}

static int is_own_thread(long tid) {
  return tid == shim_thread_gettid() || tid == real_tid();
}

__attribute__((noreturn)) static void other_process(long nr) {
  shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
            "a signal to another process or a process group (only the "
            "program itself can be signalled)",
            nr);
}

long shim_signal_call(long nr, long a0, long a1, long a2) {
  switch (nr) {
    /* The simulated kernel generates the signal and says when it is
     * delivered (signals.c). */
    case SYS_kill:
      if (!is_self(a0)) other_process(nr);
      return shim_sig_forward(SYS_kill, a1);
    case SYS_tgkill:
      if (!is_self(a0) || !is_own_thread(a1)) other_process(nr);
      return shim_sig_forward(SYS_tgkill, a2);
    case SYS_tkill:
      if (!is_own_thread(a0)) other_process(nr);
      return shim_sig_forward(SYS_tkill, a1);
    case SYS_rt_sigqueueinfo:
      if (!is_self(a0)) other_process(nr);
      return shim_raw_syscall(nr, shim_real_pid, a1, a2, 0, 0, 0);
    default:
      return -ENOSYS;
  }
}

/* alarm and setitimer are the simulated kernel's ITIMER_REAL, in virtual
 * time (signals.c). timer_settime that disarms is harmless and runs;
 * arming a real POSIX timer fails loudly. */
long shim_timer_call(long nr, long a0, long a1, long a2, long a3) {
  int arms = 0;
  if (nr == SYS_alarm) {
    return shim_sig_forward(SYS_alarm, a0);
  } else if (nr == SYS_setitimer) {
    return shim_sig_itimer(nr, a0, (const void *)a1, (void *)a2);
  } else if (nr == SYS_timer_settime) {
    struct itimerspec v;
    if (shim_copy_from(&v, (const void *)a2, sizeof v) != 0) return -EFAULT;
    arms = v.it_value.tv_sec != 0 || v.it_value.tv_nsec != 0;
  }
  if (arms)
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "a real POSIX timer (timer_settime: its signal would come in "
              "real time; alarm and setitimer are simulated)",
              nr);
  return shim_raw_syscall(nr, a0, a1, a2, a3, 0, 0);
}
