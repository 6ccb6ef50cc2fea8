// The event queue (a heap over reusable slots, sim/base/event_queue.h)
// against the simplest agenda that is right by construction: a std::map
// from (time, number) to the event. Random schedules, cancels (of pending,
// run and already cancelled events), reschedules and pops must run the
// same events in the same order.
#include "simsock/sim/base/event_queue.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "simsock/sim/base/random.h"

namespace simsock::sim {
namespace {

// The near heap's horizon: the default (these tests' times all fall in the
// near heap), a few nanoseconds (both heaps in use), none (every event
// later than the last one popped starts in the far heap).
const Duration kHorizons[] = {EventQueue::kDefaultNearHorizon, Duration(10),
                              Duration(0)};

TEST(EventQueue, MatchesAnOrderedMapUnderRandomScheduleCancelAndPop) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Duration horizon = kHorizons[seed % 3];
    RandomStream rng(seed, "event_queue_test");
    EventQueue q(horizon);
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

// Reschedule must be indistinguishable from Cancel followed by Schedule of
// the same callback: the same new number and slot (so the same order among
// equal times), whatever the heap's layout. A second queue re-arms by
// cancel and schedule, and the ordered map is the model of both.
TEST(EventQueue, RescheduleMatchesCancelAndScheduleAndAnOrderedMap) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const Duration horizon = kHorizons[seed % 3];
    RandomStream rng(seed, "event_queue_reschedule_test");
    EventQueue q(horizon);    // re-arms with Reschedule
    EventQueue ref(horizon);  // re-arms with Cancel + Schedule
    std::map<std::pair<int64_t, uint64_t>, int> model;  // (ns, seq) -> tag
    std::vector<EventId> ids;  // every id handed out (q's; ref's are equal)
    std::vector<int> ran, ref_ran, model_ran;
    int64_t now = 0;
    int reschedules = 0, stale_reschedules = 0;
    for (int step = 0; step < 20000; ++step) {
      uint64_t op = rng.Below(12);
      if (op < 4) {
        Time at = Time(now + static_cast<int64_t>(rng.Below(50)));
        int tag = step;
        EventId id = q.Schedule(at, [&ran, tag] { ran.push_back(tag); });
        EventId rid =
            ref.Schedule(at, [&ref_ran, tag] { ref_ran.push_back(tag); });
        ASSERT_EQ(id, rid);
        model[{at.count(), id.seq}] = tag;
        ids.push_back(id);
      } else if (op < 8 && !ids.empty()) {
        // Earlier, later or the same time: ties with other events on
        // purpose (few distinct times).
        const size_t k = rng.Below(ids.size());
        const EventId id = ids[k];
        Time at = Time(now + static_cast<int64_t>(rng.Below(50)));
        EventId moved = q.Reschedule(id, at);
        auto it = model.find({id.at.count(), id.seq});
        if (it == model.end()) {
          // Ran or cancelled: nothing changes, no number is taken.
          EXPECT_FALSE(moved.valid());
          ++stale_reschedules;
          continue;
        }
        ++reschedules;
        const int tag = it->second;
        model.erase(it);
        ref.Cancel(id);
        EventId rid =
            ref.Schedule(at, [&ref_ran, tag] { ref_ran.push_back(tag); });
        ASSERT_EQ(moved, rid);
        model[{at.count(), moved.seq}] = tag;
        ids[k] = moved;
      } else if (op < 9 && !ids.empty()) {
        EventId id = ids[rng.Below(ids.size())];
        q.Cancel(id);
        ref.Cancel(id);
        model.erase({id.at.count(), id.seq});
      } else if (!model.empty()) {
        ASSERT_EQ(q.NextTime().count(), model.begin()->first.first);
        auto [id, fn] = q.Pop();
        auto [rid, rfn] = ref.Pop();
        ASSERT_EQ(id, rid);
        fn();
        rfn();
        model_ran.push_back(model.begin()->second);
        EXPECT_EQ(id.seq, model.begin()->first.second);
        now = model.begin()->first.first;
        model.erase(model.begin());
      }
      ASSERT_EQ(q.size(), model.size());
      ASSERT_EQ(ref.size(), model.size());
    }
    while (!model.empty()) {
      auto [id, fn] = q.Pop();
      auto [rid, rfn] = ref.Pop();
      ASSERT_EQ(id, rid);
      fn();
      rfn();
      model_ran.push_back(model.begin()->second);
      model.erase(model.begin());
    }
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(ran, model_ran) << "seed " << seed;
    EXPECT_EQ(ref_ran, model_ran) << "seed " << seed;
    EXPECT_GT(reschedules, 1000) << "seed " << seed;
    EXPECT_GT(stale_reschedules, 100) << "seed " << seed;
  }
}

// The RTO's pattern: timers pushed later again and again (each re-arm is
// a lazy increase-key that leaves the heap's entry with its old key) while
// short events run in between. Stale entries surface at the top over and
// over; NextTime must still be the real earliest time after every change,
// and the order the ordered map's.
TEST(EventQueue, TimersPushedLaterKeepTheRealOrderAndNextTime) {
  RandomStream rng(7, "event_queue_lazy_test");
  // The timers (200-299 ahead) start in the far heap, the short events
  // (0-2 ahead) in the near one.
  EventQueue q(Duration(100));
  std::map<std::pair<int64_t, uint64_t>, int> model;
  std::vector<EventId> timers;
  std::vector<int> ran, model_ran;
  int64_t now = 0;
  auto check_next = [&] {
    ASSERT_EQ(q.size(), model.size());
    if (!model.empty()) {
      ASSERT_EQ(q.NextTime().count(), model.begin()->first.first);
    }
  };
  for (int t = 0; t < 500; ++t) {
    const Time at(200 + static_cast<int64_t>(rng.Below(100)));
    EventId id = q.Schedule(at, [&ran, t] { ran.push_back(t); });
    model[{at.count(), id.seq}] = t;
    timers.push_back(id);
  }
  for (int step = 0; step < 20000; ++step) {
    const size_t k = rng.Below(timers.size());
    const EventId id = timers[k];
    auto it = model.find({id.at.count(), id.seq});
    if (it != model.end() && rng.Below(4) != 0) {
      // Pushed later: now + 200..299, never earlier than its key.
      const Time at(now + 200 + static_cast<int64_t>(rng.Below(100)));
      const int tag = it->second;
      model.erase(it);
      EventId moved = q.Reschedule(id, at);
      ASSERT_TRUE(moved.valid());
      model[{at.count(), moved.seq}] = tag;
      timers[k] = moved;
    } else {
      // A short event, then the earliest event runs.
      const int tag = 100000 + step;
      const Time at(now + static_cast<int64_t>(rng.Below(3)));
      EventId e = q.Schedule(at, [&ran, tag] { ran.push_back(tag); });
      model[{at.count(), e.seq}] = tag;
      check_next();
      auto [popped, fn] = q.Pop();
      ASSERT_EQ(popped.seq, model.begin()->first.second);
      ASSERT_EQ(popped.at.count(), model.begin()->first.first);
      fn();
      now = model.begin()->first.first;
      model_ran.push_back(model.begin()->second);
      model.erase(model.begin());
    }
    check_next();
  }
  while (!model.empty()) {
    check_next();
    auto [popped, fn] = q.Pop();
    ASSERT_EQ(popped.seq, model.begin()->first.second);
    fn();
    model_ran.push_back(model.begin()->second);
    model.erase(model.begin());
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(ran, model_ran);
  EXPECT_GT(model_ran.size(), 4000u);
}

TEST(EventQueue, RescheduleToTheSameTimeRunsAfterEventsAlreadyThere) {
  EventQueue q;
  std::vector<int> ran;
  const Time t(std::chrono::seconds(1));
  EventId a = q.Schedule(t, [&] { ran.push_back(1); });
  q.Schedule(t, [&] { ran.push_back(2); });
  EventId moved = q.Reschedule(a, t);  // a fresh number: after 2
  EXPECT_GT(moved.seq, a.seq);
  EXPECT_EQ(moved.slot, a.slot);
  EXPECT_FALSE(q.Reschedule(a, t).valid());  // the old id is stale
  q.Cancel(a);                               // and cancels nothing
  while (!q.empty()) {
    auto [id, fn] = q.Pop();
    fn();
  }
  EXPECT_EQ(ran, (std::vector<int>{2, 1}));
  EXPECT_FALSE(q.Reschedule(moved, t).valid());  // it ran
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
