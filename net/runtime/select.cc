// Select: see select.h. Go's selectgo shrunk to one thread: a readiness
// pass, a seeded uniform choice among the ready cases (Go walks the cases
// in a random order and takes the first ready one: the same distribution),
// else the default case, else park on every channel until one case fires.
#include "simsock/net/runtime/select.h"

#include "simsock/net/runtime/check.h"

namespace simsock::net::internal {

int SelectCases(Runtime& rt, SelectCase* const* cases, size_t n) {
  int default_index = -1;
  uint64_t ready = 0;
  for (size_t i = 0; i < n; ++i) {
    if (cases[i]->IsDefault()) {
      SIMSOCK_NET_CHECK(default_index < 0, "select: multiple defaults");
      default_index = static_cast<int>(i);
    } else if (cases[i]->Ready()) {
      ++ready;
    }
  }
  if (ready > 0) {
    // Draw only when there is a choice: a select with one ready case
    // consumes nothing from the random source.
    uint64_t pick = ready == 1 ? 0 : rt.RandomN(ready);
    for (size_t i = 0; i < n; ++i) {
      if (cases[i]->IsDefault() || !cases[i]->Ready()) continue;
      if (pick-- == 0) {
        cases[i]->RunNow();
        return static_cast<int>(i);
      }
    }
  }
  if (default_index >= 0) {
    cases[default_index]->RunNow();
    return default_index;
  }
  SelectState sel;
  sel.task = rt.CurrentTask();
  SIMSOCK_NET_CHECK(sel.task != nullptr, "blocking select outside a task");
  // Withdraw every waiter on the way out, also when the task is unwound
  // while parked (~Runtime).
  struct Withdraw {
    SelectCase* const* cases;
    size_t n;
    ~Withdraw() {
      for (size_t i = 0; i < n; ++i) cases[i]->Dequeue();
    }
  };
  {
    Withdraw withdraw{cases, n};
    for (size_t i = 0; i < n; ++i) {
      cases[i]->Enqueue(&sel, static_cast<int>(i));
    }
    while (sel.fired < 0)
      rt.Park(n == 0 ? "select (no cases)" : "select", &sel);
  }
  cases[sel.fired]->RunWoken();
  return sel.fired;
}

}  // namespace simsock::net::internal
