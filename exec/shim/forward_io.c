/* Forwarded calls on simulated fds that move bytes (read, write, the
 * msghdr and iovec calls), epoll, and the sleeps. A transfer larger than
 * the data area (SIMSOCK_EXEC_DATA_BYTES) moves at most that much: a short
 * read or write, which a stream socket may always give. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include "exec/shim/shim.h"

#define SHIM_ADDR_MAX 128
/* Linux's UIO_MAXIOV. */
#define SHIM_IOV_MAX 1024
/* The control data a msghdr may carry through the slot: Linux bounds it
 * by net.core.optmem_max (sock_kmalloc, ENOBUFS beyond), 20480 bytes by
 * default before 6.9 and 131072 since; the slot takes 64 KiB. */
#define SHIM_CONTROL_MAX 65536

static size_t cap_len(long len) {
  /* A length is a size_t in the call: a "negative" one is huge. */
  unsigned long n = (unsigned long)len;
  return n > SIMSOCK_EXEC_DATA_BYTES ? SIMSOCK_EXEC_DATA_BYTES : (size_t)n;
}

long shim_fwd_read(long fd, void *buf, long len) {
  struct simsock_exec_slot *slot = shim_begin(SYS_read);
  size_t n = cap_len(len);
  int64_t off = shim_reserve(slot, n);
  slot->args[0] = fd;
  shim_arg_ptr(slot, 1, buf ? off : SIMSOCK_EXEC_NULL);
  slot->args[2] = (int64_t)n;
  long r = shim_roundtrip(slot);
  if (r > 0 && shim_copy_to(buf, slot->data + off, (size_t)r) != 0) r = -EFAULT;
  shim_end(slot);
  return r;
}

long shim_fwd_write(long fd, const void *buf, long len) {
  struct simsock_exec_slot *slot = shim_begin(SYS_write);
  size_t n = cap_len(len);
  int64_t off = shim_put_in(slot, buf, n);
  if (off < 0) return off;
  slot->args[0] = fd;
  shim_arg_ptr(slot, 1, off);
  slot->args[2] = (int64_t)n;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

long shim_fwd_recvfrom(long fd, void *buf, long len, long flags, void *addr,
                       void *addrlen) {
  struct simsock_exec_slot *slot = shim_begin(SYS_recvfrom);
  int32_t len_in = 0;
  int64_t addr_off = SIMSOCK_EXEC_NULL, len_off = SIMSOCK_EXEC_NULL;
  if (addr != NULL) {
    if (shim_copy_from(&len_in, addrlen, sizeof len_in) != 0) return -EFAULT;
    if (len_in < 0) return -EINVAL;
    addr_off = shim_reserve(
        slot, len_in < SHIM_ADDR_MAX ? (size_t)len_in : SHIM_ADDR_MAX);
    len_off = shim_put_local(slot, &len_in, sizeof len_in);
  }
  size_t n = cap_len(len);
  if (n > SIMSOCK_EXEC_DATA_BYTES - 256) n = SIMSOCK_EXEC_DATA_BYTES - 256;
  int64_t off = shim_reserve(slot, n);
  slot->args[0] = fd;
  shim_arg_ptr(slot, 1, buf ? off : SIMSOCK_EXEC_NULL);
  slot->args[2] = (int64_t)n;
  slot->args[3] = flags;
  shim_arg_ptr(slot, 4, addr_off);
  shim_arg_ptr(slot, 5, len_off);
  long r = shim_roundtrip(slot);
  /* MSG_TRUNC on a datagram socket reports more than was copied. */
  size_t got = r > 0 ? ((size_t)r < n ? (size_t)r : n) : 0;
  if (r >= 0 && got > 0 && shim_copy_to(buf, slot->data + off, got) != 0)
    r = -EFAULT;
  if (r >= 0 && addr != NULL) {
    int32_t len_out;
    memcpy(&len_out, slot->data + len_off, sizeof len_out);
    int32_t k = len_out < len_in ? len_out : len_in;
    if (k > SHIM_ADDR_MAX) k = SHIM_ADDR_MAX;
    if ((k > 0 && shim_copy_to(addr, slot->data + addr_off, (size_t)k)) ||
        shim_copy_to(addrlen, &len_out, sizeof len_out))
      r = -EFAULT;
  }
  shim_end(slot);
  return r;
}

long shim_fwd_sendto(long fd, const void *buf, long len, long flags,
                     const void *addr, long addrlen) {
  if (addr != NULL && (addrlen < 0 || addrlen > SHIM_ADDR_MAX)) return -EINVAL;
  struct simsock_exec_slot *slot = shim_begin(SYS_sendto);
  int64_t addr_off = SIMSOCK_EXEC_NULL;
  if (addr != NULL) {
    addr_off = shim_put_in(slot, addr, (size_t)addrlen);
    if (addr_off < 0) return addr_off;
  }
  size_t n = cap_len(len);
  if (n > SIMSOCK_EXEC_DATA_BYTES - 256) n = SIMSOCK_EXEC_DATA_BYTES - 256;
  int64_t off = shim_put_in(slot, buf, n);
  if (off < 0) return off;
  slot->args[0] = fd;
  shim_arg_ptr(slot, 1, off);
  slot->args[2] = (int64_t)n;
  slot->args[3] = flags;
  shim_arg_ptr(slot, 4, addr_off);
  slot->args[5] = addrlen;
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

/* An iovec array laid out in data: the array (iov_base holding offsets
 * into data) at *iov_off, and the program's own array at *user_off for the
 * copy back. Inputs are copied in; outputs get zeroed room. The total is
 * capped by what data has left (a short transfer). */
static long marshal_iov(struct simsock_exec_slot *slot, const void *user_iov,
                        long cnt, int is_out, int64_t *iov_off,
                        int64_t *user_off) {
  if (cnt < 0 || cnt > SHIM_IOV_MAX) return -EINVAL;
  *user_off = shim_put_in(slot, user_iov, (size_t)cnt * sizeof(struct iovec));
  if (*user_off < 0) return *user_off;
  *iov_off = shim_reserve(slot, (size_t)cnt * sizeof(struct iovec));
  if (*iov_off < 0) return *iov_off;
  for (long i = 0; i < cnt; i++) {
    struct iovec u;
    memcpy(&u, slot->data + *user_off + i * (long)sizeof u, sizeof u);
    size_t left = SIMSOCK_EXEC_DATA_BYTES - ((slot->data_len + 7u) & ~7u);
    size_t n = u.iov_len < left ? u.iov_len : left;
    int64_t off =
        is_out ? shim_reserve(slot, n) : shim_put_in(slot, u.iov_base, n);
    if (off < 0) return off;
    struct iovec d = {(void *)off, n};
    memcpy(slot->data + *iov_off + i * (long)sizeof d, &d, sizeof d);
  }
  return 0;
}

/* Copies `bytes` received bytes back into the program's buffers. */
static long unmarshal_iov(struct simsock_exec_slot *slot, long cnt,
                          int64_t iov_off, int64_t user_off, size_t bytes) {
  for (long i = 0; i < cnt && bytes > 0; i++) {
    struct iovec u, d;
    memcpy(&u, slot->data + user_off + i * (long)sizeof u, sizeof u);
    memcpy(&d, slot->data + iov_off + i * (long)sizeof d, sizeof d);
    size_t n = d.iov_len < bytes ? d.iov_len : bytes;
    if (n > 0 &&
        shim_copy_to(u.iov_base, slot->data + (int64_t)d.iov_base, n) != 0)
      return -EFAULT;
    bytes -= n;
  }
  return 0;
}

long shim_fwd_iov(long nr, long fd, const void *iov, long iovcnt) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  int64_t iov_off, user_off;
  long r = marshal_iov(slot, iov, iovcnt, nr == SYS_readv, &iov_off, &user_off);
  if (r < 0) return r;
  slot->args[0] = fd;
  shim_arg_ptr(slot, 1, iov_off);
  slot->args[2] = iovcnt;
  r = shim_roundtrip(slot);
  if (nr == SYS_readv && r > 0) {
    long c = unmarshal_iov(slot, iovcnt, iov_off, user_off, (size_t)r);
    if (c < 0) r = c;
  }
  shim_end(slot);
  return r;
}

/* recvmsg/sendmsg: the msghdr at args[1] with msg_name, msg_iov (and each
 * iov_base) and msg_control holding offsets into data (or
 * SIMSOCK_EXEC_NULL), which the simulator's dispatcher rebases. */
long shim_fwd_msg(long nr, long fd, void *user_msg, long flags) {
  int out = nr == SYS_recvmsg;
  struct msghdr m;
  if (shim_copy_from(&m, user_msg, sizeof m) != 0) return -EFAULT;
  struct simsock_exec_slot *slot = shim_begin(nr);
  int64_t msg_off = shim_reserve(slot, sizeof m);
  int64_t name_off = SIMSOCK_EXEC_NULL, ctl_off = SIMSOCK_EXEC_NULL;
  int32_t namelen = (int32_t)m.msg_namelen;
  if (m.msg_name != NULL) {
    if (namelen < 0 || (!out && namelen > SHIM_ADDR_MAX)) return -EINVAL;
    size_t n = namelen < SHIM_ADDR_MAX ? (size_t)namelen : SHIM_ADDR_MAX;
    name_off = out ? shim_reserve(slot, n) : shim_put_in(slot, m.msg_name, n);
    if (name_off < 0) return name_off;
  }
  size_t ctl_len = m.msg_controllen;
  if (m.msg_control != NULL && ctl_len > 0) {
    if (ctl_len > SHIM_CONTROL_MAX) {
      if (!out) return -ENOBUFS;
      ctl_len = SHIM_CONTROL_MAX;
    }
    ctl_off = out ? shim_reserve(slot, ctl_len)
                  : shim_put_in(slot, m.msg_control, ctl_len);
    if (ctl_off < 0) return ctl_off;
  }
  int64_t iov_off = SIMSOCK_EXEC_NULL, user_off = 0;
  long cnt = (long)m.msg_iovlen;
  if (m.msg_iov != NULL || cnt > 0) {
    long r = marshal_iov(slot, m.msg_iov, cnt, out, &iov_off, &user_off);
    if (r < 0) return r == -EINVAL ? -EMSGSIZE : r;
  }
  struct msghdr d = m;
  d.msg_name = (void *)name_off;
  d.msg_iov = (struct iovec *)iov_off;
  d.msg_control = (void *)ctl_off;
  /* The room reserved for the name: an address never exceeds it. */
  if (m.msg_name != NULL && m.msg_namelen > SHIM_ADDR_MAX)
    d.msg_namelen = SHIM_ADDR_MAX;
  d.msg_controllen = m.msg_control ? ctl_len : 0;
  memcpy(slot->data + msg_off, &d, sizeof d);
  slot->args[0] = fd;
  shim_arg_ptr(slot, 1, msg_off);
  slot->args[2] = flags;
  long r = shim_roundtrip(slot);
  if (out && r >= 0) {
    memcpy(&d, slot->data + msg_off, sizeof d);
    long c = unmarshal_iov(slot, cnt, iov_off, user_off, (size_t)r);
    size_t nl = d.msg_namelen < m.msg_namelen ? d.msg_namelen : m.msg_namelen;
    size_t cl = d.msg_controllen < ctl_len ? d.msg_controllen : ctl_len;
    if (m.msg_name && nl > 0 && nl <= SHIM_ADDR_MAX &&
        shim_copy_to(m.msg_name, slot->data + name_off, nl) != 0)
      c = -EFAULT;
    if (m.msg_control && cl > 0 &&
        shim_copy_to(m.msg_control, slot->data + ctl_off, cl) != 0)
      c = -EFAULT;
    struct msghdr *um = user_msg;
    if (shim_copy_to(&um->msg_namelen, &d.msg_namelen, sizeof d.msg_namelen) ||
        shim_copy_to(&um->msg_controllen, &cl, sizeof cl) ||
        shim_copy_to(&um->msg_flags, &d.msg_flags, sizeof d.msg_flags))
      c = -EFAULT;
    if (c < 0) r = c;
  }
  shim_end(slot);
  return r;
}

long shim_fwd_epoll_ctl(long epfd, long op, long fd, const void *event) {
  struct simsock_exec_slot *slot = shim_begin(SYS_epoll_ctl);
  int64_t off = SIMSOCK_EXEC_NULL;
  if (event != NULL) {
    off = shim_put_in(slot, event, sizeof(struct epoll_event));
    if (off < 0) return off;
  }
  slot->args[0] = epfd;
  slot->args[1] = op;
  slot->args[2] = fd;
  shim_arg_ptr(slot, 3, off);
  long r = shim_roundtrip(slot);
  shim_end(slot);
  return r;
}

/* epoll_wait, epoll_pwait (a3: timeout in ms) and epoll_pwait2 (a3: a
 * struct timespec pointer). */
long shim_fwd_epoll_wait(long nr, long epfd, void *events, long maxevents,
                         long a3, const void *sigmask, long sigsetsize) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  long max_room =
      (long)((SIMSOCK_EXEC_DATA_BYTES - 64) / sizeof(struct epoll_event));
  long n = maxevents > max_room ? max_room : maxevents;
  int64_t ev_off =
      shim_reserve(slot, n > 0 ? (size_t)n * sizeof(struct epoll_event) : 0);
  slot->args[0] = epfd;
  shim_arg_ptr(slot, 1, events ? ev_off : SIMSOCK_EXEC_NULL);
  slot->args[2] = n;
  slot->args[3] = a3;
  if (nr == SYS_epoll_pwait2) {
    int64_t t = SIMSOCK_EXEC_NULL;
    if (a3 != 0) {
      t = shim_put_in(slot, (const void *)a3, sizeof(struct timespec));
      if (t < 0) return t;
    }
    shim_arg_ptr(slot, 3, t);
  }
  if (nr != SYS_epoll_wait) {
    int64_t s = SIMSOCK_EXEC_NULL;
    if (sigmask != NULL) {
      s = shim_put_in(slot, sigmask, sizeof(uint64_t));
      if (s < 0) return s;
    }
    shim_arg_ptr(slot, 4, s);
    slot->args[5] = sigsetsize;
  }
  long r = shim_roundtrip(slot);
  if (r > 0 && shim_copy_to(events, slot->data + ev_off,
                            (size_t)r * sizeof(struct epoll_event)) != 0)
    r = -EFAULT;
  shim_end(slot);
  return r;
}

/* nanosleep(req, rem) and clock_nanosleep(clock, flags, req, rem): the
 * simulator sleeps the thread in virtual time; rem is written on EINTR. */
long shim_fwd_sleep(long nr, long a0, long a1, const void *req, void *rem) {
  struct simsock_exec_slot *slot = shim_begin(nr);
  int64_t req_off = shim_put_in(slot, req, sizeof(struct timespec));
  if (req_off < 0) return req_off;
  int64_t rem_off =
      rem ? shim_reserve(slot, sizeof(struct timespec)) : SIMSOCK_EXEC_NULL;
  int i = 0;
  if (nr == SYS_clock_nanosleep) {
    slot->args[0] = a0;
    slot->args[1] = a1;
    i = 2;
  }
  shim_arg_ptr(slot, i, req_off);
  shim_arg_ptr(slot, i + 1, rem_off);
  long r = shim_roundtrip(slot);
  if (r == -EINTR && rem &&
      shim_copy_to(rem, slot->data + rem_off, sizeof(struct timespec)) != 0)
    r = -EFAULT;
  shim_end(slot);
  return r;
}
