/// \file
/// HostSettings: the sysctls that reach the network stack's behaviour, with
/// Linux 6.x defaults (docs/semantics.md §1). One per host, kept by its
/// InetStack (sim/inet/inet_stack.h).
#pragma once

#include <chrono>

#include "simsock/sim/base/time.h"

namespace simsock::sim {

/// SOCK_MIN_SNDBUF as this kernel reports it: the smallest SO_SNDBUF.
inline constexpr int kMinSndBuf = 4608;
/// SOCK_MIN_RCVBUF as this kernel reports it: the smallest SO_RCVBUF.
inline constexpr int kMinRcvBuf = 2304;

/// The sysctls of one host that reach the stack's behaviour (net.core.*,
/// net.ipv4.*), with Linux 6.x defaults. Plain data: set fields before the
/// sockets they govern are made (most are read when a socket or connection
/// starts).
struct HostSettings {
  int somaxconn = 4096;  ///< net.core.somaxconn: the cap on listen()'s backlog
  int port_range_lo = 32768;        ///< net.ipv4.ip_local_port_range, low end
  int port_range_hi = 60999;        ///< net.ipv4.ip_local_port_range, high end
  int tcp_syn_retries = 6;          ///< SYN retransmissions of a connect()
  int tcp_syn_linear_timeouts = 4;  ///< SYN backoffs that stay linear (>= 6.5)
  int tcp_synack_retries = 5;  ///< SYN-ACK retransmissions of a passive open
  int tcp_retries2 = 15;  ///< data retransmissions' budget (tcp_model_timeout)
  int tcp_orphan_retries = 0;                           ///< 0 means 8
  Duration tcp_fin_timeout = std::chrono::seconds(60);  ///< orphan FIN_WAIT2
  Duration tcp_time_wait = std::chrono::seconds(60);    ///< TCP_TIMEWAIT_LEN
  int tcp_keepalive_time = 7200;  ///< seconds idle before the first probe
  int tcp_keepalive_intvl = 75;   ///< seconds between keepalive probes
  int tcp_keepalive_probes = 9;   ///< unanswered probes before giving up
  /// net.ipv4.tcp_invalid_ratelimit: one out-of-window or challenge ACK
  /// per this interval, per connection
  Duration tcp_invalid_ratelimit = std::chrono::milliseconds(500);
  int tcp_rmem[3] = {4096, 131072, 33554432};  ///< TCP rcvbuf min, default, max
  int tcp_wmem[3] = {4096, 16384, 4194304};    ///< TCP sndbuf min, default, max
  int rmem_default = 212992;  ///< net.core.rmem_default: a UDP socket's rcvbuf
  int wmem_default = 212992;  ///< net.core.wmem_default: a UDP socket's sndbuf
  int rmem_max = 4194304;     ///< net.core.rmem_max: SO_RCVBUF's cap
  int wmem_max = 4194304;     ///< net.core.wmem_max: SO_SNDBUF's cap
  int nofile_limit = 1024;    ///< RLIMIT_NOFILE for new processes
  /// A TCP socket keeps the roles it has taken. Once it has been one end of
  /// a connection (its connect() sent a SYN, or a listener created it),
  /// listen() is EINVAL; once it has listened, connect() is EINVAL; however
  /// it was disconnected since (connect(AF_UNSPEC), a refused or reset
  /// connect, shutdown(SHUT_RD) of a listener). true: as the kernel the
  /// differential recordings come from (6.18.44-fc-v1272) answers; false:
  /// mainline's inet_listen and __inet_stream_connect, which check only the
  /// socket's current states (what earlier recordings answered).
  bool tcp_sticky_roles = true;
  /// CONFIG_HZ of the reference kernel: socket timeouts tick at 4 ms
  int hz = 250;
  int loopback_mtu = 65536;  ///< MTU of lo
  int mtu = 1500;            ///< MTU of the host's interface
};

}  // namespace simsock::sim
