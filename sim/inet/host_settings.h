/// \file
/// HostSettings: the sysctls that reach the network stack's behaviour, with
/// Linux 6.x defaults (docs/semantics.md §1). One per host, kept by its
/// InetStack (sim/inet/inet_stack.h).
#pragma once

#include <chrono>

#include "simsock/sim/base/time.h"

namespace simsock::sim {

/// SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF as this kernel reports them.
inline constexpr int kMinSndBuf = 4608;
inline constexpr int kMinRcvBuf = 2304;

struct HostSettings {
  int somaxconn = 4096;
  int port_range_lo = 32768;  ///< net.ipv4.ip_local_port_range
  int port_range_hi = 60999;
  int tcp_syn_retries = 6;
  int tcp_syn_linear_timeouts = 4;
  int tcp_synack_retries = 5;
  int tcp_retries2 = 15;
  int tcp_orphan_retries = 0;  ///< 0 means 8
  Duration tcp_fin_timeout = std::chrono::seconds(60);
  Duration tcp_time_wait = std::chrono::seconds(60);  ///< TCP_TIMEWAIT_LEN
  int tcp_keepalive_time = 7200;
  int tcp_keepalive_intvl = 75;
  int tcp_keepalive_probes = 9;
  int tcp_rmem[3] = {4096, 131072, 33554432};
  int tcp_wmem[3] = {4096, 16384, 4194304};
  int rmem_default = 212992;
  int wmem_default = 212992;
  int rmem_max = 4194304;
  int wmem_max = 4194304;
  int nofile_limit = 1024;  ///< RLIMIT_NOFILE for new processes
  /// A TCP socket keeps the roles it has taken. Once it has been one end of
  /// a connection (its connect() sent a SYN, or a listener created it),
  /// listen() is EINVAL; once it has listened, connect() is EINVAL; however
  /// it was disconnected since (connect(AF_UNSPEC), a refused or reset
  /// connect, shutdown(SHUT_RD) of a listener). true: as the kernel the
  /// differential recordings come from (6.18.44-fc-v1272) answers; false:
  /// mainline's inet_listen and __inet_stream_connect, which check only the
  /// socket's current states (what earlier recordings answered).
  bool tcp_sticky_roles = true;
  int hz =
      250;  ///< CONFIG_HZ of the reference kernel: socket timeouts tick at 4 ms
  /// Link MTUs: loopback 65536, the host's interface 1500.
  int loopback_mtu = 65536;
  int mtu = 1500;
};

}  // namespace simsock::sim
