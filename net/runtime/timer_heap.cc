// TimerHeap: see timer_heap.h.
#include "simsock/net/runtime/timer_heap.h"

#include <utility>

#include "simsock/net/runtime/check.h"

namespace simsock::net::internal {

void TimerHeap::Push(Timer* t) {
  SIMSOCK_NET_CHECK(!t->queued(), "timer pushed twice");
  t->seq = next_seq_++;
  t->index = heap_.size();
  heap_.push_back(t);
  Up(t->index);
}

void TimerHeap::Remove(Timer* t) {
  if (!t->queued()) return;
  size_t i = t->index;
  size_t last = heap_.size() - 1;
  if (i != last) Swap(i, last);
  heap_.pop_back();
  t->index = Timer::kNotQueued;
  if (i < heap_.size()) {
    Down(i);
    Up(i);
  }
}

Timer* TimerHeap::Pop() {
  Timer* t = heap_.front();
  Remove(t);
  return t;
}

void TimerHeap::Swap(size_t i, size_t j) {
  std::swap(heap_[i], heap_[j]);
  heap_[i]->index = i;
  heap_[j]->index = j;
}

void TimerHeap::Up(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!Less(heap_[i], heap_[parent])) break;
    Swap(i, parent);
    i = parent;
  }
}

void TimerHeap::Down(size_t i) {
  const size_t n = heap_.size();
  while (true) {
    size_t smallest = i;
    size_t l = 2 * i + 1;
    size_t r = l + 1;
    if (l < n && Less(heap_[l], heap_[smallest])) smallest = l;
    if (r < n && Less(heap_[r], heap_[smallest])) smallest = r;
    if (smallest == i) break;
    Swap(i, smallest);
    i = smallest;
  }
}

}  // namespace simsock::net::internal
