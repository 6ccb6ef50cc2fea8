#include "simsock/exec/spin_guard.h"

#include <algorithm>

namespace simsock::exec {

int64_t SpinGuard::BeforeCall(sim::Time now) {
  if (limit_ == 0) return 0;
  if (!counting_ || now != at_) {
    counting_ = true;
    at_ = now;
    calls_ = 0;
    next_ns_ = 0;
  }
  ++calls_;
  const uint32_t threshold =
      next_ns_ == 0 ? limit_ : std::max<uint32_t>(1, limit_ / 10);
  if (calls_ < threshold) return 0;
  yield_calls_ = calls_;
  calls_ = 0;
  const int64_t ns = next_ns_ == 0 ? 1000 : next_ns_;
  next_ns_ = std::min<int64_t>(2 * ns, 1000000);
  return ns;
}

}  // namespace simsock::exec
