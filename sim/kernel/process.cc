#include "simsock/sim/kernel/process.h"

#include <fcntl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/net/sys/names.h"
#include "simsock/sim/inet/tcp_socket.h"
#include "simsock/sim/inet/udp_socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/vfs/epoll.h"
#include "simsock/sim/vfs/null_file.h"

namespace simsock::sim {
namespace {

using sys::FamilyName;
using sys::SockTypeName;

std::string I(long v) { return std::to_string(v); }

}  // namespace

Process::Process(Host& host, int pid)
    : host_(host),
      world_(host.world()),
      pid_(pid),
      fds_(host.settings().nofile_limit) {
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
  // The host drops what the closing sockets would send.
  for (int fd : fds_.OpenFds()) {
    std::shared_ptr<File> f = fds_.Remove(fd);
    if (f && f->DropFdRef()) {
      f->RunReleaseHooks();
      f->OnLastClose();
    }
  }
}

Process::~Process() {
  // Exit closes every fd, as the kernel does when a process dies.
  for (int fd : fds_.OpenFds()) {
    std::shared_ptr<File> f = fds_.Remove(fd);
    if (f && f->DropFdRef()) {
      f->RunReleaseHooks();
      f->OnLastClose();
    }
  }
}

template <typename T>
T Process::Done(T result, const char* call,
                const std::function<std::string()>& args) {
  Trace& t = world_.trace();
  if (t.Enabled()) {
    SimThread* thread = world_.scheduler().Current();
    t.Write(world_.Now(),
            host_.name() + " pid " + std::to_string(pid_) +
                (thread ? " tid " + std::to_string(thread->tid()) : ""),
            std::string(call) + "(" + args() +
                ") = " + sys::ResultString(static_cast<long>(result)));
  }
  world_.DrainImmediate();
  return result;
}

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

Time Process::Deadline(int64_t jiffies) const {
  if (jiffies < 0) return kNever;
  return world_.Now() +
         jiffies * Duration(std::chrono::seconds(1)) / host_.settings().hz;
}

bool Process::WaitUntil(const std::function<bool()>& done, Time deadline,
                        const char* call) {
  world_.DrainImmediate();
  const Time limit = world_.Now() + world_.driver_wait_limit();
  while (!done()) {
    Time next = world_.NextEventTime();
    if (next == kNever && deadline == kNever) {
      host_.TraceLine("pid " + std::to_string(pid_) + " deadlock: blocking " +
                      call + " can never complete");
      return false;
    }
    if (next > deadline && deadline <= limit) {
      world_.RunFor(deadline - world_.Now());
      return done();
    }
    if (next > limit) {
      // Events keep coming but none wakes the call (World::
      // SetDriverWaitLimit): give up rather than run forever.
      world_.RunFor(limit - world_.Now());
      if (done()) return true;
      host_.TraceLine("pid " + std::to_string(pid_) + " deadlock: blocking " +
                      call + " still waiting after the driver's wait limit");
      return false;
    }
    world_.RunFor(next - world_.Now());
  }
  return true;
}

int Process::Spawn(std::function<void()> fn, std::string name) {
  return world_.scheduler().Spawn(*this, std::move(name), std::move(fn)).tid();
}

namespace {

// Removes a waiter when the wait ends, also when a killed thread's stack
// is unwound.
class WaiterGuard {
 public:
  WaiterGuard(std::shared_ptr<File> file, WaitQueue::Callback cb)
      : file_(std::move(file)), id_(file_->wait_queue().Add(std::move(cb))) {}
  ~WaiterGuard() { file_->wait_queue().Remove(id_); }
  WaiterGuard(const WaiterGuard&) = delete;
  WaiterGuard& operator=(const WaiterGuard&) = delete;

 private:
  std::shared_ptr<File> file_;
  uint64_t id_;
};

// A syscall's own reference to the file it works on (fdget): while a call
// is in progress, close() of the fd by another thread does not make it the
// last close; the call's end does. So a read blocked in one thread is not
// woken by close() in another, as on Linux (docs/semantics.md §2.6).
class CallRef {
 public:
  explicit CallRef(std::shared_ptr<File> file) : file_(std::move(file)) {
    file_->AddFdRef();
  }
  ~CallRef() {
    if (file_->DropFdRef()) {
      file_->RunReleaseHooks();
      file_->OnLastClose();
    }
  }
  CallRef(const CallRef&) = delete;
  CallRef& operator=(const CallRef&) = delete;

 private:
  std::shared_ptr<File> file_;
};

}  // namespace

bool Process::Inject(double p, const std::string& what) {
  if (p <= 0 || !world_.Rng("fault.syscall").Chance(p)) return false;
  host_.TraceLine("pid " + std::to_string(pid_) + " fault: " + what);
  return true;
}

Process::Wait Process::WaitOn(File& file, Time deadline, const char* call) {
  // A signal arriving as the call starts to wait.
  if (faults_.eintr > 0 &&
      Inject(faults_.eintr, std::string("EINTR in ") + call))
    return Wait::kInterrupted;
  Scheduler& sched = world_.scheduler();
  if (SimThread* t = sched.Current()) {
    WaiterGuard guard(file.shared_from_this(),
                      [&sched, t](uint32_t) { sched.Wake(*t); });
    return sched.Park(call, deadline) ? Wait::kWoken : Wait::kTimedOut;
  }
  if (world_.InEvent()) {
    host_.TraceLine("pid " + std::to_string(pid_) + " " + call +
                    ": cannot block outside a simulated thread");
    return Wait::kTimedOut;
  }
  bool woke = false;
  WaiterGuard guard(file.shared_from_this(),
                    [&woke](uint32_t) { woke = true; });
  return WaitUntil([&woke] { return woke; }, deadline, call) ? Wait::kWoken
                                                             : Wait::kTimedOut;
}

// __sys_socket / __sock_create / inet_create.
int Process::socket(int domain, int type, int protocol) {
  auto args = [&] {
    return FamilyName(domain) + ", " + SockTypeName(type) + ", " + I(protocol);
  };
  if (dead_) return Done(-ESRCH, "socket", args);
  int flags = type & ~0xf;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
    return Done(-EINVAL, "socket", args);
  int base = type & 0xf;
  if (domain < 0 || domain >= AF_MAX)
    return Done(-EAFNOSUPPORT, "socket", args);
  if (base < 0 || base >= 11) return Done(-EINVAL, "socket", args);
  // Only AF_INET is modelled; AF_INET6 comes later (docs/semantics.md).
  if (domain != AF_INET) return Done(-EAFNOSUPPORT, "socket", args);
  // inet_create: the protocol number's range comes before the type
  // (IPPROTO_MAX is 263 since IPPROTO_MPTCP = 262).
  constexpr int kIpprotoMax = 263;
  if (protocol < 0 || protocol >= kIpprotoMax)
    return Done(-EINVAL, "socket", args);
  std::shared_ptr<Socket> s;
  if (base == SOCK_STREAM) {
    if (protocol != 0 && protocol != IPPROTO_TCP)
      return Done(-EPROTONOSUPPORT, "socket", args);
    s = std::make_shared<TcpSocket>(host_.stack());
  } else if (base == SOCK_DGRAM) {
    // A ping socket (IPPROTO_ICMP) is refused by ping_init_sock unless the
    // caller's group is in net.ipv4.ping_group_range, which is empty ("1 0")
    // by default: EACCES even for root.
    if (protocol == IPPROTO_ICMP) return Done(-EACCES, "socket", args);
    if (protocol != 0 && protocol != IPPROTO_UDP)
      return Done(-EPROTONOSUPPORT, "socket", args);
    s = std::make_shared<UdpSocket>(host_.stack());
  } else if (base == SOCK_RAW) {
    return Done(-EPROTONOSUPPORT, "socket", args);  // raw IP not modelled
  } else {
    return Done(-ESOCKTNOSUPPORT, "socket", args);
  }
  s->set_nonblocking(type & SOCK_NONBLOCK);
  if (Inject(faults_.emfile, "EMFILE in socket"))
    return Done(-EMFILE, "socket", args);
  int fd = fds_.Install(s, type & SOCK_CLOEXEC);
  return Done(fd, "socket", args);
}

int Process::bind(int fd, const sockaddr* addr, socklen_t addrlen) {
  auto args = [&] {
    return I(fd) + ", " + DescribeAddr(addr, addrlen) + ", " + I(addrlen);
  };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "bind", args);
  sockaddr_storage ss;
  if (int e = CopyAddrIn(addr, addrlen, &ss)) return Done(e, "bind", args);
  return Done(s->Bind(ss, addrlen), "bind", args);
}

int Process::listen(int fd, int backlog) {
  auto args = [&] { return I(fd) + ", " + I(backlog); };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "listen", args);
  return Done(s->Listen(backlog), "listen", args);
}

// __sys_accept4: the fd (EBADF), then __sys_accept4_file: flags (EINVAL),
// a free fd (EMFILE), then do_accept: a socket (ENOTSOCK), the connection,
// then the address (a failed address copy loses the connection, as on
// Linux). So bad flags on a closed fd are EBADF, and a full table wins over
// a non-socket fd.
int Process::accept4(int fd, sockaddr* addr, socklen_t* addrlen, int flags) {
  auto args = [&] { return I(fd) + ", " + SockTypeName(flags & ~0xf); };
  if (fds_.Get(fd) == nullptr) return Done(-EBADF, "accept4", args);
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
    return Done(-EINVAL, "accept4", args);
  if (!fds_.HasRoom() || Inject(faults_.emfile, "EMFILE in accept4"))
    return Done(-EMFILE, "accept4", args);  // the connection stays queued
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "accept4", args);
  CallRef call_ref(s);
  std::shared_ptr<Socket> child;
  int r = s->Accept(&child);
  if (r == -EAGAIN && !s->nonblocking()) {
    Time deadline = Deadline(s->options().rcvtimeo_jiffies);
    while (r == -EAGAIN) {
      Wait w = WaitOn(*s, deadline, "accept4");
      if (w == Wait::kInterrupted) r = -EINTR;
      if (w != Wait::kWoken) break;
      r = s->Accept(&child);
    }
  }
  if (r < 0) return Done(r, "accept4", args);
  child->set_nonblocking(flags & SOCK_NONBLOCK);
  if (addr != nullptr) {
    if (int e = CopyAddrOut(child->RemoteEndpoint(), addr, addrlen)) {
      // The connection is dequeued and destroyed: close it.
      child->AddFdRef();
      if (child->DropFdRef()) {
        child->RunReleaseHooks();
        child->OnLastClose();
      }
      return Done(e, "accept4", args);
    }
  }
  return Done(fds_.Install(child, flags & SOCK_CLOEXEC), "accept4", args);
}

// __sys_connect: the fd (EBADF), then the address is copied in
// (move_addr_to_kernel: EINVAL, EFAULT), and only then is the file checked
// to be a socket (__sys_connect_file: ENOTSOCK). bind() is the other way
// round (sockfd_lookup_light first).
int Process::connect(int fd, const sockaddr* addr, socklen_t addrlen) {
  auto args = [&] {
    return I(fd) + ", " + DescribeAddr(addr, addrlen) + ", " + I(addrlen);
  };
  if (fds_.Get(fd) == nullptr) return Done(-EBADF, "connect", args);
  sockaddr_storage ss;
  if (int e = CopyAddrIn(addr, addrlen, &ss)) return Done(e, "connect", args);
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "connect", args);
  CallRef call_ref(s);
  int r = s->Connect(ss, addrlen);
  if ((r == -EINPROGRESS || r == -EALREADY) && !s->nonblocking()) {
    Time deadline = Deadline(s->options().sndtimeo_jiffies);
    int first = r;
    while (r == -EINPROGRESS || r == -EALREADY) {
      Wait w = WaitOn(*s, deadline, "connect");
      if (w != Wait::kWoken) {
        // SO_SNDTIMEO or a signal: the attempt goes on in the background.
        r = w == Wait::kInterrupted ? -EINTR : first;
        break;
      }
      r = s->Connect(ss, addrlen);
    }
  }
  return Done(r, "connect", args);
}

ssize_t Process::DoRecv(int fd, void* buf, size_t len, int flags,
                        sockaddr* addr, socklen_t* addrlen, bool is_read) {
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return e;
  CallRef call_ref(s);
  if (is_read && len == 0) return 0;  // sock_read_iter: nothing to read
  auto* bytes = static_cast<uint8_t*>(buf);
  size_t copied = 0;
  Endpoint from;
  bool has_from = false;
  ssize_t r;
  if (flags & MSG_ERRQUEUE) {
    // tcp_recvmsg / udp_recvmsg hand MSG_ERRQUEUE to ip_recv_error before
    // anything else: no wait, no data, no sock_error.
    r = s->RecvErrQueue(bytes, len, &from, &has_from);
  } else {
    // A NULL buffer passes import_ubuf (access_ok accepts it); the call
    // faults only when it has bytes to copy: an empty queue is still EAGAIN
    // (or blocks), the end of a stream 0, an unconnected TCP socket
    // ENOTCONN. What faults is consumed as a successful read would have: a
    // datagram (udp_recvmsg frees it) and urgent data, unless MSG_PEEK;
    // stream data stays queued. (TCP with MSG_TRUNC copies nothing, so it
    // never faults.)
    const bool null_buf = buf == nullptr && len > 0 &&
                          !(s->type() == SOCK_STREAM && (flags & MSG_TRUNC));
    bool nonblock = s->nonblocking() || (flags & MSG_DONTWAIT);
    Time deadline = Deadline(s->options().rcvtimeo_jiffies);
    // A short read: a stream may return fewer bytes than are there.
    if (s->type() == SOCK_STREAM && len > 1 && faults_.short_io > 0 &&
        !(flags & (MSG_WAITALL | MSG_TRUNC)) &&
        Inject(faults_.short_io,
               "short read of at most " + std::to_string(len))) {
      len = 1 + world_.Rng("fault.syscall").Below(len - 1);
    }
    // tcp_recvmsg_locked's target (sock_rcvlowat): a blocking stream read
    // returns once it has min(SO_RCVLOWAT, len) bytes, or len with
    // MSG_WAITALL, and otherwise waits for more (a timeout, a signal, the
    // end of the stream or an error return what it has). A nonblocking one
    // returns what is there.
    size_t target = 1;
    if (s->type() == SOCK_STREAM && !(flags & MSG_OOB)) {
      target =
          (flags & MSG_WAITALL)
              ? len
              : std::min<size_t>(
                    static_cast<size_t>(std::max(s->options().rcvlowat, 1)),
                    len);
      target = std::max<size_t>(target, 1);
    }
    const bool peek = (flags & MSG_PEEK) != 0;
    // After a timeout or a signal the kernel looks at the queue once more
    // before giving up (tcp_recvmsg_locked walks the queue before testing
    // timeo and signal_pending): bytes that arrived below SO_RCVLOWAT,
    // which woke nobody, are returned then.
    bool final_pass = false;
    ssize_t give_up = -EAGAIN;
    for (;;) {
      // A peek that waits for more goes on after what it has peeked
      // (peek_seq); with SO_PEEK_OFF on, the offset has moved already.
      size_t skip = peek && s->options().peek_off < 0 ? copied : 0;
      const int pending = s->PendingError();
      if (null_buf) {
        uint8_t probe;
        r = s->Recv(&probe, 1, flags | MSG_PEEK, is_read, skip, &from,
                    &has_from);
        if (r > 0 || (r == 0 && has_from)) {
          if (!peek && (s->type() == SOCK_DGRAM || (flags & MSG_OOB)))
            s->Recv(&probe, 1, flags, is_read, skip, &from, &has_from);
          if (r > 0) {
            r = -EFAULT;
            break;
          }
        }
      } else {
        r = s->Recv(bytes + copied, len - copied, flags, is_read, skip, &from,
                    &has_from);
      }
      if (copied > 0 && pending != 0 && r == -pending) {
        // tcp_recvmsg_locked with bytes copied breaks on sk_err without
        // taking it (sock_error runs only when nothing was copied).
        s->RestoreError(pending);
        r = static_cast<ssize_t>(copied);
        break;
      }
      if (r > 0 && s->type() == SOCK_STREAM && !nonblock) {
        copied += static_cast<size_t>(r);
        if (copied >= target || copied >= len || final_pass ||
            (!peek && s->AtUrgentMark())) {
          r = static_cast<ssize_t>(copied);
          break;
        }
        continue;  // the next call finds the end, an error, or waits
      }
      if (r == 0 && copied > 0) r = static_cast<ssize_t>(copied);
      // recv(MSG_OOB) never blocks (tcp_recv_urg).
      if (r != -EAGAIN || nonblock || (flags & MSG_OOB)) break;
      if (final_pass) {
        r = copied > 0 ? static_cast<ssize_t>(copied) : give_up;
        break;
      }
      if (copied == 0 && s->type() == SOCK_DGRAM &&
          (s->Poll() & EPOLLRDHUP) != 0) {  // blocking read after SHUT_RD
        r = 0;
        break;
      }
      Wait w = WaitOn(*s, deadline, "recv");
      if (w != Wait::kWoken) {
        if (w == Wait::kInterrupted) give_up = -EINTR;
        final_pass = true;
      }
    }
    if (r < 0 && copied > 0) r = static_cast<ssize_t>(copied);
  }
  // __sys_recvfrom: the address goes out only after a successful receive
  // (the data is consumed whatever happens next), through
  // move_addr_to_user: EFAULT without a length; the length is cut to what
  // the protocol filled (nothing for TCP, 16 bytes for UDP) and the full
  // length written back; a negative length is EINVAL, but only once
  // compared (a length that becomes 0 is fine).
  if (r >= 0 && addr != nullptr) {
    if (addrlen == nullptr) return -EFAULT;
    int ulen = static_cast<int>(*addrlen);
    sockaddr_in sin = ToSockAddr(from);
    int klen = has_from ? static_cast<int>(sizeof sin) : 0;
    int n = std::min(ulen, klen);
    if (n >= 0) *addrlen = static_cast<socklen_t>(klen);
    if (n < 0) return -EINVAL;
    if (n > 0) std::memcpy(addr, &sin, static_cast<size_t>(n));
  }
  return r;
}

// Most counts a single read or write moves (MAX_RW_COUNT, rw_verify_area).
constexpr size_t kMaxRwCount = 0x7ffff000;

ssize_t Process::read(int fd, void* buf, size_t count) {
  File* f = fds_.Get(fd);
  ssize_t r;
  if (f != nullptr && f->kind() == File::Kind::kNull) {
    r = 0;  // read_null: always end of file (the buffer is never touched)
  } else if (f != nullptr && !f->IsSocket()) {
    r = -EINVAL;  // an epoll fd: the file has no read operation
  } else {
    r = DoRecv(fd, buf, count, 0, nullptr, nullptr, true);
  }
  return Done(r, "read",
              [&] { return I(fd) + ", " + I(static_cast<long>(count)); });
}

ssize_t Process::recvfrom(int fd, void* buf, size_t len, int flags,
                          sockaddr* src_addr, socklen_t* addrlen) {
  ssize_t r = DoRecv(fd, buf, len, flags, src_addr, addrlen, false);
  return Done(r, "recvfrom", [&] {
    return I(fd) + ", " + I(static_cast<long>(len)) + ", " +
           sys::MsgFlagsName(flags);
  });
}

ssize_t Process::DoSend(int fd, const void* buf, size_t len, int flags,
                        const sockaddr* addr, socklen_t addrlen) {
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return e;
  CallRef call_ref(s);
  // A NULL buffer is not refused here (import_ubuf accepts it): each
  // protocol faults where it copies the payload, after its other checks.
  sockaddr_storage ss;
  const sockaddr_storage* to = nullptr;
  if (addr != nullptr) {
    if (int e = CopyAddrIn(addr, addrlen, &ss)) return e;
    to = &ss;
  }
  bool nonblock = s->nonblocking() || (flags & MSG_DONTWAIT);
  Time deadline = Deadline(s->options().sndtimeo_jiffies);
  auto* bytes = static_cast<const uint8_t*>(buf);
  if (s->type() == SOCK_STREAM) {
    // A short write: a stream may take fewer bytes than were offered.
    if (len > 1 && faults_.short_io > 0 &&
        Inject(faults_.short_io,
               "short write of at most " + std::to_string(len)))
      len = 1 + world_.Rng("fault.syscall").Below(len - 1);
  } else if (faults_.enobufs > 0 &&
             Inject(faults_.enobufs, "ENOBUFS in send")) {
    return -ENOBUFS;
  }
  size_t sent = 0;
  for (;;) {
    ssize_t r = s->Send(bytes + sent, len - sent, flags, to, addrlen);
    if (r > 0) sent += static_cast<size_t>(r);
    if (s->type() != SOCK_STREAM) return r;
    if (r < 0 && r != -EAGAIN) return sent > 0 ? static_cast<ssize_t>(sent) : r;
    // Done, unless nothing could be queued yet (a zero-length write to a
    // socket still in SYN_SENT is EAGAIN, as tcp_sendmsg waits to connect).
    if (sent == len && r >= 0) return static_cast<ssize_t>(sent);
    if (nonblock) return sent > 0 ? static_cast<ssize_t>(sent) : -EAGAIN;
    Wait w = WaitOn(*s, deadline, "send");
    if (w != Wait::kWoken) {
      if (sent > 0) return static_cast<ssize_t>(sent);
      return w == Wait::kInterrupted ? -EINTR : -EAGAIN;
    }
  }
}

ssize_t Process::write(int fd, const void* buf, size_t count) {
  File* f = fds_.Get(fd);
  ssize_t r;
  if (f != nullptr && f->kind() == File::Kind::kNull) {
    // write_null: everything is taken and discarded (vfs_write first caps
    // the count at MAX_RW_COUNT; the buffer is never read).
    r = static_cast<ssize_t>(std::min(count, kMaxRwCount));
  } else if (f != nullptr && !f->IsSocket()) {
    r = -EINVAL;  // an epoll fd: the file has no write operation
  } else {
    r = DoSend(fd, buf, count, 0, nullptr, 0);
  }
  return Done(r, "write",
              [&] { return I(fd) + ", " + I(static_cast<long>(count)); });
}

ssize_t Process::sendto(int fd, const void* buf, size_t len, int flags,
                        const sockaddr* dest_addr, socklen_t addrlen) {
  ssize_t r = DoSend(fd, buf, len, flags, dest_addr, addrlen);
  return Done(r, "sendto", [&] {
    return I(fd) + ", " + I(static_cast<long>(len)) + ", " +
           sys::MsgFlagsName(flags) + ", " + DescribeAddr(dest_addr, addrlen);
  });
}

int Process::shutdown(int fd, int how) {
  auto args = [&] { return I(fd) + ", " + sys::ShutdownHowName(how); };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "shutdown", args);
  return Done(s->Shutdown(how), "shutdown", args);
}

int Process::close(int fd) {
  auto args = [&] { return I(fd); };
  std::shared_ptr<File> f = fds_.Remove(fd);
  if (!f) return Done(-EBADF, "close", args);
  if (f->DropFdRef()) {
    f->RunReleaseHooks();
    f->OnLastClose();
    LingerOnClose(*f);
  }
  return Done(0, "close", args);
}

// tcp_close -> sk_stream_wait_close: with SO_LINGER {1, n}, close() waits
// (even on an O_NONBLOCK socket) until the FIN is acknowledged or n seconds
// pass; either way it returns 0, and on timeout the orphan goes on
// retransmitting.
void Process::LingerOnClose(File& f) {
  if (f.kind() != File::Kind::kTcp) return;
  auto& s = static_cast<TcpSocket&>(f);
  if (!s.options().linger || s.options().linger_seconds <= 0) return;
  auto closing = [&s] {
    tcp::TcpState st = s.ConnState();
    return st == tcp::TcpState::kFinWait1 || st == tcp::TcpState::kClosing ||
           st == tcp::TcpState::kLastAck;
  };
  world_.DrainImmediate();
  Time deadline =
      world_.Now() + std::chrono::seconds(s.options().linger_seconds);
  while (closing()) {
    if (WaitOn(f, deadline, "close") != Wait::kWoken) break;
  }
}

int Process::getsockopt(int fd, int level, int optname, void* optval,
                        socklen_t* optlen) {
  auto args = [&] {
    return I(fd) + ", " + sys::SockLevelName(level) + ", " +
           sys::SockOptName(level, optname);
  };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "getsockopt", args);
  // The level is routed first; optlen is read (EFAULT, EINVAL) by the
  // level's handler (Socket::GetSockOpt), so an unknown level wins.
  return Done(s->GetSockOpt(level, optname, optval, optlen), "getsockopt",
              args);
}

int Process::setsockopt(int fd, int level, int optname, const void* optval,
                        socklen_t optlen) {
  auto args = [&] {
    return I(fd) + ", " + sys::SockLevelName(level) + ", " +
           sys::SockOptName(level, optname) + ", " + I(optlen);
  };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "setsockopt", args);
  if (static_cast<int>(optlen) < 0) return Done(-EINVAL, "setsockopt", args);
  return Done(s->SetSockOpt(level, optname, optval, optlen), "setsockopt",
              args);
}

int Process::getsockname(int fd, sockaddr* addr, socklen_t* addrlen) {
  auto args = [&] { return I(fd); };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "getsockname", args);
  return Done(CopyAddrOut(s->LocalEndpoint(), addr, addrlen), "getsockname",
              args);
}

int Process::getpeername(int fd, sockaddr* addr, socklen_t* addrlen) {
  auto args = [&] { return I(fd); };
  std::shared_ptr<Socket> s;
  if (int e = LookupSocket(fd, &s)) return Done(e, "getpeername", args);
  Endpoint peer;
  if (int e = s->GetPeerName(&peer)) return Done(e, "getpeername", args);
  return Done(CopyAddrOut(peer, addr, addrlen), "getpeername", args);
}

int Process::fcntl(int fd, int cmd, long arg) {
  auto args = [&] {
    return I(fd) + ", " + sys::FcntlCmdName(cmd) + ", " + I(arg);
  };
  File* f = fds_.Get(fd);
  if (f == nullptr) return Done(-EBADF, "fcntl", args);
  switch (cmd) {
    case F_GETFL:
      return Done(f->open_flags() | f->extra_status_flags() |
                      (f->nonblocking() ? O_NONBLOCK : 0),
                  "fcntl", args);
    case F_SETFL:
      // setfl: only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT and O_NOATIME
      // change; a socket has no direct I/O (EINVAL). O_ASYNC is kept and
      // shown by F_GETFL as on Linux, but has no effect: SIGIO needs
      // signals, which the simulator does not have (D18).
      if (arg & O_DIRECT) return Done(-EINVAL, "fcntl", args);
      f->set_nonblocking((arg & O_NONBLOCK) != 0);
      f->set_extra_status_flags(
          static_cast<int>(arg & (O_APPEND | O_NOATIME | O_ASYNC)));
      return Done(0, "fcntl", args);
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      // A second fd for the same open file: the file is closed only when
      // the last of them is (docs/semantics.md §2.9, §2.13).
      if (arg < 0 || arg > INT32_MAX) return Done(-EINVAL, "fcntl", args);
      return Done(fds_.InstallFrom(static_cast<int>(arg), fds_.GetShared(fd),
                                   cmd == F_DUPFD_CLOEXEC),
                  "fcntl", args);
    }
    case F_GETFD:
      return Done(fds_.cloexec(fd) ? FD_CLOEXEC : 0, "fcntl", args);
    case F_SETFD:
      fds_.set_cloexec(fd, (arg & FD_CLOEXEC) != 0);
      return Done(0, "fcntl", args);
    default:
      return Done(-EINVAL, "fcntl", args);
  }
}

int Process::epoll_create1(int flags) {
  auto args = [&] { return I(flags); };
  if (dead_) return Done(-ESRCH, "epoll_create1", args);
  if (flags & ~EPOLL_CLOEXEC) return Done(-EINVAL, "epoll_create1", args);
  if (Inject(faults_.emfile, "EMFILE in epoll_create1"))
    return Done(-EMFILE, "epoll_create1", args);
  auto ep = std::make_shared<Epoll>();
  return Done(fds_.Install(ep, flags & EPOLL_CLOEXEC), "epoll_create1", args);
}

// do_epoll_ctl.
int Process::epoll_ctl(int epfd, int op, int fd, epoll_event* event) {
  auto args = [&] {
    return I(epfd) + ", " + sys::EpollOpName(op) + ", " + I(fd) + ", " +
           (event ? "{" + sys::EpollEventsName(event->events) + "}"
                  : std::string("NULL"));
  };
  epoll_event ev{};
  if (op != EPOLL_CTL_DEL) {
    if (event == nullptr) return Done(-EFAULT, "epoll_ctl", args);
    ev = *event;
  }
  std::shared_ptr<File> ep = fds_.GetShared(epfd);
  if (!ep) return Done(-EBADF, "epoll_ctl", args);
  std::shared_ptr<File> target = fds_.GetShared(fd);
  if (!target) return Done(-EBADF, "epoll_ctl", args);
  // The target must support poll (the null device does not): EPERM, before
  // epfd is checked to be an epoll, and for every op.
  if (!target->CanPoll()) return Done(-EPERM, "epoll_ctl", args);
  if (ep == target || ep->kind() != File::Kind::kEpoll)
    return Done(-EINVAL, "epoll_ctl", args);
  auto* epoll = static_cast<Epoll*>(ep.get());
  return Done(epoll->Ctl(op, fd, target, op == EPOLL_CTL_DEL ? nullptr : &ev),
              "epoll_ctl", args);
}

// do_epoll_wait: the fd first (EBADF), then ep_check_params: maxevents
// (EINVAL), the buffer (access_ok: EFAULT; a NULL buffer passes it, see
// Collect), and that the file is an epoll (EINVAL). So a closed fd with
// maxevents 0 is EBADF.
int Process::EpollWait(int epfd, epoll_event* events, int maxevents,
                       Duration timeout, const char* call,
                       const std::function<std::string()>& args) {
  constexpr int kMaxEvents = INT32_MAX / static_cast<int>(sizeof(epoll_event));
  std::shared_ptr<File> f = fds_.GetShared(epfd);
  if (!f) return Done(-EBADF, call, args);
  if (maxevents <= 0 || maxevents > kMaxEvents)
    return Done(-EINVAL, call, args);
  if (f->kind() != File::Kind::kEpoll) return Done(-EINVAL, call, args);
  CallRef call_ref(f);
  auto* ep = static_cast<Epoll*>(f.get());
  world_.DrainImmediate();
  if (timeout != Duration::zero()) {
    Time deadline = timeout < Duration::zero()
                        ? kNever
                        : DeadlineAfter(world_.Now(), timeout);
    while (!ep->HasReady()) {
      Wait w = WaitOn(*ep, deadline, call);
      if (w == Wait::kInterrupted) return Done(-EINTR, call, args);
      if (w != Wait::kWoken) break;
    }
  }
  return Done(ep->Collect(events, maxevents), call, args);
}

int Process::epoll_wait(int epfd, epoll_event* events, int maxevents,
                        int timeout_ms) {
  return EpollWait(
      epfd, events, maxevents,
      timeout_ms < 0 ? Duration(-1)
                     : Duration(std::chrono::milliseconds(timeout_ms)),
      "epoll_wait",
      [&] { return I(epfd) + ", " + I(maxevents) + ", " + I(timeout_ms); });
}

int Process::epoll_pwait2(int epfd, epoll_event* events, int maxevents,
                          const timespec* timeout,
                          const sigset_t* /*sigmask*/) {
  auto args = [&] {
    return I(epfd) + ", " + I(maxevents) + ", " +
           (timeout ? I(timeout->tv_sec) + "s+" + I(timeout->tv_nsec) + "ns"
                    : std::string("NULL"));
  };
  Duration d(-1);
  if (timeout != nullptr) {
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
        timeout->tv_nsec >= 1'000'000'000)
      return Done(-EINVAL, "epoll_pwait2", args);
    // Saturates: tv_sec may exceed what int64 nanoseconds hold (Linux
    // accepts any valid timespec and caps the deadline).
    constexpr int64_t kMaxSec = Duration::max().count() / 1'000'000'000 - 1;
    d = timeout->tv_sec > kMaxSec
            ? Duration::max()
            : std::chrono::seconds(timeout->tv_sec) +
                  std::chrono::nanoseconds(timeout->tv_nsec);
  }
  return EpollWait(epfd, events, maxevents, d, "epoll_pwait2", args);
}

int64_t Process::clock_gettime_ns() { return world_.Now().count(); }

int Process::nanosleep_ns(int64_t ns) {
  auto args = [&] { return I(static_cast<long>(ns)); };
  if (ns < 0) return Done(-EINVAL, "nanosleep", args);
  Scheduler& sched = world_.scheduler();
  if (sched.Current() != nullptr) {
    sched.Park("nanosleep", DeadlineAfter(world_.Now(), Duration(ns)));
  } else if (!world_.InEvent()) {
    world_.RunFor(Duration(ns));
  }
  return Done(0, "nanosleep", args);
}

int Process::resolve_ipv4(std::string_view host, std::vector<uint32_t>* addrs) {
  addrs->clear();
  std::string name(host);
  uint32_t ip = 0;
  int r = 0;
  // Numeric forms first, read exactly as getaddrinfo(AF_INET) reads them
  // ("127.1", "0x7f.1", "::ffff:1.2.3.4"; not " 1.2.3.4" or "1.2.3.4 "),
  // so both backends give the same answer; then the world's names, which
  // stand in for /etc/hosts and DNS.
  const NumericHost numeric = ParseNumericHost(name, &ip);
  if (name.find('\0') != std::string::npos) {
    r = -ENOENT;  // as LinuxSyscalls: no C string names such a host
  } else if (numeric == NumericHost::kV4) {
    addrs->push_back(ip);
  } else if (numeric == NumericHost::kNoIPv4) {
    r = -ENOENT;  // LinuxSyscalls' answer to EAI_ADDRFAMILY / EAI_NONAME
  } else if (name == "localhost") {
    addrs->push_back(0x7F000001);
  } else if (const Host* h = world_.HostByName(name)) {
    addrs->push_back(h->address());
  } else {
    r = -ENOENT;
  }
  return Done(r, "resolve", [&] { return name; });
}

}  // namespace simsock::sim
