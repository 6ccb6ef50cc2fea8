/// \file
/// The proxy of `simsock exec`: one simulated thread per managed thread,
/// which waits for its slot's requests (exec/protocol.h), runs them on the
/// simulated kernel (dispatch.h) and replies. While the program computes,
/// the proxy waits on the slot's futex and the world waits with it: one
/// party runs at a time, so no virtual time passes while a program
/// computes. A call that blocks parks the proxy's simulated thread exactly
/// as it parks a C++ program's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "simsock/exec/protocol.h"

namespace simsock::sys {
class Syscalls;
}
namespace simsock::sim {
class Process;
}

namespace simsock::exec {

/// What the proxy tells its owner.
struct ProxyHooks {
  /// How the program ended if it is gone (reaped), or nullopt while it
  /// runs: polled while a request is awaited.
  std::function<std::optional<std::string>()> ended;
  /// The program cannot go on: a SIMSOCK_MSG_FAIL (the shim's message), a
  /// call that cannot be emulated, a death without SIMSOCK_MSG_EXIT (with
  /// its signal), a busy loop. The owner reports it (the experiment
  /// violation "exec") and kills the program.
  std::function<void(const std::string& why)> fail;
  /// The program ended with SIMSOCK_MSG_EXIT (its exit status).
  std::function<void(int status)> exited;
};

/// Bounds of the proxy's wait for a request.
struct ProxyLimits {
  /// One futex wait, after which the program's liveness is checked.
  std::chrono::milliseconds poll{20};
  /// Wall time a program may compute without a call before the run says
  /// "busy loop" (it may be spinning on a time read that never moves).
  std::chrono::milliseconds busy{30000};
};

/// Serves slot `slot` of `region` for `process` until the program exits
/// or fails: the first request must be SIMSOCK_MSG_HELLO, then syscalls,
/// each answered with region.monotonic_ns updated. Runs in a simulated
/// thread of `process` (Process::Spawn); `calls` is the process's tapped
/// syscalls (RunContext::Tap). The program's threads get proxies of their
/// own (program_threads.h), simulated threads named `name` + "/t<k>";
/// `keep` (the owner of the region and of the child) lives until the last
/// of them ends. The hooks are called at most once, by whichever proxy
/// sees the end.
void RunProxy(simsock_exec_region& region, int slot, sim::Process& process,
              sys::Syscalls& calls, const ProxyHooks& hooks,
              const ProxyLimits& limits = {}, std::shared_ptr<void> keep = {},
              const std::string& name = "exec");

}  // namespace simsock::exec
