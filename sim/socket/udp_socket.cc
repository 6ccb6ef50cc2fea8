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
  errq_.clear();
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
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  if (addr.ss_family != AF_INET) return -EAFNOSUPPORT;
  if (held_port_ == 0 && AutoBind() != 0) return -EAGAIN;
  sockaddr_in sin;
  std::memcpy(&sin, &addr, sizeof sin);
  Endpoint dst = FromSockAddr(sin);
  if (dst.ip == 0) dst.ip = 0x7F000001;
  if (local_.ip == 0) local_.ip = host_.SourceAddressFor(dst.ip);
  peer_ = dst;
  connected_ = true;
  Notify(0);
  return 0;
}

// udp_recvmsg / __skb_recv_udp.
ssize_t UdpSocket::Recv(uint8_t* buf, size_t len, int flags, bool /*is_read*/,
                        size_t /*peek_skip*/, Endpoint* from, bool* has_from) {
  *has_from = false;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  if (int e = TakeError()) return -e;
  const bool peek = (flags & MSG_PEEK) != 0;
  // __skb_try_recv_from_queue: a peek with SO_PEEK_OFF on skips whole
  // datagrams the offset covers (a 0-byte one only once it has been peeked
  // or the offset is past it) and starts inside the one it lands in.
  auto it = queue_.begin();
  size_t off = 0;
  if (peek && opts_.peek_off >= 0) {
    off = static_cast<size_t>(opts_.peek_off);
    while (it != queue_.end() && off >= it->data.size() &&
           (off > 0 || it->peeked)) {
      off -= it->data.size();
      ++it;
    }
  }
  if (it == queue_.end()) {
    // A blocking reader after SHUT_RD gets 0; a nonblocking one EAGAIN.
    return -EAGAIN;
  }
  Datagram& d = *it;
  if (peek && d.data.empty()) d.peeked = true;  // skb_set_peeked
  const size_t ulen = d.data.size();
  size_t n = std::min(len, ulen - off);
  if (n > 0 && buf != nullptr) std::memcpy(buf, d.data.data() + off, n);
  // MSG_TRUNC reports the whole datagram, whatever the offset.
  ssize_t result = (flags & MSG_TRUNC) ? static_cast<ssize_t>(ulen)
                                       : static_cast<ssize_t>(n);
  *from = d.from;
  *has_from = true;
  // skb_consume_udp: sk_peek_offset_fwd / _bwd by the result, which is
  // what was copied (or the datagram's length with MSG_TRUNC), not what
  // the read took off the queue.
  PeekOffsetMove(peek ? result : -result);
  if (!peek) {
    rmem_ -= d.data.size() + kSkbOverhead;
    queue_.erase(it);
  }
  return result;
}

// ip_recv_error: the oldest queued error, its quoted payload copied (cut to
// len), the offender (the destination of the datagram that failed) as the
// source address. Dequeuing it (sock_dequeue_err_skb) sets sk_err to the
// next queued ICMP error's errno, or clears it when none is left.
ssize_t UdpSocket::RecvErrQueue(uint8_t* buf, size_t len, Endpoint* from,
                                bool* has_from) {
  *has_from = false;
  if (errq_.empty()) return -EAGAIN;
  QueuedError qe = std::move(errq_.front());
  errq_.pop_front();
  rmem_ -= qe.payload.size() + kSkbOverhead;
  if (!errq_.empty()) {
    error_ = errq_.front().err;
    Notify(EPOLLERR);  // sk_error_report
  } else {
    error_ = 0;
  }
  size_t n = std::min(len, qe.payload.size());
  if (n > 0) {
    if (buf == nullptr) return -EFAULT;  // the error is gone all the same
    std::memcpy(buf, qe.payload.data(), n);
  }
  *from = qe.offender;
  *has_from = true;
  return static_cast<ssize_t>(n);
}

void UdpSocket::OnRecvErrOff() {
  for (const QueuedError& qe : errq_) rmem_ -= qe.payload.size() + kSkbOverhead;
  errq_.clear();
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
  if (dst.ip == 0xFFFFFFFFu && !opts_.broadcast) return -EACCES;
  if (len > kMaxPayload) return -EMSGSIZE;
  if (int e = TakeError()) return -e;
  if (shutdown_ & 2) return -EPIPE;
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
  // datagram_poll: sk_err or a non-empty error queue.
  if (error_ != 0 || !errq_.empty()) mask |= EPOLLERR;
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

void UdpSocket::OnPortUnreachable(const Endpoint& dst,
                                  const std::vector<uint8_t>& quoted) {
  // __udp4_lib_err: without IP_RECVERR only a connected socket hears of
  // it, through sk_err. With IP_RECVERR any socket does: ip_icmp_error
  // queues the error (with the quoted payload) on the error queue, if the
  // receive buffer has room (sock_queue_err_skb), and sk_err is set.
  if (!opts_.recverr) {
    if (!connected_ || peer_.ip != dst.ip || peer_.port != dst.port) return;
  } else {
    size_t charge = quoted.size() + kSkbOverhead;
    if (rmem_ + charge < static_cast<size_t>(opts_.rcvbuf)) {
      rmem_ += charge;
      errq_.push_back({ECONNREFUSED, dst, quoted});
    }
  }
  error_ = ECONNREFUSED;
  Notify(EPOLLERR);
}

int UdpSocket::GetProtoOpt(int, int, void*, socklen_t*) { return -EOPNOTSUPP; }

int UdpSocket::SetProtoOpt(int, int, const void*, socklen_t) {
  return -ENOPROTOOPT;
}

}  // namespace simsock::sim
