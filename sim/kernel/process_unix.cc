// Process: the syscall layer's part of AF_UNIX stream sockets
// (__sys_socketpair, unix_create, move_addr_to_kernel / move_addr_to_user
// for sockaddr_un, sock_ioctl's unix_ioctl); the socket's own rules are in
// sim/vfs/unix_socket.h (docs/semantics.md §10). The generic calls
// (process.cc, process_io.cc, process_iov.cc, process_msg.cc) hand an
// AF_UNIX fd to the Unix* helpers here once they have resolved it.
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/inet/sockaddr.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/iovec_import.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/vfs/unix_socket.h"

namespace simsock::sim {
namespace {

// How socketpair's array reads in the trace: "[3, 4]" once filled.
std::string SvPair(int64_t a, int64_t b) {
  return "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
}
// ... and before (a failed call leaves it unwritten).
std::string SvPairUnset(int64_t, int64_t) { return "[?, ?]"; }

// move_addr_to_user for a sockaddr_un of klen bytes: the caller's length
// is read (EFAULT without one, EINVAL when negative), the address cut to
// it, and the full length written back.
int UnixAddrOut(const sockaddr_un& sun, socklen_t klen, sockaddr* addr,
                socklen_t* addrlen) {
  if (addrlen == nullptr) return -EFAULT;
  const int have = static_cast<int>(*addrlen);
  if (have < 0) return -EINVAL;
  const size_t n =
      std::min(static_cast<size_t>(have), static_cast<size_t>(klen));
  if (n > 0) {
    if (addr == nullptr) return -EFAULT;
    std::memcpy(addr, &sun, n);
  }
  *addrlen = klen;
  return 0;
}

}  // namespace

std::shared_ptr<UnixSocket> Process::UnixAt(int fd) const {
  std::shared_ptr<File> f = fds_.GetShared(fd);
  if (!f || f->kind() != File::Kind::kUnix) return nullptr;
  return std::static_pointer_cast<UnixSocket>(f);
}

// unix_create: the protocol (0 or PF_UNIX), then the type. Datagram and
// seqpacket sockets exist on Linux but are not modelled (D34).
int Process::UnixCreate(int type, int protocol) {
  if (protocol != 0 && protocol != PF_UNIX) return -EPROTONOSUPPORT;
  const int base = type & 0xf;
  if (base == SOCK_DGRAM || base == SOCK_RAW || base == SOCK_SEQPACKET)
    return -EOPNOTSUPP;
  if (base != SOCK_STREAM) return -ESOCKTNOSUPPORT;
  auto u = std::make_shared<UnixSocket>(host_.unix_names(), UnixCred{pid_});
  u->set_nonblocking(type & SOCK_NONBLOCK);
  if (auto hit = StartFault("socket", nullptr, 0, 0))
    return NewFdFault(*hit, "socket");
  return fds_.Install(u, type & SOCK_CLOEXEC);
}

// __sys_socketpair: the flags (EINVAL), two fds (EMFILE), the array
// (EFAULT), then the sockets (the family's and type's errors; a family
// without socketpair, as AF_INET, EOPNOTSUPP).
int Process::socketpair(int domain, int type, int protocol, int sv[2]) {
  TraceArgs args;
  return Syscall<int>("socketpair", args, [&](CallFiles&) {
    const TraceArgs head = TraceArgs()
                               .Named<sys::FamilyName>(domain)
                               .Named<sys::SockTypeName>(type)
                               .Int(protocol);
    args = TraceArgs(head);
    if (sv == nullptr) {
      args.Null();
    } else {
      args.With(&SvPairUnset, 0, 0);
    }
    if (dead_) return -ESRCH;
    if (type & ~(0xf | SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
    if (!fds_.HasRoom()) return -EMFILE;
    if (sv == nullptr) return -EFAULT;
    if (domain < 0 || domain >= AF_MAX) return -EAFNOSUPPORT;
    const int base = type & 0xf;
    if (domain == AF_INET) {
      // inet_create makes the sockets; inet's socketpair is
      // sock_no_socketpair.
      return -EOPNOTSUPP;
    }
    if (domain != AF_UNIX) return -EAFNOSUPPORT;
    if (protocol != 0 && protocol != PF_UNIX) return -EPROTONOSUPPORT;
    if (base == SOCK_DGRAM || base == SOCK_RAW || base == SOCK_SEQPACKET)
      return -EOPNOTSUPP;  // not modelled (D34)
    if (base != SOCK_STREAM) return -ESOCKTNOSUPPORT;
    auto [a, b] = UnixSocket::MakePair(host_.unix_names(), UnixCred{pid_});
    a->set_nonblocking(type & SOCK_NONBLOCK);
    b->set_nonblocking(type & SOCK_NONBLOCK);
    if (auto hit = StartFault("socket", nullptr, 0, 0))
      return NewFdFault(*hit, "socketpair");
    const bool cloexec = (type & SOCK_CLOEXEC) != 0;
    const int fd1 = fds_.Install(a, cloexec);
    if (fd1 < 0) return fd1;
    const int fd2 = fds_.Install(b, cloexec);
    if (fd2 < 0) {
      fds_.Close(fd1);
      return fd2;
    }
    sv[0] = fd1;
    sv[1] = fd2;
    args = TraceArgs(head).With(&SvPair, fd1, fd2);
    return 0;
  });
}

int Process::UnixBind(UnixSocket& u, const sockaddr* addr, socklen_t addrlen) {
  sockaddr_storage ss;
  if (int e = CopyAddrIn(addr, addrlen, &ss)) return e;
  sockaddr_un sun;
  std::memcpy(&sun, &ss, sizeof sun);
  return u.Bind(sun, addrlen);
}

int Process::UnixConnect(UnixSocket& u, const sockaddr_storage& ss,
                         socklen_t len) {
  sockaddr_un sun;
  std::memcpy(&sun, &ss, sizeof sun);
  return u.Connect(*this, sun, len, UnixCred{pid_});
}

// unix_accept, then __sys_accept4_file's address copy (a failed copy
// loses the connection, as on Linux) and the fd.
int Process::UnixAccept(UnixSocket& u, sockaddr* addr, socklen_t* addrlen,
                        int flags) {
  std::shared_ptr<UnixSocket> child;
  if (int e = u.Accept(*this, u.nonblocking(), &child)) return e;
  child->set_nonblocking(flags & SOCK_NONBLOCK);
  if (addr != nullptr) {
    // unix_getname(peer): the connecting socket's address (just the
    // family when it is unbound).
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    socklen_t klen = offsetof(sockaddr_un, sun_path);
    (void)child->PeerName(&sun, &klen);
    if (int e = UnixAddrOut(sun, klen, addr, addrlen)) {
      child->AddFdRef();
      child->DropFdRef();
      return e;
    }
  }
  return fds_.Install(child, flags & SOCK_CLOEXEC);
}

// unix_stream_recvmsg, and recvfrom's address.
ssize_t Process::UnixRecv(UnixSocket& u, void* buf, size_t len, int flags,
                          sockaddr* addr, socklen_t* addrlen) {
  std::string from;
  const ssize_t r = u.Recv(*this, static_cast<uint8_t*>(buf), len, flags,
                           addr != nullptr ? &from : nullptr);
  if (r >= 0 && addr != nullptr) {
    // unix_copy_addr: the sender's name, or a length of 0.
    sockaddr_un sun;
    const socklen_t klen =
        from.empty() ? 0 : UnixSocket::NameToAddr(from, &sun);
    if (int e = UnixAddrOut(sun, klen, addr, addrlen)) return e;
  }
  return r;
}

// unix_stream_sendmsg: the control messages (scm_send) first, then a name
// (EISCONN connected, else EOPNOTSUPP), then the socket's send (MSG_OOB
// there).
ssize_t Process::UnixSend(UnixSocket& u, const IoSpan& data, int flags,
                          bool has_name, const SendControl* ctl) {
  if (ctl != nullptr) {
    if (int e = UnixCmsgSend(*ctl)) return e;
  }
  if (has_name) return u.connected() ? -EISCONN : -EOPNOTSUPP;
  const ssize_t r = u.Send(*this, data, flags);
  // unix_stream_sendmsg's pipe_err: -EPIPE also sends SIGPIPE to the
  // caller unless MSG_NOSIGNAL (docs/semantics.md §9).
  if (r == -EPIPE && (flags & MSG_NOSIGNAL) == 0) {
    SendSignal(SIGPIPE, CurrentTid(), "EPIPE");
  }
  return r;
}

int Process::UnixName(UnixSocket& u, bool peer, sockaddr* addr,
                      socklen_t* addrlen) {
  sockaddr_un sun;
  socklen_t klen = 0;
  if (peer) {
    if (int e = u.PeerName(&sun, &klen)) return e;
  } else {
    klen = u.LocalName(&sun);
  }
  return UnixAddrOut(sun, klen, addr, addrlen);
}

// __sys_getsockopt: SOL_SOCKET goes to sk_getsockopt (optlen read first:
// EFAULT, EINVAL); AF_UNIX has no getsockopt of its own for other levels
// (EOPNOTSUPP).
int Process::UnixGetSockOpt(UnixSocket& u, int level, int optname, void* optval,
                            socklen_t* optlen) {
  if (level != SOL_SOCKET) return -EOPNOTSUPP;
  if (optlen == nullptr) return -EFAULT;
  if (static_cast<int>(*optlen) < 0) return -EINVAL;
  if (optval == nullptr && *optlen > 0) return -EFAULT;
  return u.GetSockOpt(optname, optval, optlen);
}

int Process::UnixSetSockOpt(UnixSocket& u, int level, int optname,
                            const void* optval, socklen_t optlen) {
  if (level != SOL_SOCKET) return -EOPNOTSUPP;
  if (static_cast<int>(optlen) < 0) return -EINVAL;
  if (optval == nullptr && optlen >= sizeof(int)) return -EFAULT;
  return u.SetSockOpt(optname, optval, optlen);
}

ssize_t Process::UnixRecvIovecs(UnixSocket& u, const iovec* iov, size_t count,
                                size_t len, int flags, msghdr* msg) {
  // The buffers before the first NULL one (as RecvIntoIovecs, D26): one
  // receive into a copy of their length, scattered afterwards.
  const size_t usable = BytesBeforeFault(iov, count, len);
  std::string from;
  std::string* want_from =
      msg != nullptr && msg->msg_name != nullptr ? &from : nullptr;
  if (usable == 0 && len > 0)  // faults on a queued byte
    return u.Recv(*this, nullptr, len, flags, want_from);
  std::vector<uint8_t> buf(usable);
  const ssize_t r = u.Recv(*this, buf.data(), usable, flags, want_from);
  if (r > 0) Scatter(buf.data(), static_cast<size_t>(r), iov);
  if (r >= 0 && msg != nullptr) {
    // ___sys_recvmsg: the name (unix_copy_addr) cut to msg_namelen, which
    // then holds its full length; no control message (no SO_PASSCRED), no
    // flags.
    if (msg->msg_name != nullptr) {
      sockaddr_un sun;
      const socklen_t klen =
          from.empty() ? 0 : UnixSocket::NameToAddr(from, &sun);
      const socklen_t n = std::min(msg->msg_namelen, klen);
      if (n > 0) std::memcpy(msg->msg_name, &sun, n);
      msg->msg_namelen = klen;
    }
    msg->msg_controllen = 0;
    msg->msg_flags = flags & MSG_CMSG_CLOEXEC;
  }
  return r;
}

// sock_ioctl -> unix_ioctl.
int Process::unix_ioctl(int fd, unsigned long request, int* value) {
  const TraceArgs args =
      TraceArgs().Int(fd).Text(request == FIONREAD ? "FIONREAD" : "SIOCOUTQ");
  return Syscall<int>("ioctl", args, [&](CallFiles&) {
    File* f = fds_.Get(fd);
    if (f == nullptr) return -EBADF;
    std::shared_ptr<UnixSocket> u = UnixAt(fd);
    if (!u) return -ENOTTY;
    int n = 0;
    if (request == SIOCOUTQ) {
      n = u->OutqLen();
    } else if (request == FIONREAD) {
      n = u->InqLen();
      if (n < 0) return n;
    } else {
      return -ENOTTY;  // -ENOIOCTLCMD reaches the caller as ENOTTY
    }
    if (value == nullptr) return -EFAULT;
    *value = n;
    return 0;
  });
}

}  // namespace simsock::sim
