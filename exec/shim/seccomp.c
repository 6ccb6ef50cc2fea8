/* The seccomp trap (as Shadow's shim_seccomp.c): a filter that allows the
 * syscalls made from the shim's trampoline and rt_sigreturn, and traps all
 * others into SIGSYS; the SIGSYS handler decodes the call from the
 * ucontext and runs it through shim_dispatch. Also the SIGSEGV handler
 * that emulates rdtsc/rdtscp (PR_TSC_SIGSEGV), and the guards that keep
 * the program from removing either handler or blocking SIGSYS. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include "exec/shim/shim.h"
#include "exec/shim/vtime.h"

/* The kernel's struct sigaction on x86_64 (rt_sigaction's argument). */
struct kernel_sigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

/* What the program asked for SIGSYS and SIGSEGV: reported back by its
 * rt_sigaction, and SIGSEGV's is called for faults that are not rdtsc. */
static struct kernel_sigaction program_sigsys, program_sigsegv;

volatile int shim_program_has_handlers;

static int is_handler(const void *h) { return h != SIG_DFL && h != SIG_IGN; }

/* rt_sigprocmask(how, set, oldset, size) applied to the mask a trapped
 * call returns to, as the kernel's sigprocmask does (SIG_BLOCK,
 * SIG_UNBLOCK, SIG_SETMASK), minus SIGSYS and SIGSEGV. */
static long mask_in_context(ucontext_t *uc, long how, const void *set,
                            void *oldset, long size) {
  uint64_t current, change = 0;
  if (size != 8) return -EINVAL;
  memcpy(&current, &uc->uc_sigmask, sizeof current);
  if (set != NULL && shim_copy_from(&change, set, sizeof change) != 0)
    return -EFAULT;
  if (set != NULL && how != SIG_BLOCK && how != SIG_UNBLOCK &&
      how != SIG_SETMASK)
    return -EINVAL;
  if (oldset != NULL && shim_copy_to(oldset, &current, sizeof current) != 0)
    return -EFAULT;
  if (set == NULL) return 0;
  /* SIGKILL and SIGSTOP cannot be blocked (sigdelsetmask in the kernel). */
  change &= ~(sig_bit(SIGSYS) | sig_bit(SIGSEGV) | sig_bit(SIGKILL) |
              sig_bit(SIGSTOP));
  if (how == SIG_BLOCK)
    current |= change;
  else if (how == SIG_UNBLOCK)
    current &= ~change;
  else
    current = change;
  memcpy(&uc->uc_sigmask, &current, sizeof current);
  return 0;
}

static void on_sigsys(int sig, siginfo_t *info, void *context) {
  (void)sig;
  greg_t *g = ((ucontext_t *)context)->uc_mcontext.gregs;
  if (info->si_arch != AUDIT_ARCH_X86_64)
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL, "a 32-bit syscall (int $0x80)",
              info->si_syscall);
  if (info->si_syscall == SYS_rt_sigprocmask) {
    /* rt_sigreturn restores the mask saved in the ucontext: the program's
     * change goes there, not into the handler's own mask. */
    g[REG_RAX] = mask_in_context((ucontext_t *)context, g[REG_RDI],
                                 (const void *)g[REG_RSI], (void *)g[REG_RDX],
                                 g[REG_R10]);
    if (g[REG_RAX] == 0 && g[REG_RSI] != 0) {
      /* The simulated kernel learns the new mask (signals.c); what it
       * delivers now waits for rt_sigreturn to restore that mask. */
      uint64_t now;
      memcpy(&now, &((ucontext_t *)context)->uc_sigmask, sizeof now);
      shim_sig_tell_mask(now);
      shim_sig_deliver();
    }
    return;
  }
  if (info->si_syscall == SYS_clone || info->si_syscall == SYS_clone3) {
    /* The new thread starts from this context (threads.c). */
    g[REG_RAX] = shim_thread_clone(info->si_syscall, context);
    return;
  }
  long r = shim_dispatch(info->si_syscall, g[REG_RDI], g[REG_RSI], g[REG_RDX],
                         g[REG_R10], g[REG_R8], g[REG_R9]);
  /* The signals the replies carry: raised now, delivered as the handler
   * returns (its sa_mask blocks them), before the program goes on. */
  shim_sig_deliver();
  if (r == SIMSOCK_EXEC_RESTART) {
    /* SA_RESTART: back onto the syscall instruction (2 bytes), as the
     * kernel restarts a call, so it is trapped and made again after the
     * program's handler ran. */
    g[REG_RIP] -= 2;
    g[REG_RAX] = info->si_syscall;
    return;
  }
  g[REG_RAX] = r;
}

static void on_sigsegv(int sig, siginfo_t *info, void *context) {
  greg_t *g = ((ucontext_t *)context)->uc_mcontext.gregs;
  const unsigned char *ip = (const unsigned char *)g[REG_RIP];
  /* SIGSEGV from PR_TSC_SIGSEGV is an SI_KERNEL fault at the
   * instruction itself (0f 31 rdtsc, 0f 01 f9 rdtscp). */
  if (info->si_code == SI_KERNEL && ip[0] == 0x0f &&
      (ip[1] == 0x31 || (ip[1] == 0x01 && ip[2] == 0xf9))) {
    uint64_t tsc = shim_virtual_tsc();
    g[REG_RAX] = (greg_t)(tsc & 0xffffffffu);
    g[REG_RDX] = (greg_t)(tsc >> 32);
    if (ip[1] == 0x01) g[REG_RCX] = 0; /* IA32_TSC_AUX: cpu 0 */
    g[REG_RIP] += ip[1] == 0x31 ? 2 : 3;
    return;
  }
  /* Not ours: the program's handler, or the default action (the fault
   * happens again on return, with SIG_DFL installed). */
  void *h = program_sigsegv.handler;
  if (is_handler(h)) {
    if (program_sigsegv.flags & SA_SIGINFO)
      ((void (*)(int, siginfo_t *, void *))h)(sig, info, context);
    else
      ((void (*)(int))h)(sig);
    return;
  }
  struct kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};
  shim_raw_syscall(SYS_rt_sigaction, SIGSEGV, (long)&dfl, 0, 8, 0, 0);
}

void shim_install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigfillset(&sa.sa_mask); /* nothing interleaves with a trapped call */
  sa.sa_flags = SA_SIGINFO;
  sa.sa_sigaction = on_sigsys;
  if (sigaction(SIGSYS, &sa, NULL) != 0)
    shim_fail(SIMSOCK_FAIL_SECCOMP, "sigaction(SIGSYS)", SYS_rt_sigaction);
  sa.sa_sigaction = on_sigsegv;
  /* The program's own SIGSEGV handler, chained from here, may make
   * syscalls: SIGSYS stays deliverable. */
  sigdelset(&sa.sa_mask, SIGSYS);
  if (sigaction(SIGSEGV, &sa, NULL) != 0)
    shim_fail(SIMSOCK_FAIL_SECCOMP, "sigaction(SIGSEGV)", SYS_rt_sigaction);
  program_sigsys.handler = SIG_DFL;
  program_sigsegv.handler = SIG_DFL;
  /* Handlers installed before the shim attached (by libc or another
   * library's constructor). */
  for (int sig = 1; sig <= 64; sig++) {
    struct kernel_sigaction old;
    if (sig == SIGSYS || sig == SIGSEGV || sig == SIGKILL || sig == SIGSTOP)
      continue;
    if (shim_raw_syscall(SYS_rt_sigaction, sig, 0, (long)&old, 8, 0, 0) == 0 &&
        is_handler(old.handler))
      shim_program_has_handlers = 1;
  }
  /* SIGSYS must not be blocked (a trap while it is blocked kills). */
  uint64_t unblock = sig_bit(SIGSYS) | sig_bit(SIGSEGV);
  shim_raw_syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&unblock, 0, 8, 0, 0);
}

void shim_install_filter(void) {
  uintptr_t start = (uintptr_t)shim_trampoline_start;
  uintptr_t end = (uintptr_t)shim_trampoline_end;
  if ((start >> 32) != (end >> 32))
    shim_fail(SIMSOCK_FAIL_SECCOMP, "trampoline crosses a 4 GiB boundary", 0);
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 8),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 5, 0),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
               offsetof(struct seccomp_data, instruction_pointer) + 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(start >> 32), 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
               offsetof(struct seccomp_data, instruction_pointer)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)start, 0, 2),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)end, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
  };
  struct sock_fprog prog = {sizeof code / sizeof code[0], code};
  if (shim_raw_syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) != 0)
    shim_fail(SIMSOCK_FAIL_SECCOMP, "prctl(PR_SET_NO_NEW_PRIVS)", SYS_prctl);
  if (shim_raw_syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0,
                       0, 0) != 0)
    shim_fail(SIMSOCK_FAIL_SECCOMP, "seccomp(SECCOMP_SET_MODE_FILTER)",
              SYS_seccomp);
}

long shim_guard_sigaction(long sig, const void *act, void *oldact, long size) {
  struct kernel_sigaction *mine = sig == SIGSYS    ? &program_sigsys
                                  : sig == SIGSEGV ? &program_sigsegv
                                                   : NULL;
  if (mine == NULL) {
    /* A handler that blocks SIGSYS (sigfillset(&sa_mask) is common) would
     * be killed by its first trapped syscall: its mask leaves SIGSYS and
     * SIGSEGV out. */
    struct kernel_sigaction copy;
    if (act == NULL || size != 8)
      return shim_raw_syscall(SYS_rt_sigaction, sig, (long)act, (long)oldact,
                              size, 0, 0);
    if (shim_copy_from(&copy, act, sizeof copy) != 0) return -EFAULT;
    copy.mask &= ~(sig_bit(SIGSYS) | sig_bit(SIGSEGV));
    /* Set before the handler can run: from now on forwarded calls mask
     * signals (dispatch.c's shim_call). */
    if (is_handler(copy.handler)) shim_program_has_handlers = 1;
    return shim_raw_syscall(SYS_rt_sigaction, sig, (long)&copy, (long)oldact,
                            size, 0, 0);
  }
  if (size != 8) return -EINVAL;
  struct kernel_sigaction next;
  if (act && shim_copy_from(&next, act, sizeof next) != 0) return -EFAULT;
  if (oldact && shim_copy_to(oldact, mine, sizeof *mine) != 0) return -EFAULT;
  if (act) *mine = next; /* recorded; the shim's handler stays installed */
  return 0;
}

long shim_guard_sigprocmask(long how, const void *set, void *oldset,
                            long size) {
  uint64_t mask;
  if (set == NULL || how == SIG_UNBLOCK || size != 8)
    return shim_raw_syscall(SYS_rt_sigprocmask, how, (long)set, (long)oldset,
                            size, 0, 0);
  if (shim_copy_from(&mask, set, sizeof mask) != 0) return -EFAULT;
  mask &= ~(sig_bit(SIGSYS) | sig_bit(SIGSEGV));
  return shim_raw_syscall(SYS_rt_sigprocmask, how, (long)&mask, (long)oldset,
                          size, 0, 0);
}
