#include "examples/echo/echo_scenario.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "examples/echo/echo_world.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::echo {

namespace {

using faults::Event;
using faults::FaultKind;

// When each client read its replies (virtual times, in order).
using Replies = std::map<std::string, std::vector<sim::Time>>;

// "serving": for every cut in the plan (partition, isolate, split) that
// cuts some clients but not all of them off the server, for at least two
// client intervals (60 s), every other client keeps being served: a
// client that was exchanging when the cut began (it read a reply in the
// interval and 10 s before) reads another before the cut ends. Clients
// (and windows) that another fault touches during the cut are left out:
// a crash, a loss or another cut of their own explains their silence. The
// seed's client exchanges every 30 s, so a served client reads a reply in
// any 60 s window.
class ServingInvariant final : public experiment::Invariant {
 public:
  explicit ServingInvariant(std::shared_ptr<Replies> replies)
      : replies_(std::move(replies)) {}
  std::string_view name() const override { return "serving"; }

  std::optional<std::string> AtEnd(experiment::RunContext& ctx) override {
    const faults::FaultPlan& plan = ctx.plan();
    std::vector<std::string> hosts;
    for (const auto& h : ctx.world().hosts()) hosts.push_back(h->name());
    const sim::Time run_end = ctx.world().Now();
    const std::string server = kSeedServerName;
    for (size_t i = 0; i < plan.events.size(); ++i) {
      const Event& cut = plan.events[i];
      if (cut.kind != FaultKind::kPartition &&
          cut.kind != FaultKind::kIsolate && cut.kind != FaultKind::kSplit) {
        continue;
      }
      const sim::Time from = cut.start;
      const sim::Time to =
          std::min<sim::Time>(cut.end.value_or(run_end), run_end);
      if (to - from < 2 * kInterval) continue;
      std::set<std::string> cut_off = CutOff(plan, cut, hosts, server);
      if (cut_off.empty() || cut_off.size() + 1 >= hosts.size()) continue;
      // Hosts another fault touches during the window.
      std::set<std::string> touched;
      for (size_t k = 0; k < plan.events.size(); ++k) {
        const Event& e = plan.events[k];
        if (k == i || e.start >= to || e.end.value_or(run_end) <= from)
          continue;
        for (const std::string& h : Named(plan, e, hosts)) touched.insert(h);
      }
      if (touched.count(server)) continue;
      for (const auto& [client, times] : *replies_) {
        if (cut_off.count(client) || touched.count(client)) continue;
        bool active = false, served = false;
        for (sim::Time t : times) {
          active |=
              t <= from && t >= from - kInterval - std::chrono::seconds(10);
          served |= t > from && t <= to;
        }
        if (active) ctx.Count("serving checks");
        if (active && !served) {
          return client + " read no reply from " +
                 sim::Trace::FormatTime(from) + " to " +
                 sim::Trace::FormatTime(to) + " while plan line " +
                 std::to_string(cut.where.line) + " cut " +
                 std::to_string(cut_off.size()) +
                 " other client(s) off the server";
        }
      }
    }
    return std::nullopt;
  }

 private:
  static constexpr sim::Duration kInterval = std::chrono::seconds(30);

  // Every host an event names (its hosts, others and both ends of its
  // links).
  static std::vector<std::string> Named(const faults::FaultPlan& plan,
                                        const Event& e,
                                        const std::vector<std::string>& hosts) {
    std::vector<std::string> out;
    for (const faults::HostSet* set :
         {&e.hosts, &e.others, &e.link.from, &e.link.to}) {
      if (!set->all && set->names.empty()) continue;
      for (std::string& h : plan.Resolve(*set, hosts)) out.push_back(h);
    }
    return out;
  }

  // The clients a cut separates from the server (all of them if the
  // server itself is isolated).
  static std::set<std::string> CutOff(const faults::FaultPlan& plan,
                                      const Event& cut,
                                      const std::vector<std::string>& hosts,
                                      const std::string& server) {
    std::set<std::string> out;
    auto resolve = [&](const faults::HostSet& s) {
      std::vector<std::string> v = plan.Resolve(s, hosts);
      return std::set<std::string>(v.begin(), v.end());
    };
    auto add_all_but_server = [&](const std::set<std::string>& s) {
      for (const std::string& h : s) {
        if (h != server) out.insert(h);
      }
    };
    switch (cut.kind) {
      case FaultKind::kPartition: {
        const auto from = resolve(cut.link.from), to = resolve(cut.link.to);
        if (from.count(server)) add_all_but_server(to);
        if (to.count(server)) add_all_but_server(from);
        break;
      }
      case FaultKind::kIsolate: {
        const auto isolated = resolve(cut.hosts);
        if (isolated.count(server)) {
          add_all_but_server(std::set<std::string>(hosts.begin(), hosts.end()));
        } else {
          add_all_but_server(isolated);
        }
        break;
      }
      case FaultKind::kSplit: {
        const auto a = resolve(cut.hosts), b = resolve(cut.others);
        if (a.count(server)) add_all_but_server(b);
        if (b.count(server)) add_all_but_server(a);
        break;
      }
      default:
        break;
    }
    return out;
  }

  std::shared_ptr<Replies> replies_;
};

void Setup(experiment::RunContext& ctx) {
  EchoWorldOptions o;
  o.clients = static_cast<int>(ctx.IntParam("clients", 20, 1, kMaxClients));
  auto replies = std::make_shared<Replies>();
  EchoPrograms programs;
  programs.logger_for = [](const std::string&) -> Logger {
    return [](const std::string&) {};  // the trace says what happened
  };
  programs.syscalls = [&ctx](sim::Process& p) -> sys::Syscalls& {
    return ctx.Tap(p);
  };
  sim::World& world = ctx.world();
  programs.on_reply = [&ctx, &world, replies](const std::string& host,
                                              std::string_view reply) {
    ctx.Count("replies");
    (*replies)[host].push_back(world.Now());
    if (reply != "hello, client") {
      ctx.Violate("reply", host + " read \"" + std::string(reply) +
                               "\", not \"hello, client\"");
    }
  };
  EchoWorld echo = BuildEchoWorld(world, o, std::move(programs));
  ctx.OnRestart([restart = echo.restart](sim::Host& h) { restart(h); });
  ctx.DefineGroup("clients", {"client*"});
  ctx.DefineGroup("server", {kSeedServerName});
  ctx.AddInvariant(std::make_unique<ServingInvariant>(replies));
}

}  // namespace

experiment::Scenario EchoScenario() {
  experiment::Scenario s;
  s.name = "echo";
  s.description =
      "the seed's echo server and N clients (param clients=N, default 20)";
  s.setup = Setup;
  // The seed's story lasts 2 minutes (the server's read deadline, set once
  // per connection, ends every exchange at 120 s); the budget sees the
  // closes through.
  s.budget = std::chrono::seconds(150);
  s.hang_limit = std::chrono::seconds(60);
  s.default_plan =
      "from 5s to 20s loss 0.05 clients <-> server\n"
      "from 20s to 90s partition client1 <-> server\n"
      "at 95s crash server\n"
      "at 100s restart server\n";
  return s;
}

}  // namespace simsock::echo
