/// \file
/// FaultySyscalls: a sys::Syscalls that injects syscall faults into the calls
/// it passes to another (the real kernel, or a simulated process). It asks a
/// SyscallInjector which fault a call gets and makes the fault show as Linux
/// would show it, leaving the kernel's state as Linux would leave it
/// (docs/faults.md, "Syscall faults", says what each fault does).
///
/// It lives in simsock::faults, not simsock::sys: sys is the pinned boundary
/// and knows no faults; this is one more backend built on it, in the library
/// that owns the fault rules.
///
/// Cost: with no rule that could hit a call, the call goes straight through.
/// Otherwise the decorator learns the fd's state from the inner backend
/// (fcntl F_GETFL, getsockopt SO_TYPE, getpeername) before asking.
///
/// State it keeps: epoll registrations made through it (to report a
/// spurious EAGAIN's fd again, see below) and the fds it reported reset.
/// Calls made on the inner object directly are not seen.
#pragma once

#include <map>
#include <set>

#include "simsock/faults/syscall_injector.h"
#include "simsock/net/sys/forwarding_syscalls.h"

namespace simsock::faults {

/// A Syscalls backend that passes every call to inner, failing some of them
/// as the injector's rules say, as Linux would fail them. The overrides
/// behave as Syscalls documents, plus the injected results (docs/faults.md,
/// "Syscall faults"). A call no rule can hit costs one lookup in the
/// injector; one a rule could hit costs up to three more inner calls (fcntl,
/// getsockopt, getpeername) to learn the fd's state.
///
/// The calls no fault kind names (bind, listen, shutdown, the socket
/// options and names, fcntl, the clock, resolve_ipv4, pipe2, eventfd2,
/// socketpair, the signal calls) are forwarded unchanged by ForwardingSyscalls.
/// A pipe's or an eventfd's reads and writes go through read() and write(),
/// whose Decide finds no socket: nothing is injected into them (docs/faults.md,
/// "Pipes and eventfds").
class FaultySyscalls final : public sys::ForwardingSyscalls {
 public:
  /// Faults injector's rules into inner's calls. Both must outlive this object.
  FaultySyscalls(sys::Syscalls& inner, SyscallInjector& injector)
      : ForwardingSyscalls(inner), injector_(injector) {}

  /// The backend calls go to.
  using ForwardingSyscalls::inner;
  /// The rules and the record of what was injected.
  SyscallInjector& injector() const { return injector_; }

  int socket(int domain, int type, int protocol) override;
  int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) override;
  int connect(int fd, const sockaddr* addr, socklen_t addrlen) override;
  ssize_t read(int fd, void* buf, size_t count) override;
  ssize_t write(int fd, const void* buf, size_t count) override;
  ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* src_addr,
                   socklen_t* addrlen) override;
  ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                 const sockaddr* dest_addr, socklen_t addrlen) override;
  /// recvmsg(2) with the receive faults of read and recvfrom (eintr, short:
  /// the iovecs cut to the shorter length, eagain, econnreset).
  ssize_t recvmsg(int fd, msghdr* msg, int flags) override;
  int close(int fd) override;
  int epoll_create1(int flags) override;
  int epoll_ctl(int epfd, int op, int fd, epoll_event* event) override;
  int epoll_wait(int epfd, epoll_event* events, int maxevents,
                 int timeout_ms) override;
  int nanosleep_ns(int64_t ns) override;
  int epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                   const timespec* timeout, const sigset_t* sigmask) override;
  // Vectored calls (readv, writev, sendmsg).
  /// readv(2) with the receive faults of read (eintr, short: the iovecs cut
  /// to the shorter length, eagain, econnreset).
  ssize_t readv(int fd, const iovec* iov, int iovcnt) override;
  /// writev(2) with the send faults of write (eintr, short, eagain,
  /// enobufs, enomem).
  ssize_t writev(int fd, const iovec* iov, int iovcnt) override;
  /// sendmsg(2) with the send faults of sendto.
  ssize_t sendmsg(int fd, const msghdr* msg, int flags) override;

  // poll, ppoll, select, pselect6 (issue 13)
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) override;
  int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
            const sigset_t* sigmask) override;
  int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
             timeval* timeout) override;
  int pselect6(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
               const timespec* timeout, const sigset_t* sigmask) override;

 private:
  // The fault for a call on fd (with MSG_* flags and a length), or none.
  std::optional<Hit> Decide(std::string_view call, int fd, int msg_flags,
                            size_t len);
  // The fault for a call on no fd (socket, epoll_create1, the waits).
  std::optional<Hit> DecideNoFd(std::string_view call, bool blocking);
  // Runs fn with fd switched to O_NONBLOCK (for connect and accept4).
  template <typename Fn>
  int Nonblocking(int fd, Fn fn);
  // Receive and send, with faults (read/write are recvfrom/sendto with no
  // address, as on a socket; recvmsg and readv are recvfrom into several
  // buffers, sendmsg and writev sendto from several). `real(n, extra)`
  // makes the call for at most n bytes with the MSG_* flags `extra` added
  // (a call that takes no flags makes its msg counterpart's instead).
  template <typename Real>
  ssize_t Receive(std::string_view call, int fd, size_t len, int flags,
                  Real real);
  template <typename Real>
  ssize_t Send(std::string_view call, int fd, size_t len, int flags, Real real);
  // epoll_wait / epoll_pwait2: `wait(zero)` calls the inner wait (with a
  // zero timeout when `zero`).
  template <typename Wait>
  int EpollWait(std::string_view call, int epfd, epoll_event* events,
                int maxevents, bool blocking, Wait wait);
  // poll, ppoll, select, pselect6 (faults/faulty_poll.cc): `wait(zero)`
  // makes the call (with a zero timeout when `zero`).
  template <typename Wait>
  int SignalledWait(std::string_view call, bool blocking, Wait wait);
  void Report(const Hit& hit, std::string_view call, std::string detail) {
    injector_.Report(hit, call, std::move(detail));
  }

  SyscallInjector& injector_;
  // epfd -> fd -> the event registered through this object.
  std::map<int, std::map<int, epoll_event>> registered_;
  // fd -> the events a spurious EAGAIN hid, reported by the next wait.
  std::map<int, uint32_t> owed_;
  // fds this object reported ECONNRESET on.
  std::set<int> reset_;
};

}  // namespace simsock::faults
