#include "examples/echo/echo_programs.h"

#include <string>
#include <vector>

#include "examples/echo/echo.h"
#include "simsock/exec/exec_scenario.h"
#include "simsock/exec/world_file.h"
#include "simsock/net/net.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"

namespace simsock::echo {

namespace {

// "key=value" arguments after the first.
std::string Option(const std::vector<std::string>& args, const char* key,
                   std::string fallback) {
  const std::string prefix = std::string(key) + "=";
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].rfind(prefix, 0) == 0) return args[i].substr(prefix.size());
  }
  return fallback;
}

void Client(experiment::RunContext& ctx, sim::Host& host,
            const std::vector<std::string>& args) {
  ClientOptions o;
  o.addr = args.empty() ? "" : args[0];
  o.log = [](const std::string&) {};  // the trace says what happened
  const std::string count = Option(args, "count", "0");
  const std::string interval = Option(args, "interval", "30s");
  auto d = exec::ParseDurationText(interval);
  auto delay = exec::ParseDurationText(Option(args, "delay", "0s"));
  if (o.addr.empty() ||
      count.find_first_not_of("0123456789") != std::string::npos ||
      count.empty() || !d || !delay) {
    ctx.Fail(
        "echo-client ADDR:PORT [count=N] [interval=D] [delay=D]: bad "
        "arguments on " +
        host.name());
    return;
  }
  o.count = std::stoi(count);
  o.interval = *d;
  o.on_reply = [&ctx, name = host.name()](std::string_view reply) {
    ctx.Count("replies");
    if (reply != "hello, server" && reply != "hello, client") {
      ctx.Violate("reply", name + " read \"" + std::string(reply) + "\"");
    }
  };
  sim::Process& p = host.SpawnProcess();
  sys::Syscalls& calls = ctx.Tap(p);
  p.Spawn(
      [&calls, &ctx, o, delay = *delay] {
        net::Runtime rt(calls);
        rt.Go([&rt, &o, &ctx, delay] {
          if (delay.count() > 0) rt.Sleep(delay);
          auto r = RunClient(rt, o);
          if (r.ok()) ctx.Count("clients done");
        });
        rt.Run();
      },
      "echo_client");
}

void Server(experiment::RunContext& ctx, sim::Host& host,
            const std::vector<std::string>& args) {
  if (args.size() != 1) {
    ctx.Fail("echo-server PORT: bad arguments on " + host.name());
    return;
  }
  ServerOptions o;
  o.addr = "0.0.0.0:" + args[0];
  o.log = [](const std::string&) {};
  sim::Process& p = host.SpawnProcess();
  sys::Syscalls& calls = ctx.Tap(p);
  p.Spawn(
      [&calls, o] {
        net::Runtime rt(calls);
        rt.Go([&rt, &o] { (void)RunServer(rt, o); });
        rt.Run();
      },
      "echo_server");
}

}  // namespace

void RegisterEchoPrograms() {
  exec::RegisterBuiltinProgram("echo-client", Client);
  exec::RegisterBuiltinProgram("echo-server", Server);
}

}  // namespace simsock::echo
