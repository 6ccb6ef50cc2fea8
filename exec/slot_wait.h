/// \file
/// The simulator's side of one slot's hand-over (exec/protocol.h, "Waking
/// only a sleeper"): wait for a request, spinning first when the region
/// allows it, and post a reply, waking the shim only if it sleeps. The
/// proxy (proxy.cc) and the shim's test responder use it; the shim's side
/// is exec/shim/channel.c.
#pragma once

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

#include "simsock/exec/protocol.h"

namespace simsock::exec {

/// Polls of the state word a party makes before it sleeps on the futex,
/// for this machine: SIMSOCK_EXEC_SPIN_POLLS when the calling thread may
/// run on two CPUs or more, else 0 (on one CPU a spin only delays the party
/// it waits for).
inline uint32_t SpinPollsForThisMachine() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set) >= 2 ? SIMSOCK_EXEC_SPIN_POLLS : 0;
}

/// The least polls of an adaptive spin: a probe cheap enough to keep
/// making when the budget has fallen to nothing.
inline constexpr uint32_t kMinSpinPolls = 16;

/// Polls `state` until it holds `want` (true) within `budget` polls,
/// at least kMinSpinPolls and at most `max` (0: no polling), then adapts
/// the budget (protocol.h, sim_spin_budget): doubled after a success,
/// halved after a failure. exec/shim/channel.c's poll_for is the shim's
/// copy of this rule.
inline bool PollFor(const uint32_t& word, uint32_t want, uint32_t max,
                    uint32_t& budget) {
  if (max == 0) return false;
  const uint32_t limit = std::clamp(budget, std::min(kMinSpinPolls, max), max);
  std::atomic_ref<const uint32_t> state(word);
  for (uint32_t i = 0; i < limit; ++i) {
    if (state.load(std::memory_order_acquire) == want) {
      budget = std::min(max, 2 * limit);
      return true;
    }
    __builtin_ia32_pause();
  }
  budget = limit / 2;
  return false;
}

/// Waits until `slot` holds a request (true) or `timeout` passes (false,
/// also on a spurious wake-up: the caller checks liveness and waits again).
/// Polls first (PollFor, up to region.spin_polls); then announces its
/// sleep in sim_sleeping, so that the shim wakes it (a Dekker pair with the
/// shim's store of the request, both sequentially consistent).
inline bool WaitForRequest(const simsock_exec_region& region,
                           simsock_exec_slot& slot,
                           std::chrono::milliseconds timeout) {
  if (PollFor(slot.state, SIMSOCK_SLOT_REQUEST, region.spin_polls,
              slot.sim_spin_budget)) {
    return true;
  }
  std::atomic_ref<uint32_t> state(slot.state);
  std::atomic_ref<uint32_t> sleeping(slot.sim_sleeping);
  sleeping.store(1, std::memory_order_seq_cst);
  const uint32_t s = state.load(std::memory_order_seq_cst);
  if (s != SIMSOCK_SLOT_REQUEST) {
    timespec ts{static_cast<time_t>(timeout.count() / 1000),
                static_cast<long>((timeout.count() % 1000) * 1000000)};
    // Shared, not FUTEX_PRIVATE: the word lives in a mapping two processes
    // share.
    ::syscall(SYS_futex, &slot.state, FUTEX_WAIT, s, &ts, nullptr, 0);
  }
  sleeping.store(0, std::memory_order_relaxed);
  return state.load(std::memory_order_acquire) == SIMSOCK_SLOT_REQUEST;
}

/// Publishes the reply in `slot` (ret and the outputs already written) and
/// wakes the shim's thread if it announced its sleep (shim_sleeping).
inline void PostReply(simsock_exec_slot& slot) {
  std::atomic_ref<uint32_t>(slot.state)
      .store(SIMSOCK_SLOT_REPLY, std::memory_order_seq_cst);
  if (std::atomic_ref<uint32_t>(slot.shim_sleeping)
          .load(std::memory_order_seq_cst) != 0) {
    ::syscall(SYS_futex, &slot.state, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  }
}

}  // namespace simsock::exec
