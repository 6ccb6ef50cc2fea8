// TcpSocket::SendMsg, the write loop of tcp_sendmsg_locked (waiting for
// room as sk_stream_wait_memory), and the wait of a lingering close
// (sk_stream_wait_close).
#include <cerrno>

#include "simsock/sim/inet/tcp_socket.h"

namespace simsock::sim {

ssize_t TcpSocket::SendMsg(Waiter& waiter, const IoSpan& data, int flags,
                           const sockaddr_storage* to, socklen_t tolen,
                           const SendControl* ctl) {
  const size_t len = data.size();
  const bool nonblock = nonblocking() || (flags & MSG_DONTWAIT);
  const Time deadline = waiter.JiffiesDeadline(opts_.sndtimeo_jiffies);
  size_t sent = 0;
  for (;;) {
    const ssize_t r = Send(data.Tail(sent), flags, to, tolen, ctl);
    if (r > 0) sent += static_cast<size_t>(r);
    if (r < 0 && r != -EAGAIN) return sent > 0 ? static_cast<ssize_t>(sent) : r;
    // Done, unless nothing could be queued yet (a zero-length write to a
    // socket still in SYN_SENT is EAGAIN, as tcp_sendmsg waits to connect).
    if (sent == len && r >= 0) return static_cast<ssize_t>(sent);
    if (nonblock) return sent > 0 ? static_cast<ssize_t>(sent) : -EAGAIN;
    const Waiter::Result w = waiter.Wait(*this, deadline, "send");
    if (w != Waiter::Result::kWoken) {
      if (sent > 0) return static_cast<ssize_t>(sent);
      return w == Waiter::Result::kInterrupted ? -EINTR : -EAGAIN;
    }
  }
}

// tcp_close -> sk_stream_wait_close: with SO_LINGER {1, n}, close() waits
// (even on an O_NONBLOCK socket) until the FIN is acknowledged or n seconds
// pass; either way it returns 0, and on timeout the orphan goes on
// retransmitting.
void TcpSocket::WaitAfterLastClose(Waiter& closer) {
  if (!opts_.linger || opts_.linger_seconds <= 0) return;
  auto closing = [this] {
    const tcp::TcpState st = ConnState();
    return st == tcp::TcpState::kFinWait1 || st == tcp::TcpState::kClosing ||
           st == tcp::TcpState::kLastAck;
  };
  closer.DrainImmediate();
  const Time deadline =
      closer.Now() + std::chrono::seconds(opts_.linger_seconds);
  while (closing()) {
    if (closer.Wait(*this, deadline, "close") != Waiter::Result::kWoken) break;
  }
}

}  // namespace simsock::sim
