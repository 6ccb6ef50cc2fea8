// A user's own simsock command (docs/experiments.md, "Your own command"):
// a scenario of the project's own, registered, and simsock::cli::Main for
// the rest. `greeter_command list | run | sweep | shrink | merge` then work
// on it as `simsock` does on the built-in scenarios, sweeps and Slurm
// scripts included (their workers are this program).
//
//   greeter_command sweep greeter --seeds 1..100 --param clients=5
//       --faults 'from 0s loss 0.2 clients <-> server; at 3s crash server'
//
// The scenario: a greeter server answers each name a client sends with
// "hi <name>"; each client sends its name three times, a second apart, and
// checks the answer (the invariant "reply"); the built-in "deadlock" and
// "stream" invariants watch the rest.
#include <string>
#include <vector>

#include "simsock/cli/cli.h"
#include "simsock/experiment/experiment.h"
#include "simsock/net/net.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace {

using simsock::experiment::RunContext;
namespace net = simsock::net;
namespace sim = simsock::sim;

constexpr const char* kServerAddr = "10.0.0.1:7000";

void Serve(net::Runtime& rt) {
  auto listener = net::Listen(rt, "tcp4", "0.0.0.0:7000");
  if (!listener.ok()) return;
  for (;;) {
    auto conn = listener->Accept();
    if (!conn.ok()) return;
    rt.Go([c = *conn]() mutable {
      std::vector<char> buf(64);
      for (;;) {
        auto n = c.Read(buf);
        if (!n.ok()) break;
        if (!c.Write("hi " + std::string(buf.data(), *n)).ok()) break;
      }
      (void)c.Close();
    });
  }
}

void Greet(net::Runtime& rt, RunContext& ctx, const std::string& name) {
  auto conn = net::Dial(rt, "tcp4", kServerAddr);
  if (!conn.ok()) return;  // an error the summary counts, not a violation
  for (int i = 0; i < 3; ++i) {
    if (!conn->Write(name).ok()) break;
    std::vector<char> buf(64);
    auto n = conn->Read(buf);
    if (!n.ok()) break;
    std::string reply(buf.data(), *n);
    if (reply != "hi " + name) {
      ctx.Violate("reply", name + " got '" + reply + "'");
    }
    ctx.Count("replies");
    rt.Sleep(net::kSecond);
  }
  (void)conn->Close();
}

// Starts the host's program in a new process: the server's, or a client's.
void Start(RunContext& ctx, sim::Host& host) {
  sim::Process& proc = host.SpawnProcess();
  proc.Spawn(
      [&ctx, &proc, name = host.name()] {
        net::Runtime rt(ctx.Tap(proc));
        rt.Go([&rt, &ctx, name] {
          if (name == "server") {
            Serve(rt);
          } else {
            Greet(rt, ctx, name);
          }
        });
        rt.Run();
      },
      host.name());
}

simsock::experiment::Scenario Greeter() {
  return {.name = "greeter",
          .description = "a greeter server and N clients (clients=3)",
          .setup =
              [](RunContext& ctx) {
                sim::World& world = ctx.world();
                Start(ctx, world.AddHost("server", "10.0.0.1"));
                int64_t clients = ctx.IntParam("clients", 3, 1, 200);
                for (int64_t i = 1; i <= clients; ++i) {
                  Start(ctx, world.AddHost("client" + std::to_string(i),
                                           "10.0.1." + std::to_string(i)));
                }
                ctx.DefineGroup("clients", {"client*"});
                // A restarted host runs its program again.
                ctx.OnRestart([&ctx](sim::Host& h) { Start(ctx, h); });
              },
          .budget = std::chrono::minutes(2),
          .default_plan = "from 0s loss 0.1 clients <-> server",
          .hang_limit = std::chrono::seconds(60)};
}

}  // namespace

int main(int argc, char** argv) {
  simsock::experiment::Register(Greeter());
  return simsock::cli::Main(argc, argv);
}
