/* The channel client: one request and its reply on the calling thread's
 * slot (exec/protocol.h), and the marshalling of pointer arguments into the
 * slot's data area. Everything here runs inside the SIGSYS handler too:
 * syscalls only through the trampoline, no libc call that may make one. */
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "exec/shim/shim.h"

static void futex_wake(uint32_t *word) {
  /* Not FUTEX_PRIVATE_FLAG: the simulator waits on the same word through
   * its own mapping of the memfd. */
  shim_raw_syscall(SYS_futex, (long)word, FUTEX_WAKE, 1, 0, 0, 0);
}

static void futex_wait(uint32_t *word, uint32_t expected) {
  shim_raw_syscall(SYS_futex, (long)word, FUTEX_WAIT, expected, 0, 0, 0);
}

struct simsock_exec_slot *shim_begin(long nr) {
  struct simsock_exec_slot *slot = shim_slot();
  shim_reset_spin();
  slot->kind = SIMSOCK_MSG_SYSCALL;
  slot->nr = nr;
  for (int i = 0; i < 6; i++) slot->args[i] = 0;
  slot->ptr_mask = 0;
  slot->data_len = 0;
  slot->fd_hint[0] = -1;
  slot->fd_hint[1] = -1;
  slot->ret = 0;
  return slot;
}

/* region.debug > 0: one stderr line per forwarded call,
 * "simsock shim: syscall <nr> -> <ret>". */
static void log_call(const struct simsock_exec_slot *slot) {
  char nr[24], ret[24];
  shim_format_num(nr, (long)slot->nr);
  shim_format_num(ret, (long)slot->ret);
  shim_log("simsock shim: syscall ");
  shim_log(nr);
  shim_log(" -> ");
  shim_log(ret);
  shim_log("\n");
}

/* Polls *word until it holds `want` within the adaptive budget: the rule
 * of exec/slot_wait.h's PollFor (protocol.h, shim_spin_budget), in C. */
static int poll_for(const uint32_t *word, uint32_t want, uint32_t max,
                    uint32_t *budget) {
  if (max == 0) return 0;
  const uint32_t min = max < 16 ? max : 16;
  const uint32_t limit = *budget < min ? min : *budget > max ? max : *budget;
  for (uint32_t i = 0; i < limit; i++) {
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == want) {
      *budget = 2 * limit < max ? 2 * limit : max;
      return 1;
    }
    __builtin_ia32_pause();
  }
  *budget = limit / 2;
  return 0;
}

/* The request's hand-over (protocol.h, "Waking only a sleeper"): the
 * simulator is woken only if it sleeps, and the reply is awaited by
 * polling first when the region allows it. */
long shim_roundtrip(struct simsock_exec_slot *slot) {
  __atomic_store_n(&slot->state, SIMSOCK_SLOT_REQUEST, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&slot->sim_sleeping, __ATOMIC_SEQ_CST))
    futex_wake(&slot->state);
  if (!poll_for(&slot->state, SIMSOCK_SLOT_REPLY, shim_region->spin_polls,
                &slot->shim_spin_budget)) {
    __atomic_store_n(&slot->shim_sleeping, 1, __ATOMIC_SEQ_CST);
    for (;;) {
      uint32_t state = __atomic_load_n(&slot->state, __ATOMIC_SEQ_CST);
      if (state == SIMSOCK_SLOT_REPLY) break;
      /* A spurious wake-up or EINTR: look again. */
      futex_wait(&slot->state, state);
    }
    __atomic_store_n(&slot->shim_sleeping, 0, __ATOMIC_RELAXED);
  }
  if (shim_region->debug > 0) log_call(slot);
  return slot->ret;
}

void shim_end(struct simsock_exec_slot *slot) {
  /* The simulator waits while the state is RUNNING: no wake-up needed. */
  __atomic_store_n(&slot->state, SIMSOCK_SLOT_RUNNING, __ATOMIC_RELEASE);
}

void shim_post(uint32_t kind, long arg0, const char *text) {
  struct simsock_exec_slot *slot = shim_begin(0);
  slot->kind = kind;
  slot->args[0] = arg0;
  if (text) {
    size_t n = strlen(text);
    if (n >= SIMSOCK_EXEC_DATA_BYTES) n = SIMSOCK_EXEC_DATA_BYTES - 1;
    memcpy(slot->data, text, n);
    slot->data[n] = 0;
    slot->data_len = (uint32_t)(n + 1);
  }
  __atomic_store_n(&slot->state, SIMSOCK_SLOT_REQUEST, __ATOMIC_RELEASE);
  futex_wake(&slot->state);
}

static size_t align8(size_t n) { return (n + 7u) & ~(size_t)7u; }

int64_t shim_reserve(struct simsock_exec_slot *slot, size_t len) {
  size_t off = align8(slot->data_len);
  if (len > SIMSOCK_EXEC_DATA_BYTES || off + len > SIMSOCK_EXEC_DATA_BYTES)
    return -EMSGSIZE;
  memset(slot->data + off, 0, len);
  slot->data_len = (uint32_t)(off + len);
  return (int64_t)off;
}

int64_t shim_put_local(struct simsock_exec_slot *slot, const void *src,
                       size_t len) {
  int64_t off = shim_reserve(slot, len);
  if (off >= 0 && len > 0) memcpy(slot->data + off, src, len);
  return off;
}

int64_t shim_put_in(struct simsock_exec_slot *slot, const void *src,
                    size_t len) {
  int64_t off = shim_reserve(slot, len);
  if (off < 0) return off;
  if (len > 0 && shim_copy_from(slot->data + off, src, len) != 0)
    return -EFAULT;
  return off;
}

void shim_arg_ptr(struct simsock_exec_slot *slot, int i, int64_t off) {
  slot->args[i] = off;
  slot->ptr_mask |= 1u << i;
}

/* process_vm_readv/writev on our own thread: the kernel checks the remote
 * range and answers EFAULT instead of raising SIGSEGV, which is what a
 * syscall given a bad pointer does (Linux's copy_from_user). Same thread
 * group, so no ptrace permission is needed (__ptrace_may_access). The
 * calling thread's tid, not the pid: the first thread may have exited
 * (pthread_exit), and the leader's task then has no mm. */
static int vm_copy(long nr, void *local, const void *remote, size_t len) {
  struct iovec liov = {local, len};
  struct iovec riov = {(void *)remote, len};
  if (len == 0) return 0;
  if (remote == NULL) return -EFAULT;
  long n = shim_raw_syscall(nr, shim_thread_real_tid(), (long)&liov, 1,
                            (long)&riov, 1, 0);
  return n == (long)len ? 0 : -EFAULT;
}

int shim_copy_from(void *dst, const void *user_src, size_t len) {
  return vm_copy(SYS_process_vm_readv, dst, user_src, len);
}

int shim_copy_to(void *user_dst, const void *src, size_t len) {
  return vm_copy(SYS_process_vm_writev, (void *)src, user_dst, len);
}
