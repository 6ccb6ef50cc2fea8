/* Signals under simsock exec (docs/exec.md, "Signals"): the simulated
 * kernel keeps the program's signal state (dispositions, the blocked mask,
 * pending signals, ITIMER_REAL in virtual time) and decides when a signal
 * is delivered; the program's own handlers run here, for real.
 * - rt_sigaction and rt_sigprocmask run for real (through seccomp.c's
 *   guards, which keep the shim's SIGSYS and SIGSEGV handlers), then the
 *   simulator is told the disposition or the thread's new mask;
 * - setitimer, getitimer, alarm and kill / tgkill / tkill to the program
 *   itself are forwarded (no real timer runs: its SIGALRM would come in
 *   real time);
 * - every reply may carry signals to deliver (slot.deliver_mask): once the
 *   call is over, shim_sig_deliver raises each on the calling thread with
 *   tgkill, so the handler runs (or the default action kills the program)
 *   before the call returns; a reply of SIMSOCK_EXEC_RESTART makes the
 *   call again after that (SA_RESTART). */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "exec/shim/shim.h"

/* The shim's own signals, never in the mask it reports. */
static const uint64_t shim_own =
    ((uint64_t)1 << (SIGSYS - 1)) | ((uint64_t)1 << (SIGSEGV - 1));

void shim_sig_deliver(void) {
  struct simsock_exec_slot *slot = shim_slot();
  uint64_t mask = slot->deliver_mask;
  if (mask == 0) return;
  slot->deliver_mask = 0;
  long tid = shim_raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
  for (int sig = 1; sig <= 64; sig++)
    if (mask & sig_bit(sig))
      shim_raw_syscall(SYS_tgkill, shim_real_pid, tid, sig, 0, 0, 0);
}

/* One value-only request (the signal calls of protocol.h). */
static long tell(long nr, long a0, long a1, long a2) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  slot->args[0] = a0;
  slot->args[1] = a1;
  slot->args[2] = a2;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

void shim_sig_tell_mask(uint64_t mask) {
  if (!shim_attached) return;
  tell(SYS_rt_sigprocmask, SIG_SETMASK, (long)(mask & ~shim_own), 0);
}

/* rt_sigprocmask from the libc path: the slot is used with asynchronous
 * signals blocked (a handler's own call would overwrite the request), then
 * the program's new mask is back. */
static void tell_mask_guarded(uint64_t mask) {
  uint64_t all = ~shim_own, saved = 0;
  shim_raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, (long)&saved, 8,
                   0, 0);
  shim_sig_tell_mask(mask);
  shim_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&saved, 0, 8, 0, 0);
}

long shim_sig_action(long sig, const void *act, void *oldact, long size) {
  long r = shim_guard_sigaction(sig, act, oldact, size);
  if (r != 0 || act == NULL || !shim_attached) return r;
  /* The head of the kernel's struct sigaction: handler, flags. */
  struct {
    void *handler;
    unsigned long flags;
  } head;
  if (shim_copy_from(&head, act, sizeof head) != 0) return r;
  long kind = head.handler == SIG_DFL ? 0 : head.handler == SIG_IGN ? 1 : 2;
  tell(SYS_rt_sigaction, sig, kind, (long)head.flags);
  return r;
}

long shim_sig_procmask(long how, const void *set, void *oldset, long size) {
  long r = shim_guard_sigprocmask(how, set, oldset, size);
  if (r != 0 || set == NULL || !shim_attached) return r;
  uint64_t now = 0;
  shim_raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, (long)&now, 8, 0, 0);
  tell_mask_guarded(now);
  return r;
}

long shim_sig_forward(long nr, long sig) { return tell(nr, sig, 0, 0); }

long shim_sig_itimer(long nr, long which, const void *value, void *old) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  slot->args[0] = which;
  int old_arg = 1;
  if (nr == SYS_setitimer) {
    int64_t in = SIMSOCK_EXEC_NULL;
    if (value != NULL) {
      in = shim_put_in(slot, value, sizeof(struct itimerval));
      if (in < 0) return in;
    }
    shim_arg_ptr(slot, 1, in);
    old_arg = 2;
  }
  int64_t out = SIMSOCK_EXEC_NULL;
  if (old != NULL) out = shim_reserve(slot, sizeof(struct itimerval));
  if (out < 0 && out != SIMSOCK_EXEC_NULL) return out;
  shim_arg_ptr(slot, old_arg, out);
  long r = shim_roundtrip(slot);
  if (r == 0 && old != NULL &&
      shim_copy_to(old, slot->data + out, sizeof(struct itimerval)) != 0)
    r = -EFAULT;
  shim_end(slot);
  return r;
}
