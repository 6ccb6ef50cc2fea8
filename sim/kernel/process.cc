#include "simsock/sim/kernel/process.h"

#include <fcntl.h>
#include <netinet/in.h>

#include <cerrno>
#include <optional>
#include <vector>

#include "simsock/faults/fault_plan.h"
#include "simsock/net/sys/names.h"
#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/inet/udp_socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/vfs/null_file.h"
#include "simsock/sim/vfs/unix_socket.h"

namespace simsock::sim {
namespace {

using faults::AskedAt;
using faults::SyscallFaultKind;
using sys::FamilyName;
using sys::SockTypeName;

// Removes a waiter when the wait ends, also when a killed thread's stack
// is unwound.
class WaiterGuard {
 public:
  WaiterGuard(std::shared_ptr<File> file, WaitQueue::Callback cb)
      : file_(std::move(file)), id_(file_->wait_queue().Add(std::move(cb))) {}
  ~WaiterGuard() {
    if (file_) file_->wait_queue().Remove(id_);
  }
  WaiterGuard(WaiterGuard&& other) noexcept
      : file_(std::move(other.file_)), id_(other.id_) {}
  WaiterGuard(const WaiterGuard&) = delete;
  WaiterGuard& operator=(const WaiterGuard&) = delete;
  WaiterGuard& operator=(WaiterGuard&&) = delete;

 private:
  std::shared_ptr<File> file_;
  uint64_t id_;
};

}  // namespace

Process::Process(Host& host, int pid)
    : host_(host),
      world_(host.world()),
      pid_(pid),
      fds_(host.settings().nofile_limit),
      fault_stream_(world_),
      injector_(fault_stream_) {
  injector_.SetTrace([this](const faults::Injection& i) {
    host_.TraceLine("pid " + std::to_string(pid_) + " fault: " + i.ToString());
  });
  // SIGPIPE starts ignored, as in Go's runtime and most servers: the net
  // layer expects EPIPE, never a death (docs/semantics.md D8).
  signals_.SetAction(SIGPIPE, {SignalAction::Kind::kIgnore, 0});
  // A real process starts with fds 0, 1 and 2 open, so its first socket is
  // fd 3. A simulated one gets them on the null device, as a daemon that
  // pointed its standard fds at /dev/null: one open file under three fds.
  // They are ordinary fds (close, fcntl and dup work; socket calls are
  // ENOTSOCK) and they count against RLIMIT_NOFILE.
  auto null = std::make_shared<NullFile>();
  for (int fd = 0; fd <= 2; ++fd) fds_.InstallAt(fd, null, false);
}

void Process::Kill() {
  dead_ = true;
  // Its threads are gone: none sleeps any more (SendSignal stops at dead_).
  for (auto& [tid, t] : signals_.threads()) {
    t.sleeping = false;
    t.sleeper = nullptr;
  }
  // The host drops what the closing sockets would send.
  fds_.CloseAll();
}

// Exit closes every fd, as the kernel does when a process dies.
Process::~Process() { fds_.CloseAll(); }

void Process::TraceCall(const char* call, const TraceArgs& args, long result) {
  Trace& t = world_.trace();
  if (t.Enabled()) {
    SimThread* thread = world_.scheduler().Current();
    t.Syscall(world_.Now(),
              TraceCaller{host_.name(), pid_, thread ? thread->tid() : -1},
              call, args, result);
  }
  world_.DrainImmediate();
}

bool Process::Tracing() const { return world_.trace().Enabled(); }

Socket* Process::SocketAt(int fd) const {
  File* f = fds_.Get(fd);
  return f != nullptr && f->IsSocket() ? static_cast<Socket*>(f) : nullptr;
}

int Process::LookupSocket(int fd, std::shared_ptr<Socket>* out) const {
  std::shared_ptr<File> f = fds_.GetShared(fd);
  if (!f) return -EBADF;
  if (!f->IsSocket()) return -ENOTSOCK;
  *out = std::static_pointer_cast<Socket>(f);
  return 0;
}

Time Process::Now() const { return world_.Now(); }

Time Process::JiffiesDeadline(int64_t jiffies) const {
  if (jiffies < 0) return kNever;
  return world_.Now() +
         jiffies * Duration(std::chrono::seconds(1)) / host_.settings().hz;
}

void Process::DrainImmediate() { world_.DrainImmediate(); }

int Process::Spawn(std::function<void()> fn, std::string name) {
  const int tid =
      world_.scheduler().Spawn(*this, std::move(name), std::move(fn)).tid();
  // A new thread inherits its creator's blocked mask (copy_process).
  if (signals_.active())
    signals_.thread(tid).blocked = CurrentSignals().blocked;
  return tid;
}

Waiter::Result Process::Wait(File& file, Time deadline, const char* call) {
  const WaitEntry entry{file.shared_from_this(), 0};
  return WaitAny({&entry, 1}, &file, deadline, call);
}

Waiter::Result Process::WaitAny(std::span<const WaitEntry> files,
                                const File* fault_file, Time deadline,
                                const char* call) {
  // A signal arriving as the call starts to sleep (the object returns
  // EINTR or the progress made), or a wait that ends early (epoll: 0
  // events).
  if (auto hit = SleepFault(fault_file, call)) {
    const std::string_view name = CallSlot() != nullptr ? CallSlot() : call;
    if (hit->kind == SyscallFaultKind::kEintr) {
      TraceFault(*hit, name, "-EINTR", std::string("EINTR in ") + call);
      return Result::kInterrupted;
    }
    TraceFault(*hit, name, "0 events", "");
    return Result::kTimedOut;
  }
  Scheduler& sched = world_.scheduler();
  SimThread* const t = sched.Current();
  if (t == nullptr && world_.InEvent()) {
    host_.TraceLine("pid " + std::to_string(pid_) + " " + call +
                    ": cannot block outside a simulated thread");
    return Result::kTimedOut;
  }
  // A wakeup counts when its key is one the entry waits for, or is 0
  // ("any change"), as pollwake filters them.
  // The waiters' callbacks capture one pointer to this and their keys, so
  // that std::function keeps them inline; a wait on one file (a read, a
  // write, an accept) keeps its guard inline too: a blocking call's wait
  // allocates only the wait queue's entry.
  struct Waking {
    Scheduler& sched;
    SimThread* t;
    bool woke;
  } waking{sched, t, false};
  bool& woke = waking.woke;
  const auto waiter = [&waking](uint32_t keys) {
    return [w = &waking, keys](uint32_t key) {
      if (key != 0 && keys != 0 && (key & keys) == 0) return;
      if (w->t != nullptr) {
        w->sched.Wake(*w->t);
      } else {
        w->woke = true;
      }
    };
  };
  std::optional<WaiterGuard> one_guard;
  std::vector<WaiterGuard> guards;
  if (files.size() == 1) {
    one_guard.emplace(files[0].file, waiter(files[0].keys));
  } else {
    guards.reserve(files.size());
    for (const WaitEntry& e : files)
      guards.emplace_back(e.file, waiter(e.keys));
  }
  // A signal pending as the call would sleep ends it at once; one sent
  // while it sleeps wakes it (signal_pending in the wait loops). The call
  // may restart (-ERESTARTSYS) only when the wait had no timeout of its
  // own (sock_intr_errno).
  SignalState::Thread& th = BeginSleep(t);
  const auto interrupted = [&] {
    th.interrupted = true;
    th.restartable = deadline == kNever;
    return Result::kInterrupted;
  };
  if (signals_.HasDeliverable(th)) {
    EndSleep(th);
    return interrupted();
  }
  if (t != nullptr) {
    const bool woken = sched.Park(call, deadline);
    if (EndSleep(th)) return interrupted();
    return woken ? Result::kWoken : Result::kTimedOut;
  }
  const World::RunResult run = world_.RunUntil(
      [&woke, &th] { return woke || th.signal_woke; }, deadline);
  if (EndSleep(th)) return interrupted();
  switch (run) {
    case World::RunResult::kDone:
      return Result::kWoken;
    case World::RunResult::kTimedOut:
      return Result::kTimedOut;
    case World::RunResult::kNothingPending:
      host_.TraceLine("pid " + std::to_string(pid_) + " deadlock: blocking " +
                      call + " can never complete");
      return Result::kTimedOut;
    case World::RunResult::kWaitLimit:
      host_.TraceLine("pid " + std::to_string(pid_) + " deadlock: blocking " +
                      call + " still waiting after the driver's wait limit");
      return Result::kTimedOut;
  }
  return Result::kTimedOut;
}

// __sys_socket / __sock_create / inet_create.
int Process::socket(int domain, int type, int protocol) {
  const TraceArgs args =
      TraceArgs().Named<FamilyName>(domain).Named<SockTypeName>(type).Int(
          protocol);
  // Outlives the call's trace line, as a socket the call made.
  std::shared_ptr<Socket> s;
  return Syscall<int>("socket", args, [&](CallFiles&) {
    if (dead_) return -ESRCH;
    int flags = type & ~0xf;
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
    int base = type & 0xf;
    if (domain < 0 || domain >= AF_MAX) return -EAFNOSUPPORT;
    if (base < 0 || base >= 11) return -EINVAL;
    if (domain == AF_UNIX) return UnixCreate(type, protocol);  // §9
    // Only AF_INET and AF_UNIX are modelled; AF_INET6 comes later
    // (docs/semantics.md).
    if (domain != AF_INET) return -EAFNOSUPPORT;
    // inet_create: the protocol number's range comes before the type
    // (IPPROTO_MAX is 263 since IPPROTO_MPTCP = 262).
    constexpr int kIpprotoMax = 263;
    if (protocol < 0 || protocol >= kIpprotoMax) return -EINVAL;
    if (base == SOCK_STREAM) {
      if (protocol != 0 && protocol != IPPROTO_TCP) return -EPROTONOSUPPORT;
      s = std::make_shared<TcpSocket>(host_.stack());
    } else if (base == SOCK_DGRAM) {
      // A ping socket (IPPROTO_ICMP) is refused by ping_init_sock unless
      // the caller's group is in net.ipv4.ping_group_range, which is empty
      // ("1 0") by default: EACCES even for root.
      if (protocol == IPPROTO_ICMP) return -EACCES;
      if (protocol != 0 && protocol != IPPROTO_UDP) return -EPROTONOSUPPORT;
      s = std::make_shared<UdpSocket>(host_.stack());
    } else if (base == SOCK_RAW) {
      return -EPROTONOSUPPORT;  // raw IP not modelled
    } else {
      return -ESOCKTNOSUPPORT;
    }
    s->set_nonblocking(type & SOCK_NONBLOCK);
    if (auto hit = StartFault("socket", nullptr, 0, 0))
      return NewFdFault(*hit, "socket");
    return fds_.Install(s, type & SOCK_CLOEXEC);
  });
}

int Process::bind(int fd, const sockaddr* addr, socklen_t addrlen) {
  const TraceArgs args = TraceArgs().Int(fd).Addr(addr, addrlen).Int(addrlen);
  return Syscall<int>("bind", args, [&](CallFiles&) {
    if (auto u = UnixAt(fd)) return UnixBind(*u, addr, addrlen);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    sockaddr_storage ss;
    if (int e = CopyAddrIn(addr, addrlen, &ss)) return e;
    return s->Bind(ss, addrlen);
  });
}

int Process::listen(int fd, int backlog) {
  const TraceArgs args = TraceArgs().Int(fd).Int(backlog);
  return Syscall<int>("listen", args, [&](CallFiles&) {
    if (auto u = UnixAt(fd)) {
      // __sys_listen caps the backlog at somaxconn (as unsigned).
      const int cap = host_.settings().somaxconn;
      return u->Listen(
          static_cast<unsigned>(backlog) > static_cast<unsigned>(cap) ? cap
                                                                      : backlog,
          UnixCred{pid_});
    }
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    return s->Listen(backlog);
  });
}

// __sys_accept4: the fd (EBADF), then __sys_accept4_file: flags (EINVAL),
// a free fd (EMFILE), then do_accept: a socket (ENOTSOCK), the connection,
// then the address (a failed address copy loses the connection, as on
// Linux). So bad flags on a closed fd are EBADF, and a full table wins over
// a non-socket fd.
int Process::accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) {
  const TraceArgs args = TraceArgs().Int(fd).Named<SockTypeName>(flags & ~0xf);
  // Outlives the call's trace line, as the connection the call made.
  std::shared_ptr<Socket> child;
  return Syscall<int>("accept4", args, [&](CallFiles& files) {
    if (fds_.Get(fd) == nullptr) return -EBADF;
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
    if (!fds_.HasRoom()) return -EMFILE;  // the connection stays queued
    if (auto u = UnixAt(fd)) {
      files.Hold(u);
      return UnixAccept(*u, addr, addrlen, flags);
    }
    const File* file = fds_.Get(fd);
    auto hit = StartFault(
        "accept4",
        file->IsSocket() ? static_cast<const Socket*>(file) : nullptr, 0, 0);
    if (hit && (hit->kind == SyscallFaultKind::kEmfile ||
                hit->kind == SyscallFaultKind::kEnfile))
      return NewFdFault(*hit, "accept4");  // the connection stays queued
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    files.Hold(s);
    if (hit && hit->kind == SyscallFaultKind::kEagain)
      return static_cast<int>(ErrorFault(*hit, "accept4", *s, ""));
    if (int e = s->AcceptWaiting(*this, &child)) return e;
    if (hit && hit->kind == SyscallFaultKind::kEconnaborted) {
      // The queued connection was reset: the peer gets a RST (zero
      // linger), the caller ECONNABORTED, as FaultySyscalls does.
      linger l{1, 0};
      (void)child->SetSockOpt(SOL_SOCKET, SO_LINGER, &l, sizeof l);
      child->AddFdRef();
      child->DropFdRef();
      TraceFault(*hit, "accept4", "-ECONNABORTED", "");
      return -ECONNABORTED;
    }
    child->set_nonblocking(flags & SOCK_NONBLOCK);
    if (addr != nullptr) {
      if (int e = CopyAddrOut(child->RemoteEndpoint(), addr, addrlen)) {
        // The connection is dequeued and destroyed: close it.
        child->AddFdRef();
        child->DropFdRef();
        return e;
      }
    }
    return fds_.Install(child, flags & SOCK_CLOEXEC);
  });
}

// __sys_connect: the fd (EBADF), then the address is copied in
// (move_addr_to_kernel: EINVAL, EFAULT), and only then is the file checked
// to be a socket (__sys_connect_file: ENOTSOCK). bind() is the other way
// round (sockfd_lookup_light first).
int Process::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  const TraceArgs args = TraceArgs().Int(fd).Addr(addr, addrlen).Int(addrlen);
  return Syscall<int>("connect", args, [&](CallFiles& files) {
    if (fds_.Get(fd) == nullptr) return -EBADF;
    sockaddr_storage ss;
    if (int e = CopyAddrIn(addr, addrlen, &ss)) return e;
    if (auto u = UnixAt(fd)) {
      files.Hold(u);
      return UnixConnect(*u, ss, addrlen);
    }
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    files.Hold(s);
    return s->ConnectWaiting(*this, ss, addrlen);
  });
}

int Process::shutdown(int fd, int how) {
  const TraceArgs args = TraceArgs().Int(fd).Named<sys::ShutdownHowName>(how);
  return Syscall<int>("shutdown", args, [&](CallFiles&) {
    if (auto u = UnixAt(fd)) return u->Shutdown(how);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    return s->Shutdown(how);
  });
}

int Process::close(int fd) {
  return Syscall<int>("close", TraceArgs().Int(fd), [&](CallFiles&) {
    return fds_.Close(fd, this) ? 0 : -EBADF;
  });
}

int Process::getsockopt(int fd, int level, int optname, void* optval,
                        socklen_t* optlen) {
  const TraceArgs args = TraceArgs()
                             .Int(fd)
                             .Named<sys::SockLevelName>(level)
                             .Named2<sys::SockOptName>(level, optname);
  return Syscall<int>("getsockopt", args, [&](CallFiles&) {
    if (auto u = UnixAt(fd))
      return UnixGetSockOpt(*u, level, optname, optval, optlen);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    // The level is routed first; optlen is read (EFAULT, EINVAL) by the
    // level's handler (Socket::GetSockOpt), so an unknown level wins.
    return s->GetSockOpt(level, optname, optval, optlen);
  });
}

int Process::setsockopt(int fd, int level, int optname, const void* optval,
                        socklen_t optlen) {
  const TraceArgs args = TraceArgs()
                             .Int(fd)
                             .Named<sys::SockLevelName>(level)
                             .Named2<sys::SockOptName>(level, optname)
                             .Int(optlen);
  return Syscall<int>("setsockopt", args, [&](CallFiles&) {
    if (auto u = UnixAt(fd))
      return UnixSetSockOpt(*u, level, optname, optval, optlen);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    if (static_cast<int>(optlen) < 0) return -EINVAL;
    return s->SetSockOpt(level, optname, optval, optlen);
  });
}

int Process::getsockname(int fd, sockaddr* addr, socklen_t* addrlen) {
  return Syscall<int>("getsockname", TraceArgs().Int(fd), [&](CallFiles&) {
    if (auto u = UnixAt(fd)) return UnixName(*u, false, addr, addrlen);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    return CopyAddrOut(s->LocalEndpoint(), addr, addrlen);
  });
}

int Process::getpeername(int fd, sockaddr* addr, socklen_t* addrlen) {
  return Syscall<int>("getpeername", TraceArgs().Int(fd), [&](CallFiles&) {
    if (auto u = UnixAt(fd)) return UnixName(*u, true, addr, addrlen);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    Endpoint peer;
    if (int e = s->GetPeerName(&peer)) return e;
    return CopyAddrOut(peer, addr, addrlen);
  });
}

int Process::fcntl(int fd, int cmd, long arg) {
  const TraceArgs args =
      TraceArgs().Int(fd).Named<sys::FcntlCmdName>(cmd).Int(arg);
  return Syscall<int>("fcntl", args, [&](CallFiles&) {
    File* f = fds_.Get(fd);
    if (f == nullptr) return -EBADF;
    switch (cmd) {
      case F_GETFL:
        return f->open_flags() | f->extra_status_flags() |
               (f->nonblocking() ? O_NONBLOCK : 0);
      case F_SETFL:
        // setfl: only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT and O_NOATIME
        // change; a socket has no direct I/O (EINVAL), a pipe takes
        // O_DIRECT as packet mode. O_ASYNC is kept and shown by F_GETFL as
        // on Linux, but has no effect: SIGIO needs signals, which the
        // simulator does not have (D18).
        if ((arg & O_DIRECT) && f->kind() != File::Kind::kPipe) return -EINVAL;
        f->set_nonblocking((arg & O_NONBLOCK) != 0);
        f->set_extra_status_flags(static_cast<int>(
            arg & (O_APPEND | O_NOATIME | O_ASYNC | O_DIRECT)));
        return 0;
      case F_DUPFD:
      case F_DUPFD_CLOEXEC:
        // A second fd for the same open file: the file is closed only when
        // the last of them is (docs/semantics.md §2.9, §2.13).
        if (arg < 0 || arg > INT32_MAX) return -EINVAL;
        return fds_.InstallFrom(static_cast<int>(arg), fds_.GetShared(fd),
                                cmd == F_DUPFD_CLOEXEC);
      case F_GETFD:
        return fds_.cloexec(fd) ? FD_CLOEXEC : 0;
      case F_SETFD:
        fds_.set_cloexec(fd, (arg & FD_CLOEXEC) != 0);
        return 0;
      case F_GETPIPE_SZ:
      case F_SETPIPE_SZ:
        return PipeFcntl(*f, cmd, arg);
      default:
        return -EINVAL;
    }
  });
}

int64_t Process::clock_gettime_ns() { return world_.Now().count(); }

int Process::nanosleep_ns(int64_t ns) {
  const TraceArgs args = TraceArgs().Int(ns);
  return Syscall<int>("nanosleep", args, [&](CallFiles&) {
    if (ns < 0) return -EINVAL;
    Scheduler& sched = world_.scheduler();
    // A signal part way through the sleep: it sleeps a drawn part, then
    // EINTR (as FaultySyscalls does on the real kernel).
    std::optional<faults::Hit> hit;
    int64_t sleep = ns;
    if (ns > 0 && !injector_.empty() && injector_.MayHit("nanosleep_ns")) {
      faults::CallSite site{"nanosleep_ns"};
      site.asked_at = AskedAt::kSleep;
      site.blocking = true;
      hit = injector_.Pick(site);
      if (hit) {
        sleep = static_cast<int64_t>(
            injector_.ShortLength(static_cast<size_t>(ns)));
      }
    }
    SimThread* const t = sched.Current();
    SignalState::Thread& th = BeginSleep(t);
    const Time deadline = DeadlineAfter(world_.Now(), Duration(sleep));
    if (!signals_.HasDeliverable(th)) {
      if (t != nullptr) {
        sched.Park("nanosleep", deadline);
      } else if (!world_.InEvent() && !signals_.active()) {
        world_.RunFor(Duration(sleep));
      } else if (!world_.InEvent()) {
        world_.RunUntil([&th] { return th.signal_woke; }, deadline);
      }
    }
    // A signal ends the sleep with EINTR (hrtimer_nanosleep's
    // -ERESTART_RESTARTBLOCK, which a handler turns into EINTR).
    if (EndSleep(th) || signals_.HasDeliverable(th)) {
      th.interrupted = true;
      th.restartable = false;
      return -EINTR;
    }
    if (hit) {
      TraceFault(*hit, "nanosleep_ns", "-EINTR", "");
      return -EINTR;
    }
    return 0;
  });
}

int Process::resolve_ipv4(std::string_view host, std::vector<uint32_t>* addrs) {
  const std::string name(host);
  return Syscall<int>("resolve", TraceArgs().Text(name), [&](CallFiles&) {
    addrs->clear();
    uint32_t ip = 0;
    // Numeric forms first, read exactly as getaddrinfo(AF_INET) reads them
    // ("127.1", "0x7f.1", "::ffff:1.2.3.4"; not " 1.2.3.4" or "1.2.3.4 "),
    // so both backends give the same answer; then the world's names, which
    // stand in for /etc/hosts and DNS.
    const NumericHost numeric = ParseNumericHost(name, &ip);
    if (name.find('\0') != std::string::npos) {
      return -ENOENT;  // as LinuxSyscalls: no C string names such a host
    } else if (numeric == NumericHost::kV4) {
      addrs->push_back(ip);
    } else if (numeric == NumericHost::kNoIPv4) {
      return -ENOENT;  // LinuxSyscalls' answer to EAI_ADDRFAMILY /
                       // EAI_NONAME
    } else if (name == "localhost") {
      addrs->push_back(0x7F000001);
    } else if (const Host* h = world_.HostByName(name)) {
      addrs->push_back(h->address());
    } else {
      return -ENOENT;
    }
    return 0;
  });
}

}  // namespace simsock::sim
