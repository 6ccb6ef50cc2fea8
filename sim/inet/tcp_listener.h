/// \file
/// TcpListener: what a TCP socket is while it listens (Linux's
/// inet_connection_sock listen state with its request and accept queues).
/// A SYN that matches no connection comes here (InetStack::ReceiveTcp ->
/// OnSegment): it is dropped silently while the accept queue is full (more
/// than `backlog` connections queued, so listen(fd, n) admits n + 1),
/// otherwise the listening socket makes a child socket with its own control
/// block, which waits in the SYN queue. The child tells its listener when
/// its handshake completes (OnChildEstablished: to the accept queue, the
/// listener's readers woken) or when it dies first (OnChildGone); accept()
/// takes it from the accept queue.
//
// Owned by its TcpSocket, from listen() until the socket stops listening
// (close, shutdown(SHUT_RD), connect(AF_UNSPEC)), when every queued child
// is reset.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "simsock/sim/inet/packet.h"
#include "simsock/sim/inet/sockaddr.h"

namespace simsock::sim {

class TcpSocket;

/// The listen state of one TCP socket: its SYN queue (children mid-handshake)
/// and accept queue (children established, not yet accepted). See the file
/// comment.
class TcpListener {
 public:
  /// `child_shutdown`: the socket's shutdown flags at listen(), which every
  /// child inherits (sk_clone_lock copies sk_shutdown).
  TcpListener(TcpSocket& socket, int backlog, uint8_t child_shutdown);
  /// Detaches any child still queued (Stop normally emptied the queues).
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  /// The listening socket's local endpoint.
  const Endpoint& local() const;
  /// listen()'s backlog, capped at somaxconn.
  int backlog() const { return backlog_; }
  /// A second listen() changes the backlog.
  void set_backlog(int backlog) { backlog_ = backlog; }
  /// Established children waiting for accept().
  size_t accept_queue_length() const { return accept_queue_.size(); }
  /// sk_acceptq_is_full: more than backlog connections queued.
  bool AcceptQueueFull() const {
    return accept_queue_.size() > static_cast<size_t>(backlog_);
  }

  /// A segment for the listening port that matched no connection
  /// (tcp_v4_do_rcv for a listener, tcp_conn_request).
  void OnSegment(const Packet& p);
  /// inet_csk_accept: the oldest established child, or null.
  std::shared_ptr<TcpSocket> PopAccepted();

  /// A child's handshake completed: it moves to the accept queue.
  void OnChildEstablished(TcpSocket& child);
  /// A child reached CLOSED. One still in the SYN queue leaves it (true; the
  /// child may be destroyed by this call); one in the accept queue stays
  /// there and accept() still returns it (false).
  bool OnChildGone(TcpSocket& child);

  /// inet_csk_listen_stop: every child, queued or half-open, is reset.
  void Stop();

 private:
  TcpSocket& socket_;
  int backlog_;
  uint8_t child_shutdown_;
  std::deque<std::shared_ptr<TcpSocket>> accept_queue_;
  std::vector<std::shared_ptr<TcpSocket>> syn_queue_;
};

}  // namespace simsock::sim
