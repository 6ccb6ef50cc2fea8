// The IPPROTO_TCP socket options of a TcpSocket (do_tcp_getsockopt,
// do_tcp_setsockopt, TCP_INFO), and the SOL_SOCKET options TCP reacts to.
#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "simsock/sim/inet/inet_stack.h"
#include "simsock/sim/inet/tcp_listener.h"
#include "simsock/sim/inet/tcp_socket.h"

namespace simsock::sim {

using tcp::TcpState;

// SOCK_URGINLINE is read at each receive: a change applies at once.
void TcpSocket::OnOobInlineChanged() {
  if (tcb_) tcb_->SetOobInline(opts_.oobinline);
}

void TcpSocket::OnKeepAliveChanged() {
  if (tcb_) {
    tcb_->SetKeepAlive(opts_.keepalive, Now());
    AfterTcb();
  }
}

// tcp_set_rcvlowat: capped at half the receive buffer (or of tcp_rmem[2]
// when the buffer is not locked), which then grows to hold that much.
void TcpSocket::SetRcvLowat(int val) {
  int cap = opts_.rcvbuf_locked ? opts_.rcvbuf / 2
                                : stack_.settings().tcp_rmem[2] / 2;
  val = std::min(val, cap);
  opts_.rcvlowat = val == 0 ? 1 : val;
  // "Check if we need to signal EPOLLIN right now": tcp_data_ready wakes
  // readers (and edge-triggered epoll items) when the new mark is met, even
  // if it was met before.
  if (tcb_ && (EpollinReady(static_cast<size_t>(opts_.rcvlowat)) || done_))
    Notify(kInKey);
  if (opts_.rcvbuf_locked) return;
  int64_t space = 2 * static_cast<int64_t>(val);  // tcp_space_from_win
  if (space > opts_.rcvbuf) {
    opts_.rcvbuf = static_cast<int>(space);
    OnBufferSizeChanged();
  }
}

// Options that the control block copied at creation and that Linux lets
// change on a live connection.
void TcpSocket::PushTimingOptions() {
  if (!tcb_) return;
  tcp::TcbConfig c = MakeConfig(peer_.ip);
  tcb_->SetKeepAliveTiming(c.keepalive_idle, c.keepalive_interval,
                           c.keepalive_count, Now());
  tcb_->SetUserTimeout(c.user_timeout);
  tcb_->SetFinTimeout(c.fin_timeout);
  AfterTcb();
}

void TcpSocket::OnBufferSizeChanged() {
  if (tcb_) {
    tcb_->SetSendBuffer(static_cast<uint32_t>(opts_.sndbuf));
    tcb_->SetReceiveBuffer(static_cast<uint32_t>(opts_.rcvbuf / 2));
    AfterTcb();
  }
}

// tp->mss_cache, what TCP_MAXSEG and tcpi_snd_mss report on a connection:
// the negotiated MSS less the TCP options every segment carries. Linux
// negotiates timestamps on every connection between two Linux hosts
// (net.ipv4.tcp_timestamps = 1), 12 bytes (TCPOLEN_TSTAMP_ALIGNED,
// tcp_sync_mss -> tcp_mss_to_mtu / tcp_current_mss), so a listener's
// TCP_MAXSEG 1000 reads 988 on both ends. The simulator's segments carry
// no timestamps (docs D2), so only the reported value follows this.
int TcpSocket::MssCache() const {
  constexpr int kTimestampOptionLen = 12;
  return static_cast<int>(tcb_->send_mss()) - kTimestampOptionLen;
}

// do_tcp_getsockopt.
int TcpSocket::GetProtoOpt(int level, int name, void* val, socklen_t* len) {
  if (level != IPPROTO_TCP) return -EOPNOTSUPP;
  const HostSettings& s = stack_.settings();
  switch (name) {
    case TCP_NODELAY:
      return PutInt(topts_.nodelay, val, len);
    case TCP_CORK:
      return PutInt(topts_.cork, val, len);
    case TCP_QUICKACK:
      // !inet_csk_in_pingpong_mode: 0 once the session is interactive.
      return PutInt(tcb_ ? !tcb_->in_pingpong() : topts_.quickack, val, len);
    case TCP_NOTSENT_LOWAT:
      return PutInt(topts_.notsent_lowat, val, len);
    case TCP_INQ:
      return PutInt(topts_.inq, val, len);
    case TCP_CONGESTION: {
      // The name, NUL-padded to TCP_CA_NAME_MAX, truncated to the caller's
      // length.
      char name_buf[16] = {};
      const std::string_view name = topts_.congestion();
      std::memcpy(name_buf, name.data(),
                  std::min(name.size(), sizeof name_buf - 1));
      return PutBytes(name_buf, sizeof name_buf, val, len);
    }
    case TCP_MAXSEG: {
      int v = 536;  // TCP_MSS_DEFAULT until connected
      TcpState st = FdState();
      if (tcb_ && st != TcpState::kClosed && st != TcpState::kListen)
        v = MssCache();
      else if (topts_.user_mss > 0)
        v = topts_.user_mss;
      return PutInt(v, val, len);
    }
    case TCP_KEEPIDLE:
      return PutInt(
          topts_.keepidle > 0 ? topts_.keepidle : s.tcp_keepalive_time, val,
          len);
    case TCP_KEEPINTVL:
      return PutInt(
          topts_.keepintvl > 0 ? topts_.keepintvl : s.tcp_keepalive_intvl, val,
          len);
    case TCP_KEEPCNT:
      return PutInt(
          topts_.keepcnt > 0 ? topts_.keepcnt : s.tcp_keepalive_probes, val,
          len);
    case TCP_SYNCNT:
      return PutInt(topts_.syncnt > 0 ? topts_.syncnt : s.tcp_syn_retries, val,
                    len);
    case TCP_LINGER2: {
      int v = topts_.linger2 < 0
                  ? -1
                  : (topts_.linger2 > 0
                         ? topts_.linger2
                         : static_cast<int>(
                               std::chrono::duration_cast<std::chrono::seconds>(
                                   s.tcp_fin_timeout)
                                   .count()));
      return PutInt(v, val, len);
    }
    case TCP_USER_TIMEOUT:
      return PutInt(topts_.user_timeout_ms, val, len);
    case TCP_INFO: {
      tcp_info info{};
      info.tcpi_state = tcp::LinuxStateNumber(FdState());
      if (listener_) {
        info.tcpi_unacked =
            static_cast<uint32_t>(listener_->accept_queue_length());
        info.tcpi_sacked = static_cast<uint32_t>(listener_->backlog());
      } else if (tcb_) {
        info.tcpi_rto = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(tcb_->rto())
                .count());
        info.tcpi_snd_mss = static_cast<uint32_t>(MssCache());
        info.tcpi_unacked = tcb_->snd_nxt() - tcb_->snd_una();
        info.tcpi_snd_cwnd = tcb_->snd_cwnd();
        info.tcpi_snd_ssthresh = tcb_->snd_ssthresh();
      } else {
        // tcp_init_sock: a socket that never connected.
        info.tcpi_snd_cwnd = tcp::CongestionControl::kInitialWindow;
        info.tcpi_snd_ssthresh = tcp::CongestionControl::kInfiniteSsthresh;
      }
      return PutBytes(&info, sizeof info, val, len);
    }
    default:
      return -ENOPROTOOPT;
  }
}

// do_tcp_setsockopt.
int TcpSocket::SetProtoOpt(int level, int name, const void* val,
                           socklen_t len) {
  if (level != IPPROTO_TCP) return -ENOPROTOOPT;
  if (name == TCP_CONGESTION) {
    // do_tcp_setsockopt: optlen < 1 is EINVAL; the name is read as a
    // string of at most TCP_CA_NAME_MAX - 1 bytes (strncpy_from_sockptr,
    // so a NUL ends it early). tcp_set_congestion_control finds only the
    // algorithms every kernel has: reno always, cubic as the default
    // (another name a real kernel may have loaded as a module is ENOENT
    // here, docs/semantics.md).
    constexpr size_t kCaNameMax = 16;  // TCP_CA_NAME_MAX
    if (len < 1) return -EINVAL;
    if (val == nullptr) return -EFAULT;
    const size_t n = std::min<size_t>(len, kCaNameMax - 1);
    const char* p = static_cast<const char*>(val);
    std::string want(p, std::find(p, p + n, '\0'));
    if (want != "cubic" && want != "reno") return -ENOENT;
    topts_.reno = want == "reno";
    // A live connection switches now, keeping cwnd and ssthresh
    // (tcp_reinit_congestion_control).
    if (tcb_) tcb_->SetCongestionControl(want);
    return 0;
  }
  if (len < sizeof(int)) return -EINVAL;
  if (val == nullptr) return -EFAULT;
  int v;
  std::memcpy(&v, val, sizeof v);
  switch (name) {
    case TCP_NODELAY:
      topts_.nodelay = v != 0;
      if (tcb_) {
        tcb_->SetNoDelay(topts_.nodelay, Now());
        AfterTcb();
      }
      return 0;
    case TCP_CORK:
      topts_.cork = v != 0;
      if (tcb_) {
        tcb_->SetCork(topts_.cork, Now());
        AfterTcb();
      }
      return 0;
    case TCP_QUICKACK:
      // __tcp_sock_set_quickack: 0 makes the session interactive; 1 ends
      // that and may send a held ACK now.
      topts_.quickack = v != 0;
      if (tcb_) {
        tcb_->SetQuickAck(v, Now());
        AfterTcb();
      }
      return 0;
    case TCP_NOTSENT_LOWAT:
      topts_.notsent_lowat = v;
      return 0;
    case TCP_INQ:
      if (v < 0 || v > 1) return -EINVAL;
      topts_.inq = v != 0;
      return 0;
    case TCP_MAXSEG:
      // TCP_MIN_MSS .. MAX_TCP_WINDOW.
      if (v != 0 && (v < 88 || v > 32767)) return -EINVAL;
      topts_.user_mss = v;
      return 0;
    case TCP_KEEPIDLE:
      if (v < 1 || v > 32767) return -EINVAL;
      topts_.keepidle = v;
      PushTimingOptions();
      return 0;
    case TCP_KEEPINTVL:
      if (v < 1 || v > 32767) return -EINVAL;
      topts_.keepintvl = v;
      PushTimingOptions();
      return 0;
    case TCP_KEEPCNT:
      if (v < 1 || v > 127) return -EINVAL;
      topts_.keepcnt = v;
      PushTimingOptions();
      return 0;
    case TCP_SYNCNT:
      if (v < 1 || v > 127) return -EINVAL;  // MAX_TCP_SYNCNT
      topts_.syncnt = v;
      return 0;
    case TCP_LINGER2:
      // Capped at TCP_FIN_TIMEOUT_MAX (120 s); 0 means tcp_fin_timeout.
      topts_.linger2 = v < 0 ? -1 : std::min(v, 120);
      PushTimingOptions();
      return 0;
    case TCP_USER_TIMEOUT:
      if (v < 0) return -EINVAL;
      topts_.user_timeout_ms = v;
      PushTimingOptions();
      return 0;
    default:
      return -ENOPROTOOPT;
  }
}

}  // namespace simsock::sim
