// The dispatcher (dispatch.h): syscall number -> sim::Process method, with
// the pointer arguments rebased into the slot's data area.
#include "simsock/exec/dispatch.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "simsock/exec/dispatch_signal.h"
#include "simsock/exec/launcher.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/kernel/process.h"

namespace simsock::exec {

namespace {

constexpr int64_t kNsPerSec = 1000000000;

// The request's arguments and data, with its pointer arguments resolved.
class Request {
 public:
  explicit Request(simsock_exec_slot& slot)
      : slot_(slot),
        len_(std::min<size_t>(slot.data_len, SIMSOCK_EXEC_DATA_BYTES)) {}

  int64_t Int(int i) const { return slot_.args[i]; }
  // The six arguments as they came.
  const int64_t* args() const { return slot_.args; }

  // Argument i as a pointer to n bytes of data: null for NULL; sets
  // fault() when the bytes lie outside the request's data (EFAULT) and
  // error() when the argument was not marshalled at all (a shim bug).
  void* Ptr(int i, size_t n) { return At(slot_.args[i], n, i); }
  // An offset stored inside the data (a nested pointer: msghdr, iovec).
  void* Nested(uint64_t raw, size_t n) {
    return At(static_cast<int64_t>(raw), n, -1);
  }
  // Bytes of data from offset of argument i to the end of the request:
  // the most a read into it may move.
  size_t RoomAt(int i) const {
    const int64_t off = slot_.args[i];
    if (off < 0 || static_cast<uint64_t>(off) >= len_) return 0;
    return len_ - static_cast<size_t>(off);
  }
  bool fault() const { return fault_; }
  const std::string& error() const { return error_; }

 private:
  void* At(int64_t off, size_t n, int arg) {
    if (arg >= 0 && (slot_.ptr_mask & (1u << arg)) == 0) {
      // Only NULL may come as a plain value.
      if (off == 0) return nullptr;
      error_ = "argument " + std::to_string(arg) +
               " is a pointer the shim did not marshal";
      return nullptr;
    }
    if (off == SIMSOCK_EXEC_NULL) return nullptr;
    if (off < 0 || static_cast<uint64_t>(off) > len_ ||
        n > len_ - static_cast<size_t>(off)) {
      fault_ = true;
      return nullptr;
    }
    return slot_.data + off;
  }

  simsock_exec_slot& slot_;
  size_t len_;
  bool fault_ = false;
  std::string error_;
};

// A socklen_t* argument and the buffer of *len bytes before it.
struct AddrOut {
  sockaddr* addr = nullptr;
  socklen_t* len = nullptr;
};
AddrOut AddrArgs(Request& r, int addr_arg, int len_arg) {
  AddrOut a;
  a.len = static_cast<socklen_t*>(r.Ptr(len_arg, sizeof(socklen_t)));
  // The kernel writes at most *len bytes (move_addr_to_user); a negative
  // length is the call's own -EINVAL, checked by the process.
  size_t n = 0;
  if (a.len != nullptr && static_cast<int>(*a.len) > 0) {
    n = std::min<size_t>(*a.len, sizeof(sockaddr_storage));
  }
  a.addr = static_cast<sockaddr*>(r.Ptr(addr_arg, n));
  return a;
}

// An iovec array at data offset `iov_raw` (its iov_base fields offsets):
// the rebased copies, or false (EFAULT) when one lies outside.
bool RebaseIovecs(Request& r, void* iov_at, size_t count,
                  std::vector<iovec>* out) {
  out->resize(count);
  auto* in = static_cast<iovec*>(iov_at);
  for (size_t k = 0; k < count; ++k) {
    const size_t n = in[k].iov_len;
    void* base = r.Nested(reinterpret_cast<uint64_t>(in[k].iov_base), n);
    if (r.fault() || (base == nullptr && n > 0)) return false;
    (*out)[k] = {base, n};
  }
  return true;
}

// A timespec argument as nanoseconds: -EINVAL for a bad tv_nsec or a
// negative tv_sec (Linux's timespec64_valid).
int64_t TimespecNs(const timespec& ts) {
  if (ts.tv_nsec < 0 || ts.tv_nsec >= kNsPerSec || ts.tv_sec < 0) {
    return -EINVAL;
  }
  if (ts.tv_sec > INT64_MAX / kNsPerSec - 1) return INT64_MAX;
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

// nanosleep and clock_nanosleep: sleeps ns of virtual time; on -EINTR
// writes what was left into rem (if given).
int64_t Sleep(sys::Syscalls& calls, int64_t ns, timespec* rem) {
  const int64_t start = calls.clock_gettime_ns();
  const int r = calls.nanosleep_ns(ns);
  if (r == -EINTR && rem != nullptr) {
    const int64_t left =
        std::max<int64_t>(0, ns - (calls.clock_gettime_ns() - start));
    rem->tv_sec = left / kNsPerSec;
    rem->tv_nsec = left % kNsPerSec;
  }
  return r;
}

DispatchResult Fail(std::string why) { return {0, std::move(why)}; }

// recvmsg / sendmsg: the msghdr at argument 1, its msg_name, msg_iov and
// msg_control fields offsets into data (exec/protocol.h).
int64_t MsgCall(Request& r, sys::Syscalls& calls, bool receive) {
  auto* m = static_cast<msghdr*>(r.Ptr(1, sizeof(msghdr)));
  if (r.fault() || m == nullptr) return -EFAULT;
  if (m->msg_iovlen > IOV_MAX) return -EMSGSIZE;  // ___sys_recvmsg's check
  msghdr local = *m;
  local.msg_name = r.Nested(reinterpret_cast<uint64_t>(m->msg_name),
                            std::min<size_t>(m->msg_namelen, 128));
  void* iov_at = r.Nested(reinterpret_cast<uint64_t>(m->msg_iov),
                          m->msg_iovlen * sizeof(iovec));
  local.msg_control =
      r.Nested(reinterpret_cast<uint64_t>(m->msg_control), m->msg_controllen);
  std::vector<iovec> iov;
  if (r.fault() || (iov_at == nullptr && m->msg_iovlen > 0) ||
      !RebaseIovecs(r, iov_at, m->msg_iovlen, &iov)) {
    return -EFAULT;
  }
  local.msg_iov = iov.data();
  const int flags = static_cast<int>(r.Int(2));
  const int fd = static_cast<int>(r.Int(0));
  if (receive) {
    const ssize_t n = calls.recvmsg(fd, &local, flags);
    // What the kernel writes back into the program's msghdr.
    m->msg_namelen = local.msg_namelen;
    m->msg_controllen = local.msg_controllen;
    m->msg_flags = local.msg_flags;
    return n;
  }
  // The control messages go through: the simulated kernel checks them
  // (sock_cmsg_send, ip_cmsg_send) as Linux does.
  return calls.sendmsg(fd, &local, flags);
}

int64_t Ioctl(Request& r, sys::Syscalls& calls, std::string* fail) {
  const int fd = static_cast<int>(r.Int(0));
  const unsigned long req = static_cast<unsigned long>(r.Int(1));
  if (req == FIOCLEX || req == FIONCLEX) {
    // do_vfs_ioctl's close-on-exec requests: fcntl's F_SETFD.
    return calls.fcntl(fd, F_SETFD, req == FIOCLEX ? FD_CLOEXEC : 0);
  }
  auto* arg = static_cast<int*>(r.Ptr(2, sizeof(int)));
  if (req != FIONBIO && req != FIONREAD) {
    *fail = "ioctl request " + std::to_string(req) + " is not simulated";
    return 0;
  }
  if (r.fault() || arg == nullptr) return -EFAULT;
  if (req == FIONBIO) {
    // sock_ioctl's FIONBIO is fcntl's O_NONBLOCK.
    const int fl = calls.fcntl(fd, F_GETFL, 0);
    if (fl < 0) return fl;
    return calls.fcntl(fd, F_SETFL,
                       *arg != 0 ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
  }
  // FIONREAD (SIOCINQ): the bytes a read would get now, which a peek
  // without waiting returns (for UDP: the next datagram's size, as
  // udp_ioctl gives), up to the data area's size.
  std::vector<unsigned char> peek(SIMSOCK_EXEC_DATA_BYTES);
  const ssize_t n = calls.recvfrom(fd, peek.data(), peek.size(),
                                   MSG_PEEK | MSG_DONTWAIT, nullptr, nullptr);
  if (n == -EAGAIN) {
    *arg = 0;
    return 0;
  }
  if (n == -ENOTSOCK) return -ENOTTY;
  if (n == -ENOTCONN) return -EINVAL;  // tcp_ioctl on a listener
  if (n < 0) return n;
  *arg = static_cast<int>(n);
  return 0;
}

// The fd-creating calls' fd (fd_hint[0]) must be free in the simulated
// table: the shim reserved it in the real one, so a simulated fd there
// means the two tables disagree.
std::string UseHint(sim::Process& process, int32_t hint, int32_t second) {
  if (hint < 0) return "";
  if (second >= 0 && (second == hint || process.fds().Get(second) != nullptr)) {
    return "fd_hint " + std::to_string(second) +
           " (the second) is already a simulated fd or the first";
  }
  if (process.fds().Get(hint) != nullptr) {
    return "fd_hint " + std::to_string(hint) +
           " is already a simulated fd (the shim's fd map is out of step)";
  }
  process.fds().InstallNextAt(hint, second);
  return "";
}

bool CreatesFd(int64_t nr, const simsock_exec_slot& slot) {
  switch (nr) {
    case SYS_socket:
    case SYS_accept:
    case SYS_accept4:
    case SYS_epoll_create:
    case SYS_epoll_create1:
    case SYS_dup:
    case SYS_pipe:
    case SYS_pipe2:
    case SYS_eventfd:
    case SYS_eventfd2:
    case SYS_socketpair:
      return true;
    case SYS_fcntl:
      return slot.args[1] == F_DUPFD || slot.args[1] == F_DUPFD_CLOEXEC;
    default:
      return false;
  }
}

// ppoll and pselect6 as system calls write the time left back into their
// timespec (poll_select_finish; glibc's wrappers hide it, but the shim
// forwards the raw call), except for a zero timeout.
void WriteBackLeft(sys::Syscalls& calls, timespec* ts, int64_t ns,
                   int64_t start) {
  if (ts == nullptr || ns <= 0) return;
  const int64_t left =
      std::max<int64_t>(0, ns - (calls.clock_gettime_ns() - start));
  ts->tv_sec = left / kNsPerSec;
  ts->tv_nsec = left % kNsPerSec;
}

// poll, ppoll, select, pselect6 (protocol.h: the pollfd array, the three
// fd_sets of FDS_BYTES(nfds) each, the timeout, ppoll's and pselect6's
// sigset marshalled at their offsets).
// rt_sigaction, setitimer, kill and the others (exec/dispatch_signal.cc):
// the itimervals are read and written here, where the program's memory is.
int64_t SignalCall(Request& r, int64_t nr, sim::Process& process) {
  const bool set = nr == SYS_setitimer;
  const bool timer = set || nr == SYS_getitimer;
  const auto* value = static_cast<const itimerval*>(
      set ? r.Ptr(1, sizeof(itimerval)) : nullptr);
  auto* old = static_cast<itimerval*>(
      timer ? r.Ptr(set ? 2 : 1, sizeof(itimerval)) : nullptr);
  if (r.fault()) return -EFAULT;
  return RunSignalCall(nr, r.args(), process, value, old);
}

int64_t PollCall(Request& r, int64_t nr, sys::Syscalls& calls) {
  const int64_t start = calls.clock_gettime_ns();
  if (nr == SYS_poll || nr == SYS_ppoll) {
    const auto nfds = static_cast<uint64_t>(r.Int(1));
    // More entries than the data area holds cannot have been marshalled:
    // the process answers EINVAL (nfds over RLIMIT_NOFILE) before it
    // reads the array.
    pollfd* fds = nullptr;
    if (nfds <= SIMSOCK_EXEC_DATA_BYTES / sizeof(pollfd)) {
      fds = static_cast<pollfd*>(r.Ptr(0, nfds * sizeof(pollfd)));
    }
    if (nr == SYS_poll) {
      if (r.fault()) return -EFAULT;
      return calls.poll(fds, nfds, static_cast<int>(r.Int(2)));
    }
    auto* ts = static_cast<timespec*>(r.Ptr(2, sizeof(timespec)));
    const auto* mask = static_cast<const sigset_t*>(
        r.Ptr(3, std::min<size_t>(static_cast<size_t>(r.Int(4)), 128)));
    if (r.fault()) return -EFAULT;
    const int ret = calls.ppoll(fds, nfds, ts, mask);
    if (ts != nullptr) WriteBackLeft(calls, ts, TimespecNs(*ts), start);
    return ret;
  }
  const int nfds = static_cast<int>(r.Int(0));
  // FDS_BYTES(nfds): whole 64-bit words (the process cuts nfds to its
  // table's size and reads no further).
  const size_t bytes =
      nfds > 0 ? (static_cast<size_t>(nfds) + 63) / 64 * sizeof(uint64_t) : 0;
  auto* in = static_cast<fd_set*>(r.Ptr(1, bytes));
  auto* out = static_cast<fd_set*>(r.Ptr(2, bytes));
  auto* ex = static_cast<fd_set*>(r.Ptr(3, bytes));
  if (nr == SYS_select) {
    auto* tv = static_cast<timeval*>(r.Ptr(4, sizeof(timeval)));
    if (r.fault()) return -EFAULT;
    return calls.select(nfds, in, out, ex, tv);
  }
  auto* ts = static_cast<timespec*>(r.Ptr(4, sizeof(timespec)));
  const auto* mask = static_cast<const sigset_t*>(r.Ptr(5, 8));
  if (r.fault()) return -EFAULT;
  const int ret = calls.pselect6(nfds, in, out, ex, ts, mask);
  if (ts != nullptr) WriteBackLeft(calls, ts, TimespecNs(*ts), start);
  return ret;
}

int64_t Run(Request& r, int64_t nr, sim::Process& process, sys::Syscalls& calls,
            std::string* fail) {
  auto I = [&r](int i) { return static_cast<int>(r.Int(i)); };
  switch (nr) {
    case SYS_socket:
      return calls.socket(I(0), I(1), I(2));
    case SYS_socketpair: {
      // AF_UNIX pairs (docs/semantics.md §9): the pair in data, as pipe2's.
      auto* sv = static_cast<int*>(r.Ptr(3, 2 * sizeof(int)));
      if (r.fault()) return -EFAULT;
      return calls.socketpair(I(0), I(1), I(2), sv);
    }
    case SYS_bind:
    case SYS_connect: {
      const auto* a = static_cast<const sockaddr*>(
          r.Ptr(1, std::min<size_t>(static_cast<socklen_t>(r.Int(2)),
                                    sizeof(sockaddr_storage))));
      if (r.fault()) return -EFAULT;
      const auto len = static_cast<socklen_t>(r.Int(2));
      return nr == SYS_bind ? calls.bind(I(0), a, len)
                            : calls.connect(I(0), a, len);
    }
    case SYS_listen:
      return calls.listen(I(0), I(1));
    case SYS_accept:
    case SYS_accept4: {
      AddrOut a = AddrArgs(r, 1, 2);
      if (r.fault()) return -EFAULT;
      return calls.accept4(I(0), a.addr, a.len, nr == SYS_accept ? 0 : I(3));
    }
    case SYS_read:
    case SYS_write: {
      // A transfer larger than the data area is a short one (protocol.h).
      const size_t n =
          std::min<size_t>(static_cast<size_t>(r.Int(2)), r.RoomAt(1));
      void* buf = r.Ptr(1, n);
      if (r.fault()) return -EFAULT;
      return nr == SYS_read ? calls.read(I(0), buf, n)
                            : calls.write(I(0), buf, n);
    }
    case SYS_recvfrom: {
      const size_t n =
          std::min<size_t>(static_cast<size_t>(r.Int(2)), r.RoomAt(1));
      void* buf = r.Ptr(1, n);
      AddrOut a = AddrArgs(r, 4, 5);
      if (r.fault()) return -EFAULT;
      return calls.recvfrom(I(0), buf, n, I(3), a.addr, a.len);
    }
    case SYS_sendto: {
      const size_t n =
          std::min<size_t>(static_cast<size_t>(r.Int(2)), r.RoomAt(1));
      const void* buf = r.Ptr(1, n);
      const auto len = static_cast<socklen_t>(r.Int(5));
      const auto* a = static_cast<const sockaddr*>(
          r.Ptr(4, std::min<size_t>(len, sizeof(sockaddr_storage))));
      if (r.fault()) return -EFAULT;
      return calls.sendto(I(0), buf, n, I(3), a, len);
    }
    case SYS_recvmsg:
    case SYS_sendmsg:
      return MsgCall(r, calls, nr == SYS_recvmsg);
    case SYS_readv:
    case SYS_writev: {
      const int count = I(2);
      if (count < 0 || count > IOV_MAX) return -EINVAL;
      void* at = r.Ptr(1, static_cast<size_t>(count) * sizeof(iovec));
      std::vector<iovec> iov;
      if (r.fault() || (at == nullptr && count > 0) ||
          !RebaseIovecs(r, at, static_cast<size_t>(count), &iov)) {
        return -EFAULT;
      }
      return nr == SYS_readv ? calls.readv(I(0), iov.data(), count)
                             : calls.writev(I(0), iov.data(), count);
    }
    case SYS_shutdown:
      return calls.shutdown(I(0), I(1));
    case SYS_close:
      return calls.close(I(0));
    case SYS_getsockopt: {
      auto* len = static_cast<socklen_t*>(r.Ptr(4, sizeof(socklen_t)));
      size_t n = 0;
      if (len != nullptr && static_cast<int>(*len) > 0) n = *len;
      void* val = r.Ptr(3, n);
      if (r.fault()) return -EFAULT;
      return calls.getsockopt(I(0), I(1), I(2), val, len);
    }
    case SYS_setsockopt: {
      const auto len = static_cast<socklen_t>(r.Int(4));
      const void* val = r.Ptr(3, static_cast<int>(len) > 0 ? len : 0);
      if (r.fault()) return -EFAULT;
      return calls.setsockopt(I(0), I(1), I(2), val, len);
    }
    case SYS_getsockname:
    case SYS_getpeername: {
      AddrOut a = AddrArgs(r, 1, 2);
      if (r.fault()) return -EFAULT;
      return nr == SYS_getsockname ? calls.getsockname(I(0), a.addr, a.len)
                                   : calls.getpeername(I(0), a.addr, a.len);
    }
    case SYS_fcntl:
      return calls.fcntl(I(0), I(1), static_cast<long>(r.Int(2)));
    case SYS_ioctl: {
      // An AF_UNIX socket's FIONREAD and SIOCOUTQ (TIOCOUTQ) are
      // unix_ioctl's exact counts.
      const unsigned long req = static_cast<unsigned long>(r.Int(1));
      const sim::File* f = process.fds().Get(I(0));
      if (f != nullptr && f->kind() == sim::File::Kind::kUnix &&
          (req == FIONREAD || req == TIOCOUTQ)) {
        auto* arg = static_cast<int*>(r.Ptr(2, sizeof(int)));
        if (r.fault() || arg == nullptr) return -EFAULT;
        return process.unix_ioctl(I(0), req, arg);
      }
      return Ioctl(r, calls, fail);
    }
    case SYS_epoll_create:
      // The size is only checked (ep_alloc ignores it).
      if (I(0) <= 0) return -EINVAL;
      return calls.epoll_create1(0);
    case SYS_epoll_create1:
      return calls.epoll_create1(I(0));
    case SYS_epoll_ctl: {
      auto* ev = static_cast<epoll_event*>(r.Ptr(3, sizeof(epoll_event)));
      if (r.fault()) return -EFAULT;
      return calls.epoll_ctl(I(0), I(1), I(2), ev);
    }
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2: {
      const int max = I(2);
      auto* events = static_cast<epoll_event*>(r.Ptr(
          1, max > 0 ? static_cast<size_t>(max) * sizeof(epoll_event) : 0));
      const sigset_t* mask = nullptr;
      if (nr != SYS_epoll_wait) {
        mask = static_cast<const sigset_t*>(
            r.Ptr(4, r.Int(5) > 0 ? static_cast<size_t>(r.Int(5)) : 0));
      }
      if (nr == SYS_epoll_pwait2) {
        const auto* ts =
            static_cast<const timespec*>(r.Ptr(3, sizeof(timespec)));
        if (r.fault()) return -EFAULT;
        return calls.epoll_pwait2(I(0), events, max, ts, mask);
      }
      if (r.fault()) return -EFAULT;
      if (mask == nullptr) return calls.epoll_wait(I(0), events, max, I(3));
      // epoll_pwait with a mask: epoll_pwait2's timespec form.
      timespec ts{I(3) / 1000, (I(3) % 1000) * 1000000L};
      return calls.epoll_pwait2(I(0), events, max, I(3) < 0 ? nullptr : &ts,
                                mask);
    }
    case SYS_nanosleep: {
      const auto* req =
          static_cast<const timespec*>(r.Ptr(0, sizeof(timespec)));
      auto* rem = static_cast<timespec*>(r.Ptr(1, sizeof(timespec)));
      if (r.fault() || req == nullptr) return -EFAULT;
      const int64_t ns = TimespecNs(*req);
      if (ns < 0) return ns;
      return Sleep(calls, ns, rem);
    }
    case SYS_clock_nanosleep: {
      const int clock = I(0);
      if (clock != CLOCK_MONOTONIC && clock != CLOCK_REALTIME &&
          clock != CLOCK_BOOTTIME) {
        return -EINVAL;
      }
      const auto* req =
          static_cast<const timespec*>(r.Ptr(2, sizeof(timespec)));
      auto* rem = static_cast<timespec*>(r.Ptr(3, sizeof(timespec)));
      if (r.fault() || req == nullptr) return -EFAULT;
      int64_t ns = TimespecNs(*req);
      if (ns < 0) return ns;
      if (I(1) & TIMER_ABSTIME) {
        int64_t now = calls.clock_gettime_ns();
        if (clock == CLOCK_REALTIME) now += kRealtimeEpochNs;
        ns = std::max<int64_t>(0, ns - now);
        rem = nullptr;  // an absolute sleep never writes rem
      }
      return Sleep(calls, ns, rem);
    }
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
      return PollCall(r, nr, calls);
    case SYS_pipe:
    case SYS_pipe2: {
      auto* fds = static_cast<int*>(r.Ptr(0, 2 * sizeof(int)));
      if (r.fault()) return -EFAULT;
      return calls.pipe2(fds, nr == SYS_pipe ? 0 : I(1));
    }
    case SYS_eventfd:
    case SYS_eventfd2:
      return calls.eventfd2(static_cast<unsigned int>(r.Int(0)),
                            nr == SYS_eventfd ? 0 : I(1));
    case SYS_dup:
      return process.dup(I(0));
    case SYS_dup2:
      return process.dup2(I(0), I(1));
    case SYS_dup3:
      return process.dup3(I(0), I(1), I(2));
    default:
      // The signal calls: their list is IsSignalCall's alone.
      if (IsSignalCall(nr)) return SignalCall(r, nr, process);
      *fail = SyscallName(nr) + " is not simulated";
      return 0;
  }
}

}  // namespace

DispatchResult Dispatch(simsock_exec_slot& slot, sim::Process& process,
                        sys::Syscalls& calls) {
  const int64_t nr = slot.nr;
  if (slot.data_len > SIMSOCK_EXEC_DATA_BYTES) {
    return Fail(SyscallName(nr) + ": data_len " +
                std::to_string(slot.data_len) + " exceeds the data area");
  }
  const bool hinted = CreatesFd(nr, slot) && slot.fd_hint[0] >= 0;
  if (hinted) {
    // pipe2 and socketpair make two fds.
    const bool two = nr == SYS_pipe || nr == SYS_pipe2 || nr == SYS_socketpair;
    std::string why =
        UseHint(process, slot.fd_hint[0], two ? slot.fd_hint[1] : -1);
    if (!why.empty()) return Fail(SyscallName(nr) + ": " + why);
  }
  Request r(slot);
  DispatchResult out;
  out.ret = Run(r, nr, process, calls, &out.fail);
  // A call that failed before installing leaves the hint unused: it must
  // not move the next call's fd.
  if (hinted) process.fds().InstallNextAt(-1);
  if (out.fail.empty() && !r.error().empty()) {
    out.fail = SyscallName(nr) + ": " + r.error();
  } else if (!out.fail.empty() && out.fail.find(SyscallName(nr)) != 0) {
    out.fail = SyscallName(nr) + ": " + out.fail;
  }
  return out;
}

std::string SyscallName(int64_t nr) {
  struct Named {
    int64_t nr;
    const char* name;
  };
  static constexpr Named kNames[] = {
      {SYS_read, "read"},
      {SYS_write, "write"},
      {SYS_close, "close"},
      {SYS_socket, "socket"},
      {SYS_bind, "bind"},
      {SYS_listen, "listen"},
      {SYS_accept, "accept"},
      {SYS_accept4, "accept4"},
      {SYS_connect, "connect"},
      {SYS_recvfrom, "recvfrom"},
      {SYS_sendto, "sendto"},
      {SYS_recvmsg, "recvmsg"},
      {SYS_sendmsg, "sendmsg"},
      {SYS_readv, "readv"},
      {SYS_writev, "writev"},
      {SYS_shutdown, "shutdown"},
      {SYS_getsockopt, "getsockopt"},
      {SYS_setsockopt, "setsockopt"},
      {SYS_getsockname, "getsockname"},
      {SYS_getpeername, "getpeername"},
      {SYS_fcntl, "fcntl"},
      {SYS_ioctl, "ioctl"},
      {SYS_epoll_create, "epoll_create"},
      {SYS_epoll_create1, "epoll_create1"},
      {SYS_epoll_ctl, "epoll_ctl"},
      {SYS_epoll_wait, "epoll_wait"},
      {SYS_epoll_pwait, "epoll_pwait"},
      {SYS_epoll_pwait2, "epoll_pwait2"},
      {SYS_nanosleep, "nanosleep"},
      {SYS_clock_nanosleep, "clock_nanosleep"},
      {SYS_dup, "dup"},
      {SYS_dup2, "dup2"},
      {SYS_dup3, "dup3"},
      {SYS_poll, "poll"},
      {SYS_ppoll, "ppoll"},
      {SYS_select, "select"},
      {SYS_pselect6, "pselect6"},
      {SYS_pipe, "pipe"},
      {SYS_pipe2, "pipe2"},
      {SYS_eventfd, "eventfd"},
      {SYS_eventfd2, "eventfd2"},
      {SYS_socketpair, "socketpair"},
      {SYS_clone, "clone"},
      {SYS_clone3, "clone3"},
      {SYS_fork, "fork"},
      {SYS_setitimer, "setitimer"},
      {SYS_getitimer, "getitimer"},
      {SYS_alarm, "alarm"},
      {SYS_rt_sigaction, "rt_sigaction"},
      {SYS_rt_sigprocmask, "rt_sigprocmask"},
      {SYS_kill, "kill"},
      {SYS_tgkill, "tgkill"},
      {SYS_tkill, "tkill"},
      {SYS_sendfile, "sendfile"},
      {SYS_splice, "splice"},
  };
  for (const Named& n : kNames) {
    if (n.nr == nr) return n.name;
  }
  return "syscall " + std::to_string(nr);
}

}  // namespace simsock::exec
