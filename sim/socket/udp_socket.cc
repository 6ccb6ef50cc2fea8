#include "sim/socket/udp_socket.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sim/host.h"
#include "sim/world.h"

namespace simsock::sim {

UdpSocket::UdpSocket(Host& host) : Socket(host, SOCK_DGRAM) {}

UdpSocket::~UdpSocket() { ReleasePort(); }

void UdpSocket::ReleasePort() {
  if (held_port_ == 0) return;
  host_.udp_ports().Remove(*this, held_port_);
  held_port_ = 0;
}

void UdpSocket::OnLastClose() {
  ReleasePort();
  queue_.clear();
  rmem_ = 0;
}

int UdpSocket::AutoBind() {
  if (held_port_ != 0) return 0;
  const HostSettings& s = host_.settings();
  uint16_t port = host_.udp_ports().PickForBind(
      *this, local_.ip, s.port_range_lo, s.port_range_hi,
      host_.world().Rng("port.ephemeral"), /*odd_first=*/false);
  if (port == 0) return -EAGAIN;
  local_.port = port;
  host_.udp_ports().Add(*this, port);
  held_port_ = port;
  return 0;
}

// inet_bind for a datagram socket.
int UdpSocket::Bind(const sockaddr_storage& addr, socklen_t len) {
  Endpoint ep;
  if (int e = CheckBindAddress(addr, len, &ep)) return e;
  if (held_port_ != 0) return -EINVAL;
  local_.ip = ep.ip;
  if (ep.port == 0) {
    if (AutoBind() != 0) {
      local_.ip = 0;
      return -EADDRINUSE;
    }
  } else {
    if (!host_.udp_ports().CanBind(*this, ep.ip, ep.port)) {
      local_.ip = 0;
      return -EADDRINUSE;
    }
    local_.port = ep.port;
    host_.udp_ports().Add(*this, ep.port);
    held_port_ = ep.port;
    port_user_locked_ = true;
  }
  addr_user_locked_ = ep.ip != 0;
  return 0;
}

// The destinations the routing table marks RTCF_BROADCAST: the limited
// broadcast and loopback's "broadcast 127.255.255.255 dev lo" route.
bool UdpSocket::IsBroadcast(uint32_t ip) {
  return ip == 0xFFFFFFFFu || ip == 0x7FFFFFFFu;
}

// inet_dgram_connect + __ip4_datagram_connect / udp_disconnect.
int UdpSocket::Connect(const sockaddr_storage& addr, socklen_t len) {
  if (len < sizeof(sa_family_t)) return -EINVAL;
  if (addr.ss_family == AF_UNSPEC) {
    connected_ = false;
    peer_ = {};
    if (!addr_user_locked_) local_.ip = 0;
    if (!port_user_locked_) {
      ReleasePort();
      local_.port = 0;
    }
    Notify(0);
    return 0;
  }
  // inet_dgram_connect autobinds before the protocol looks at the address,
  // so a connect that __ip4_datagram_connect then refuses (a short length,
  // a family other than AF_INET, a broadcast without SO_BROADCAST) leaves
  // the socket bound to an ephemeral port.
  if (held_port_ == 0 && AutoBind() != 0) return -EAGAIN;
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  if (addr.ss_family != AF_INET) return -EAFNOSUPPORT;
  sockaddr_in sin;
  std::memcpy(&sin, &addr, sizeof sin);
  Endpoint dst = FromSockAddr(sin);
  if (dst.ip == 0) dst.ip = 0x7F000001;
  // ip4_datagram_connect: a broadcast route (RTCF_BROADCAST) needs
  // SO_BROADCAST; the socket stays unconnected.
  if (IsBroadcast(dst.ip) && !opts_.broadcast) return -EACCES;
  if (local_.ip == 0) local_.ip = host_.SourceAddressFor(dst.ip);
  peer_ = dst;
  connected_ = true;
  Notify(0);
  return 0;
}

// udp_recvmsg / __skb_recv_udp.
ssize_t UdpSocket::Recv(uint8_t* buf, size_t len, int flags, bool /*is_read*/,
                        Endpoint* from, bool* has_from) {
  *has_from = false;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (int e = TakeError()) return -e;
  if (queue_.empty()) {
    // A blocking reader after SHUT_RD gets 0; a nonblocking one EAGAIN.
    return -EAGAIN;
  }
  Datagram& d = queue_.front();
  size_t n = std::min(len, d.data.size());
  if (n > 0 && buf != nullptr) std::memcpy(buf, d.data.data(), n);
  ssize_t result = (flags & MSG_TRUNC) ? static_cast<ssize_t>(d.data.size())
                                       : static_cast<ssize_t>(n);
  *from = d.from;
  *has_from = true;
  if (!(flags & MSG_PEEK)) {
    rmem_ -= d.data.size() + kSkbOverhead;
    queue_.pop_front();
  }
  return result;
}

// inet_sendmsg + udp_sendmsg.
ssize_t UdpSocket::Send(const uint8_t* buf, size_t len, int flags,
                        const sockaddr_storage* to, socklen_t tolen) {
  // inet_send_prepare autobinds before anything can fail.
  if (held_port_ == 0 && AutoBind() != 0) return -EAGAIN;
  if (len > 0xFFFF) return -EMSGSIZE;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  Endpoint dst;
  if (to != nullptr) {
    if (tolen < sizeof(sockaddr_in)) return -EINVAL;
    if (to->ss_family != AF_INET && to->ss_family != AF_UNSPEC)
      return -EAFNOSUPPORT;
    sockaddr_in sin;
    std::memcpy(&sin, to, sizeof sin);
    dst = FromSockAddr(sin);
    if (dst.port == 0) return -EINVAL;
  } else {
    if (!connected_) return -EDESTADDRREQ;
    dst = peer_;
  }
  if (dst.ip == 0) dst.ip = 0x7F000001;
  if (IsBroadcast(dst.ip) && !opts_.broadcast) return -EACCES;
  if (len > kMaxPayload) return -EMSGSIZE;
  if (int e = TakeError()) return -e;
  if (shutdown_ & 2) return -EPIPE;
  // The payload is copied last (ip_make_skb -> getfrag), after the address,
  // route, size and socket-state checks: only then does a NULL buffer
  // fault, and nothing is sent.
  if (buf == nullptr && len > 0) return -EFAULT;
  Packet p;
  p.src = local_.ip != 0 ? local_.ip : host_.SourceAddressFor(dst.ip);
  p.dst = dst.ip;
  p.proto = IpProto::kUdp;
  p.udp.src_port = local_.port;
  p.udp.dst_port = dst.port;
  if (len > 0) p.udp.payload.assign(buf, buf + len);
  host_.Send(std::move(p));
  return static_cast<ssize_t>(len);
}

// inet_shutdown for a datagram socket.
int UdpSocket::Shutdown(int how) {
  if (how < SHUT_RD || how > SHUT_RDWR) return -EINVAL;
  shutdown_ |= static_cast<uint8_t>(how + 1);
  Notify(0);
  return connected_ ? 0 : -ENOTCONN;
}

int UdpSocket::GetPeerName(Endpoint* peer) {
  if (!connected_ || peer_.port == 0) return -ENOTCONN;
  *peer = peer_;
  return 0;
}

// datagram_poll + udp_poll.
uint32_t UdpSocket::Poll() {
  uint32_t mask = 0;
  if (error_ != 0) mask |= EPOLLERR;
  if (shutdown_ & 1) mask |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
  if (shutdown_ == 3) mask |= EPOLLHUP;
  if (!queue_.empty()) mask |= EPOLLIN | EPOLLRDNORM;
  mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;  // nothing is ever queued
  return mask;
}

int UdpSocket::MatchScore(const Endpoint& src, const Endpoint& dst) const {
  if (held_port_ != dst.port) return -1;
  int score = 0;
  if (local_.ip != 0) {
    if (local_.ip != dst.ip) return -1;
    score += 4;
  }
  if (connected_) {
    if (peer_.ip != src.ip || peer_.port != src.port) return -1;
    score += 4;
  }
  return score;
}

void UdpSocket::Deliver(const Endpoint& src, std::vector<uint8_t> payload) {
  // __udp_enqueue_schedule_skb: refuse once the charged memory exceeds the
  // buffer.
  if (rmem_ > static_cast<size_t>(opts_.rcvbuf)) {
    host_.TraceLine("drop: udp receive buffer of " + ToString(local_) +
                    " full");
    return;
  }
  rmem_ += payload.size() + kSkbOverhead;
  queue_.push_back({src, std::move(payload)});
  Notify(EPOLLIN | EPOLLRDNORM);
}

void UdpSocket::OnPortUnreachable(const Endpoint& dst) {
  // Without IP_RECVERR only a connected socket hears of it (udp_err).
  if (!connected_ || peer_.ip != dst.ip || peer_.port != dst.port) return;
  error_ = ECONNREFUSED;
  Notify(EPOLLERR);
}

// udp_lib_getsockopt, after optlen was read: no UDP-level option (UDP_CORK,
// UDP_SEGMENT, UDP_GRO ...) is modelled, so every name is ENOPROTOOPT, as
// an unknown one is on Linux. Other levels never get here (OwnsLevel).
int UdpSocket::GetProtoOpt(int, int, void*, socklen_t*) { return -ENOPROTOOPT; }

// udp_setsockopt: SOL_UDP / SOL_UDPLITE go to udp_lib_setsockopt, which
// reads an int first (optlen < 4: EINVAL; EFAULT); any other level goes to
// ip_setsockopt, which refuses it (ENOPROTOOPT).
int UdpSocket::SetProtoOpt(int level, int, const void* val, socklen_t len) {
  if (!OwnsLevel(level)) return -ENOPROTOOPT;
  if (len < sizeof(int)) return -EINVAL;
  if (val == nullptr) return -EFAULT;
  return -ENOPROTOOPT;
}

}  // namespace simsock::sim
