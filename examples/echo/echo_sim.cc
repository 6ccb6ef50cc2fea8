// echo_sim: the seed's server and clients in a simulated world, from the
// same source as echo_server / echo_client. Prints the timeline in virtual
// time; costs no wall time.
//
//   echo_sim [--clients N] [--seed S] [--run-for S] [--trace] [--pcap FILE]
//            [--json FILE] [--faults PLAN]
//
// N is 1..kMaxClients (100 000); client i gets ClientAddress(i) (10.0.1.1
// onwards). --run-for S stops the world at S seconds of virtual time;
// without it the world runs 200 s (the seed story) and then until it is
// idle. A bad argument prints why and exits with 2.
//
// With --faults (a plan file, or a plan on one line: docs/faults.md) it is
// a fault-injection experiment: the same seed and plan replay the same
// losses, crashes and recoveries. The plan names the hosts client1..N and
// the server by its long name, or the groups `clients` and `server`:
//
//   echo_sim --seed 3 --faults 'from 0s loss 0.1 clients <-> server;
//            at 45s crash server; at 55s restart server'
//
// A bad plan prints where and why and exits with 2.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "examples/echo/echo_world.h"
#include "simsock/faults/fault_plan.h"
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
    } else if (a == "--faults" && i + 1 < argc) {
      // A plan file, or the plan itself on one line (docs/faults.md).
      std::string text = argv[++i];
      std::ifstream file(text);
      if (file) {
        std::ostringstream all;
        all << file.rdbuf();
        text = all.str();
      }
      simsock::faults::ParsedPlan parsed = simsock::faults::ParsePlan(text);
      if (!parsed.ok()) {
        std::cerr << "echo_sim: --faults: " << parsed.error.ToString() << "\n";
        return 2;
      }
      o.plan = *parsed.plan;
    } else {
      std::cerr << "usage: echo_sim [--clients N] [--seed S] [--run-for S] "
                   "[--trace] [--pcap FILE] [--json FILE] [--faults PLAN]\n";
      return 2;
    }
  }
  simsock::echo::EchoWorldResult r = simsock::echo::RunEchoWorld(o);
  if (!r.output_error.empty()) {
    std::cerr << "echo_sim: " << r.output_error << "\n";
    return 2;
  }
  if (!r.plan_error.empty()) {
    std::cerr << "echo_sim: --faults: " << r.plan_error << "\n";
    return 2;
  }
  if (o.plan.random) {
    // A drawn plan, printed so that the run can be replayed without it.
    std::printf("-- the random plan drawn from seed %llu:\n%s",
                static_cast<unsigned long long>(o.seed),
                r.plan_applied.c_str());
  }
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
