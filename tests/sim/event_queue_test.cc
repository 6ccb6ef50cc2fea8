// The event queue (a heap over reusable slots, sim/base/event_queue.h)
// against the simplest agenda that is right by construction: a std::map
// from (time, number) to the event. Random schedules, cancels (of pending,
// run and already cancelled events) and pops must run the same events in
// the same order.
#include "simsock/sim/base/event_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "simsock/sim/base/random.h"

namespace simsock::sim {
namespace {

TEST(EventQueue, MatchesAnOrderedMapUnderRandomScheduleCancelAndPop) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RandomStream rng(seed, "event_queue_test");
    EventQueue q;
    std::map<std::pair<int64_t, uint64_t>, int> model;  // (ns, seq) -> tag
    std::vector<EventId> ids;                           // every id handed out
    std::vector<int> ran, model_ran;
    int64_t now = 0;
    for (int step = 0; step < 20000; ++step) {
      uint64_t op = rng.Below(10);
      if (op < 5) {
        // Ties on purpose: few distinct times.
        Time at = Time(now + static_cast<int64_t>(rng.Below(50)));
        int tag = step;
        EventId id = q.Schedule(at, [&ran, tag] { ran.push_back(tag); });
        model[{at.count(), id.seq}] = tag;
        ids.push_back(id);
      } else if (op < 8 && !ids.empty()) {
        EventId id = ids[rng.Below(ids.size())];
        q.Cancel(id);  // pending, ran or cancelled: all allowed
        model.erase({id.at.count(), id.seq});
      } else if (!model.empty()) {
        ASSERT_FALSE(q.empty());
        ASSERT_EQ(q.NextTime().count(), model.begin()->first.first);
        auto [id, fn] = q.Pop();
        fn();
        model_ran.push_back(model.begin()->second);
        EXPECT_EQ(id.seq, model.begin()->first.second);
        now = model.begin()->first.first;
        model.erase(model.begin());
      }
      ASSERT_EQ(q.size(), model.size());
      ASSERT_EQ(q.empty(), model.empty());
    }
    EXPECT_EQ(ran, model_ran) << "seed " << seed;
  }
}

TEST(EventQueue, CancelInsideACallbackAndSlotReuseLeaveOthersAlone) {
  EventQueue q;
  std::vector<int> ran;
  EventId second;
  q.Schedule(Time(std::chrono::seconds(1)), [&] {
    ran.push_back(1);
    q.Cancel(second);
    // Reuses the slot the cancel freed; the stale id must not reach it.
    q.Schedule(Time(std::chrono::seconds(3)), [&] { ran.push_back(3); });
    q.Cancel(second);
  });
  second = q.Schedule(Time(std::chrono::seconds(2)), [&] { ran.push_back(2); });
  while (!q.empty()) {
    auto [id, fn] = q.Pop();
    fn();
  }
  EXPECT_EQ(ran, (std::vector<int>{1, 3}));
  EXPECT_EQ(q.NextTime(), kNever);
}

}  // namespace
}  // namespace simsock::sim
