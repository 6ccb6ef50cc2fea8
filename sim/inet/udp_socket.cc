#include "simsock/sim/inet/udp_socket.h"

#include <netinet/udp.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/sim/base/random.h"
#include "simsock/sim/inet/inet_stack.h"

namespace simsock::sim {

UdpSocket::UdpSocket(InetStack& stack) : Socket(stack, SOCK_DGRAM) {}

UdpSocket::~UdpSocket() { ReleasePort(); }

void UdpSocket::ReleasePort() {
  if (held_port_ == 0) return;
  stack_.udp_ports().Remove(*this, held_port_);
  held_port_ = 0;
}

void UdpSocket::OnLastClose() {
  ReleasePort();
  FlushPending();  // udp_destroy_sock: udp_flush_pending_frames
  reader_queue_.clear();
  queue_.clear();
  errq_.clear();
  rmem_ = 0;
  forward_deficit_ = 0;
}

// The allocation behind a loopback datagram's skb (x86_64, 4 KiB pages;
// measured on Linux 6.18 with SO_MEMINFO for every payload 0..65507):
//   __ip_append_data asks sock_alloc_send_skb for
//     head + 8 (UDP) + 20 (IP) + 16 (LL_RESERVED_SPACE of lo) + 15
//   bytes, linear while that is below SKB_MAX_ALLOC (16064); __alloc_skb
//   adds SKB_DATA_ALIGN(sizeof(skb_shared_info)) = 320 to the 64-aligned
//   size and kmalloc_reserve takes it from skb_small_head_cache (576) or
//   the next kmalloc size (1024 ... 8192, then whole pages: 16384).
//   truesize = that allocation + SKB_DATA_ALIGN(sizeof(sk_buff)) = 256.
//   A larger datagram keeps only the headers in a 576-byte head and the
//   payload in page frags, which count byte for byte (skb_len_add).
// So 0..197 bytes: 832; ..645: 1280; ..1669: 2304; ..3717: 4352;
// ..7813: 8448; ..16004: 16640; from 16005: payload + 832.
namespace {
constexpr size_t kSkbOverhead = 256;  // SKB_DATA_ALIGN(sizeof(sk_buff))
constexpr size_t kShinfo = 320;       // SKB_DATA_ALIGN(sizeof(skb_shared_info))
constexpr size_t kSmallHead = 576;    // SKB_SMALL_HEAD_CACHE_SIZE
constexpr size_t kAllocExtra = 8 + 20 + 16 + 15;  // udp, ip, hh_len + 15
constexpr size_t kMaxAlloc = 16064;       // SKB_MAX_ALLOC: 16 KiB - kShinfo
constexpr size_t kReserve = 16 + 8 + 20;  // skb_reserve(hh_len) + headers

// kmalloc_reserve's allocation for a linear head holding `head` bytes.
size_t HeadAlloc(size_t head) {
  size_t obj = ((head + kAllocExtra + 63) & ~size_t{63}) + kShinfo;
  if (obj <= kSmallHead) return kSmallHead;
  size_t n = 1024;
  while (n < obj) n <<= 1;
  return n;
}

bool IsLinear(size_t head) { return head + kAllocExtra < kMaxAlloc; }
}  // namespace

size_t UdpSocket::Truesize(size_t len, size_t head) {
  if (!IsLinear(head)) return kSmallHead + kSkbOverhead + len;
  return HeadAlloc(head) + kSkbOverhead + (len - head);
}

int UdpSocket::AutoBind() {
  if (held_port_ != 0) return 0;
  const HostSettings& s = stack_.settings();
  uint16_t port = stack_.udp_ports().PickForBind(
      *this, local_.ip, s.port_range_lo, s.port_range_hi,
      stack_.env().Rng("port.ephemeral"), /*odd_first=*/false);
  if (port == 0) return -EAGAIN;
  local_.port = port;
  stack_.udp_ports().Add(*this, port);
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
    if (!stack_.udp_ports().CanBind(*this, ep.ip, ep.port)) {
      local_.ip = 0;
      return -EADDRINUSE;
    }
    local_.port = ep.port;
    stack_.udp_ports().Add(*this, ep.port);
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
  // ip_route_connect: a broadcast route without SO_BROADCAST is EACCES.
  // The autobind above stays; the socket keeps any earlier peer.
  if (stack_.IsBroadcastAddress(dst.ip) && !opts_.broadcast) return -EACCES;
  if (local_.ip == 0) local_.ip = stack_.SourceAddressFor(dst.ip);
  peer_ = dst;
  connected_ = true;
  // __ip4_datagram_connect routes into inet->cork.fl, the flow a pending
  // corked datagram is sent with: connect() redirects it to the new peer.
  if (pending_) {
    pending_dst_ = peer_;
    pending_src_ = local_.ip;
  }
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
  const bool skip = peek && opts_.peek_off >= 0;
  size_t off = 0;
  auto find = [&] {
    off = skip ? static_cast<size_t>(opts_.peek_off) : 0;
    auto it = reader_queue_.begin();
    while (skip && it != reader_queue_.end() && off >= it->data.size() &&
           (off > 0 || it->peeked)) {
      off -= it->data.size();
      ++it;
    }
    return it;
  };
  auto it = find();
  if (it == reader_queue_.end()) {
    // A blocking reader after SHUT_RD gets 0; a nonblocking one EAGAIN.
    if (queue_.empty()) return -EAGAIN;
    // __skb_recv_udp: what the reader queue cannot give, it looks for again
    // after splicing sk_receive_queue onto it (also for MSG_PEEK).
    for (Datagram& d : queue_) reader_queue_.push_back(std::move(d));
    queue_.clear();
    it = find();
    if (it == reader_queue_.end()) return -EAGAIN;
  }
  Datagram& d = *it;
  if (peek && d.data.empty()) d.peeked = true;  // skb_set_peeked
  const size_t ulen = d.data.size();
  size_t n = std::min(len, ulen - off);
  // udp_recvmsg: MSG_TRUNC when the buffer is not longer than what is
  // left after the offset and shorter than the whole datagram.
  if (len <= ulen - off && len < ulen) recv_msg_flags_ |= MSG_TRUNC;
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
    size_t truesize = d.truesize;
    reader_queue_.erase(it);
    ReleaseRmem(truesize);
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
  rmem_ -= qe.truesize;
  if (!errq_.empty()) {
    error_ = errq_.front().err;
    Notify(EPOLLERR);  // sk_error_report
  } else {
    error_ = 0;
  }
  size_t n = std::min(len, qe.payload.size());
  // ip_recv_error: MSG_TRUNC when the payload was cut, and MSG_ERRQUEUE.
  recv_msg_flags_ |= MSG_ERRQUEUE;
  if (n < qe.payload.size()) recv_msg_flags_ |= MSG_TRUNC;
  if (n > 0) {
    if (buf == nullptr) return -EFAULT;  // the error is gone all the same
    std::memcpy(buf, qe.payload.data(), n);
  }
  *from = qe.offender;
  *has_from = true;
  return static_cast<ssize_t>(n);
}

void UdpSocket::OnRecvErrOff() {
  for (const QueuedError& qe : errq_) rmem_ -= qe.truesize;
  errq_.clear();
}

// udp_rmem_release(partial = 1): the memory of dequeued datagrams is given
// back in batches, once a quarter of the buffer (forward_threshold =
// sk_rcvbuf >> 2) is owed or the reader queue is empty; releasing also
// moves what arrived meanwhile into the reader queue. Until then the
// datagrams read still count against the buffer.
void UdpSocket::ReleaseRmem(size_t truesize) {
  forward_deficit_ += truesize;
  if (forward_deficit_ < static_cast<size_t>(opts_.rcvbuf) / 4 &&
      !reader_queue_.empty())
    return;
  rmem_ -= forward_deficit_;
  forward_deficit_ = 0;
  for (Datagram& d : queue_) reader_queue_.push_back(std::move(d));
  queue_.clear();
}

// inet_sendmsg + udp_sendmsg.
ssize_t UdpSocket::Send(const IoSpan& data, int flags,
                        const sockaddr_storage* to, socklen_t tolen,
                        const SendControl* ctl) {
  const size_t len = data.size();
  // inet_send_prepare autobinds before anything can fail.
  if (held_port_ == 0 && AutoBind() != 0) return -EAGAIN;
  if (len > 0xFFFF) return -EMSGSIZE;
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  // corkreq: the datagram stays pending after this send.
  const bool cork = cork_ || (flags & MSG_MORE);
  if (pending_) {
    // udp_sendmsg: with frames pending, the address (even a bad one) is
    // ignored and the data is appended (goto do_append_data). The append
    // goes to the pending skb's page frags, so no sock_error / SHUT_WR
    // check (those are in sock_alloc_send_pskb).
    if (pending_data_.size() + len > kMaxPayload) {
      // __ip_append_data: EMSGSIZE; udp_flush_pending_frames drops all.
      FlushPending();
      return -EMSGSIZE;
    }
    // (The copy of a NULL buffer faults in __ip_append_data's getfrag.)
    if (data.Readable() < len) {
      FlushPending();  // udp_sendmsg: an append error flushes the cork
      return -EFAULT;
    }
    data.AppendTo(&pending_data_);
    if (!cork) PushPending();
    return static_cast<ssize_t>(len);
  }
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
    // A socket connected to port 0 sends to port 0 (no check here).
    dst = peer_;
  }
  // The control messages (udp_cmsg_send, ip_cmsg_send): IP_TTL and IP_TOS
  // are checked and taken, but packets carry neither (docs/semantics.md).
  IpCmsgCookie ipc;
  if (ctl != nullptr && ctl->len > 0) {
    if (int e = UdpCmsgSend(*ctl, &ipc)) return e;
  }
  // IP_PKTINFO's spec_dst is the source the route is asked for (ipc.addr;
  // 0 lets the route choose): one not on this host has no route
  // (ip_route_output_flow: EINVAL).
  if (ipc.pktinfo && ipc.spec_dst != 0 && !stack_.IsLocalAddress(ipc.spec_dst))
    return -EINVAL;
  if (dst.ip == 0) dst.ip = 0x7F000001;
  // udp_sendmsg: RTCF_BROADCAST route without SO_BROADCAST.
  if (stack_.IsBroadcastAddress(dst.ip) && !opts_.broadcast) return -EACCES;
  if (len > kMaxPayload) return -EMSGSIZE;
  // sock_alloc_send_pskb, for the skb of a new datagram (corked or not).
  if (int e = TakeError()) return -e;
  if (shutdown_ & 2) return -EPIPE;
  // The payload is copied last (ip_make_skb -> getfrag), after the address,
  // route, size and socket-state checks: only then does a NULL buffer
  // fault, and nothing is sent.
  if (data.Readable() < len) return -EFAULT;
  uint32_t src = local_.ip != 0 ? local_.ip : stack_.SourceAddressFor(dst.ip);
  if (ipc.pktinfo) {
    src = ipc.spec_dst != 0 ? ipc.spec_dst : stack_.SourceAddressFor(dst.ip);
  }
  if (cork) {
    // Now cork the socket to pend data: the route is fixed here.
    pending_ = true;
    pending_src_ = src;
    pending_dst_ = dst;
    pending_data_.clear();
    data.AppendTo(&pending_data_);
    pending_head_ = len;
    return static_cast<ssize_t>(len);
  }
  Packet p;
  p.src = src;
  p.dst = dst.ip;
  p.proto = IpProto::kUdp;
  p.udp.src_port = local_.port;
  p.udp.dst_port = dst.port;
  data.AppendTo(&p.udp.payload);
  stack_.Send(std::move(p));
  return static_cast<ssize_t>(len);
}

void UdpSocket::PushPending() {
  if (!pending_) return;
  Packet p;
  p.src = pending_src_;
  p.dst = pending_dst_.ip;
  p.proto = IpProto::kUdp;
  p.udp.src_port = local_.port;
  p.udp.dst_port = pending_dst_.port;
  p.udp.payload = std::move(pending_data_);
  p.udp.head = static_cast<int32_t>(pending_head_);
  FlushPending();
  stack_.Send(std::move(p));
}

void UdpSocket::FlushPending() {
  pending_ = false;
  pending_data_.clear();
  pending_head_ = 0;
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
  if (!reader_queue_.empty() || !queue_.empty()) mask |= EPOLLIN | EPOLLRDNORM;
  mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;  // nothing is ever queued
  return mask;
}

// compute_score: each bound or connected field must match and adds 4. A
// socket connected to port 0 (inet_dport == 0) takes datagrams from any
// port of its peer's address.
int UdpSocket::MatchScore(const Endpoint& src, const Endpoint& dst) const {
  if (held_port_ != dst.port) return -1;
  int score = 0;
  if (local_.ip != 0) {
    if (local_.ip != dst.ip) return -1;
    score += 4;
  }
  if (connected_) {
    if (peer_.ip != src.ip) return -1;
    score += 4;
    if (peer_.port != 0) {
      if (peer_.port != src.port) return -1;
      score += 4;
    }
  }
  return score;
}

// __udp_enqueue_schedule_skb (Linux 6.18): with rmem = sk_rmem_alloc,
//   rmem + truesize > rcvbuf drops the datagram unless the queue is empty
//   (rmem == 0: one datagram of any size is always accepted);
//   rmem > rcvbuf / 2 first condenses it (skb_condense: frag bytes that fit
//   the head's tailroom are pulled in and truesize becomes the head's).
void UdpSocket::Deliver(const Endpoint& src, std::vector<uint8_t> payload,
                        int32_t head) {
  const size_t len = payload.size();
  const size_t linear = head < 0 ? len : static_cast<size_t>(head);
  size_t truesize = Truesize(len, linear);
  const size_t rcvbuf = static_cast<size_t>(opts_.rcvbuf);
  if (rmem_ + truesize > rcvbuf && rmem_ != 0) {
    stack_.TraceLine("drop: udp receive buffer of " + ToString(local_) +
                     " full");
    return;
  }
  if (rmem_ > rcvbuf / 2 && IsLinear(linear) &&
      len - linear <= HeadAlloc(linear) - kShinfo - kReserve - linear)
    truesize = Truesize(linear, linear);
  rmem_ += truesize;
  queue_.push_back({src, std::move(payload), truesize});
  Notify(EPOLLIN | EPOLLRDNORM);
}

void UdpSocket::OnPortUnreachable(const Endpoint& dst,
                                  const std::vector<uint8_t>& quoted) {
  // __udp4_lib_err: without IP_RECVERR only a connected socket hears of
  // it, through sk_err. The error's socket is found by the same lookup as
  // arrivals (compute_score), so one connected to port 0 hears of any port
  // at its peer's address. With IP_RECVERR any socket does: ip_icmp_error
  // queues the error (with the quoted payload) on the error queue, if the
  // receive buffer has room (sock_queue_err_skb), and sk_err is set. The
  // entry is charged as a datagram of the quoted size (an approximation of
  // the ICMP skb's truesize).
  if (!opts_.recverr) {
    if (!connected_ || peer_.ip != dst.ip ||
        (peer_.port != 0 && peer_.port != dst.port))
      return;
  } else {
    const size_t charge = Truesize(quoted.size(), quoted.size());
    if (rmem_ + charge < static_cast<size_t>(opts_.rcvbuf)) {
      rmem_ += charge;
      errq_.push_back({ECONNREFUSED, dst, quoted, charge});
    }
  }
  error_ = ECONNREFUSED;
  Notify(EPOLLERR);
}

// udp_lib_getsockopt (SOL_UDP and SOL_UDPLITE route here, OwnsLevel).
// Other UDP options (UDP_SEGMENT, UDP_GRO, encap) are not modelled:
// ENOPROTOOPT, as an unknown one is on Linux.
int UdpSocket::GetProtoOpt(int, int name, void* val, socklen_t* len) {
  if (name == UDP_CORK) return PutInt(cork_ ? 1 : 0, val, len);
  return -ENOPROTOOPT;
}

// udp_lib_setsockopt.
// SOL_UDP / SOL_UDPLITE go to udp_lib_setsockopt, which reads an int first
// (optlen < 4: EINVAL; EFAULT); any other level goes to ip_setsockopt,
// which refuses it (ENOPROTOOPT).
int UdpSocket::SetProtoOpt(int level, int name, const void* val,
                           socklen_t len) {
  if (!OwnsLevel(level)) return -ENOPROTOOPT;
  if (len < sizeof(int)) return -EINVAL;
  if (val == nullptr) return -EFAULT;
  int v;
  std::memcpy(&v, val, sizeof v);
  if (name != UDP_CORK) return -ENOPROTOOPT;
  if (v != 0) {
    cork_ = true;
  } else {
    // Uncorking sends what is pending (udp_push_pending_frames).
    cork_ = false;
    PushPending();
  }
  return 0;
}

}  // namespace simsock::sim
