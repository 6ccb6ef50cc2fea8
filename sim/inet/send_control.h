/// \file
/// SendControl: a sendmsg's control messages as the kernel copied them, and
/// the two walks over them that TCP and UDP make (sock_cmsg_send,
/// udp_cmsg_send + ip_cmsg_send).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace simsock::sim {

/// A sendmsg's control buffer once ____sys_sendmsg has copied it in:
/// msg_controllen bytes of cmsghdr-headed messages.
struct SendControl {
  const uint8_t* data = nullptr;  ///< the copy (null when len is 0)
  size_t len = 0;                 ///< msg_controllen
};

/// What a UDP sendmsg's messages ask of its one datagram (the parts of
/// ipcm_cookie the simulator reads).
struct IpCmsgCookie {
  int ttl = -1;           ///< IP_TTL, 1..255; -1: the socket's
  int tos = -1;           ///< IP_TOS, 0..255; -1: the socket's
  bool pktinfo = false;   ///< an IP_PKTINFO message was given
  uint32_t spec_dst = 0;  ///< its ipi_spec_dst (host order): the source
};

/// sock_cmsg_send, as tcp_sendmsg_locked calls it: every message must be
/// well formed (CMSG_OK); of them only SOL_SOCKET ones are read: SO_MARK
/// and SO_PRIORITY (a 4-byte value), SO_TIMESTAMPING (4 bytes of TX record
/// flags), SCM_RIGHTS and SCM_CREDENTIALS (ignored: they belong to AF_UNIX)
/// are accepted; any other SOL_SOCKET type is -EINVAL. Returns 0 or the
/// negated errno.
int SockCmsgSend(const SendControl& ctl);

/// udp_cmsg_send then ip_cmsg_send (udp_sendmsg): every message must be
/// well formed (CMSG_OK, else -EINVAL); SOL_UDP's UDP_SEGMENT (GSO) is
/// not modelled (-EOPNOTSUPP; a bad one -EINVAL, as any other SOL_UDP type);
/// SOL_SOCKET ones as SockCmsgSend; SOL_IP: IP_TTL (int, 1..255), IP_TOS (int
/// or one byte, 0..255), IP_PKTINFO (sizeof in_pktinfo; ipi_spec_dst),
/// IP_PROTOCOL (int, 1..255, no effect on UDP) are taken into *ipc; IP_RETOPTS
/// (IP options) is not modelled
/// (-EOPNOTSUPP) and any other SOL_IP type is -EINVAL; other levels are
/// skipped. Returns 0 or the negated errno.
int UdpCmsgSend(const SendControl& ctl, IpCmsgCookie* ipc);

/// __scm_send, as unix_stream_sendmsg calls it first: every message must
/// be well formed (CMSG_OK, else -EINVAL); only SOL_SOCKET ones are read:
/// SCM_RIGHTS and SCM_CREDENTIALS (fd passing and credentials) are not
/// modelled (-EOPNOTSUPP, docs D30), any other SOL_SOCKET type is -EINVAL;
/// other levels are skipped. Returns 0 or the negated errno.
int UnixCmsgSend(const SendControl& ctl);

}  // namespace simsock::sim
