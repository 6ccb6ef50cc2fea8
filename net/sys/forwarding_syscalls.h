/// \file
/// A Syscalls that passes every call to another one unchanged: the base of
/// the decorators (experiment::StreamTap, the tests' corrupting and
/// recording layers), which override only the calls they change, so that a
/// call added to Syscalls is forwarded in one place.
#pragma once

#include "simsock/net/sys/syscalls.h"

namespace simsock::sys {

/// Forwards every call to `inner`, in order, with the same arguments and
/// result. A decorator derives from it and overrides what it observes or
/// changes; `inner()` reaches the next layer.
class ForwardingSyscalls : public Syscalls {
 public:
  /// Forwards to `inner`, which must outlive this object.
  explicit ForwardingSyscalls(Syscalls& inner) : inner_(inner) {}

  int socket(int domain, int type, int protocol) override {
    return inner_.socket(domain, type, protocol);
  }
  int bind(int fd, const sockaddr* addr, socklen_t addrlen) override {
    return inner_.bind(fd, addr, addrlen);
  }
  int listen(int fd, int backlog) override {
    return inner_.listen(fd, backlog);
  }
  int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) override {
    return inner_.accept4(fd, addr, addrlen, flags);
  }
  int connect(int fd, const sockaddr* addr, socklen_t addrlen) override {
    return inner_.connect(fd, addr, addrlen);
  }
  ssize_t read(int fd, void* buf, size_t count) override {
    return inner_.read(fd, buf, count);
  }
  ssize_t write(int fd, const void* buf, size_t count) override {
    return inner_.write(fd, buf, count);
  }
  ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* src_addr,
                   socklen_t* addrlen) override {
    return inner_.recvfrom(fd, buf, len, flags, src_addr, addrlen);
  }
  ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                 const sockaddr* dest_addr, socklen_t addrlen) override {
    return inner_.sendto(fd, buf, len, flags, dest_addr, addrlen);
  }
  ssize_t recvmsg(int fd, msghdr* msg, int flags) override {
    return inner_.recvmsg(fd, msg, flags);
  }
  int shutdown(int fd, int how) override { return inner_.shutdown(fd, how); }
  int close(int fd) override { return inner_.close(fd); }
  int getsockopt(int fd, int level, int optname, void* optval,
                 socklen_t* optlen) override {
    return inner_.getsockopt(fd, level, optname, optval, optlen);
  }
  int setsockopt(int fd, int level, int optname, const void* optval,
                 socklen_t optlen) override {
    return inner_.setsockopt(fd, level, optname, optval, optlen);
  }
  int getsockname(int fd, sockaddr* addr, socklen_t* addrlen) override {
    return inner_.getsockname(fd, addr, addrlen);
  }
  int getpeername(int fd, sockaddr* addr, socklen_t* addrlen) override {
    return inner_.getpeername(fd, addr, addrlen);
  }
  int fcntl(int fd, int cmd, long arg) override {
    return inner_.fcntl(fd, cmd, arg);
  }
  int epoll_create1(int flags) override { return inner_.epoll_create1(flags); }
  int epoll_ctl(int epfd, int op, int fd, epoll_event* event) override {
    return inner_.epoll_ctl(epfd, op, fd, event);
  }
  int epoll_wait(int epfd, epoll_event* events, int maxevents,
                 int timeout_ms) override {
    return inner_.epoll_wait(epfd, events, maxevents, timeout_ms);
  }
  int64_t clock_gettime_ns() override { return inner_.clock_gettime_ns(); }
  int nanosleep_ns(int64_t ns) override { return inner_.nanosleep_ns(ns); }
  int resolve_ipv4(std::string_view host,
                   std::vector<uint32_t>* addrs) override {
    return inner_.resolve_ipv4(host, addrs);
  }
  int epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                   const timespec* timeout, const sigset_t* sigmask) override {
    return inner_.epoll_pwait2(epfd, events, maxevents, timeout, sigmask);
  }
  int pipe2(int fds[2], int flags) override { return inner_.pipe2(fds, flags); }
  int eventfd2(unsigned int initval, int flags) override {
    return inner_.eventfd2(initval, flags);
  }
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) override {
    return inner_.poll(fds, nfds, timeout_ms);
  }
  int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
            const sigset_t* sigmask) override {
    return inner_.ppoll(fds, nfds, timeout, sigmask);
  }
  int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
             timeval* timeout) override {
    return inner_.select(nfds, readfds, writefds, exceptfds, timeout);
  }
  int pselect6(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
               const timespec* timeout, const sigset_t* sigmask) override {
    return inner_.pselect6(nfds, readfds, writefds, exceptfds, timeout,
                           sigmask);
  }
  ssize_t readv(int fd, const iovec* iov, int iovcnt) override {
    return inner_.readv(fd, iov, iovcnt);
  }
  ssize_t writev(int fd, const iovec* iov, int iovcnt) override {
    return inner_.writev(fd, iov, iovcnt);
  }
  ssize_t sendmsg(int fd, const msghdr* msg, int flags) override {
    return inner_.sendmsg(fd, msg, flags);
  }
  int sigaction(int sig, const SignalAction* act,
                SignalAction* oldact) override {
    return inner_.sigaction(sig, act, oldact);
  }
  uint64_t signals_caught(int sig) override {
    return inner_.signals_caught(sig);
  }
  int sigprocmask(int how, const sigset_t* set, sigset_t* oldset) override {
    return inner_.sigprocmask(how, set, oldset);
  }
  int sigpending(sigset_t* set) override { return inner_.sigpending(set); }
  int setitimer(int which, const itimerval* new_value,
                itimerval* old_value) override {
    return inner_.setitimer(which, new_value, old_value);
  }
  int getitimer(int which, itimerval* curr_value) override {
    return inner_.getitimer(which, curr_value);
  }
  int kill_self(int sig) override { return inner_.kill_self(sig); }
  int socketpair(int domain, int type, int protocol, int sv[2]) override {
    return inner_.socketpair(domain, type, protocol, sv);
  }

 protected:
  /// The layer every call goes to.
  Syscalls& inner() const { return inner_; }

 private:
  Syscalls& inner_;
};

}  // namespace simsock::sys
