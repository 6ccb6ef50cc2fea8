/// \file
/// WaitGroup: Go's sync.WaitGroup for the tasks of one Runtime. A handle:
/// copies share one counter. Add(n) / Done() change the counter (negative is
/// a programming error and aborts); Wait() parks until it is zero.
/// Threading: the owning Runtime's thread; Wait() from its tasks.
#pragma once

#include <deque>
#include <memory>

#include "simsock/net/runtime/runtime.h"

namespace simsock::net {

class WaitGroup {
 public:
  explicit WaitGroup(Runtime& rt);

  void Add(int delta);
  void Done() { Add(-1); }
  void Wait();
  int count() const;

 private:
  struct State;
  std::shared_ptr<State> s_;
};

}  // namespace simsock::net
