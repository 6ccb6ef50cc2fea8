// EventQueue: the world's agenda. Events run in (time, insertion number)
// order, so ties break by the order they were scheduled, never by pointer
// value. An event can be cancelled by the id Schedule returned.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "simsock/sim/base/time.h"

namespace simsock::sim {

struct EventId {
  Time at{0};
  uint64_t seq = 0;  // 0 means "no event"
  bool valid() const { return seq != 0; }
  auto operator<=>(const EventId&) const = default;
};

class EventQueue {
 public:
  EventId Schedule(Time at, std::function<void()> fn) {
    EventId id{at, ++next_seq_};
    events_.emplace(id, std::move(fn));
    return id;
  }
  // Cancelling an event that already ran or was cancelled does nothing.
  void Cancel(EventId id) {
    if (id.valid()) events_.erase(id);
  }
  bool empty() const { return events_.empty(); }
  Time NextTime() const {
    return events_.empty() ? kNever : events_.begin()->first.at;
  }
  // Removes and returns the earliest event.
  std::pair<EventId, std::function<void()>> Pop() {
    auto node = events_.extract(events_.begin());
    return {node.key(), std::move(node.mapped())};
  }
  size_t size() const { return events_.size(); }

 private:
  std::map<EventId, std::function<void()>> events_;
  uint64_t next_seq_ = 0;
};

}  // namespace simsock::sim
