// Process: read, write, recvfrom and sendto. The syscall layer's part of
// them (sock_read_iter, __sys_recvfrom, __sys_sendto, move_addr_to_user,
// the null device's read and write) and the process's injected faults;
// the protocol's loop is the socket's RecvMsg / SendMsg. Pipes and
// eventfds go to process_pipe.cc.
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/net/sys/names.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/iovec_import.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/vfs/unix_socket.h"

namespace simsock::sim {
namespace {

std::string I(long v) { return std::to_string(v); }

}  // namespace

ssize_t Process::SysRecvFrom(CallFiles& files, int fd, void* buf, size_t len,
                             int flags, sockaddr* addr, socklen_t* addrlen,
                             bool is_read) {
  // One look-up and one reference for the call (sockfd_lookup_light).
  File* f = fds_.Get(fd);
  if (f == nullptr) return -EBADF;
  if (f->kind() == File::Kind::kUnix) {
    files.Hold(fds_.GetShared(fd));
    if (is_read && len == 0) return 0;  // sock_read_iter
    return UnixRecv(static_cast<UnixSocket&>(*f), buf, len, flags, addr,
                    addrlen);
  }
  if (!f->IsSocket()) return -ENOTSOCK;
  files.Hold(fds_.GetShared(fd));
  Socket* s = static_cast<Socket*>(f);
  if (is_read && len == 0) return 0;  // sock_read_iter: nothing to read
  const char* call = is_read ? "read" : "recvfrom";
  if (ssize_t e = StartReceiveFault(call, *s, flags, &len)) return e;
  Endpoint from;
  bool has_from = false;
  const ssize_t r = s->RecvMsg(*this, static_cast<uint8_t*>(buf), len, flags,
                               is_read, &from, &has_from);
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

ssize_t Process::StartReceiveFault(const char* call, Socket& s, int flags,
                                   size_t* len) {
  auto hit = StartFault(call, &s, flags, *len);
  if (!hit) return 0;
  if (hit->kind == faults::SyscallFaultKind::kEconnreset &&
      s.InjectPeerReset()) {
    // The peer's RST, arrived just before the call: the call then does
    // what Linux's does after one (bytes already queued are read first,
    // then ECONNRESET once, then the end).
    TraceFault(*hit, call, "a RST from the peer arrives first", "");
    return 0;
  }
  if (hit->kind != faults::SyscallFaultKind::kShortIo)
    return ErrorFault(*hit, call, s, "");
  // A short read: a stream may return fewer bytes than are there.
  const size_t asked = *len;
  *len = injector_.ShortLength(asked);
  TraceFault(*hit, call,
             "at most " + I(static_cast<long>(*len)) + " of " +
                 I(static_cast<long>(asked)) + " bytes",
             "short read of at most " + I(static_cast<long>(asked)));
  return 0;
}

ssize_t Process::read(int fd, void* buf, size_t count) {
  const auto args = [fd, count] {
    return TraceArgs().Int(fd).Int(static_cast<long>(count));
  };
  return SyscallWithArgs<ssize_t>(
      "read", args, [&](CallFiles& files) -> ssize_t {
        File* f = fds_.Get(fd);
        if (f != nullptr && f->kind() == File::Kind::kNull)
          return 0;  // read_null: always end of file (the buffer is untouched)
        if (f != nullptr && (f->kind() == File::Kind::kPipe ||
                             f->kind() == File::Kind::kEventFd))
          return FileRead(files, fd, buf, count);
        if (f != nullptr && !f->IsSocket() && f->kind() != File::Kind::kUnix)
          return -EINVAL;  // an epoll fd: the file has no read operation
        return SysRecvFrom(files, fd, buf, count, 0, nullptr, nullptr, true);
      });
}

ssize_t Process::recvfrom(int fd, void* buf, size_t len, int flags,
                          sockaddr* src_addr, socklen_t* addrlen) {
  const TraceArgs args = TraceArgs()
                             .Int(fd)
                             .Int(static_cast<long>(len))
                             .Named<sys::MsgFlagsName>(flags);
  return Syscall<ssize_t>("recvfrom", args, [&](CallFiles& files) {
    return SysRecvFrom(files, fd, buf, len, flags, src_addr, addrlen, false);
  });
}

ssize_t Process::SysSendTo(CallFiles& files, int fd, const void* buf,
                           size_t len, int flags, const sockaddr* addr,
                           socklen_t addrlen, bool is_write) {
  // One look-up and one reference for the call (sockfd_lookup_light).
  File* f = fds_.Get(fd);
  if (f == nullptr) return -EBADF;
  if (f->kind() == File::Kind::kUnix) {
    files.Hold(fds_.GetShared(fd));
    // __sys_sendto: the address is copied in; a length of 0 is no name.
    sockaddr_storage ss;
    if (addr != nullptr) {
      if (int e = CopyAddrIn(addr, addrlen, &ss)) return e;
    }
    return UnixSend(static_cast<UnixSocket&>(*f), IoSpan(buf, len), flags,
                    addr != nullptr && addrlen > 0, nullptr);
  }
  if (!f->IsSocket()) return -ENOTSOCK;
  files.Hold(fds_.GetShared(fd));
  Socket* s = static_cast<Socket*>(f);
  // A NULL buffer is not refused here (import_ubuf accepts it): each
  // protocol faults where it copies the payload, after its other checks.
  sockaddr_storage ss;
  const sockaddr_storage* to = nullptr;
  if (addr != nullptr) {
    if (int e = CopyAddrIn(addr, addrlen, &ss)) return e;
    to = &ss;
  }
  const char* call = is_write ? "write" : "sendto";
  if (ssize_t e = StartSendFault(call, *s, flags, &len)) return e;
  return SigpipeOnEpipe(
      s->SendMsg(*this, IoSpan(buf, len), flags, to, addrlen, nullptr), *s,
      flags);
}

ssize_t Process::StartSendFault(const char* call, Socket& s, int flags,
                                size_t* len) {
  auto hit = StartFault(call, &s, flags, *len);
  if (!hit) return 0;
  if (hit->kind != faults::SyscallFaultKind::kShortIo)
    return ErrorFault(*hit, call, s, "ENOBUFS in send");
  // A short write: a stream may take fewer bytes than were offered.
  const size_t asked = *len;
  *len = injector_.ShortLength(asked);
  TraceFault(*hit, call,
             "at most " + I(static_cast<long>(*len)) + " of " +
                 I(static_cast<long>(asked)) + " bytes",
             "short write of at most " + I(static_cast<long>(asked)));
  return 0;
}

ssize_t Process::write(int fd, const void* buf, size_t count) {
  const auto args = [fd, count] {
    return TraceArgs().Int(fd).Int(static_cast<long>(count));
  };
  return SyscallWithArgs<ssize_t>(
      "write", args, [&](CallFiles& files) -> ssize_t {
        File* f = fds_.Get(fd);
        // write_null: everything is taken and discarded (vfs_write first caps
        // the count at MAX_RW_COUNT; the buffer is never read).
        if (f != nullptr && f->kind() == File::Kind::kNull)
          return static_cast<ssize_t>(std::min(count, kMaxRwCount));
        if (f != nullptr && (f->kind() == File::Kind::kPipe ||
                             f->kind() == File::Kind::kEventFd))
          return FileWrite(files, fd, buf, count);
        if (f != nullptr && !f->IsSocket() && f->kind() != File::Kind::kUnix)
          return -EINVAL;  // an epoll fd: the file has no write operation
        return SysSendTo(files, fd, buf, count, 0, nullptr, 0, true);
      });
}

ssize_t Process::sendto(int fd, const void* buf, size_t len, int flags,
                        const sockaddr* dest_addr, socklen_t addrlen) {
  const TraceArgs args = TraceArgs()
                             .Int(fd)
                             .Int(static_cast<long>(len))
                             .Named<sys::MsgFlagsName>(flags)
                             .Addr(dest_addr, addrlen);
  return Syscall<ssize_t>("sendto", args, [&](CallFiles& files) {
    return SysSendTo(files, fd, buf, len, flags, dest_addr, addrlen, false);
  });
}

}  // namespace simsock::sim
