/// \file
/// The simulator's side of one managed program's threads (docs/exec.md,
/// "Threads"): what its proxies share (the region, the child's hooks, the
/// futex table, the virtual tids), and the clone, futex and thread-exit
/// requests. Each managed thread has its own slot and its own proxy, a
/// simulated thread of the program's sim::Process named "<program>/t<k>".
///
/// One party runs at a time: a proxy's reply releases exactly one real
/// thread (the one whose slot it answers), and the proxy then waits on
/// that slot's futex with the world's OS thread until the thread's next
/// request; no other proxy runs meanwhile, so no other thread of the
/// program can be released. A new thread runs shim code only (its
/// THREAD_START) until its own proxy answers it, and a thread that exits
/// is waited for (its exit word) before its proxy lets the world go on.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "simsock/exec/futex_table.h"
#include "simsock/exec/protocol.h"
#include "simsock/exec/proxy.h"
#include "simsock/exec/spin_guard.h"

namespace simsock::exec {

/// One managed program's threads, shared by its proxies.
class ProgramThreads : public std::enable_shared_from_this<ProgramThreads> {
 public:
  /// The program of `region`, served on `process` through `calls`; `name`
  /// names its proxies' simulated threads; `keep` is held until the last
  /// proxy ends (the region's and the child's owner).
  ProgramThreads(simsock_exec_region& region, sim::Process& process,
                 sys::Syscalls& calls, ProxyHooks hooks, ProxyLimits limits,
                 std::string name, std::shared_ptr<void> keep);

  /// The shared region.
  simsock_exec_region& region() const { return region_; }
  /// The program's simulated process.
  sim::Process& process() const { return process_; }
  /// The syscalls the proxies call (possibly tapped).
  sys::Syscalls& calls() const { return calls_; }
  /// Bounds of a proxy's wait for a request.
  const ProxyLimits& limits() const { return limits_; }
  /// The hooks' ended() (the program is gone, reaped).
  std::optional<std::string> Ended() const { return hooks_.ended(); }
  /// The program ended (exit_group) or failed: every proxy stops, silently.
  bool over() const { return over_; }
  /// Reports a failure once (hooks.fail) and ends the program.
  void Fail(const std::string& why);
  /// Reports the exit once (hooks.exited).
  void Exited(int status);

  /// The virtual tid of the thread on `slot` (slot 0: the virtual pid).
  int32_t tid(int slot) const { return tids_[slot]; }
  /// The spin-loop rule for the program's forwarded calls (all threads).
  SpinGuard& spin() { return spin_; }
  /// "pid 2 exec" or "pid 2 exec t200001": a trace line's subject.
  std::string Who(int slot) const;

  /// A request only the thread machinery answers (clone3 of a thread,
  /// futex), run for the thread on `slot`: its reply, or nullopt when
  /// the request is not one of those (the dispatcher's), or when the
  /// program failed meanwhile (over()).
  std::optional<int64_t> Handle(int slot, simsock_exec_slot& s);
  /// SIMSOCK_MSG_THREAD_EXIT on `slot`: waits for the real thread to be
  /// gone, wakes its clear_child_tid futex, frees the slot.
  void ThreadExit(int slot, uint64_t clear_child_tid);

  /// The futexes (tests).
  FutexTable& futexes() { return futexes_; }

 private:
  int64_t Clone(int slot, const simsock_exec_slot& s);
  void EndParkedThreads();
  int64_t Futex(int slot, simsock_exec_slot& s);

  simsock_exec_region& region_;
  sim::Process& process_;
  sys::Syscalls& calls_;
  ProxyHooks hooks_;
  ProxyLimits limits_;
  std::string name_;
  std::shared_ptr<void> keep_;
  FutexTable futexes_;
  SpinGuard spin_;
  bool over_ = false;
  int threads_made_ = 0;
  std::array<int32_t, SIMSOCK_EXEC_MAX_THREADS> tids_{};
};

/// Serves `slot` of the program until its thread exits, the program ends
/// or fails (the proxy loop; RunProxy is this for slot 0 of a program
/// with no threads yet).
void ServeSlot(const std::shared_ptr<ProgramThreads>& program, int slot);

}  // namespace simsock::exec
