/// \file
/// PortHolder: anything that holds a port in a host's port table (Linux's
/// bind buckets hold full sockets and timewait socks alike): a socket, or a
/// TCP connection in TIME_WAIT (sim/inet/tcp_time_wait.h). The table needs
/// its address and SO_REUSEADDR / SO_REUSEPORT to apply the bind conflict
/// rule; the stack's demultiplexer (InetStack::Receive) asks it, through the
/// virtuals below, to take what arrives for its port, so that a packet goes
/// network -> host -> stack -> holder without the stack knowing the
/// holder's class.
#pragma once

#include <cstdint>
#include <vector>

#include "simsock/sim/inet/sockaddr.h"

namespace simsock::sim {

class TcpListener;

/// Anything that holds a local port in a PortTable: a socket, or a TIME_WAIT
/// left behind by one. The table reads its options through this view; UDP
/// demultiplexing calls its virtuals.
class PortHolder {
 public:
  /// Holds no port yet.
  PortHolder() = default;
  virtual ~PortHolder() = default;
  /// Not copyable: the port table links a port's holders by address.
  PortHolder(const PortHolder&) = delete;
  /// Not assignable, for the same reason.
  PortHolder& operator=(const PortHolder&) = delete;

  // --- The port table's view (sim/inet/port_table.h) -----------------------
  /// The address held (its port is the table's key).
  virtual const Endpoint& local() const = 0;
  virtual bool reuseaddr() const = 0;  ///< sk_reuse
  virtual bool reuseport() const = 0;  ///< sk_reuseport
  /// True while the holder has its port because of connect() rather than
  /// bind() or listen() (Linux's connect-only bind buckets).
  virtual bool connect_bound() const = 0;
  /// A TCP listener takes SYNs for its port (__inet_lookup_listener); null
  /// for anything else.
  virtual TcpListener* listener() const { return nullptr; }
  /// listener() is not null.
  bool IsListening() const { return listener() != nullptr; }

  // --- UDP demultiplexing (__udp4_lib_lookup, __udp4_lib_err) ---------------
  /// How well a datagram from `src` to `dst` matches this holder
  /// (compute_score: higher is better), or -1 if it does not take it.
  virtual int MatchScore(const Endpoint& /*src*/,
                         const Endpoint& /*dst*/) const {
    return -1;
  }
  /// A datagram for this holder. `head`: UdpDatagram::head (bytes of the
  /// first send of a corked datagram, or -1).
  virtual void Deliver(const Endpoint& /*src*/,
                       std::vector<uint8_t> /*payload*/, int32_t /*head*/) {}
  /// An ICMP port unreachable for a datagram this holder sent to `dst`;
  /// `quoted` is the part of its payload the ICMP message quotes.
  virtual void OnPortUnreachable(const Endpoint& /*dst*/,
                                 const std::vector<uint8_t>& /*quoted*/) {}

 private:
  friend class PortTable;
  // When this holder took its port, in the table's count: the order of a
  // port's holders. (63 bits, sharing a word with the flag: a table would
  // need 2^63 Adds to run out, and every socket is 8 bytes smaller.)
  uint64_t port_seq_ : 63 = 0;
  uint64_t port_bind_owned_ : 1 = 0;  // !connect_bound() when last read
  // The port's holders are a list through the holders themselves, in the
  // order they took it: a holder holds one port at a time, and a map node
  // per holder (64 B, on both ends of every connection) cost more than
  // these links.
  PortHolder* port_prev_ = nullptr;
  PortHolder* port_next_ = nullptr;
};

}  // namespace simsock::sim
