// A managed program's threads (program_threads.h): clone, futex and
// thread exit on the simulator's side.
#include "simsock/exec/program_threads.h"

#include <linux/futex.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/scheduler.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::exec {

namespace {

// A thread's virtual tid: the n-th thread the program made (n >= 1), in
// a range of its own per virtual pid, so that no two programs' threads
// and no process of the host share a number (tids and pids share one
// space on Linux, increasing as here).
constexpr int32_t kTidsPerPid = 100000;

// The longest a proxy waits for an exiting thread to be off its stack
// (the kernel clears the exit word in mm_release, at once in practice).
constexpr std::chrono::seconds kExitWait{10};

}  // namespace

ProgramThreads::ProgramThreads(simsock_exec_region& region,
                               sim::Process& process, sys::Syscalls& calls,
                               ProxyHooks hooks, ProxyLimits limits,
                               std::string name, std::shared_ptr<void> keep)
    : region_(region),
      process_(process),
      calls_(calls),
      hooks_(std::move(hooks)),
      limits_(limits),
      name_(std::move(name)),
      keep_(std::move(keep)),
      spin_(region.spin_reads) {
  tids_[0] = region.virtual_pid;
}

void ProgramThreads::Fail(const std::string& why) {
  if (over_) return;
  over_ = true;
  hooks_.fail(why);
  EndParkedThreads();
}

void ProgramThreads::Exited(int status) {
  if (over_) return;
  over_ = true;
  hooks_.exited(status);
  EndParkedThreads();
}

void ProgramThreads::EndParkedThreads() {
  // The program is gone: its timers stop (exit_itimers).
  process_.ReleaseSignals();
  // Their futex waits return; each proxy then sees over() and ends
  // without a reply. (A proxy parked in another call, an accept say,
  // stays parked until the world ends: its thread is gone with the
  // program, so nothing answers it.)
  futexes_.WakeAll(process_.host().world().scheduler());
}

std::string ProgramThreads::Who(int slot) const {
  std::string who = "pid " + std::to_string(process_.pid()) + " exec";
  if (slot != 0) who += " t" + std::to_string(tids_[slot]);
  return who;
}

std::optional<int64_t> ProgramThreads::Handle(int slot, simsock_exec_slot& s) {
  if (s.nr == SYS_clone3) return Clone(slot, s);
  if (s.nr == SYS_futex) {
    const int64_t r = Futex(slot, s);
    if (over_) return std::nullopt;
    return r;
  }
  return std::nullopt;
}

int64_t ProgramThreads::Clone(int slot, const simsock_exec_slot& s) {
  const int64_t child = s.args[0];
  if (child <= 0 || child >= SIMSOCK_EXEC_MAX_THREADS || child == slot ||
      tids_[child] != 0) {
    Fail("clone3: the shim named slot " + std::to_string(child) +
         ", which is not free");
    return -EINVAL;
  }
  const int k = static_cast<int>(child);
  tids_[k] = region_.virtual_pid * kTidsPerPid + ++threads_made_;
  process_.host().TraceLine(Who(slot) + ": clone3 thread -> " +
                            std::to_string(tids_[k]));
  std::shared_ptr<ProgramThreads> self = shared_from_this();
  process_.Spawn([self, k] { ServeSlot(self, k); },
                 name_ + "/t" + std::to_string(k));
  return tids_[k];
}

int64_t ProgramThreads::Futex(int slot, simsock_exec_slot& s) {
  const auto addr = static_cast<uint64_t>(s.args[0]);
  const int op = static_cast<int>(s.args[1]);
  const int cmd = op & FUTEX_CMD_MASK;
  const auto bitset = static_cast<uint32_t>(s.args[5]);
  sim::World& world = process_.host().world();
  sim::Scheduler& sched = world.scheduler();
  if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET) {
    const int count = static_cast<int>(s.args[2]);
    const int woken = futexes_.Wake(sched, addr, bitset, count);
    if (woken > 0) {
      process_.host().TraceLine(Who(slot) + ": futex_wake -> " +
                                std::to_string(woken));
    }
    return woken;
  }
  if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET) {
    Fail("futex op " + std::to_string(op) + " is not simulated");
    return -ENOSYS;
  }
  sim::Time deadline = sim::kNever;
  if (s.args[3] != SIMSOCK_EXEC_NULL) {
    const int64_t off = s.args[3];
    if ((s.ptr_mask & (1u << 3)) == 0 || off < 0 ||
        static_cast<uint64_t>(off) + sizeof(timespec) > s.data_len) {
      Fail("futex: a timeout the shim did not marshal");
      return -EFAULT;
    }
    timespec ts;
    std::memcpy(&ts, s.data + off, sizeof ts);
    const sim::Duration d = sim::TimeoutDuration(ts.tv_sec, ts.tv_nsec);
    if (cmd == FUTEX_WAIT) {
      // A relative timeout (futex_wait's hrtimer from now).
      deadline = sim::DeadlineAfter(world.Now(), d);
    } else {
      // WAIT_BITSET: absolute, on CLOCK_MONOTONIC or, with
      // FUTEX_CLOCK_REALTIME, on CLOCK_REALTIME.
      int64_t abs = d.count();
      if (op & FUTEX_CLOCK_REALTIME) abs -= region_.realtime_offset_ns;
      deadline = sim::Time(std::max<int64_t>(abs, world.Now().count()));
      if (d == sim::Duration::max()) deadline = sim::kNever;
    }
  }
  const int r = futexes_.Wait(sched, addr, bitset, deadline, "futex_wait");
  process_.host().TraceLine(Who(slot) + ": futex_wait -> " +
                            (r == 0 ? std::string("0") : "-ETIMEDOUT"));
  return r;
}

void ProgramThreads::ThreadExit(int slot, uint64_t clear_child_tid) {
  uint32_t& word = region_.threads[slot].exit_word;
  std::atomic_ref<uint32_t> exit_word(word);
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const uint32_t w = exit_word.load(std::memory_order_acquire);
    if (w == 0) break;
    if (std::chrono::steady_clock::now() - start > kExitWait) {
      Fail("thread " + std::to_string(tids_[slot]) +
           " did not end after its exit (exit word still set)");
      return;
    }
    // Shared: the kernel's wake at the thread's exit (mm_release) is a
    // shared futex wake on the region's page.
    timespec ts{0, 20 * 1000000};
    ::syscall(SYS_futex, &word, FUTEX_WAIT, w, &ts, nullptr, 0);
  }
  process_.host().TraceLine(Who(slot) + ": thread exit");
  if (clear_child_tid != 0) {
    // pthread_join waits on the thread's tid word, which the shim zeroed.
    futexes_.Wake(process_.host().world().scheduler(), clear_child_tid,
                  FUTEX_BITSET_MATCH_ANY, INT_MAX);
  }
  tids_[slot] = 0;
  std::atomic_ref<uint32_t>(region_.slots[slot].state)
      .store(SIMSOCK_SLOT_FREE, std::memory_order_release);
}

}  // namespace simsock::exec
