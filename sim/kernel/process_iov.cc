// Process: readv, writev and sendmsg. The syscall layer's part of them
// (do_readv / do_writev, vfs_readv / vfs_writev, import_iovec,
// __sys_sendmsg, ___sys_sendmsg, ____sys_sendmsg); the protocol's loop is
// the socket's RecvMsg / SendMsg, which read, write, recvfrom and sendto
// use too (process_io.cc), and the iovec receive is recvmsg's
// (process_msg.cc).
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/base/io_span.h"
#include "simsock/sim/inet/sockaddr.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/iovec_import.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/vfs/pipe.h"
#include "simsock/sim/vfs/unix_socket.h"

namespace simsock::sim {
namespace {

// An iovec array in a trace line: "{iov <count>/<bytes>}".
std::string IovText(int64_t count, int64_t bytes) {
  return "{iov " + std::to_string(count) + "/" + std::to_string(bytes) + "}";
}
// The halves of sendmsg's msghdr around its name: "{iov <n>/<bytes>" and
// "ctl <len>}" (the line joins them with the name by ", ").
std::string MsgIovOpenText(int64_t count, int64_t bytes) {
  return "{iov " + std::to_string(count) + "/" + std::to_string(bytes);
}
std::string CtlCloseText(int64_t ctllen, int64_t /*unused*/) {
  return "ctl " + std::to_string(ctllen) + "}";
}

// A readv/writev vector's arguments: the count as the call gave it (the
// kernel reads it as unsigned long, so a negative one is over UIO_MAXIOV)
// and the bytes when the count is one import_iovec takes.
TraceArgs VectorArgs(int fd, const iovec* iov, int iovcnt) {
  TraceArgs args = TraceArgs().Int(fd);
  if (iov == nullptr) return args.Null().Int(iovcnt);
  const bool takes = iovcnt >= 0 && static_cast<size_t>(iovcnt) <= kMaxIov;
  const size_t total = takes ? IovTotal(iov, static_cast<size_t>(iovcnt)) : 0;
  return args.With(&IovText, iovcnt, static_cast<int64_t>(total));
}

// ____sys_sendmsg: a control buffer larger than its on-stack one
// (sizeof(struct cmsghdr) + 20) comes from sock_kmalloc, which refuses
// net.core.optmem_max (131072 since Linux 6.9) or more.
constexpr size_t kCtlOnStack = sizeof(cmsghdr) + 20;
constexpr size_t kOptmemMax = 131072;

// The vector's count, as import_iovec sees it: -EINVAL when negative (a
// huge unsigned long) or over UIO_MAXIOV; the errors of ImportIovec.
int ImportVector(const iovec* iov, int iovcnt, size_t* total) {
  if (iovcnt < 0 || static_cast<size_t>(iovcnt) > kMaxIov) return -EINVAL;
  return ImportIovec(iov, static_cast<size_t>(iovcnt), total);
}

bool IsPipeOrEventFd(const File& f) {
  return f.kind() == File::Kind::kPipe || f.kind() == File::Kind::kEventFd;
}

// vfs_readv / vfs_writev check the file's mode before the vector: a pipe's
// write end has no FMODE_READ (EBADF), its read end no FMODE_WRITE.
bool WrongPipeEnd(const File& f, bool reading) {
  if (f.kind() != File::Kind::kPipe) return false;
  return static_cast<const PipeEnd&>(f).is_read_end() != reading;
}

}  // namespace

ssize_t Process::readv(int fd, const iovec* iov, int iovcnt) {
  const TraceArgs args = VectorArgs(fd, iov, iovcnt);
  return Syscall<ssize_t>("readv", args, [&](CallFiles& files) -> ssize_t {
    // vfs_readv: the file's mode first (an epoll fd cannot be read), then
    // the vector; a vector of no bytes reads nothing, whatever the file.
    File* f = fds_.Get(fd);
    if (f == nullptr) return -EBADF;
    const bool is_null = f->kind() == File::Kind::kNull;
    if (WrongPipeEnd(*f, /*reading=*/true)) return -EBADF;
    const bool is_unix = f->kind() == File::Kind::kUnix;
    if (!is_null && !is_unix && !f->IsSocket() && !IsPipeOrEventFd(*f))
      return -EINVAL;
    size_t len = 0;
    if (int e = ImportVector(iov, iovcnt, &len)) return e;
    if (len == 0) return 0;
    if (is_null) return 0;  // read_iter_null: end of file
    if (is_unix) {
      std::shared_ptr<UnixSocket> u = UnixAt(fd);
      files.Hold(u);
      return UnixRecvIovecs(*u, iov, static_cast<size_t>(iovcnt), len, 0);
    }
    if (IsPipeOrEventFd(*f)) {
      // pipe_read / eventfd_read fill the iov_iter in one call, atomically
      // for the file: one read into a buffer, then scattered, is the same
      // call. A pipe gives at most its content (<= its capacity), an
      // eventfd 8 bytes; the copy stops where a NULL buffer would fault.
      const size_t room =
          BytesBeforeFault(iov, static_cast<size_t>(iovcnt), len);
      if (room == 0) return -EFAULT;
      const bool eventfd = f->kind() == File::Kind::kEventFd;
      std::vector<uint8_t> buf(
          eventfd ? sizeof(uint64_t)
                  : std::min(room, static_cast<size_t>(
                                       static_cast<PipeEnd*>(f)->capacity())));
      // An eventfd sees the whole length (it checks it is >= 8) and copies
      // 8 bytes; a pipe never more than its content.
      const ssize_t n =
          FileRead(files, fd, buf.data(), eventfd ? len : buf.size());
      // eventfd_read: the counter is taken before copy_to_iter faults.
      if (eventfd && n > 0 && room < static_cast<size_t>(n)) return -EFAULT;
      if (n > 0) Scatter(buf.data(), static_cast<size_t>(n), iov);
      return n;
    }
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    files.Hold(s);
    // sock_read_iter -> sock_recvmsg, as read().
    if (ssize_t e = StartReceiveFault("readv", *s, 0, &len)) return e;
    Endpoint from;  // read's: the sender is not reported
    bool has_from = false;
    return RecvIntoIovecs(*s, iov, static_cast<size_t>(iovcnt), len, 0, true,
                          &from, &has_from);
  });
}

ssize_t Process::writev(int fd, const iovec* iov, int iovcnt) {
  const TraceArgs args = VectorArgs(fd, iov, iovcnt);
  return Syscall<ssize_t>("writev", args, [&](CallFiles& files) -> ssize_t {
    File* f = fds_.Get(fd);
    if (f == nullptr) return -EBADF;
    const bool is_null = f->kind() == File::Kind::kNull;
    if (WrongPipeEnd(*f, /*reading=*/false)) return -EBADF;
    const bool is_unix = f->kind() == File::Kind::kUnix;
    if (!is_null && !is_unix && !f->IsSocket() && !IsPipeOrEventFd(*f))
      return -EINVAL;
    size_t len = 0;
    if (int e = ImportVector(iov, iovcnt, &len)) return e;
    if (len == 0) return 0;  // vfs_writev: the file is not called
    // write_iter_null: all of it taken (already capped at MAX_RW_COUNT).
    if (is_null) return static_cast<ssize_t>(len);
    if (is_unix) {
      std::shared_ptr<UnixSocket> u = UnixAt(fd);
      files.Hold(u);
      return UnixSend(*u, IoSpan(iov, static_cast<size_t>(iovcnt), len), 0,
                      false, nullptr);
    }
    if (f->kind() == File::Kind::kEventFd) {
      // eventfd_write is a plain .write, not .write_iter: vfs_writev runs
      // do_loop_readv_writev, one write per buffer (each must be 8 bytes),
      // stopping at the first error (returned if nothing was written yet)
      // or short write.
      ssize_t total = 0;
      for (int i = 0; i < iovcnt; ++i) {
        if (iov[i].iov_len == 0) continue;
        const ssize_t n = FileWrite(files, fd, iov[i].iov_base, iov[i].iov_len);
        if (n < 0) return total > 0 ? total : n;
        total += n;
        if (static_cast<size_t>(n) != iov[i].iov_len) break;
      }
      return total;
    }
    if (IsPipeOrEventFd(*f)) {
      // pipe_write takes the iov_iter as one write (PIPE_BUF atomicity
      // counts the whole length): gathered, it is the same call. The copy
      // stops where a NULL buffer would fault.
      const IoSpan span(iov, static_cast<size_t>(iovcnt), len);
      const size_t ok = span.Readable();
      if (ok == 0) return -EFAULT;
      std::vector<uint8_t> buf(ok);
      span.CopyTo(buf.data(), ok);
      return FileWrite(files, fd, buf.data(), ok);
    }
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    files.Hold(s);
    // sock_write_iter -> sock_sendmsg with no flags, as write().
    if (ssize_t e = StartSendFault("writev", *s, 0, &len)) return e;
    return SigpipeOnEpipe(
        s->SendMsg(*this, IoSpan(iov, static_cast<size_t>(iovcnt), len), 0,
                   nullptr, 0, nullptr),
        *s, 0);
  });
}

ssize_t Process::sendmsg(int fd, const msghdr* msg, int flags) {
  // The header as the trace shows it: "{iov <n>/<bytes>, <name>, ctl <n>}",
  // the name as sendto's address (cut to 128 bytes, as __copy_msghdr).
  const bool has_msg = msg != nullptr;
  const size_t iovlen = has_msg ? msg->msg_iovlen : 0;
  const int namelen = has_msg && msg->msg_name != nullptr
                          ? static_cast<int>(msg->msg_namelen)
                          : 0;
  const socklen_t shown_namelen = static_cast<socklen_t>(
      std::min<int>(namelen, static_cast<int>(sizeof(sockaddr_storage))));
  TraceArgs args = TraceArgs().Int(fd);
  if (has_msg) {
    const size_t total = iovlen <= kMaxIov ? IovTotal(msg->msg_iov, iovlen) : 0;
    args.With(&MsgIovOpenText, static_cast<int64_t>(iovlen),
              static_cast<int64_t>(total));
    if (namelen > 0) {
      args.Addr(static_cast<const sockaddr*>(msg->msg_name), shown_namelen);
    } else {
      args.Null();
    }
    args.With(&CtlCloseText, static_cast<int64_t>(msg->msg_controllen));
  } else {
    args.Null();
  }
  args.Named<sys::MsgFlagsName>(flags);
  return Syscall<ssize_t>("sendmsg", args, [&](CallFiles& files) -> ssize_t {
    // __sys_sendmsg refuses the compat flag before it looks at the fd.
    if (flags & kMsgCmsgCompat) return -EINVAL;
    std::shared_ptr<UnixSocket> u = UnixAt(fd);
    std::shared_ptr<Socket> s;
    if (u) {
      files.Hold(u);
    } else {
      if (int e = LookupSocket(fd, &s)) return e;
      files.Hold(s);
    }
    // sendmsg_copy_msghdr -> __copy_msghdr: a NULL name or a length of 0
    // is no address; a negative length EINVAL; a longer one is cut to a
    // sockaddr_storage (sendto's EINVAL for it does not apply).
    if (msg == nullptr) return -EFAULT;
    if (namelen < 0) return -EINVAL;
    sockaddr_storage ss;
    const sockaddr_storage* to = nullptr;
    if (namelen > 0) {
      if (int e = CopyAddrIn(static_cast<const sockaddr*>(msg->msg_name),
                             shown_namelen, &ss))
        return e;
      to = &ss;
    }
    if (iovlen > kMaxIov) return -EMSGSIZE;
    size_t len = 0;
    if (int e = ImportIovec(msg->msg_iov, iovlen, &len)) return e;
    // ____sys_sendmsg: the control buffer is copied in.
    const size_t ctllen = msg->msg_controllen;
    if (ctllen > static_cast<size_t>(INT_MAX)) return -ENOBUFS;
    if (ctllen > kCtlOnStack && ctllen >= kOptmemMax) return -ENOBUFS;
    if (ctllen > 0 && msg->msg_control == nullptr) return -EFAULT;
    std::vector<uint8_t> ctl_copy(ctllen);
    if (ctllen > 0) std::memcpy(ctl_copy.data(), msg->msg_control, ctllen);
    const SendControl ctl{ctl_copy.data(), ctllen};
    if (u)
      return UnixSend(*u, IoSpan(msg->msg_iov, iovlen, len), flags,
                      to != nullptr, &ctl);
    if (ssize_t e = StartSendFault("sendmsg", *s, flags, &len)) return e;
    return SigpipeOnEpipe(s->SendMsg(*this, IoSpan(msg->msg_iov, iovlen, len),
                                     flags, to, shown_namelen, &ctl),
                          *s, flags);
  });
}

}  // namespace simsock::sim
