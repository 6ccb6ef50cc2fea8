/* Which of the program's fd numbers are simulated (their real fd is a
 * placeholder on /dev/null that holds the number, so that the program's
 * real files never take it) and which are open on /dev/urandom or
 * /dev/random (read from the seeded stream, random.c). */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include "exec/shim/shim.h"

static uint64_t sim_bits[SHIM_MAX_FDS / 64];
static uint64_t random_bits[SHIM_MAX_FDS / 64];
static uint64_t epoll_bits[SHIM_MAX_FDS / 64];
static uint64_t pipe_bits[SHIM_MAX_FDS / 64];

static int test_bit(const uint64_t *bits, long fd) {
  if (fd < 0 || fd >= SHIM_MAX_FDS) return 0;
  return (int)((bits[fd / 64] >> (fd % 64)) & 1u);
}

static void set_bit(uint64_t *bits, long fd, int on) {
  if (fd < 0 || fd >= SHIM_MAX_FDS) return;
  if (on)
    bits[fd / 64] |= (uint64_t)1 << (fd % 64);
  else
    bits[fd / 64] &= ~((uint64_t)1 << (fd % 64));
}

int shim_fd_is_sim(long fd) { return test_bit(sim_bits, fd); }
void shim_fd_set_sim(long fd, int on) {
  set_bit(sim_bits, fd, on);
  if (!on) {
    set_bit(epoll_bits, fd, 0);
    set_bit(pipe_bits, fd, 0);
  }
}
int shim_fd_is_epoll(long fd) { return test_bit(epoll_bits, fd); }
void shim_fd_set_epoll(long fd, int on) { set_bit(epoll_bits, fd, on); }
int shim_fd_is_pipe(long fd) { return test_bit(pipe_bits, fd); }
void shim_fd_set_pipe(long fd, int on) { set_bit(pipe_bits, fd, on); }
void shim_fd_copy_kind(long from, long to) {
  set_bit(epoll_bits, to, test_bit(epoll_bits, from));
  set_bit(pipe_bits, to, test_bit(pipe_bits, from));
}
int shim_fd_is_random(long fd) { return test_bit(random_bits, fd); }
void shim_fd_set_random(long fd, int on) { set_bit(random_bits, fd, on); }

long shim_fd_reserve(long min) {
  /* F_DUPFD picks the lowest free number >= min, exactly as the kernel's
   * alloc_fd would for the call being emulated. */
  long fd =
      shim_raw_syscall(SYS_fcntl, shim_placeholder_fd, F_DUPFD, min, 0, 0, 0);
  if (fd >= SHIM_MAX_FDS) {
    shim_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
    return -EMFILE;
  }
  return fd;
}

long shim_fd_reserve_at(long fd) {
  if (fd < 0 || fd >= SHIM_MAX_FDS) return -EBADF;
  return shim_raw_syscall(SYS_dup2, shim_placeholder_fd, fd, 0, 0, 0, 0);
}

void shim_fd_release(long fd) {
  if (fd >= 0) shim_raw_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}
