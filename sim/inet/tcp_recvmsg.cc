// TcpSocket::RecvMsg: the receive loop of tcp_recvmsg_locked. It copies
// until the call's target, waits for more while the socket is blocking,
// and stops where Linux stops: the urgent mark, the end of the stream, an
// error, a timeout or a signal.
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>

#include "simsock/sim/inet/tcp_socket.h"

namespace simsock::sim {

ssize_t TcpSocket::RecvMsg(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                           bool is_read, Endpoint* from, bool* has_from) {
  // tcp_recvmsg hands MSG_ERRQUEUE to ip_recv_error before anything else:
  // no wait, no data, no sock_error.
  if (flags & MSG_ERRQUEUE) return RecvErrQueue(buf, len, from, has_from);
  // A NULL buffer passes import_ubuf (access_ok accepts it); the call
  // faults only when it has bytes to copy: an empty queue is still EAGAIN
  // (or blocks), the end of the stream 0, an unconnected socket ENOTCONN.
  // Stream data that faults stays queued; urgent data is consumed unless
  // MSG_PEEK. (With MSG_TRUNC nothing is copied, so nothing faults.)
  const bool null_buf = buf == nullptr && len > 0 && !(flags & MSG_TRUNC);
  const bool nonblock = nonblocking() || (flags & MSG_DONTWAIT);
  const Time deadline = waiter.JiffiesDeadline(opts_.rcvtimeo_jiffies);
  // The target (sock_rcvlowat): a blocking read returns once it has
  // min(SO_RCVLOWAT, len) bytes, or len with MSG_WAITALL, and otherwise
  // waits for more (a timeout, a signal, the end of the stream or an error
  // return what it has). A nonblocking one returns what is there.
  size_t target = 1;
  if (!(flags & MSG_OOB)) {
    target = (flags & MSG_WAITALL)
                 ? len
                 : std::min<size_t>(
                       static_cast<size_t>(std::max(opts_.rcvlowat, 1)), len);
    target = std::max<size_t>(target, 1);
  }
  const bool peek = (flags & MSG_PEEK) != 0;
  size_t copied = 0;
  // After a timeout or a signal the kernel looks at the queue once more
  // before giving up (tcp_recvmsg_locked walks the queue before testing
  // timeo and signal_pending): bytes that arrived below SO_RCVLOWAT,
  // which woke nobody, are returned then.
  bool final_pass = false;
  ssize_t give_up = -EAGAIN;
  ssize_t r;
  for (;;) {
    // A peek that waits for more goes on after what it has peeked
    // (peek_seq); with SO_PEEK_OFF on, the offset has moved already.
    const size_t skip = peek && opts_.peek_off < 0 ? copied : 0;
    const int pending = PendingError();
    if (null_buf) {
      r = RecvIntoNull(flags, is_read, skip, !peek && (flags & MSG_OOB), from,
                       has_from);
    } else {
      r = Recv(buf + copied, len - copied, flags, is_read, skip, from,
               has_from);
    }
    if (copied > 0 && pending != 0 && r == -pending) {
      // With bytes copied the loop breaks on sk_err without taking it
      // (sock_error runs only when nothing was copied).
      RestoreError(pending);
      r = static_cast<ssize_t>(copied);
      break;
    }
    if (r > 0 && !nonblock) {
      copied += static_cast<size_t>(r);
      if (copied >= target || copied >= len || final_pass ||
          (!peek && AtUrgentMark())) {
        r = static_cast<ssize_t>(copied);
        break;
      }
      continue;  // the next call finds the end, an error, or waits
    }
    if (r == 0 && copied > 0) r = static_cast<ssize_t>(copied);
    // recv(MSG_OOB) never blocks (tcp_recv_urg).
    if (r != -EAGAIN || nonblock || (flags & MSG_OOB)) break;
    if (final_pass) {
      r = copied > 0 ? static_cast<ssize_t>(copied) : give_up;
      break;
    }
    const Waiter::Result w = waiter.Wait(*this, deadline, "recv");
    if (w != Waiter::Result::kWoken) {
      if (w == Waiter::Result::kInterrupted) give_up = -EINTR;
      final_pass = true;
    }
  }
  if (r < 0 && copied > 0) r = static_cast<ssize_t>(copied);
  return r;
}

}  // namespace simsock::sim
