#include "examples/echo/echo_world.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "examples/echo/echo.h"
#include "simsock/net/net.h"
#include "simsock/sim/faults/apply_plan.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/trace_files.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::echo {

uint32_t ClientAddress(int i) {
  if (i < 0 || i >= kMaxAddressable) {
    std::fprintf(stderr, "echo: ClientAddress(%d): out of 0..%lld\n", i,
                 static_cast<long long>(kMaxAddressable - 1));
    std::abort();
  }
  // Block b is the /24 10.0.(1 + b) counted as a 16-bit number, so it
  // carries into the second octet: 10.0.255.x, then 10.1.0.x.
  const uint32_t block = 1 + static_cast<uint32_t>(i / 254);
  const uint32_t host = 1 + static_cast<uint32_t>(i % 254);
  return (uint32_t{10} << 24) | (block << 8) | host;
}

EchoWorld BuildEchoWorld(sim::World& world, const EchoWorldOptions& options,
                         EchoPrograms programs) {
  auto progs = std::make_shared<EchoPrograms>(std::move(programs));
  if (!progs->syscalls) {
    progs->syscalls = [](sim::Process& p) -> sys::Syscalls& { return p; };
  }
  EchoWorld out;
  sim::Host& server_host = world.AddHost(kSeedServerName, "10.0.0.1");
  out.server = &server_host;
  // The server holds one fd per client at once: raise its RLIMIT_NOFILE
  // past the 1024 default (as `ulimit -n` would for a real server), or a
  // world of thousands of clients serves 1022 and refuses the rest with
  // "accept4: too many open files". Worlds of up to 960 clients keep the
  // default, and so their traces.
  server_host.settings().nofile_limit =
      std::max(server_host.settings().nofile_limit, options.clients + 64);
  sim::Process& server = server_host.SpawnProcess();
  auto addr = std::make_shared<const std::string>(
      std::string(kSeedServerName) + ":" + std::to_string(kSeedPort));
  // The seed's server in a fresh process of the server host (at start, and
  // again after a restart).
  const bool renew = options.renew_deadline_per_read;
  auto spawn_server = [progs, addr, renew](sim::Process& proc) {
    proc.Spawn(
        [&proc, progs, addr, renew, log = progs->logger_for(kSeedServerName)] {
          net::Runtime rt(progs->syscalls(proc));
          rt.Go([&rt, &addr, &log, renew] {
            ServerOptions o;
            o.addr = *addr;
            o.log = log;
            o.renew_deadline_per_read = renew;
            (void)RunServer(rt, o);
          });
          rt.Run();
        },
        "echo_server");
  };
  spawn_server(server);

  // Client i's program in a fresh process of its host (at start, and again
  // after a restart).
  auto spawn_client = [progs, addr](sim::Host& h) {
    sim::Process& p = h.SpawnProcess();
    p.Spawn(
        [&p, progs, addr, host = h.name(), log = progs->logger_for(h.name())] {
          net::Runtime rt(progs->syscalls(p));
          rt.Go([&rt, &addr, &log, &progs, &host] {
            ClientOptions o;
            o.addr = *addr;
            o.log = log;
            if (progs->on_reply) {
              o.on_reply = [&progs, &host](std::string_view reply) {
                progs->on_reply(host, reply);
              };
            }
            auto r = RunClient(rt, o);
            if (!r.ok()) log("client done: " + r.error().ToString());
          });
          rt.Run();
        },
        "echo_client");
  };
  for (int i = 0; i < options.clients; ++i) {
    std::string name = "client" + std::to_string(i + 1);
    sim::Host& h = world.AddHost(name, sim::IpToString(ClientAddress(i)));
    const int step = options.latency_cycle > 0 ? i % options.latency_cycle : i;
    world.network().SetLatency(
        h, server_host, options.latency_base + step * options.latency_step);
    spawn_client(h);
  }
  out.restart = [spawn_server, spawn_client,
                 server = &server_host](sim::Host& h) {
    if (&h == server) {
      spawn_server(h.SpawnProcess());
    } else {
      spawn_client(h);
    }
  };
  return out;
}

faults::FaultPlan WithEchoGroups(faults::FaultPlan plan) {
  // The world's groups, unless the plan defines its own.
  auto define = [&plan](const char* name, const char* pattern) {
    for (const faults::Group& g : plan.groups) {
      if (g.name == name) return;
    }
    plan.groups.insert(plan.groups.begin(), {{}, name, {pattern}});
  };
  define("clients", "client*");
  define("server", kSeedServerName);
  return plan;
}

EchoWorldResult RunEchoWorld(const EchoWorldOptions& options) {
  EchoWorldResult result;
  // Declared before the world: the trace refers to them until the end.
  sim::TraceFiles files(options.json_path, options.pcap_path);
  if (!files.error().empty()) {
    result.output_error = files.error();
    return result;
  }
  sim::World world(options.seed);
  files.Attach(world.trace());
  world.trace().KeepLines(options.keep_trace);
  world.trace().KeepEvents(options.keep_events);
  if (options.trace_to_stdout) world.trace().SetSink(&std::cout);

  EchoPrograms programs;
  programs.logger_for = [&](const std::string& host) -> Logger {
    return [&result, &world, host](const std::string& line) {
      result.timeline.push_back({world.Now(), host, line});
    };
  };
  EchoWorld echo = BuildEchoWorld(world, options, std::move(programs));

  if (!options.plan.empty()) {
    faults::FaultPlan plan = WithEchoGroups(options.plan);
    sim::PlanHooks hooks;
    hooks.on_crash = [&](sim::Host& h) {
      result.timeline.push_back({world.Now(), h.name(), "-- crashed"});
    };
    hooks.on_restart = [&](sim::Host& h) {
      result.timeline.push_back({world.Now(), h.name(),
                                 &h == echo.server
                                     ? "-- restarted, serving again"
                                     : "-- restarted, starting over"});
      echo.restart(h);
    };
    sim::AppliedPlan applied = sim::ApplyPlan(world, plan, hooks);
    if (!applied.ok()) {
      result.plan_error = applied.error->ToString();
      world.scheduler().KillAll();
      files.Detach();
      return result;
    }
    result.plan_applied = applied.plan.ToText();
  }
  world.RunFor(options.run_for);
  if (options.settle) world.RunUntilIdle();
  result.trace_hash = world.trace().hash();
  result.deadlock = world.deadlock();
  if (options.keep_trace) result.trace = world.trace().lines();
  if (options.keep_events) result.events = world.trace().events();
  files.Detach();
  return result;
}

}  // namespace simsock::echo
