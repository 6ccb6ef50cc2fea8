/// \file
/// TcpSocket: a simulated TCP socket, the fd-level half of TCP (Linux's
/// af_inet.c, tcp.c and inet_connection_sock.c). It owns a sans-IO
/// control block (sim/tcp/tcb.h) once it connects or is accepted, and adds
/// what the control block does not know: the socket states of
/// __inet_stream_connect (unconnected / connecting / connected), the
/// shutdown flags, the pending socket error that surfaces once, readiness as
/// tcp_poll computes it, wakeups, option inheritance by accepted sockets,
/// orphans that finish closing after their last fd is gone, and port
/// ownership. Its parts, by file: tcp_socket.cc (ports, bind, listen,
/// accept, data, shutdown, close, reacting to the control block),
/// tcp_connect.cc (connect and disconnect), tcp_listener.{h,cc} (the
/// listener's SYN and accept queues and the children it makes),
/// tcp_time_wait.{h,cc} (the TIME_WAIT that outlives the socket),
/// tcp_options.cc (IPPROTO_TCP options, TCP_INFO).
//
// Invariants:
// - a socket is in its stack's connection table from the moment it sends
//   or accepts a SYN until its control block reaches CLOSED or TIME_WAIT;
//   the table's reference keeps orphans alive;
// - when TIME_WAIT begins, the connection moves to a TcpTimeWait and the
//   socket is CLOSE (an fd may bind it again; an orphan is released);
// - held_port_ != 0 exactly while the socket is in its stack's port table;
// - a listener's accept queue never holds more than backlog + 1 sockets.
//
// Deliberate simplifications (docs/semantics.md): the listener has no
// SYN-queue limit or cookies. (SO_LINGER's wait in close() is done by
// Process, which can block.)
#pragma once

#include <sys/epoll.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/inet/tcp_connection.h"
#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim {

class TcpListener;

/// A simulated TCP socket (see the file comment): the fd-level half of TCP over
/// a sans-IO Tcb. Shared by fds, the connection table (orphans) and its
/// listener (unaccepted children). Not thread-safe.
class TcpSocket final : public Socket, public TcpConnection {
 public:
  /// An unbound, unconnected socket (socket(AF_INET, SOCK_STREAM, 0)).
  explicit TcpSocket(InetStack& stack);
  /// Releases the port and the timer.
  ~TcpSocket() override;

  Kind kind() const override { return Kind::kTcp; }
  uint32_t Poll() override;
  void OnLastClose() override;

  int Bind(const sockaddr_storage& addr, socklen_t len) override;
  int Listen(int backlog) override;
  int Accept(std::shared_ptr<Socket>* child) override;
  int Connect(const sockaddr_storage& addr, socklen_t len) override;
  ssize_t Recv(uint8_t* buf, size_t len, int flags, bool is_read,
               size_t peek_skip, Endpoint* from, bool* has_from) override;
  ssize_t Send(const IoSpan& data, int flags, const sockaddr_storage* to,
               socklen_t tolen, const SendControl* ctl) override;
  int Shutdown(int how) override;
  ssize_t RecvMsg(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                  bool is_read, Endpoint* from, bool* has_from) override;
  ssize_t SendMsg(Waiter& waiter, const IoSpan& data, int flags,
                  const sockaddr_storage* to, socklen_t tolen,
                  const SendControl* ctl) override;
  /// SO_LINGER with a timeout: sk_stream_wait_close.
  void WaitAfterLastClose(Waiter& closer) override;
  int GetPeerName(Endpoint* peer) override;
  Endpoint RemoteEndpoint() const override { return peer_; }
  TcpListener* listener() const override { return listener_.get(); }
  bool AtUrgentMark() const override {
    return tcb_.has_value() && tcb_->AtUrgentMark();
  }

  bool InjectPeerReset() override;
  /// tcp_inq_hint: the bytes not yet read (rcv_nxt - copied_seq, so the
  /// peer's FIN counts one until it is read), and 1 when that is 0 after
  /// the FIN (SOCK_DONE); -1 while TCP_INQ is off.
  int RecvInqHint() const override;

  // --- The stack's entry points (sim/inet/tcp_connection.h) ----------------
  void OnSegment(const Packet& p) override;
  bool InTimeWait() const override;
  bool AcceptsNewSyn(const tcp::Segment& seg) const override;
  void KillTimeWait() override;

  /// The state Linux's TCP_INFO would report for the fd: LISTEN, the control
  /// block's state, or CLOSE (also once TIME_WAIT has begun: a timewait
  /// minisock then holds the tuple, not the socket).
  tcp::TcpState FdState() const;
  /// The control block's own state (TIME_WAIT visible), for tests and `ss`.
  tcp::TcpState ConnState() const;
  /// The control block; null before connect() or when the socket listens.
  const tcp::Tcb* tcb() const { return tcb_ ? &*tcb_ : nullptr; }

 protected:
  bool OwnsLevel(int level) const override { return level == IPPROTO_TCP; }
  /// TCP_MAXSEG and tcpi_snd_mss on a connection: the send MSS less the
  /// 12 bytes of a timestamp option Linux would carry. Needs a tcb.
  int MssCache() const;
  int GetProtoOpt(int level, int name, void* val, socklen_t* len) override;
  int SetProtoOpt(int level, int name, const void* val, socklen_t len) override;
  void OnKeepAliveChanged() override;
  void OnBufferSizeChanged() override;
  void OnOobInlineChanged() override;
  /// Copies the options a live connection may change (keepalive timing,
  /// TCP_USER_TIMEOUT, TCP_LINGER2) into the control block.
  void PushTimingOptions();
  void SetRcvLowat(int val) override;

 private:
  // The listener moves children between its queues and wakes this socket.
  friend class TcpListener;

  static constexpr uint8_t kRcvShutdown = 1;   // RCV_SHUTDOWN
  static constexpr uint8_t kSendShutdown = 2;  // SEND_SHUTDOWN
  static constexpr uint8_t kShutdownMask = 3;
  // sock_def_readable's key: data (and urgent data) arrived.
  static constexpr uint32_t kInKey =
      EPOLLIN | EPOLLPRI | EPOLLRDNORM | EPOLLRDBAND;
  static constexpr uint32_t kOutKey = EPOLLOUT | EPOLLWRNORM;

  // __inet_stream_connect's socket->state.
  enum class SockState {
    kUnconnected,
    kConnecting,
    kConnected,
    kDisconnecting
  };

  tcp::TcbConfig MakeConfig(uint32_t peer_ip) const;
  // After any call into the control block: transmit its output, react to
  // state changes, wake waiters, re-arm the timer.
  void AfterTcb();
  void OnTimer();
  void ArmTimer();
  // The connection reached CLOSED: record the error, leave the tables.
  void OnConnectionClosed();
  // The fd's connection entered TIME_WAIT: hand it to a TcpTimeWait.
  void DetachTimeWait();
  // Takes `port` in the stack's port table for local_.
  void HoldPort(uint16_t port, bool connect_bound);
  void ReleasePort();
  // tcp_disconnect(): ABORT, back to a fresh, reconnectable socket.
  void Disconnect();
  // inet_csk_listen_stop(): resets every queued connection.
  void StopListening();
  // The listener's side of a new connection (tcp_listener.cc):
  // sk_clone_lock, a child of this listener for the SYN in `p`, with the
  // shutdown flags `shutdown`, in the connection table;
  std::shared_ptr<TcpSocket> CloneForSyn(const Packet& p, TcpListener* parent,
                                         uint8_t shutdown);
  // the child answers the SYN (tcp_conn_request's SYN-ACK);
  void StartPassiveOpen(const tcp::Segment& syn);
  // inet_csk_listen_stop for a child: reset, no longer the listener's
  // (`orphan`: it was in the accept queue, with no fd to come).
  void AbortUnaccepted(bool orphan);
  void SendSegment(tcp::Segment seg, uint32_t src, uint32_t dst);
  // Picks a local port for connect() autobind; 0 when none is free.
  uint16_t PickConnectPort(uint32_t src, const Endpoint& dst);
  // recv(MSG_OOB): tcp_recv_urg.
  ssize_t RecvUrgent(uint8_t* buf, size_t len, int flags);
  bool Writeable() const;
  bool EpollinReady(size_t target) const;
  std::shared_ptr<TcpSocket> Self();
  Time Now() const;

  // In the socket rather than behind a unique_ptr: one allocation per end
  // instead of two (the pointer and a malloc header less, in every
  // connection). A TIME_WAIT copies it (DetachTimeWait).
  std::optional<tcp::Tcb> tcb_;
  SockState sock_state_ = SockState::kUnconnected;
  Endpoint peer_;
  ConnKey key_;  // valid while in_table_
  bool in_table_ = false;
  uint16_t held_port_ = 0;  // port held in the port table, 0 if none
  uint8_t shutdown_ = 0;    // RCV_SHUTDOWN | SEND_SHUTDOWN
  bool done_ = false;       // SOCK_DONE: the peer's FIN was received
  // The roles the socket has taken (HostSettings::tcp_sticky_roles): one
  // end of a connection (its connect() sent a SYN, or a listener created
  // it), and a listener (a listen() succeeded).
  bool was_connection_ = false;
  bool was_listener_ = false;
  bool nospace_ = false;  // SOCK_NOSPACE: a writer found the buffer full
  bool orphan_ = false;   // no fd refers to it any longer
  tcp::TcpState last_state_ = tcp::TcpState::kClosed;
  size_t last_readable_ = 0;
  EventId timer_;

  // Non-null while listening.
  std::unique_ptr<TcpListener> listener_;
  // The listener a not-yet-accepted child belongs to.
  TcpListener* parent_ = nullptr;

  // IPPROTO_TCP options; an accepted socket inherits them all.
  struct TcpOptions {
    // (the flags first, then the numbers: no padding between)
    bool nodelay = false;
    bool cork = false;     // TCP_CORK
    bool quickack = true;  // TCP_QUICKACK before there is a control block
    bool inq = false;      // TCP_INQ (stored)
    // TCP_CONGESTION: "reno" when set, else "cubic" (SetProtoOpt refuses
    // any other name): a flag rather than the name (a pointer to the
    // literal would be 8 bytes more in every socket).
    bool reno = false;
    int syncnt = 0;    // TCP_SYNCNT; 0 = sysctl
    int user_mss = 0;  // TCP_MAXSEG
    int keepidle = 0;  // seconds; 0 = sysctl
    int keepintvl = 0;
    int keepcnt = 0;
    int linger2 = 0;  // TCP_LINGER2 seconds; 0 = tcp_fin_timeout, <0 off
    int user_timeout_ms = 0;
    int notsent_lowat = 0;  // TCP_NOTSENT_LOWAT (stored, not enforced)
    const char* congestion() const { return reno ? "reno" : "cubic"; }
  };
  TcpOptions topts_;
};

}  // namespace simsock::sim
