// Host: one simulated machine. It has a name, one IPv4 address plus its
// loopback (all of 127.0.0.0/8 is local, as on Linux), sysctl-like settings
// with Linux's defaults, a port table per protocol, the TCP connection table
// (which keeps a connection alive after its last fd closes, through
// FIN_WAIT and TIME_WAIT), and its processes. Packets for the host arrive in
// Receive and are demultiplexed to a connection, a listener or a UDP socket;
// what reaches nobody is answered as Linux answers (TCP RST, ICMP port
// unreachable).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/inet/port_table.h"

namespace simsock::sim {

class Process;
class Socket;
class TcpSocket;
class UdpSocket;
class World;

// SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF as this kernel reports them.
inline constexpr int kMinSndBuf = 4608;
inline constexpr int kMinRcvBuf = 2304;

// The sysctls that reach behaviour, with Linux 6.x defaults
// (docs/semantics.md §1).
struct HostSettings {
  int somaxconn = 4096;
  int port_range_lo = 32768;  // net.ipv4.ip_local_port_range
  int port_range_hi = 60999;
  int tcp_syn_retries = 6;
  int tcp_syn_linear_timeouts = 4;
  int tcp_synack_retries = 5;
  int tcp_retries2 = 15;
  int tcp_orphan_retries = 0;  // 0 means 8
  Duration tcp_fin_timeout = std::chrono::seconds(60);
  Duration tcp_time_wait = std::chrono::seconds(60);  // TCP_TIMEWAIT_LEN
  int tcp_keepalive_time = 7200;
  int tcp_keepalive_intvl = 75;
  int tcp_keepalive_probes = 9;
  int tcp_rmem[3] = {4096, 131072, 33554432};
  int tcp_wmem[3] = {4096, 16384, 4194304};
  int rmem_default = 212992;
  int wmem_default = 212992;
  int rmem_max = 4194304;
  int wmem_max = 4194304;
  int nofile_limit = 1024;  // RLIMIT_NOFILE for new processes
  // A TCP socket keeps the roles it has taken. Once it has been one end of
  // a connection (its connect() sent a SYN, or a listener created it),
  // listen() is EINVAL; once it has listened, connect() is EINVAL; however
  // it was disconnected since (connect(AF_UNSPEC), a refused or reset
  // connect, shutdown(SHUT_RD) of a listener). true: as the kernel the
  // differential recordings come from (6.18.44-fc-v1272) answers; false:
  // mainline's inet_listen and __inet_stream_connect, which check only the
  // socket's current states (what earlier recordings answered).
  bool tcp_sticky_roles = true;
  int hz =
      250;  // CONFIG_HZ of the reference kernel: socket timeouts tick at 4 ms
  // Link MTUs: loopback 65536, the host's interface 1500.
  int loopback_mtu = 65536;
  int mtu = 1500;
};

// A TCP connection's 4-tuple, from this host's side.
struct ConnKey {
  uint32_t local_ip = 0;
  uint16_t local_port = 0;
  uint32_t remote_ip = 0;
  uint16_t remote_port = 0;
  auto operator<=>(const ConnKey&) const = default;
};

class Host {
 public:
  Host(World& world, std::string name, uint32_t ip, int id);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  World& world() const { return world_; }
  const std::string& name() const { return name_; }
  uint32_t address() const { return ip_; }
  int id() const { return id_; }
  HostSettings& settings() { return settings_; }
  const HostSettings& settings() const { return settings_; }

  // A process to drive from the test's own code (implements sys::Syscalls).
  Process& SpawnProcess();
  const std::vector<std::unique_ptr<Process>>& processes() const {
    return processes_;
  }

  // The host's own address or anything in 127.0.0.0/8.
  bool IsLocalAddress(uint32_t ip) const { return ip == ip_ || IsLoopback(ip); }
  // A destination whose route is RTCF_BROADCAST: the limited broadcast
  // 255.255.255.255 and loopback's directed broadcast 127.255.255.255 (the
  // "broadcast 127.255.255.255 dev lo" route fib_add_ifaddr installs for
  // 127.0.0.1/8; 127.0.0.0 and 127.x.255.255 are plain local addresses).
  // The host's own address has no netmask here, so no subnet broadcast.
  static bool IsBroadcastAddress(uint32_t ip) {
    return ip == 0xFFFFFFFFu || ip == 0x7FFFFFFFu;
  }
  // The source address Linux's routing would pick to reach `dst`.
  uint32_t SourceAddressFor(uint32_t dst) const;
  // MSS for a path to `dst` (MTU - 40).
  uint16_t MssFor(uint32_t dst) const;

  PortTable& tcp_ports() { return tcp_ports_; }
  PortTable& udp_ports() { return udp_ports_; }

  // --- TCP connection table ------------------------------------------------
  void AddConnection(const ConnKey& key, std::shared_ptr<TcpSocket> sock);
  void RemoveConnection(const ConnKey& key, const TcpSocket* sock);
  TcpSocket* FindConnection(const ConnKey& key) const;
  size_t connection_count() const { return tcp_conns_.size(); }
  // The listener that would take a SYN for ip:port (specific address
  // before wildcard; a SO_REUSEPORT group is chosen by a hash of the
  // 4-tuple), or null.
  TcpSocket* FindListener(uint32_t ip, uint16_t port,
                          const ConnKey& tuple) const;

  // --- Crashes
  // ----------------------------------------------------------------- The
  // machine dies at once: its simulated threads are killed, its processes lose
  // every fd without a FIN or RST being sent, every connection and port is
  // gone, and packets to it are dropped until Restart(). Process objects stay
  // valid but dead: their fds are gone (EBADF) and socket / epoll_create1 fail
  // with ESRCH. Peers learn of it by timeouts, or by a RST after the restart.
  // Not callable from a thread of this host.
  void Crash();
  // The machine is up again, empty: spawn new processes on it.
  void Restart();
  bool down() const { return down_; }

  // --- Packets ---------------------------------------------------------------
  void Send(Packet packet);
  void Receive(const Packet& packet);

  // A fresh initial sequence number, drawn from the seed.
  uint32_t NewIss();
  // Writes a trace line attributed to this host.
  void TraceLine(const std::string& what);

 private:
  void ReceiveTcp(const Packet& p);
  void ReceiveUdp(const Packet& p);
  void ReceiveIcmp(const Packet& p);

  World& world_;
  std::string name_;
  uint32_t ip_;
  int id_;
  HostSettings settings_;
  PortTable tcp_ports_;
  PortTable udp_ports_;
  std::map<ConnKey, std::shared_ptr<TcpSocket>> tcp_conns_;
  // Connections just removed from the table, released at the end of the
  // step (a socket may remove itself from inside one of its methods).
  std::vector<std::shared_ptr<TcpSocket>> graveyard_;
  std::vector<std::unique_ptr<Process>> processes_;
  int next_pid_ = 1;
  bool down_ = false;
};

}  // namespace simsock::sim
