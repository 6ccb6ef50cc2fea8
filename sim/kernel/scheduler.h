/// \file
/// Scheduler: the simulated threads of one world. A simulated thread is a
/// stackful fiber (fiber/fiber.h) belonging to a simulated process; all of
/// them run on the one OS thread of the world, one at a time. A thread runs
/// until it finishes or parks in a blocking syscall; a parked thread becomes
/// runnable when the object it waits on wakes it or its timeout fires.
//
// Order: runnable threads are picked FIFO by default; the random policy
// picks among them with the world's "sched" stream, so one seed gives one
// interleaving and other seeds explore others.
//
// Invariants: at most one thread runs at a time; a thread is in the run
// queue exactly when it is runnable; finished threads are reaped after they
// return to the scheduler.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "simsock/fiber/fiber.h"
#include "simsock/sim/base/event_queue.h"
#include "simsock/sim/base/time.h"

namespace simsock::sim {

class Process;
class World;

/// One simulated thread: a fiber of a simulated process, run by the Scheduler.
/// Made by Scheduler::Spawn (Process::Spawn); owned by the scheduler until it
/// finishes.
class SimThread {
 public:
  /// Where the thread is in its life.
  enum class State {
    kRunnable,  ///< in the run queue
    kRunning,   ///< running now (Scheduler::Current)
    kBlocked,   ///< parked in a blocking call
    kDone       ///< its function returned (or it was killed)
  };

  /// A runnable thread `tid` of `process` that will run fn on its own fiber
  /// stack. Use Scheduler::Spawn.
  SimThread(Process& process, int tid, std::string name,
            std::function<void()> fn);

  /// The process the thread belongs to.
  Process& process() const { return process_; }
  /// The thread id, unique in the world, as traces show it.
  int tid() const { return tid_; }
  /// The name given at Spawn (may be empty).
  const std::string& name() const { return name_; }
  /// The thread's state.
  State state() const { return state_; }
  /// What a blocked thread waits for ("read(fd 4)"), for deadlock reports.
  const std::string& wait_reason() const { return wait_reason_; }
  /// While blocked: since when, and until when at most (kNever: the call
  /// has no timeout of its own), for hang detection (experiment/).
  Time blocked_since() const { return blocked_since_; }
  /// The end of the current wait (kNever: none of its own).
  Time wait_deadline() const { return wait_deadline_; }
  /// The syscall the thread is in (null between calls): its Process keeps
  /// it, to name the call when a fault comes as the call sleeps.
  const char*& syscall_slot() { return syscall_; }

 private:
  friend class Scheduler;
  Process& process_;
  int tid_;
  std::string name_;
  State state_ = State::kRunnable;
  std::string wait_reason_;
  const char* syscall_ = nullptr;
  bool timed_out_ = false;
  Time blocked_since_{0};
  Time wait_deadline_ = kNever;
  EventId timer_;
  fiber::Fiber fiber_;
};

/// The simulated threads of one world and their run queue (see the file
/// comment). Not thread-safe: everything runs on the world's OS thread.
class Scheduler {
 public:
  /// How the next runnable thread is picked.
  enum class Policy {
    kFifo,   ///< in the order they became runnable (the default)
    kRandom  ///< at random, from the world's "sched" stream
  };

  /// The scheduler of `world`, with no threads.
  explicit Scheduler(World& world) : world_(world) {}
  /// Ends every thread still alive (KillAll).
  ~Scheduler();

  /// Makes a runnable thread of `process` running fn; it first runs at the next
  /// RunReady. Allocates the thread and its fiber stack.
  SimThread& Spawn(Process& process, std::string name,
                   std::function<void()> fn);
  /// Sets how the next runnable thread is picked.
  void set_policy(Policy p) { policy_ = p; }
  /// How the next runnable thread is picked.
  Policy policy() const { return policy_; }

  /// Runs runnable threads until none is left. Returns how many slices ran.
  uint64_t RunReady();
  /// A thread is waiting to run.
  bool HasRunnable() const { return !run_queue_.empty(); }

  /// The simulated thread running now, or null (test code, events).
  SimThread* Current() const { return current_; }
  /// Parks the current thread until Wake or `deadline`. Returns false when
  /// the deadline passed first.
  bool Park(std::string reason, Time deadline);
  /// Makes a blocked thread runnable (no effect otherwise).
  void Wake(SimThread& t);

  /// Threads that are blocked, in spawn order.
  std::vector<const SimThread*> Blocked() const;
  /// The live thread with id tid, or null (tgkill's lookup).
  const SimThread* Find(int tid) const;
  /// Threads not yet finished and reaped.
  size_t live_threads() const { return threads_.size(); }
  /// Ends every thread: unfinished fibers are unwound. Called before the
  /// objects they may reference are destroyed.
  void KillAll();
  /// Ends the threads of one process (its host crashed).
  void KillProcess(const Process& process);

 private:
  World& world_;
  Policy policy_ = Policy::kFifo;
  std::map<uint64_t, std::unique_ptr<SimThread>> threads_;  // by spawn order
  std::deque<SimThread*> run_queue_;
  SimThread* current_ = nullptr;
  uint64_t next_id_ = 0;
};

}  // namespace simsock::sim
