// Process: one process of the simulated kernel. It implements
// sys::Syscalls over its host as Linux's syscall layer (__sys_*): it
// resolves fds in its FdTable, copies arguments in and out with Linux's
// checks (EFAULT, EINVAL, in Linux's order), applies the process's
// injected faults, calls the socket or epoll object, traces the call, and
// finishes the step (loopback packets are processed before a call
// returns). Syscalls are in process.cc, process_io.cc (read, write,
// recvfrom, sendto) and process_epoll.cc.
//
// Blocking: the objects' loops (a socket's recvmsg, an epoll's wait) wait
// through the process, which is their Waiter. Inside a simulated thread
// (Spawn), the thread parks on the object's wait queue and the world goes
// on with other threads and with time; it is woken by the object or by its
// timeout (SO_RCVTIMEO, SO_SNDTIMEO, epoll_wait's timeout, nanosleep).
// Called from the test's own code (no simulated thread), the call runs the
// world forward itself (World::RunUntil) until the object is woken or the
// timeout passes; if nothing could ever wake it (no pending event at all)
// it returns what a nonblocking call would and the trace says "deadlock".
// A blocking call from inside an event callback (neither) cannot wait and
// returns the nonblocking result.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/vfs/fd_table.h"
#include "simsock/sim/vfs/waiter.h"

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
class Process final : public sys::Syscalls, private Waiter {
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
  // A syscall's own references to the files it works on (fdget): while a
  // call is in progress, close() of the fd by another thread does not make
  // it the last close; the call's end does, after its trace line. So a
  // read blocked in one thread is not woken by close() in another, as on
  // Linux (docs/semantics.md §2.6).
  class CallFiles {
   public:
    CallFiles() = default;
    ~CallFiles() {
      for (auto& f : files_) f->DropFdRef();
    }
    CallFiles(const CallFiles&) = delete;
    CallFiles& operator=(const CallFiles&) = delete;
    void Hold(std::shared_ptr<File> f) {
      f->AddFdRef();
      files_.push_back(std::move(f));
    }

   private:
    std::vector<std::shared_ptr<File>> files_;
  };

  // One syscall: body(files) computes the result (argument checks, the
  // object's call); then the call's trace line "call(args) = result" is
  // written and the step finished (TraceCall), and only then are the
  // call's file references dropped.
  template <typename T, typename Body>
  T Syscall(const char* call, const std::function<std::string()>& args,
            Body&& body) {
    CallFiles files;
    const T result = body(files);
    TraceCall(call, args, static_cast<long>(result));
    return result;
  }
  void TraceCall(const char* call, const std::function<std::string()>& args,
                 long result);

  // Waiter, for the objects' loops.
  Result Wait(File& file, Time deadline, const char* call) override;
  Time Now() const override;
  Time JiffiesDeadline(int64_t jiffies) const override;
  void DrainImmediate() override;

  // Resolves fd to a socket: -EBADF or -ENOTSOCK.
  int LookupSocket(int fd, std::shared_ptr<Socket>* out) const;
  // True (and traced) with probability p, from the "fault.syscall" stream.
  bool Inject(double p, const std::string& what);
  // A stream read or write of len bytes cut short by an injected fault:
  // the new length (1..len-1), or len.
  size_t ShortIo(size_t len, const char* what);
  // epoll_wait and epoll_pwait2: `timeout` < 0 waits forever.
  int EpollWait(int epfd, epoll_event* events, int maxevents, Duration timeout,
                const char* call, const std::function<std::string()>& args);
  // __sys_recvfrom and __sys_sendto, which read/write share (is_read:
  // sock_read_iter's rules).
  ssize_t SysRecvFrom(CallFiles& files, int fd, void* buf, size_t len,
                      int flags, sockaddr* addr, socklen_t* addrlen,
                      bool is_read);
  ssize_t SysSendTo(CallFiles& files, int fd, const void* buf, size_t len,
                    int flags, const sockaddr* addr, socklen_t addrlen);

  Host& host_;
  World& world_;
  int pid_;
  FdTable fds_;
  SyscallFaults faults_;
  bool dead_ = false;
};

}  // namespace simsock::sim
