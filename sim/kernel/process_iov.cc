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
#include "simsock/sim/inet/sockaddr.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/iovec_import.h"
#include "simsock/sim/kernel/process.h"

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

// MSG_CMSG_COMPAT (include/linux/socket.h): refused from user space.
constexpr int kMsgCmsgCompat = static_cast<int>(0x80000000u);
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

}  // namespace

ssize_t Process::readv(int fd, const iovec* iov, int iovcnt) {
  const TraceArgs args = VectorArgs(fd, iov, iovcnt);
  return Syscall<ssize_t>("readv", args, [&](CallFiles& files) -> ssize_t {
    // vfs_readv: the file's mode first (an epoll fd cannot be read), then
    // the vector; a vector of no bytes reads nothing, whatever the file.
    File* f = fds_.Get(fd);
    if (f == nullptr) return -EBADF;
    const bool is_null = f->kind() == File::Kind::kNull;
    if (!is_null && !f->IsSocket()) return -EINVAL;
    size_t len = 0;
    if (int e = ImportVector(iov, iovcnt, &len)) return e;
    if (len == 0) return 0;
    if (is_null) return 0;  // read_iter_null: end of file
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
    if (!is_null && !f->IsSocket()) return -EINVAL;
    size_t len = 0;
    if (int e = ImportVector(iov, iovcnt, &len)) return e;
    if (len == 0) return 0;  // vfs_writev: the file is not called
    // write_iter_null: all of it taken (already capped at MAX_RW_COUNT).
    if (is_null) return static_cast<ssize_t>(len);
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    files.Hold(s);
    // sock_write_iter -> sock_sendmsg with no flags, as write().
    if (ssize_t e = StartSendFault("writev", *s, 0, &len)) return e;
    return s->SendMsg(*this, IoSpan(iov, static_cast<size_t>(iovcnt), len), 0,
                      nullptr, 0, nullptr);
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
    std::shared_ptr<Socket> s;
    if (int e = LookupSocket(fd, &s)) return e;
    files.Hold(s);
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
    if (ssize_t e = StartSendFault("sendmsg", *s, flags, &len)) return e;
    return s->SendMsg(*this, IoSpan(msg->msg_iov, iovlen, len), flags, to,
                      shown_namelen, &ctl);
  });
}

}  // namespace simsock::sim
