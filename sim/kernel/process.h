// Process: one process of the simulated kernel. It implements
// sys::Syscalls over its host: it resolves fds in its FdTable, copies
// arguments in and out with Linux's checks (EFAULT, EINVAL, in Linux's
// order), calls the socket or epoll object, traces the call, and finishes
// the step (loopback packets are processed before a call returns).
//
// Blocking: a call on a blocking socket that cannot complete waits, as in
// a kernel. Inside a simulated thread (Spawn), the thread parks on the
// object's wait queue and the world goes on with other threads and with
// time; it is woken by the object or by its timeout (SO_RCVTIMEO,
// SO_SNDTIMEO, epoll_wait's timeout, nanosleep). Called from the test's own
// code (no simulated thread), the call runs the world forward itself until
// the object is woken or the timeout passes; if nothing could ever wake it
// (no pending event at all) it returns what a nonblocking call would and
// the trace says "deadlock". A blocking call from inside an event callback
// (neither) cannot wait and returns the nonblocking result.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/vfs/fd_table.h"

namespace simsock::sim {

class Host;
class Socket;
class World;

// Syscall faults for one process, each a probability per opportunity, all
// within the calls' contracts (FoundationDB's "buggify" idea): code that
// survives them survives a real kernel. Drawn from the world's
// "fault.syscall" stream and traced ("fault: ...").
struct SyscallFaults {
  double eintr = 0;     // a call about to block returns EINTR (or its progress)
  double short_io = 0;  // a stream read or write moves fewer bytes (>= 1)
  double enobufs = 0;   // a UDP send fails with ENOBUFS (nothing sent)
  double emfile = 0;    // socket, accept4, epoll_create1 fail with EMFILE
};
class Process final : public sys::Syscalls {
 public:
  Process(Host& host, int pid);
  ~Process() override;

  Host& host() const { return host_; }
  int pid() const { return pid_; }
  FdTable& fds() { return fds_; }
  // The socket behind fd, or null (for tests and tools).
  Socket* SocketAt(int fd) const;

  // The process dies with its host (Host::Crash): every fd is dropped
  // without a word on the wire; later it has no fds (EBADF) and cannot
  // create any (ESRCH).
  void Kill();
  bool dead() const { return dead_; }

  // Injects syscall faults from now on (all zero: none).
  void SetFaults(const SyscallFaults& faults) { faults_ = faults; }
  const SyscallFaults& faults() const { return faults_; }

  // Starts a simulated thread of this process running fn (which makes its
  // syscalls on this Process). It first runs at the next scheduling point
  // (after the current step). Returns its thread id.
  int Spawn(std::function<void()> fn, std::string name = "");

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

 private:
  // SO_LINGER with a timeout: close() waits for the FIN to be acknowledged.
  void LingerOnClose(File& f);
  // Resolves fd to a socket: -EBADF or -ENOTSOCK.
  int LookupSocket(int fd, std::shared_ptr<Socket>* out) const;
  // How a wait ended.
  enum class Wait { kWoken, kTimedOut, kInterrupted };
  // Parks the current simulated thread (or, for test code, runs the world)
  // until `file` is woken or `deadline` passes; an injected EINTR ends it
  // at once. kTimedOut also covers a deadlock.
  Wait WaitOn(File& file, Time deadline, const char* call);
  // True (and traced) with probability p, from the "fault.syscall" stream.
  bool Inject(double p, const std::string& what);
  // Runs the world until `deadline`; false if it is kNever and nothing
  // is pending.
  bool WaitUntil(const std::function<bool()>& done, Time deadline,
                 const char* call);
  // The end of a socket timeout kept in jiffies (-1 = never).
  Time Deadline(int64_t jiffies) const;
  // epoll_wait and epoll_pwait2: `timeout` < 0 waits forever.
  int EpollWait(int epfd, epoll_event* events, int maxevents, Duration timeout,
                const char* call, const std::function<std::string()>& args);
  ssize_t DoRecv(int fd, void* buf, size_t len, int flags, sockaddr* addr,
                 socklen_t* addrlen, bool is_read);
  ssize_t DoSend(int fd, const void* buf, size_t len, int flags,
                 const sockaddr* addr, socklen_t addrlen);
  // Traces "call(args) = result" and completes the step.
  template <typename T>
  T Done(T result, const char* call, const std::function<std::string()>& args);

  Host& host_;
  World& world_;
  int pid_;
  FdTable fds_;
  SyscallFaults faults_;
  bool dead_ = false;
};

}  // namespace simsock::sim
