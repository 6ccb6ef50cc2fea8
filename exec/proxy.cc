// The proxy (proxy.h): futex waits on the slot, dispatch, reply.
#include "simsock/exec/proxy.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "simsock/exec/dispatch.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"

namespace simsock::exec {

namespace {

std::atomic_ref<uint32_t> State(simsock_exec_slot& s) {
  return std::atomic_ref<uint32_t>(s.state);
}

// A shared (not FUTEX_PRIVATE) wait: the word lives in a mapping two
// processes share.
void FutexWait(uint32_t* word, uint32_t expected,
               std::chrono::milliseconds timeout) {
  timespec ts{static_cast<time_t>(timeout.count() / 1000),
              static_cast<long>((timeout.count() % 1000) * 1000000)};
  ::syscall(SYS_futex, word, FUTEX_WAIT, expected, &ts, nullptr, 0);
}
void FutexWake(uint32_t* word) {
  ::syscall(SYS_futex, word, FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

// Waits until the slot holds a request; false (with *why) when the
// program ended or computed past the busy bound first.
bool AwaitRequest(simsock_exec_slot& slot, const ProxyHooks& hooks,
                  const ProxyLimits& limits, std::string* why) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const uint32_t s = State(slot).load(std::memory_order_acquire);
    if (s == SIMSOCK_SLOT_REQUEST) return true;
    FutexWait(&slot.state, s, limits.poll);
    if (State(slot).load(std::memory_order_acquire) == SIMSOCK_SLOT_REQUEST) {
      return true;
    }
    if (std::optional<std::string> ended = hooks.ended()) {
      *why = "the program " + *ended + " without exit (no SIMSOCK_MSG_EXIT)";
      return false;
    }
    if (std::chrono::steady_clock::now() - start > limits.busy) {
      *why = "busy loop: no call for " + std::to_string(limits.busy.count()) +
             " ms of wall time (no virtual time passes while a program "
             "computes: docs/exec.md)";
      return false;
    }
  }
}

void Reply(simsock_exec_region& region, simsock_exec_slot& slot,
           sim::Process& process, int64_t ret) {
  slot.ret = ret;
  // The signals the thread takes now: the shim raises them (protocol.h).
  slot.deliver_mask |= process.TakeSignalsToDeliver();
  std::atomic_ref<int64_t>(region.monotonic_ns)
      .store(process.clock_gettime_ns(), std::memory_order_relaxed);
  State(slot).store(SIMSOCK_SLOT_REPLY, std::memory_order_release);
  FutexWake(&slot.state);
}

// The FAIL message in data, NUL-terminated within the area.
std::string FailMessage(const simsock_exec_slot& slot) {
  const size_t n = std::min<size_t>(slot.data_len, SIMSOCK_EXEC_DATA_BYTES);
  const auto* p = reinterpret_cast<const char*>(slot.data);
  return std::string(p, strnlen(p, n));
}

const char* FailReason(int64_t r) {
  switch (r) {
    case SIMSOCK_FAIL_UNSUPPORTED_SYSCALL:
      return "unsupported syscall";
    case SIMSOCK_FAIL_TOO_MANY_THREADS:
      return "too many threads";
    case SIMSOCK_FAIL_SECCOMP:
      return "seccomp filter";
    case SIMSOCK_FAIL_VDSO:
      return "vDSO patch";
    default:
      return "failure";
  }
}

}  // namespace

void RunProxy(simsock_exec_region& region, int slot_index,
              sim::Process& process, sys::Syscalls& calls,
              const ProxyHooks& hooks, const ProxyLimits& limits) {
  simsock_exec_slot& slot = region.slots[slot_index];
  const std::string who = "pid " + std::to_string(process.pid()) + " exec";
  bool attached = false;
  for (;;) {
    std::string why;
    if (!AwaitRequest(slot, hooks, limits, &why)) {
      hooks.fail(attached ? why
                          : why +
                                ", before the shim attached (is the shim "
                                "at SIMSOCK_SHIM loadable?)");
      return;
    }
    switch (slot.kind) {
      case SIMSOCK_MSG_HELLO:
        attached = true;
        process.host().TraceLine(who + ": attached");
        Reply(region, slot, process, 0);
        break;
      case SIMSOCK_MSG_EXIT:
        process.host().TraceLine(who + ": exit_group(" +
                                 std::to_string(slot.args[0]) + ")");
        hooks.exited(static_cast<int>(slot.args[0]));
        return;
      case SIMSOCK_MSG_FAIL:
        hooks.fail(std::string("shim: ") + FailReason(slot.args[0]) + ": " +
                   FailMessage(slot));
        return;
      case SIMSOCK_MSG_SYSCALL: {
        if (!attached) {
          hooks.fail("a syscall before SIMSOCK_MSG_HELLO");
          return;
        }
        DispatchResult r = Dispatch(slot, process, calls);
        if (!r.fail.empty()) {
          // One trace line, so that the trace shows where it stopped.
          process.host().TraceLine(who + ": cannot emulate " + r.fail);
          hooks.fail(r.fail);
          return;
        }
        Reply(region, slot, process, r.ret);
        break;
      }
      default:
        hooks.fail("unknown message kind " + std::to_string(slot.kind));
        return;
    }
  }
}

}  // namespace simsock::exec
