/* The dispatch: which calls the simulator runs (on simulated fds, or
 * creating simulated objects), which the shim answers itself (time, ids,
 * randomness), which fail loudly (what this slice cannot emulate), and
 * which run natively through the trampoline (the program's real files).
 * The libc wrappers and the SIGSYS handler both come here. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>

#include "exec/shim/shim.h"

static long native(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5) {
  return shim_raw_syscall(nr, a0, a1, a2, a3, a4, a5);
}

__attribute__((noreturn)) static void unsupported(long nr, const char *what) {
  shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL, what, nr);
}

/* An fd argument as the kernel reads it: the low 32 bits (Linux's
 * `unsigned int fd`; a caller's int in syscall(2)'s varargs leaves the
 * register's upper half undefined), as an int so that -1 stays -1. */
static long fd_arg(long v) { return (long)(int)v; }

/* Calls whose first argument is an fd and that the slice does not emulate
 * on a simulated fd: running them on the placeholder would silently give
 * /dev/null's answers. */
static int fd_call_unsupported(long nr) {
  switch (nr) {
    case SYS_sendfile:
    case SYS_fsync:
    case SYS_fdatasync:
    case SYS_ftruncate:
    case SYS_fchdir:
    case SYS_fchmod:
    case SYS_fchown:
    case SYS_flock:
    case SYS_fstatfs:
    case SYS_getdents:
    case SYS_getdents64:
    case SYS_fadvise64:
    case SYS_fallocate:
    case SYS_splice:
    case SYS_tee:
    case SYS_vmsplice:
    case SYS_sendmmsg:
    case SYS_recvmmsg:
    case SYS_copy_file_range:
    case SYS_fgetxattr:
    case SYS_fsetxattr:
    case SYS_sync_file_range:
    case SYS_syncfs:
    case SYS_statx:
    case SYS_openat:
      return 1;
    default:
      return 0;
  }
}

/* open/openat of /dev/urandom or /dev/random: the fd reads the seeded
 * stream (random.c). Absolute paths only. */
static int is_random_path(const void *user_path) {
  char buf[13];
  if (shim_copy_from(buf, user_path, 13) == 0 &&
      memcmp(buf, "/dev/urandom", 13) == 0)
    return 1;
  return shim_copy_from(buf, user_path, 12) == 0 &&
         memcmp(buf, "/dev/random", 12) == 0;
}

static long open_native(long nr, long a0, long a1, long a2, long a3,
                        const void *path) {
  long fd = native(nr, a0, a1, a2, a3, 0, 0);
  if (fd >= 0) shim_fd_set_random(fd, is_random_path(path));
  return fd;
}

/* Calls that name a thread or process by id (the sched_* family,
 * prlimit64, get_robust_list; getpriority/setpriority with PRIO_PROCESS,
 * its id in a1): the program knows virtual ids, which on the real kernel
 * may be another process's. Translated to the program's real ids; an id
 * outside the program fails loudly, as a signal to another process does. */
static int names_a_thread(long nr) {
  switch (nr) {
    case SYS_sched_setaffinity:
    case SYS_sched_getaffinity:
    case SYS_sched_setscheduler:
    case SYS_sched_getscheduler:
    case SYS_sched_setparam:
    case SYS_sched_getparam:
    case SYS_sched_setattr:
    case SYS_sched_getattr:
    case SYS_sched_rr_get_interval:
    case SYS_prlimit64:
    case SYS_get_robust_list:
      return 1;
    default:
      return 0;
  }
}

static long thread_id_call(long nr, long a0, long a1, long a2, long a3, long a4,
                           long a5) {
  const int prio = nr == SYS_getpriority || nr == SYS_setpriority;
  long id = prio ? a1 : a0;
  long real = shim_thread_real_id(id);
  if (real < 0)
    unsupported(nr, "a call naming a process or thread outside the program");
  if (prio)
    a1 = real;
  else
    a0 = real;
  return native(nr, a0, a1, a2, a3, a4, a5);
}

static long exit_call(long nr, long status) {
  /* A thread that is not the last ends alone (threads.c). */
  if (nr == SYS_exit) shim_thread_exit(status);
  shim_post(SIMSOCK_MSG_EXIT, status, NULL);
  return native(nr == SYS_exit ? SYS_exit_group : nr, status, 0, 0, 0, 0, 0);
}

/* clone(flags, ...), clone3(struct clone_args *, size), fork, vfork
 * reaching here did not come through the SIGSYS handler (which hands
 * clone and clone3 to threads.c with its ucontext): a thread needs the
 * trapped context, a new process would run outside the simulation.
 * clone3's flags are the first field of its struct clone_args. */
__attribute__((noreturn)) static void clone_call(long nr, long a0) {
  uint64_t flags = (uint64_t)a0;
  if (nr == SYS_clone3 && shim_copy_from(&flags, (void *)a0, sizeof flags))
    flags = 0;
  if ((nr == SYS_clone || nr == SYS_clone3) && (flags & CLONE_THREAD))
    unsupported(nr, "a thread's clone outside the seccomp trap");
  unsupported(nr, "fork (a managed process cannot fork or spawn)");
}

/* Calls on one fd (the first argument), forwarded when it is simulated. */
static long fd_call(long nr, long a0, long a1, long a2, long a3, long a4,
                    long a5) {
  void *p1 = (void *)a1, *p3 = (void *)a3, *p4 = (void *)a4;
  switch (nr) {
    case SYS_read:
      return shim_fwd_read(a0, p1, a2);
    case SYS_write:
      return shim_fwd_write(a0, p1, a2);
    case SYS_readv:
    case SYS_writev:
      return shim_fwd_iov(nr, a0, p1, a2);
    case SYS_recvfrom:
      return shim_fwd_recvfrom(a0, p1, a2, a3, p4, (void *)a5);
    case SYS_sendto:
      return shim_fwd_sendto(a0, p1, a2, a3, p4, a5);
    case SYS_recvmsg:
    case SYS_sendmsg:
      return shim_fwd_msg(nr, a0, p1, a2);
    case SYS_bind:
    case SYS_connect:
      return shim_fwd_addr_in(nr, a0, p1, a2);
    case SYS_listen:
    case SYS_shutdown:
      return shim_fwd_scalar(nr, a0, a1, 0, 0);
    case SYS_accept:
      return shim_fwd_accept(nr, a0, p1, (void *)a2, 0);
    case SYS_accept4:
      return shim_fwd_accept(nr, a0, p1, (void *)a2, a3);
    case SYS_getsockname:
    case SYS_getpeername:
      return shim_fwd_name(nr, a0, p1, (void *)a2);
    case SYS_getsockopt:
      return shim_fwd_getsockopt(a0, a1, a2, p3, p4);
    case SYS_setsockopt:
      return shim_fwd_setsockopt(a0, a1, a2, p3, a4);
    case SYS_fcntl:
      return shim_fwd_fcntl(a0, a1, a2);
    case SYS_ioctl:
      return shim_fwd_ioctl(a0, a1, (void *)a2);
    case SYS_close:
      return shim_fwd_close(a0);
    case SYS_dup:
      return shim_fwd_new_fd(nr, a0, 0, 0);
    case SYS_epoll_wait:
      return shim_fwd_epoll_wait(nr, a0, p1, a2, a3, NULL, 0);
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2:
      return shim_fwd_epoll_wait(nr, a0, p1, a2, a3, p4, a5);
    default:
      return -ENOSYS;
  }
}

static int is_fd_call(long nr) {
  switch (nr) {
    case SYS_read:
    case SYS_write:
    case SYS_readv:
    case SYS_writev:
    case SYS_recvfrom:
    case SYS_sendto:
    case SYS_recvmsg:
    case SYS_sendmsg:
    case SYS_bind:
    case SYS_connect:
    case SYS_listen:
    case SYS_shutdown:
    case SYS_accept:
    case SYS_accept4:
    case SYS_getsockname:
    case SYS_getpeername:
    case SYS_getsockopt:
    case SYS_setsockopt:
    case SYS_fcntl:
    case SYS_ioctl:
    case SYS_close:
    case SYS_dup:
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2:
      return 1;
    default:
      return 0;
  }
}

/* The program's real fds that the shim still watches: /dev/urandom reads,
 * closes and dups of it, and the reserved placeholder. */
static long real_fd_call(long nr, long a0, long a1, long a2, long a3, long a4,
                         long a5) {
  if (a0 == shim_placeholder_fd &&
      (nr == SYS_close || nr == SYS_dup2 || nr == SYS_dup3 || nr == SYS_dup))
    return -EBADF; /* the reserved fd is not the program's */
  if ((nr == SYS_dup2 || nr == SYS_dup3) && a1 == shim_placeholder_fd)
    return -EBADF;
  if (shim_fd_is_random(a0)) {
    if (nr == SYS_read) return shim_getrandom((void *)a1, a2);
    long r = native(nr, a0, a1, a2, a3, a4, a5);
    if (nr == SYS_close && r == 0) shim_fd_set_random(a0, 0);
    if (r >= 0 && (nr == SYS_dup || (nr == SYS_fcntl &&
                                     (a1 == F_DUPFD || a1 == F_DUPFD_CLOEXEC))))
      shim_fd_set_random(r, 1);
    return r;
  }
  return native(nr, a0, a1, a2, a3, a4, a5);
}

static long dup2_call(long nr, long a0, long a1, long a2) {
  if (a0 == shim_placeholder_fd || a1 == shim_placeholder_fd) return -EBADF;
  if (shim_fd_is_sim(a0)) return shim_fwd_dup3(nr, a0, a1, a2);
  if (shim_fd_is_sim(a1)) {
    /* A real file replaces a simulated fd: dup2 closes newfd first
     * (Linux's do_dup2), so the simulated one is closed, once the call is
     * known to succeed (a valid oldfd, dup3's flags). */
    long check = native(SYS_fcntl, a0, F_GETFD, 0, 0, 0, 0);
    if (check < 0) return check;
    if (nr == SYS_dup3 && (a2 & ~(long)O_CLOEXEC)) return -EINVAL;
    shim_fwd_close(a1);
  }
  long r = native(nr, a0, a1, a2, 0, 0, 0);
  if (r >= 0) shim_fd_set_random(r, shim_fd_is_random(a0));
  return r;
}

static long epoll_ctl_call(long a0, long a1, long a2, long a3) {
  int sim_ep = shim_fd_is_sim(a0), sim_fd = shim_fd_is_sim(a2);
  if (sim_ep && sim_fd) return shim_fwd_epoll_ctl(a0, a1, a2, (void *)a3);
  if (sim_ep || sim_fd)
    unsupported(SYS_epoll_ctl,
                "epoll_ctl mixing a simulated fd and a real one");
  return native(SYS_epoll_ctl, a0, a1, a2, a3, 0, 0);
}

long shim_dispatch(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5) {
  switch (nr) {
    case SYS_getpid:
      return shim_region->virtual_pid;
    case SYS_gettid:
      return shim_thread_gettid();
    case SYS_getpriority:
    case SYS_setpriority:
      if (a0 == 0 /* PRIO_PROCESS */)
        return thread_id_call(nr, a0, a1, a2, a3, a4, a5);
      break;
    case SYS_set_tid_address:
      return shim_thread_set_tid_address(a0);
    case SYS_futex:
      return shim_futex(a0, a1, a2, a3, a4, a5);
    case SYS_getppid:
      return 1; /* the simulated host's init */
    case SYS_kill:
    case SYS_tgkill:
    case SYS_tkill:
    case SYS_rt_sigqueueinfo:
      return shim_signal_call(nr, a0, a1, a2);
    case SYS_alarm:
    case SYS_setitimer:
    case SYS_timer_settime:
      return shim_timer_call(nr, a0, a1, a2, a3);
    case SYS_getrandom:
      /* Linux's getrandom: unknown flags, or GRND_INSECURE with
       * GRND_RANDOM, are EINVAL (GRND_NONBLOCK 1, GRND_RANDOM 2,
       * GRND_INSECURE 4). */
      if ((a2 & ~7L) || (a2 & 6) == 6) return -EINVAL;
      return shim_getrandom((void *)a0, a1);
    case SYS_clock_gettime:
      return shim_clock_gettime(a0, (void *)a1);
    case SYS_clock_getres:
      return shim_clock_getres(a0, (void *)a1);
    case SYS_gettimeofday:
      return shim_gettimeofday((void *)a0, (void *)a1);
    case SYS_time:
      return shim_time((void *)a0);
    case SYS_exit:
    case SYS_exit_group:
      return exit_call(nr, a0);
    case SYS_clone:
    case SYS_clone3:
    case SYS_fork:
    case SYS_vfork:
      clone_call(nr, a0);
    case SYS_execve:
    case SYS_execveat:
      unsupported(nr, "execve (a managed program cannot exec another)");
    case SYS_rt_sigaction:
      return shim_sig_action(a0, (void *)a1, (void *)a2, a3);
    case SYS_rt_sigprocmask:
      return shim_sig_procmask(a0, (void *)a1, (void *)a2, a3);
    case SYS_getitimer:
      return shim_sig_itimer(nr, a0, NULL, (void *)a1);
    case SYS_socket:
      return shim_fwd_new_fd(nr, a0, a1, a2);
    case SYS_socketpair:
      return shim_fwd_socketpair(a0, a1, a2, (void *)a3);
    case SYS_pipe:
      return shim_fwd_pipe2(nr, (void *)a0, 0);
    case SYS_pipe2:
      return shim_fwd_pipe2(nr, (void *)a0, a1);
    case SYS_eventfd:
      return shim_fwd_new_fd(nr, a0, 0, 0);
    case SYS_eventfd2:
      return shim_fwd_new_fd(nr, a0, a1, 0);
    case SYS_epoll_create:
    case SYS_epoll_create1:
      return shim_fwd_new_fd(nr, a0, 0, 0);
    case SYS_nanosleep:
      return shim_fwd_sleep(nr, 0, 0, (void *)a0, (void *)a1);
    case SYS_clock_nanosleep:
      return shim_fwd_sleep(nr, a0, a1, (void *)a2, (void *)a3);
    case SYS_open:
      return open_native(nr, a0, a1, a2, 0, (void *)a0);
    case SYS_openat:
      if (shim_fd_is_sim(fd_arg(a0))) break;
      return open_native(nr, a0, a1, a2, a3, (void *)a1);
    case SYS_dup2:
      return dup2_call(nr, fd_arg(a0), fd_arg(a1), 0);
    case SYS_dup3:
      return dup2_call(nr, fd_arg(a0), fd_arg(a1), a2);
    case SYS_epoll_ctl:
      return epoll_ctl_call(fd_arg(a0), a1, fd_arg(a2), a3);
    case SYS_poll:
    case SYS_ppoll: {
      int run_native = 0;
      long r =
          shim_fwd_poll(nr, (void *)a0, a1, a2, (void *)a3, a4, &run_native);
      if (!run_native) return r;
      break;
    }
    case SYS_select:
    case SYS_pselect6: {
      int run_native = 0;
      long r = shim_fwd_select(nr, fd_arg(a0), (void *)a1, (void *)a2,
                               (void *)a3, (void *)a4, (void *)a5, &run_native);
      if (!run_native) return r;
      break;
    }
    case SYS_lseek:
    case SYS_pread64:
    case SYS_pwrite64:
    case SYS_preadv:
    case SYS_pwritev:
    case SYS_preadv2:
    case SYS_pwritev2:
      /* Sockets and epoll fds have no file position: no_llseek and
       * FMODE_PREAD unset give ESPIPE (stdio's lseek(fd, 0, SEEK_CUR) on
       * an fd it wraps asks exactly this). preadv2/pwritev2 with offset -1
       * would be readv/writev: not emulated here. */
      if (shim_fd_is_sim(fd_arg(a0))) return -ESPIPE;
      break;
    case SYS_fstat:
      if (shim_fd_is_sim(fd_arg(a0)))
        return shim_fd_stat(fd_arg(a0), (void *)a1);
      break;
    case SYS_newfstatat:
      if (shim_fd_is_sim(fd_arg(a0)))
        return shim_fd_statat(fd_arg(a0), (void *)a1, (void *)a2, a3);
      break;
    case SYS_mmap:
      if (!(a3 & 0x20 /* MAP_ANONYMOUS */) && shim_fd_is_sim(fd_arg(a4)))
        unsupported(nr, "mmap of a simulated fd");
      break;
    case SYS_close_range:
      for (long fd = a0; fd <= a1 && fd < SHIM_MAX_FDS; fd++)
        if (shim_fd_is_sim(fd))
          unsupported(nr, "close_range over simulated fds");
      break;
    default:
      break;
  }
  if (names_a_thread(nr)) return thread_id_call(nr, a0, a1, a2, a3, a4, a5);
  if (is_fd_call(nr)) {
    a0 = fd_arg(a0);
    if (shim_fd_is_sim(a0)) return fd_call(nr, a0, a1, a2, a3, a4, a5);
    return real_fd_call(nr, a0, a1, a2, a3, a4, a5);
  }
  if (shim_fd_is_sim(fd_arg(a0)) && fd_call_unsupported(nr))
    unsupported(nr, "this call on a simulated fd");
  if ((nr == SYS_sendfile || nr == SYS_splice || nr == SYS_copy_file_range) &&
      (shim_fd_is_sim(fd_arg(a1)) || shim_fd_is_sim(fd_arg(a2))))
    unsupported(nr, "this call on a simulated fd");
  return native(nr, a0, a1, a2, a3, a4, a5);
}

/* Whether the call may reach the simulator (the others never use the
 * slot, so they need no signal mask). */
static int may_forward(long nr, long a0, long a1, long a2) {
  switch (nr) {
    case SYS_socket:
    case SYS_socketpair:
    case SYS_epoll_create:
    case SYS_epoll_create1:
    case SYS_nanosleep:
    case SYS_clock_nanosleep:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_pipe:
    case SYS_pipe2:
    case SYS_eventfd:
    case SYS_eventfd2:
    case SYS_exit:
    case SYS_exit_group:
    case SYS_futex:
    /* signals.c's forwarded calls (rt_sigprocmask guards its own). */
    case SYS_rt_sigaction:
    case SYS_setitimer:
    case SYS_getitimer:
    case SYS_alarm:
    case SYS_kill:
    case SYS_tgkill:
    case SYS_tkill:
      return 1;
    case SYS_rt_sigprocmask:
      return 0;
    case SYS_dup2:
    case SYS_dup3:
      return shim_fd_is_sim(fd_arg(a0)) || shim_fd_is_sim(fd_arg(a1));
    case SYS_epoll_ctl:
      return shim_fd_is_sim(fd_arg(a0)) || shim_fd_is_sim(fd_arg(a2));
    default:
      return shim_fd_is_sim(fd_arg(a0));
  }
}

/* One call, then the signals its replies carry (signals.c); a call the
 * simulator answered SIMSOCK_EXEC_RESTART runs again once the handlers
 * ran (SA_RESTART). */
static long call_once(long nr, long a0, long a1, long a2, long a3, long a4,
                      long a5);

long shim_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  if (!shim_attached) return native(nr, a0, a1, a2, a3, a4, a5);
  for (;;) {
    long r = call_once(nr, a0, a1, a2, a3, a4, a5);
    shim_sig_deliver();
    if (r != SIMSOCK_EXEC_RESTART) return r;
  }
}

static long call_once(long nr, long a0, long a1, long a2, long a3, long a4,
                      long a5) {
  if (!shim_program_has_handlers || !may_forward(nr, a0, a1, a2))
    return shim_dispatch(nr, a0, a1, a2, a3, a4, a5);
  /* Block asynchronous signals while the slot is in use: a handler's own
   * forwarded call would otherwise overwrite the pending request. SIGSYS
   * and SIGSEGV stay deliverable (synchronous, the shim's own). The
   * SIGSYS handler gets the same from its sa_mask. Without a handler of
   * the program's, no such interleaving can happen: two syscalls saved. */
  uint64_t all =
      ~(((uint64_t)1 << (SIGSYS - 1)) | ((uint64_t)1 << (SIGSEGV - 1)));
  uint64_t old = 0;
  native(SYS_rt_sigprocmask, SIG_BLOCK, (long)&all, (long)&old, 8, 0, 0);
  long r = shim_dispatch(nr, a0, a1, a2, a3, a4, a5);
  native(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8, 0, 0);
  return r;
}

long shim_libc_ret(long ret) {
  if (ret < 0 && ret > -4096) {
    errno = (int)-ret;
    return -1;
  }
  return ret;
}
