/// \file
/// InetStack: one host's network stack. It keeps the host's sysctls
/// (HostSettings), answers address questions (which addresses are local,
/// which source address and MSS a destination gets), holds the port table
/// of each protocol and the TCP connection table (which keeps a connection
/// alive after its last fd closes, through FIN_WAIT and TIME_WAIT), and
/// demultiplexes what arrives: a packet goes network -> host -> Receive ->
/// a connection, a listener or a UDP socket; what reaches nobody is
/// answered as Linux answers (TCP RST, ICMP port unreachable).
//
// The stack and its sockets reach the machine they run on only through
// StackEnv (clock, timers, random streams, trace, transmit), which Host
// implements.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "simsock/sim/inet/conn_table.h"
#include "simsock/sim/inet/host_settings.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/inet/port_table.h"
#include "simsock/sim/inet/stack_env.h"
#include "simsock/sim/inet/tcp_connection.h"

namespace simsock::sim {

namespace tcp {
struct TcbConfig;
}  // namespace tcp

class TcpListener;

/// One host's network stack (see the file comment). Owned by its Host; not
/// thread-safe. Connection lookups are O(log n) in the connections.
class InetStack {
 public:
  /// `ip`: the host's own address. `hash_seed` salts the choice within a
  /// SO_REUSEPORT group of listeners.
  InetStack(StackEnv& env, uint32_t ip, uint64_t hash_seed);
  /// Drops the connection table and what it kept alive.
  ~InetStack();
  InetStack(const InetStack&) = delete;
  InetStack& operator=(const InetStack&) = delete;

  /// The machine the stack runs on.
  StackEnv& env() const { return env_; }
  /// Virtual time now.
  Time Now() const { return env_.Now(); }
  /// The host's sysctls, to change (before the sockets they govern are made).
  HostSettings& settings() { return settings_; }
  /// The host's sysctls.
  const HostSettings& settings() const { return settings_; }

  // --- Addresses -------------------------------------------------------------
  /// The host's own address (World::AddHost's), host byte order.
  uint32_t address() const { return ip_; }
  /// The host's own address or anything in 127.0.0.0/8.
  bool IsLocalAddress(uint32_t ip) const { return ip == ip_ || IsLoopback(ip); }
  /// A destination whose route is RTCF_BROADCAST: the limited broadcast
  /// 255.255.255.255 and loopback's directed broadcast 127.255.255.255 (the
  /// "broadcast 127.255.255.255 dev lo" route fib_add_ifaddr installs for
  /// 127.0.0.1/8; 127.0.0.0 and 127.x.255.255 are plain local addresses).
  /// The host's own address has no netmask here, so no subnet broadcast.
  static bool IsBroadcastAddress(uint32_t ip) {
    return ip == 0xFFFFFFFFu || ip == 0x7FFFFFFFu;
  }
  /// The source address Linux's routing would pick to reach `dst`.
  uint32_t SourceAddressFor(uint32_t dst) const;
  /// MSS for a path to `dst` (MTU - 40).
  uint16_t MssFor(uint32_t dst) const;

  /// The TCP port table.
  PortTable& tcp_ports() { return tcp_ports_; }
  /// The UDP port table.
  PortTable& udp_ports() { return udp_ports_; }
  /// The TCP control blocks' shared config (tcp::Tcb's second constructor):
  /// the last one made; the host's connections with the same options share
  /// it, so that an idle connection does not carry its own copy.
  std::shared_ptr<const tcp::TcbConfig>* shared_tcb_config() {
    return &shared_tcb_config_;
  }

  // --- TCP connection table ------------------------------------------------
  /// Enters conn in the connection table under key, which must be free; the
  /// table keeps conn alive. `active_open`: the connection's local port is
  /// a connect()'s (picked or bound), so it enters the index PortsInUse
  /// answers from. A passive open's is its listener's: the index only
  /// speeds up connect()'s port choice (which asks the table about every
  /// candidate anyway), and an accepted connection's destination (the
  /// client's address and port) almost never holds a second connection,
  /// so indexing it would cost a map node per accepted connection for
  /// nothing.
  void AddConnection(const ConnKey& key, std::shared_ptr<TcpConnection> conn,
                     bool active_open);
  /// Removes key's entry if it is conn (another connection may hold the key
  /// since); conn is destroyed later, not during the call.
  void RemoveConnection(const ConnKey& key, const TcpConnection* conn);
  /// The connection of a 4-tuple, or null. O(log n).
  TcpConnection* FindConnection(const ConnKey& key) const;
  /// The local ports of this host's active-open connections from local_ip
  /// to remote_ip:remote_port, as a bitmap; null when there is at most one
  /// (connect()'s port choice skips them without a lookup each; a port
  /// missing here is still checked in the table).
  const PortBitmap* PortsInUse(uint32_t local_ip, uint32_t remote_ip,
                               uint16_t remote_port) const;
  /// Entries in the connection table (TIME_WAIT included).
  size_t connection_count() const { return tcp_conns_.size(); }
  /// The listener that would take a SYN for ip:port (specific address
  /// before wildcard; a SO_REUSEPORT group is chosen by a hash of the
  /// 4-tuple), or null.
  TcpListener* FindListener(uint32_t ip, uint16_t port,
                            const ConnKey& tuple) const;

  /// A fresh initial sequence number, drawn from the seed.
  uint32_t NewIss();
  /// Writes a trace line attributed to this host.
  void TraceLine(const std::string& what) { env_.Trace(what); }

  // --- Packets ---------------------------------------------------------------
  /// Puts a packet on the wire (StackEnv::Transmit).
  void Send(Packet packet) { env_.Transmit(std::move(packet)); }
  /// Demultiplexes an arriving packet: to a connection, a listener or a UDP
  /// socket; else answers with a RST or an ICMP port unreachable as Linux does.
  void Receive(const Packet& packet);

  /// The machine died: every connection is gone at once, without a word on
  /// the wire (sockets with fds were dropped by their processes first).
  void DropConnections();

 private:
  void ReceiveTcp(const Packet& p);
  void ReceiveUdp(const Packet& p);
  void ReceiveIcmp(const Packet& p);

  StackEnv& env_;
  uint32_t ip_;
  uint64_t hash_seed_;
  HostSettings settings_;
  PortTable tcp_ports_;
  PortTable udp_ports_;
  std::shared_ptr<const tcp::TcbConfig> shared_tcb_config_;
  // Hashed: found per segment. Nothing iterates it but DropConnections,
  // which takes the entries in key order.
  ConnTable<std::shared_ptr<TcpConnection>> tcp_conns_;
  // The active-open connections' local ports by destination (local
  // address, remote address and port): the index PortsInUse answers from.
  // Its entries are a subset of the table's keys, so a key removed from
  // the table leaves the index exactly when it was in it.
  struct Destination {
    uint32_t local_ip;
    uint32_t remote_ip;
    uint16_t remote_port;
    explicit Destination(const ConnKey& k)
        : local_ip(k.local_ip),
          remote_ip(k.remote_ip),
          remote_port(k.remote_port) {}
    Destination(uint32_t l, uint32_t r, uint16_t p)
        : local_ip(l), remote_ip(r), remote_port(p) {}
    auto operator<=>(const Destination&) const = default;
  };
  class LocalPorts {
   public:
    void Add(uint16_t port);
    // Takes `port` out if it is there. True when none is left.
    bool Remove(uint16_t port);
    const PortBitmap* bitmap() const;

   private:
    uint32_t count_ = 0;
    uint16_t single_ = 0;  // the port while there is one and no bitmap
    std::unique_ptr<PortBitmap> bits_;
  };
  std::map<Destination, LocalPorts> conn_ports_;
  // Connections just removed from the table, released at the end of the
  // step (a socket may remove itself from inside one of its methods).
  std::vector<std::shared_ptr<TcpConnection>> graveyard_;
};

}  // namespace simsock::sim
