/* The _FORTIFY_SOURCE variants that gcc -O2 programs link (nm -D of a
 * test program and of nc.openbsd: __read_chk, __recv_chk, __recvfrom_chk,
 * __open_2, __openat_2): the same check as glibc's (debug/read_chk.c), then
 * the plain call. */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/shim/shim.h"

/* glibc's "buffer overflow detected" abort. */
extern void __chk_fail(void) __attribute__((noreturn));

#define CALL(nr, a0, a1, a2, a3, a4, a5)                                      \
  shim_libc_ret(shim_call(nr, (long)(a0), (long)(a1), (long)(a2), (long)(a3), \
                          (long)(a4), (long)(a5)))

SHIM_EXPORT ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
  if (n > buflen) __chk_fail();
  return CALL(SYS_read, fd, buf, n, 0, 0, 0);
}
SHIM_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen,
                               int flags) {
  if (n > buflen) __chk_fail();
  return CALL(SYS_recvfrom, fd, buf, n, flags, 0, 0);
}
SHIM_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen,
                                   int flags, struct sockaddr *addr,
                                   socklen_t *len) {
  if (n > buflen) __chk_fail();
  return CALL(SYS_recvfrom, fd, buf, n, flags, addr, len);
}
/* __open_2: open without a mode; O_CREAT here is the bug glibc aborts on
 * (io/open_2.c). */
SHIM_EXPORT int __open_2(const char *path, int flags) {
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) __chk_fail();
  return (int)CALL(SYS_openat, AT_FDCWD, path, flags, 0, 0, 0);
}
SHIM_EXPORT int __open64_2(const char *path, int flags) {
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) __chk_fail();
  return (int)CALL(SYS_openat, AT_FDCWD, path, flags, 0, 0, 0);
}
SHIM_EXPORT int __openat_2(int dirfd, const char *path, int flags) {
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) __chk_fail();
  return (int)CALL(SYS_openat, dirfd, path, flags, 0, 0, 0);
}
SHIM_EXPORT int __openat64_2(int dirfd, const char *path, int flags) {
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) __chk_fail();
  return (int)CALL(SYS_openat, dirfd, path, flags, 0, 0, 0);
}
