// echo_sim: the seed's server and clients in a simulated world, from the
// same source as echo_server / echo_client. Prints the timeline in virtual
// time; costs no wall time.
//
//   echo_sim [--clients N] [--seed S] [--run-for S] [--trace] [--pcap FILE]
//            [--json FILE] [--loss P] [--duplicate P] [--jitter-ms J]
//            [--crash-server-at S [--restart-after S]]
//
// N is 1..kMaxClients (100 000); client i gets ClientAddress(i) (10.0.1.1
// onwards). --run-for S stops the world at S seconds of virtual time;
// without it the world runs 200 s (the seed story) and then until it is
// idle. A bad argument prints why and exits with 2.
//
// With faults it is a fault-injection experiment: the same seed replays
// the same losses, crash and recovery.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "examples/echo/echo_world.h"
#include "simsock/sim/kernel/trace.h"

namespace {

// The whole of text as a decimal integer in [lo, hi], or false: atoi would
// take "10x" as 10 and "many" as 0.
bool ParseInt(const char* text, long long lo, long long hi, long long* out) {
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using simsock::echo::kMaxClients;
  simsock::echo::EchoWorldOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--clients" && i + 1 < argc) {
      long long n = 0;
      if (!ParseInt(argv[++i], 1, kMaxClients, &n)) {
        std::cerr << "echo_sim: --clients must be a number in 1.."
                  << kMaxClients << ", not \"" << argv[i] << "\"\n";
        return 2;
      }
      o.clients = static_cast<int>(n);
    } else if (a == "--run-for" && i + 1 < argc) {
      long long s = 0;
      // Up to a year of virtual time: more is surely a typo.
      if (!ParseInt(argv[++i], 0, 365LL * 24 * 3600, &s)) {
        std::cerr << "echo_sim: --run-for is whole seconds of virtual time "
                     "(0..31536000), not \""
                  << argv[i] << "\"\n";
        return 2;
      }
      o.run_for = std::chrono::seconds(s);
      o.settle = false;  // stop at that time, not when the world is idle
    } else if (a == "--seed" && i + 1 < argc) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--trace") {
      o.trace_to_stdout = true;
    } else if (a == "--pcap" && i + 1 < argc) {
      o.pcap_path = argv[++i];
    } else if (a == "--json" && i + 1 < argc) {
      o.json_path = argv[++i];
    } else if (a == "--loss" && i + 1 < argc) {
      o.link_faults.loss = std::atof(argv[++i]);
    } else if (a == "--duplicate" && i + 1 < argc) {
      o.link_faults.duplicate = std::atof(argv[++i]);
    } else if (a == "--jitter-ms" && i + 1 < argc) {
      o.link_faults.jitter = std::chrono::milliseconds(std::atoll(argv[++i]));
    } else if (a == "--crash-server-at" && i + 1 < argc) {
      o.crash_server_at = std::chrono::seconds(std::atoll(argv[++i]));
    } else if (a == "--restart-after" && i + 1 < argc) {
      o.restart_after = std::chrono::seconds(std::atoll(argv[++i]));
    } else {
      std::cerr << "usage: echo_sim [--clients N] [--seed S] [--run-for S] "
                   "[--trace] [--pcap FILE] [--json FILE] [--loss P] "
                   "[--duplicate P] [--jitter-ms J] "
                   "[--crash-server-at S [--restart-after S]]\n";
      return 2;
    }
  }
  if (o.link_faults.loss < 0 || o.link_faults.loss > 1 ||
      o.link_faults.duplicate < 0 || o.link_faults.duplicate > 1) {
    std::cerr << "echo_sim: --loss and --duplicate are probabilities (0..1)\n";
    return 2;
  }
  simsock::echo::EchoWorldResult r = simsock::echo::RunEchoWorld(o);
  for (const auto& e : r.timeline) {
    std::printf("[%s] %s: %s\n", simsock::sim::Trace::FormatTime(e.at).c_str(),
                e.host.c_str(), e.line.c_str());
  }
  std::printf("-- seed %llu, %d client(s), trace hash %016llx\n",
              static_cast<unsigned long long>(o.seed), o.clients,
              static_cast<unsigned long long>(r.trace_hash));
  // The seed's server accepts forever: its thread is still parked at the end.
  for (const auto& d : r.deadlock)
    std::printf("-- still waiting at the end: %s\n", d.c_str());
  return 0;
}
