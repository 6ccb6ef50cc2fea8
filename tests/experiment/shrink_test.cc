// Shrink on a synthetic scenario whose failure is known exactly: it fails
// when the plan holds a partition between a and b of at least 5 s and a
// loss on c <-> d of at least 0.2. No program runs: the invariant reads
// the applied plan, so each run costs microseconds.
#include "simsock/experiment/shrink.h"

#include <string>

#include "gtest/gtest.h"
#include "simsock/experiment/experiment.h"
#include "simsock/faults/fault_plan.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::experiment {
namespace {

using faults::FaultKind;

bool Links(const faults::Event& e, const std::string& x, const std::string& y) {
  auto one = [](const faults::HostSet& s, const std::string& h) {
    return s.names.size() == 1 && s.names[0] == h;
  };
  return (one(e.link.from, x) && one(e.link.to, y)) ||
         (one(e.link.from, y) && one(e.link.to, x));
}

class NeedsBoth final : public Invariant {
 public:
  std::string_view name() const override { return "needs-both"; }
  std::optional<std::string> AtEnd(RunContext& ctx) override {
    bool partition = false, loss = false;
    for (const faults::Event& e : ctx.plan().events) {
      partition |= e.kind == FaultKind::kPartition && Links(e, "a", "b") &&
                   e.end && *e.end - e.start >= std::chrono::seconds(5);
      loss |= e.kind == FaultKind::kLoss && Links(e, "c", "d") &&
              e.probability >= 0.2;
    }
    if (partition && loss) return "both faults are there";
    return std::nullopt;
  }
};

Scenario Synthetic() {
  Scenario s;
  s.name = "synthetic";
  s.budget = std::chrono::seconds(100);
  s.setup = [](RunContext& ctx) {
    int i = 1;
    for (const char* h : {"a", "b", "c", "d", "e"}) {
      ctx.world().AddHost(h, "10.0.0." + std::to_string(i++));
    }
    ctx.AddInvariant(std::make_unique<NeedsBoth>());
  };
  return s;
}

faults::FaultPlan Plan() {
  faults::ParsedPlan p = faults::ParsePlan(
      "from 1s to 2s delay 10ms a <-> c\n"
      "from 2s to 60s loss 0.8 c <-> d\n"
      "from 3s to 9s loss 0.3 e <-> a\n"
      "from 5s to 8s jitter 5ms b -> d\n"
      "from 7s to 9s duplicate 0.5 a <-> d\n"
      "from 10s to 50s partition a <-> b\n"
      "from 11s to 12s partition c <-> e\n"
      "from 20s to 30s clog b <-> e\n"
      "at 30s crash e\n"
      "from 40s to 45s delay 100ms d <-> e\n");
  EXPECT_TRUE(p.ok()) << p.error.ToString();
  return p.ok() ? *p.plan : faults::FaultPlan{};
}

TEST(Shrink, KeepsTheTwoEventsThatMatterWeakenedAsFarAsTheyGo) {
  std::vector<ShrinkProgress> seen;
  ShrinkOptions o;
  o.progress = [&](const ShrinkProgress& p) { seen.push_back(p); };
  ShrinkResult r = Shrink(Synthetic(), 1, Plan(), o);
  ASSERT_TRUE(r.reproduced) << r.failure.plan_error;
  EXPECT_TRUE(r.minimal);
  // The partition's 40 s window halves while it stays >= 5 s: 40, 20, 10,
  // 5 (one more half, 2.5 s, is too short). The loss's window does not
  // matter: it halves down to 1 ms (58 s, 29 s, ... 3 ms, 1 ms); its
  // probability halves 0.8, 0.4, 0.2 (0.1 is too low).
  EXPECT_EQ(r.plan.ToText(),
            "from 2s to 2001ms loss 0.2 c <-> d\n"
            "from 10s to 15s partition a <-> b\n")
      << r.plan.ToText();
  EXPECT_EQ(r.runs, seen.size());
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().events, 2u);
  EXPECT_EQ(seen.front().phase, "remove");
  EXPECT_EQ(r.failure.violations.at(0).invariant, "needs-both");
  // Deterministic.
  ShrinkResult again = Shrink(Synthetic(), 1, Plan());
  EXPECT_EQ(again.plan, r.plan);
  EXPECT_EQ(again.runs, r.runs);
}

TEST(Shrink, StopsAtMaxRuns) {
  ShrinkOptions o;
  o.max_runs = 3;
  ShrinkResult r = Shrink(Synthetic(), 1, Plan(), o);
  EXPECT_TRUE(r.reproduced);
  EXPECT_FALSE(r.minimal);
  EXPECT_EQ(r.runs, 3u);
  // The original run and the two halves (each holds one of the two events
  // that matter, so neither fails alone): nothing removed yet.
  EXPECT_EQ(r.plan.events.size(), 10u);
}

TEST(Shrink, APlanThatDoesNotFailIsReportedSo) {
  faults::FaultPlan harmless =
      *faults::ParsePlan("from 1s to 2s delay 10ms a <-> c").plan;
  ShrinkResult r = Shrink(Synthetic(), 1, harmless);
  EXPECT_FALSE(r.reproduced);
  EXPECT_EQ(r.runs, 1u);
  EXPECT_EQ(r.plan, harmless);
}

}  // namespace
}  // namespace simsock::experiment
