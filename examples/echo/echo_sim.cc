// echo_sim: the seed's server and clients in a simulated world, from the
// same source as echo_server / echo_client. Prints the timeline in virtual
// time; costs no wall time.
//
//   echo_sim [--clients N] [--seed S] [--trace] [--pcap FILE] [--json FILE]
//            [--loss P] [--duplicate P] [--jitter-ms J]
//            [--crash-server-at S [--restart-after S]]
//
// With faults it is a fault-injection experiment: the same seed replays
// the same losses, crash and recovery.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "examples/echo/echo_world.h"
#include "sim/trace.h"

int main(int argc, char** argv) {
  simsock::echo::EchoWorldOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--clients" && i + 1 < argc) {
      o.clients = std::atoi(argv[++i]);
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
      std::cerr << "usage: echo_sim [--clients N] [--seed S] [--trace] "
                   "[--pcap FILE] [--json FILE] [--loss P] [--duplicate P] "
                   "[--jitter-ms J] [--crash-server-at S [--restart-after S]]\n";
      return 2;
    }
  }
  if (o.link_faults.loss < 0 || o.link_faults.loss > 1 ||
      o.link_faults.duplicate < 0 || o.link_faults.duplicate > 1) {
    std::cerr << "echo_sim: --loss and --duplicate are probabilities (0..1)\n";
    return 2;
  }
  if (o.clients < 1 || o.clients > 1000) {
    std::cerr << "echo_sim: --clients must be in 1..1000\n";
    return 2;
  }
  simsock::echo::EchoWorldResult r = simsock::echo::RunEchoWorld(o);
  for (const auto& e : r.timeline) {
    std::printf("[%s] %s: %s\n",
                simsock::sim::Trace::FormatTime(e.at).c_str(), e.host.c_str(),
                e.line.c_str());
  }
  std::printf("-- seed %llu, %d client(s), trace hash %016llx\n",
              static_cast<unsigned long long>(o.seed), o.clients,
              static_cast<unsigned long long>(r.trace_hash));
  // The seed's server accepts forever: its thread is still parked at the end.
  for (const auto& d : r.deadlock) std::printf("-- still waiting at the end: %s\n", d.c_str());
  return 0;
}
