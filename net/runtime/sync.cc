// Mutex, Cond, Once: see sync.h.
#include "simsock/net/runtime/sync.h"

#include <algorithm>
#include <deque>

#include "simsock/net/runtime/check.h"

namespace simsock::net {

// Named rather than anonymous: Mutex::State and Cond::State (declared in
// sync.h) hold one, and a unity build would otherwise warn that their
// members have internal linkage (-Wsubobject-linkage).
namespace sync_internal {

// A FIFO of parked tasks; each waiter removes itself if unwound while
// parked (~Runtime).
struct WaitQueue {
  std::deque<internal::Task*> tasks;

  // Parks the current task until woken says so.
  template <typename Woken>
  void Wait(Runtime& rt, const char* what, const void* object, Woken woken) {
    internal::Task* self = rt.CurrentTask();
    SIMSOCK_NET_CHECK(self != nullptr, "a blocking sync call outside a task");
    tasks.push_back(self);
    struct Guard {
      WaitQueue& q;
      internal::Task* self;
      ~Guard() {
        auto it = std::find(q.tasks.begin(), q.tasks.end(), self);
        if (it != q.tasks.end()) q.tasks.erase(it);
      }
    } guard{*this, self};
    while (!woken()) rt.Park(what, object);
  }
  // Removes and returns the longest waiter, or null.
  internal::Task* Pop() {
    if (tasks.empty()) return nullptr;
    internal::Task* t = tasks.front();
    tasks.pop_front();
    return t;
  }
  bool Contains(internal::Task* t) const {
    return std::find(tasks.begin(), tasks.end(), t) != tasks.end();
  }
};

}  // namespace sync_internal

using sync_internal::WaitQueue;

struct Mutex::State {
  explicit State(Runtime& r) : rt(&r) {}
  Runtime* rt;
  bool locked = false;
  WaitQueue waiters;
  // Ownership handed to a woken waiter by Unlock.
  internal::Task* handed_to = nullptr;
};

Mutex::Mutex(Runtime& rt) : s_(std::make_shared<State>(rt)) {}

bool Mutex::locked() const { return s_->locked; }

bool Mutex::TryLock() {
  if (s_->locked) return false;
  s_->locked = true;
  return true;
}

void Mutex::Lock() {
  std::shared_ptr<State> keep = s_;
  State& s = *keep;
  if (!s.locked) {
    s.locked = true;
    return;
  }
  internal::Task* self = s.rt->CurrentTask();
  s.waiters.Wait(*s.rt, "sync.Mutex.Lock", &s, [&] {
    if (s.handed_to != self) return false;
    s.handed_to = nullptr;
    return true;
  });
}

void Mutex::Unlock() {
  State& s = *s_;
  SIMSOCK_NET_CHECK(s.locked, "sync: unlock of unlocked mutex");
  if (internal::Task* next = s.waiters.Pop()) {
    // Direct handoff: the mutex stays locked, now for `next`.
    s.handed_to = next;
    s.rt->Ready(next);
    return;
  }
  s.locked = false;
}

struct Cond::State {
  explicit State(Runtime& r) : rt(&r) {}
  Runtime* rt;
  WaitQueue waiters;
};

Cond::Cond(Runtime& rt, Mutex l)
    : L(std::move(l)), s_(std::make_shared<State>(rt)) {}

void Cond::Wait() {
  std::shared_ptr<State> keep = s_;
  State& s = *keep;
  internal::Task* self = s.rt->CurrentTask();
  SIMSOCK_NET_CHECK(self != nullptr, "sync.Cond.Wait outside a task");
  // Queue first, then unlock: a Signal between the two cannot be missed.
  bool queued = false;
  s.waiters.Wait(*s.rt, "sync.Cond.Wait", &s, [&] {
    if (!queued) {
      queued = true;
      L.Unlock();
      return false;
    }
    return !s.waiters.Contains(self);
  });
  L.Lock();
}

void Cond::Signal() {
  if (internal::Task* t = s_->waiters.Pop()) s_->rt->Ready(t);
}

void Cond::Broadcast() {
  while (internal::Task* t = s_->waiters.Pop()) s_->rt->Ready(t);
}

struct Once::State {
  explicit State(Runtime& rt) : m(rt) {}
  Mutex m;
  bool done = false;
};

Once::Once(Runtime& rt) : s_(std::make_shared<State>(rt)) {}

void Once::Do(const std::function<void()>& f) {
  std::shared_ptr<State> keep = s_;
  State& s = *keep;
  if (s.done) return;
  s.m.Lock();
  struct Unlock {
    State& s;
    ~Unlock() {
      s.done = true;
      s.m.Unlock();
    }
  };
  if (!s.done) {
    Unlock unlock{s};
    f();
  } else {
    s.m.Unlock();
  }
}

}  // namespace simsock::net
