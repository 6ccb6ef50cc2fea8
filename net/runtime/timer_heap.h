/// \file
/// TimerHeap: the runtime's timers, a binary min-heap ordered by
/// (when, seq) as Go's runtime timer heap is ordered by when.
///
/// Timers are intrusive: the owner (a pollDesc deadline, a Sleep call's
/// frame) holds the Timer; the heap holds pointers and keeps each timer's
/// index, so removal is O(log n). seq is an insertion number drawn when the
/// timer is pushed, so timers with equal deadlines fire in the order they
/// were armed (determinism: never ordered by pointer value).
/// Threading: one Runtime, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace simsock::net::internal {

struct Timer {
  static constexpr size_t kNotQueued = static_cast<size_t>(-1);
  int64_t when = 0;            ///< absolute ns on the backend clock
  uint64_t seq = 0;            ///< tie breaker, set by Push
  size_t index = kNotQueued;   ///< position in the heap, or kNotQueued
  std::function<void()> fire;  ///< runs on the scheduler; must not block
  /// The timer's owner, kept alive while the timer is queued and while it
  /// fires (a time::Timer or Ticker whose handles are all gone still fires,
  /// as Go's); null for timers owned by a stack frame or a PollDesc. The
  /// heap releases it when it pops the timer (fire may re-set it).
  std::shared_ptr<void> keep_alive;

  bool queued() const { return index != kNotQueued; }
};

class TimerHeap {
 public:
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  Timer* top() const { return heap_.front(); }

  /// Queues t at t->when (t must not be queued).
  void Push(Timer* t);
  /// Removes t if queued; no-op otherwise.
  void Remove(Timer* t);
  /// Removes and returns the earliest timer.
  Timer* Pop();

 private:
  static bool Less(const Timer* a, const Timer* b) {
    return a->when != b->when ? a->when < b->when : a->seq < b->seq;
  }
  void Up(size_t i);
  void Down(size_t i);
  void Swap(size_t i, size_t j);

  std::vector<Timer*> heap_;
  uint64_t next_seq_ = 0;
};

}  // namespace simsock::net::internal
