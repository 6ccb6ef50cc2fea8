// Differential scenarios: sendmsg(2) — msg_name for UDP (and TCP, which
// ignores it), the header's checks (__copy_msghdr, import_iovec,
// ____sys_sendmsg's control buffer), control messages (sock_cmsg_send for
// TCP; udp_cmsg_send and ip_cmsg_send for UDP), several iovecs as one
// send, MSG_DONTWAIT on a full send buffer. docs/semantics.md, "Vectored
// calls".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include <climits>
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

// One control message to send: level, type and its data bytes, with
// cmsg_len as given (0: CMSG_LEN of the data).
struct Cmsg {
  int level;
  int type;
  std::vector<uint8_t> data;
  size_t len = 0;
};

std::vector<uint8_t> IntBytes(int v) {
  std::vector<uint8_t> b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}

// sendmsg of the given strings (one iovec each), to `to` with msg_namelen
// `namelen` (the address in a 200-byte buffer; kNoName: msg_name NULL),
// with the control messages; logs the call and its result.
ssize_t SendMsg(Script& s, int fd, const std::vector<std::string>& parts,
                int flags, const Ep* to = nullptr, int namelen = kNoName,
                const std::vector<Cmsg>& cmsgs = {}) {
  std::vector<iovec> iov;
  std::string shown = "[";
  for (size_t i = 0; i < parts.size(); ++i) {
    iov.push_back({const_cast<char*>(parts[i].data()), parts[i].size()});
    shown += (i ? ", \"" : "\"") + parts[i] + "\"";
  }
  shown += "]";
  unsigned char name[200] = {};
  if (to != nullptr) {
    const sockaddr_in sin = ToSockaddr(*to);
    std::memcpy(name, &sin, sizeof sin);
  }
  alignas(cmsghdr) unsigned char control[256] = {};
  size_t ctl = 0;
  std::string ctl_shown;
  for (const Cmsg& c : cmsgs) {
    cmsghdr h{};
    h.cmsg_len = c.len != 0 ? c.len : CMSG_LEN(c.data.size());
    h.cmsg_level = c.level;
    h.cmsg_type = c.type;
    std::memcpy(control + ctl, &h, sizeof h);
    std::memcpy(control + ctl + CMSG_LEN(0), c.data.data(), c.data.size());
    ctl += CMSG_SPACE(c.data.size());
    ctl_shown += " cmsg(" + std::to_string(c.level) + ", " +
                 std::to_string(c.type) + ", len " +
                 std::to_string(h.cmsg_len) + ")";
  }
  msghdr m{};
  m.msg_iov = iov.data();
  m.msg_iovlen = iov.size();
  m.msg_name = namelen == kNoName ? nullptr : name;
  m.msg_namelen = namelen == kNoName ? 0 : static_cast<socklen_t>(namelen);
  m.msg_control = ctl == 0 ? nullptr : control;
  m.msg_controllen = ctl;
  const ssize_t r = s.sys().sendmsg(fd, &m, flags);
  std::string line = "sendmsg(" + s.Fd(fd) + ", " + shown + ", name ";
  line += namelen == kNoName ? std::string("NULL")
                             : (to != nullptr ? s.EpStr(*to) : "zeros") +
                                   " len " + std::to_string(namelen);
  line += ctl_shown + ", " + sys::MsgFlagsName(flags) + ") = " + s.Result(r);
  s.Line(line);
  return r;
}

}  // namespace

// UDP: an unconnected socket sends to msg_name (the receiver sees the
// sender's address); three iovecs make one datagram; no name (or a name
// of length 0) is EDESTADDRREQ; a short name EINVAL; a name longer than a
// sockaddr_storage is cut, not refused; a connected socket may name
// another destination.
DIFF_SCENARIO(SendMsg_UdpNames) {
  const uint16_t port = s.Port("server");
  const int u = s.Udp();
  s.Bind(u, Lo(port));
  const int v = s.Udp();
  const Ep to = Lo(port);
  SendMsg(s, v, {"abc", "", "defg", "h"}, 0, &to, sizeof(sockaddr_in));
  s.NameLocalPort(v, "client");
  s.Settle();
  s.Recv(u, 64, 0);
  SendMsg(s, v, {"x"}, 0);
  SendMsg(s, v, {"x"}, 0, &to, 0);
  SendMsg(s, v, {"x"}, 0, &to, 8);
  SendMsg(s, v, {"long name"}, 0, &to, 200);
  SendMsg(s, v, {"x"}, 0, &to, -1);
  s.Settle();
  s.Recv(u, 64, 0);
  // Connected: no name goes to the peer; a name to itself is allowed.
  const uint16_t port2 = s.Port("other");
  const int w = s.Udp();
  s.Bind(w, Lo(port2));
  s.Connect(v, Lo(port2));
  SendMsg(s, v, {"to", "peer"}, 0);
  SendMsg(s, v, {"named"}, 0, &to, sizeof(sockaddr_in));
  s.Settle();
  s.Recv(w, 64, 0);
  s.Recv(u, 64, 0);
  // An empty vector is an empty datagram (sendmsg has no vfs_writev).
  SendMsg(s, v, {}, 0);
  s.Settle();
  s.Recv(w, 64, 0);
  s.Recv(w, 64, 0);
}

// TCP: iovecs as one stream write; msg_name is ignored once connected;
// MSG_DONTWAIT on a full send buffer is EAGAIN; a listener EPIPE.
DIFF_SCENARIO(SendMsg_TcpIovecsAndFullBuffer) {
  Conn c = EstablishWithBuffers(s, 4096, 4096);
  SendMsg(s, c.client, {"abc", "", "de"}, 0);
  const Ep elsewhere = Lo(9);
  SendMsg(s, c.client, {"fg"}, 0, &elsewhere, sizeof(sockaddr_in));
  s.Settle();
  s.Read(c.server, 16);
  s.WriteUntilEagain(c.client, 4096);
  SendMsg(s, c.client, {"more", "bytes"}, MSG_DONTWAIT);
  SendMsg(s, c.client, {"more"}, 0);  // O_NONBLOCK: EAGAIN too
  SendMsg(s, c.listener, {"x"}, 0);
}

// The header's checks in Linux's order: the compat flag (before the fd),
// the fd, a NULL header, the name length, the iovec count, the iovecs,
// the control length (over INT_MAX, over optmem_max: ENOBUFS), a NULL
// control buffer with a length.
DIFF_SCENARIO(SendMsg_BadHeaders) {
  Conn c = Establish(s);
  char b[8] = "abcdefg";
  iovec iov[2] = {{b, 4}, {b + 4, 3}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = 2;
  s.Raw("sendmsg(bad fd, MSG_CMSG_COMPAT)",
        s.sys().sendmsg(Script::kHugeFd, &m, kMsgCmsgCompat));
  s.Raw("sendmsg(bad fd)", s.sys().sendmsg(Script::kHugeFd, &m, 0));
  s.Raw("sendmsg(MSG_CMSG_COMPAT)",
        s.sys().sendmsg(c.client, &m, kMsgCmsgCompat));
  s.Raw("sendmsg(NULL)", s.sys().sendmsg(c.client, nullptr, 0));
  const int ep = s.EpollCreate();
  s.Raw("sendmsg(epoll fd)", s.sys().sendmsg(ep, &m, 0));
  sockaddr_in sin{};
  m.msg_name = &sin;
  m.msg_namelen = static_cast<socklen_t>(-1);
  s.Raw("sendmsg(namelen -1)", s.sys().sendmsg(c.client, &m, 0));
  m.msg_name = nullptr;  // a NULL name makes any length 0
  m.msg_iovlen = 1025;
  s.Raw("sendmsg(name NULL namelen -1, iovlen 1025)",
        s.sys().sendmsg(c.client, &m, 0));
  m.msg_namelen = 0;
  m.msg_iov = nullptr;
  m.msg_iovlen = 2;
  s.Raw("sendmsg(iov NULL, iovlen 2)", s.sys().sendmsg(c.client, &m, 0));
  m.msg_iov = iov;
  iov[1].iov_len = static_cast<size_t>(-1);
  s.Raw("sendmsg(iov_len -1 of 2)", s.sys().sendmsg(c.client, &m, 0));
  iov[1].iov_len = 3;
  alignas(cmsghdr) unsigned char control[64] = {};
  m.msg_control = control;
  m.msg_controllen = static_cast<size_t>(INT_MAX) + 1;
  s.Raw("sendmsg(controllen INT_MAX+1)", s.sys().sendmsg(c.client, &m, 0));
  m.msg_controllen = 1 << 20;
  s.Raw("sendmsg(controllen 1 MiB)", s.sys().sendmsg(c.client, &m, 0));
  m.msg_control = nullptr;
  m.msg_controllen = 24;
  s.Raw("sendmsg(control NULL, controllen 24)",
        s.sys().sendmsg(c.client, &m, 0));
  // A control buffer too short for a header holds no message.
  m.msg_control = control;
  m.msg_controllen = 8;
  s.Raw("sendmsg(controllen 8)", s.sys().sendmsg(c.client, &m, 0));
  s.Settle();
  s.Read(c.server, 16);
}

// Control messages. UDP: IP_TTL and IP_TOS within range are taken, out
// of range or of the wrong length EINVAL; SCM_RIGHTS is ignored on an
// inet socket, an unknown SOL_SOCKET type EINVAL, another level skipped;
// a cmsg_len below a header or past the buffer EINVAL. TCP reads only the
// SOL_SOCKET messages (its error is EINVAL).
DIFF_SCENARIO(SendMsg_ControlMessages) {
  const uint16_t port = s.Port("server");
  const int u = s.Udp();
  s.Bind(u, Lo(port));
  const int v = s.Udp();
  s.Connect(v, Lo(port));
  s.NameLocalPort(v, "client");
  SendMsg(s, v, {"ttl"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(7)}});
  SendMsg(s, v, {"ttl0"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(0)}});
  SendMsg(s, v, {"ttl256"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(256)}});
  SendMsg(s, v, {"tos1"}, 0, nullptr, kNoName, {{IPPROTO_IP, IP_TOS, {0x10}}});
  SendMsg(s, v, {"tos4"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TOS, IntBytes(0x20)}});
  SendMsg(s, v, {"tos2"}, 0, nullptr, kNoName, {{IPPROTO_IP, IP_TOS, {1, 2}}});
  SendMsg(s, v, {"tos-1"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TOS, IntBytes(-1)}});
  SendMsg(s, v, {"iptype"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, 9999, IntBytes(1)}});
  SendMsg(s, v, {"rights"}, 0, nullptr, kNoName,
          {{SOL_SOCKET, SCM_RIGHTS, IntBytes(0)}});
  SendMsg(s, v, {"soltype"}, 0, nullptr, kNoName,
          {{SOL_SOCKET, 9999, IntBytes(0)}});
  SendMsg(s, v, {"level"}, 0, nullptr, kNoName, {{1234, 1, IntBytes(0)}});
  SendMsg(s, v, {"short"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(7), 8}});
  SendMsg(s, v, {"long"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(7), 200}});
  SendMsg(s, v, {"two"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(9)}, {IPPROTO_IP, IP_TOS, {0x08}}});
  s.Settle();
  for (int i = 0; i < 8; ++i) s.Recv(u, 64, 0, false);
  Conn c = Establish(s);
  SendMsg(s, c.client, {"ttl"}, 0, nullptr, kNoName,
          {{IPPROTO_IP, IP_TTL, IntBytes(0)}});
  SendMsg(s, c.client, {"soltype"}, 0, nullptr, kNoName,
          {{SOL_SOCKET, 9999, IntBytes(0)}});
  SendMsg(s, c.client, {"short"}, 0, nullptr, kNoName,
          {{1234, 1, IntBytes(0), 8}});
  SendMsg(s, c.client, {"rights"}, 0, nullptr, kNoName,
          {{SOL_SOCKET, SCM_RIGHTS, IntBytes(0)}});
  s.Settle();
  s.Read(c.server, 64);
}

}  // namespace simsock::diff
