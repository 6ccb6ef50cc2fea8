// WaitGroup: see wait_group.h.
#include "simsock/net/runtime/wait_group.h"

#include <algorithm>

#include "simsock/net/runtime/check.h"

namespace simsock::net {

struct WaitGroup::State {
  explicit State(Runtime& r) : rt(&r) {}
  Runtime* rt;
  int count = 0;
  std::deque<internal::Task*> waiters;
};

WaitGroup::WaitGroup(Runtime& rt) : s_(std::make_shared<State>(rt)) {}

int WaitGroup::count() const { return s_->count; }

void WaitGroup::Add(int delta) {
  State& s = *s_;
  s.count += delta;
  SIMSOCK_NET_CHECK(s.count >= 0, "sync: negative WaitGroup counter");
  if (s.count > 0) return;
  std::deque<internal::Task*> waiters;
  waiters.swap(s.waiters);
  for (internal::Task* t : waiters) s.rt->Ready(t);
}

void WaitGroup::Wait() {
  std::shared_ptr<State> keep = s_;
  State& s = *keep;
  internal::Task* self = s.rt->CurrentTask();
  while (s.count > 0) {
    SIMSOCK_NET_CHECK(self != nullptr, "WaitGroup::Wait outside a task");
    s.waiters.push_back(self);
    struct Guard {
      State& s;
      internal::Task* self;
      ~Guard() {
        auto it = std::find(s.waiters.begin(), s.waiters.end(), self);
        if (it != s.waiters.end()) s.waiters.erase(it);
      }
    } guard{s, self};
    s.rt->Park("sync.WaitGroup.Wait", &s);
  }
}

}  // namespace simsock::net
