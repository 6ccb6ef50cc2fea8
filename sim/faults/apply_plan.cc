#include "simsock/sim/faults/apply_plan.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "simsock/faults/syscall_schedule.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/network.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {
namespace {

using faults::Event;
using faults::FaultKind;
using faults::FaultPlan;

std::vector<std::string> HostNames(const World& world) {
  std::vector<std::string> names;
  for (const auto& h : world.hosts()) names.push_back(h->name());
  return names;
}

Host& HostNamed(const World& world, const std::string& name) {
  return const_cast<Host&>(*world.HostByName(name));
}

// The directions an event impairs or cuts, each once, in a stable order.
std::set<std::pair<std::string, std::string>> Directions(
    const FaultPlan& plan, const Event& ev,
    const std::vector<std::string>& hosts) {
  std::set<std::pair<std::string, std::string>> out;
  auto both = [&](const std::string& a, const std::string& b) {
    out.emplace(a, b);
    out.emplace(b, a);
  };
  switch (ev.kind) {
    case FaultKind::kIsolate: {
      auto isolated = plan.Resolve(ev.hosts, hosts);
      for (const std::string& a : isolated) {
        for (const std::string& b : hosts) {
          if (a != b) both(a, b);
        }
      }
      return out;
    }
    case FaultKind::kSplit:
      for (const std::string& a : plan.Resolve(ev.hosts, hosts)) {
        for (const std::string& b : plan.Resolve(ev.others, hosts)) both(a, b);
      }
      return out;
    default:
      for (const std::string& a : plan.Resolve(ev.link.from, hosts)) {
        for (const std::string& b : plan.Resolve(ev.link.to, hosts)) {
          if (a == b) continue;
          out.emplace(a, b);
          if (ev.link.both_ways) out.emplace(b, a);
        }
      }
      return out;
  }
}

Impairment ImpairmentOf(const Event& ev) {
  Impairment imp;
  imp.origin = "plan line " + std::to_string(ev.where.line);
  // An event carries only its own kind's value; the others stay 0.
  imp.probability = ev.probability;
  imp.duration = ev.duration;
  imp.bits_per_second = ev.bits_per_second;
  imp.bytes = ev.bytes;
  using Kind = Impairment::Kind;
  switch (ev.kind) {
    case FaultKind::kLoss:
      imp.kind = Kind::kLoss;
      break;
    case FaultKind::kDuplicate:
      imp.kind = Kind::kDuplicate;
      break;
    case FaultKind::kCorrupt:
      imp.kind = Kind::kCorrupt;
      break;
    case FaultKind::kDelay:
      imp.kind = Kind::kDelay;
      break;
    case FaultKind::kJitter:
      imp.kind = Kind::kJitter;
      break;
    case FaultKind::kBandwidth:
      imp.kind = Kind::kRate;
      break;
    case FaultKind::kQueue:
      imp.kind = Kind::kQueue;
      break;
    case FaultKind::kClog:
      imp.kind = Kind::kClog;
      break;
    default:  // partition, isolate, split
      imp.kind = Kind::kCut;
      break;
  }
  return imp;
}

std::string EventText(const Event& ev) {
  FaultPlan one;
  one.events.push_back(ev);
  std::string text = one.ToText();
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

void TraceFault(World& world, const Event& ev, const std::string& what) {
  Trace& t = world.trace();
  if (t.Enabled()) {
    t.Write(world.Now(), "network",
            "fault: plan line " + std::to_string(ev.where.line) + " " + what);
  }
}

// The plan's syscall events on the processes of their hosts: a schedule of
// its rules per process (faults::SyscallRulesFor: its host, its pid), moved
// along to the world's time when an event begins or ends; a process
// spawned later (after a restart, say) gets its own at birth.
class SyscallPlan {
 public:
  SyscallPlan(World& world, FaultPlan plan, std::vector<std::string> hosts)
      : world_(world), plan_(std::move(plan)), hosts_(std::move(hosts)) {}

  void Adopt(Process& p) {
    auto rules =
        faults::SyscallRulesFor(plan_, hosts_, p.host().name(), p.pid());
    if (rules.empty()) return;
    schedules_.emplace_back(&p, faults::SyscallSchedule(std::move(rules)));
    schedules_.back().second.Tick(world_.Now(), p.injector());
  }
  void Tick() {
    for (auto& [p, schedule] : schedules_)
      schedule.Tick(world_.Now(), p->injector());
  }

 private:
  World& world_;
  const FaultPlan plan_;
  const std::vector<std::string> hosts_;
  // Processes live as long as their host (a crash kills, never frees).
  std::vector<std::pair<Process*, faults::SyscallSchedule>> schedules_;
};

}  // namespace

AppliedPlan ApplyPlan(World& world, const FaultPlan& plan, PlanHooks hooks) {
  const std::vector<std::string> hosts = HostNames(world);
  AppliedPlan applied;
  applied.plan = plan.Draw(world.seed(), hosts);
  const FaultPlan& p = applied.plan;
  if (auto e = p.Check(hosts)) {
    applied.error = e;
    return applied;
  }
  for (const Event& ev : p.events) {
    if (ev.start < world.Now()) {
      applied.error = faults::PlanError{
          ev.where.line, ev.where.column,
          "the event starts at " + faults::FormatDuration(ev.start) +
              ", before the world's time " +
              faults::FormatDuration(world.Now())};
      return applied;
    }
  }
  // Checked: from here on everything is scheduled. What starts now takes
  // effect at once, before anything else happens at this time.
  auto at = [&world](Time t, std::function<void()> fn) {
    if (t == world.Now()) {
      fn();
    } else {
      world.Schedule(t, std::move(fn));
    }
  };
  auto shared_hooks = std::make_shared<PlanHooks>(std::move(hooks));
  std::shared_ptr<SyscallPlan> syscalls;
  for (const Event& ev : p.events) {
    if (ev.kind != FaultKind::kSyscall) continue;
    syscalls = std::make_shared<SyscallPlan>(world, p, hosts);
    for (const auto& h : world.hosts()) {
      for (const auto& proc : h->processes()) syscalls->Adopt(*proc);
      h->OnSpawn([syscalls](Process& proc) { syscalls->Adopt(proc); });
    }
    break;
  }
  for (const Event& ev : p.events) {
    const std::string text = EventText(ev);
    switch (ev.kind) {
      case FaultKind::kCrash:
      case FaultKind::kRestart: {
        auto names = p.Resolve(ev.hosts, hosts);
        auto crash = [&world, names, shared_hooks, ev, text] {
          TraceFault(world, ev, text);
          for (const std::string& n : names) {
            Host& h = HostNamed(world, n);
            if (h.down()) continue;
            h.Crash();
            if (shared_hooks->on_crash) shared_hooks->on_crash(h);
          }
        };
        auto restart = [&world, names, shared_hooks, ev](const char* what) {
          TraceFault(world, ev, what);
          for (const std::string& n : names) {
            Host& h = HostNamed(world, n);
            if (!h.down()) continue;
            h.Restart();
            if (shared_hooks->on_restart) shared_hooks->on_restart(h);
          }
        };
        if (ev.kind == FaultKind::kCrash) {
          at(ev.start, crash);
          if (ev.end) {
            world.Schedule(*ev.end, [restart] { restart("ends: restart"); });
          }
        } else {
          at(ev.start, [restart, text] { restart(text.c_str()); });
        }
        break;
      }
      case FaultKind::kSyscall: {
        // Each process's injector takes the rule at the start and lets it
        // go at the end; its faults are traced by the process.
        at(ev.start, [&world, syscalls, ev, text] {
          TraceFault(world, ev, "begins: " + text);
          syscalls->Tick();
        });
        if (ev.end) {
          world.Schedule(*ev.end, [&world, syscalls, ev] {
            TraceFault(world, ev, "ends");
            syscalls->Tick();
          });
        }
        break;
      }
      default: {
        auto directions = Directions(p, ev, hosts);
        auto ids = std::make_shared<std::vector<ImpairmentId>>();
        const Impairment imp = ImpairmentOf(ev);
        at(ev.start, [&world, directions, ids, imp, ev, text] {
          TraceFault(world, ev, "begins: " + text);
          for (const auto& [from, to] : directions) {
            ids->push_back(world.network().Impair(HostNamed(world, from),
                                                  HostNamed(world, to), imp));
          }
        });
        if (ev.end) {
          world.Schedule(*ev.end, [&world, ids, ev] {
            TraceFault(world, ev, "ends");
            for (ImpairmentId id : *ids) world.network().Unimpair(id);
            ids->clear();
          });
        }
        break;
      }
    }
  }
  return applied;
}

}  // namespace simsock::sim
