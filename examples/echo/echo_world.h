// The seed's story in a simulated world: a server host under the seed's
// host name and N client hosts, each process running a net::Runtime in a
// simulated thread with the same RunServer / RunClient code the real-kernel
// programs use. Every line the programs print is stamped with virtual time
// and the host that printed it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/network.h"
#include "sim/time.h"

namespace simsock::echo {

// The host name from the seed document's server address.
inline constexpr const char* kSeedServerName =
    "default-route-openshift-image-registry.apps.xxx.net";
inline constexpr int kSeedPort = 6445;

struct EchoWorldOptions {
  uint64_t seed = 1;
  int clients = 3;
  // How long to run, in virtual time: past the server's 2-minute read
  // deadline and the clients' next exchanges.
  sim::Duration run_for = std::chrono::seconds(200);
  // One-way latency between the server and client i is base + i * step.
  sim::Duration latency_base = std::chrono::milliseconds(1);
  sim::Duration latency_step = std::chrono::milliseconds(1);
  bool trace_to_stdout = false;  // also print the kernel trace
  std::string pcap_path;          // if set, write every packet there
  std::string json_path;          // if set, write the trace as JSON lines
  bool keep_trace = false;        // return the kernel trace's lines
  // Faults: on every client link, and a crash of the server host.
  sim::LinkFaults link_faults;
  sim::Duration crash_server_at{-1};   // < 0: no crash
  sim::Duration restart_after{-1};     // < 0: stays down
};

struct TimelineEntry {
  sim::Time at;
  std::string host;
  std::string line;
};

struct EchoWorldResult {
  std::vector<TimelineEntry> timeline;  // in the order printed
  uint64_t trace_hash = 0;
  std::vector<std::string> deadlock;  // from World::RunUntilIdle, if any
  std::vector<std::string> trace;     // the kernel trace, if keep_trace
};

EchoWorldResult RunEchoWorld(const EchoWorldOptions& options);

}  // namespace simsock::echo
