/// \file
/// What a host's TCP connection table (Linux's established hash) holds for
/// a 4-tuple: a TcpSocket whose connection is under way, or the TcpTimeWait
/// that keeps a finished connection's last minute. The stack's
/// demultiplexer hands each segment for the 4-tuple to it.
#pragma once

#include <cstdint>

#include "simsock/sim/inet/packet.h"
#include "simsock/sim/tcp/segment.h"

namespace simsock::sim {

/// A TCP connection's 4-tuple, from this host's side.
struct ConnKey {
  uint32_t local_ip = 0;     ///< our address
  uint16_t local_port = 0;   ///< our port
  uint32_t remote_ip = 0;    ///< the peer's address
  uint16_t remote_port = 0;  ///< the peer's port
  /// Orders field by field (the connection table's key).
  auto operator<=>(const ConnKey&) const = default;
};

/// What the stack's connection table holds for a 4-tuple: a TcpSocket, or a
/// TcpTimeWait left behind by one.
class TcpConnection {
 public:
  virtual ~TcpConnection() = default;

  /// A segment for this 4-tuple.
  virtual void OnSegment(const Packet& p) = 0;
  /// True in TIME_WAIT.
  virtual bool InTimeWait() const = 0;
  /// True if this connection is in TIME_WAIT and `seg` is a new SYN that
  /// may reopen the 4-tuple (tcp_timewait_state_process: TCP_TW_SYN).
  virtual bool AcceptsNewSyn(const tcp::Segment& seg) const = 0;
  /// Ends a TIME_WAIT early (reopened by a SYN, or recycled by connect).
  virtual void KillTimeWait() = 0;
};

}  // namespace simsock::sim
