/// \file
/// Process: one process of the simulated kernel. It implements
/// sys::Syscalls over its host as Linux's syscall layer (__sys_*): it
/// resolves fds in its FdTable, copies arguments in and out with Linux's
/// checks (EFAULT, EINVAL, in Linux's order), applies the process's
/// injected faults, calls the socket or epoll object, traces the call, and
/// finishes the step (loopback packets are processed before a call
/// returns). Syscalls are in process.cc, process_io.cc (read, write,
/// recvfrom, sendto), process_iov.cc (readv, writev,
/// sendmsg), process_msg.cc (recvmsg), process_dup.cc, process_epoll.cc,
/// process_poll.cc (poll, select), process_pipe.cc (pipe2, eventfd2),
/// process_signal.cc (signals, interval timers) and process_unix.cc (AF_UNIX,
/// socketpair); the fault injection's own part in process_faults.cc.
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
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "simsock/faults/syscall_injector.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/base/io_span.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/send_control.h"
#include "simsock/sim/kernel/signal_state.h"
#include "simsock/sim/kernel/trace_args.h"
#include "simsock/sim/vfs/fd_table.h"
#include "simsock/sim/vfs/waiter.h"

namespace simsock::sim {

struct Endpoint;
class Host;
class RandomStream;
class PipeEnd;
class Socket;
class UnixSocket;
class World;

/// The older form of syscall faults for one process, each a probability
/// per opportunity (FoundationDB's "buggify" idea): Process::SetFaults makes
/// them injector rules of the kinds eintr, short, enobufs and emfile, which
/// the fault plan's `syscall` events also use (docs/faults.md).
struct SyscallFaults {
  double eintr = 0;  ///< a call about to block returns EINTR (or its progress)
  double short_io = 0;  ///< a stream read or write moves fewer bytes (>= 1)
  double enobufs = 0;   ///< a UDP send fails with ENOBUFS (nothing sent)
  double emfile = 0;    ///< socket, accept4, epoll_create1 fail with EMFILE
};
/// One process of the simulated kernel: sys::Syscalls over its host (see the
/// file comment). Every call returns >= 0 or a negated errno, as sys::Syscalls
/// documents, and writes one trace line. Made by Host::SpawnProcess, owned by
/// its host; used from one simulated thread (or the test's code) at a time.
class Process final : public sys::Syscalls, private Waiter {
 public:
  /// Process `pid` of `host`, with fds 0, 1 and 2 open on the null device.
  /// Use Host::SpawnProcess.
  Process(Host& host, int pid);
  /// Closes every fd still open.
  ~Process() override;

  /// The host the process runs on.
  Host& host() const { return host_; }
  /// The process id (1, 2, ... per host), as traces show it.
  int pid() const { return pid_; }
  /// The fd table (tests and tools).
  FdTable& fds() { return fds_; }
  /// The socket behind fd, or null (for tests and tools).
  Socket* SocketAt(int fd) const;

  /// The process dies with its host (Host::Crash): every fd is dropped
  /// without a word on the wire; later it has no fds (EBADF) and cannot
  /// create any (ESRCH).
  void Kill();
  /// Kill has run (the host crashed).
  bool dead() const { return dead_; }

  /// The process's syscall faults (docs/faults.md, "Syscall faults"): the
  /// injector holds the rules (a plan's, added and removed by ApplyPlan as
  /// its events begin and end, or SetFaults'), draws from the world's
  /// "fault.syscall" stream and decides by the table from the fd's real
  /// state; the process makes each fault show where Linux would: at the
  /// call's start (short, eagain, enobufs, enomem, emfile, enfile,
  /// econnaborted, econnreset) or as the call is about to sleep (eintr,
  /// spurious). Each fault is traced: "pid 2 fault: eintr in read (plan
  /// line 3): -EINTR".
  faults::SyscallInjector& injector() { return injector_; }

  /// Injects the older probabilities from now on (all zero: none), as
  /// injector rules that replace those of the previous SetFaults. Their
  /// faults keep the older trace wording ("pid 2 fault: EINTR in recv"),
  /// so that runs recorded with them replay (tools/trace_pins.sh).
  void SetFaults(const SyscallFaults& faults);
  /// The probabilities SetFaults last set.
  const SyscallFaults& faults() const { return faults_; }

  /// Starts a simulated thread of this process running fn (which makes its
  /// syscalls on this Process). It first runs at the next scheduling point
  /// (after the current step). Returns its thread id.
  int Spawn(std::function<void()> fn, std::string name = "");

  /// socket(2): a TcpSocket or UdpSocket in the lowest free fd.
  int socket(int domain, int type, int protocol) override;
  /// bind(2), with inet_bind's checks and the port table's rules.
  int bind(int fd, const sockaddr* addr, socklen_t addrlen) override;
  /// listen(2); the backlog is capped at somaxconn.
  int listen(int fd, int backlog) override;
  /// accept4(2); blocks (SO_RCVTIMEO) unless nonblocking.
  int accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) override;
  /// connect(2); a blocking TCP connect waits (SO_SNDTIMEO) for the handshake.
  int connect(int fd, const sockaddr* addr, socklen_t addrlen) override;
  /// read(2) on a socket (as recvfrom with no flags), the null device (0),
  /// a pipe end or an eventfd (their Read: docs/semantics.md §8).
  ssize_t read(int fd, void* buf, size_t count) override;
  /// write(2) on a socket (as sendto with no flags), the null device (all
  /// of it), a pipe end or an eventfd (their Write).
  ssize_t write(int fd, const void* buf, size_t count) override;
  /// recvfrom(2); blocks (SO_RCVTIMEO) unless nonblocking or MSG_DONTWAIT.
  ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* src_addr,
                   socklen_t* addrlen) override;
  /// sendto(2); a TCP send blocks (SO_SNDTIMEO) while the send buffer is full.
  ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                 const sockaddr* dest_addr, socklen_t addrlen) override;
  /// recvmsg(2) with Linux's checks, msg_name, msg_flags and the TCP_INQ
  /// control message (sim/kernel/process_msg.cc; docs/semantics.md §2.6).
  ssize_t recvmsg(int fd, msghdr* msg, int flags) override;
  /// shutdown(2).
  int shutdown(int fd, int how) override;
  /// close(2): the fd goes at once; the file closes with its last reference
  /// (SO_LINGER may wait).
  int close(int fd) override;
  /// getsockopt(2): SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, SOL_UDP options.
  int getsockopt(int fd, int level, int optname, void* optval,
                 socklen_t* optlen) override;
  /// setsockopt(2): SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, SOL_UDP options.
  int setsockopt(int fd, int level, int optname, const void* optval,
                 socklen_t optlen) override;
  /// getsockname(2).
  int getsockname(int fd, sockaddr* addr, socklen_t* addrlen) override;
  /// getpeername(2); -ENOTCONN without a peer.
  int getpeername(int fd, sockaddr* addr, socklen_t* addrlen) override;
  /// fcntl(2): F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD, F_DUPFD_CLOEXEC,
  /// and F_GETPIPE_SZ / F_SETPIPE_SZ on a pipe end.
  int fcntl(int fd, int cmd, long arg) override;
  /// epoll_create1(2).
  int epoll_create1(int flags) override;
  /// epoll_ctl(2).
  int epoll_ctl(int epfd, int op, int fd, epoll_event* event) override;
  /// epoll_wait(2); waits in virtual time.
  int epoll_wait(int epfd, epoll_event* events, int maxevents,
                 int timeout_ms) override;
  /// The world's virtual time, in nanoseconds.
  int64_t clock_gettime_ns() override;
  /// Sleeps ns of virtual time (-EINTR if an injected signal ends it).
  int nanosleep_ns(int64_t ns) override;
  /// Resolves the world's host names (and numeric forms) to their addresses.
  int resolve_ipv4(std::string_view host,
                   std::vector<uint32_t>* addrs) override;
  /// epoll_pwait2(2): epoll_wait with a timespec timeout (null: forever).
  int epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                   const timespec* timeout, const sigset_t* sigmask) override;
  // Vectored calls (readv, writev, sendmsg: sim/kernel/process_iov.cc).
  /// readv(2) on a socket (read() into the iovecs) or the null device (0),
  /// with import_iovec's checks (docs/semantics.md, "Vectored calls").
  ssize_t readv(int fd, const iovec* iov, int iovcnt) override;
  /// writev(2) on a socket (one write of the iovecs) or the null device.
  ssize_t writev(int fd, const iovec* iov, int iovcnt) override;
  /// sendmsg(2) with Linux's checks of the header, msg_name and the
  /// control messages; the protocol's send as sendto's.
  ssize_t sendmsg(int fd, const msghdr* msg, int flags) override;

  // simsock exec (issue 13): the dup family, on Process only (not in
  // sys::Syscalls), with Linux's rules (fs/file.c: ksys_dup, ksys_dup3,
  // do_dup2); sim/kernel/process_dup.cc.
  /// dup(2): the lowest free fd (or FdTable::InstallNextAt's) for the same
  /// open file, FD_CLOEXEC clear; -EBADF, -EMFILE.
  int dup(int fd);
  /// dup2(2): newfd refers to oldfd's file (an open newfd is closed first,
  /// silently); dup2(fd, fd) returns fd if it is open, else -EBADF; -EBADF
  /// when newfd is outside [0, RLIMIT_NOFILE).
  int dup2(int oldfd, int newfd);
  /// dup3(2): dup2 with flags (only O_CLOEXEC, else -EINVAL); oldfd ==
  /// newfd is -EINVAL.
  int dup3(int oldfd, int newfd, int flags);

  // --- pipes and eventfds (sim/kernel/process_pipe.cc)
  /// pipe2(2): a PipeEnd pair in the two lowest free fds (read end first).
  int pipe2(int fds[2], int flags) override;
  /// eventfd2(2): an EventFd in the lowest free fd.
  int eventfd2(unsigned int initval, int flags) override;

  // poll, ppoll, select, pselect6 (issue 13): sim/kernel/process_poll.cc,
  // docs/semantics.md "poll and select".
  /// poll(2) as do_sys_poll: waits in virtual time, exactly timeout_ms.
  int poll(pollfd* fds, nfds_t nfds, int timeout_ms) override;
  /// ppoll(2): poll with a timespec timeout (null: forever); no signals.
  int ppoll(pollfd* fds, nfds_t nfds, const timespec* timeout,
            const sigset_t* sigmask) override;
  /// select(2) as kern_select: writes the exact virtual time left back.
  int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
             timeval* timeout) override;
  /// pselect6(2): select with a timespec timeout (null: forever), left
  /// unchanged; no signals.
  int pselect6(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
               const timespec* timeout, const sigset_t* sigmask) override;

  // --- signals (issue 13): sim/kernel/process_signal.cc, docs/semantics.md
  // "Signals". A simulated process starts with SIGPIPE ignored (the net
  // layer's assumption, D8); a program under simsock exec with Linux's
  // defaults (ResetSignalsForExec).
  /// sigaction(2) with observable handlers (sys::Syscalls::sigaction).
  int sigaction(int sig, const SignalAction* act,
                SignalAction* oldact) override;
  /// Runs of sig's counting handler.
  uint64_t signals_caught(int sig) override;
  /// rt_sigprocmask(2) of the calling simulated thread.
  int sigprocmask(int how, const sigset_t* set, sigset_t* oldset) override;
  /// sigpending(2): the thread's and the process's pending signals.
  int sigpending(sigset_t* set) override;
  /// setitimer(2): ITIMER_REAL in virtual time; the CPU timers are stored
  /// and never fire (docs/semantics.md D30).
  int setitimer(int which, const itimerval* new_value,
                itimerval* old_value) override;
  /// getitimer(2), with Linux's rounding (itimer_get_remtime).
  int getitimer(int which, itimerval* curr_value) override;
  /// kill(getpid(), sig).
  int kill_self(int sig) override;

  // simsock exec's signal calls, on Process only.
  /// kill(2): pid is this process's (its pid, 0 or -pid: its group), else
  /// -ESRCH (no other process is visible: docs/semantics.md D31).
  int kill(int pid, int sig);
  /// tgkill(2): tgid must be this process's pid and tid one of its
  /// threads (the simulated thread id), else -ESRCH; -EINVAL for tid <= 0.
  int tgkill(int tgid, int tid, int sig);
  /// alarm(2): ITIMER_REAL for seconds (0: disarm); the seconds left of
  /// the previous alarm, rounded as alarm_setitimer rounds.
  unsigned alarm(unsigned seconds);
  /// nanosleep with the time left when a signal ends it early (-EINTR).
  int nanosleep_left(int64_t ns, int64_t* left_ns);
  /// The process's signal state (tests, the exec dispatcher).
  SignalState& signals() { return signals_; }
  /// Every disposition back to its default, as execve leaves it (a
  /// program under simsock exec), and signals delivered by the program
  /// itself: the process collects them (TakeSignalsToDeliver) instead of
  /// running the counting handler or ending itself.
  void ResetSignalsForExec();
  /// The signals the calling thread must now deliver in the program (its
  /// handlers run, or the default action kills it), taken: simsock exec's
  /// reply carries them (exec/protocol.h's deliver_mask).
  SigMask TakeSignalsToDeliver();
  /// The program behind the process has ended (simsock exec): its
  /// ITIMER_REAL stops and no signal is sent to it any more
  /// (exit_itimers, the signal struct released).
  void ReleaseSignals();
  /// The signal that ended the process (0: none).
  int killed_by() const { return killed_by_; }
  /// -ERESTARTSYS: a call that a signal interrupted and that the program
  /// must make again once its handlers ran (only in exec mode).
  static constexpr int kRestartSys = 512;

  // AF_UNIX sockets (issue 13): sim/kernel/process_unix.cc, docs/semantics.md
  // §9.
  /// socketpair(2): a connected UnixSocket pair in the two lowest free fds
  /// (AF_UNIX SOCK_STREAM only; other types EOPNOTSUPP, D30).
  int socketpair(int domain, int type, int protocol, int sv[2]) override;
  /// ioctl(2)'s FIONREAD and SIOCOUTQ on an AF_UNIX socket (unix_ioctl):
  /// the count in *value; -EBADF, -ENOTTY (not a socket), -ENOIOCTLCMD
  /// as -ENOTTY for other requests, -EINVAL (FIONREAD while listening).
  /// On Process only (sys::Syscalls has no ioctl).
  int unix_ioctl(int fd, unsigned long request, int* value);

 private:
  // A syscall's own references to the files it works on (fdget): while a
  // call is in progress, close() of the fd by another thread does not make
  // it the last close; the call's end does, after its trace line. So a
  // read blocked in one thread is not woken by close() in another, as on
  // Linux (docs/semantics.md §2.6).
  // The first two files are held inline (a read or write holds one, an
  // epoll_ctl two), so a call allocates nothing; poll's and select's
  // tables go on in a vector. Dropped in the order they were held.
  class CallFiles {
   public:
    CallFiles() = default;
    ~CallFiles() {
      for (int i = 0; i < inline_used_; ++i) inline_[i]->DropFdRef();
      for (auto& f : more_) f->DropFdRef();
    }
    CallFiles(const CallFiles&) = delete;
    CallFiles& operator=(const CallFiles&) = delete;
    void Hold(std::shared_ptr<File> f) {
      f->AddFdRef();
      if (inline_used_ < kInline) {
        inline_[inline_used_++] = std::move(f);
      } else {
        more_.push_back(std::move(f));
      }
    }

   private:
    static constexpr int kInline = 2;
    std::shared_ptr<File> inline_[kInline];
    int inline_used_ = 0;
    std::vector<std::shared_ptr<File>> more_;
  };

  // One syscall: body(files) computes the result (argument checks, the
  // object's call); then the call's trace line "call(args) = result" is
  // written and the step finished (TraceCall), and only then are the
  // call's file references dropped.
  // Names the syscall in progress in the calling thread's slot (CallSlot)
  // for its lifetime.
  class CallName {
   public:
    CallName(const char*& slot, const char* call) : slot_(slot), old_(slot) {
      slot_ = call;
    }
    ~CallName() { slot_ = old_; }
    CallName(const CallName&) = delete;
    CallName& operator=(const CallName&) = delete;

   private:
    const char*& slot_;
    const char* old_;
  };

  // Once the process has seen a signal, the call's exit delivers the
  // pending ones (SignalsAtCallExit), and a call a signal interrupted may
  // run again (SA_RESTART).
  template <typename T, typename Body>
  T Syscall(const char* call, const TraceArgs& args, Body&& body) {
    return SyscallWithArgs<T>(
        call, [&]() -> const TraceArgs& { return args; },
        std::forward<Body>(body));
  }
  // Syscall for the hot calls (read, write): the trace arguments are built
  // by make_args() only when something reads them (the trace on, or a
  // signal at the call's exit), not on every call. make_args must give
  // what they were at the call's start (from the call's by-value
  // parameters, which the body does not change).
  template <typename T, typename MakeArgs, typename Body>
  T SyscallWithArgs(const char* call, const MakeArgs& make_args, Body&& body) {
    CallName name(CallSlot(), call);
    for (;;) {
      CallFiles files;
      const T result = body(files);
      if (!signals_.active()) {
        if (Tracing()) {
          TraceCall(call, make_args(), static_cast<long>(result));
        } else {
          DrainImmediate();  // what TraceCall does after the line
        }
        return result;
      }
      long r = static_cast<long>(result);
      if (!SignalsAtCallExit(call, make_args(), &r)) return static_cast<T>(r);
    }
  }
  void TraceCall(const char* call, const TraceArgs& args, long result);
  // Whether the world's trace is on (TraceCall writes a line).
  bool Tracing() const;

  // Waiter, for the objects' loops.
  Result Wait(File& file, Time deadline, const char* call) override;
  // A file a wait parks on, with the readiness keys that wake it (0: any
  // key), as a poll table entry's key filters pollwake's wakeups.
  struct WaitEntry {
    std::shared_ptr<File> file;
    uint32_t keys = 0;
  };
  // Waits until one of `files` is woken with a key it takes, or
  // `deadline` passes: Wait for several files at once (poll's and
  // select's poll table; none at all: a plain sleep). `fault_file` is
  // what a sleep fault is decided on (null: a call on no one fd).
  Result WaitAny(std::span<const WaitEntry> files, const File* fault_file,
                 Time deadline, const char* call);
  Time Now() const override;
  Time JiffiesDeadline(int64_t jiffies) const override;
  void DrainImmediate() override;

  // Resolves fd to a socket: -EBADF or -ENOTSOCK.
  int LookupSocket(int fd, std::shared_ptr<Socket>* out) const;
  // The world's "fault.syscall" stream, as the injector's source.
  class FaultStream final : public faults::FaultRandom {
   public:
    explicit FaultStream(World& world) : world_(world) {}
    bool Chance(double p) override;
    uint64_t Below(uint64_t n) override;

   private:
    World& world_;
    RandomStream* stream_ = nullptr;  // made on the first draw
  };

  // The syscall the calling thread (or the test's own code) is in.
  const char*& CallSlot();
  // The fault for a call at its start (on socket `s`, or on no fd), or
  // none; the cheap path when no rule could hit the call.
  std::optional<faults::Hit> StartFault(const char* call, const Socket* s,
                                        int msg_flags, size_t len);
  // The fault for the current call as it is about to sleep on `file`
  // (null: a wait on no one fd, as poll's).
  std::optional<faults::Hit> SleepFault(const File* file, const char* call);
  // Traces a fault: the plan's wording, or the older one for SetFaults'
  // rules (`legacy`).
  void TraceFault(const faults::Hit& hit, std::string_view call,
                  std::string detail, const std::string& legacy);
  // The faults that answer a call in place of the socket (eagain,
  // econnreset, enobufs, enomem): the result, traced; `s` sees what Linux
  // leaves (a spurious EAGAIN wakes its epoll waiters again).
  ssize_t ErrorFault(const faults::Hit& hit, const char* call, Socket& s,
                     const std::string& legacy);
  // emfile / enfile in a call that makes an fd: the error, traced.
  int NewFdFault(const faults::Hit& hit, const char* call);
  // epoll_wait and epoll_pwait2: `timeout` < 0 waits forever.
  int EpollWait(int epfd, epoll_event* events, int maxevents, Duration timeout,
                const char* call, const TraceArgs& args);
  // do_sys_poll after the timeout was read: `timeout` < 0 waits forever.
  // The files in the poll table are held in `files` (get_file).
  int DoPoll(CallFiles& files, pollfd* fds, nfds_t nfds, Duration timeout,
             const char* call);
  // core_sys_select: waits until `deadline` (kNever: forever), or not at
  // all when `no_wait`.
  int DoSelect(CallFiles& files, int nfds, fd_set* readfds, fd_set* writefds,
               fd_set* exceptfds, Time deadline, bool no_wait,
               const char* call);
  // __sys_recvfrom and __sys_sendto, which read/write share (is_read:
  // sock_read_iter's rules; is_read / is_write also name the call for the
  // faults).
  ssize_t SysRecvFrom(CallFiles& files, int fd, void* buf, size_t len,
                      int flags, sockaddr* addr, socklen_t* addrlen,
                      bool is_read);
  /// The faults a receive (read, recvfrom, recvmsg: `call`) on s meets at
  /// its start: the error to return instead, or 0 to go on, with *len cut
  /// by a short read (an injected RST is taken by the socket first).
  ssize_t StartReceiveFault(const char* call, Socket& s, int flags,
                            size_t* len);
  /// recvmsg's receive into msg's iovecs, once the header was checked:
  /// len is their total; fills msg_name, the control messages and
  /// msg_flags (sim/kernel/process_msg.cc).
  ssize_t SysRecvMsg(Socket& s, msghdr* msg, size_t len, int flags);
  ssize_t SysSendTo(CallFiles& files, int fd, const void* buf, size_t len,
                    int flags, const sockaddr* addr, socklen_t addrlen,
                    bool is_write);
  // do_dup2's part of dup2 and dup3, once the arguments are checked.
  int DupTo(int oldfd, int newfd, bool cloexec);

  // --- pipes and eventfds (sim/kernel/process_pipe.cc)
  // read(2) / write(2) on a pipe end or an eventfd, with the call's faults
  // (a short pipe read or write at the start, a signal as it sleeps).
  ssize_t FileRead(CallFiles& files, int fd, void* buf, size_t count);
  ssize_t FileWrite(CallFiles& files, int fd, const void* buf, size_t count);
  // F_GETPIPE_SZ / F_SETPIPE_SZ (pipe_fcntl): -EBADF on anything but a
  // pipe end.
  int PipeFcntl(File& f, int cmd, long arg);
  // The short-transfer fault of a pipe read or write (the injector decides
  // by its rules, PIPE_BUF atomicity included): the count to move, and
  // the fault traced as `call`'s ("short read of at most 100").
  size_t PipeShortFault(const PipeEnd& pipe, const char* call, size_t count,
                        const char* what);

  /// The faults a send (write, sendto, writev, sendmsg: `call`) on s meets
  /// at its start: the error to return instead, or 0 to go on, with *len
  /// cut by a short write.
  ssize_t StartSendFault(const char* call, Socket& s, int flags, size_t* len);
  /// A receive into count iovecs holding len bytes (recvmsg, readv): into
  /// the only one with room, or gathered and scattered; a NULL base ends
  /// the usable part (sim/kernel/process_msg.cc).
  ssize_t RecvIntoIovecs(Socket& s, const iovec* iov, size_t count, size_t len,
                         int flags, bool is_read, Endpoint* from,
                         bool* has_from);

  // --- signals (sim/kernel/process_signal.cc)
  // The calling thread's signal state (tid 0 outside a simulated thread).
  SignalState::Thread& CurrentSignals();
  // The calling simulated thread's id, 0 outside one.
  int CurrentTid() const;
  // sk_stream_error: a TCP send's EPIPE also sends SIGPIPE to the calling
  // thread unless MSG_NOSIGNAL. Returns r.
  ssize_t SigpipeOnEpipe(ssize_t r, const Socket& s, int flags);
  // send_signal + complete_signal: sig to the process (tid 0) or to one
  // of its threads; wakes a thread that takes it; `why` for the trace.
  void SendSignal(int sig, int tid, const char* why);
  // At a call's exit (signals active): traces the call line (r, or
  // -ERESTARTSYS), delivers the pending signals the thread takes, and
  // says whether the call runs again (SA_RESTART in-process).
  bool SignalsAtCallExit(const char* call, const TraceArgs& args, long* r);
  // The process ends by sig's default action, as exit would end it.
  void TerminateBySignal(int sig);
  // ITIMER_REAL: (re)arms the expiry event at real_timer().expires.
  void ArmRealTimer();
  // it_real_fn: SIGALRM to the process.
  void RealTimerFired();
  // The time left of ITIMER_REAL and its interval (itimer_get_remtime).
  itimerval RealTimerValue() const;
  // An interruptible sleep (TASK_INTERRUPTIBLE): BeginSleep marks the
  // calling thread (t: its SimThread, null outside one) as one a signal
  // wakes; EndSleep ends the mark and says whether a signal woke it.
  SignalState::Thread& BeginSleep(SimThread* t);
  static bool EndSleep(SignalState::Thread& th);

  SignalState signals_;
  bool program_delivers_ = false;  // ResetSignalsForExec
  bool signals_released_ = false;  // ReleaseSignals
  int killed_by_ = 0;

  // --- AF_UNIX sockets (sim/kernel/process_unix.cc)
  // The AF_UNIX socket behind fd, or null.
  std::shared_ptr<UnixSocket> UnixAt(int fd) const;
  // socket(AF_UNIX, ...) once the flags and family were checked.
  int UnixCreate(int type, int protocol);
  // The calls on an AF_UNIX socket, after the fd was resolved (and, for
  // connect, the address copied in).
  int UnixBind(UnixSocket& u, const sockaddr* addr, socklen_t addrlen);
  int UnixConnect(UnixSocket& u, const sockaddr_storage& ss, socklen_t len);
  int UnixAccept(UnixSocket& u, sockaddr* addr, socklen_t* addrlen, int flags);
  ssize_t UnixRecv(UnixSocket& u, void* buf, size_t len, int flags,
                   sockaddr* addr, socklen_t* addrlen);
  ssize_t UnixSend(UnixSocket& u, const IoSpan& data, int flags, bool has_name,
                   const SendControl* ctl);
  int UnixName(UnixSocket& u, bool peer, sockaddr* addr, socklen_t* addrlen);
  int UnixGetSockOpt(UnixSocket& u, int level, int optname, void* optval,
                     socklen_t* optlen);
  int UnixSetSockOpt(UnixSocket& u, int level, int optname, const void* optval,
                     socklen_t optlen);
  // readv / recvmsg on an AF_UNIX socket: one receive into a buffer of the
  // usable length, scattered over the iovecs.
  // With msg (recvmsg), its name, control length and flags are filled.
  ssize_t UnixRecvIovecs(UnixSocket& u, const iovec* iov, size_t count,
                         size_t len, int flags, msghdr* msg = nullptr);

  Host& host_;
  World& world_;
  int pid_;
  FdTable fds_;
  FaultStream fault_stream_;
  faults::SyscallInjector injector_;
  // The rules SetFaults added (their origin is kSetFaultsOrigin).
  std::vector<uint64_t> set_faults_rules_;
  SyscallFaults faults_;
  const char* outside_call_ = nullptr;  // CallSlot outside any thread
  bool dead_ = false;
};

}  // namespace simsock::sim
