#include "simsock/faults/faulty_syscalls.h"

#include <fcntl.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

namespace simsock::faults {
namespace {

// UIO_MAXIOV: the most iovecs a recvmsg takes (more is EMSGSIZE).
constexpr size_t kMaxIov = 1024;

// The bytes of the iovecs (saturating: the kernel caps them at
// MAX_RW_COUNT before any fault could apply).
size_t IovTotal(const iovec* iov, size_t count) {
  size_t len = 0;
  for (size_t i = 0; i < count; ++i)
    len += std::min(iov[i].iov_len, SIZE_MAX - len);
  return len;
}

// The first n bytes of the iovecs, as iovecs (a short read or write).
std::vector<iovec> CutIovecs(const iovec* iov, size_t count, size_t n) {
  std::vector<iovec> cut;
  for (size_t i = 0, left = n; i < count && left > 0; ++i) {
    iovec v = iov[i];
    v.iov_len = std::min(v.iov_len, left);
    left -= v.iov_len;
    cut.push_back(v);
  }
  return cut;
}

// SO_LINGER {1, 0}: close() then sends a RST instead of a FIN (tcp_close
// takes the zero-linger branch to tcp_disconnect).
void LingerZero(sys::Syscalls& sys, int fd) {
  linger l{1, 0};
  (void)sys.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

std::string Errno(int e) {
  switch (e) {
    case EINTR:
      return "-EINTR";
    case EAGAIN:
      return "-EAGAIN";
    case ENOBUFS:
      return "-ENOBUFS";
    case ENOMEM:
      return "-ENOMEM";
    case EMFILE:
      return "-EMFILE";
    case ENFILE:
      return "-ENFILE";
    case ECONNABORTED:
      return "-ECONNABORTED";
    case ECONNRESET:
      return "-ECONNRESET";
  }
  return "-" + std::to_string(e);
}

std::string Bytes(ssize_t got, size_t asked) {
  return std::to_string(got) + " of " + std::to_string(asked) + " bytes";
}

}  // namespace

std::optional<Hit> FaultySyscalls::Decide(std::string_view call, int fd,
                                          int msg_flags, size_t len) {
  if (injector_.empty() || !injector_.MayHit(call)) return std::nullopt;
  CallSite site{call};
  site.len = len;
  site.msg_flags = msg_flags;
  int type = 0;
  socklen_t tlen = sizeof(type);
  site.socket = inner_.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0;
  site.stream = site.socket && type == SOCK_STREAM;
  int fl = inner_.fcntl(fd, F_GETFL, 0);
  site.blocking = fl >= 0 && !(fl & O_NONBLOCK) && !(msg_flags & MSG_DONTWAIT);
  if (site.socket) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof(ss);
    site.connected =
        inner_.getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &sl) == 0;
  }
  return injector_.Pick(site);
}

std::optional<Hit> FaultySyscalls::DecideNoFd(std::string_view call,
                                              bool blocking) {
  if (injector_.empty() || !injector_.MayHit(call)) return std::nullopt;
  CallSite site{call};
  site.blocking = blocking;
  return injector_.Pick(site);
}

template <typename Fn>
int FaultySyscalls::Nonblocking(int fd, Fn fn) {
  int fl = inner_.fcntl(fd, F_GETFL, 0);
  if (fl < 0) return fn();
  (void)inner_.fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  int r = fn();
  (void)inner_.fcntl(fd, F_SETFL, fl);
  return r;
}

// --- Calls that create fds ---------------------------------------------------

int FaultySyscalls::socket(int domain, int type, int protocol) {
  if (auto hit = DecideNoFd("socket", false)) {
    // EMFILE / ENFILE: checked before the socket is made (__sys_socket).
    int e = hit->kind == SyscallFaultKind::kEnfile ? ENFILE : EMFILE;
    Report(*hit, "socket", Errno(e));
    return -e;
  }
  return inner_.socket(domain, type, protocol);
}

int FaultySyscalls::epoll_create1(int flags) {
  if (auto hit = DecideNoFd("epoll_create1", false)) {
    int e = hit->kind == SyscallFaultKind::kEnfile ? ENFILE : EMFILE;
    Report(*hit, "epoll_create1", Errno(e));
    return -e;
  }
  return inner_.epoll_create1(flags);
}

int FaultySyscalls::accept4(int fd, sockaddr* addr, socklen_t* addrlen,
                            int flags) {
  auto hit = Decide("accept4", fd, 0, 0);
  if (!hit) return inner_.accept4(fd, addr, addrlen, flags);
  switch (hit->kind) {
    case SyscallFaultKind::kEintr: {
      // A signal while waiting: only if nothing was queued.
      int r = Nonblocking(
          fd, [&] { return inner_.accept4(fd, addr, addrlen, flags); });
      if (r != -EAGAIN) return r;
      Report(*hit, "accept4", Errno(EINTR));
      return -EINTR;
    }
    case SyscallFaultKind::kEagain:
      owed_[fd] |= EPOLLIN;
      Report(*hit, "accept4", Errno(EAGAIN));
      return -EAGAIN;
    case SyscallFaultKind::kEmfile:
    case SyscallFaultKind::kEnfile: {
      // The fd is taken before a connection is (__sys_accept4_file): the
      // connection stays queued.
      int e = hit->kind == SyscallFaultKind::kEnfile ? ENFILE : EMFILE;
      Report(*hit, "accept4", Errno(e));
      return -e;
    }
    case SyscallFaultKind::kEconnaborted: {
      // The queued connection is reset: the peer gets a RST, the caller
      // ECONNABORTED, as when the peer's RST reaches a queued connection.
      int r = inner_.accept4(fd, addr, addrlen, flags);
      if (r < 0) return r;
      LingerZero(inner_, r);
      (void)inner_.close(r);
      Report(*hit, "accept4", Errno(ECONNABORTED));
      return -ECONNABORTED;
    }
    default:
      return inner_.accept4(fd, addr, addrlen, flags);
  }
}

int FaultySyscalls::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  auto hit = Decide("connect", fd, 0, 0);
  if (!hit || hit->kind != SyscallFaultKind::kEintr)
    return inner_.connect(fd, addr, addrlen);
  // The SYN is sent and the connection goes on without the caller
  // (inet_stream_connect returns sock_intr_errno; a later connect() says
  // EALREADY, then EISCONN). Done at once: no signal could interrupt it.
  int r = Nonblocking(fd, [&] { return inner_.connect(fd, addr, addrlen); });
  if (r != -EINPROGRESS) return r;
  Report(*hit, "connect", Errno(EINTR));
  return -EINTR;
}

// --- Receive and send
// ----------------------------------------------------------

template <typename Real>
ssize_t FaultySyscalls::Receive(std::string_view call, int fd, size_t len,
                                int flags, Real real) {
  // After the reset was reported, reads see the end (sk_shutdown is
  // SHUTDOWN_MASK after tcp_reset's tcp_done).
  if (!reset_.empty() && reset_.count(fd)) return 0;
  auto hit = Decide(call, fd, flags, len);
  if (!hit) return real(len, 0);
  switch (hit->kind) {
    case SyscallFaultKind::kEintr: {
      // The signal interrupts only a wait: what is there is returned.
      ssize_t r = real(len, MSG_DONTWAIT);
      if (r != -EAGAIN) return r;
      Report(*hit, call, Errno(EINTR));
      return -EINTR;
    }
    case SyscallFaultKind::kShortIo: {
      size_t n = injector_.ShortLength(len);
      ssize_t r = real(n, 0);
      if (r > 0) Report(*hit, call, Bytes(r, len));
      return r;
    }
    case SyscallFaultKind::kEagain:
      owed_[fd] |= EPOLLIN;
      Report(*hit, call, Errno(EAGAIN));
      return -EAGAIN;
    case SyscallFaultKind::kEconnreset:
      // The peer cannot be made to send a RST: this end stops the
      // connection instead. Both directions are shut (a FIN now) and the
      // close sends a RST (zero linger); this object answers later reads
      // with 0 and writes with EPIPE, as Linux does after a reset.
      reset_.insert(fd);
      LingerZero(inner_, fd);
      (void)inner_.shutdown(fd, SHUT_RDWR);
      Report(*hit, call, Errno(ECONNRESET));
      return -ECONNRESET;
    default:
      return real(len, 0);
  }
}

template <typename Real>
ssize_t FaultySyscalls::Send(std::string_view call, int fd, size_t len,
                             int flags, Real real) {
  if (!reset_.empty() && reset_.count(fd)) return -EPIPE;
  auto hit = Decide(call, fd, flags, len);
  if (!hit) return real(len, 0);
  switch (hit->kind) {
    case SyscallFaultKind::kEintr: {
      // A signal while waiting for buffer space: the bytes already queued,
      // or EINTR if none (sk_stream_wait_memory, sock_intr_errno).
      ssize_t r = real(len, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (r == -EAGAIN) {
        Report(*hit, call, Errno(EINTR));
        return -EINTR;
      }
      if (r > 0 && static_cast<size_t>(r) < len)
        Report(*hit, call, Bytes(r, len));
      return r;
    }
    case SyscallFaultKind::kShortIo: {
      size_t n = injector_.ShortLength(len);
      ssize_t r = real(n, 0);
      if (r > 0) Report(*hit, call, Bytes(r, len));
      return r;
    }
    case SyscallFaultKind::kEagain:
      owed_[fd] |= EPOLLOUT;
      Report(*hit, call, Errno(EAGAIN));
      return -EAGAIN;
    case SyscallFaultKind::kEnobufs:
    case SyscallFaultKind::kEnomem: {
      int e = hit->kind == SyscallFaultKind::kEnobufs ? ENOBUFS : ENOMEM;
      Report(*hit, call, Errno(e));
      return -e;  // nothing was sent
    }
    default:
      return real(len, 0);
  }
}

ssize_t FaultySyscalls::read(int fd, void* buf, size_t count) {
  return Receive("read", fd, count, 0, [&](size_t n, int extra) {
    if (extra == 0) return inner_.read(fd, buf, n);
    return inner_.recvfrom(fd, buf, n, extra, nullptr, nullptr);
  });
}

ssize_t FaultySyscalls::write(int fd, const void* buf, size_t count) {
  return Send("write", fd, count, 0, [&](size_t n, int extra) {
    if (extra == 0) return inner_.write(fd, buf, n);
    return inner_.sendto(fd, buf, n, extra, nullptr, 0);
  });
}

ssize_t FaultySyscalls::recvfrom(int fd, void* buf, size_t len, int flags,
                                 sockaddr* src_addr, socklen_t* addrlen) {
  return Receive("recvfrom", fd, len, flags, [&](size_t n, int extra) {
    return inner_.recvfrom(fd, buf, n, flags | extra, src_addr, addrlen);
  });
}

ssize_t FaultySyscalls::recvmsg(int fd, msghdr* msg, int flags) {
  // A header the kernel refuses goes through untouched (its error is the
  // kernel's to give).
  if (msg == nullptr || msg->msg_iovlen > kMaxIov ||
      (msg->msg_iov == nullptr && msg->msg_iovlen > 0)) {
    return inner_.recvmsg(fd, msg, flags);
  }
  const size_t len = IovTotal(msg->msg_iov, msg->msg_iovlen);
  return Receive("recvmsg", fd, len, flags, [&](size_t n, int extra) {
    if (n >= len) return inner_.recvmsg(fd, msg, flags | extra);
    // A short read: the same header over the first n bytes of the buffers.
    std::vector<iovec> cut = CutIovecs(msg->msg_iov, msg->msg_iovlen, n);
    msghdr shorter = *msg;
    shorter.msg_iov = cut.data();
    shorter.msg_iovlen = cut.size();
    const ssize_t r = inner_.recvmsg(fd, &shorter, flags | extra);
    msg->msg_namelen = shorter.msg_namelen;
    msg->msg_controllen = shorter.msg_controllen;
    msg->msg_flags = shorter.msg_flags;
    return r;
  });
}

ssize_t FaultySyscalls::sendto(int fd, const void* buf, size_t len, int flags,
                               const sockaddr* dest_addr, socklen_t addrlen) {
  return Send("sendto", fd, len, flags, [&](size_t n, int extra) {
    return inner_.sendto(fd, buf, n, flags | extra, dest_addr, addrlen);
  });
}

// --- epoll
// -----------------------------------------------------------------------

int FaultySyscalls::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  int r = inner_.epoll_ctl(epfd, op, fd, event);
  if (r == 0) {
    if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && event) {
      registered_[epfd][fd] = *event;
    } else if (op == EPOLL_CTL_DEL) {
      registered_[epfd].erase(fd);
    }
  }
  return r;
}

template <typename Wait>
int FaultySyscalls::EpollWait(std::string_view call, int epfd,
                              epoll_event* events, int maxevents, bool blocking,
                              Wait wait) {
  // A spurious EAGAIN hid a ready fd from an edge-triggered caller, which
  // now waits for an edge that Linux would not send (the data is already
  // there). The wait reports that fd again: a spurious wakeup, which
  // epoll(7) allows and every caller handles.
  std::vector<std::pair<int, epoll_event>> owed;
  if (!owed_.empty() && maxevents > 0) {
    auto reg = registered_.find(epfd);
    if (reg != registered_.end()) {
      for (const auto& [fd, bits] : owed_) {
        auto it = reg->second.find(fd);
        if (it == reg->second.end() || !(it->second.events & bits)) continue;
        epoll_event e = it->second;
        e.events = it->second.events & bits;
        owed.emplace_back(fd, e);
      }
    }
  }
  if (!owed.empty()) {
    int n = wait(true);
    if (n < 0) return n;
    for (const auto& [fd, e] : owed) {
      owed_.erase(fd);
      bool present = false;
      for (int i = 0; i < n; ++i) present |= events[i].data.u64 == e.data.u64;
      if (!present && n < maxevents) events[n++] = e;
    }
    return n;
  }
  auto hit = DecideNoFd(call, blocking);
  if (!hit) return wait(false);
  // Both faults end the wait early, and only if nothing is ready (a ready
  // event is returned at once, before any wait).
  int n = wait(true);
  if (n != 0) return n;
  if (hit->kind == SyscallFaultKind::kEintr) {
    Report(*hit, call, Errno(EINTR));
    return -EINTR;
  }
  Report(*hit, call, "0 events");
  return 0;
}

int FaultySyscalls::epoll_wait(int epfd, epoll_event* events, int maxevents,
                               int timeout_ms) {
  return EpollWait("epoll_wait", epfd, events, maxevents, timeout_ms != 0,
                   [&](bool zero) {
                     return inner_.epoll_wait(epfd, events, maxevents,
                                              zero ? 0 : timeout_ms);
                   });
}

int FaultySyscalls::epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                                 const timespec* timeout,
                                 const sigset_t* sigmask) {
  bool blocking =
      timeout == nullptr || timeout->tv_sec != 0 || timeout->tv_nsec != 0;
  return EpollWait(
      "epoll_pwait2", epfd, events, maxevents, blocking, [&](bool zero) {
        timespec none{0, 0};
        return inner_.epoll_pwait2(epfd, events, maxevents,
                                   zero ? &none : timeout, sigmask);
      });
}

int FaultySyscalls::nanosleep_ns(int64_t ns) {
  auto hit = DecideNoFd("nanosleep_ns", ns > 0);
  if (!hit) return inner_.nanosleep_ns(ns);
  // The signal comes part way through the sleep.
  int64_t part =
      static_cast<int64_t>(injector_.ShortLength(static_cast<size_t>(ns)));
  if (ns > 1) (void)inner_.nanosleep_ns(part);
  Report(*hit, "nanosleep_ns", Errno(EINTR));
  return -EINTR;
}

// --- Pass-through
// ------------------------------------------------------------------

int FaultySyscalls::close(int fd) {
  reset_.erase(fd);
  owed_.erase(fd);
  registered_.erase(fd);
  for (auto& [epfd, fds] : registered_) fds.erase(fd);
  return inner_.close(fd);
}

int FaultySyscalls::bind(int fd, const sockaddr* addr, socklen_t addrlen) {
  return inner_.bind(fd, addr, addrlen);
}
int FaultySyscalls::listen(int fd, int backlog) {
  return inner_.listen(fd, backlog);
}
int FaultySyscalls::shutdown(int fd, int how) {
  return inner_.shutdown(fd, how);
}
int FaultySyscalls::getsockopt(int fd, int level, int optname, void* optval,
                               socklen_t* optlen) {
  return inner_.getsockopt(fd, level, optname, optval, optlen);
}
int FaultySyscalls::setsockopt(int fd, int level, int optname,
                               const void* optval, socklen_t optlen) {
  return inner_.setsockopt(fd, level, optname, optval, optlen);
}
int FaultySyscalls::getsockname(int fd, sockaddr* addr, socklen_t* addrlen) {
  return inner_.getsockname(fd, addr, addrlen);
}
int FaultySyscalls::getpeername(int fd, sockaddr* addr, socklen_t* addrlen) {
  return inner_.getpeername(fd, addr, addrlen);
}
int FaultySyscalls::fcntl(int fd, int cmd, long arg) {
  return inner_.fcntl(fd, cmd, arg);
}
int64_t FaultySyscalls::clock_gettime_ns() { return inner_.clock_gettime_ns(); }
int FaultySyscalls::resolve_ipv4(std::string_view host,
                                 std::vector<uint32_t>* addrs) {
  return inner_.resolve_ipv4(host, addrs);
}

// --- pipes and eventfds
// Their reads and writes go through read() and write() above, whose Decide
// finds no socket: the decorator injects nothing into them (docs/faults.md,
// "Pipes and eventfds").

int FaultySyscalls::pipe2(int fds[2], int flags) {
  return inner_.pipe2(fds, flags);
}

int FaultySyscalls::eventfd2(unsigned int initval, int flags) {
  return inner_.eventfd2(initval, flags);
}

// --- Vectored calls: readv, writev, sendmsg
// ----------------------------------------------------------

ssize_t FaultySyscalls::readv(int fd, const iovec* iov, int iovcnt) {
  // A vector the kernel refuses, or one of no bytes (which never touches
  // the file), goes through untouched.
  if (iovcnt < 0 || static_cast<size_t>(iovcnt) > kMaxIov ||
      (iov == nullptr && iovcnt > 0)) {
    return inner_.readv(fd, iov, iovcnt);
  }
  const size_t count = static_cast<size_t>(iovcnt);
  const size_t len = IovTotal(iov, count);
  if (len == 0) return inner_.readv(fd, iov, iovcnt);
  return Receive("readv", fd, len, 0, [&](size_t n, int extra) {
    std::vector<iovec> cut = CutIovecs(iov, count, n);
    if (extra == 0)
      return inner_.readv(fd, cut.data(), static_cast<int>(cut.size()));
    msghdr m{};
    m.msg_iov = cut.data();
    m.msg_iovlen = cut.size();
    return inner_.recvmsg(fd, &m, extra);
  });
}

ssize_t FaultySyscalls::writev(int fd, const iovec* iov, int iovcnt) {
  if (iovcnt < 0 || static_cast<size_t>(iovcnt) > kMaxIov ||
      (iov == nullptr && iovcnt > 0)) {
    return inner_.writev(fd, iov, iovcnt);
  }
  const size_t count = static_cast<size_t>(iovcnt);
  const size_t len = IovTotal(iov, count);
  if (len == 0) return inner_.writev(fd, iov, iovcnt);
  return Send("writev", fd, len, 0, [&](size_t n, int extra) {
    std::vector<iovec> cut = CutIovecs(iov, count, n);
    if (extra == 0)
      return inner_.writev(fd, cut.data(), static_cast<int>(cut.size()));
    msghdr m{};
    m.msg_iov = cut.data();
    m.msg_iovlen = cut.size();
    return inner_.sendmsg(fd, &m, extra);
  });
}

ssize_t FaultySyscalls::sendmsg(int fd, const msghdr* msg, int flags) {
  if (msg == nullptr || msg->msg_iovlen > kMaxIov ||
      (msg->msg_iov == nullptr && msg->msg_iovlen > 0)) {
    return inner_.sendmsg(fd, msg, flags);
  }
  const size_t len = IovTotal(msg->msg_iov, msg->msg_iovlen);
  return Send("sendmsg", fd, len, flags, [&](size_t n, int extra) {
    if (n >= len) return inner_.sendmsg(fd, msg, flags | extra);
    // A short write: the same header over the first n bytes.
    std::vector<iovec> cut = CutIovecs(msg->msg_iov, msg->msg_iovlen, n);
    msghdr shorter = *msg;
    shorter.msg_iov = cut.data();
    shorter.msg_iovlen = cut.size();
    return inner_.sendmsg(fd, &shorter, flags | extra);
  });
}

// AF_UNIX sockets (issue 13)
int FaultySyscalls::socketpair(int domain, int type, int protocol, int sv[2]) {
  return inner_.socketpair(domain, type, protocol, sv);
}

}  // namespace simsock::faults
