// Process::recvmsg: the syscall layer's part of recvmsg(2) (__sys_recvmsg,
// ___sys_recvmsg, copy_msghdr_from_user, import_iovec, move_addr_to_user,
// put_cmsg); the protocol's receive loop is the socket's RecvMsg, as for
// recvfrom (process_io.cc).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/sim/inet/sockaddr.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/iovec_import.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/vfs/unix_socket.h"

namespace simsock::sim {
namespace {

// The halves of a msghdr's trace text (see recvmsg's TraceArgs).
std::string MsgIovText(int64_t iovlen, int64_t bytes) {
  return "{iov " + std::to_string(iovlen) + "/" + std::to_string(bytes);
}
std::string MsgNameCtlText(int64_t namelen, int64_t ctllen) {
  return "name " + std::to_string(namelen) + ", ctl " + std::to_string(ctllen) +
         "}";
}

// The control buffer as put_cmsg fills it: `used` bytes written so far.
struct ControlOut {
  msghdr* msg;
  size_t used = 0;
  int flags = 0;  // MSG_CTRUNC once a message did not fit

  // put_cmsg: a header and `len` bytes of data, cut to the room left (then
  // MSG_CTRUNC); with no room for even a header, nothing but MSG_CTRUNC.
  // The room shrinks by the message's aligned size (CMSG_SPACE).
  void Put(int level, int type, const void* data, size_t len) {
    const size_t room = msg->msg_controllen - used;
    if (msg->msg_control == nullptr || room < sizeof(cmsghdr)) {
      flags |= MSG_CTRUNC;
      return;
    }
    size_t cmlen = CMSG_LEN(len);
    if (room < cmlen) {
      flags |= MSG_CTRUNC;
      cmlen = room;
    }
    cmsghdr h{};
    h.cmsg_len = cmlen;
    h.cmsg_level = level;
    h.cmsg_type = type;
    auto* out = static_cast<uint8_t*>(msg->msg_control) + used;
    std::memcpy(out, &h, sizeof h);
    std::memcpy(out + sizeof h, data, cmlen - sizeof h);
    used += std::min<size_t>(CMSG_SPACE(len), room);
  }
};

}  // namespace

ssize_t Process::recvmsg(int fd, msghdr* msg, int flags) {
  // The header as the call found it, for the trace line (written after
  // the call, which rewrites msg_namelen and msg_controllen).
  const bool has_msg = msg != nullptr;
  const size_t iovlen = has_msg ? msg->msg_iovlen : 0;
  const size_t total =
      has_msg && iovlen <= kMaxIov ? IovTotal(msg->msg_iov, iovlen) : 0;
  const long namelen = has_msg && msg->msg_name != nullptr
                           ? static_cast<int>(msg->msg_namelen)
                           : 0;
  const long ctllen = has_msg ? static_cast<long>(msg->msg_controllen) : 0;
  // The msghdr reads "{iov <iovlen>/<bytes>, name <namelen>, ctl <len>}":
  // two arguments of two integers each, joined by the line's ", ".
  TraceArgs args = TraceArgs().Int(fd);
  if (has_msg) {
    args.With(&MsgIovText, static_cast<int64_t>(iovlen),
              static_cast<int64_t>(total))
        .With(&MsgNameCtlText, namelen, ctllen);
  } else {
    args.Null();
  }
  args.Named<sys::MsgFlagsName>(flags);
  return Syscall<ssize_t>("recvmsg", args, [&](CallFiles& files) -> ssize_t {
    // __sys_recvmsg refuses the compat flag before it looks at the fd.
    if (flags & kMsgCmsgCompat) return -EINVAL;
    std::shared_ptr<UnixSocket> u = UnixAt(fd);
    std::shared_ptr<Socket> s;
    if (u) {
      files.Hold(u);
    } else {
      if (int e = LookupSocket(fd, &s)) return e;
      files.Hold(s);
    }
    // copy_msghdr_from_user, then import_iovec.
    if (msg == nullptr) return -EFAULT;
    if (namelen < 0) return -EINVAL;
    if (iovlen > kMaxIov) return -EMSGSIZE;
    size_t len = 0;
    if (int e = ImportIovec(msg->msg_iov, iovlen, &len)) return e;
    if (u) {
      return UnixRecvIovecs(*u, msg->msg_iov, iovlen, len, flags, msg);
    }
    if (ssize_t e = StartReceiveFault("recvmsg", *s, flags, &len)) return e;
    return SysRecvMsg(*s, msg, len, flags);
  });
}

ssize_t Process::SysRecvMsg(Socket& s, msghdr* msg, size_t len, int flags) {
  s.ClearRecvMsgFlags();
  Endpoint from;
  bool has_from = false;
  const ssize_t r = RecvIntoIovecs(s, msg->msg_iov, msg->msg_iovlen, len, flags,
                                   false, &from, &has_from);
  if (r < 0) return r;  // ___sys_recvmsg writes nothing back
  // move_addr_to_user: the protocol's address (16 bytes for UDP, none for
  // TCP) cut to the caller's msg_namelen, which then says the full length.
  if (msg->msg_name != nullptr) {
    const sockaddr_in sin = ToSockAddr(from);
    const socklen_t klen = has_from ? sizeof sin : 0;
    const socklen_t n = std::min(msg->msg_namelen, klen);
    if (n > 0) std::memcpy(msg->msg_name, &sin, n);
    msg->msg_namelen = klen;
  }
  ControlOut ctl{msg};
  // tcp_recvmsg: TCP_CM_INQ after every successful receive with TCP_INQ on.
  if (const int inq = s.RecvInqHint(); inq >= 0)
    ctl.Put(SOL_TCP, TCP_CM_INQ, &inq, sizeof inq);
  msg->msg_controllen = ctl.used;
  msg->msg_flags = (flags & MSG_CMSG_CLOEXEC) | s.recv_msg_flags() | ctl.flags;
  return r;
}

ssize_t Process::RecvIntoIovecs(Socket& s, const iovec* iov, size_t count,
                                size_t len, int flags, bool is_read,
                                Endpoint* from, bool* has_from) {
  // Where the bytes go: straight into the only buffer with room, or into
  // one contiguous buffer scattered over the iovecs afterwards. An iovec
  // with a NULL base ends the usable part: the call receives only into
  // the buffers before it, or (if none has room) into NULL, which faults
  // when there are bytes to copy (docs/semantics.md, "recvmsg").
  size_t usable = 0;
  size_t with_room = 0;
  uint8_t* direct = nullptr;
  for (size_t i = 0; i < count && usable < len; ++i) {
    if (iov[i].iov_len == 0) continue;
    if (iov[i].iov_base == nullptr) break;
    ++with_room;
    direct = static_cast<uint8_t*>(iov[i].iov_base);
    usable += std::min(iov[i].iov_len, len - usable);
  }
  const bool faulting = usable == 0 && len > 0;
  std::vector<uint8_t> gather;
  uint8_t* buf = direct;
  if (with_room > 1) {
    gather.resize(usable);
    buf = gather.data();
  }
  if (faulting) {
    buf = nullptr;
    usable = len;
  }
  const ssize_t r =
      s.RecvMsg(*this, buf, usable, flags, is_read, from, has_from);
  if (r < 0) return r;
  // (A stream's MSG_TRUNC discards the bytes: nothing to scatter.)
  const bool discarded = (flags & MSG_TRUNC) != 0 && s.type() == SOCK_STREAM;
  if (with_room > 1 && !discarded) {
    size_t left = std::min(static_cast<size_t>(r), usable);
    const uint8_t* p = gather.data();
    for (size_t i = 0; left > 0 && i < count; ++i) {
      const size_t n = std::min(left, iov[i].iov_len);
      if (n > 0) std::memcpy(iov[i].iov_base, p, n);
      p += n;
      left -= n;
    }
  }
  return r;
}

}  // namespace simsock::sim
