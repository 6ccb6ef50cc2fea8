/// \file
/// simsock::sys::Syscalls — the pinned syscall boundary.
///
/// One object is one process's view of a kernel. Every method has the Linux
/// name and signature and returns in the raw kernel convention: a
/// non-negative result, or a negated Linux errno (-EAGAIN). Nothing throws and
/// nothing touches the global errno. Constants and structs are the system's
/// own (AF_INET, sockaddr_in, epoll_event, MSG_*, SO_*, TCP_*), so code moves
/// between backends without translation.
///
/// Backends: LinuxSyscalls (net/sys/linux_syscalls.h), the real kernel; and
/// sim::Process (sim/kernel/process.h), one process of a simulated kernel.
///
/// Threading: an object is used from one thread at a time (in the simulator,
/// one simulated thread of the owning process at a time).
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

/// The syscall boundary: the Syscalls interface, its real-kernel backend
/// (LinuxSyscalls), and names of Linux constants for traces.
namespace simsock::sys {

/// One process's view of a kernel: the Linux socket calls the net layer
/// and the tests make, each with Linux's name and signature, returning a
/// non-negative result or a negated errno (-EAGAIN). Implemented by
/// LinuxSyscalls (the real kernel) and sim::Process (a simulated one). A
/// call costs one virtual call plus the backend's work (one real syscall for
/// LinuxSyscalls).
class Syscalls {
 public:
  virtual ~Syscalls() = default;

  /// socket(2). Errors: EAFNOSUPPORT (domain), EINVAL (type or flag bits),
  /// EPROTONOSUPPORT (protocol), ESOCKTNOSUPPORT, EMFILE.
  virtual int socket(int domain, int type, int protocol) = 0;
  /// bind(2). Errors: EBADF, ENOTSOCK, EINVAL (addrlen, already bound),
  /// EFAULT, EAFNOSUPPORT, EADDRNOTAVAIL, EADDRINUSE, EACCES.
  virtual int bind(int fd, const sockaddr* addr, socklen_t addrlen) = 0;
  /// listen(2). Errors: EBADF, ENOTSOCK, EOPNOTSUPP (UDP), EINVAL
  /// (connected), EADDRINUSE.
  virtual int listen(int fd, int backlog) = 0;
  /// accept4(2). Errors: EBADF, ENOTSOCK, EOPNOTSUPP, EINVAL (not listening,
  /// flags, negative *addrlen), EFAULT, EAGAIN, EMFILE.
  virtual int accept4(int fd, sockaddr* addr, socklen_t* addrlen,
                      int flags) = 0;
  /// connect(2). Errors: EBADF, ENOTSOCK, EINVAL, EFAULT, EAFNOSUPPORT,
  /// EINPROGRESS, EALREADY, EISCONN, ECONNREFUSED, ECONNABORTED, ETIMEDOUT,
  /// EADDRNOTAVAIL.
  virtual int connect(int fd, const sockaddr* addr, socklen_t addrlen) = 0;
  /// read(2): the byte count (0 at end of stream), or -EAGAIN, -ENOTCONN,
  /// -ECONNRESET, -ECONNREFUSED, -ETIMEDOUT, -EFAULT, -EBADF.
  virtual ssize_t read(int fd, void* buf, size_t count) = 0;
  /// write(2): the byte count, or -EAGAIN, -ENOTCONN, -ECONNRESET,
  /// -ETIMEDOUT, -EPIPE (with a SIGPIPE unless it is ignored: sigaction),
  /// -EFAULT, -EBADF.
  virtual ssize_t write(int fd, const void* buf, size_t count) = 0;
  /// recvfrom(2) with MSG_PEEK, MSG_DONTWAIT, MSG_TRUNC, MSG_WAITALL: the
  /// byte count (the datagram's full length with MSG_TRUNC), the sender in
  /// *src_addr if given; errors as read().
  virtual ssize_t recvfrom(int fd, void* buf, size_t len, int flags,
                           sockaddr* src_addr, socklen_t* addrlen) = 0;
  /// sendto(2) with MSG_DONTWAIT, MSG_NOSIGNAL: the byte count; errors as
  /// write(), and for UDP -EDESTADDRREQ (no address, not connected),
  /// -EMSGSIZE (datagram too large), -EACCES (broadcast without
  /// SO_BROADCAST).
  virtual ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                         const sockaddr* dest_addr, socklen_t addrlen) = 0;
  /// recvmsg(2): recvfrom into msg->msg_iov's buffers in turn, with the
  /// source address in msg_name (UDP; msg_namelen is written back: 16, or
  /// 0 for TCP) and control messages in msg_control (msg_controllen is
  /// written back as the bytes used). On success msg_flags is set:
  /// MSG_TRUNC when a datagram was longer than the buffers, MSG_CTRUNC
  /// when a control message did not fit, MSG_ERRQUEUE for MSG_ERRQUEUE.
  /// Control messages: (SOL_TCP, TCP_CM_INQ, int) on a TCP socket with
  /// TCP_INQ on, after every successful call: the bytes still queued, or
  /// 1 once the peer's FIN has arrived and nothing is left (Linux's
  /// tcp_inq_hint). Flags as recvfrom. Errors: those of recvfrom, plus
  /// EFAULT (msg null, or msg_iov null with msg_iovlen > 0), EINVAL
  /// (negative msg_namelen, MSG_CMSG_COMPAT), EMSGSIZE (msg_iovlen over
  /// UIO_MAXIOV, 1024). On an error nothing in *msg is written.
  virtual ssize_t recvmsg(int fd, msghdr* msg, int flags) = 0;
  /// shutdown(2): EINVAL (how), ENOTCONN (flags still set, as Linux).
  virtual int shutdown(int fd, int how) = 0;
  /// close(2): EBADF.
  virtual int close(int fd) = 0;
  /// getsockopt(2): 0, or -EFAULT, -EINVAL, -ENOPROTOOPT (an option the
  /// backend does not know), -EOPNOTSUPP, -EBADF, -ENOTSOCK.
  virtual int getsockopt(int fd, int level, int optname, void* optval,
                         socklen_t* optlen) = 0;
  /// setsockopt(2): 0, or the errors of getsockopt().
  virtual int setsockopt(int fd, int level, int optname, const void* optval,
                         socklen_t optlen) = 0;
  /// getsockname(2): 0, or -EFAULT, -EINVAL, -EBADF, -ENOTSOCK.
  virtual int getsockname(int fd, sockaddr* addr, socklen_t* addrlen) = 0;
  /// getpeername(2): 0, or -ENOTCONN (no peer), -EFAULT, -EINVAL, -EBADF,
  /// -ENOTSOCK.
  virtual int getpeername(int fd, sockaddr* addr, socklen_t* addrlen) = 0;
  /// fcntl(2) with F_GETFL / F_SETFL (O_NONBLOCK) and F_GETFD / F_SETFD.
  virtual int fcntl(int fd, int cmd, long arg) = 0;
  /// epoll_create1(2): a new epoll fd, or -EINVAL (flags), -EMFILE.
  virtual int epoll_create1(int flags) = 0;
  /// epoll_ctl(2): 0, or -EINVAL, -EBADF, -EEXIST (ADD twice), -ENOENT (MOD
  /// or DEL of an fd not added), -EPERM (an fd epoll cannot watch), -ELOOP,
  /// -EFAULT.
  virtual int epoll_ctl(int epfd, int op, int fd, epoll_event* event) = 0;
  /// epoll_wait(2): the number of ready events (0 on timeout), blocking up
  /// to timeout_ms (-1 forever; in the simulator the calling simulated
  /// thread parks and virtual time moves on), or -EINVAL, -EBADF, -EINTR,
  /// -EFAULT.
  virtual int epoll_wait(int epfd, epoll_event* events, int maxevents,
                         int timeout_ms) = 0;
  /// CLOCK_MONOTONIC in nanoseconds (virtual time in the simulator).
  virtual int64_t clock_gettime_ns() = 0;
  /// Sleeps ns nanoseconds: 0, or -EINTR / -EINVAL.
  virtual int nanosleep_ns(int64_t ns) = 0;

  // --- Added calls (the interface may grow; docs/design.md) -------------

  /// Resolves a host name to its IPv4 addresses (host byte order), as
  /// getaddrinfo(AF_INET) does on Linux; in the simulator through the world's
  /// name table (every host's name, plus "localhost"). A numeric host resolves
  /// to itself on both backends, read as getaddrinfo reads it: inet_aton's
  /// forms ("127.1", "0x7f.1", "0177.0.0.1", "4294967295"; no whitespace
  /// anywhere) and IPv4-mapped IPv6 literals; an IPv6 literal of no IPv4
  /// address is -ENOENT. Returns 0, or -ENOENT when the name is unknown (Go's
  /// "no such host"), -EAGAIN for a temporary failure.
  virtual int resolve_ipv4(std::string_view host,
                           std::vector<uint32_t>* addrs) = 0;
  /// epoll_pwait2(2): epoll_wait with a nanosecond timeout (null = wait
  /// forever). The simulator ignores sigmask.
  virtual int epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                           const timespec* timeout,
                           const sigset_t* sigmask) = 0;

  // --- pipes and eventfds (issue 13's wake-up fds) -----------------------

  /// pipe2(2): a pipe, its read end in fds[0] (O_RDONLY) and its write end
  /// in fds[1] (O_WRONLY), with O_NONBLOCK on both, FD_CLOEXEC on both and
  /// packet mode (O_DIRECT) as flags say. Returns 0, or -EINVAL (other
  /// flags), -EFAULT (fds null; no fd is left open), -EMFILE, and in the
  /// simulator -ENOPKG for O_NOTIFICATION_PIPE (docs/semantics.md, "Pipes
  /// and eventfds"). A write with no reader is -EPIPE, and SIGPIPE unless
  /// it is ignored (a simulated process starts with it ignored: sigaction).
  virtual int pipe2(int fds[2], int flags) = 0;
  /// eventfd2(2): an eventfd whose counter starts at initval, with
  /// EFD_NONBLOCK, EFD_CLOEXEC, EFD_SEMAPHORE as flags say. Returns the
  /// new fd, or -EINVAL (other flag bits), -EMFILE.
  virtual int eventfd2(unsigned int initval, int flags) = 0;

  // --- poll, ppoll, select, pselect6 (issue 13) ---------------------------

  /// poll(2): fills each entry's revents (the file's readiness masked by
  /// events | POLLERR | POLLHUP; POLLNVAL for an fd not open; 0 for a
  /// negative fd) and returns how many entries have revents set (0 on
  /// timeout), waiting up to timeout_ms (< 0: forever; 0: no wait; in the
  /// simulator the calling simulated thread parks and virtual time moves
  /// on). Errors: EINVAL (nfds over RLIMIT_NOFILE), EFAULT, EINTR.
  virtual int poll(pollfd* fds, nfds_t nfds, int timeout_ms) = 0;
  /// ppoll(2): poll with a nanosecond timeout (null: forever), left
  /// unchanged as glibc's ppoll leaves it. Errors: those of poll, and
  /// EINVAL for a negative timeout or tv_nsec outside [0, 1e9). The
  /// simulator ignores sigmask.
  virtual int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
                    const sigset_t* sigmask) = 0;
  /// select(2), the kernel's call (not glibc's emulation): each non-null
  /// set is rewritten with only its ready fds (readable: POLLIN_SET,
  /// writable: POLLOUT_SET, exceptional: POLLPRI); returns the number of
  /// bits set over the three sets (0 on timeout). nfds above the fd
  /// table's size is cut to it. A non-null *timeout (null: forever) gets
  /// the time left written back, as Linux does. Errors: EINVAL (nfds < 0,
  /// a negative timeout), EBADF (a set names an fd not open), EFAULT,
  /// EINTR; on an error the sets are left as they were.
  virtual int select(int nfds, fd_set* readfds, fd_set* writefds,
                     fd_set* exceptfds, timeval* timeout) = 0;
  /// pselect6(2): select with a nanosecond timeout (null: forever), which
  /// is left unchanged as glibc's pselect leaves it; errors as select, and
  /// EINVAL for tv_nsec outside [0, 1e9). The simulator ignores sigmask.
  virtual int pselect6(int nfds, fd_set* readfds, fd_set* writefds,
                       fd_set* exceptfds, const timespec* timeout,
                       const sigset_t* sigmask) = 0;

  // Vectored calls (readv, writev, sendmsg).
  /// readv(2): read() into iov's iovcnt buffers in turn (empty ones
  /// skipped): the byte count (0 at end of stream, and 0 at once, without
  /// touching the file, when the buffers hold no bytes). Errors: those of
  /// read(), plus -EINVAL (iovcnt negative or over UIO_MAXIOV, 1024; an
  /// iov_len negative as ssize_t with more than one iovec), -EFAULT (iov
  /// null with iovcnt > 0). The total is capped at MAX_RW_COUNT.
  virtual ssize_t readv(int fd, const iovec* iov, int iovcnt) = 0;
  /// writev(2): write() of iov's buffers in turn, as one write (a UDP
  /// socket sends one datagram of them all): the byte count, or the
  /// errors of write() (-EPIPE with a SIGPIPE unless it is ignored)
  /// and of readv() for the vector.
  virtual ssize_t writev(int fd, const iovec* iov, int iovcnt) = 0;
  /// sendmsg(2): sendto() of msg->msg_iov's buffers as one send, to
  /// msg_name (msg_namelen bytes, cut to 128; a null name or a length of
  /// 0 is no address), with control messages in msg_control (TCP reads
  /// the SOL_SOCKET ones; UDP also IP_TTL, IP_TOS, IP_PKTINFO). Flags as
  /// sendto (MSG_NOSIGNAL as sendto's: no SIGPIPE on EPIPE). Errors: those of
  /// sendto, plus -EFAULT (msg null, msg_iov null with msg_iovlen > 0,
  /// msg_control null with msg_controllen > 0), -EINVAL (negative
  /// msg_namelen, MSG_CMSG_COMPAT, a malformed or refused control
  /// message), -EMSGSIZE (msg_iovlen over 1024), -ENOBUFS
  /// (msg_controllen over INT_MAX, or over net.core.optmem_max).
  virtual ssize_t sendmsg(int fd, const msghdr* msg, int flags) = 0;

  // --- signals (issue 13): dispositions, the blocked mask, ITIMER_REAL and
  // kill to itself (docs/semantics.md, "Signals") -------------------------

  /// What a signal does when delivered (sigaction's sa_handler): its
  /// default action, nothing, or a handler that counts its runs (read with
  /// signals_caught), so a test observes delivery without code of its own
  /// in a signal handler.
  struct SignalAction {
    /// The disposition.
    enum class Kind {
      kDefault,  ///< SIG_DFL: the signal's default action (Linux's table)
      kIgnore,   ///< SIG_IGN: discarded when generated
      kCount     ///< a handler that adds 1 to the signal's count
    };
    Kind kind = Kind::kDefault;  ///< the disposition
    /// sa_flags: SA_RESTART (a call it interrupts restarts where Linux
    /// restarts it) and SA_RESETHAND; others are -EINVAL.
    int flags = 0;
  };
  /// sigaction(2) for the handlers a test observes: sets sig's disposition
  /// to *act (null: unchanged), the previous one in *oldact (null: not
  /// wanted). Errors: EINVAL (sig outside [1, 64], SIGKILL or SIGSTOP with
  /// an act, unknown flags). The simulator's processes start with SIGPIPE
  /// ignored (docs/semantics.md D8); a program under simsock exec, and the
  /// real kernel, with every signal at its default.
  virtual int sigaction(int sig, const SignalAction* act,
                        SignalAction* oldact) = 0;
  /// How many times the counting handler of sig has run in this process
  /// (0 for a signal outside [1, 64]).
  virtual uint64_t signals_caught(int sig) = 0;
  /// rt_sigprocmask(2) of the calling thread: how is SIG_BLOCK,
  /// SIG_UNBLOCK or SIG_SETMASK (SIGKILL and SIGSTOP are never blocked);
  /// the old mask in *oldset. A signal pending and unblocked is delivered
  /// before the call returns. Errors: EINVAL (how).
  virtual int sigprocmask(int how, const sigset_t* set, sigset_t* oldset) = 0;
  /// sigpending(2): the signals pending for the thread or its process.
  virtual int sigpending(sigset_t* set) = 0;
  /// setitimer(2): ITIMER_REAL sends SIGALRM after it_value (0: disarm),
  /// then every it_interval; the old setting in *old_value. ITIMER_VIRTUAL
  /// and ITIMER_PROF are accepted; in the simulator no CPU time passes, so
  /// they never fire (docs/semantics.md D30). Errors: EINVAL (which,
  /// tv_usec outside [0, 999999], a negative tv_sec), EFAULT.
  virtual int setitimer(int which, const itimerval* new_value,
                        itimerval* old_value) = 0;
  /// getitimer(2): the time left (truncated to microseconds, 1 us when
  /// the timer is due but its signal not yet sent) and the interval.
  /// Errors: EINVAL (which), EFAULT.
  virtual int getitimer(int which, itimerval* curr_value) = 0;
  /// kill(getpid(), sig): sends sig to the calling process (0: only
  /// checks). An unblocked signal is delivered before the call returns.
  /// Errors: EINVAL (sig outside [0, 64]).
  virtual int kill_self(int sig) = 0;

  // AF_UNIX sockets (issue 13).
  /// socketpair(2): two connected sockets in sv[0] and sv[1]. The simulator
  /// has AF_UNIX SOCK_STREAM (with SOCK_NONBLOCK / SOCK_CLOEXEC); other
  /// types are EOPNOTSUPP there (docs/semantics.md §10). Errors: EAFNOSUPPORT
  /// (a family without pairs, AF_INET: EOPNOTSUPP), EINVAL (flags),
  /// EPROTONOSUPPORT (a protocol other than 0), EMFILE, EFAULT (sv null;
  /// nothing stays open).
  virtual int socketpair(int domain, int type, int protocol, int sv[2]) = 0;
};

}  // namespace simsock::sys
