/// \file
/// EventQueue: the world's agenda. Events run in (time, insertion number)
/// order, so ties break by the order they were scheduled, never by pointer
/// value. An event can be cancelled by the id Schedule returned.
//
// An indexed binary min-heap of (time, number, slot) over a table of slots
// that hold the callbacks and know where their entry sits in the heap:
// scheduling allocates nothing once the heap and the table have grown to
// the world's working set (freed slots are reused, last freed first), and
// Cancel takes its entry out of the heap at once (the last entry moves into
// its place and sifts up or down). Timers are re-armed on nearly every ACK,
// so a cancelled entry must not stay behind to be skipped later; Reschedule
// re-arms one in place. A re-arm to an earlier key sifts the entry up at
// once; a re-arm to a later key (nearly every ACK pushes the RTO timer
// further out) only writes the new key into the slot and leaves the heap
// entry with its old, smaller key: a lazy increase-key. An entry's key in
// the heap is thus never larger than its event's real key, so the heap's
// top is at or before the real earliest event; whenever the top is such a
// stale entry, it takes its real key and sifts down, until the top is
// current (Normalize, after every change). Each re-arm of a timer that
// has not surfaced costs O(1) instead of a sift through a heap of every
// pending timer (a cache miss per level at 100,000 connections). The order
// events run in is (time, number) whatever the heap's layout: the pair is
// unique. Callbacks are InlineCallbacks: a timer's or a step's capture is
// kept in the slot itself, so an event allocates nothing.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "simsock/sim/base/inline_callback.h"
#include "simsock/sim/base/time.h"

namespace simsock::sim {

/// Names one scheduled event of an EventQueue, to cancel it. A
/// default-constructed id names no event (Cancel ignores it). Ids order as
/// the events run: by time, then by scheduling order.
struct EventId {
  Time at{0};         ///< when the event is due
  uint64_t seq = 0;   ///< its insertion number; 0 means "no event"
  uint32_t slot = 0;  ///< where the queue keeps its callback
  /// True when the id names an event (it may have run or been cancelled since).
  bool valid() const { return seq != 0; }
  /// Orders by (at, seq, slot): the order the events run in.
  auto operator<=>(const EventId&) const = default;
};

/// The agenda: callbacks due at virtual times, run in (time, insertion
/// number) order. Not thread-safe; one per World.
class EventQueue {
 public:
  /// Schedules fn to run at `at` (which may be in the past: it then runs
  /// next, after the events already due). Returns the id to cancel it with.
  /// O(log n); allocates only while the heap and slot table grow.
  EventId Schedule(Time at, InlineCallback fn) {
    EventId id{at, ++next_seq_, 0};
    if (free_.empty()) {
      id.slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back({at, id.seq, 0, std::move(fn)});
    } else {
      id.slot = free_.back();
      free_.pop_back();
      slots_[id.slot].at = at;
      slots_[id.slot].seq = id.seq;
      slots_[id.slot].fn = std::move(fn);
    }
    heap_.push_back({at, id.seq, id.slot});
    SiftUp(heap_.size() - 1);
    return id;
  }
  /// Removes the event id names and destroys its callback. Cancelling an
  /// event that already ran or was cancelled, or an invalid id, does
  /// nothing. O(log n).
  void Cancel(EventId id) {
    if (!id.valid() || id.slot >= slots_.size()) return;
    if (slots_[id.slot].seq != id.seq) return;
    // The callback dies last, once the queue is whole again: what it
    // captured may schedule or cancel as it goes.
    InlineCallback dead = Remove(slots_[id.slot].pos);
    Normalize();
  }
  /// Moves the pending event id names to `at`, keeping its callback, and
  /// returns its new id. The event takes a new insertion number, exactly
  /// as Cancel(id) followed by Schedule(at, same callback) would give it
  /// (and the same slot, the one that Cancel would free and Schedule reuse),
  /// so it runs after every event already due at `at`: a re-armed timer
  /// keeps the order of a fresh one. An earlier key sifts the entry up
  /// where it sits; a later one is only noted in the slot (the lazy
  /// increase-key of the file comment). An id that already ran or was
  /// cancelled, or an invalid one, changes nothing and returns an invalid id
  /// (and takes no number): the caller schedules afresh. O(log n) when
  /// moved earlier, O(1) amortised when moved later.
  EventId Reschedule(EventId id, Time at) {
    if (!id.valid() || id.slot >= slots_.size()) return {};
    Slot& slot = slots_[id.slot];
    if (slot.seq != id.seq) return {};
    const EventId moved{at, ++next_seq_, id.slot};
    slot.at = at;
    slot.seq = moved.seq;
    const Entry e{at, moved.seq, moved.slot};
    if (RunsFirst(e, heap_[slot.pos])) {
      heap_[slot.pos] = e;
      SiftUp(slot.pos);
    } else if (slot.pos == 0) {
      Normalize();
    }
    return moved;
  }
  /// True when no event is pending.
  bool empty() const { return heap_.empty(); }
  /// When the earliest pending event is due; kNever when none is. O(1).
  Time NextTime() const { return heap_.empty() ? kNever : heap_.front().at; }
  /// Removes and returns the earliest event (its id and callback), without
  /// running it. The queue must not be empty. O(log n).
  std::pair<EventId, InlineCallback> Pop() {
    const Entry top = heap_.front();  // current: Normalize keeps it so
    InlineCallback fn = Remove(0);
    Normalize();
    return {EventId{top.at, top.seq, top.slot}, std::move(fn)};
  }
  /// The number of pending events.
  size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    Time at;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    Time at{0};        // the pending event's real time (its entry's may be
                       // earlier: see Normalize)
    uint64_t seq = 0;  // its real number, 0 when the slot is free
    size_t pos = 0;    // its entry's index in heap_
    InlineCallback fn;
  };
  static bool RunsFirst(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  }
  void Place(size_t i, const Entry& e) {
    heap_[i] = e;
    slots_[e.slot].pos = i;
  }
  void SiftUp(size_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!RunsFirst(e, heap_[parent])) break;
      Place(i, heap_[parent]);
      i = parent;
    }
    Place(i, e);
  }
  void SiftDown(size_t i) {
    const Entry e = heap_[i];
    const size_t n = heap_.size();
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && RunsFirst(heap_[child + 1], heap_[child])) ++child;
      if (!RunsFirst(heap_[child], e)) break;
      Place(i, heap_[child]);
      i = child;
    }
    Place(i, e);
  }
  // Until the top entry holds its event's real key: a top whose key a lazy
  // Reschedule left behind takes the real one and sifts down. Keys in the
  // heap are never later than the real ones, so a current top is the real
  // earliest event. Called after every change that can expose a new top.
  void Normalize() {
    while (!heap_.empty()) {
      Entry& top = heap_.front();
      const Slot& slot = slots_[top.slot];
      if (top.seq == slot.seq) return;
      top.at = slot.at;
      top.seq = slot.seq;
      SiftDown(0);
    }
  }
  // Takes the entry at heap index i out; frees its slot for reuse and
  // returns its callback.
  InlineCallback Remove(size_t i) {
    const uint32_t slot = heap_[i].slot;
    const Entry last = heap_.back();
    heap_.pop_back();
    if (i < heap_.size()) {
      Place(i, last);
      if (i > 0 && RunsFirst(last, heap_[(i - 1) / 2])) {
        SiftUp(i);
      } else {
        SiftDown(i);
      }
    }
    InlineCallback fn = std::move(slots_[slot].fn);
    slots_[slot].fn = nullptr;
    slots_[slot].seq = 0;
    free_.push_back(slot);
    return fn;
  }

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  uint64_t next_seq_ = 0;
};

}  // namespace simsock::sim
