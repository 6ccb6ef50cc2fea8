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
/// Remove are O(log n); Wake is O(n) and allocates nothing.
class WaitQueue {
 public:
  /// A waiter: called with the readiness key of each wake.
  using Callback = std::function<void(uint32_t key)>;

  /// Registers cb; returns the id to Remove it with.
  uint64_t Add(Callback cb) {
    if (state_ == nullptr) state_ = std::make_unique<State>();
    uint64_t id = ++state_->last_id;
    state_->waiters.emplace(id, Entry{std::move(cb), false});
    ++state_->live;
    return id;
  }
  /// Unregisters the waiter id; an unknown id does nothing. During a wake
  /// the entry is only marked (it may be the callback running now) and is
  /// erased when the outermost wake ends.
  void Remove(uint64_t id) {
    if (state_ == nullptr) return;
    auto it = state_->waiters.find(id);
    if (it == state_->waiters.end() || it->second.removed) return;
    --state_->live;
    if (state_->waking > 0) {
      it->second.removed = true;
      state_->purge = true;
    } else {
      state_->waiters.erase(it);
    }
  }
  /// No one is waiting.
  bool empty() const { return state_ == nullptr || state_->live == 0; }

  /// Calls every waiter with `key`. Waiters may add or remove waiters while
  /// being woken; those added during the wake are not called, those
  /// removed before their turn are not called either.
  void Wake(uint32_t key) {
    if (empty()) return;
    State& st = *state_;
    // The waiters registered now are those with ids up to last_id. Entries
    // are not erased while a wake walks the map (Remove marks them), and an
    // insertion leaves the walk's iterator valid, so the walk needs no
    // snapshot of the ids and no copy of each callback: a wake allocates
    // nothing.
    const uint64_t last = st.last_id;
    ++st.waking;
    for (auto it = st.waiters.begin();
         it != st.waiters.end() && it->first <= last; ++it) {
      if (!it->second.removed) it->second.cb(key);
    }
    if (--st.waking == 0 && st.purge) {
      st.purge = false;
      std::erase_if(st.waiters,
                    [](const auto& kv) { return kv.second.removed; });
    }
  }

 private:
  struct Entry {
    Callback cb;
    bool removed = false;  // removed during a wake; erased at its end
  };
  // Most files never have a waiter (a connection nobody blocks on or
  // polls): the waiters live in a block allocated by the first Add, kept
  // until the queue goes, so that such a file carries one pointer.
  struct State {
    std::map<uint64_t, Entry> waiters;
    uint64_t last_id = 0;  // ids are never reused
    size_t live = 0;       // waiters not marked removed
    int waking = 0;        // Wake calls in progress (they may nest)
    bool purge = false;    // some entry is marked removed
  };
  std::unique_ptr<State> state_;
};

}  // namespace simsock::sim
