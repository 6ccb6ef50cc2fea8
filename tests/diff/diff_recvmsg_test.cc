// Differential scenarios: recvmsg(2) — the iovecs filled in turn
// (import_iovec), msg_name (move_addr_to_user), msg_flags (MSG_TRUNC from
// udp_recvmsg, MSG_OOB from tcp_recv_urg, MSG_CTRUNC from put_cmsg), the
// header's checks (copy_msghdr_from_user), and TCP_INQ's control message
// (tcp_recvmsg, tcp_inq_hint). docs/semantics.md, "recvmsg and TCP_INQ".
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/uio.h>

#include <cstring>
#include <string>
#include <vector>

#include "simsock/net/sys/names.h"
#include "simsock/testing/diff/harness.h"
#include "simsock/testing/diff/scenario_util.h"

namespace simsock::diff {
namespace {

constexpr int kNoName = -1;  // msg_name NULL
// MSG_CMSG_COMPAT: the kernel's flag for 32-bit callers (not in libc).
constexpr int kMsgCmsgCompat = static_cast<int>(0x80000000u);

std::string MsgFlags(int f) {
  std::string out;
  auto add = [&](int bit, const char* name) {
    if ((f & bit) == 0) return;
    out += (out.empty() ? "" : "|") + std::string(name);
    f &= ~bit;
  };
  add(MSG_TRUNC, "MSG_TRUNC");
  add(MSG_CTRUNC, "MSG_CTRUNC");
  add(MSG_OOB, "MSG_OOB");
  add(MSG_ERRQUEUE, "MSG_ERRQUEUE");
  add(MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC");
  if (f != 0) out += (out.empty() ? "" : "|") + std::to_string(f);
  return out.empty() ? "0" : out;
}

// recvmsg into iovecs of the given lengths (buffers filled with '.'),
// with a 16-byte name buffer of msg_namelen `namelen` (or none) and a
// control buffer of `ctl` bytes (none when 0). Logs the result, what each
// iovec received, the name length written back and the address, the
// control length written back, msg_flags and the first control message.
ssize_t RecvMsg(Script& s, int fd, const std::vector<size_t>& lens, int flags,
                int namelen = kNoName, size_t ctl = 0) {
  std::vector<std::vector<char>> bufs;
  std::vector<iovec> iov;
  for (size_t n : lens) bufs.emplace_back(n + 1, '.');
  for (auto& b : bufs) iov.push_back({b.data(), b.size() - 1});
  unsigned char name[32];
  std::memset(name, 0xab, sizeof name);
  alignas(cmsghdr) unsigned char control[64];
  std::memset(control, 0xab, sizeof control);
  msghdr m{};
  m.msg_iov = iov.data();
  m.msg_iovlen = iov.size();
  m.msg_name = namelen == kNoName ? nullptr : name;
  m.msg_namelen = namelen == kNoName ? 0 : static_cast<socklen_t>(namelen);
  m.msg_control = ctl == 0 ? nullptr : control;
  m.msg_controllen = ctl;
  m.msg_flags = 0x5a5a;  // ignored on input; written back on success
  const ssize_t r = s.sys().recvmsg(fd, &m, flags);
  std::string line = "recvmsg(" + s.Fd(fd) + ", iov [";
  for (size_t i = 0; i < lens.size(); ++i)
    line += (i ? ", " : "") + std::to_string(lens[i]);
  line += "], name " +
          (namelen == kNoName ? std::string("NULL") : std::to_string(namelen)) +
          ", ctl " + std::to_string(ctl) + ", " + sys::MsgFlagsName(flags) +
          ") = " + s.Result(r);
  if (r >= 0) {
    line += " [";
    for (size_t i = 0; i < bufs.size(); ++i)
      line += (i ? ", " : "") + std::string("\"") +
              std::string(bufs[i].data(), lens[i]) + "\"";
    line += "]";
  }
  line += " namelen=" + std::to_string(m.msg_namelen);
  if (r >= 0 && namelen >= 16 && m.msg_namelen >= 16)
    line += " from " + s.Addr(reinterpret_cast<sockaddr*>(name), 16);
  if (namelen != kNoName) {
    const int copied = std::min<int>(namelen, 16);
    if (copied >= 0 && copied < 32)
      line +=
          name[copied] == 0xab ? " name rest untouched" : " name rest written";
  }
  line += " controllen=" + std::to_string(m.msg_controllen);
  line += " flags=" + (m.msg_flags == 0x5a5a ? std::string("untouched")
                                             : MsgFlags(m.msg_flags));
  if (r >= 0 && ctl >= sizeof(cmsghdr) && m.msg_controllen >= sizeof(cmsghdr)) {
    cmsghdr h;
    std::memcpy(&h, control, sizeof h);
    line += " cmsg level " + std::to_string(h.cmsg_level) + " type " +
            std::to_string(h.cmsg_type) + " len " + std::to_string(h.cmsg_len);
    if (h.cmsg_len >= CMSG_LEN(sizeof(int))) {
      int v;
      std::memcpy(&v, control + CMSG_LEN(0), sizeof v);
      line += " inq " + std::to_string(v);
    } else if (h.cmsg_len > sizeof(cmsghdr)) {
      line += " data cut to " + std::to_string(h.cmsg_len - sizeof(cmsghdr));
    }
  }
  s.Line(line);
  return r;
}

void InqOn(Script& s, int fd) { s.SetInt(fd, IPPROTO_TCP, TCP_INQ, 1); }

}  // namespace

// Bytes fill the iovecs in turn; empty iovecs are skipped; a stream fills
// no name (namelen 0, the buffer untouched); no iovecs at all read 0
// bytes; the empty queue is EAGAIN and leaves the header as it was.
DIFF_SCENARIO(RecvMsg_TcpIovecsFilledInTurn) {
  Conn c = Establish(s);
  s.Write(c.client, "0123456789abcdefghij");
  s.Settle();
  RecvMsg(s, c.server, {4}, 0);
  RecvMsg(s, c.server, {3, 5}, 0, 16);
  RecvMsg(s, c.server, {2, 0, 3}, 0, 4);
  RecvMsg(s, c.server, {}, 0);
  RecvMsg(s, c.server, {1, 1, 1}, MSG_PEEK);
  RecvMsg(s, c.server, {10, 10}, 0);
  RecvMsg(s, c.server, {8}, 0, 16, 32);
  s.Write(c.client, "klmno");
  s.Settle();
  // A stream's MSG_TRUNC discards; MSG_WAITALL on a nonblocking socket
  // returns what is there.
  RecvMsg(s, c.server, {2, 1}, MSG_TRUNC);
  RecvMsg(s, c.server, {4, 4}, MSG_WAITALL);
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  RecvMsg(s, c.server, {4, 4}, 0, 16);
}

// The header's checks, in Linux's order: the flags, the fd, the header,
// the name length, the iovec count, the iovecs.
DIFF_SCENARIO(RecvMsg_BadHeaders) {
  Conn c = Establish(s);
  s.Write(c.client, "data");
  s.Settle();
  s.Line("recvmsg(fd, NULL) = " +
         s.Result(s.sys().recvmsg(c.server, nullptr, 0)));
  msghdr m{};
  char b[8];
  iovec iov[2] = {{b, 4}, {b + 4, 4}};
  m.msg_iov = nullptr;
  m.msg_iovlen = 2;
  s.Line("recvmsg(iov NULL, iovlen 2) = " +
         s.Result(s.sys().recvmsg(c.server, &m, 0)));
  m.msg_iov = iov;
  m.msg_iovlen = 1025;
  s.Line("recvmsg(iovlen 1025) = " +
         s.Result(s.sys().recvmsg(c.server, &m, 0)));
  m.msg_iovlen = 2;
  iov[1].iov_len = static_cast<size_t>(-1);
  s.Line("recvmsg(iov_len -1 of 2) = " +
         s.Result(s.sys().recvmsg(c.server, &m, 0)));
  iov[1].iov_len = 4;
  char name[16];
  m.msg_name = name;
  m.msg_namelen = static_cast<socklen_t>(-1);
  s.Line("recvmsg(namelen -1) = " + s.Result(s.sys().recvmsg(c.server, &m, 0)));
  m.msg_name = nullptr;  // a NULL name makes any length 0
  s.Line("recvmsg(name NULL, namelen -1) = " +
         s.Result(s.sys().recvmsg(c.server, &m, MSG_PEEK)));
  m.msg_namelen = 0;
  s.Line("recvmsg(MSG_CMSG_COMPAT) = " +
         s.Result(s.sys().recvmsg(c.server, &m, kMsgCmsgCompat)));
  s.Line("recvmsg(bad fd, MSG_CMSG_COMPAT) = " +
         s.Result(s.sys().recvmsg(999, &m, kMsgCmsgCompat)));
  s.Line("recvmsg(bad fd) = " + s.Result(s.sys().recvmsg(999, &m, 0)));
  int ep = s.EpollCreate();
  s.Line("recvmsg(epoll fd) = " + s.Result(s.sys().recvmsg(ep, &m, 0)));
  // A listener: ENOTCONN, with TCP_INQ on too (no message on an error).
  InqOn(s, c.listener);
  RecvMsg(s, c.listener, {4}, 0, 16, 24);
  RecvMsg(s, c.server, {4, 4}, 0, 16, 24);
}

// UDP: the source in msg_name (cut to a short buffer, msg_namelen says
// 16), MSG_TRUNC in msg_flags when the datagram is longer than the
// iovecs, the full length returned with the MSG_TRUNC flag, a peek.
DIFF_SCENARIO(RecvMsg_UdpNameAndTrunc) {
  uint16_t port = s.Port("server");
  int u = s.Udp();
  s.Bind(u, Lo(port));
  int v = s.Udp();
  Ep to = Lo(port);
  for (const char* d : {"hello world", "second", "third one", "4th", "fifth"})
    s.SendTo(v, d, 0, &to);
  s.Settle();
  s.NameLocalPort(v, "client");
  RecvMsg(s, u, {5}, MSG_PEEK, 16);
  RecvMsg(s, u, {5, 3}, 0, 16);
  RecvMsg(s, u, {3, 3}, 0, 4);
  RecvMsg(s, u, {4}, MSG_TRUNC, 32);
  RecvMsg(s, u, {1, 2}, MSG_TRUNC | MSG_PEEK, kNoName);
  RecvMsg(s, u, {8, 8}, 0, 0, 24);
  RecvMsg(s, u, {8}, 0, 16);
  // TCP_INQ is TCP's: refused at SOL_TCP on a UDP socket.
  s.SetInt(u, IPPROTO_TCP, TCP_INQ, 1);
}

// TCP_INQ: off by default; 0 and 1 only; the message after each
// successful recvmsg says what is left (a peek takes nothing); the peer's
// FIN counts one until the read that finds it, and 1 after it.
DIFF_SCENARIO(RecvMsg_TcpInqValues) {
  Conn c = Establish(s);
  s.GetInt(c.server, IPPROTO_TCP, TCP_INQ);
  s.SetInt(c.server, IPPROTO_TCP, TCP_INQ, 2);
  s.SetInt(c.server, IPPROTO_TCP, TCP_INQ, -1);
  s.SetInt(c.server, IPPROTO_TCP, TCP_INQ, 1, 2);
  s.Write(c.client, "0123456789");
  s.Settle();
  RecvMsg(s, c.server, {4}, 0, kNoName, 24);  // off: no message
  InqOn(s, c.server);
  s.GetInt(c.server, IPPROTO_TCP, TCP_INQ);
  RecvMsg(s, c.server, {2}, MSG_PEEK, kNoName, 24);
  RecvMsg(s, c.server, {1, 1}, 0, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);  // EAGAIN: header untouched
  s.Write(c.client, "abc");
  s.Shutdown(c.client, SHUT_WR);
  s.Settle();
  RecvMsg(s, c.server, {1}, 0, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
  s.SetInt(c.server, IPPROTO_TCP, TCP_INQ, 0);
  s.GetInt(c.server, IPPROTO_TCP, TCP_INQ);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
  // The client, whose peer has not closed: inq 0 once drained.
  InqOn(s, c.client);
  s.Write(c.server, "xy");
  s.Settle();
  RecvMsg(s, c.client, {8}, 0, kNoName, 24);
  // Accepted sockets inherit TCP_INQ from the listener.
  InqOn(s, c.listener);
  int c2 = s.Tcp();
  s.Connect(c2, Lo(c.port));
  s.Settle();
  int a2 = s.Accept(c.listener);
  s.GetInt(a2, IPPROTO_TCP, TCP_INQ);
}

// The control buffer too small: no room for a header (MSG_CTRUNC,
// nothing written), a header and part of the value, exactly the message,
// the message and its padding; a NULL control pointer with a length.
DIFF_SCENARIO(RecvMsg_TcpInqControlTooSmall) {
  Conn c = Establish(s);
  InqOn(s, c.server);
  s.Write(c.client, "0123456789");
  s.Settle();
  for (size_t ctl : {8, 16, 18, 20, 24, 40})
    RecvMsg(s, c.server, {1}, 0, kNoName, ctl);
  msghdr m{};
  char b[4];
  iovec iov{b, sizeof b};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = nullptr;
  m.msg_controllen = 24;
  const ssize_t r = s.sys().recvmsg(c.server, &m, 0);
  s.Line("recvmsg(control NULL, controllen 24) = " + s.Result(r) +
         " controllen=" + std::to_string(m.msg_controllen) +
         " flags=" + MsgFlags(m.msg_flags));
}

// Urgent data through recvmsg: MSG_OOB in msg_flags for the byte, the
// stream read stops at the mark, TCP_INQ counts the urgent byte until a
// read steps over it.
DIFF_SCENARIO(RecvMsg_TcpUrgentAndInq) {
  Conn c = Establish(s);
  InqOn(s, c.server);
  s.Write(c.client, "abc");
  s.Send(c.client, "U", MSG_OOB);
  s.Write(c.client, "def");
  s.Settle();
  RecvMsg(s, c.server, {0}, MSG_OOB | MSG_PEEK, kNoName, 24);
  RecvMsg(s, c.server, {1}, MSG_OOB, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
  RecvMsg(s, c.server, {8}, 0, kNoName, 24);
}

}  // namespace simsock::diff
