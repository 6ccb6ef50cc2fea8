/* The libc wrappers: exported with libc's names and signatures, so that a
 * preloaded libsimsock_shim.so answers the program's calls without the
 * cost of a SIGSYS trap. Each goes through shim_call (dispatch.c), exactly
 * as the trapped syscall would; libc's own internal calls (printf's write,
 * getaddrinfo's socket) trap instead. Before the shim is attached, or
 * without SIMSOCK_EXEC_FD, each runs the real syscall. */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "exec/shim/shim.h"
#include "exec/shim/vtime.h"

#define CALL(nr, a0, a1, a2, a3, a4, a5)                                      \
  shim_libc_ret(shim_call(nr, (long)(a0), (long)(a1), (long)(a2), (long)(a3), \
                          (long)(a4), (long)(a5)))

SHIM_EXPORT int socket(int domain, int type, int protocol) {
  return (int)CALL(SYS_socket, domain, type, protocol, 0, 0, 0);
}
SHIM_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
  return (int)CALL(SYS_socketpair, domain, type, protocol, sv, 0, 0);
}
SHIM_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  return (int)CALL(SYS_bind, fd, addr, len, 0, 0, 0);
}
SHIM_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  return (int)CALL(SYS_connect, fd, addr, len, 0, 0, 0);
}
SHIM_EXPORT int listen(int fd, int backlog) {
  return (int)CALL(SYS_listen, fd, backlog, 0, 0, 0, 0);
}
SHIM_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  return (int)CALL(SYS_accept, fd, addr, len, 0, 0, 0);
}
SHIM_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len,
                        int flags) {
  return (int)CALL(SYS_accept4, fd, addr, len, flags, 0, 0);
}
SHIM_EXPORT int shutdown(int fd, int how) {
  return (int)CALL(SYS_shutdown, fd, how, 0, 0, 0, 0);
}
SHIM_EXPORT int close(int fd) {
  return (int)CALL(SYS_close, fd, 0, 0, 0, 0, 0);
}
SHIM_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  return CALL(SYS_read, fd, buf, n, 0, 0, 0);
}
SHIM_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  return CALL(SYS_write, fd, buf, n, 0, 0, 0);
}
SHIM_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
  return CALL(SYS_readv, fd, iov, cnt, 0, 0, 0);
}
SHIM_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  return CALL(SYS_writev, fd, iov, cnt, 0, 0, 0);
}
SHIM_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
  return CALL(SYS_recvfrom, fd, buf, n, flags, 0, 0);
}
SHIM_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
                             struct sockaddr *addr, socklen_t *len) {
  return CALL(SYS_recvfrom, fd, buf, n, flags, addr, len);
}
SHIM_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  return CALL(SYS_recvmsg, fd, msg, flags, 0, 0, 0);
}
SHIM_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
  return CALL(SYS_sendto, fd, buf, n, flags, 0, 0);
}
SHIM_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
                           const struct sockaddr *addr, socklen_t len) {
  return CALL(SYS_sendto, fd, buf, n, flags, addr, len);
}
SHIM_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  return CALL(SYS_sendmsg, fd, msg, flags, 0, 0, 0);
}
SHIM_EXPORT int getsockopt(int fd, int level, int name, void *val,
                           socklen_t *len) {
  return (int)CALL(SYS_getsockopt, fd, level, name, val, len, 0);
}
SHIM_EXPORT int setsockopt(int fd, int level, int name, const void *val,
                           socklen_t len) {
  return (int)CALL(SYS_setsockopt, fd, level, name, val, len, 0);
}
SHIM_EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len) {
  return (int)CALL(SYS_getsockname, fd, addr, len, 0, 0, 0);
}
SHIM_EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
  return (int)CALL(SYS_getpeername, fd, addr, len, 0, 0, 0);
}

/* fcntl and ioctl take one optional argument, a long or a pointer: read as
 * a long, as glibc's own fcntl does. */
SHIM_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)CALL(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}
SHIM_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)CALL(SYS_fcntl, fd, cmd, arg, 0, 0, 0);
}
SHIM_EXPORT int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  long arg = va_arg(ap, long);
  va_end(ap);
  return (int)CALL(SYS_ioctl, fd, req, arg, 0, 0, 0);
}
SHIM_EXPORT int dup(int fd) { return (int)CALL(SYS_dup, fd, 0, 0, 0, 0, 0); }
SHIM_EXPORT int dup2(int fd, int newfd) {
  return (int)CALL(SYS_dup2, fd, newfd, 0, 0, 0, 0);
}
SHIM_EXPORT int dup3(int fd, int newfd, int flags) {
  return (int)CALL(SYS_dup3, fd, newfd, flags, 0, 0, 0);
}

SHIM_EXPORT int epoll_create(int size) {
  return (int)CALL(SYS_epoll_create, size, 0, 0, 0, 0, 0);
}
SHIM_EXPORT int epoll_create1(int flags) {
  return (int)CALL(SYS_epoll_create1, flags, 0, 0, 0, 0, 0);
}
SHIM_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev) {
  return (int)CALL(SYS_epoll_ctl, epfd, op, fd, ev, 0, 0);
}
SHIM_EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max,
                           int timeout) {
  return (int)CALL(SYS_epoll_wait, epfd, ev, max, timeout, 0, 0);
}
SHIM_EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max,
                            int timeout, const sigset_t *mask) {
  return (int)CALL(SYS_epoll_pwait, epfd, ev, max, timeout, mask, mask ? 8 : 0);
}
SHIM_EXPORT int epoll_pwait2(int epfd, struct epoll_event *ev, int max,
                             const struct timespec *timeout,
                             const sigset_t *mask) {
  return (int)CALL(SYS_epoll_pwait2, epfd, ev, max, timeout, mask,
                   mask ? 8 : 0);
}

SHIM_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem) {
  return (int)CALL(SYS_nanosleep, req, rem, 0, 0, 0, 0);
}
/* clock_nanosleep reports its error as the result, not in errno. */
SHIM_EXPORT int clock_nanosleep(clockid_t clock, int flags,
                                const struct timespec *req,
                                struct timespec *rem) {
  long r =
      shim_call(SYS_clock_nanosleep, clock, flags, (long)req, (long)rem, 0, 0);
  return r < 0 ? (int)-r : 0;
}

SHIM_EXPORT pid_t getpid(void) {
  return (pid_t)CALL(SYS_getpid, 0, 0, 0, 0, 0, 0);
}
SHIM_EXPORT pid_t gettid(void) {
  return (pid_t)CALL(SYS_gettid, 0, 0, 0, 0, 0, 0);
}
SHIM_EXPORT pid_t getppid(void) {
  return (pid_t)CALL(SYS_getppid, 0, 0, 0, 0, 0, 0);
}
SHIM_EXPORT ssize_t getrandom(void *buf, size_t n, unsigned int flags) {
  return CALL(SYS_getrandom, buf, n, flags, 0, 0, 0);
}

SHIM_EXPORT int clock_gettime(clockid_t clock, struct timespec *ts) {
  return shim_vdso_clock_gettime(clock, ts);
}
SHIM_EXPORT int clock_getres(clockid_t clock, struct timespec *res) {
  return shim_vdso_clock_getres(clock, res);
}
SHIM_EXPORT int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  return shim_vdso_gettimeofday(tv, tz);
}
SHIM_EXPORT time_t time(time_t *t) { return shim_vdso_time(t); }

/* open and openat: their mode argument exists only with O_CREAT or
 * O_TMPFILE; reading it anyway is what glibc's own wrapper avoids, so do
 * the same. */
static int needs_mode(int flags) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}
SHIM_EXPORT int open(const char *path, int flags, ...) {
  long mode = 0;
  if (needs_mode(flags)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  return (int)CALL(SYS_openat, AT_FDCWD, path, flags, mode, 0, 0);
}
SHIM_EXPORT int open64(const char *path, int flags, ...) {
  long mode = 0;
  if (needs_mode(flags)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  return (int)CALL(SYS_openat, AT_FDCWD, path, flags, mode, 0, 0);
}
SHIM_EXPORT int openat(int dirfd, const char *path, int flags, ...) {
  long mode = 0;
  if (needs_mode(flags)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  return (int)CALL(SYS_openat, dirfd, path, flags, mode, 0, 0);
}
SHIM_EXPORT int openat64(int dirfd, const char *path, int flags, ...) {
  long mode = 0;
  if (needs_mode(flags)) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  return (int)CALL(SYS_openat, dirfd, path, flags, mode, 0, 0);
}
