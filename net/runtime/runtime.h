/// \file
/// simsock::net::Runtime — goroutine-like tasks on one thread, over one
/// sys::Syscalls backend.
///
/// Model (Go's runtime, shrunk to one P and one M):
///   - Go(fn) makes a task: a stackful fiber (simsock::fiber, on
///     Boost.Context, with pooled stacks and ASan-annotated switches; the
///     same fibers the simulator's threads use, and they nest: a Runtime may
///     run inside a simulated thread). Tasks run FIFO, one at a time, until
///     they finish or park.
///   - A task parks when it would block: on a socket that returned EAGAIN
///     (the netpoller, poll_desc.h), on a channel, Select, WaitGroup, Mutex
///     or Cond, in Sleep.
///   - Timers (Sleep, deadlines) live in a min-heap ordered by
///     (deadline, insertion number), on the backend's clock_gettime_ns.
///   - When no task can run, Run() blocks in the backend's epoll_wait with the
///     timeout of the nearest timer. On Linux that blocks the thread; in the
///     simulator it parks the simulated thread and the world moves on. The
///     runtime has no other backend-specific code: it only calls Syscalls.
///   - A task that makes a raw blocking syscall (a blocking read, nanosleep,
///     a name lookup) blocks the whole runtime until the call returns, as a
///     goroutine in a raw syscall holds its thread. Use the net layer's calls,
///     which are nonblocking underneath, and Runtime::Sleep.
///
/// Determinism: FIFO run queue, timers ordered by (when, seq), fds found by
/// an index carried in the epoll event and closed in registration order; no
/// wall clock. The one random source is Select's choice among several ready
/// cases (RandomN): seeded from RuntimeOptions::seed, or else from the
/// backend clock the first time it is drawn (virtual time in the simulator,
/// so a replayed world draws the same numbers). The same backend behaviour
/// gives the same interleaving.
///
/// Threading: a Runtime and everything made from it (conns, channels, wait
/// groups) belong to the thread that calls Run(). Stop() is for tasks (or
/// code running on that thread). Several Runtimes may coexist in one thread
/// (one per simulated process); nothing here is global or thread_local.
///
/// Lifetime: objects made from a Runtime (conns, listeners, channels) must
/// not be used after it is destroyed. Destroying a Runtime with unfinished
/// tasks unwinds them (Park throws an internal exception; do not swallow it
/// with catch (...) without rethrowing) and closes the fds still open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simsock/net/runtime/time.h"
#include "simsock/net/runtime/timer_heap.h"
#include "simsock/net/sys/syscalls.h"

namespace simsock::net {

namespace internal {
class PollDesc;
struct Task;
}  // namespace internal

/// Options of a Runtime.
struct RuntimeOptions {
  size_t stack_size = 256 * 1024;  ///< per task (no guard page: keep frames
                                   ///< small, no deep recursion in tasks)
  /// Seed of the random source Select draws from when several cases are
  /// ready (Go chooses uniformly at random). Unset: seeded from the backend
  /// clock at the first draw, which in the simulator is virtual time, a
  /// function of the world's seed, so replays choose alike; on Linux it is
  /// the real monotonic clock, so runs differ. Set it for a fixed sequence
  /// on both backends.
  std::optional<uint64_t> seed;
};

/// Why Runtime::Run() returned.
enum class RunStatus {
  kAllDone,   ///< every task finished
  kStopped,   ///< Stop() was called
  kDeadlock,  ///< tasks remain but all wait on channels/wait groups/mutexes/
              ///< conds/selects with no timer and no fd to wake them (Go:
              ///< "all goroutines are asleep"); Runtime::deadlock() names them
};

/// "all tasks done", "stopped", "deadlock: all tasks are asleep".
const char* ToString(RunStatus status);

/// Go's runtime for one thread: tasks (goroutines), their scheduler, timers
/// and the netpoller, over one sys::Syscalls backend. See this file's
/// description for the model; docs/net.md for porting Go code.
class Runtime {
 public:
  /// A runtime over sys, which must outlive it. Makes no syscall until a
  /// task needs the netpoller (then one epoll_create1).
  explicit Runtime(sys::Syscalls& sys, RuntimeOptions options = {});
  /// Unwinds the tasks still parked (their destructors run), closes the fds
  /// the net layer still has open, in the order they were opened, and the
  /// epoll fd. Aborts if called during Run().
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The backend every socket of this runtime uses.
  sys::Syscalls& sys() const { return sys_; }

  /// Starts fn as a new task (Go's `go fn()`). May be called before Run() or
  /// from a task; fn does not run now: the task runs after those already
  /// runnable, once the caller parks or returns. Costs a task (fn moved to
  /// the heap, a stack from the pool, RuntimeOptions::stack_size); an
  /// exception escaping fn aborts the program.
  ///
  /// The lifetime rule: everything fn captures must still be alive when the
  /// task runs, which is after the caller may have returned. Go's closures
  /// keep what they capture alive; a C++ lambda with [&] does not:
  /// \code
  /// // WRONG: listener and greeting die when StartServer returns; the task,
  /// // which runs later, reads dead stack memory.
  /// void StartServer(net::Runtime& rt) {
  ///   net::TCPListener listener = *net::Listen(rt, "tcp", ":8080");
  ///   std::string greeting = "hello\n";
  ///   rt.Go([&] {
  ///     for (;;) {
  ///       auto c = listener.Accept();
  ///       if (!c.ok()) return;
  ///       (void)c->Write(greeting);
  ///     }
  ///   });
  /// }
  /// // WRONG too: every task runs after the loop, and i is dead (or last).
  /// for (int i = 0; i < n; ++i) rt.Go([&] { Work(i); });
  /// \endcode
  /// Right: capture by value. The handles (Conn, TCPConn, TCPListener,
  /// UDPConn, Chan, WaitGroup) are cheap to copy and copies share the socket,
  /// channel or counter; put other shared state in a shared_ptr:
  /// \code
  /// void StartServer(net::Runtime& rt) {
  ///   net::TCPListener listener = *net::Listen(rt, "tcp", ":8080");
  ///   auto greeting = std::make_shared<const std::string>("hello\n");
  ///   rt.Go([listener, greeting]() mutable {  // copies: they live in the task
  ///     for (;;) {
  ///       auto c = listener.Accept();
  ///       if (!c.ok()) return;
  ///       (void)c->Write(*greeting);
  ///     }
  ///   });
  /// }
  /// for (int i = 0; i < n; ++i) rt.Go([i] { Work(i); });
  /// \endcode
  /// Or keep the locals alive until every task using them is done: wait for
  /// them with a WaitGroup in the scope that owns the locals. [&] is fine
  /// only when the locals outlive Run() itself, and [&rt] in every task of
  /// rt. docs/net.md, "The easiest mistake", has the WaitGroup version.
  void Go(std::function<void()> fn);

  /// Runs tasks until all have finished, Stop() is called, or a deadlock is
  /// found. Aborts if called from a task or re-entrantly. May be called
  /// again afterwards (e.g. after kStopped) to continue. While no task can
  /// run it blocks in the backend's epoll_pwait2 until the nearest timer.
  RunStatus Run();

  /// Makes Run() return kStopped once the running task parks or finishes.
  /// Remaining tasks stay parked (and are unwound if the Runtime is
  /// destroyed).
  void Stop();

  /// The backend clock (clock_gettime_ns) as a Time.
  Time Now() const;

  /// Parks the calling task for d (time.Sleep). d <= 0 returns at once.
  /// Aborts outside a task. Costs a timer heap insertion, no syscall.
  void Sleep(Duration d);

  /// Lets the other runnable tasks run first (runtime.Gosched). Aborts
  /// outside a task.
  void Yield();

  /// True when called from one of this runtime's tasks.
  bool InTask() const { return current_ != nullptr; }
  /// Tasks started and not yet finished.
  size_t NumTasks() const { return tasks_.size(); }

  /// The last deadlock Run() found (it returned RunStatus::kDeadlock): one
  /// line per parked task, in task order, naming what it waits on and the
  /// object, as Go's deadlock dump names each goroutine's wait reason:
  /// "task 2 [sync.Mutex.Lock 0x5581c0a0]". Empty if Run() has not found
  /// one (cleared by each Run()).
  const std::vector<std::string>& deadlock() const { return deadlock_; }

  // ---- Internal API, for channels, wait groups and the netpoller --------
  // Public because Chan<T> (a template) and the net layer's NetFD park and
  // wake tasks; user code has no use for them.

  /// Internal: the running task, or null outside a task.
  internal::Task* CurrentTask() const { return current_; }
  /// Internal: parks the current task until Ready(task). Aborts outside a
  /// task. `what` (a string literal: "chan receive", "sync.Mutex.Lock") and
  /// `object` (the channel, mutex...) name the wait in deadlock().
  void Park(const char* what = "park", const void* object = nullptr);
  /// Internal: a number drawn uniformly from [0, n) from the seeded random
  /// source (RuntimeOptions::seed); n > 0 (aborts otherwise). Used by Select.
  uint64_t RandomN(uint64_t n);
  /// Internal: makes a parked task runnable (no-op if it is not parked).
  void Ready(internal::Task* task);
  /// Internal: arms t to run t->fire at t->when (deadlines, Sleep).
  void StartTimer(internal::Timer* t);
  /// Internal: disarms t (no-op if idle).
  void StopTimer(internal::Timer* t);
  /// Internal: registers pd's fd with the epoll instance (EPOLLIN, EPOLLOUT,
  /// EPOLLRDHUP, EPOLLET, as Go). Returns 0 or -errno.
  int Register(internal::PollDesc* pd);
  /// Internal: removes pd's fd from epoll (before the fd is closed).
  void Unregister(internal::PollDesc* pd);
  /// Internal: counts tasks parked on fds (they can be woken from outside).
  void AddFdWaiter(int delta) { fd_waiters_ += delta; }

 private:
  struct TaskCancelled {};

  void SwitchTo(internal::Task* t);
  void SwitchToScheduler(internal::Task* t);
  void TaskMain(internal::Task* t);
  void PollOnce(bool block);
  void FireTimers();
  void RecordDeadlock();
  int EnsureEpoll();
  // The registered PollDesc an epoll event's token names, or null.
  internal::PollDesc* FindPollDesc(uint64_t token) const;

  sys::Syscalls& sys_;
  RuntimeOptions options_;
  std::map<uint64_t, std::unique_ptr<internal::Task>> tasks_;
  std::deque<internal::Task*> runq_;
  internal::Task* current_ = nullptr;
  uint64_t next_task_id_ = 1;
  bool running_ = false;
  bool stop_ = false;
  bool cancelling_ = false;

  internal::TimerHeap timers_;
  // splitmix64 state (Select's random choice); seeded at the first draw.
  std::optional<uint64_t> rand_state_;
  std::vector<std::string> deadlock_;

  int epfd_ = -1;
  // The registered PollDescs. An epoll event's data is the PollDesc's token:
  // its slot here (low 32 bits) and the slot's generation (high 32 bits),
  // so an event finds its PollDesc by index, and one for a slot reused
  // since is ignored. Free slots are reused last-freed first.
  struct PollSlot {
    internal::PollDesc* pd = nullptr;
    uint32_t gen = 0;
  };
  std::vector<PollSlot> poll_slots_;
  std::vector<uint32_t> free_poll_slots_;
  size_t num_pds_ = 0;
  uint64_t next_pd_id_ = 1;  // registration numbers: the order ~Runtime
                             // closes the fds left
  int fd_waiters_ = 0;
};

/// The runtime's clock (Go's time.Now()): rt.Now().
inline Time Now(const Runtime& rt) { return rt.Now(); }

}  // namespace simsock::net
