/// \file
/// simsock::sys::LinuxSyscalls — the real Linux kernel behind the Syscalls
/// interface: a thin pass-through that converts errno to -errno at once.
/// Writes use MSG_NOSIGNAL semantics (SIGPIPE is never raised) while
/// SIGPIPE reads as ignored, as a simulated process starts: write() is sent
/// as send(MSG_NOSIGNAL) on sockets, and on a pipe made with SIGPIPE
/// blocked and the raised one discarded, so both backends return EPIPE.
/// Once sigaction gives SIGPIPE a handler (or its default), writes raise
/// it as Linux does.
#pragma once

#include "simsock/net/sys/syscalls.h"

namespace simsock::sys {

/// The real kernel behind Syscalls: each call is the Linux syscall of the same
/// name, its errno returned negated. Costs one real syscall per call (two for
/// resolve_ipv4's getaddrinfo, which may reach the network). Stateless but for
/// the epoll_pwait2 fallback; use one per thread.
class LinuxSyscalls final : public Syscalls {
 public:
  /// A backend on the calling process's kernel.
  LinuxSyscalls() = default;

  int socket(int domain, int type, int protocol) override;
  int bind(int fd, const sockaddr* addr, socklen_t addrlen) override;
  int listen(int fd, int backlog) override;
  int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) override;
  int connect(int fd, const sockaddr* addr, socklen_t addrlen) override;
  ssize_t read(int fd, void* buf, size_t count) override;
  ssize_t write(int fd, const void* buf, size_t count) override;
  ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* src_addr,
                   socklen_t* addrlen) override;
  ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                 const sockaddr* dest_addr, socklen_t addrlen) override;
  /// recvmsg(2) of the real kernel (see sys::Syscalls::recvmsg).
  ssize_t recvmsg(int fd, msghdr* msg, int flags) override;
  int shutdown(int fd, int how) override;
  int close(int fd) override;
  int getsockopt(int fd, int level, int optname, void* optval,
                 socklen_t* optlen) override;
  int setsockopt(int fd, int level, int optname, const void* optval,
                 socklen_t optlen) override;
  int getsockname(int fd, sockaddr* addr, socklen_t* addrlen) override;
  int getpeername(int fd, sockaddr* addr, socklen_t* addrlen) override;
  int fcntl(int fd, int cmd, long arg) override;
  int epoll_create1(int flags) override;
  int epoll_ctl(int epfd, int op, int fd, epoll_event* event) override;
  int epoll_wait(int epfd, epoll_event* events, int maxevents,
                 int timeout_ms) override;
  int64_t clock_gettime_ns() override;
  int nanosleep_ns(int64_t ns) override;
  int resolve_ipv4(std::string_view host,
                   std::vector<uint32_t>* addrs) override;
  /// Falls back to epoll_pwait, the timeout rounded up to a millisecond,
  /// where epoll_pwait2 is ENOSYS (kernels before 5.11, valgrind 3.19).
  int epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                   const timespec* timeout, const sigset_t* sigmask) override;
  // Vectored calls (readv, writev, sendmsg).
  /// readv(2) of the real kernel.
  ssize_t readv(int fd, const iovec* iov, int iovcnt) override;
  /// writev(2) of the real kernel, with SIGPIPE blocked for the call (and
  /// the one it raised taken back), as write() avoids it with MSG_NOSIGNAL.
  ssize_t writev(int fd, const iovec* iov, int iovcnt) override;
  /// sendmsg(2) of the real kernel, with MSG_NOSIGNAL.
  ssize_t sendmsg(int fd, const msghdr* msg, int flags) override;

  // --- pipes and eventfds
  int pipe2(int fds[2], int flags) override;
  int eventfd2(unsigned int initval, int flags) override;

  // poll, ppoll, select, pselect6 (issue 13)
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) override;
  int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
            const sigset_t* sigmask) override;
  int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
             timeval* timeout) override;
  int pselect6(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
               const timespec* timeout, const sigset_t* sigmask) override;

  // --- signals (issue 13)
  /// sigaction(2) with a counting handler. SIGPIPE reads as ignored until
  /// set: until then (and while it is ignored) writes keep MSG_NOSIGNAL
  /// semantics; once it has a handler or its default, sends and writes
  /// raise it as the real kernel does (MSG_NOSIGNAL only when asked).
  int sigaction(int sig, const SignalAction* act,
                SignalAction* oldact) override;
  /// The runs of the counting handler in this process.
  uint64_t signals_caught(int sig) override;
  /// pthread_sigmask(3) of the calling thread.
  int sigprocmask(int how, const sigset_t* set, sigset_t* oldset) override;
  /// sigpending(2).
  int sigpending(sigset_t* set) override;
  /// setitimer(2), the raw call.
  int setitimer(int which, const itimerval* new_value,
                itimerval* old_value) override;
  /// getitimer(2), the raw call.
  int getitimer(int which, itimerval* curr_value) override;
  /// kill(getpid(), sig).
  int kill_self(int sig) override;

  // AF_UNIX sockets (issue 13)
  /// socketpair(2) of the real kernel (the raw call: glibc's wrapper is the
  /// same, and EFAULT comes back as an errno).
  int socketpair(int domain, int type, int protocol, int sv[2]) override;

 private:
  bool no_epoll_pwait2_ = false;  // it failed with ENOSYS once
};

}  // namespace simsock::sys
