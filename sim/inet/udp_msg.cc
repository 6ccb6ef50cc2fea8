// UdpSocket::RecvMsg and SendMsg: udp_recvmsg's wait for a datagram, and
// udp_sendmsg, which never waits (a datagram that does not fit is dropped
// or refused, never queued for later).
#include <sys/epoll.h>

#include <cerrno>

#include "simsock/sim/inet/udp_socket.h"

namespace simsock::sim {

ssize_t UdpSocket::RecvMsg(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                           bool is_read, Endpoint* from, bool* has_from) {
  // MSG_ERRQUEUE goes to ip_recv_error before anything else: no wait, no
  // data, no sock_error.
  if (flags & MSG_ERRQUEUE) return RecvErrQueue(buf, len, from, has_from);
  // A NULL buffer faults only when there is a datagram to copy, and the
  // datagram is consumed (udp_recvmsg frees it) unless MSG_PEEK.
  const bool null_buf = buf == nullptr && len > 0;
  const bool nonblock = nonblocking() || (flags & MSG_DONTWAIT);
  const Time deadline = waiter.JiffiesDeadline(opts_.rcvtimeo_jiffies);
  // After a timeout the queue is looked at once more before the call
  // gives up (__skb_recv_udp tries again when the wait returns with the
  // time used up); the simulator does the same after an injected signal.
  bool final_pass = false;
  ssize_t give_up = -EAGAIN;
  for (;;) {
    const ssize_t r = null_buf
                          ? RecvIntoNull(flags, is_read, 0, !(flags & MSG_PEEK),
                                         from, has_from)
                          : Recv(buf, len, flags, is_read, 0, from, has_from);
    if (r != -EAGAIN || nonblock || (flags & MSG_OOB)) return r;
    if (final_pass) return give_up;
    // A blocking read after SHUT_RD returns 0 rather than waiting.
    if ((Poll() & EPOLLRDHUP) != 0) return 0;
    const Waiter::Result w = waiter.Wait(*this, deadline, "recv");
    if (w != Waiter::Result::kWoken) {
      if (w == Waiter::Result::kInterrupted) give_up = -EINTR;
      final_pass = true;
    }
  }
}

ssize_t UdpSocket::SendMsg(Waiter& /*waiter*/, const IoSpan& data, int flags,
                           const sockaddr_storage* to, socklen_t tolen,
                           const SendControl* ctl) {
  return Send(data, flags, to, tolen, ctl);
}

}  // namespace simsock::sim
