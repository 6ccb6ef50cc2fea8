/* poll, ppoll, select, pselect6 on simulated fds (docs/exec.md, "poll and
 * select"). A call whose fds are all real runs natively. A call with
 * simulated fds goes to the simulator, with the pollfd array or the three
 * fd_sets (FDS_BYTES(nfds) each), the timeout and the sigset marshalled.
 * The program's real files that never block (regular files, directories,
 * /dev/null, /dev/zero, /dev/full: Linux's DEFAULT_POLLMASK, no f_op->poll)
 * may sit beside simulated fds — nc polls its stdout (a file under simsock
 * exec) beside its socket: the shim answers them itself, and when one is
 * ready the simulator's part does not wait. Any other real fd beside a
 * simulated one fails loudly, as epoll's mix does. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "exec/shim/shim.h"

#define SHIM_SIGSET_BYTES 8
/* Linux's DEFAULT_POLLMASK: what a file without a poll method reports. */
#define SHIM_DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

/* 1: the real fd never blocks (its poll is DEFAULT_POLLMASK); 0: it may
 * (a pipe, socket, tty...); -1: it is not open (POLLNVAL, EBADF). */
static int real_always_ready(long fd) {
  struct stat st;
  if (shim_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0, 0, 0) != 0) return -1;
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) return 1;
  if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1) {
    unsigned mi = minor(st.st_rdev);
    return mi == 3 || mi == 5 || mi == 7; /* null, zero, full */
  }
  return 0;
}

__attribute__((noreturn)) static void mixed(long nr, long fd) {
  char msg[160], num[24];
  shim_format_num(num, fd);
  strcpy(msg, "a simulated fd polled beside a real fd that may block (fd ");
  strcat(msg, num);
  strcat(msg, ")");
  shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL, msg, nr);
}

/* The real entries of a pollfd array (in the slot): answered here, their
 * fd set to -1 so that the simulator skips them (poll ignores a negative
 * fd, and zeroes its revents). `real_fd[i]` keeps the number (or -1 for a
 * simulated or ignored entry), `real_revents[i]` the answer. Returns the
 * ready real entries, and counts the simulated ones. */
static long answer_real_pollfds(long nr, struct pollfd *p, long n, int *real_fd,
                                short *real_revents, long *sims) {
  long ready = 0;
  *sims = 0;
  for (long i = 0; i < n; i++) {
    real_fd[i] = -1;
    if (p[i].fd < 0) continue;
    if (shim_fd_is_sim(p[i].fd)) {
      (*sims)++;
      continue;
    }
    real_fd[i] = p[i].fd;
  }
  if (*sims == 0) return 0;
  for (long i = 0; i < n; i++) {
    if (real_fd[i] < 0) continue;
    int kind = real_always_ready(real_fd[i]);
    if (kind == 0) mixed(nr, real_fd[i]);
    real_revents[i] = kind < 0 ? POLLNVAL
                               : (short)(p[i].events & (SHIM_DEFAULT_POLLMASK |
                                                        POLLERR | POLLHUP));
    if (real_revents[i]) ready++;
    p[i].fd = -1;
  }
  return ready;
}

/* The most pollfd entries the data area carries beside a timespec and a
 * sigset; real_fd's room. */
#define SHIM_POLL_MAX 4096

long shim_fwd_poll(long nr, void *fds, long nfds, long a2, const void *mask,
                   long masklen, int *native) {
  *native = 0;
  unsigned long n = (unsigned long)nfds;
  if (n > SHIM_POLL_MAX) {
    *native = 1; /* over any RLIMIT_NOFILE the simulator allows: EINVAL */
    return 0;
  }
  struct simsock_exec_slot *slot = shim_begin(nr);
  int64_t off = shim_put_in(slot, fds, n * sizeof(struct pollfd));
  if (off < 0) {
    shim_end(slot);
    *native = 1; /* the kernel answers EFAULT */
    return 0;
  }
  struct pollfd *p = (struct pollfd *)(slot->data + off);
  static __thread int real_fd[SHIM_POLL_MAX];
  static __thread short real_revents[SHIM_POLL_MAX];
  long sims = 0;
  long ready =
      answer_real_pollfds(nr, p, (long)n, real_fd, real_revents, &sims);
  if (sims == 0) {
    shim_end(slot);
    *native = 1;
    return 0;
  }
  shim_arg_ptr(slot, 0, off);
  slot->args[1] = (int64_t)n;
  int64_t ts_off = SIMSOCK_EXEC_NULL;
  if (nr == SYS_poll) {
    slot->args[2] = ready > 0 ? 0 : (int)a2;
  } else {
    if (mask != NULL && masklen != SHIM_SIGSET_BYTES) {
      shim_end(slot);
      return -EINVAL; /* set_user_sigmask */
    }
    struct timespec zero = {0, 0};
    if (a2 != 0) {
      ts_off = shim_put_in(slot, (void *)a2, sizeof(struct timespec));
      if (ts_off < 0) {
        shim_end(slot);
        return -EFAULT;
      }
    }
    if (ready > 0 && ts_off == SIMSOCK_EXEC_NULL)
      ts_off = shim_put_local(slot, &zero, sizeof zero);
    else if (ready > 0)
      memcpy(slot->data + ts_off, &zero, sizeof zero);
    shim_arg_ptr(slot, 2, ts_off);
    int64_t m = SIMSOCK_EXEC_NULL;
    if (mask != NULL) {
      m = shim_put_in(slot, mask, SHIM_SIGSET_BYTES);
      if (m < 0) {
        shim_end(slot);
        return -EFAULT;
      }
    }
    shim_arg_ptr(slot, 3, m);
    slot->args[4] = masklen;
  }
  long r = shim_roundtrip(slot);
  if (r >= 0) {
    /* The real entries' numbers back, with the revents answered here. */
    for (unsigned long i = 0; i < n; i++)
      if (real_fd[i] >= 0) {
        p[i].fd = real_fd[i];
        p[i].revents = real_revents[i];
      }
    r += ready;
    if (shim_copy_to(fds, p, n * sizeof(struct pollfd)) != 0) r = -EFAULT;
  }
  /* ppoll's time left (a real ready entry made it a zero wait: the
   * program's timespec then stays as it was, as after a zero timeout). */
  if (nr == SYS_ppoll && a2 != 0 && ready == 0 &&
      shim_copy_to((void *)a2, slot->data + ts_off, sizeof(struct timespec)))
    r = -EFAULT;
  shim_end(slot);
  return r;
}

/* select's sets: the real fds in them must never block (answered here:
 * readable and writable, no exception); the simulator gets the rest. */
static long answer_real_bits(long nr, uint64_t *set[3], long n,
                             uint64_t *real_ready[3], long *sims) {
  long ready = 0;
  *sims = 0;
  for (long fd = 0; fd < n; fd++) {
    int any = 0;
    for (int k = 0; k < 3; k++)
      if (set[k] && (set[k][fd / 64] >> (fd % 64)) & 1) any = 1;
    if (any && shim_fd_is_sim(fd)) (*sims)++;
  }
  if (*sims == 0) return 0;
  for (long fd = 0; fd < n; fd++) {
    if (shim_fd_is_sim(fd)) continue;
    int any = 0;
    for (int k = 0; k < 3; k++)
      if (set[k] && (set[k][fd / 64] >> (fd % 64)) & 1) any = 1;
    if (!any) continue;
    int kind = real_always_ready(fd);
    if (kind < 0) return -EBADF;
    if (kind == 0) mixed(nr, fd);
    for (int k = 0; k < 3; k++) {
      if (!set[k] || !((set[k][fd / 64] >> (fd % 64)) & 1)) continue;
      set[k][fd / 64] &= ~((uint64_t)1 << (fd % 64));
      if (k < 2) {
        real_ready[k][fd / 64] |= (uint64_t)1 << (fd % 64);
        ready++;
      }
    }
  }
  return ready;
}

#define SHIM_SELECT_MAX 8192

long shim_fwd_select(long nr, long nfds, void *r, void *w, void *e, void *tmo,
                     const void *sig, int *native) {
  *native = 0;
  if (nfds < 0) {
    *native = 1;
    return 0;
  }
  long n = nfds > SHIM_SELECT_MAX ? SHIM_SELECT_MAX : nfds;
  size_t bytes = (size_t)(n + 63) / 64 * 8;
  void *user[3] = {r, w, e};
  struct simsock_exec_slot *slot = shim_begin(nr);
  uint64_t *set[3] = {NULL, NULL, NULL};
  static __thread uint64_t real_ready_words[2][SHIM_SELECT_MAX / 64];
  uint64_t *real_ready[3] = {real_ready_words[0], real_ready_words[1], NULL};
  memset(real_ready_words, 0, sizeof real_ready_words);
  for (int k = 0; k < 3; k++) {
    int64_t off = SIMSOCK_EXEC_NULL;
    if (user[k] != NULL) {
      off = shim_put_in(slot, user[k], bytes);
      if (off < 0) {
        shim_end(slot);
        *native = 1; /* EFAULT from the kernel */
        return 0;
      }
      set[k] = (uint64_t *)(slot->data + off);
    }
    shim_arg_ptr(slot, k + 1, off);
  }
  long sims = 0;
  long ready = answer_real_bits(nr, set, n, real_ready, &sims);
  if (sims == 0 || ready < 0) {
    shim_end(slot);
    if (ready < 0) return ready;
    *native = 1;
    return 0;
  }
  slot->args[0] = n;
  size_t tlen =
      nr == SYS_select ? sizeof(struct timeval) : sizeof(struct timespec);
  int64_t toff = SIMSOCK_EXEC_NULL;
  if (tmo != NULL) {
    toff = shim_put_in(slot, tmo, tlen);
    if (toff < 0) {
      shim_end(slot);
      return -EFAULT;
    }
  }
  if (ready > 0) {
    /* A real fd is ready: the simulated ones are only checked. */
    static const struct timespec zero = {0, 0};
    if (toff == SIMSOCK_EXEC_NULL)
      toff = shim_put_local(slot, &zero, tlen);
    else
      memset(slot->data + toff, 0, tlen);
  }
  shim_arg_ptr(slot, 4, toff);
  int64_t moff = SIMSOCK_EXEC_NULL;
  if (nr == SYS_pselect6 && sig != NULL) {
    /* pselect6's sixth argument: {const sigset_t *ss; size_t ss_len}. */
    struct {
      const void *ss;
      size_t len;
    } pair;
    if (shim_copy_from(&pair, sig, sizeof pair) != 0) {
      shim_end(slot);
      return -EFAULT;
    }
    if (pair.ss != NULL) {
      if (pair.len != SHIM_SIGSET_BYTES) {
        shim_end(slot);
        return -EINVAL;
      }
      moff = shim_put_in(slot, pair.ss, SHIM_SIGSET_BYTES);
      if (moff < 0) {
        shim_end(slot);
        return -EFAULT;
      }
    }
  }
  shim_arg_ptr(slot, 5, moff);
  long ret = shim_roundtrip(slot);
  if (ret >= 0) {
    for (int k = 0; k < 3; k++) {
      if (set[k] == NULL) continue;
      if (k < 2)
        for (size_t i = 0; i < bytes / 8; i++) set[k][i] |= real_ready[k][i];
      if (shim_copy_to(user[k], set[k], bytes) != 0) ret = -EFAULT;
    }
    if (ret >= 0) ret += ready;
  }
  if (tmo != NULL && ready == 0 &&
      shim_copy_to(tmo, slot->data + toff, tlen) != 0)
    ret = -EFAULT;
  shim_end(slot);
  return ret;
}
