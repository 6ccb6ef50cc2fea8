/// \file
/// EventQueue: the world's agenda. Events run in (time, insertion number)
/// order, so ties break by the order they were scheduled, never by pointer
/// value. An event can be cancelled by the id Schedule returned.
//
// An indexed binary min-heap of (time, number, slot) over a table of slots
// that hold the callbacks, with an array beside it that knows where each
// slot's entry sits in the heap:
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
//
// The entries are kept in two such heaps: a near one for events due within
// a horizon (a second by default) of the last event popped, and a far one
// for the rest (TIME_WAIT's minute, a sleeping program's timeout, the
// keepalive). Pop takes the earlier of the two tops, so the order is the
// same as one heap's; which heap an entry sits in only decides what a sift
// walks through. The events a world schedules by the million (a packet's
// delivery, a step, an RTO) sift through the near heap only, not through
// the tens of thousands of far timers a large world keeps pending, and a
// far timer, scheduled later than nearly everything, stays near the far
// heap's bottom. A re-armed entry stays in its heap (either heap is right
// for any key; the horizon is only where entries start).
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
  /// Events due within this much of the last event popped start in the
  /// near heap (see the file comment).
  static constexpr Duration kDefaultNearHorizon = std::chrono::seconds(1);

  /// An empty agenda; near_horizon splits its two heaps (tests set it small
  /// to exercise both).
  explicit EventQueue(Duration near_horizon = kDefaultNearHorizon)
      : near_horizon_(near_horizon) {}

  /// Schedules fn to run at `at` (which may be in the past: it then runs
  /// next, after the events already due). Returns the id to cancel it with.
  /// O(log n); allocates only while the heaps and slot table grow.
  EventId Schedule(Time at, InlineCallback fn) {
    EventId id{at, ++next_seq_, 0};
    if (free_.empty()) {
      id.slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back({at, id.seq, std::move(fn)});
      pos_.push_back(0);
    } else {
      id.slot = free_.back();
      free_.pop_back();
      slots_[id.slot].at = at;
      slots_[id.slot].seq = id.seq;
      slots_[id.slot].fn = std::move(fn);
    }
    const int h =
        at > last_popped_ && at - last_popped_ > near_horizon_ ? kFar : kNear;
    heaps_[h].push_back({at, id.seq, id.slot});
    SiftUp(h, heaps_[h].size() - 1);
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
    const uint32_t pos = pos_[id.slot];
    const int h = HeapOf(pos);
    InlineCallback dead = Remove(h, IndexOf(pos));
    Normalize(h);
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
    const int h = HeapOf(pos_[id.slot]);
    const size_t i = IndexOf(pos_[id.slot]);
    if (RunsFirst(e, heaps_[h][i])) {
      heaps_[h][i] = e;
      SiftUp(h, i);
    } else if (i == 0) {
      Normalize(h);
    }
    return moved;
  }
  /// True when no event is pending.
  bool empty() const { return heaps_[kNear].empty() && heaps_[kFar].empty(); }
  /// When the earliest pending event is due; kNever when none is. O(1).
  Time NextTime() const {
    const int h = First();
    return h < 0 ? kNever : heaps_[h].front().at;
  }
  /// Removes and returns the earliest event (its id and callback), without
  /// running it. The queue must not be empty. O(log n).
  std::pair<EventId, InlineCallback> Pop() {
    const int h = First();
    const Entry top = heaps_[h].front();  // current: Normalize keeps it so
    last_popped_ = top.at;
    InlineCallback fn = Remove(h, 0);
    Normalize(h);
    return {EventId{top.at, top.seq, top.slot}, std::move(fn)};
  }
  /// The number of pending events.
  size_t size() const { return heaps_[kNear].size() + heaps_[kFar].size(); }

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
    InlineCallback fn;
  };
  static constexpr int kNear = 0;
  static constexpr int kFar = 1;
  static constexpr uint32_t kFarBit = uint32_t{1} << 31;
  static int HeapOf(uint32_t pos) {
    return (pos & kFarBit) != 0 ? kFar : kNear;
  }
  static size_t IndexOf(uint32_t pos) { return pos & ~kFarBit; }

  static bool RunsFirst(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  }
  // The heap whose top runs first, or -1 when both are empty. Both tops are
  // current (Normalize).
  int First() const {
    if (heaps_[kFar].empty()) return heaps_[kNear].empty() ? -1 : kNear;
    if (heaps_[kNear].empty()) return kFar;
    return RunsFirst(heaps_[kFar].front(), heaps_[kNear].front()) ? kFar
                                                                  : kNear;
  }
  // What a slot's pos carries besides the index: kFarBit for the far heap.
  static uint32_t TagOf(int h) { return h == kFar ? kFarBit : 0; }
  void Place(int h, size_t i, const Entry& e) {
    heaps_[h][i] = e;
    pos_[e.slot] = static_cast<uint32_t>(i) | TagOf(h);
  }
  // The sifts work on the heap's array and its tag directly: they are the
  // agenda's inner loops.
  void SiftUp(int h, size_t i) {
    Entry* const heap = heaps_[h].data();
    uint32_t* const pos = pos_.data();
    const uint32_t tag = TagOf(h);
    const Entry e = heap[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!RunsFirst(e, heap[parent])) break;
      heap[i] = heap[parent];
      pos[heap[i].slot] = static_cast<uint32_t>(i) | tag;
      i = parent;
    }
    heap[i] = e;
    pos[e.slot] = static_cast<uint32_t>(i) | tag;
  }
  void SiftDown(int h, size_t i) {
    Entry* const heap = heaps_[h].data();
    uint32_t* const pos = pos_.data();
    const uint32_t tag = TagOf(h);
    const size_t n = heaps_[h].size();
    const Entry e = heap[i];
    for (;;) {
      size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && RunsFirst(heap[child + 1], heap[child])) ++child;
      if (!RunsFirst(heap[child], e)) break;
      heap[i] = heap[child];
      pos[heap[i].slot] = static_cast<uint32_t>(i) | tag;
      i = child;
    }
    heap[i] = e;
    pos[e.slot] = static_cast<uint32_t>(i) | tag;
  }
  // Until heap h's top entry holds its event's real key: a top whose key a
  // lazy Reschedule left behind takes the real one and sifts down. Keys in
  // a heap are never later than the real ones, so a current top is its
  // heap's real earliest event. Called after every change to heap h that
  // can expose a new top (the other heap's top is untouched, so current).
  void Normalize(int h) {
    std::vector<Entry>& heap = heaps_[h];
    while (!heap.empty()) {
      Entry& top = heap.front();
      const Slot& slot = slots_[top.slot];
      if (top.seq == slot.seq) return;
      top.at = slot.at;
      top.seq = slot.seq;
      SiftDown(h, 0);
    }
  }
  // Takes the entry at index i of heap h out; frees its slot for reuse and
  // returns its callback.
  InlineCallback Remove(int h, size_t i) {
    std::vector<Entry>& heap = heaps_[h];
    const uint32_t slot = heap[i].slot;
    const Entry last = heap.back();
    heap.pop_back();
    if (i < heap.size()) {
      Place(h, i, last);
      if (i > 0 && RunsFirst(last, heap[(i - 1) / 2])) {
        SiftUp(h, i);
      } else {
        SiftDown(h, i);
      }
    }
    InlineCallback fn = std::move(slots_[slot].fn);
    slots_[slot].fn = nullptr;
    slots_[slot].seq = 0;
    free_.push_back(slot);
    return fn;
  }

  Duration near_horizon_;
  Time last_popped_{0};          // the time of the last event popped
  std::vector<Entry> heaps_[2];  // [kNear], [kFar]
  std::vector<Slot> slots_;
  // Each slot's entry: its index in its heap, kFarBit set in the far
  // heap's. Apart from the slots so that a sift's writes, one per level,
  // land in a small dense array, not in a callback's cache line each.
  std::vector<uint32_t> pos_;
  std::vector<uint32_t> free_;
  uint64_t next_seq_ = 0;
};

}  // namespace simsock::sim
