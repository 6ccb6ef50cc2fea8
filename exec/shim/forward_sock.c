/* Forwarded calls on simulated fds: socket set-up, names, options, fd
 * control. Each marshals its pointer arguments into the slot's data area
 * (channel.c) and copies the outputs back as Linux's syscall would. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "exec/shim/shim.h"

/* sizeof(struct sockaddr_storage): Linux's move_addr_to_kernel refuses a
 * longer address with EINVAL. */
#define SHIM_ADDR_MAX 128
/* fcntl's pipe size commands (Linux's F_LINUX_SPECIFIC_BASE + 7 and + 8;
 * glibc shows them only under _GNU_SOURCE). */
#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif

long shim_fwd_scalar(long nr, long a0, long a1, long a2, long a3) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  slot->args[0] = a0;
  slot->args[1] = a1;
  slot->args[2] = a2;
  slot->args[3] = a3;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

/* After a call that made one fd at `hint`: mark it simulated, or give the
 * number back. */
static long settle_new_fd(long hint, long r, int epoll) {
  if (r >= 0) {
    if (r != hint) shim_fd_release(hint);
    shim_fd_set_sim(r, 1);
    shim_fd_set_epoll(r, epoll);
    shim_fd_set_pipe(r, 0);
  } else {
    shim_fd_release(hint);
  }
  return r;
}

long shim_fwd_new_fd(long nr, long a0, long a1, long a2) {
  long hint = shim_fd_reserve(0);
  if (hint < 0) return hint;
  struct simsock_exec_slot *slot = shim_begin(nr);
  slot->args[0] = a0;
  slot->args[1] = a1;
  slot->args[2] = a2;
  slot->fd_hint[0] = (int32_t)hint;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  int anon = nr == SYS_epoll_create || nr == SYS_epoll_create1 ||
             nr == SYS_eventfd || nr == SYS_eventfd2;
  settle_new_fd(hint, r, anon);
  if (r >= 0 && nr == SYS_dup) shim_fd_copy_kind(a0, r);
  return r;
}

long shim_fwd_socketpair(long domain, long type, long proto, void *sv) {
  long hint0 = shim_fd_reserve(0);
  if (hint0 < 0) return hint0;
  long hint1 = shim_fd_reserve(0);
  if (hint1 < 0) {
    shim_fd_release(hint0);
    return hint1;
  }
  struct simsock_exec_slot *slot = shim_begin(SYS_socketpair);
  slot->args[0] = domain;
  slot->args[1] = type;
  slot->args[2] = proto;
  int64_t off = shim_reserve(slot, 2 * sizeof(int));
  shim_arg_ptr(slot, 3, off);
  slot->fd_hint[0] = (int32_t)hint0;
  slot->fd_hint[1] = (int32_t)hint1;
  long r = shim_roundtrip(slot);
  int fds[2] = {-1, -1};
  if (r == 0) __builtin_memcpy(fds, slot->data + off, sizeof fds);
  shim_end(slot);
  if (r != 0) {
    shim_fd_release(hint0);
    shim_fd_release(hint1);
    return r;
  }
  settle_new_fd(hint0, fds[0], 0);
  settle_new_fd(hint1, fds[1], 0);
  if (shim_copy_to(sv, fds, sizeof fds) != 0) {
    shim_fwd_close(fds[0]);
    shim_fwd_close(fds[1]);
    return -EFAULT;
  }
  return 0;
}

long shim_fwd_pipe2(long nr, void *fds_out, long flags) {
  long hint0 = shim_fd_reserve(0);
  if (hint0 < 0) return hint0;
  long hint1 = shim_fd_reserve(0);
  if (hint1 < 0) {
    shim_fd_release(hint0);
    return hint1;
  }
  struct simsock_exec_slot *slot = shim_begin(nr);
  int64_t off = shim_reserve(slot, 2 * sizeof(int));
  shim_arg_ptr(slot, 0, off);
  slot->args[1] = flags;
  slot->fd_hint[0] = (int32_t)hint0;
  slot->fd_hint[1] = (int32_t)hint1;
  long r = shim_roundtrip(slot);
  int fds[2] = {-1, -1};
  if (r == 0) __builtin_memcpy(fds, slot->data + off, sizeof fds);
  shim_end(slot);
  if (r != 0) {
    shim_fd_release(hint0);
    shim_fd_release(hint1);
    return r;
  }
  for (int i = 0; i < 2; i++) {
    settle_new_fd(i == 0 ? hint0 : hint1, fds[i], 0);
    shim_fd_set_pipe(fds[i], 1);
  }
  /* Linux's do_pipe2 copies the pair out before installing it: a bad
   * pointer is EFAULT with no fds made. */
  if (shim_copy_to(fds_out, fds, sizeof fds) != 0) {
    shim_fwd_close(fds[0]);
    shim_fwd_close(fds[1]);
    return -EFAULT;
  }
  return 0;
}

long shim_fwd_addr_in(long nr, long fd, const void *addr, long len) {
  if (len < 0 || len > SHIM_ADDR_MAX) return -EINVAL;
  struct simsock_exec_slot *slot = shim_begin(nr);
  slot->args[0] = fd;
  slot->args[2] = len;
  int64_t off = SIMSOCK_EXEC_NULL;
  if (addr != NULL) {
    off = shim_put_in(slot, addr, (size_t)len);
    if (off < 0) return off;
  }
  shim_arg_ptr(slot, 1, off);
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

/* An (addr, addrlen) output pair as accept, recvfrom, getsockname use it:
 * addrlen is read first (value-result), at most addrlen bytes come back. */
struct addr_out {
  void *addr;
  void *user_len;
  int32_t len_in;
  int64_t addr_off;
  int64_t len_off;
};

static long addr_out_marshal(struct simsock_exec_slot *slot, struct addr_out *a,
                             int addr_arg, int len_arg) {
  a->addr_off = a->len_off = SIMSOCK_EXEC_NULL;
  if (a->addr != NULL) {
    if (shim_copy_from(&a->len_in, a->user_len, sizeof a->len_in) != 0)
      return -EFAULT;
    if (a->len_in < 0) return -EINVAL;
    size_t room = a->len_in < SHIM_ADDR_MAX ? (size_t)a->len_in : SHIM_ADDR_MAX;
    a->addr_off = shim_reserve(slot, room);
    a->len_off = shim_put_local(slot, &a->len_in, sizeof a->len_in);
  }
  shim_arg_ptr(slot, addr_arg, a->addr_off);
  shim_arg_ptr(slot, len_arg, a->len_off);
  return 0;
}

static long addr_out_copy(struct simsock_exec_slot *slot,
                          const struct addr_out *a) {
  if (a->addr == NULL) return 0;
  int32_t len_out;
  __builtin_memcpy(&len_out, slot->data + a->len_off, sizeof len_out);
  int32_t n = len_out < a->len_in ? len_out : a->len_in;
  if (n > SHIM_ADDR_MAX) n = SHIM_ADDR_MAX;
  if (n > 0 && shim_copy_to(a->addr, slot->data + a->addr_off, (size_t)n))
    return -EFAULT;
  return shim_copy_to(a->user_len, &len_out, sizeof len_out);
}

long shim_fwd_accept(long nr, long fd, void *addr, void *addrlen, long flags) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  struct addr_out a = {addr, addrlen, 0, 0, 0};
  long r = addr_out_marshal(slot, &a, 1, 2);
  if (r < 0) return r;
  long hint = shim_fd_reserve(0);
  if (hint < 0) return hint;
  slot->args[0] = fd;
  slot->args[3] = flags;
  slot->fd_hint[0] = (int32_t)hint;
  r = shim_roundtrip(slot);
  long copied = r >= 0 ? addr_out_copy(slot, &a) : 0;
  shim_end(slot);
  settle_new_fd(hint, r, 0);
  if (r >= 0 && copied < 0) {
    /* Linux's __sys_accept4_file: a failed copy of the peer's address
     * drops the new connection and answers EFAULT. */
    shim_fwd_close(r);
    return copied;
  }
  return r;
}

long shim_fwd_name(long nr, long fd, void *addr, void *addrlen) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  struct addr_out a = {addr, addrlen, 0, 0, 0};
  if (addr == NULL) return -EFAULT; /* Linux copies into a NULL address */
  long r = addr_out_marshal(slot, &a, 1, 2);
  if (r < 0) return r;
  slot->args[0] = fd;
  r = shim_roundtrip(slot);
  if (r >= 0) r = addr_out_copy(slot, &a);
  shim_end(slot);
  return r;
}

long shim_fwd_getsockopt(long fd, long level, long name, void *val, void *len) {
  int32_t len_in;
  if (shim_copy_from(&len_in, len, sizeof len_in) != 0) return -EFAULT;
  if (len_in < 0) return -EINVAL;
  struct simsock_exec_slot *slot = shim_begin(SYS_getsockopt);
  size_t room = (size_t)len_in < 4096 ? (size_t)len_in : 4096;
  int64_t val_off = val ? shim_reserve(slot, room) : SIMSOCK_EXEC_NULL;
  int64_t len_off = shim_put_local(slot, &len_in, sizeof len_in);
  slot->args[0] = fd;
  slot->args[1] = level;
  slot->args[2] = name;
  shim_arg_ptr(slot, 3, val_off);
  shim_arg_ptr(slot, 4, len_off);
  long r = shim_roundtrip(slot);
  if (r >= 0) {
    int32_t len_out;
    __builtin_memcpy(&len_out, slot->data + len_off, sizeof len_out);
    size_t n = len_out < 0 ? 0 : (size_t)len_out;
    if (n > room) n = room;
    if ((val && shim_copy_to(val, slot->data + val_off, n) != 0) ||
        shim_copy_to(len, &len_out, sizeof len_out) != 0)
      r = -EFAULT;
  }
  shim_end(slot);
  return r;
}

long shim_fwd_setsockopt(long fd, long level, long name, const void *val,
                         long len) {
  if (len < 0) return -EINVAL;
  struct simsock_exec_slot *slot = shim_begin(SYS_setsockopt);
  int64_t off = SIMSOCK_EXEC_NULL;
  if (val != NULL) {
    off = shim_put_in(slot, val, (size_t)len);
    if (off < 0) return off == -EMSGSIZE ? -EINVAL : off;
  }
  slot->args[0] = fd;
  slot->args[1] = level;
  slot->args[2] = name;
  shim_arg_ptr(slot, 3, off);
  slot->args[4] = len;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

long shim_fwd_fcntl(long fd, long cmd, long arg) {
  /* The commands below take an int: Linux's do_fcntl uses (int)arg, and a
   * caller's int vararg leaves the register's upper half undefined. */
  arg = (int)arg;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      long hint = shim_fd_reserve(arg);
      if (hint < 0) return hint;
      struct simsock_exec_slot *slot = shim_begin(SYS_fcntl);
      slot->args[0] = fd;
      slot->args[1] = cmd;
      slot->args[2] = arg;
      slot->fd_hint[0] = (int32_t)hint;
      long r = shim_roundtrip(slot);
      shim_end(slot);
      settle_new_fd(hint, r, 0);
      if (r >= 0) shim_fd_copy_kind(fd, r);
      return r;
    }
    case F_GETFD:
    case F_SETFD:
    case F_GETFL:
    case F_SETFL:
    case F_GETOWN:
    case F_SETOWN:
    case F_GETSIG:
    case F_SETSIG:
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
      return shim_fwd_scalar(SYS_fcntl, fd, cmd, arg, 0);
    default:
      shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
                "fcntl command on a simulated fd", SYS_fcntl);
  }
}

long shim_fwd_ioctl(long fd, long req, void *arg) {
  struct simsock_exec_slot *slot = shim_begin(SYS_ioctl);
  slot->args[0] = fd;
  slot->args[1] = req;
  int64_t off;
  switch (req) {
    case FIONBIO:
      off = shim_put_in(slot, arg, sizeof(int));
      if (off < 0) return off;
      break;
    case FIONREAD: /* SIOCINQ */
    case TIOCOUTQ: /* SIOCOUTQ */
      off = shim_reserve(slot, sizeof(int));
      break;
    case FIOCLEX:
    case FIONCLEX:
      return shim_fwd_scalar(SYS_ioctl, fd, req, 0, 0);
    case TCGETS:
    case TIOCGWINSZ:
    case TIOCGPGRP:
    case TCSETS:
      /* A socket is no terminal: sock_ioctl's inet_ioctl gives
       * -ENOIOCTLCMD, which the ioctl syscall reports as ENOTTY (isatty). */
      return -ENOTTY;
    default:
      shim_fail(SIMSOCK_FAIL_UNSUPPORTED_SYSCALL,
                "ioctl request on a simulated fd", SYS_ioctl);
  }
  shim_arg_ptr(slot, 2, off);
  long r = shim_roundtrip(slot);
  if (r >= 0 && req != FIONBIO &&
      shim_copy_to(arg, slot->data + off, sizeof(int)) != 0)
    r = -EFAULT;
  shim_end(slot);
  return r;
}

long shim_fwd_close(long fd) {
  long r = shim_fwd_scalar(SYS_close, fd, 0, 0, 0);
  /* Linux's close releases the number even when it reports an error. */
  shim_fd_set_sim(fd, 0);
  shim_fd_release(fd);
  return r;
}

long shim_fwd_dup3(long nr, long oldfd, long newfd, long flags) {
  if (oldfd == newfd)
    return nr == SYS_dup3 ? -EINVAL : shim_fwd_scalar(nr, oldfd, newfd, 0, 0);
  int was_sim = shim_fd_is_sim(newfd);
  if (!was_sim) {
    /* Takes the number (closing a real file there, as dup2 does). */
    long r = shim_fd_reserve_at(newfd);
    if (r < 0) return r;
  }
  struct simsock_exec_slot *slot = shim_begin(nr);
  slot->args[0] = oldfd;
  slot->args[1] = newfd;
  slot->args[2] = flags;
  slot->fd_hint[0] = (int32_t)newfd;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  if (r >= 0) {
    shim_fd_set_sim(r, 1);
    shim_fd_copy_kind(oldfd, r);
  } else if (!was_sim)
    shim_fd_release(newfd);
  return r;
}
