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
#include <memory>
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
    if (state_ == nullptr) state_ = std::make_unique<State>();
    uint64_t id = ++state_->last_id;
    state_->waiters.emplace(id, std::move(cb));
    return id;
  }
  /// Unregisters the waiter id; an unknown id does nothing.
  void Remove(uint64_t id) {
    if (state_ != nullptr) state_->waiters.erase(id);
  }
  /// No one is waiting.
  bool empty() const { return state_ == nullptr || state_->waiters.empty(); }

  /// Calls every waiter with `key`. Waiters may add or remove waiters while
  /// being woken; those added during the wake are not called.
  void Wake(uint32_t key) {
    if (empty()) return;
    std::map<uint64_t, Callback>& waiters = state_->waiters;
    std::vector<uint64_t> ids;
    ids.reserve(waiters.size());
    for (auto& [id, cb] : waiters) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = waiters.find(id);
      if (it != waiters.end()) {
        Callback cb = it->second;  // the callback may remove itself
        cb(key);
      }
    }
  }

 private:
  // Most files never have a waiter (a connection nobody blocks on or
  // polls): the waiters live in a block allocated by the first Add, kept
  // until the queue goes, so that such a file carries one pointer.
  struct State {
    std::map<uint64_t, Callback> waiters;
    uint64_t last_id = 0;  // ids are never reused
  };
  std::unique_ptr<State> state_;
};

}  // namespace simsock::sim
