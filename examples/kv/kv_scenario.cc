#include "examples/kv/kv_scenario.h"

#include <memory>
#include <string>

#include "examples/kv/kv.h"
#include "simsock/net/net.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::kv {

namespace {

// Starts the host's program in a fresh process of it (at the start, and
// again after a restart).
void StartProgram(experiment::RunContext& ctx, sim::Host& h, bool fixed,
                  int requests) {
  sim::Process& p = h.SpawnProcess();
  sys::Syscalls& sys = ctx.Tap(p);
  const std::string name = h.name();
  p.Spawn(
      [&ctx, &sys, name, fixed, requests] {
        net::Runtime rt(sys);
        rt.Go([&rt, &ctx, name, fixed, requests] {
          if (name == "primary") {
            (void)RunPrimary(rt, PrimaryOptions{});
          } else if (name == "backup") {
            (void)RunBackup(rt, BackupOptions{});
          } else {
            ClientOptions o;
            o.name = name;
            o.requests = requests;
            if (fixed) o.read_deadline = 5 * net::kSecond;
            o.on_wrong = [&ctx, name](const std::string& what) {
              ctx.Violate("kv", name + ": " + what);
            };
            o.on_answer = [&ctx] { ctx.Count("answers"); };
            o.on_retry = [&ctx] { ctx.Count("retries"); };
            if (RunClient(rt, o).ok()) ctx.Count("clients done");
          }
        });
        rt.Run();
      },
      name == "primary" || name == "backup" ? "kv_" + name : "kv_client");
}

}  // namespace

experiment::Scenario KvScenario(bool fixed) {
  experiment::Scenario s;
  s.name = fixed ? "kv-fixed" : "kv";
  s.description =
      fixed ? "the key-value store, clients with a read deadline (fixed)"
            : "the key-value store with the planted bug: a client without a "
              "read deadline (params clients=N, requests=R)";
  s.setup = [fixed](experiment::RunContext& ctx) {
    const int clients = static_cast<int>(ctx.IntParam("clients", 3, 1, 254));
    const int requests =
        static_cast<int>(ctx.IntParam("requests", 50, 1, 100'000));
    sim::World& w = ctx.world();
    sim::Host& primary = w.AddHost("primary", "10.0.0.1");
    sim::Host& backup = w.AddHost("backup", "10.0.0.2");
    StartProgram(ctx, primary, fixed, requests);
    StartProgram(ctx, backup, fixed, requests);
    for (int i = 1; i <= clients; ++i) {
      sim::Host& h = w.AddHost("client" + std::to_string(i),
                               "10.0.1." + std::to_string(i));
      w.network().SetLatency(h, primary, std::chrono::milliseconds(1 + i));
      StartProgram(ctx, h, fixed, requests);
    }
    ctx.OnRestart([&ctx, fixed, requests](sim::Host& h) {
      StartProgram(ctx, h, fixed, requests);
    });
    ctx.DefineGroup("clients", {"client*"});
  };
  s.budget = std::chrono::minutes(10);
  s.hang_limit = std::chrono::minutes(1);
  s.default_plan = "from 20s to 50s partition primary <-> backup\n";
  return s;
}

}  // namespace simsock::kv
