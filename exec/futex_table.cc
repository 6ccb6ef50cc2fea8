// The futex table (futex_table.h), after kernel/futex/waitwake.c:
// futex_wait_queue parks, futex_wake takes the matching waiters in order.
#include "simsock/exec/futex_table.h"

#include <cerrno>

#include "simsock/sim/kernel/scheduler.h"

namespace simsock::exec {

int FutexTable::Wait(sim::Scheduler& sched, uint64_t addr, uint32_t bitset,
                     sim::Time deadline, const std::string& reason) {
  sim::SimThread* self = sched.Current();
  Waiter me{self, bitset};
  std::list<Waiter*>& queue = waiters_[addr];
  auto it = queue.insert(queue.end(), &me);
  // Removed however the wait ends, also when the thread is killed (its
  // fiber unwinds through here).
  struct Unqueue {
    FutexTable& table;
    uint64_t addr;
    std::list<Waiter*>::iterator it;
    bool* woken;
    ~Unqueue() {
      if (*woken) return;  // Wake took it off already
      auto q = table.waiters_.find(addr);
      q->second.erase(it);
      if (q->second.empty()) table.waiters_.erase(q);
    }
  } unqueue{*this, addr, it, &me.woken};
  while (!me.woken) {
    if (!sched.Park(reason, deadline)) break;  // the deadline passed
  }
  return me.woken ? 0 : -ETIMEDOUT;
}

int FutexTable::Wake(sim::Scheduler& sched, uint64_t addr, uint32_t bitset,
                     int count) {
  auto q = waiters_.find(addr);
  if (q == waiters_.end() || count <= 0) return 0;
  int woken = 0;
  for (auto it = q->second.begin(); it != q->second.end() && woken < count;) {
    Waiter* w = *it;
    if ((w->bitset & bitset) == 0) {
      ++it;
      continue;
    }
    w->woken = true;
    sched.Wake(*w->thread);
    it = q->second.erase(it);
    ++woken;
  }
  if (q->second.empty()) waiters_.erase(q);
  return woken;
}

int FutexTable::WakeAll(sim::Scheduler& sched) {
  int woken = 0;
  for (auto& [addr, queue] : waiters_) {
    for (Waiter* w : queue) {
      w->woken = true;
      sched.Wake(*w->thread);
      ++woken;
    }
  }
  waiters_.clear();
  return woken;
}

size_t FutexTable::Waiting(uint64_t addr) const {
  auto q = waiters_.find(addr);
  return q == waiters_.end() ? 0 : q->second.size();
}

}  // namespace simsock::exec
