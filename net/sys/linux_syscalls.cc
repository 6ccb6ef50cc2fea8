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
#include <atomic>
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

// --- signals (issue 13)
// The runs of the counting handler, per signal (process-wide, as
// dispositions are).
std::atomic<uint64_t> g_caught[65];
void CountingHandler(int sig) {
  g_caught[sig].fetch_add(1, std::memory_order_relaxed);
}
// SIGPIPE's disposition as the interface shows it: ignored (and kept from
// the real process by MSG_NOSIGNAL and the pipe write's blocking) until
// sigaction sets it, as a simulated process starts with it ignored.
std::atomic<int> g_sigpipe_kind{
    static_cast<int>(Syscalls::SignalAction::Kind::kIgnore)};
bool SigpipeDelivered() {
  return g_sigpipe_kind.load(std::memory_order_relaxed) !=
         static_cast<int>(Syscalls::SignalAction::Kind::kIgnore);
}
// MSG_NOSIGNAL unless SIGPIPE was given a handler or its default.
int NoSignal() { return SigpipeDelivered() ? 0 : MSG_NOSIGNAL; }

// write(2) on a file that is not a socket (a pipe) without SIGPIPE:
// pipe_write sends it to a writer that finds no reader, and no flag turns
// that off. SIGPIPE is blocked in this thread for the call, and the one the
// call raised (none was pending before) is taken off the pending set
// before the mask is restored, so it is never delivered.
ssize_t WriteNoSigpipe(int fd, const void* buf, size_t count) {
  if (SigpipeDelivered()) return Ret(::write(fd, buf, count));
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::sigpending(&pending);
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
  ssize_t r = ::send(fd, buf, count, NoSignal());
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
  return Ret(::sendto(fd, buf, len, flags | NoSignal(), dest_addr, addrlen));
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
  if (SigpipeDelivered()) return Ret(::writev(fd, iov, iovcnt));
  // writev has no MSG_NOSIGNAL (and sendmsg would answer a bad vector, or
  // one of no bytes, otherwise): SIGPIPE is blocked for the call, and the
  // one an EPIPE raised is taken back unless one was pending already.
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigset_t pending;
  ::sigpending(&pending);
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
  return Ret(::sendmsg(fd, msg, flags | NoSignal()));
}

// --- signals (issue 13)
int LinuxSyscalls::sigaction(int sig, const SignalAction* act,
                             SignalAction* oldact) {
  // The interface's own checks first (Process::sigaction makes the same).
  if (sig < 1 || sig > 64) return -EINVAL;
  if (act != nullptr && (act->flags & ~(SA_RESTART | SA_RESETHAND)) != 0)
    return -EINVAL;
  struct sigaction sa = {};
  struct sigaction old = {};
  if (act != nullptr) {
    switch (act->kind) {
      case SignalAction::Kind::kDefault:
        sa.sa_handler = SIG_DFL;
        break;
      case SignalAction::Kind::kIgnore:
        sa.sa_handler = SIG_IGN;
        break;
      case SignalAction::Kind::kCount:
        sa.sa_handler = &CountingHandler;
        break;
    }
    sa.sa_flags = act->flags;
    sigemptyset(&sa.sa_mask);
  }
  if (::sigaction(sig, act != nullptr ? &sa : nullptr, &old) != 0)
    return -errno;
  if (oldact != nullptr) {
    oldact->flags = old.sa_flags & (SA_RESTART | SA_RESETHAND);
    oldact->kind = old.sa_handler == SIG_DFL   ? SignalAction::Kind::kDefault
                   : old.sa_handler == SIG_IGN ? SignalAction::Kind::kIgnore
                                               : SignalAction::Kind::kCount;
    if (sig == SIGPIPE)
      oldact->kind = static_cast<SignalAction::Kind>(g_sigpipe_kind.load());
  }
  if (act != nullptr && sig == SIGPIPE)
    g_sigpipe_kind.store(static_cast<int>(act->kind));
  return 0;
}
uint64_t LinuxSyscalls::signals_caught(int sig) {
  return sig >= 1 && sig <= 64 ? g_caught[sig].load() : 0;
}
int LinuxSyscalls::sigprocmask(int how, const sigset_t* set, sigset_t* oldset) {
  // pthread_sigmask returns the error number (and keeps glibc's own
  // signals, as the raw call would refuse to block them anyway).
  return -pthread_sigmask(how, set, oldset);
}
int LinuxSyscalls::sigpending(sigset_t* set) { return Ret(::sigpending(set)); }
int LinuxSyscalls::setitimer(int which, const itimerval* new_value,
                             itimerval* old_value) {
  return Ret(
      static_cast<int>(::syscall(SYS_setitimer, which, new_value, old_value)));
}
int LinuxSyscalls::getitimer(int which, itimerval* curr_value) {
  return Ret(static_cast<int>(::syscall(SYS_getitimer, which, curr_value)));
}
int LinuxSyscalls::kill_self(int sig) { return Ret(::kill(::getpid(), sig)); }

// AF_UNIX sockets (issue 13)
int LinuxSyscalls::socketpair(int domain, int type, int protocol, int sv[2]) {
  return static_cast<int>(
      Ret(::syscall(SYS_socketpair, domain, type, protocol, sv)));
}

}  // namespace simsock::sys
