#include "simsock/sim/inet/socket.h"

#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "simsock/sim/inet/inet_stack.h"

namespace simsock::sim {

Socket::Socket(InetStack& stack, int type) : stack_(stack), type_(type) {
  const HostSettings& s = stack.settings();
  if (type == SOCK_STREAM) {
    opts_.sndbuf = s.tcp_wmem[1];
    opts_.rcvbuf = s.tcp_rmem[1];
  } else {
    opts_.sndbuf = s.wmem_default;
    opts_.rcvbuf = s.rmem_default;
  }
}

Socket::~Socket() = default;

int Socket::CheckBindAddress(const sockaddr_storage& addr, socklen_t len,
                             Endpoint* ep) const {
  if (len < sizeof(sockaddr_in)) return -EINVAL;
  sockaddr_in sin;
  std::memcpy(&sin, &addr, sizeof sin);
  if (sin.sin_family != AF_INET &&
      (sin.sin_family != AF_UNSPEC || sin.sin_addr.s_addr != htonl(INADDR_ANY)))
    return -EAFNOSUPPORT;
  *ep = FromSockAddr(sin);
  bool multicast = (ep->ip >> 28) == 0xE;
  if (ep->ip != 0 && !stack_.IsLocalAddress(ep->ip) && !multicast &&
      ep->ip != 0xFFFFFFFFu)
    return -EADDRNOTAVAIL;
  return 0;
}

int Socket::TakeError() {
  int e = error_;
  error_ = 0;
  return e;
}

void Socket::PeekOffsetMove(int64_t delta) {
  if (opts_.peek_off < 0) return;
  int64_t off = static_cast<int64_t>(opts_.peek_off) + delta;
  opts_.peek_off = static_cast<int>(std::clamp<int64_t>(off, 0, INT_MAX));
}

ssize_t Socket::RecvErrQueue(uint8_t*, size_t, Endpoint*, bool* has_from) {
  *has_from = false;
  return -EAGAIN;  // ip_recv_error: sock_dequeue_err_skb found nothing
}

int Socket::PutBytes(const void* v, socklen_t size, void* val, socklen_t* len) {
  socklen_t n = std::min(*len, size);
  if (n > 0) {
    if (val == nullptr) return -EFAULT;
    std::memcpy(val, v, n);
  }
  *len = n;
  return 0;
}

int Socket::PutInt(int v, void* val, socklen_t* len) {
  return PutBytes(&v, sizeof v, val, len);
}

// do_sock_getsockopt: SOL_SOCKET goes to sk_getsockopt (net/core/sock.c),
// anything else to the protocol (tcp_getsockopt / udp_getsockopt), which
// hands levels it does not own to ip_getsockopt, which refuses all but
// SOL_IP with EOPNOTSUPP. Only the handler that owns the level reads optlen
// (get_user: EFAULT; negative: EINVAL), before it looks at the name.
int Socket::GetSockOpt(int level, int name, void* val, socklen_t* len) {
  if (level != SOL_SOCKET && level != IPPROTO_IP && !OwnsLevel(level))
    return -EOPNOTSUPP;
  if (len == nullptr) return -EFAULT;
  if (static_cast<int>(*len) < 0) return -EINVAL;
  if (level == IPPROTO_IP) return GetIpOpt(name, val, len);
  if (level != SOL_SOCKET) return GetProtoOpt(level, name, val, len);
  switch (name) {
    case SO_TYPE:
      return PutInt(type_, val, len);
    case SO_DOMAIN:
      return PutInt(AF_INET, val, len);
    case SO_PROTOCOL:
      return PutInt(type_ == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP, val, len);
    case SO_ERROR:
      return PutInt(TakeError(), val, len);
    case SO_REUSEADDR:
      return PutInt(opts_.reuseaddr, val, len);
    case SO_REUSEPORT:
      return PutInt(opts_.reuseport, val, len);
    case SO_KEEPALIVE:
      return PutInt(opts_.keepalive, val, len);
    case SO_BROADCAST:
      return PutInt(opts_.broadcast, val, len);
    case SO_SNDBUF:
      return PutInt(opts_.sndbuf, val, len);
    case SO_RCVBUF:
      return PutInt(opts_.rcvbuf, val, len);
    case SO_RCVLOWAT:
      return PutInt(opts_.rcvlowat, val, len);
    case SO_PEEK_OFF:  // both inet_stream_ops and inet_dgram_ops have
                       // set_peek_off
      return PutInt(opts_.peek_off, val, len);
    case SO_PRIORITY:
      return PutInt(opts_.priority, val, len);
    case SO_OOBINLINE:
      return PutInt(opts_.oobinline, val, len);
    case SO_DONTROUTE:
      return PutInt(opts_.dontroute, val, len);
    case SO_TIMESTAMP_OLD:
      return PutInt(opts_.timestamp, val, len);
    case SO_MARK:
      return PutInt(opts_.mark, val, len);
    case SO_PASSCRED:
      return -EOPNOTSUPP;  // not an inet option on this kernel
    case SO_SNDLOWAT:
      return PutInt(1, val, len);
    case SO_ACCEPTCONN:
      return PutInt(AcceptConn(), val, len);
    case SO_LINGER: {
      linger l{opts_.linger ? 1 : 0, opts_.linger_seconds};
      return PutBytes(&l, sizeof l, val, len);
    }
    case SO_RCVTIMEO:
    case SO_SNDTIMEO: {
      // sock_get_timeout: MAX_SCHEDULE_TIMEOUT reads as {0, 0}.
      int64_t j =
          name == SO_RCVTIMEO ? opts_.rcvtimeo_jiffies : opts_.sndtimeo_jiffies;
      int hz = stack_.settings().hz;
      timeval tv{};
      if (j >= 0) {
        tv.tv_sec = j / hz;
        tv.tv_usec = (j % hz) * 1000000 / hz;
      }
      return PutBytes(&tv, sizeof tv, val, len);
    }
    default:
      return -ENOPROTOOPT;
  }
}

namespace {

// sock_setsockopt's buffer sizes: SO_*BUF takes min_t(u32, val, max);
// SO_*BUFFORCE (every simulated process has CAP_NET_ADMIN) skips the cap,
// with a negative value as 0. The value is then doubled, at most
// INT_MAX / 2 * 2, at least the minimum.
int BufferSize(int v, bool force, int max, int min) {
  int64_t want = force ? std::max(v, 0)
                       : std::min<uint32_t>(static_cast<uint32_t>(v),
                                            static_cast<uint32_t>(max));
  want = std::min<int64_t>(want, INT_MAX / 2);
  return std::max(static_cast<int>(want) * 2, min);
}

}  // namespace

// sk_setsockopt (net/core/sock.c): optlen is checked before the name.
int Socket::SetSockOpt(int level, int name, const void* val, socklen_t len) {
  if (level == IPPROTO_IP) return SetIpOpt(name, val, len);
  if (level != SOL_SOCKET) return SetProtoOpt(level, name, val, len);
  if (len < sizeof(int)) return -EINVAL;
  if (val == nullptr) return -EFAULT;
  int v;
  std::memcpy(&v, val, sizeof v);
  bool on = v != 0;
  const HostSettings& s = stack_.settings();
  switch (name) {
    case SO_REUSEADDR:
      opts_.reuseaddr = on;
      return 0;
    case SO_REUSEPORT:
      opts_.reuseport = on;
      return 0;
    case SO_KEEPALIVE:
      opts_.keepalive = on;
      OnKeepAliveChanged();
      return 0;
    case SO_BROADCAST:
      opts_.broadcast = on;
      return 0;
    case SO_PRIORITY:  // any value: every simulated process has CAP_NET_ADMIN
      opts_.priority = v;
      return 0;
    case SO_OOBINLINE:
      opts_.oobinline = on;
      OnOobInlineChanged();
      return 0;
    case SO_DONTROUTE:
      opts_.dontroute = on;
      return 0;
    case SO_TIMESTAMP_OLD:
      opts_.timestamp = on;
      return 0;
    case SO_MARK:
      opts_.mark = v;
      return 0;
    case SO_PASSCRED:
      return -EOPNOTSUPP;
    case SO_SNDBUF:
    case SO_SNDBUFFORCE:
      opts_.sndbuf =
          BufferSize(v, name == SO_SNDBUFFORCE, s.wmem_max, kMinSndBuf);
      opts_.sndbuf_locked = true;
      OnBufferSizeChanged();
      return 0;
    case SO_RCVBUF:
    case SO_RCVBUFFORCE:
      opts_.rcvbuf =
          BufferSize(v, name == SO_RCVBUFFORCE, s.rmem_max, kMinRcvBuf);
      opts_.rcvbuf_locked = true;
      OnBufferSizeChanged();
      return 0;
    case SO_RCVLOWAT:
      SetRcvLowat(v < 0 ? INT_MAX : v);
      return 0;
    case SO_PEEK_OFF:
      // sk_set_peek_off (TCP) / udp_set_peek_off: any value; a negative
      // one turns peeking at an offset off.
      opts_.peek_off = v;
      return 0;
    case SO_LINGER: {
      if (len < sizeof(linger)) return -EINVAL;
      linger l;
      std::memcpy(&l, val, sizeof l);
      if (!l.l_onoff) {
        opts_.linger = false;
      } else {
        opts_.linger = true;
        opts_.linger_seconds = l.l_linger;
      }
      return 0;
    }
    case SO_RCVTIMEO:
    case SO_SNDTIMEO: {
      if (len < sizeof(timeval)) return -EINVAL;
      timeval tv;
      std::memcpy(&tv, val, sizeof tv);
      if (tv.tv_usec < 0 || tv.tv_usec >= 1000000) return -EDOM;
      // sock_set_timeout: a negative time means "do not wait", zero means
      // "wait forever", anything else is rounded up to whole jiffies.
      int hz = stack_.settings().hz;
      int64_t j = -1;
      if (tv.tv_sec < 0) {
        j = 0;
      } else if (tv.tv_sec != 0 || tv.tv_usec != 0) {
        j = static_cast<int64_t>(tv.tv_sec) * hz +
            (tv.tv_usec + 1000000 / hz - 1) / (1000000 / hz);
      }
      (name == SO_RCVTIMEO ? opts_.rcvtimeo_jiffies : opts_.sndtimeo_jiffies) =
          j;
      return 0;
    }
    default:
      return -ENOPROTOOPT;
  }
}

void Socket::SetRcvLowat(int v) { opts_.rcvlowat = v == 0 ? 1 : v; }

// do_ip_getsockopt: an int, or a single byte when the caller asks for less
// than an int and the value fits.
int Socket::GetIpOpt(int name, void* val, socklen_t* len) {
  int v;
  switch (name) {
    case IP_TOS:
      v = opts_.ip_tos;
      break;
    case IP_TTL:
      v = opts_.ip_ttl < 0 ? 64 : opts_.ip_ttl;  // sysctl ip_default_ttl
      break;
    case IP_RECVERR:
      v = opts_.recverr ? 1 : 0;
      break;
    default:
      return -ENOPROTOOPT;
  }
  if (*len < sizeof(int) && *len > 0 && v >= 0 && v <= 255) {
    unsigned char c = static_cast<unsigned char>(v);
    return PutBytes(&c, 1, val, len);
  }
  return PutInt(v, val, len);
}

// rt_tos2priority (include/net/route.h): ip_tos2prio (net/ipv4/route.c)
// indexed by the TOS bits, IPTOS_TOS(tos) >> 1. TC_PRIO_BESTEFFORT 0,
// BULK 2, INTERACTIVE_BULK 4, INTERACTIVE 6; ECN_OR_COST(x) is x.
int Socket::TosToPriority(uint8_t tos) {
  static constexpr uint8_t kIpTos2Prio[16] = {0, 0, 0, 0, 2, 2, 2, 2,
                                              6, 6, 6, 6, 4, 4, 4, 4};
  return kIpTos2Prio[(tos & 0x1E) >> 1];
}

// do_ip_setsockopt: takes an int, or a single byte when optlen is shorter
// (optlen 0 is the value 0).
int Socket::SetIpOpt(int name, const void* val, socklen_t len) {
  if (name != IP_TOS && name != IP_TTL && name != IP_RECVERR)
    return -ENOPROTOOPT;
  int v = 0;
  if (len >= sizeof(int)) {
    if (val == nullptr) return -EFAULT;
    std::memcpy(&v, val, sizeof v);
  } else if (len >= 1) {
    if (val == nullptr) return -EFAULT;
    v = *static_cast<const unsigned char*>(val);
  }
  switch (name) {
    case IP_TOS: {
      // __ip_sock_set_tos: a stream socket keeps its ECN bits (the stack
      // owns them). The int is compared with the stored u8, so a value
      // outside 0..255 always counts as a change; a change sets
      // sk_priority from the TOS (rt_tos2priority), replacing any
      // SO_PRIORITY, while re-setting the same TOS leaves it alone.
      if (type_ == SOCK_STREAM) v = (v & ~3) | (opts_.ip_tos & 3);
      if (v != opts_.ip_tos) {
        opts_.ip_tos = v & 0xff;
        opts_.priority = TosToPriority(static_cast<uint8_t>(v));
      }
      return 0;
    }
    case IP_TTL:
      if (len < 1) return -EINVAL;
      if (v != -1 && (v < 1 || v > 255)) return -EINVAL;
      opts_.ip_ttl = v;
      return 0;
    case IP_RECVERR:
      // inet_assign_bit(RECVERR); turning it off purges the error queue.
      opts_.recverr = v != 0;
      if (!opts_.recverr) OnRecvErrOff();
      return 0;
  }
  return -ENOPROTOOPT;
}

// A level that is neither SOL_SOCKET, IPPROTO_IP nor the protocol's own.
int Socket::GetProtoOpt(int, int, void*, socklen_t*) { return -EOPNOTSUPP; }
int Socket::SetProtoOpt(int, int, const void*, socklen_t) {
  return -ENOPROTOOPT;
}

std::string Socket::Describe() const {
  return std::string(type_ == SOCK_STREAM ? "tcp " : "udp ") + ToString(local_);
}

}  // namespace simsock::sim
