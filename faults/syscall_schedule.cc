#include "simsock/faults/syscall_schedule.h"

#include <algorithm>

namespace simsock::faults {

std::vector<TimedSyscallRule> SyscallRulesFor(
    const FaultPlan& plan, const std::vector<std::string>& hosts,
    std::string_view host, int pid) {
  std::vector<TimedSyscallRule> rules;
  for (const Event& e : plan.events) {
    if (e.kind != FaultKind::kSyscall) continue;
    if (e.pid != 0 && e.pid != pid) continue;
    auto names = plan.Resolve(e.hosts, hosts);
    if (std::find(names.begin(), names.end(), host) == names.end()) continue;
    std::string origin =
        e.where.line > 0 ? "plan line " + std::to_string(e.where.line) : "plan";
    rules.push_back({e.syscall, std::move(origin), e.start, e.end});
  }
  return rules;
}

SyscallSchedule::SyscallSchedule(std::vector<TimedSyscallRule> rules)
    : rules_(std::move(rules)), ids_(rules_.size()) {}

int SyscallSchedule::Tick(Time now, SyscallInjector& injector) {
  int changed = 0;
  for (size_t i = 0; i < rules_.size(); ++i) {
    bool active = rules_[i].ActiveAt(now);
    if (active && !ids_[i]) {
      ids_[i] = injector.Add(rules_[i].fault, rules_[i].origin);
      ++changed;
    } else if (!active && ids_[i]) {
      injector.Remove(*ids_[i]);
      ids_[i].reset();
      ++changed;
    }
  }
  return changed;
}

}  // namespace simsock::faults
