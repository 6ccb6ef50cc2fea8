// Pass-through to the real kernel. The only file in net/ and sim/ that reads
// the global errno or a real clock.
#include "simsock/net/sys/linux_syscalls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>

namespace simsock::sys {
namespace {

// Converts a libc return value to the raw kernel convention.
template <typename T>
T Ret(T r) {
  return r < 0 ? static_cast<T>(-errno) : r;
}

// write(2) on a file that is not a socket (a pipe) without SIGPIPE:
// pipe_write sends it to a writer that finds no reader, and no flag turns
// that off. SIGPIPE is blocked in this thread for the call, and the one the
// call raised (none was pending before) is taken off the pending set
// before the mask is restored, so it is never delivered.
ssize_t WriteNoSigpipe(int fd, const void* buf, size_t count) {
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  ssize_t r = ::write(fd, buf, count);
  const int err = errno;
  if (r < 0 && err == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    (void)sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return Ret(r);
}

}  // namespace

int LinuxSyscalls::socket(int domain, int type, int protocol) {
  return Ret(::socket(domain, type, protocol));
}
int LinuxSyscalls::bind(int fd, const sockaddr* addr, socklen_t addrlen) {
  return Ret(::bind(fd, addr, addrlen));
}
int LinuxSyscalls::listen(int fd, int backlog) {
  return Ret(::listen(fd, backlog));
}
int LinuxSyscalls::accept4(int fd, sockaddr* addr, socklen_t* addrlen,
                           int flags) {
  return Ret(::accept4(fd, addr, addrlen, flags));
}
int LinuxSyscalls::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  return Ret(::connect(fd, addr, addrlen));
}
ssize_t LinuxSyscalls::read(int fd, void* buf, size_t count) {
  return Ret(::read(fd, buf, count));
}
ssize_t LinuxSyscalls::write(int fd, const void* buf, size_t count) {
  // send(MSG_NOSIGNAL) so that a write to a shut-down socket returns EPIPE
  // without raising SIGPIPE, as the simulator does; non-sockets fall back.
  ssize_t r = ::send(fd, buf, count, MSG_NOSIGNAL);
  if (r < 0 && errno == ENOTSOCK) return WriteNoSigpipe(fd, buf, count);
  return Ret(r);
}
ssize_t LinuxSyscalls::recvfrom(int fd, void* buf, size_t len, int flags,
                                sockaddr* src_addr, socklen_t* addrlen) {
  return Ret(::recvfrom(fd, buf, len, flags, src_addr, addrlen));
}
ssize_t LinuxSyscalls::recvmsg(int fd, msghdr* msg, int flags) {
  return Ret(::recvmsg(fd, msg, flags));
}
ssize_t LinuxSyscalls::sendto(int fd, const void* buf, size_t len, int flags,
                              const sockaddr* dest_addr, socklen_t addrlen) {
  return Ret(::sendto(fd, buf, len, flags | MSG_NOSIGNAL, dest_addr, addrlen));
}
int LinuxSyscalls::shutdown(int fd, int how) {
  return Ret(::shutdown(fd, how));
}
int LinuxSyscalls::close(int fd) { return Ret(::close(fd)); }
int LinuxSyscalls::getsockopt(int fd, int level, int optname, void* optval,
                              socklen_t* optlen) {
  return Ret(::getsockopt(fd, level, optname, optval, optlen));
}
int LinuxSyscalls::setsockopt(int fd, int level, int optname,
                              const void* optval, socklen_t optlen) {
  return Ret(::setsockopt(fd, level, optname, optval, optlen));
}
int LinuxSyscalls::getsockname(int fd, sockaddr* addr, socklen_t* addrlen) {
  return Ret(::getsockname(fd, addr, addrlen));
}
int LinuxSyscalls::getpeername(int fd, sockaddr* addr, socklen_t* addrlen) {
  return Ret(::getpeername(fd, addr, addrlen));
}
int LinuxSyscalls::fcntl(int fd, int cmd, long arg) {
  return Ret(::fcntl(fd, cmd, arg));
}
int LinuxSyscalls::epoll_create1(int flags) {
  return Ret(::epoll_create1(flags));
}
int LinuxSyscalls::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  return Ret(::epoll_ctl(epfd, op, fd, event));
}
int LinuxSyscalls::epoll_wait(int epfd, epoll_event* events, int maxevents,
                              int timeout_ms) {
  return Ret(::epoll_wait(epfd, events, maxevents, timeout_ms));
}
int LinuxSyscalls::epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                                const timespec* timeout,
                                const sigset_t* sigmask) {
  if (!no_epoll_pwait2_) {
    int r = ::epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
    if (r >= 0 || errno != ENOSYS) return Ret(r);
    no_epoll_pwait2_ = true;
  }
  int ms = -1;
  if (timeout != nullptr) {
    // Rounded up: waking before the timer is due would spin.
    const int64_t ns = static_cast<int64_t>(timeout->tv_sec) * 1'000'000'000 +
                       timeout->tv_nsec;
    ms = static_cast<int>(
        std::clamp<int64_t>((ns + 999'999) / 1'000'000, 0, INT_MAX));
  }
  return Ret(::epoll_pwait(epfd, events, maxevents, ms, sigmask));
}
int64_t LinuxSyscalls::clock_gettime_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
int LinuxSyscalls::nanosleep_ns(int64_t ns) {
  if (ns < 0) return -EINVAL;
  timespec ts{static_cast<time_t>(ns / 1'000'000'000),
              static_cast<long>(ns % 1'000'000'000)};
  return Ret(::nanosleep(&ts, nullptr));
}

int LinuxSyscalls::resolve_ipv4(std::string_view host,
                                std::vector<uint32_t>* addrs) {
  addrs->clear();
  // getaddrinfo takes a C string: a name with a NUL in it would be looked
  // up as its prefix ("1\0x" as "1"). No host has such a name.
  if (host.find('\0') != std::string_view::npos) return -ENOENT;
  std::string name(host);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return (rc == EAI_AGAIN) ? -EAGAIN : -ENOENT;
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    auto* sin = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
    uint32_t ip = ntohl(sin->sin_addr.s_addr);
    bool seen = false;
    for (uint32_t a : *addrs) seen = seen || a == ip;
    if (!seen) addrs->push_back(ip);
  }
  ::freeaddrinfo(res);
  return addrs->empty() ? -ENOENT : 0;
}

// --- pipes and eventfds
// The raw syscalls, so that the kernel sees the flags and the pointer as
// given (glibc's wrappers add nothing, but say so here).
int LinuxSyscalls::pipe2(int fds[2], int flags) {
  return static_cast<int>(Ret(::syscall(SYS_pipe2, fds, flags)));
}

int LinuxSyscalls::eventfd2(unsigned int initval, int flags) {
  return static_cast<int>(Ret(::syscall(SYS_eventfd2, initval, flags)));
}

// poll, ppoll, select, pselect6 (issue 13).
// poll and ppoll are the raw syscalls, as select and pselect6 below: a
// sanitizer's interceptor of glibc's poll reads the whole array before the
// kernel is asked, where the kernel refuses an nfds above RLIMIT_NOFILE
// (EINVAL) or a NULL array (EFAULT) without reading it.
int LinuxSyscalls::poll(pollfd* fds, nfds_t nfds, int timeout_ms) {
  return static_cast<int>(Ret(::syscall(SYS_poll, fds, nfds, timeout_ms)));
}
int LinuxSyscalls::ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
                         const sigset_t* sigmask) {
  // The kernel writes the time left back; like glibc's ppoll, give it a
  // copy of the timeout. The last argument is the kernel's sigset size.
  timespec copy{};
  if (timeout != nullptr) copy = *timeout;
  return static_cast<int>(
      Ret(::syscall(SYS_ppoll, fds, nfds, timeout != nullptr ? &copy : nullptr,
                    sigmask, _NSIG / 8)));
}
int LinuxSyscalls::select(int nfds, fd_set* readfds, fd_set* writefds,
                          fd_set* exceptfds, timeval* timeout) {
  // The kernel's select, not glibc's: glibc checks and normalises the
  // timeval itself and calls pselect6 (EINVAL for any negative field,
  // where the kernel folds tv_usec into tv_sec first).
  return Ret(static_cast<int>(
      ::syscall(SYS_select, nfds, readfds, writefds, exceptfds, timeout)));
}
int LinuxSyscalls::pselect6(int nfds, fd_set* readfds, fd_set* writefds,
                            fd_set* exceptfds, const timespec* timeout,
                            const sigset_t* sigmask) {
  // The kernel writes the time left back; like glibc's pselect, give it
  // a copy. The sixth argument is the kernel's {sigset, size} pair.
  timespec copy{};
  if (timeout != nullptr) copy = *timeout;
  struct {
    const sigset_t* set;
    size_t size;
  } sig{sigmask, _NSIG / 8};
  return Ret(static_cast<int>(
      ::syscall(SYS_pselect6, nfds, readfds, writefds, exceptfds,
                timeout != nullptr ? &copy : nullptr, &sig)));
}

// Vectored calls (readv, writev, sendmsg).
ssize_t LinuxSyscalls::readv(int fd, const iovec* iov, int iovcnt) {
  return Ret(::readv(fd, iov, iovcnt));
}
ssize_t LinuxSyscalls::writev(int fd, const iovec* iov, int iovcnt) {
  // writev has no MSG_NOSIGNAL (and sendmsg would answer a bad vector, or
  // one of no bytes, otherwise): SIGPIPE is blocked for the call, and the
  // one an EPIPE raised is taken back unless one was pending already.
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t r = ::writev(fd, iov, iovcnt);
  const int err = errno;
  if (r < 0 && err == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    (void)sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return Ret(r);
}
ssize_t LinuxSyscalls::sendmsg(int fd, const msghdr* msg, int flags) {
  return Ret(::sendmsg(fd, msg, flags | MSG_NOSIGNAL));
}

// AF_UNIX sockets (issue 13)
int LinuxSyscalls::socketpair(int domain, int type, int protocol, int sv[2]) {
  return static_cast<int>(
      Ret(::syscall(SYS_socketpair, domain, type, protocol, sv)));
}

}  // namespace simsock::sys
