/// \file
/// TcpTimeWait: a TCP connection's last minute, after its socket is done
/// (Linux's inet_timewait_sock, made by tcp_time_wait). It holds what
/// TIME_WAIT needs and nothing else: the 4-tuple, the port (held in the
/// port table with the socket's SO_REUSEADDR / SO_REUSEPORT, so that a new
/// bind() meets it as Linux's bind bucket does), the control block in
/// TIME_WAIT (sim/tcp/tcb.h: sequence numbers and window, which answer
/// segments as RFC 9293 and RFC 5961 prescribe) and its timer. It lives in
/// the connection table until the control block reaches CLOSED: the 2MSL
/// timer, a RST, a new SYN that reopens the 4-tuple (KillTimeWait), or a
/// connect() that recycles it.
//
// A socket hands its connection over when TIME_WAIT begins
// (TcpSocket::DetachTimeWait) and is then CLOSE, free to bind again (or
// gone, if no fd refers to it).
#pragma once

#include <memory>

#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/inet/port_holder.h"
#include "simsock/sim/inet/tcp_connection.h"
#include "simsock/sim/tcp/tcb.h"

namespace simsock::sim {

class InetStack;

/// A connection in TIME_WAIT after its socket is done (see the file comment).
/// Lives in the stack's connection table; holds its port.
class TcpTimeWait final : public TcpConnection,
                          public PortHolder,
                          public std::enable_shared_from_this<TcpTimeWait> {
 public:
  /// Takes `key`'s local port in the stack's TCP port table and a copy of
  /// `tcb`, which is in TIME_WAIT.
  TcpTimeWait(InetStack& stack, const ConnKey& key, const tcp::Tcb& tcb,
              bool reuseaddr, bool reuseport, bool connect_bound);
  /// Releases the port if still held and cancels the timer.
  ~TcpTimeWait() override;
  TcpTimeWait(const TcpTimeWait&) = delete;
  TcpTimeWait& operator=(const TcpTimeWait&) = delete;

  /// Enters the connection table (the socket has left it) and arms the
  /// timer.
  void Enter();

  /// TcpConnection.
  void OnSegment(const Packet& p) override;
  bool InTimeWait() const override;
  bool AcceptsNewSyn(const tcp::Segment& seg) const override;
  void KillTimeWait() override;

  /// PortHolder.
  const Endpoint& local() const override { return local_; }
  bool reuseaddr() const override { return reuseaddr_; }
  bool reuseport() const override { return reuseport_; }
  bool connect_bound() const override { return connect_bound_; }

 private:
  /// After any call into the control block: transmit its output, leave the
  /// tables once CLOSED, re-arm the timer.
  void AfterTcb();
  void ArmTimer();
  void OnTimer();

  InetStack& stack_;
  ConnKey key_;
  Endpoint local_;
  bool reuseaddr_;
  bool reuseport_;
  bool connect_bound_;
  tcp::Tcb tcb_;
  EventId timer_;
  bool in_table_ = false;
  bool holds_port_ = true;
};

}  // namespace simsock::sim
