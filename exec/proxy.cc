// The proxy (proxy.h): futex waits on the slot, dispatch, reply.
#include "simsock/exec/proxy.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "simsock/exec/dispatch.h"
#include "simsock/exec/program_threads.h"
#include "simsock/exec/slot_wait.h"
#include "simsock/net/sys/syscalls.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::exec {

namespace {

// Waits until the slot holds a request; false (with *why) when the
// program ended or computed past the busy bound first, or (why empty)
// when another thread ended or failed the program meanwhile.
bool AwaitRequest(simsock_exec_slot& slot, const ProgramThreads& program,
                  std::string* why) {
  const ProxyLimits& limits = program.limits();
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (program.over()) return false;
    if (WaitForRequest(program.region(), slot, limits.poll)) return true;
    if (std::optional<std::string> ended = program.Ended()) {
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
  PostReply(slot);
}

// A spin loop's yield (SIMSOCK_MSG_SPIN_YIELD, SpinGuard): `ns` of
// virtual time pass while the proxy sleeps, as a call that blocks would;
// one trace line, "<what>, <ns> ns pass".
void LetTimePass(sim::Process& process, int64_t ns, const std::string& what) {
  ns = std::max<int64_t>(ns, 1);
  process.host().TraceLine(what + ", " + std::to_string(ns) + " ns pass");
  sim::World& world = process.host().world();
  world.scheduler().Park("spin",
                         sim::DeadlineAfter(world.Now(), sim::Duration(ns)));
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

void ServeSlot(const std::shared_ptr<ProgramThreads>& program, int slot_index) {
  simsock_exec_region& region = program->region();
  sim::Process& process = program->process();
  simsock_exec_slot& slot = region.slots[slot_index];
  // Slot 0 begins with HELLO, a new thread's slot with THREAD_START.
  bool attached = false;
  for (;;) {
    std::string why;
    if (!AwaitRequest(slot, *program, &why)) {
      if (program->over()) return;
      program->Fail(attached || slot_index != 0
                        ? why
                        : why +
                              ", before the shim attached (is the shim "
                              "at SIMSOCK_SHIM loadable?)");
      return;
    }
    const std::string who = program->Who(slot_index);
    switch (slot.kind) {
      case SIMSOCK_MSG_HELLO:
        if (slot_index != 0 || attached) {
          program->Fail("HELLO on a thread's slot");
          return;
        }
        attached = true;
        process.host().TraceLine(who + ": attached");
        Reply(region, slot, process, 0);
        break;
      case SIMSOCK_MSG_THREAD_START:
        if (slot_index == 0 || attached) {
          program->Fail("THREAD_START on a slot already started");
          return;
        }
        attached = true;
        process.host().TraceLine(who + ": thread start");
        Reply(region, slot, process, program->tid(slot_index));
        break;
      case SIMSOCK_MSG_THREAD_EXIT:
        program->ThreadExit(slot_index, static_cast<uint64_t>(slot.args[0]));
        return;
      case SIMSOCK_MSG_EXIT:
        process.host().TraceLine(who + ": exit_group(" +
                                 std::to_string(slot.args[0]) + ")");
        program->Exited(static_cast<int>(slot.args[0]));
        return;
      case SIMSOCK_MSG_SPIN_YIELD:
        // protocol.h: the program waits for the clock to move.
        LetTimePass(process, slot.args[0],
                    who + ": spin: " + std::to_string(slot.args[1]) +
                        " clock reads without a call");
        Reply(region, slot, process, 0);
        break;
      case SIMSOCK_MSG_FAIL:
        program->Fail(std::string("shim: ") + FailReason(slot.args[0]) + ": " +
                      FailMessage(slot));
        return;
      case SIMSOCK_MSG_SYSCALL: {
        if (!attached) {
          program->Fail("a syscall before SIMSOCK_MSG_HELLO");
          return;
        }
        // A run of calls at one instant is a spin loop (spin_guard.h): the
        // call runs first and the time passes after it, before the reply,
        // never between the shim's checks and the call (a futex wait's
        // value check must meet its parking with nothing run in between).
        sim::World& world = process.host().world();
        const sim::Time start = world.Now();
        const int64_t spin_ns = program->spin().BeforeCall(start);
        auto reply = [&](int64_t ret) {
          if (spin_ns > 0 && world.Now() == start) {
            LetTimePass(process, spin_ns,
                        who + ": spin: " +
                            std::to_string(program->spin().yield_calls()) +
                            " calls at one instant");
            program->spin().Yielded(world.Now());
          }
          if (!program->over()) Reply(region, slot, process, ret);
        };
        if (std::optional<int64_t> ret = program->Handle(slot_index, slot)) {
          reply(*ret);
          break;
        }
        if (program->over()) return;
        DispatchResult r = Dispatch(slot, process, program->calls());
        if (program->over()) return;
        if (!r.fail.empty()) {
          // One trace line, so that the trace shows where it stopped.
          process.host().TraceLine(who + ": cannot emulate " + r.fail);
          program->Fail(r.fail);
          return;
        }
        reply(r.ret);
        break;
      }
      default:
        program->Fail("unknown message kind " + std::to_string(slot.kind));
        return;
    }
  }
}

void RunProxy(simsock_exec_region& region, int slot_index,
              sim::Process& process, sys::Syscalls& calls,
              const ProxyHooks& hooks, const ProxyLimits& limits,
              std::shared_ptr<void> keep, const std::string& name) {
  ServeSlot(std::make_shared<ProgramThreads>(region, process, calls, hooks,
                                             limits, name, std::move(keep)),
            slot_index);
}

}  // namespace simsock::exec
