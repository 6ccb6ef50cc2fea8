/* Attaching to a program (the constructor of libsimsock_shim.so): map the
 * region the launcher made, claim slot 0, keep the placeholder fd, install
 * the handlers, patch the vDSO, trap rdtsc, install the seccomp filter,
 * then say HELLO and wait for the simulator's reply before main() runs. A
 * program started without SIMSOCK_EXEC_FD runs untouched. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "exec/shim/shim.h"

volatile int shim_attached;
struct simsock_exec_region *shim_region;
long shim_real_pid;
int shim_placeholder_fd = -1;

/* The reserved fd number: high, below RLIMIT_NOFILE, so that the
 * program's own fds start where Linux would put them. */
#define SHIM_RESERVED_FD 1023

void shim_log(const char *s) {
  shim_raw_syscall(SYS_write, 2, (long)s, (long)strlen(s), 0, 0, 0);
}

void shim_format_num(char *out, long v) {
  char tmp[24];
  int n = 0, neg = v < 0;
  unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
  do tmp[n++] = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (neg) *out++ = '-';
  while (n > 0) *out++ = tmp[--n];
  *out = 0;
}

void shim_fail(uint32_t reason, const char *what, long nr) {
  /* "simsock shim: <what> (syscall <nr>)": the simulator reports the text
   * and kills the process; stderr gets it too, for a human. */
  char msg[256];
  size_t len = strlen(what);
  if (len > 180) len = 180;
  memcpy(msg, "simsock shim: ", 14);
  memcpy(msg + 14, what, len);
  char *p = msg + 14 + len;
  memcpy(p, " (syscall ", 10);
  shim_format_num(p + 10, nr);
  p += strlen(p);
  memcpy(p, ")", 2);
  shim_log(msg);
  shim_log("\n");
  if (shim_region != NULL) shim_post(SIMSOCK_MSG_FAIL, reason, msg);
  for (;;) shim_raw_syscall(SYS_exit_group, 127, 0, 0, 0, 0, 0);
}

static __attribute__((noreturn)) void refuse(const char *why) {
  shim_log("simsock shim: ");
  shim_log(why);
  shim_log("\n");
  for (;;) shim_raw_syscall(SYS_exit_group, 127, 0, 0, 0, 0, 0);
}

static long parse_fd(const char *s) {
  long v = 0;
  if (*s == 0) return -1;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 1000000) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

static void open_placeholder(void) {
  struct rlimit lim;
  long target = SHIM_RESERVED_FD;
  if (shim_raw_syscall(SYS_getrlimit, RLIMIT_NOFILE, (long)&lim, 0, 0, 0, 0) ==
          0 &&
      lim.rlim_cur <= (rlim_t)target)
    target = (long)lim.rlim_cur - 1;
  long fd = shim_raw_syscall(SYS_open, (long)"/dev/null", O_RDWR | O_CLOEXEC, 0,
                             0, 0, 0);
  if (fd < 0) shim_fail(SIMSOCK_FAIL_SECCOMP, "open(/dev/null)", SYS_open);
  long high = shim_raw_syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, target, 0, 0, 0);
  shim_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
  if (high < 0)
    shim_fail(SIMSOCK_FAIL_SECCOMP, "no room for the placeholder fd",
              SYS_fcntl);
  shim_placeholder_fd = (int)high;
}

__attribute__((constructor(101))) static void shim_attach(void) {
  const char *env = getenv(SIMSOCK_EXEC_ENV_FD);
  if (env == NULL) return;
  long memfd = parse_fd(env);
  if (memfd < 0) refuse("SIMSOCK_EXEC_FD is not an fd number");
  long map = shim_raw_syscall(SYS_mmap, 0, sizeof(struct simsock_exec_region),
                              PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
  if (map < 0 && map > -4096) refuse("cannot map the SIMSOCK_EXEC_FD region");
  struct simsock_exec_region *region = (struct simsock_exec_region *)map;
  if (region->magic != SIMSOCK_EXEC_MAGIC ||
      region->version != SIMSOCK_EXEC_VERSION)
    refuse("the SIMSOCK_EXEC_FD region has a wrong magic or version");
  /* The mapping stays; the fd number goes back to the program. */
  shim_raw_syscall(SYS_close, memfd, 0, 0, 0, 0, 0);
  shim_region = region;
  shim_real_pid = shim_raw_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
  uint32_t expected = SIMSOCK_SLOT_FREE;
  if (!__atomic_compare_exchange_n(&region->slots[0].state, &expected,
                                   SIMSOCK_SLOT_RUNNING, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE))
    refuse("slot 0 of the region is taken");
  open_placeholder();
  shim_random_seed(region->random_seed);
  shim_random_auxv(region->random_seed);
  shim_thread_attach();
  shim_install_handlers();
  shim_patch_vdso();
  shim_trap_rdtsc();
  shim_install_filter();
  struct simsock_exec_slot *slot = shim_begin(0);
  slot->kind = SIMSOCK_MSG_HELLO;
  slot->args[0] = shim_real_pid;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  if (r != 0) refuse("the simulator refused the HELLO");
  shim_attached = 1;
}
