#include "simsock/experiment/run_context.h"

#include <cerrno>
#include <cstdlib>

#include "simsock/sim/kernel/process.h"

namespace simsock::experiment {

RunContextImpl::RunContextImpl(const Scenario& scenario,
                               const RunOptions& options, TraceTail& tail)
    : options_(options), tail_(tail), world_(options.seed) {
  auto stream = StreamIntactInvariant();
  stream_ = static_cast<StreamInvariant*>(stream.get());
  invariants_.push_back(NoHangInvariant(scenario.hang_limit));
  invariants_.push_back(std::move(stream));
}

RunContextImpl::~RunContextImpl() {
  // The threads refer to the taps and the scenario's objects: end them
  // first (World's destructor would, after the taps are gone).
  world_.scheduler().KillAll();
}

void RunContextImpl::OnCrash(std::function<void(sim::Host&)> fn) {
  on_crash_.push_back(std::move(fn));
}

void RunContextImpl::OnRestart(std::function<void(sim::Host&)> fn) {
  on_restart_.push_back(std::move(fn));
}

void RunContextImpl::Crashed(sim::Host& h) {
  for (auto& fn : on_crash_) fn(h);
}

void RunContextImpl::Restarted(sim::Host& h) {
  for (auto& fn : on_restart_) fn(h);
}

sys::Syscalls& RunContextImpl::Tap(sim::Process& process) {
  taps_.push_back(std::make_unique<StreamTap>(process, process,
                                              stream_->ledger(), &bytes_read_));
  return *taps_.back();
}

void RunContextImpl::AddInvariant(std::unique_ptr<Invariant> invariant) {
  if (invariant != nullptr) invariants_.push_back(std::move(invariant));
}

void RunContextImpl::DisableBuiltin(std::string_view name) {
  disabled_.emplace(name);
}

bool RunContextImpl::Enabled(const Invariant& inv) const {
  return disabled_.find(inv.name()) == disabled_.end();
}

void RunContextImpl::Violate(std::string invariant, std::string message) {
  if (disabled_.find(invariant) != disabled_.end()) return;
  Record(std::move(invariant), std::move(message));
}

void RunContextImpl::Record(std::string invariant, std::string message) {
  if (!reported_.emplace(invariant, message).second) return;
  Violation v;
  v.invariant = std::move(invariant);
  v.at = world_.Now();
  v.message = std::move(message);
  v.last_trace = tail_.Last();
  violations_.push_back(std::move(v));
}

void RunContextImpl::Count(std::string_view what, uint64_t n) {
  auto it = counters_.find(std::string(what));
  if (it == counters_.end()) {
    counters_.emplace(std::string(what), n);
  } else {
    it->second += n;
  }
}

std::string RunContextImpl::Param(std::string_view name,
                                  std::string_view fallback) const {
  auto it = options_.params.find(std::string(name));
  return it == options_.params.end() ? std::string(fallback) : it->second;
}

int64_t RunContextImpl::IntParam(std::string_view name, int64_t fallback,
                                 int64_t lo, int64_t hi) {
  auto it = options_.params.find(std::string(name));
  if (it == options_.params.end()) return fallback;
  const std::string& text = it->second;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < lo || v > hi) {
    Fail("parameter " + std::string(name) + " must be a whole number in " +
         std::to_string(lo) + ".." + std::to_string(hi) + ", not \"" + text +
         "\"");
    return fallback;
  }
  return v;
}

void RunContextImpl::DefineGroup(std::string name,
                                 std::vector<std::string> patterns) {
  groups_.push_back({{}, std::move(name), std::move(patterns)});
}

void RunContextImpl::Fail(std::string why) {
  if (failure_.empty()) failure_ = std::move(why);
}

faults::FaultPlan RunContextImpl::WithGroups(
    const faults::FaultPlan& plan) const {
  faults::FaultPlan out = plan;
  // In the scenario's order, ahead of the plan's own lines.
  for (auto g = groups_.rbegin(); g != groups_.rend(); ++g) {
    bool own = false;
    for (const faults::Group& mine : plan.groups) own |= mine.name == g->name;
    if (!own) out.groups.insert(out.groups.begin(), *g);
  }
  return out;
}

bool RunContextImpl::CheckNow() {
  for (auto& inv : invariants_) {
    if (!Enabled(*inv)) continue;
    if (auto m = inv->Check(*this)) Record(std::string(inv->name()), *m);
  }
  const bool found = violations_.size() > violations_seen_;
  violations_seen_ = violations_.size();
  return found;
}

void RunContextImpl::CheckAtEnd() {
  for (auto& inv : invariants_) {
    if (!Enabled(*inv)) continue;
    if (auto m = inv->AtEnd(*this)) Record(std::string(inv->name()), *m);
  }
}

}  // namespace simsock::experiment
