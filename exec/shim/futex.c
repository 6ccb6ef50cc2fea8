/* futex(2) of the program (docs/exec.md, "Threads"): its threads wait for
 * each other on the SIMULATED kernel (exec/futex_table.h), never on a real
 * futex: a real wait would hold the one running thread while the thread
 * that would wake it waits for the simulator to let it run. One thread of
 * the program runs at a time, so the value check that futex_wait does
 * under its hash-bucket lock is done here, before the request: a WAIT
 * that reaches the simulator must sleep, and nothing can change the word
 * before it is parked. */
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

#include "exec/shim/shim.h"

/* "futex op 4 (FUTEX_REQUEUE)": the unsupported op, named. */
static const char *op_name(int cmd) {
  switch (cmd) {
    case FUTEX_FD:
      return "futex FUTEX_FD";
    case FUTEX_REQUEUE:
      return "futex FUTEX_REQUEUE";
    case FUTEX_CMP_REQUEUE:
      return "futex FUTEX_CMP_REQUEUE";
    case FUTEX_WAKE_OP:
      return "futex FUTEX_WAKE_OP";
    case FUTEX_LOCK_PI:
      return "futex FUTEX_LOCK_PI";
    case FUTEX_UNLOCK_PI:
      return "futex FUTEX_UNLOCK_PI";
    case FUTEX_TRYLOCK_PI:
      return "futex FUTEX_TRYLOCK_PI";
    case FUTEX_WAIT_REQUEUE_PI:
      return "futex FUTEX_WAIT_REQUEUE_PI";
    case FUTEX_CMP_REQUEUE_PI:
      return "futex FUTEX_CMP_REQUEUE_PI";
    default:
      return "futex with an unknown op";
  }
}

long shim_futex(long uaddr, long op, long val, long timeout, long uaddr2,
                long val3) {
  (void)uaddr2;
  const int cmd = (int)(op & FUTEX_CMD_MASK);
  const int realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
      break;
    default:
      shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL, op_name(cmd), SYS_futex);
  }
  /* futex_init's checks (kernel/futex/syscalls.c): the word is aligned;
   * FUTEX_CLOCK_REALTIME only with the waits; a zero bitset is EINVAL. */
  if (uaddr % 4 != 0) return -EINVAL;
  if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET) return -ENOSYS;
  if ((cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE_BITSET) &&
      (uint32_t)val3 == 0)
    return -EINVAL;
  struct simsock_exec_slot *slot;
  if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) {
    struct timespec ts;
    if (timeout != 0 && shim_copy_from(&ts, (const void *)timeout, sizeof ts))
      return -EFAULT;
    if (timeout != 0 &&
        (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L))
      return -EINVAL;
    uint32_t current;
    if (shim_copy_from(&current, (const void *)uaddr, sizeof current))
      return -EFAULT;
    if (current != (uint32_t)val) return -EAGAIN;
    slot = shim_begin(SYS_futex);
    if (timeout != 0)
      shim_arg_ptr(slot, 3, shim_put_local(slot, &ts, sizeof ts));
    else
      shim_arg_ptr(slot, 3, SIMSOCK_EXEC_NULL);
  } else {
    slot = shim_begin(SYS_futex);
  }
  slot->args[0] = uaddr;
  slot->args[1] = op;
  slot->args[2] = val;
  slot->args[5] = cmd == FUTEX_WAIT || cmd == FUTEX_WAKE
                      ? (int64_t)FUTEX_BITSET_MATCH_ANY
                      : (int64_t)(uint32_t)val3;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}
