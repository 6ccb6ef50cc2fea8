// Run, DefaultPlan, Violation::ToString and the scenario registry
// (experiment.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "simsock/experiment/experiment.h"
#include "simsock/experiment/run_context.h"
#include "simsock/experiment/trace_tail.h"
#include "simsock/sim/faults/apply_plan.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/trace.h"
#include "simsock/sim/kernel/trace_files.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::experiment {

std::string Violation::ToString() const {
  return "[" + sim::Trace::FormatTime(at) + "] " + invariant + ": " + message;
}

faults::FaultPlan DefaultPlan(const Scenario& scenario) {
  if (scenario.default_plan.empty()) return {};
  faults::ParsedPlan parsed = faults::ParsePlan(scenario.default_plan);
  if (!parsed.ok()) {
    std::fprintf(stderr, "experiment: scenario %s: default plan: %s\n",
                 scenario.name.c_str(), parsed.error.ToString().c_str());
    std::abort();  // a scenario's own text: a programming error
  }
  return *parsed.plan;
}

RunResult Run(const Scenario& scenario, const RunOptions& options) {
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult result;
  result.scenario = scenario.name;
  result.summary.seed = options.seed;

  // Declared before the world (in the context): the trace writes to them
  // until the world ends.
  std::ofstream trace_file;
  if (!options.trace_path.empty()) {
    trace_file.open(options.trace_path);
    if (!trace_file.is_open()) {
      result.plan_error = "cannot open the trace file " + options.trace_path;
      return result;
    }
  }
  sim::TraceFiles files(options.json_path, options.pcap_path);
  if (!files.error().empty()) {
    result.plan_error = files.error();
    return result;
  }
  TraceTail tail(options.context_lines);

  auto ctx = std::make_unique<RunContextImpl>(scenario, options, tail);
  sim::World& world = ctx->world();
  sim::Trace& trace = world.trace();
  // The tail takes the events unformatted; only a trace file makes every
  // line's text.
  trace.SetListener(&tail);
  if (trace_file.is_open()) trace.SetSink(&trace_file);
  files.Attach(trace);
  auto finish = [&] {
    trace.SetListener(nullptr);
    trace.SetSink(nullptr);
    files.Detach();
  };

  if (scenario.setup) scenario.setup(*ctx);
  if (!ctx->failure().empty()) {
    result.plan_error = ctx->failure();
    finish();
    return result;
  }
  sim::PlanHooks hooks;
  hooks.on_crash = [c = ctx.get()](sim::Host& h) { c->Crashed(h); };
  hooks.on_restart = [c = ctx.get()](sim::Host& h) { c->Restarted(h); };
  // The plan is applied in its printed form: its random part drawn (from
  // the seed, as ApplyPlan would), printed, and read back, so that its
  // events carry the line numbers of RunResult::plan and a replay of that
  // text writes the same trace, "plan line N" and all.
  std::vector<std::string> names;
  for (const auto& h : world.hosts()) names.push_back(h->name());
  const faults::FaultPlan drawn =
      ctx->WithGroups(options.plan).Draw(world.seed(), names);
  faults::ParsedPlan printed = faults::ParsePlan(drawn.ToText());
  if (!printed.ok()) {
    result.plan_error = printed.error.ToString();
    finish();
    return result;
  }
  sim::AppliedPlan applied = sim::ApplyPlan(world, *printed.plan, hooks);
  if (!applied.ok()) {
    result.plan_error = applied.error->ToString();
    finish();
    return result;
  }
  result.plan = applied.plan.ToText();
  ctx->SetApplied(std::move(applied.plan));

  // Driven step by step (each step: every event of one virtual time), the
  // continuous checks after each, and at least every hang_limit/8 of
  // virtual time even when no event is due (a hang is a long silence).
  const sim::Time deadline = world.Now() + scenario.budget;
  const sim::Duration tick = std::max<sim::Duration>(
      scenario.hang_limit / 8, std::chrono::milliseconds(1));
  world.RunFor(sim::Duration(0));  // the programs' first steps
  bool stopped = ctx->CheckNow() && options.stop_at_first;
  while (!stopped && world.Now() < deadline) {
    const sim::Time next = world.NextEventTime();
    // Idle: nothing will ever happen again (blocked threads are the
    // invariants' business at the end).
    if (next == sim::kNever && !world.scheduler().HasRunnable()) break;
    const sim::Time to = std::min({next, world.Now() + tick, deadline});
    world.RunFor(to - world.Now());
    stopped = ctx->CheckNow() && options.stop_at_first;
  }
  if (!stopped) ctx->CheckAtEnd();

  Summary& s = result.summary;
  s.connections = ctx->connections();
  s.bytes = ctx->bytes_read();
  s.errors = tail.errors();
  s.faults_injected = tail.faults();
  s.virtual_time = world.Now();
  s.trace_hash = trace.hash();
  s.counters = ctx->counters();
  result.violations = std::move(ctx->violations());
  finish();
  ctx.reset();  // the threads end before the files close
  s.wall_seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - wall_start)
                       .count();
  return result;
}

namespace {

std::map<std::string, Scenario, std::less<>>& Registry() {
  static std::map<std::string, Scenario, std::less<>> registry;
  return registry;
}

}  // namespace

void Register(Scenario scenario) {
  auto& r = Registry();
  if (r.find(scenario.name) != r.end()) {
    std::fprintf(stderr, "experiment: scenario \"%s\" registered twice\n",
                 scenario.name.c_str());
    std::abort();
  }
  std::string name = scenario.name;
  r.emplace(std::move(name), std::move(scenario));
}

const Scenario* Find(std::string_view name) {
  auto& r = Registry();
  auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<const Scenario*> All() {
  std::vector<const Scenario*> out;
  for (const auto& [name, s] : Registry()) out.push_back(&s);
  return out;
}

}  // namespace simsock::experiment
