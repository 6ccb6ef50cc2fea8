/// \file
/// StreamTap: the sys::Syscalls a tapped program makes (RunContext::Tap).
/// Every call goes to `inner` unchanged, in the same order, with the same
/// arguments; the tap only looks at results: bytes a TCP socket's write
/// took and a read returned go to the StreamLedger (the "stream"
/// invariant), the bytes read to the summary. It makes no call of its own,
/// so a tapped program's trace is the untapped program's trace.
///
/// `inner` is usually the process itself; a decorator between them (a
/// test's deliberately corrupting one) is seen as the kernel.
#pragma once

#include <cstdint>

#include "simsock/experiment/stream_ledger.h"
#include "simsock/net/sys/syscalls.h"

namespace simsock::sim {
class Process;
}

namespace simsock::experiment {

/// A Syscalls that passes every call to inner unchanged and reports TCP
/// bytes written and read to a StreamLedger. Costs, per read or write of a
/// socket, a lookup of the fd in the process and a ledger update (a copy of
/// the bytes written until they are read).
class StreamTap final : public sys::Syscalls {
 public:
  /// `process` resolves fds to sockets; `bytes_read` (may be null) counts
  /// every byte a read of a socket returned.
  StreamTap(sys::Syscalls& inner, sim::Process& process, StreamLedger& ledger,
            uint64_t* bytes_read);

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
  /// recvmsg(2): the bytes returned, gathered from the iovecs, go to the
  /// ledger as a read's do.
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
  int epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                   const timespec* timeout, const sigset_t* sigmask) override;
  // Vectored calls (readv, writev, sendmsg).
  /// readv(2): the bytes returned, gathered from the iovecs, go to the
  /// ledger as a read's do.
  ssize_t readv(int fd, const iovec* iov, int iovcnt) override;
  /// writev(2): the bytes taken, from the iovecs in turn, go to the ledger
  /// as a write's do.
  ssize_t writev(int fd, const iovec* iov, int iovcnt) override;
  /// sendmsg(2): as writev, or (MSG_OOB) as sendto's urgent data.
  ssize_t sendmsg(int fd, const msghdr* msg, int flags) override;

  // --- pipes and eventfds
  /// pipe2(2), forwarded: a pipe carries no TCP stream bytes.
  int pipe2(int fds[2], int flags) override;
  /// eventfd2(2), forwarded.
  int eventfd2(unsigned int initval, int flags) override;

  // poll, ppoll, select, pselect6 (issue 13)
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) override;
  int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
            const sigset_t* sigmask) override;
  int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
             timeval* timeout) override;
  int pselect6(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
               const timespec* timeout, const sigset_t* sigmask) override;

  // AF_UNIX sockets (issue 13)
  /// socketpair(2), forwarded: the ledger follows TCP streams only (an
  /// AF_UNIX socket's bytes never cross the network).
  int socketpair(int domain, int type, int protocol, int sv[2]) override;

 private:
  // The connected TCP socket behind fd, registered with the ledger; null
  // for anything else (UDP, a listener, a socket not yet connected).
  const void* Stream(int fd);
  void Wrote(int fd, const void* buf, ssize_t n);
  void Read(int fd, const void* buf, ssize_t n);
  bool ReadInBand(int fd, int flags, ssize_t r);
  bool WroteInBand(int fd, int flags, ssize_t r);
  void ReadIovecs(int fd, const iovec* iov, size_t count, ssize_t r);
  void WroteIovecs(int fd, const iovec* iov, size_t count, ssize_t r);

  sys::Syscalls& inner_;
  sim::Process& process_;
  StreamLedger& ledger_;
  uint64_t* bytes_read_;
};

}  // namespace simsock::experiment
