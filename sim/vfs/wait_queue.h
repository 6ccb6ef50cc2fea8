/// \file
/// WaitQueue: who is waiting on a kernel object, as Linux's wait_queue_head.
/// Waiters are callbacks keyed by registration number, woken in that order
/// with a readiness key (EPOLLIN, EPOLLOUT, EPOLLERR, ... or 0 for "any
/// change"). Epoll items are waiters; simulated threads blocked in a syscall
/// will be waiters too (they park and are made runnable by their callback).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace simsock::sim {

/// Callbacks waiting on one kernel object, woken in registration order. Add and
/// Remove are O(log n); Wake is O(n) and allocates its snapshot.
class WaitQueue {
 public:
  /// A waiter: called with the readiness key of each wake.
  using Callback = std::function<void(uint32_t key)>;

  /// Registers cb; returns the id to Remove it with.
  uint64_t Add(Callback cb) {
    uint64_t id = ++next_id_;
    waiters_.emplace(id, std::move(cb));
    return id;
  }
  /// Unregisters the waiter id; an unknown id does nothing.
  void Remove(uint64_t id) { waiters_.erase(id); }
  /// No one is waiting.
  bool empty() const { return waiters_.empty(); }

  /// Calls every waiter with `key`. Waiters may add or remove waiters while
  /// being woken; those added during the wake are not called.
  void Wake(uint32_t key) {
    if (waiters_.empty()) return;
    std::vector<uint64_t> ids;
    ids.reserve(waiters_.size());
    for (auto& [id, cb] : waiters_) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = waiters_.find(id);
      if (it != waiters_.end()) {
        Callback cb = it->second;  // the callback may remove itself
        cb(key);
      }
    }
  }

 private:
  std::map<uint64_t, Callback> waiters_;
  uint64_t next_id_ = 0;
};

}  // namespace simsock::sim
