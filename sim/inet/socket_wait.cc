// The protocol-independent calls of a socket that may block: accept and
// connect wait for the connection (inet_csk_wait_for_connect,
// inet_wait_for_connect), and the NULL-buffer receive both protocols'
// recvmsg share.
#include <cerrno>

#include "simsock/sim/inet/socket.h"

namespace simsock::sim {

int Socket::AcceptWaiting(Waiter& waiter, std::shared_ptr<Socket>* child) {
  int r = Accept(child);
  if (r != -EAGAIN || nonblocking()) return r;
  const Time deadline = waiter.JiffiesDeadline(opts_.rcvtimeo_jiffies);
  while (r == -EAGAIN) {
    const Waiter::Result w = waiter.Wait(*this, deadline, "accept4");
    if (w == Waiter::Result::kInterrupted) return -EINTR;
    if (w != Waiter::Result::kWoken) break;
    r = Accept(child);
  }
  return r;
}

int Socket::ConnectWaiting(Waiter& waiter, const sockaddr_storage& addr,
                           socklen_t len) {
  int r = Connect(addr, len);
  if ((r != -EINPROGRESS && r != -EALREADY) || nonblocking()) return r;
  const Time deadline = waiter.JiffiesDeadline(opts_.sndtimeo_jiffies);
  const int first = r;
  while (r == -EINPROGRESS || r == -EALREADY) {
    const Waiter::Result w = waiter.Wait(*this, deadline, "connect");
    if (w != Waiter::Result::kWoken) {
      // SO_SNDTIMEO or a signal: the attempt goes on in the background.
      return w == Waiter::Result::kInterrupted ? -EINTR : first;
    }
    r = Connect(addr, len);
  }
  return r;
}

ssize_t Socket::RecvIntoNull(int flags, bool is_read, size_t peek_skip,
                             bool consume, Endpoint* from, bool* has_from) {
  uint8_t probe;
  const ssize_t r =
      Recv(&probe, 1, flags | MSG_PEEK, is_read, peek_skip, from, has_from);
  if (r > 0 || (r == 0 && *has_from)) {
    if (consume) Recv(&probe, 1, flags, is_read, peek_skip, from, has_from);
    if (r > 0) return -EFAULT;
  }
  return r;
}

}  // namespace simsock::sim
