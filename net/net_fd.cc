// NetFD: see net_fd.h. Follows internal/poll/fd_unix.go (Read, Write,
// Accept, ReadFrom, WriteTo) and net/sock_posix.go, fd_unix.go (socket,
// listenStream, listenDatagram, dial, connect).
#include "simsock/net/net_fd.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "simsock/net/context.h"

namespace simsock::net::internal {

NetFD::NetFD(Runtime& rt, int sysfd, int family, int sotype, std::string net)
    : rt_(&rt),
      sysfd_(sysfd),
      family_(family),
      sotype_(sotype),
      net_(std::move(net)),
      pd_(rt, sysfd) {}

NetFD::~NetFD() {
  // pd_.runtime() is null once the Runtime died and closed the fd itself.
  if (!closed_ && pd_.runtime() != nullptr) (void)Close();
}

std::string NetFD::CtrlNetwork() const {
  if (!net_.empty() && (net_.back() == '4' || net_.back() == '6')) return net_;
  return net_ + (family_ == AF_INET ? "4" : "6");
}

Result<void> NetFD::Init() {
  int r = pd_.Init();
  if (r < 0) return Error::FromErrno(-r);
  return {};
}

Result<void> NetFD::Close() {
  if (closed_) return Error::ErrClosed();
  closed_ = true;
  pd_.Evict();
  pd_.Close();
  if (pd_.runtime() == nullptr) return {};  // the Runtime closed it already
  int r = rt_->sys().close(sysfd_);
  if (r < 0) return Error::FromErrno(-r);
  return {};
}

// A task parked in Read (or another blocking call) must find its NetFD alive
// when it wakes, even if every handle was dropped meanwhile by other tasks;
// a call that does not park needs no reference (nothing else runs during
// it), so the count is taken only on the way to the first park.
int NetFD::WaitRead(std::shared_ptr<NetFD>& self) {
  if (self == nullptr) self = shared_from_this();
  return pd_.WaitRead();
}

int NetFD::WaitWrite(std::shared_ptr<NetFD>& self) {
  if (self == nullptr) self = shared_from_this();
  return pd_.WaitWrite();
}

Error NetFD::WaitError(int code) const {
  return code == PollDesc::kErrClosing ? Error::ErrClosed()
                                       : Error::DeadlineExceeded();
}

void NetFD::EnableInq() {
  const int one = 1;
  use_inq_ = sotype_ == SOCK_STREAM &&
             rt_->sys().setsockopt(sysfd_, IPPROTO_TCP, TCP_INQ, &one,
                                   sizeof one) == 0;
}

ssize_t NetFD::RecvInq(void* buf, size_t len) {
  iovec iov{buf, len};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = rt_->sys().recvmsg(sysfd_, &msg, 0);
  drained_ = false;
  if (n <= 0 || (msg.msg_flags & MSG_CTRUNC) != 0) return n;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ &&
        c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int inq;
      std::memcpy(&inq, CMSG_DATA(c), sizeof inq);
      drained_ = inq == 0;
    }
  }
  return n;
}

// With TCP_INQ, a Read that follows one which drained the socket parks
// before it reads: the read would fail with EAGAIN. Why no wakeup is lost:
// inq == 0 was computed by the kernel after the bytes were taken (after
// the backlog was processed: tcp_recvmsg's tcp_inq_hint follows
// release_sock), and counts a FIN not yet read as 1 and the bytes behind
// an urgent mark, so "drained" means nothing readable was queued at that
// moment; anything that makes the socket readable later (data, a FIN, a
// RST, a shutdown) wakes the socket's wait queue, which adds a new
// edge-triggered event. The Runtime delivers events only while no task
// runs: if the event came while this task was elsewhere (parked on
// another call, or yielding), PollDesc kept it as the read side's ready
// bit and Wait returns at once; if it comes later, it wakes the parked
// task. This is Go's own pdReady protocol (runtime/netpoll.go): an event
// with no waiter sets pdReady, and netpollblock consumes it instead of
// parking. A stale ready bit (the event of bytes this task has read
// already) costs one read that fails with EAGAIN, as before. Deadlines,
// close and errors are checked exactly where a read that failed would
// have led: PrepareRead before, and Wait itself.
Result<size_t> NetFD::Read(void* buf, size_t len) {
  std::shared_ptr<NetFD> self;  // taken only to park (see KeepAlive)
  if (closed_) return Error::ErrClosed();
  if (len == 0) return size_t{0};  // as Go: a zero-byte read returns at once
  if (int e = pd_.PrepareRead(); e != PollDesc::kOk) return WaitError(e);
  if (drained_) {
    drained_ = false;
    if (int e = WaitRead(self); e != PollDesc::kOk) return WaitError(e);
  }
  while (true) {
    ssize_t n =
        use_inq_ ? RecvInq(buf, len) : rt_->sys().read(sysfd_, buf, len);
    if (n == -EINTR) continue;
    if (n == -EAGAIN) {
      if (int e = WaitRead(self); e != PollDesc::kOk) return WaitError(e);
      continue;
    }
    if (n < 0) return Error::FromErrno(static_cast<int>(-n), "read");
    if (n == 0 && sotype_ == SOCK_STREAM) return kEOF;
    return static_cast<size_t>(n);
  }
}

Result<size_t> NetFD::Write(const void* buf, size_t len) {
  std::shared_ptr<NetFD> self;  // taken only to park (see KeepAlive)
  if (closed_) return Error::ErrClosed();
  if (int e = pd_.PrepareWrite(); e != PollDesc::kOk) return WaitError(e);
  const char* p = static_cast<const char*>(buf);
  size_t nn = 0;
  while (true) {
    ssize_t n = rt_->sys().write(sysfd_, p + nn, len - nn);
    if (n == -EINTR) continue;
    if (n > 0) nn += static_cast<size_t>(n);
    if (nn == len) return nn;
    if (n == -EAGAIN) {
      if (int e = WaitWrite(self); e != PollDesc::kOk) return WaitError(e);
      continue;
    }
    if (n < 0) return Error::FromErrno(static_cast<int>(-n), "write");
    if (n == 0) return Error::New("unexpected EOF");  // io.ErrUnexpectedEOF
  }
}

Result<NetFD::From> NetFD::ReadFrom(void* buf, size_t len) {
  std::shared_ptr<NetFD> self;  // taken only to park (see KeepAlive)
  if (closed_) return Error::ErrClosed();
  if (int e = pd_.PrepareRead(); e != PollDesc::kOk) return WaitError(e);
  while (true) {
    From from;
    socklen_t alen = sizeof(from.addr);
    ssize_t n = rt_->sys().recvfrom(
        sysfd_, buf, len, 0, reinterpret_cast<sockaddr*>(&from.addr), &alen);
    if (n == -EINTR) continue;
    if (n == -EAGAIN) {
      if (int e = WaitRead(self); e != PollDesc::kOk) return WaitError(e);
      continue;
    }
    if (n < 0) return Error::FromErrno(static_cast<int>(-n), "recvfrom");
    if (n == 0 && sotype_ == SOCK_STREAM) return kEOF;
    from.n = static_cast<size_t>(n);
    return from;
  }
}

Result<size_t> NetFD::WriteTo(const void* buf, size_t len,
                              const sockaddr_in& to) {
  std::shared_ptr<NetFD> self;  // taken only to park (see KeepAlive)
  if (closed_) return Error::ErrClosed();
  if (int e = pd_.PrepareWrite(); e != PollDesc::kOk) return WaitError(e);
  while (true) {
    ssize_t n =
        rt_->sys().sendto(sysfd_, buf, len, 0,
                          reinterpret_cast<const sockaddr*>(&to), sizeof(to));
    if (n == -EINTR) continue;
    if (n == -EAGAIN) {
      if (int e = WaitWrite(self); e != PollDesc::kOk) return WaitError(e);
      continue;
    }
    if (n < 0) return Error::FromErrno(static_cast<int>(-n), "sendto");
    return len;
  }
}

Result<std::shared_ptr<NetFD>> NetFD::Accept() {
  std::shared_ptr<NetFD> self;  // taken only to park (see KeepAlive)
  if (closed_) return Error::ErrClosed();
  if (int e = pd_.PrepareRead(); e != PollDesc::kOk) return WaitError(e);
  sockaddr_in rsa{};
  int s;
  while (true) {
    socklen_t alen = sizeof(rsa);
    s = rt_->sys().accept4(sysfd_, reinterpret_cast<sockaddr*>(&rsa), &alen,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (s >= 0) break;
    if (s == -EINTR || s == -ECONNABORTED) continue;  // as Go: retry
    if (s == -EAGAIN) {
      if (int e = WaitRead(self); e != PollDesc::kOk) return WaitError(e);
      continue;
    }
    return Error::FromErrno(-s, "accept4");
  }
  auto nfd = std::make_shared<NetFD>(*rt_, s, family_, sotype_, net_);
  if (auto r = nfd->Init(); !r.ok()) {
    (void)nfd->Close();
    return r.error();
  }
  nfd->is_connected_ = true;
  nfd->SetAddr(nfd->LocalSockAddr(), SockAddr(rsa));
  return nfd;
}

Result<void> NetFD::Shutdown(int how) {
  if (closed_) return Error::ErrClosed();
  drained_ = false;  // a shut read side reads 0 at once
  int r = rt_->sys().shutdown(sysfd_, how);
  if (r < 0) return Error::FromErrno(-r, "shutdown");
  return {};
}

Result<void> NetFD::Setsockopt(int level, int name, const void* value,
                               socklen_t len) {
  if (closed_) return Error::ErrClosed();
  int r = rt_->sys().setsockopt(sysfd_, level, name, value, len);
  if (r < 0) return Error::FromErrno(-r, "setsockopt");
  return {};
}

Result<void> NetFD::SetsockoptInt(int level, int name, int value) {
  return Setsockopt(level, name, &value, sizeof(value));
}

Result<void> NetFD::SetReadDeadline(Time t) {
  if (closed_) return Error::ErrClosed();
  pd_.SetReadDeadline(t);
  return {};
}

Result<void> NetFD::SetWriteDeadline(Time t) {
  if (closed_) return Error::ErrClosed();
  pd_.SetWriteDeadline(t);
  return {};
}

Addr NetFD::SockAddr(const sockaddr_in& sa) const {
  if (sa.sin_family != AF_INET) return Addr();
  IP ip = IPFromSockaddr(sa);
  int port = PortFromSockaddr(sa);
  if (sotype_ == SOCK_STREAM) return TCPAddr{ip, port, ""};
  return UDPAddr{ip, port, ""};
}

Addr NetFD::LocalSockAddr() {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  if (rt_->sys().getsockname(sysfd_, reinterpret_cast<sockaddr*>(&sa), &len) <
      0) {
    return Addr();
  }
  return SockAddr(sa);
}

Result<void> NetFD::ListenStream(const sockaddr_in& la, const Addr& laddr,
                                 int backlog, const ControlFn& control) {
  // setDefaultListenerSockopts: SO_REUSEADDR.
  if (auto r = SetsockoptInt(SOL_SOCKET, SO_REUSEADDR, 1); !r.ok()) return r;
  if (control) {
    if (auto r = control(CtrlNetwork(), laddr.String(), sysfd_); !r.ok()) {
      return r;
    }
  }
  int r = rt_->sys().bind(sysfd_, reinterpret_cast<const sockaddr*>(&la),
                          sizeof(la));
  if (r < 0) return Error::FromErrno(-r, "bind");
  r = rt_->sys().listen(sysfd_, backlog);
  if (r < 0) return Error::FromErrno(-r, "listen");
  if (auto ir = Init(); !ir.ok()) return ir;
  SetAddr(LocalSockAddr(), Addr());
  return {};
}

Result<void> NetFD::ListenDatagram(const sockaddr_in& la, const Addr& laddr,
                                   const ControlFn& control) {
  if (control) {
    if (auto r = control(CtrlNetwork(), laddr.String(), sysfd_); !r.ok()) {
      return r;
    }
  }
  int r = rt_->sys().bind(sysfd_, reinterpret_cast<const sockaddr*>(&la),
                          sizeof(la));
  if (r < 0) return Error::FromErrno(-r, "bind");
  if (auto ir = Init(); !ir.ok()) return ir;
  SetAddr(LocalSockAddr(), Addr());
  return {};
}

Result<void> NetFD::Dial(const sockaddr_in* la, const Addr* laddr,
                         const sockaddr_in& ra, const Addr& raddr,
                         Time deadline, const ControlFn& control,
                         const context::Context* ctx) {
  (void)laddr;
  if (control) {
    if (auto r = control(CtrlNetwork(), raddr.String(), sysfd_); !r.ok()) {
      return r;
    }
  }
  if (la != nullptr) {
    int r = rt_->sys().bind(sysfd_, reinterpret_cast<const sockaddr*>(la),
                            sizeof(*la));
    if (r < 0) return Error::FromErrno(-r, "bind");
  }
  if (auto r = Connect(ra, deadline, ctx); !r.ok()) return r;
  is_connected_ = true;
  sockaddr_in peer{};
  socklen_t plen = sizeof(peer);
  Addr remote = raddr;
  if (rt_->sys().getpeername(sysfd_, reinterpret_cast<sockaddr*>(&peer),
                             &plen) == 0) {
    remote = SockAddr(peer);
  }
  SetAddr(LocalSockAddr(), remote);
  return {};
}

// Go's netFD.connect: a nonblocking connect, then wait for writability and
// read SO_ERROR (a second connect does not report the result reliably).
Result<void> NetFD::Connect(const sockaddr_in& ra, Time deadline,
                            const context::Context* ctx) {
  int r = rt_->sys().connect(sysfd_, reinterpret_cast<const sockaddr*>(&ra),
                             sizeof(ra));
  switch (-r) {
    case EINPROGRESS:
    case EALREADY:
    case EINTR:
      break;
    case 0:
    case EISCONN:
      return Init();
    default:
      return Error::FromErrno(-r, "connect");
  }
  if (auto ir = Init(); !ir.ok()) return ir;
  if (!deadline.IsZero()) pd_.SetWriteDeadline(deadline);
  struct ClearDeadline {
    NetFD* fd;
    ~ClearDeadline() {
      if (!fd->closed_) fd->pd_.SetWriteDeadline(Time());
    }
  } clear{this};
  // Go's netFD.connect: when ctx ends, the write wait gives up at once
  // (SetWriteDeadline(aLongTimeAgo)) and the dial fails with
  // mapErr(ctx.Err()). Unregistered (before the deadline is cleared) on
  // the way out.
  bool interrupted = false;
  struct Watch {
    std::function<bool()> stop;
    ~Watch() {
      if (stop) stop();
    }
  } watch;
  if (ctx != nullptr) {
    watch.stop = context::internal::OnDone(*ctx, [this, &interrupted] {
      interrupted = true;
      if (!closed_) pd_.SetWriteDeadline(kLongTimeAgo);
    });
  }
  // A connect that completed after ctx ended still fails: its write side
  // was poisoned (Go's issue 16523).
  auto connected = [&]() -> Result<void> {
    if (interrupted) return Error::MapContextError(*ctx->Err());
    return {};
  };
  while (true) {
    if (int e = pd_.WaitWrite(); e != PollDesc::kOk) {
      if (interrupted) return Error::MapContextError(*ctx->Err());
      return WaitError(e);
    }
    int nerr = 0;
    socklen_t len = sizeof(nerr);
    int g = rt_->sys().getsockopt(sysfd_, SOL_SOCKET, SO_ERROR, &nerr, &len);
    if (g < 0) return Error::FromErrno(-g, "getsockopt");
    switch (nerr) {
      case EINPROGRESS:
      case EALREADY:
      case EINTR:
        break;
      case EISCONN:
        return connected();
      case 0: {
        // The poller can wake us spuriously: check we are connected.
        sockaddr_in peer{};
        socklen_t plen = sizeof(peer);
        if (rt_->sys().getpeername(sysfd_, reinterpret_cast<sockaddr*>(&peer),
                                   &plen) == 0) {
          return connected();
        }
        break;
      }
      default:
        return Error::FromErrno(nerr, "connect");
    }
  }
}

Result<std::shared_ptr<NetFD>> NewSocket(Runtime& rt, const std::string& net,
                                         int sotype) {
  int s = rt.sys().socket(AF_INET, sotype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return Error::FromErrno(-s, "socket");
  if (sotype == SOCK_DGRAM) {
    int one = 1;
    int r = rt.sys().setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
    if (r < 0) {
      rt.sys().close(s);
      return Error::FromErrno(-r, "setsockopt");
    }
  }
  return std::make_shared<NetFD>(rt, s, AF_INET, sotype, net);
}

}  // namespace simsock::net::internal
