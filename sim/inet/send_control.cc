// The control-message walks of tcp_sendmsg_locked (sock_cmsg_send,
// __sock_cmsg_send) and udp_sendmsg (udp_cmsg_send, ip_cmsg_send).
#include "simsock/sim/inet/send_control.h"

#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace simsock::sim {
namespace {

// IP_PROTOCOL (include/uapi/linux/in.h; not in the C library's headers).
constexpr int kIpProtocol = 52;

// One message of the buffer: its header's fields and where its data starts.
struct Cmsg {
  struct {
    size_t cmsg_len;
    int cmsg_level;
    int cmsg_type;
  } hdr;
  const uint8_t* data;
};

// for_each_cmsghdr with CMSG_OK: calls visit(msg) for each message in
// turn; a message whose cmsg_len is below a header or past the buffer's
// end is -EINVAL. The walk stops where no whole header is left
// (__cmsg_nxthdr). visit returns 0 to go on, or the error to stop with.
template <typename Visit>
int ForEachCmsg(const SendControl& ctl, Visit&& visit) {
  size_t off = 0;
  while (ctl.len >= off + sizeof(cmsghdr)) {
    cmsghdr h;
    std::memcpy(&h, ctl.data + off, sizeof h);
    Cmsg m{{h.cmsg_len, h.cmsg_level, h.cmsg_type}, nullptr};
    if (m.hdr.cmsg_len < sizeof(cmsghdr) || m.hdr.cmsg_len > ctl.len - off)
      return -EINVAL;
    m.data = ctl.data + off + CMSG_LEN(0);
    if (int e = visit(m)) return e;
    off += CMSG_ALIGN(m.hdr.cmsg_len);
  }
  return 0;
}

int ReadInt(const Cmsg& m) {
  int v;
  std::memcpy(&v, m.data, sizeof v);
  return v;
}

// __sock_cmsg_send for one SOL_SOCKET message.
int SockCmsg(const Cmsg& m) {
  switch (m.hdr.cmsg_type) {
    case SO_MARK:  // the simulator's processes are root: CAP_NET_ADMIN
    case SO_PRIORITY:
      return m.hdr.cmsg_len == CMSG_LEN(sizeof(uint32_t)) ? 0 : -EINVAL;
    case SO_TIMESTAMPING_OLD:
      if (m.hdr.cmsg_len != CMSG_LEN(sizeof(uint32_t))) return -EINVAL;
      return (static_cast<uint32_t>(ReadInt(m)) &
              ~static_cast<uint32_t>(SOF_TIMESTAMPING_TX_RECORD_MASK)) != 0
                 ? -EINVAL
                 : 0;
    case SCM_RIGHTS:  // semantically SOL_UNIX: ignored on inet sockets
    case SCM_CREDENTIALS:
      return 0;
    default:  // SCM_TXTIME without SO_TXTIME (not modelled) is here too
      return -EINVAL;
  }
}

// ip_cmsg_send for one SOL_IP message.
int IpCmsg(const Cmsg& m, IpCmsgCookie* ipc) {
  switch (m.hdr.cmsg_type) {
    case IP_TTL: {
      if (m.hdr.cmsg_len != CMSG_LEN(sizeof(int))) return -EINVAL;
      const int v = ReadInt(m);
      if (v < 1 || v > 255) return -EINVAL;
      ipc->ttl = v;
      return 0;
    }
    case IP_TOS: {
      int v;
      if (m.hdr.cmsg_len == CMSG_LEN(sizeof(int)))
        v = ReadInt(m);
      else if (m.hdr.cmsg_len == CMSG_LEN(sizeof(uint8_t)))
        v = m.data[0];
      else
        return -EINVAL;
      if (v < 0 || v > 255) return -EINVAL;
      ipc->tos = v;
      return 0;
    }
    case IP_PKTINFO: {
      if (m.hdr.cmsg_len != CMSG_LEN(sizeof(in_pktinfo))) return -EINVAL;
      in_pktinfo info;
      std::memcpy(&info, m.data, sizeof info);
      ipc->pktinfo = true;
      ipc->spec_dst = ntohl(info.ipi_spec_dst.s_addr);
      return 0;
    }
    case kIpProtocol: {
      if (m.hdr.cmsg_len != CMSG_LEN(sizeof(int))) return -EINVAL;
      const int v = ReadInt(m);
      return v < 1 || v > 255 ? -EINVAL : 0;
    }
    case IP_RETOPTS:
      return -EOPNOTSUPP;  // IP options are not modelled (docs/semantics.md)
    default:
      return -EINVAL;
  }
}

}  // namespace

int SockCmsgSend(const SendControl& ctl) {
  return ForEachCmsg(ctl, [](const Cmsg& m) {
    return m.hdr.cmsg_level == SOL_SOCKET ? SockCmsg(m) : 0;
  });
}

int UdpCmsgSend(const SendControl& ctl, IpCmsgCookie* ipc) {
  // udp_cmsg_send: the SOL_UDP messages first, all of the buffer checked.
  bool need_ip = false;
  if (int e = ForEachCmsg(ctl, [&](const Cmsg& m) {
        if (m.hdr.cmsg_level != SOL_UDP) {
          need_ip = true;
          return 0;
        }
        // __udp_cmsg_send: UDP_SEGMENT (GSO, a 2-byte size) is the only
        // type; the segmentation it asks for is not modelled.
        if (m.hdr.cmsg_type != UDP_SEGMENT ||
            m.hdr.cmsg_len != CMSG_LEN(sizeof(uint16_t)))
          return -EINVAL;
        return -EOPNOTSUPP;
      })) {
    return e;
  }
  if (!need_ip) return 0;
  return ForEachCmsg(ctl, [&](const Cmsg& m) {
    if (m.hdr.cmsg_level == SOL_SOCKET) return SockCmsg(m);
    if (m.hdr.cmsg_level != SOL_IP) return 0;
    return IpCmsg(m, ipc);
  });
}

int UnixCmsgSend(const SendControl& ctl) {
  return ForEachCmsg(ctl, [](const Cmsg& m) {
    if (m.hdr.cmsg_level != SOL_SOCKET) return 0;
    if (m.hdr.cmsg_type == SCM_RIGHTS || m.hdr.cmsg_type == SCM_CREDENTIALS)
      return -EOPNOTSUPP;
    return -EINVAL;
  });
}

}  // namespace simsock::sim
