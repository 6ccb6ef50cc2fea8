// Shrink (shrink.h): ddmin over the plan's events (Zeller and Hildebrandt,
// "Simplifying and Isolating Failure-Inducing Input", 2002), then
// weakening each event that is left, then a last pass that removes single
// events until none can go.
#include "simsock/experiment/shrink.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace simsock::experiment {

namespace {

using faults::Event;
using faults::FaultKind;
using faults::FaultPlan;

class Shrinker {
 public:
  Shrinker(const Scenario& scenario, uint64_t seed, const FaultPlan& plan,
           const ShrinkOptions& options)
      : scenario_(scenario), seed_(seed), base_(plan), options_(options) {
    base_.events.clear();
  }

  ShrinkResult Go(const std::vector<Event>& events) {
    ShrinkResult out;
    best_ = events;
    phase_ = "remove";
    RunResult first = RunPlan(best_);
    out.reproduced = !first.ok() && first.plan_error.empty();
    if (!out.reproduced) {
      out.plan = Plan(best_);
      out.failure = std::move(first);
      out.runs = runs_;
      return out;
    }
    for (const Violation& v : first.violations) broken_.insert(v.invariant);
    failure_ = std::move(first);
    bool complete = DeltaDebug();
    phase_ = "weaken";
    complete = complete && Weaken();
    phase_ = "remove";
    complete = complete && RemoveSingles();
    out.plan = Plan(best_);
    out.failure = std::move(failure_);
    out.runs = runs_;
    out.minimal = complete;
    return out;
  }

 private:
  FaultPlan Plan(const std::vector<Event>& events) const {
    FaultPlan p = base_;
    p.events = events;
    return p;
  }

  RunResult RunPlan(const std::vector<Event>& events) {
    RunOptions o;
    o.seed = seed_;
    o.plan = Plan(events);
    o.stop_at_first = true;
    o.params = options_.params;
    RunResult r = Run(scenario_, o);
    ++runs_;
    if (options_.progress) {
      ShrinkProgress p;
      p.runs = runs_;
      p.max_runs = options_.max_runs;
      p.events = best_.size();
      p.phase = phase_;
      options_.progress(p);
    }
    return r;
  }

  bool Budget() const { return runs_ < options_.max_runs; }

  // Whether `events` still breaks one of the invariants the original run
  // broke; if so it becomes the best plan.
  bool Fails(const std::vector<Event>& events) {
    RunResult r = RunPlan(events);
    bool same = false;
    for (const Violation& v : r.violations) same |= broken_.count(v.invariant);
    if (!same) return false;
    best_ = events;
    failure_ = std::move(r);
    return true;
  }

  // ddmin: returns false if the budget ran out first.
  bool DeltaDebug() {
    size_t n = 2;
    while (best_.size() >= 2) {
      const std::vector<Event> current = best_;
      const size_t size = current.size();
      n = std::min(n, size);
      bool reduced = false;
      auto chunk = [&](size_t i, bool complement) {
        std::vector<Event> out;
        const size_t lo = size * i / n;
        const size_t hi = size * (i + 1) / n;
        for (size_t k = 0; k < size; ++k) {
          if ((k >= lo && k < hi) != complement) out.push_back(current[k]);
        }
        return out;
      };
      for (size_t i = 0; i < n && !reduced; ++i) {  // a subset alone
        if (!Budget()) return false;
        if (Fails(chunk(i, false))) {
          n = 2;
          reduced = true;
        }
      }
      for (size_t i = 0; i < n && !reduced && n > 2; ++i) {  // complements
        if (!Budget()) return false;
        if (Fails(chunk(i, true))) {
          n = std::max<size_t>(n - 1, 2);
          reduced = true;
        }
      }
      if (reduced) continue;
      if (n >= size) break;
      n = std::min(n * 2, size);
    }
    if (best_.size() == 1 && Budget()) (void)Fails({});  // no fault at all?
    return true;
  }

  // Weaker versions of one event, mildest change last: a window half as
  // long, a probability halved, a delay halved. None if it is as weak as
  // it gets (1 ms, 1 %).
  static std::vector<Event> Weaker(const Event& e) {
    std::vector<Event> out;
    using std::chrono::milliseconds;
    if (e.end && *e.end - e.start >= 2 * milliseconds(1)) {
      Event w = e;
      // Whole milliseconds, so the plan reads as one would write it.
      w.end = e.start +
              std::chrono::duration_cast<milliseconds>((*e.end - e.start) / 2);
      out.push_back(w);
    }
    if ((e.kind == FaultKind::kLoss || e.kind == FaultKind::kDuplicate ||
         e.kind == FaultKind::kCorrupt) &&
        e.probability >= 0.02) {
      Event w = e;
      w.probability =
          static_cast<double>(static_cast<int>(e.probability / 2 * 100 + 0.5)) /
          100;
      if (w.probability < e.probability) out.push_back(w);
    }
    if ((e.kind == FaultKind::kDelay || e.kind == FaultKind::kJitter) &&
        e.duration >= 2 * milliseconds(1)) {
      Event w = e;
      w.duration = std::chrono::duration_cast<milliseconds>(e.duration / 2);
      out.push_back(w);
    }
    return out;
  }

  bool Weaken() {
    for (size_t i = 0; i < best_.size(); ++i) {
      bool weakened = true;
      while (weakened) {
        weakened = false;
        for (const Event& w : Weaker(best_[i])) {
          if (!Budget()) return false;
          std::vector<Event> trial = best_;
          trial[i] = w;
          if (Fails(trial)) {
            weakened = true;
            break;
          }
        }
      }
    }
    return true;
  }

  // 1-minimality: no single event can go.
  bool RemoveSingles() {
    for (size_t i = 0; i < best_.size();) {
      if (!Budget()) return false;
      std::vector<Event> trial = best_;
      trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(i));
      if (!Fails(trial)) ++i;  // on success, i names the next event already
    }
    return true;
  }

  const Scenario& scenario_;
  uint64_t seed_;
  FaultPlan base_;  // groups, no events
  const ShrinkOptions& options_;
  std::vector<Event> best_;
  RunResult failure_;
  std::set<std::string> broken_;
  size_t runs_ = 0;
  std::string phase_;
};

}  // namespace

ShrinkResult Shrink(const Scenario& scenario, uint64_t seed,
                    const faults::FaultPlan& plan,
                    const ShrinkOptions& options) {
  faults::FaultPlan concrete = plan;
  concrete.random.reset();  // shrink.h: the plan as applied
  Shrinker s(scenario, seed, concrete, options);
  return s.Go(plan.events);
}

}  // namespace simsock::experiment
