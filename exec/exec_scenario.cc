// A world file as a scenario (exec_scenario.h).
#include "simsock/exec/exec_scenario.h"

#include <arpa/inet.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "simsock/exec/launcher.h"
#include "simsock/exec/proxy.h"
#include "simsock/sim/base/random.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/network.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::exec {

namespace {

std::map<std::string, BuiltinProgram>& Builtins() {
  static std::map<std::string, BuiltinProgram> builtins;
  return builtins;
}

// The path a native program's line names: relative paths with a '/' are
// the world file's directory's; bare names are looked up in $PATH.
std::string ProgramPath(const WorldSpec& spec, const WorldProgram& p) {
  if (p.program.find('/') == std::string::npos) return FindProgram(p.program);
  std::filesystem::path path(p.program);
  if (path.is_relative()) path = std::filesystem::path(spec.dir) / path;
  return path.lexically_normal().string();
}

// Why a host line cannot become a host (World::AddHost aborts on these).
std::string HostProblem(const WorldHost& h) {
  in_addr a{};
  if (::inet_pton(AF_INET, h.address.c_str(), &a) != 1) {
    return "host " + h.name + ": '" + h.address + "' is not an IPv4 address";
  }
  const uint32_t ip = ntohl(a.s_addr);
  const uint32_t first = ip >> 24;
  if (first == 0 || first == 127 || first >= 224) {
    return "host " + h.name + ": " + h.address +
           " is not an address a host may own (0/8, loopback, multicast)";
  }
  if (h.name == "localhost" ||
      h.name.find_first_not_of("0123456789.") == std::string::npos) {
    return "host " + h.name + ": not a usable host name";
  }
  return "";
}

// The state of one run: launches per host, for the output files' names.
struct RunState {
  std::shared_ptr<const WorldSpec> spec;
  std::filesystem::path output_dir;  // where the programs' stdout/stderr go
  std::map<std::string, int> launches;
};

// One native program on host h: a process whose proxy thread launches the
// child and serves it; the child dies with the thread (a crash unwinds it,
// the world's end kills it).
void StartNative(experiment::RunContext& ctx, RunState& state, sim::Host& h,
                 const WorldProgram& p) {
  const WorldSpec& spec = *state.spec;
  sim::Process& proc = h.SpawnProcess();
  // A program starts with Linux's default dispositions, and its own
  // handlers run in it (docs/exec.md, "Signals").
  proc.ResetSignalsForExec();
  sys::Syscalls& calls = ctx.Tap(proc);
  const int n = ++state.launches[h.name()];
  const std::string base =
      (state.output_dir / (h.name() + "." + std::to_string(n))).string();
  LaunchSpec launch;
  launch.path = ProgramPath(spec, p);
  launch.argv.push_back(p.program);
  for (const std::string& a : p.args) launch.argv.push_back(a);
  launch.env = p.env;
  launch.stdout_path = base + ".out";
  launch.stderr_path = base + ".err";
  launch.shim = ShimPath();
  RegionInit init;
  init.virtual_pid = proc.pid();
  // Drawn here, at setup or restart, not when the thread first runs.
  init.random_seed = ctx.world().Rng("exec.random").Next();
  init.spin_reads = spec.spin_reads;
  std::string line = p.program;
  for (const std::string& a : p.args) line += " " + a;
  const std::string who = h.name() + " " + p.program;
  ProxyLimits limits;
  limits.busy = spec.busy;
  const std::string thread_name = "exec " + p.program;
  proc.Spawn(
      [&ctx, &proc, &calls, &h, launch, init, line, who, limits, thread_name] {
        // The region and the child live until the program's last proxy
        // ends (its threads' proxies share them: program_threads.h).
        struct Owned {
          std::unique_ptr<Region> region;
          std::unique_ptr<Child> child;
        };
        auto owned = std::make_shared<Owned>();
        std::string error;
        owned->region = Region::Create(init, &error);
        if (owned->region)
          owned->child = Launch(launch, *owned->region, &error);
        if (!owned->child) {
          ctx.Violate("exec", who + ": " + error);
          return;
        }
        h.TraceLine("pid " + std::to_string(proc.pid()) + " exec: " + line);
        Child* child = owned->child.get();
        ProxyHooks hooks;
        hooks.ended = [child] { return child->Poll(); };
        hooks.fail = [&ctx, child, who](const std::string& why) {
          child->Kill();
          ctx.Violate("exec", who + ": " + why);
        };
        hooks.exited = [&ctx, child, who](int status) {
          child->Kill();  // it is in exit_group: reap it
          ctx.Count("exec exits");
          if (status != 0) {
            ctx.Violate("exec",
                        who + ": exited with status " + std::to_string(status));
          }
        };
        simsock_exec_region& region = owned->region->get();
        RunProxy(region, 0, proc, calls, hooks, limits, owned, thread_name);
      },
      thread_name);
}

void StartPrograms(experiment::RunContext& ctx, RunState& state, sim::Host& h) {
  for (const WorldProgram& p : state.spec->programs) {
    if (p.host != h.name()) continue;
    if (p.native) {
      StartNative(ctx, state, h, p);
    } else {
      (*FindBuiltinProgram(p.program))(ctx, h, p.args);
    }
  }
}

void Setup(experiment::RunContext& ctx,
           const std::shared_ptr<const WorldSpec>& spec) {
  auto state = std::make_shared<RunState>();
  state->spec = spec;
  state->output_dir = spec->output_dir.empty()
                          ? std::filesystem::current_path()
                          : std::filesystem::path(spec->output_dir);
  // The parameter `outputs`: "shared" (one set of files, the last run's),
  // or "per-seed" (seed-N/ below the directory), which a sweep passes so
  // that parallel workers never write the same file.
  const std::string outputs = ctx.Param("outputs", "shared");
  if (outputs == "per-seed") {
    state->output_dir /= "seed-" + std::to_string(ctx.seed());
    std::error_code ec;
    std::filesystem::create_directories(state->output_dir, ec);
    if (ec) {
      ctx.Fail("outputs: cannot create " + state->output_dir.string() + ": " +
               ec.message());
      return;
    }
  } else if (outputs != "shared") {
    ctx.Fail("outputs: '" + outputs + "' is neither shared nor per-seed");
    return;
  }
  sim::World& world = ctx.world();
  std::map<std::string, sim::Host*> hosts;
  for (const WorldHost& wh : spec->hosts) {
    hosts[wh.name] = &world.AddHost(wh.name, wh.address);
  }
  for (const WorldLatency& l : spec->latencies) {
    world.network().SetLatency(*hosts[l.a], *hosts[l.b], l.delay);
  }
  for (const WorldHost& wh : spec->hosts) {
    StartPrograms(ctx, *state, *hosts[wh.name]);
  }
  ctx.OnRestart([&ctx, state](sim::Host& h) { StartPrograms(ctx, *state, h); });
}

}  // namespace

void RegisterBuiltinProgram(const std::string& name, BuiltinProgram program) {
  Builtins()[name] = std::move(program);
}

const BuiltinProgram* FindBuiltinProgram(const std::string& name) {
  auto it = Builtins().find(name);
  return it == Builtins().end() ? nullptr : &it->second;
}

std::string CheckWorld(const WorldSpec& spec) {
  std::map<std::string, int> addresses;
  for (const WorldHost& h : spec.hosts) {
    if (std::string why = HostProblem(h); !why.empty()) return why;
    if (addresses[h.address]++ > 0) {
      return "host " + h.name + ": address " + h.address + " taken";
    }
  }
  for (const WorldProgram& p : spec.programs) {
    const std::string at = "line " + std::to_string(p.line) + ": ";
    if (!p.native) {
      if (FindBuiltinProgram(p.program) == nullptr) {
        std::string known;
        for (const auto& [name, fn] : Builtins()) known += " " + name;
        return at + "no built-in program '" + p.program +
               "' (known:" + (known.empty() ? " none" : known) + ")";
      }
      continue;
    }
    const std::string path = ProgramPath(spec, p);
    if (path.empty()) return at + p.program + ": not found in $PATH";
    if (std::string why = CheckProgram(path); !why.empty()) return at + why;
  }
  return "";
}

experiment::Scenario WorldScenario(std::shared_ptr<const WorldSpec> spec) {
  experiment::Scenario s;
  s.name = kWorldScenarioPrefix + spec->path;
  s.description = "the world file " + spec->path + " (simsock exec)";
  s.budget = spec->budget;
  s.default_plan = spec->plan;
  s.hang_limit = std::max<sim::Duration>(spec->budget, s.hang_limit);
  s.setup = [spec](experiment::RunContext& ctx) { Setup(ctx, spec); };
  return s;
}

const experiment::Scenario* RegisterWorld(const std::string& path,
                                          std::string* error) {
  std::optional<WorldSpec> spec = LoadWorld(path, error);
  if (!spec) return nullptr;
  if (const experiment::Scenario* s =
          experiment::Find(kWorldScenarioPrefix + spec->path)) {
    return s;
  }
  if (std::string why = CheckWorld(*spec); !why.empty()) {
    *error = spec->path + ": " + why;
    return nullptr;
  }
  auto shared = std::make_shared<const WorldSpec>(std::move(*spec));
  experiment::Register(WorldScenario(shared));
  return experiment::Find(kWorldScenarioPrefix + shared->path);
}

}  // namespace simsock::exec
