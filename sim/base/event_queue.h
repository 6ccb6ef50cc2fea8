// EventQueue: the world's agenda. Events run in (time, insertion number)
// order, so ties break by the order they were scheduled, never by pointer
// value. An event can be cancelled by the id Schedule returned.
//
// A binary min-heap of (time, number, slot) over a table of slots that
// hold the callbacks: scheduling allocates nothing once the heap and the
// table have grown to the world's working set (freed slots are reused, last
// freed first). Cancel empties the slot at once and leaves the heap entry,
// which is dropped when it reaches the top (an entry whose slot no longer
// carries its number is stale); the heap is rebuilt without its stale
// entries when they outnumber the live ones three to one. The order events
// run in is (time, number) whatever the heap's layout: the pair is unique.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "simsock/sim/base/time.h"

namespace simsock::sim {

struct EventId {
  Time at{0};
  uint64_t seq = 0;   // 0 means "no event"
  uint32_t slot = 0;  // where the queue keeps its callback
  bool valid() const { return seq != 0; }
  auto operator<=>(const EventId&) const = default;
};

class EventQueue {
 public:
  EventId Schedule(Time at, std::function<void()> fn) {
    EventId id{at, ++next_seq_, 0};
    if (free_.empty()) {
      id.slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back({id.seq, std::move(fn)});
    } else {
      id.slot = free_.back();
      free_.pop_back();
      slots_[id.slot] = {id.seq, std::move(fn)};
    }
    heap_.push_back({at, id.seq, id.slot});
    std::push_heap(heap_.begin(), heap_.end(), Later);
    ++live_;
    return id;
  }
  // Cancelling an event that already ran or was cancelled does nothing.
  void Cancel(EventId id) {
    if (!id.valid() || id.slot >= slots_.size()) return;
    if (slots_[id.slot].seq != id.seq) return;
    // The callback dies last, once the queue is whole again: what it
    // captured may schedule or cancel as it goes.
    std::function<void()> dead = Free(id.slot);
    --live_;
    if (heap_.size() > 64 && heap_.size() > 4 * live_) {
      Compact();
    } else {
      DropStaleTop();
    }
  }
  bool empty() const { return live_ == 0; }
  Time NextTime() const { return heap_.empty() ? kNever : heap_.front().at; }
  // Removes and returns the earliest event.
  std::pair<EventId, std::function<void()>> Pop() {
    Entry top = heap_.front();
    std::pop_heap(heap_.begin(), heap_.end(), Later);
    heap_.pop_back();
    std::function<void()> fn = Free(top.slot);
    --live_;
    DropStaleTop();
    return {EventId{top.at, top.seq, top.slot}, std::move(fn)};
  }
  size_t size() const { return live_; }

 private:
  struct Entry {
    Time at;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    uint64_t seq = 0;  // the pending event's number, 0 when free
    std::function<void()> fn;
  };
  // std::push_heap keeps the greatest on top: "greater" is "runs first".
  static bool Later(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
  bool Stale(const Entry& e) const { return slots_[e.slot].seq != e.seq; }
  // Empties a slot for reuse; returns its callback.
  std::function<void()> Free(uint32_t slot) {
    std::function<void()> fn = std::move(slots_[slot].fn);
    slots_[slot].fn = nullptr;
    slots_[slot].seq = 0;
    free_.push_back(slot);
    return fn;
  }
  // Keeps the invariant NextTime relies on: the top entry is live.
  void DropStaleTop() {
    while (!heap_.empty() && Stale(heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Later);
      heap_.pop_back();
    }
  }
  void Compact() {
    std::erase_if(heap_, [this](const Entry& e) { return Stale(e); });
    std::make_heap(heap_.begin(), heap_.end(), Later);
  }

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
  uint64_t next_seq_ = 0;
};

}  // namespace simsock::sim
