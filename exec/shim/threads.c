/* The clone emulation (docs/exec.md, "Threads"; Shadow's shim does the
 * same in its clone handling): every thread of the program has a slot of
 * its own, so that a thread blocked in a simulated call never holds the
 * channel another thread needs. A new thread is a REAL thread (real
 * clone3, through the trampoline), which says THREAD_START on its slot
 * and runs no program code until the simulator answers; from then on it
 * runs only while its proxy waits for its next request, so one real
 * thread of the program runs at a time.
 *
 * Everything here runs inside the SIGSYS handler (glibc's pthread_create
 * and its thread exit make raw syscalls): syscalls only through the
 * trampoline. */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>

#include "exec/shim/shim.h"

/* The calling thread's slot and virtual tid (0: the first thread, whose
 * tid is the virtual pid). initial-exec: the preloaded shim's TLS is in
 * the static block that pthread_create sets up before clone. */
static __thread int thread_slot __attribute__((tls_model("initial-exec")));
static __thread long thread_vtid __attribute__((tls_model("initial-exec")));
/* The calling thread's real tid: process_vm_readv/writev name it rather
 * than the real pid, whose thread (the group leader) may have exited
 * (its mm gone: the copies would fail). */
static __thread long thread_real_tid __attribute__((tls_model("initial-exec")));

/* What a new thread starts with, per slot: the parent's registers at its
 * clone (rax 0, rsp the new stack's top, rip after the syscall), in
 * ucontext gregs order, and its signal mask. The parent's ucontext dies
 * with its handler; this outlives it. Reused only once the slot is free
 * again (its thread gone). */
struct thread_start {
  long gregs[NGREG];
  uint64_t sigmask;
  int slot;
};
static struct thread_start starts[SIMSOCK_EXEC_MAX_THREADS];
/* CLONE_CHILD_CLEARTID's / set_tid_address's address per slot (0: none):
 * the shim clears it itself, then the simulator wakes its futex. */
static long clear_child_tid[SIMSOCK_EXEC_MAX_THREADS];
/* Each live thread's virtual and real tid, per slot (0: none), for the
 * calls that name a thread (shim_thread_real_id). Slot 0's are the pid's. */
static long slot_vtid[SIMSOCK_EXEC_MAX_THREADS];
static long slot_rtid[SIMSOCK_EXEC_MAX_THREADS];

/* trampoline.c: the real clone3; the child calls shim_thread_child(start)
 * on its new stack and never returns. */
long shim_raw_clone3(void *args, long size, struct thread_start *start);
/* Loads start->gregs (rax 0) and jumps to its rip on its rsp. */
__attribute__((noreturn)) void shim_thread_resume(const long *gregs);

__asm__(
    "  .text\n"
    "  .globl shim_thread_resume\n"
    "  .hidden shim_thread_resume\n"
    "  .type shim_thread_resume,@function\n"
    "shim_thread_resume:\n"
    "  movq %rdi, %rax\n"
    "  movq 120(%rax), %rsp\n" /* REG_RSP */
    "  pushq 128(%rax)\n"      /* REG_RIP: ret jumps there, rsp back at top */
    "  movq 0(%rax), %r8\n"
    "  movq 8(%rax), %r9\n"
    "  movq 16(%rax), %r10\n"
    "  movq 24(%rax), %r11\n"
    "  movq 32(%rax), %r12\n"
    "  movq 40(%rax), %r13\n"
    "  movq 48(%rax), %r14\n"
    "  movq 56(%rax), %r15\n"
    "  movq 64(%rax), %rdi\n"
    "  movq 72(%rax), %rsi\n"
    "  movq 80(%rax), %rbp\n"
    "  movq 88(%rax), %rbx\n"
    "  movq 96(%rax), %rdx\n"
    "  movq 112(%rax), %rcx\n"
    "  xorl %eax, %eax\n"
    "  ret\n"
    "  .size shim_thread_resume, .-shim_thread_resume\n");

struct simsock_exec_slot *shim_slot(void) {
  return &shim_region->slots[thread_slot];
}

long shim_thread_real_tid(void) {
  return thread_real_tid != 0 ? thread_real_tid : shim_real_pid;
}

long shim_thread_gettid(void) {
  return thread_vtid != 0 ? thread_vtid : shim_region->virtual_pid;
}

long shim_thread_real_id(long id) {
  if (id == 0) return 0; /* the calling thread, for the sched_* calls */
  if (id == shim_region->virtual_pid) return shim_real_pid;
  for (int k = 1; k < SIMSOCK_EXEC_MAX_THREADS; k++)
    if (slot_vtid[k] == id && slot_rtid[k] != 0) return slot_rtid[k];
  return -1;
}

void shim_thread_attach(void) {
  /* The first thread's clear-child-tid word: glibc set it (&pd->tid)
   * before the shim attached; the shim clears it if that thread exits
   * before the others. PR_GET_TID_ADDRESS needs CONFIG_CHECKPOINT_RESTORE;
   * without it the word stays unknown (0). */
  long addr = 0;
  if (shim_raw_syscall(SYS_prctl, PR_GET_TID_ADDRESS, (long)&addr, 0, 0, 0,
                       0) == 0)
    clear_child_tid[0] = addr;
}

long shim_thread_set_tid_address(long addr) {
  clear_child_tid[thread_slot] = addr;
  return shim_thread_gettid();
}

/* The new thread, on its own stack with its own TLS (CLONE_SETTLS). */
__attribute__((noreturn, used)) void shim_thread_child(
    struct thread_start *start) {
  thread_slot = start->slot;
  thread_real_tid = shim_raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
  struct simsock_exec_slot *slot = shim_begin(0);
  slot->kind = SIMSOCK_MSG_THREAD_START;
  slot->args[0] = thread_real_tid;
  long vtid = shim_roundtrip(slot);
  shim_end(slot);
  if (vtid <= 0)
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "the simulator refused a new thread", SYS_clone3);
  thread_vtid = vtid;
  /* The parent was in its SIGSYS handler (every signal blocked): the
   * thread starts with the mask the program had at its clone. */
  shim_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&start->sigmask, 0, 8,
                   0, 0);
  shim_thread_resume(start->gregs);
}

/* A free slot, claimed for a new thread (RUNNING: its proxy waits for
 * THREAD_START), or -1. */
static int claim_slot(void) {
  for (int k = 1; k < SIMSOCK_EXEC_MAX_THREADS; k++) {
    uint32_t expected = SIMSOCK_SLOT_FREE;
    if (__atomic_compare_exchange_n(&shim_region->slots[k].state, &expected,
                                    SIMSOCK_SLOT_RUNNING, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      return k;
  }
  return -1;
}

/* The flags a thread's clone may carry (glibc's pthread_create: VM, FS,
 * FILES, SYSVSEM, SIGHAND, THREAD, SETTLS, PARENT_SETTID, CHILD_CLEARTID). */
#define THREAD_FLAGS                                                         \
  (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |        \
   CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | \
   CLONE_CHILD_CLEARTID | CLONE_DETACHED)
/* What the shim does itself with the virtual tid. */
#define TID_FLAGS \
  (CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)

long shim_thread_clone(long nr, void *context) {
  ucontext_t *uc = (ucontext_t *)context;
  greg_t *g = uc->uc_mcontext.gregs;
  struct clone_args args;
  memset(&args, 0, sizeof args);
  if (nr == SYS_clone3) {
    size_t size = (size_t)g[REG_RSI];
    if (size < CLONE_ARGS_SIZE_VER0) return -EINVAL;
    if (size > sizeof args) size = sizeof args;
    if (shim_copy_from(&args, (const void *)g[REG_RDI], size) != 0)
      return -EFAULT;
  } else {
    /* clone(flags, stack, parent_tid, child_tid, tls) on x86_64; the
     * stack is its top: clone3's stack + stack_size. */
    args.flags = (uint64_t)g[REG_RDI] & ~(uint64_t)0xff;
    args.exit_signal = (uint64_t)g[REG_RDI] & 0xff;
    args.stack = g[REG_RSI] != 0 ? (uint64_t)g[REG_RSI] - 16 : 0;
    args.stack_size = g[REG_RSI] != 0 ? 16 : 0;
    args.parent_tid = (uint64_t)g[REG_RDX];
    args.child_tid = (uint64_t)g[REG_R10];
    args.tls = (uint64_t)g[REG_R8];
  }
  uint64_t flags = args.flags;
  if (!(flags & CLONE_VM))
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "fork (a managed process cannot fork or spawn)", nr);
  if (!(flags & CLONE_THREAD))
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "clone with CLONE_VM but not CLONE_THREAD (a vfork-like "
              "child would run outside the simulation)",
              nr);
  if (!(flags & CLONE_SETTLS) || args.stack == 0)
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "a thread without CLONE_SETTLS or without a stack of its own "
              "(the clone emulation needs both)",
              nr);
  if (flags & ~(uint64_t)THREAD_FLAGS)
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "a thread's clone with flags beyond pthread_create's", nr);
  int k = claim_slot();
  if (k < 0)
    shim_fail(SIMSOCK_FAIL_TOO_MANY_THREADS,
              "no free slot for a new thread (at most 64 threads at once)", nr);
  struct thread_start *start = &starts[k];
  for (int i = 0; i < NGREG; i++) start->gregs[i] = (long)g[i];
  start->gregs[REG_RAX] = 0;
  start->gregs[REG_RSP] = (long)(args.stack + args.stack_size);
  memcpy(&start->sigmask, &uc->uc_sigmask, sizeof start->sigmask);
  start->slot = k;
  clear_child_tid[k] =
      (flags & CLONE_CHILD_CLEARTID) ? (long)args.child_tid : 0;
  struct clone_args real;
  memset(&real, 0, sizeof real);
  real.flags = flags & ~(uint64_t)TID_FLAGS;
  real.stack = args.stack;
  real.stack_size = args.stack_size;
  real.tls = args.tls;
  long rtid = shim_raw_clone3(&real, sizeof real, start);
  if (rtid < 0) {
    __atomic_store_n(&shim_region->slots[k].state, SIMSOCK_SLOT_FREE,
                     __ATOMIC_RELEASE);
    return rtid;
  }
  struct simsock_exec_slot *slot = shim_begin(SYS_clone3);
  slot->args[0] = k;
  slot->args[1] = rtid;
  slot->args[2] = (int64_t)flags;
  long vtid = shim_roundtrip(slot);
  shim_end(slot);
  if (vtid <= 0)
    shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
              "the simulator refused a new thread", nr);
  slot_rtid[k] = rtid;
  slot_vtid[k] = vtid;
  int32_t tid32 = (int32_t)vtid;
  if (flags & CLONE_PARENT_SETTID)
    shim_copy_to((void *)args.parent_tid, &tid32, sizeof tid32);
  if (flags & CLONE_CHILD_SETTID)
    shim_copy_to((void *)args.child_tid, &tid32, sizeof tid32);
  return vtid;
}

/* Other threads still own a slot (one being created counts: its slot is
 * RUNNING from the claim on). */
static int other_threads_live(void) {
  for (int k = 0; k < SIMSOCK_EXEC_MAX_THREADS; k++)
    if (k != thread_slot &&
        __atomic_load_n(&shim_region->slots[k].state, __ATOMIC_ACQUIRE) !=
            SIMSOCK_SLOT_FREE)
      return 1;
  return 0;
}

int shim_thread_exit(long status) {
  if (!other_threads_live()) return 0; /* the last thread: exit_group */
  int k = thread_slot;
  long ctid = clear_child_tid[k];
  if (ctid != 0) {
    /* What the kernel's mm_release does at the real exit, with the
     * simulated futex wake done by the proxy (THREAD_EXIT). */
    int32_t zero = 0;
    if (shim_copy_to((void *)ctid, &zero, sizeof zero) != 0) ctid = 0;
  }
  slot_vtid[k] = 0;
  slot_rtid[k] = 0;
  struct simsock_exec_thread *t = &shim_region->threads[k];
  long rtid = shim_raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
  __atomic_store_n(&t->exit_word, (uint32_t)rtid, __ATOMIC_RELEASE);
  shim_raw_syscall(SYS_set_tid_address, (long)&t->exit_word, 0, 0, 0, 0, 0);
  shim_post(SIMSOCK_MSG_THREAD_EXIT, ctid, NULL);
  for (;;) shim_raw_syscall(SYS_exit, status, 0, 0, 0, 0, 0);
}
