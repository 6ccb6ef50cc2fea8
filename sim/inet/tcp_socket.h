// TcpSocket: a simulated TCP socket, the fd-level half of TCP (Linux's
// af_inet.c, tcp.c and inet_connection_sock.c). It owns a sans-IO
// control block (sim/tcp/tcb.h) once it connects or is accepted, and adds
// what the control block does not know: the socket states of
// __inet_stream_connect (unconnected / connecting / connected), the
// shutdown flags, the pending socket error that surfaces once, readiness as
// tcp_poll computes it, wakeups, the listener's SYN and accept queues with
// Linux's backlog rule, option inheritance by accepted sockets, orphans
// that finish closing after their last fd is gone, and port ownership.
//
// Invariants:
// - a socket is in its host's connection table from the moment it sends or
//   accepts a SYN until its control block reaches CLOSED (TIME_WAIT
//   included); the table's reference keeps orphans alive;
// - held_port_ != 0 exactly while the socket is in its host's port table;
// - a listener's accept queue never holds more than backlog + 1 sockets.
//
// Deliberate simplifications (docs/semantics.md): the listener has no
// SYN-queue limit or cookies; a TIME_WAIT stays with the socket object
// rather than moving to a separate minisock. (SO_LINGER's wait in close()
// is done by Process, which can block.)
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/inet/socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim {

class TcpSocket final : public Socket {
 public:
  explicit TcpSocket(Host& host);
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
  ssize_t Send(const uint8_t* buf, size_t len, int flags,
               const sockaddr_storage* to, socklen_t tolen) override;
  int Shutdown(int how) override;
  ssize_t RecvMsg(Waiter& waiter, uint8_t* buf, size_t len, int flags,
                  bool is_read, Endpoint* from, bool* has_from) override;
  ssize_t SendMsg(Waiter& waiter, const uint8_t* buf, size_t len, int flags,
                  const sockaddr_storage* to, socklen_t tolen) override;
  // SO_LINGER with a timeout: sk_stream_wait_close.
  void WaitAfterLastClose(Waiter& closer) override;
  int GetPeerName(Endpoint* peer) override;
  Endpoint RemoteEndpoint() const override { return peer_; }
  bool IsListening() const override { return listening_; }
  bool AtUrgentMark() const override {
    return tcb_ != nullptr && tcb_->AtUrgentMark();
  }

  // --- Host entry points ---------------------------------------------------
  // A segment for this connection's 4-tuple.
  void OnSegment(const Packet& p);
  // A segment for this listener that matched no connection.
  void OnListenSegment(const Packet& p);
  // True if this connection is in TIME_WAIT and `seg` is a new SYN that
  // may reopen the 4-tuple (tcp_timewait_state_process: TCP_TW_SYN).
  bool AcceptsNewSyn(const tcp::Segment& seg) const;
  // Ends a TIME_WAIT early (reopened by a SYN, or recycled by connect).
  void KillTimeWait();
  // The fd's connection entered TIME_WAIT: hand it to a timewait socket.
  void DetachTimeWait();

  // The state Linux's TCP_INFO would report for the fd: LISTEN, the control
  // block's state, or CLOSE (also once TIME_WAIT has begun: a timewait
  // minisock then holds the tuple, not the socket).
  tcp::TcpState FdState() const;
  // The control block's own state (TIME_WAIT visible), for tests and `ss`.
  tcp::TcpState ConnState() const;
  const tcp::Tcb* tcb() const { return tcb_.get(); }
  size_t accept_queue_length() const { return accept_queue_.size(); }
  int backlog() const { return backlog_; }

 protected:
  bool OwnsLevel(int level) const override { return level == IPPROTO_TCP; }
  int MssCache() const;
  int GetProtoOpt(int level, int name, void* val, socklen_t* len) override;
  int SetProtoOpt(int level, int name, const void* val, socklen_t len) override;
  void OnKeepAliveChanged() override;
  void OnBufferSizeChanged() override;
  void OnOobInlineChanged() override;
  void PushTimingOptions();
  void SetRcvLowat(int val) override;

 private:
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
  // Takes `port` in the host's port table for local_.
  void HoldPort(uint16_t port, bool connect_bound);
  void ReleasePort();
  // tcp_disconnect(): ABORT, back to a fresh, reconnectable socket.
  void Disconnect();
  // inet_csk_listen_stop(): resets every queued connection.
  void StopListening();
  void SendSegment(tcp::Segment seg, uint32_t src, uint32_t dst);
  // Picks a local port for connect() autobind; 0 when none is free.
  uint16_t PickConnectPort(uint32_t src, const Endpoint& dst);
  // recv(MSG_OOB): tcp_recv_urg.
  ssize_t RecvUrgent(uint8_t* buf, size_t len, int flags);
  bool Writeable() const;
  bool EpollinReady(size_t target) const;
  ConnKey Key() const;
  std::shared_ptr<TcpSocket> Self();
  Time Now() const;

  std::unique_ptr<tcp::Tcb> tcb_;
  SockState sock_state_ = SockState::kUnconnected;
  Endpoint peer_;
  ConnKey key_;  // valid while in_table_
  bool in_table_ = false;
  uint16_t held_port_ = 0;      // port held in the port table, 0 if none
  uint8_t shutdown_ = 0;        // RCV_SHUTDOWN | SEND_SHUTDOWN
  uint8_t child_shutdown_ = 0;  // shutdown_ at listen(): each child's flags
  bool done_ = false;           // SOCK_DONE: the peer's FIN was received
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

  // Listener.
  bool listening_ = false;
  int backlog_ = 0;
  std::deque<std::shared_ptr<TcpSocket>> accept_queue_;
  std::vector<std::shared_ptr<TcpSocket>> syn_queue_;
  // The listener a not-yet-accepted child belongs to.
  TcpSocket* parent_ = nullptr;

  // IPPROTO_TCP options; an accepted socket inherits them all.
  struct TcpOptions {
    bool nodelay = false;
    int syncnt = 0;    // TCP_SYNCNT; 0 = sysctl
    int user_mss = 0;  // TCP_MAXSEG
    int keepidle = 0;  // seconds; 0 = sysctl
    int keepintvl = 0;
    int keepcnt = 0;
    int linger2 = 0;  // TCP_LINGER2 seconds; 0 = tcp_fin_timeout, <0 off
    int user_timeout_ms = 0;
    bool cork = false;      // TCP_CORK
    bool quickack = true;   // TCP_QUICKACK before there is a control block
    int notsent_lowat = 0;  // TCP_NOTSENT_LOWAT (stored, not enforced)
    bool inq = false;       // TCP_INQ (stored)
    std::string congestion = "cubic";  // TCP_CONGESTION (stored)
  };
  TcpOptions topts_;
};

}  // namespace simsock::sim
