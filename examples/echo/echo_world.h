// The seed's story in a simulated world: a server host under the seed's
// host name and N client hosts, each process running a net::Runtime in a
// simulated thread with the same RunServer / RunClient code the real-kernel
// programs use. Every line the programs print is stamped with virtual time
// and the host that printed it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "examples/echo/echo.h"
#include "simsock/faults/fault_plan.h"
#include "simsock/sim/base/time.h"
#include "simsock/sim/kernel/trace.h"

namespace simsock::sys {
class Syscalls;
}
namespace simsock::sim {
class Host;
class Process;
class World;
}  // namespace simsock::sim

namespace simsock::echo {

// The host name from the seed document's server address.
inline constexpr const char* kSeedServerName =
    "default-route-openshift-image-registry.apps.xxx.net";
inline constexpr int kSeedPort = 6445;

// The most clients a world may have. Bounded by what the simulator carries
// in memory and time, not by addresses (ClientAddress has 16 million): each
// client is a host with a process, a simulated thread and a Runtime task,
// and the server runs a task per connection, so N clients cost 3N fiber
// stacks (256 KiB each, reserved; only touched pages are resident) and
// about 40 KiB resident each: 10 000 clients play the whole story in about
// 6 s and 400 MB, so the limit needs about 4 GB.
inline constexpr int kMaxClients = 100'000;

// Client i's address (i from 0), in host byte order: 10.0.1.1 to
// 10.0.1.254 for the first 254 clients (the addresses echo_sim always
// gave them), then 10.0.2.1 ... 10.0.2.254 and on through 10.255.255.254,
// skipping the .0 and .255 of every /24, which readers of a trace or a
// pcap take for network and broadcast addresses. Computed, so it never
// builds an octet past 255. Aborts (a caller bug) past kMaxAddressable.
inline constexpr int64_t kMaxAddressable = int64_t{65'535} * 254;
uint32_t ClientAddress(int i);

struct EchoWorldOptions {
  uint64_t seed = 1;
  int clients = 3;  // 1..kMaxClients
  // How long to run, in virtual time: past the server's 2-minute read
  // deadline and the clients' next exchanges.
  sim::Duration run_for = std::chrono::seconds(200);
  // After run_for, run on until the world is idle (World::RunUntilIdle), so
  // the closes under way finish. False stops at exactly run_for: a short
  // look at a large world (thousands of clients keep some timer due every
  // second, so "idle" would be the end of the whole story).
  bool settle = true;
  // The server renews its read deadline before every read
  // (ServerOptions::renew_deadline_per_read); false is the seed's once.
  bool renew_deadline_per_read = false;
  // One-way latency between the server and client i is
  // base + (i % latency_cycle) * step: 1 ms to 100 ms by default, so a
  // world of thousands of clients keeps realistic latencies (client 10 000
  // would otherwise be 10 s away and retransmit its SYN for nothing).
  sim::Duration latency_base = std::chrono::milliseconds(1);
  sim::Duration latency_step = std::chrono::milliseconds(1);
  int latency_cycle = 100;
  bool trace_to_stdout = false;  // also print the kernel trace
  std::string pcap_path;         // if set, write every packet there
  std::string json_path;         // if set, write the trace as JSON lines
  bool keep_trace = false;       // return the kernel trace's lines
  bool keep_events = false;      // return the trace's structured events
  // Faults (docs/faults.md). The world's hosts are the server (under the
  // seed's long name) and client1..clientN; the plan may also use the
  // groups `server` and `clients`, which the world defines. A crashed host
  // that restarts runs its program again: the server serves anew, a
  // client starts its exchanges over.
  faults::FaultPlan plan;
};

struct TimelineEntry {
  sim::Time at;
  std::string host;
  std::string line;
};

struct EchoWorldResult {
  std::vector<TimelineEntry> timeline;  // in the order printed
  uint64_t trace_hash = 0;
  bool keep_events = false;             // return the trace's structured events
  std::vector<std::string> deadlock;    // from World::RunUntilIdle, if any
  std::vector<std::string> trace;       // the kernel trace, if keep_trace
  std::vector<sim::TraceEvent> events;  // its events, if keep_events
  // Why the plan was refused (the world did not run), or empty.
  std::string plan_error;
  // An output file (pcap, JSON) that could not be opened (nothing ran), or
  // empty.
  std::string output_error;
  // The plan as applied (a random plan's events drawn), as text.
  std::string plan_applied;
};

EchoWorldResult RunEchoWorld(const EchoWorldOptions& options);

// The world's hosts and programs, built into a world by BuildEchoWorld:
// one builder for RunEchoWorld and the experiment scenario (echo_scenario.h).
struct EchoPrograms {
  // The logger of the program on `host` (the server's long name, clientN).
  std::function<Logger(const std::string& host)> logger_for;
  // The syscalls a program of `process` makes (default: the process).
  std::function<sys::Syscalls&(sim::Process&)> syscalls;
  // Called with every reply client `host` reads (may be empty).
  std::function<void(const std::string& host, std::string_view reply)> on_reply;
};
struct EchoWorld {
  sim::Host* server = nullptr;
  // Starts a restarted host's program again: the server serves anew, a
  // client starts its exchanges over.
  std::function<void(sim::Host&)> restart;
};
// Adds the server and options.clients clients to `world` (in that order,
// with their latencies) and starts their programs. Only clients, the
// latencies and plan-free fields of `options` are read.
EchoWorld BuildEchoWorld(sim::World& world, const EchoWorldOptions& options,
                         EchoPrograms programs);
// The plan with the world's groups `clients` and `server`, unless it
// defines its own.
faults::FaultPlan WithEchoGroups(faults::FaultPlan plan);

}  // namespace simsock::echo
