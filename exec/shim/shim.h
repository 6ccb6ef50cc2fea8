/* The preloaded shim's internal interface (docs/exec.md). Plain C11,
 * no C++ runtime; nothing here is exported from libsimsock_shim.so except
 * the libc wrappers (wrappers*.c, SHIM_EXPORT). */
#ifndef SIMSOCK_EXEC_SHIM_SHIM_H_
#define SIMSOCK_EXEC_SHIM_SHIM_H_

#include <stddef.h>
#include <stdint.h>

#include "exec/protocol.h"

#define SHIM_EXPORT __attribute__((visibility("default")))

/* The one real fd the shim keeps for itself: /dev/null, the source that
 * placeholders are duplicated from (min(1023, RLIMIT_NOFILE - 1)). */
extern int shim_placeholder_fd;
/* Highest fd number the shim tracks (simulated fds and /dev/urandom). */
#define SHIM_MAX_FDS 65536

/* --- trampoline.c: the only place syscalls run natively (the seccomp
 * filter allows its address range). Returns the raw kernel result (a
 * negated errno on failure). */
long shim_raw_syscall(long nr, long a0, long a1, long a2, long a3, long a4,
                      long a5);
extern const char shim_trampoline_start[];
extern const char shim_trampoline_end[];

/* --- attach.c */
/* Nonzero once the region is mapped and HELLO answered. */
extern volatile int shim_attached;
extern struct simsock_exec_region *shim_region;
extern long shim_real_pid;
/* Writes to the real stderr (fd 2), through the trampoline. */
void shim_log(const char *s);
/* Formats v in decimal into out (24 bytes suffice), NUL-terminated: no
 * stdio in the handler paths. */
void shim_format_num(char *out, long v);
/* Sends SIMSOCK_MSG_FAIL with the message and ends the process (127). */
__attribute__((noreturn)) void shim_fail(uint32_t reason, const char *what,
                                         long nr);

/* --- threads.c: the clone emulation (docs/exec.md, "Threads"). */
/* The calling thread's slot (slot 0: the first thread). */
struct simsock_exec_slot *shim_slot(void);
/* The calling thread's real tid (the first thread's: the real pid). */
long shim_thread_real_tid(void);
/* The calling thread's virtual tid (the first thread's: the virtual pid). */
long shim_thread_gettid(void);
/* Records the first thread's clear-child-tid address (at attach). */
void shim_thread_attach(void);
/* The real id of a thread or process the program names by its virtual id
 * (0 stays 0: the caller), or -1 when it names none of the program's. */
long shim_thread_real_id(long id);
/* set_tid_address: records the clear_child_tid address, returns the tid. */
long shim_thread_set_tid_address(long addr);
/* clone/clone3 of a thread, trapped (context: the SIGSYS ucontext): the
 * new thread's virtual tid or a negated errno; fork fails loudly. */
long shim_thread_clone(long nr, void *context);
/* SYS_exit: 0 when the caller is the last thread (the caller then ends
 * the process); otherwise the thread ends here. */
int shim_thread_exit(long status);

/* --- futex.c: futex(2) on the simulated kernel. */
long shim_futex(long uaddr, long op, long val, long timeout, long uaddr2,
                long val3);

/* --- channel.c: one request/reply on the calling thread's slot. */
/* Starts a request: kind SYSCALL, no pointers, no hints, data empty. */
struct simsock_exec_slot *shim_begin(long nr);
/* A clock read (vtime.c): counts towards the spin yield. */
void shim_charge_clock_read(void);
/* A forwarded call: the spin count starts again (vtime.c). */
void shim_reset_spin(void);
/* Publishes the request, waits for the reply, returns slot->ret. The slot
 * stays owned by the caller until shim_end. */
long shim_roundtrip(struct simsock_exec_slot *slot);
void shim_end(struct simsock_exec_slot *slot);
/* A message without a reply (EXIT, FAIL). */
void shim_post(uint32_t kind, long arg0, const char *text);

/* Marshalling into the slot's data area. put_in copies `len` bytes from
 * the program's `src` (EFAULT-safe) and returns the offset, or a negated
 * errno; reserve returns room for `len` output bytes (zeroed), or
 * -EMSGSIZE when the data area is full. */
int64_t shim_put_in(struct simsock_exec_slot *slot, const void *src,
                    size_t len);
int64_t shim_put_local(struct simsock_exec_slot *slot, const void *src,
                       size_t len);
int64_t shim_reserve(struct simsock_exec_slot *slot, size_t len);
/* Sets args[i] to an offset (or SIMSOCK_EXEC_NULL) and marks it. */
void shim_arg_ptr(struct simsock_exec_slot *slot, int i, int64_t off);

/* EFAULT-safe copies between the program's memory and the shim's, through
 * process_vm_readv/writev on the shim's own pid: 0 or -EFAULT. */
int shim_copy_from(void *dst, const void *user_src, size_t len);
int shim_copy_to(void *user_dst, const void *src, size_t len);

/* --- fdtable.c */
int shim_fd_is_sim(long fd);
void shim_fd_set_sim(long fd, int on);
/* A simulated fd that is an anonymous inode: an epoll instance or an
 * eventfd (the others are sockets or pipe ends). */
int shim_fd_is_epoll(long fd);
void shim_fd_set_epoll(long fd, int on);
/* A simulated fd that is a pipe end (fstat: a FIFO). */
int shim_fd_is_pipe(long fd);
void shim_fd_set_pipe(long fd, int on);
/* A dup's new fd takes the old one's kind (epoll, pipe, or socket). */
void shim_fd_copy_kind(long from, long to);
int shim_fd_is_random(long fd);
void shim_fd_set_random(long fd, int on);
/* Reserves the lowest free real fd >= min with a placeholder (/dev/null):
 * the number a new simulated fd takes. fd or negated errno. */
long shim_fd_reserve(long min);
/* Reserves exactly `fd` (dup2 of the placeholder onto it). */
long shim_fd_reserve_at(long fd);
void shim_fd_release(long fd);

/* --- fdstat.c: fstat and newfstatat(AT_EMPTY_PATH) of a simulated fd. */
long shim_fd_stat(long fd, void *user_buf);
long shim_fd_statat(long fd, const void *user_path, void *user_buf, long flags);

/* --- dispatch.c: one syscall, from a wrapper or the SIGSYS handler.
 * Returns the kernel-style result (negated errno on failure). */
long shim_dispatch(long nr, long a0, long a1, long a2, long a3, long a4,
                   long a5);
/* The wrappers' entry: blocks asynchronous signals around a forwarded call
 * so that a handler's own call cannot interleave on the slot. */
long shim_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
/* Converts a kernel-style result to libc's (-1 and errno). */
long shim_libc_ret(long ret);

/* --- forward_*.c: forwarded calls on simulated fds, per call family. */
long shim_fwd_scalar(long nr, long a0, long a1, long a2, long a3);
/* socket, epoll_create(1), dup: one new fd at the lowest free number. */
long shim_fwd_new_fd(long nr, long a0, long a1, long a2);
long shim_fwd_socketpair(long domain, long type, long proto, void *sv);
/* pipe/pipe2: two new fds at the two lowest free numbers (fd_hint[0] and
 * fd_hint[1]), the read end first. */
long shim_fwd_pipe2(long nr, void *fds, long flags);
long shim_fwd_addr_in(long nr, long fd, const void *addr, long len);
long shim_fwd_accept(long nr, long fd, void *addr, void *addrlen, long flags);
long shim_fwd_name(long nr, long fd, void *addr, void *addrlen);
long shim_fwd_read(long fd, void *buf, long len);
long shim_fwd_write(long fd, const void *buf, long len);
long shim_fwd_recvfrom(long fd, void *buf, long len, long flags, void *addr,
                       void *addrlen);
long shim_fwd_sendto(long fd, const void *buf, long len, long flags,
                     const void *addr, long addrlen);
long shim_fwd_msg(long nr, long fd, void *msg, long flags);
long shim_fwd_iov(long nr, long fd, const void *iov, long iovcnt);
long shim_fwd_getsockopt(long fd, long level, long name, void *val, void *len);
long shim_fwd_setsockopt(long fd, long level, long name, const void *val,
                         long len);
long shim_fwd_fcntl(long fd, long cmd, long arg);
long shim_fwd_ioctl(long fd, long req, void *arg);
long shim_fwd_close(long fd);
long shim_fwd_dup3(long nr, long oldfd, long newfd, long flags);
long shim_fwd_epoll_ctl(long epfd, long op, long fd, const void *event);
long shim_fwd_epoll_wait(long nr, long epfd, void *events, long maxevents,
                         long a3, const void *sigmask, long sigsetsize);
/* forward_poll.c: poll/ppoll (a2: the timeout, ms or a timespec*) and
 * select/pselect6 (tmo: a timeval* or timespec*; sig: pselect6's sigset
 * pair). Set *native when no simulated fd is listed (run it natively). */
long shim_fwd_poll(long nr, void *fds, long nfds, long a2, const void *mask,
                   long masklen, int *native);
long shim_fwd_select(long nr, long nfds, void *r, void *w, void *e, void *tmo,
                     const void *sig, int *native);
long shim_fwd_sleep(long nr, long a0, long a1, const void *req, void *rem);

/* --- process_ids.c: signals the program sends (to itself only) and real
 * timers (fail loudly when armed). */
long shim_signal_call(long nr, long a0, long a1, long a2);
long shim_timer_call(long nr, long a0, long a1, long a2, long a3);

/* --- vtime.c: virtual time from the region. */
int64_t shim_monotonic_ns(void);
long shim_clock_gettime(long clock, void *user_ts);
long shim_clock_getres(long clock, void *user_ts);
long shim_gettimeofday(void *user_tv, void *user_tz);
long shim_time(void *user_t);
void shim_patch_vdso(void);
void shim_trap_rdtsc(void);

/* --- random.c: the process's seeded random stream. */
void shim_random_seed(uint64_t seed);
/* Overwrites the 16 AT_RANDOM bytes with bytes drawn from seed (random.c). */
void shim_random_auxv(uint64_t seed);
long shim_getrandom(void *user_buf, long len);

/* --- seccomp.c */
void shim_install_handlers(void);
/* Whether the program has a signal handler of its own installed (other
 * than for SIGSYS and SIGSEGV, which stay the shim's). */
extern volatile int shim_program_has_handlers;
void shim_install_filter(void);
long shim_guard_sigaction(long sig, const void *act, void *oldact, long size);
long shim_guard_sigprocmask(long how, const void *set, void *oldset, long size);

/* --- signals.c: the simulated kernel's signals (docs/exec.md, "Signals"). */
/* A signal's bit in a 64-bit kernel sigset (signal 1 is bit 0). */
static inline uint64_t sig_bit(int sig) { return (uint64_t)1 << (sig - 1); }
/* Raises the signals the last replies asked for (slot.deliver_mask). */
void shim_sig_deliver(void);
/* Tells the simulator the calling thread's blocked mask. */
void shim_sig_tell_mask(uint64_t mask);
/* rt_sigaction / rt_sigprocmask: for real, then told to the simulator. */
long shim_sig_action(long sig, const void *act, void *oldact, long size);
long shim_sig_procmask(long how, const void *set, void *oldset, long size);
/* kill / tgkill / tkill / alarm to the simulator: args[0] = a0. */
long shim_sig_forward(long nr, long a0);
/* setitimer(which, value, old) / getitimer(which, old), forwarded. */
long shim_sig_itimer(long nr, long which, const void *value, void *old);

#endif /* SIMSOCK_EXEC_SHIM_SHIM_H_ */
