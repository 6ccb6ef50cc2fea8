// Runtime: see runtime.h. The scheduler loop, task fibers with ASan
// annotations on every stack switch, timers and the epoll idle seam.
#include "simsock/net/runtime/runtime.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>
#include <vector>

#include "simsock/fiber/fiber.h"
#include "simsock/net/runtime/check.h"
#include "simsock/net/runtime/poll_desc.h"

namespace simsock::net {
namespace internal {

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "simsock net runtime: fatal: %s\n", what);
  std::fflush(stderr);
  std::abort();
}

struct Task {
  enum class State { kRunnable, kRunning, kParked, kDone };
  uint64_t id = 0;
  std::function<void()> fn;
  std::unique_ptr<fiber::Fiber> fiber;  // made when the task first runs
  State state = State::kRunnable;
  const char* wait = "";           // while parked: what it waits on
  const void* wait_obj = nullptr;  // and the object
};

}  // namespace internal

namespace {

using internal::Task;

constexpr int kMaxEvents = 128;

}  // namespace

const char* ToString(RunStatus status) {
  switch (status) {
    case RunStatus::kAllDone:
      return "all tasks done";
    case RunStatus::kStopped:
      return "stopped";
    case RunStatus::kDeadlock:
      return "deadlock: all tasks are asleep";
  }
  return "?";
}

Runtime::Runtime(sys::Syscalls& sys, RuntimeOptions options)
    : sys_(sys), options_(options) {}

Runtime::~Runtime() {
  SIMSOCK_NET_CHECK(!running_, "Runtime destroyed while running");
  // Unwind every started task, oldest first. Resumed once cancelling_ is
  // set, a task's pending switch to the scheduler throws TaskCancelled,
  // which TaskMain catches: one unwind of its stack, and its fiber ends.
  // (Destroying the unfinished fiber would do it too, with the fiber's own
  // exception, which TaskMain can only catch with catch (...) and rethrow:
  // a second unwind, about as dear as the first, for every task of every
  // world torn down or host crashed.) Park() refuses to park again.
  cancelling_ = true;
  runq_.clear();
  while (!tasks_.empty()) {
    auto node = tasks_.extract(tasks_.begin());
    fiber::Fiber* f = node.mapped()->fiber.get();
    if (f != nullptr && !f->finished()) f->Resume();
    node.mapped()->fiber.reset();
  }
  // Close the fds still registered (their owners outlive us).
  // In registration order, as they were opened.
  std::vector<internal::PollDesc*> pds;
  for (const PollSlot& slot : poll_slots_) {
    if (slot.pd != nullptr) pds.push_back(slot.pd);
  }
  std::sort(pds.begin(), pds.end(),
            [](const internal::PollDesc* a, const internal::PollDesc* b) {
              return a->id() < b->id();
            });
  poll_slots_.clear();
  free_poll_slots_.clear();
  num_pds_ = 0;
  for (internal::PollDesc* pd : pds) {
    if (epfd_ >= 0) sys_.epoll_ctl(epfd_, EPOLL_CTL_DEL, pd->fd(), nullptr);
    sys_.close(pd->fd());
    pd->Detach();
  }
  while (!timers_.empty()) {
    // A timer owned by its own state (a time::Timer nobody holds) is freed
    // with it; nothing touches it afterwards.
    std::shared_ptr<void> owner = std::move(timers_.Pop()->keep_alive);
  }
  if (epfd_ >= 0) sys_.close(epfd_);
}

void Runtime::Go(std::function<void()> fn) {
  if (cancelling_) return;  // a task being unwound starts no new work
  auto task = std::make_unique<Task>();
  task->id = next_task_id_++;
  task->fn = std::move(fn);
  Task* t = task.get();
  tasks_.emplace(t->id, std::move(task));
  runq_.push_back(t);
}

void Runtime::Stop() { stop_ = true; }

Time Runtime::Now() const { return Time::FromNanos(sys_.clock_gettime_ns()); }

RunStatus Runtime::Run() {
  SIMSOCK_NET_CHECK(current_ == nullptr, "Run() called from a task");
  SIMSOCK_NET_CHECK(!running_, "Run() called re-entrantly");
  running_ = true;
  // Cleared also when the thread running us is unwound (a simulated thread
  // killed with its world).
  struct RunningReset {
    bool& running;
    ~RunningReset() { running = false; }
  } running_reset{running_};
  stop_ = false;
  deadlock_.clear();
  RunStatus status = RunStatus::kAllDone;
  while (true) {
    if (stop_) {
      status = RunStatus::kStopped;
      break;
    }
    if (tasks_.empty()) {
      status = RunStatus::kAllDone;
      break;
    }
    // One round: the tasks runnable now, in FIFO order. Tasks made runnable
    // during the round run in the next one, after a look at the poller.
    for (size_t n = runq_.size(); n > 0 && !stop_; --n) {
      Task* t = runq_.front();
      runq_.pop_front();
      SwitchTo(t);
    }
    if (stop_ || tasks_.empty()) continue;
    const bool block = runq_.empty();
    if (block && timers_.empty() && fd_waiters_ == 0) {
      status = RunStatus::kDeadlock;
      RecordDeadlock();
      break;
    }
    PollOnce(block);
  }
  return status;
}

void Runtime::SwitchTo(Task* t) {
  current_ = t;
  t->state = Task::State::kRunning;
  if (t->fiber == nullptr) {
    t->fiber = std::make_unique<fiber::Fiber>([this, t] { TaskMain(t); },
                                              options_.stack_size);
  }
  t->fiber->Resume();
  current_ = nullptr;
  if (t->state == Task::State::kDone) tasks_.erase(t->id);
}

void Runtime::TaskMain(Task* t) {
  try {
    t->fn();
  } catch (const TaskCancelled&) {
    // Unwound by ~Runtime.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "simsock net runtime: task %llu threw: %s\n",
                 static_cast<unsigned long long>(t->id), e.what());
    internal::Fatal("uncaught exception in a task");
  } catch (...) {
    // The fiber's own unwinding (its fiber destroyed unfinished while the
    // Runtime is being destroyed): let it end the task.
    if (cancelling_) throw;
    internal::Fatal("uncaught exception in a task");
  }
  // Destroy the captures (they may close conns) while still on this stack.
  t->fn = nullptr;
  t->state = Task::State::kDone;
}

void Runtime::RecordDeadlock() {
  deadlock_.clear();
  for (const auto& [id, t] : tasks_) {
    if (t->state != Task::State::kParked) continue;
    char line[160];
    std::snprintf(line, sizeof line, "task %" PRIu64 " [%s %p]", id, t->wait,
                  t->wait_obj);
    deadlock_.emplace_back(line);
  }
}

uint64_t Runtime::RandomN(uint64_t n) {
  SIMSOCK_NET_CHECK(n > 0, "RandomN(0)");
  if (!rand_state_) {
    rand_state_ = options_.seed
                      ? *options_.seed
                      : static_cast<uint64_t>(sys_.clock_gettime_ns());
  }
  // splitmix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number
  // generators", OOPSLA 2014), then Lemire's multiply-shift to [0, n) (the
  // bias, at most n / 2^64, is far below anything a test can see).
  uint64_t z = (*rand_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(z) * n) >> 64);
}

void Runtime::Park(const char* what, const void* object) {
  Task* t = current_;
  SIMSOCK_NET_CHECK(t != nullptr, "a blocking operation outside a task");
  if (cancelling_) {
    SIMSOCK_NET_CHECK(std::uncaught_exceptions() == 0,
                      "a task blocked while being unwound by ~Runtime");
    throw TaskCancelled{};
  }
  t->state = Task::State::kParked;
  t->wait = what;
  t->wait_obj = object;
  SwitchToScheduler(t);
}

void Runtime::SwitchToScheduler(Task* t) {
  t->fiber->Suspend();  // throws inside the task if the fiber is destroyed
  if (cancelling_) throw TaskCancelled{};
}

void Runtime::Ready(Task* t) {
  if (t->state != Task::State::kParked) return;
  t->state = Task::State::kRunnable;
  runq_.push_back(t);
}

void Runtime::Yield() {
  Task* t = current_;
  SIMSOCK_NET_CHECK(t != nullptr, "Yield() outside a task");
  SIMSOCK_NET_CHECK(!cancelling_, "Yield() while being unwound by ~Runtime");
  t->state = Task::State::kRunnable;
  runq_.push_back(t);
  SwitchToScheduler(t);
}

void Runtime::Sleep(Duration d) {
  SIMSOCK_NET_CHECK(current_ != nullptr, "Sleep() outside a task");
  if (d.count() <= 0) return;
  bool fired = false;
  Task* t = current_;
  internal::Timer timer;
  timer.when = Now().Add(d).Nanos();
  timer.fire = [this, t, &fired] {
    fired = true;
    Ready(t);
  };
  struct Guard {
    Runtime& rt;
    internal::Timer& timer;
    ~Guard() { rt.StopTimer(&timer); }
  } guard{*this, timer};
  StartTimer(&timer);
  while (!fired) Park("sleep", &timer);
}

void Runtime::StartTimer(internal::Timer* t) {
  timers_.Remove(t);
  timers_.Push(t);
}

void Runtime::StopTimer(internal::Timer* t) { timers_.Remove(t); }

void Runtime::FireTimers() {
  if (timers_.empty()) return;
  const int64_t now = sys_.clock_gettime_ns();
  while (!timers_.empty() && timers_.top()->when <= now) {
    internal::Timer* t = timers_.Pop();
    // Hold the timer's owner while it fires: fire may drop the last other
    // reference (a Stop from inside, an AfterFunc that is done).
    std::shared_ptr<void> owner = std::move(t->keep_alive);
    t->fire();
  }
}

int Runtime::EnsureEpoll() {
  if (epfd_ >= 0) return 0;
  int fd = sys_.epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return fd;
  epfd_ = fd;
  return 0;
}

int Runtime::Register(internal::PollDesc* pd) {
  if (int r = EnsureEpoll(); r < 0) return r;
  uint32_t slot;
  if (free_poll_slots_.empty()) {
    slot = static_cast<uint32_t>(poll_slots_.size());
    poll_slots_.emplace_back();
  } else {
    slot = free_poll_slots_.back();
    free_poll_slots_.pop_back();
  }
  PollSlot& s = poll_slots_[slot];
  const uint64_t token = (uint64_t{++s.gen} << 32) | slot;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = token;
  int r = sys_.epoll_ctl(epfd_, EPOLL_CTL_ADD, pd->fd(), &ev);
  if (r < 0) {
    free_poll_slots_.push_back(slot);
    return r;
  }
  s.pd = pd;
  ++num_pds_;
  pd->set_registration(next_pd_id_++, token);
  return 0;
}

internal::PollDesc* Runtime::FindPollDesc(uint64_t token) const {
  const uint64_t slot = token & 0xffffffffu;
  if (slot >= poll_slots_.size()) return nullptr;
  const PollSlot& s = poll_slots_[slot];
  return s.gen == (token >> 32) ? s.pd : nullptr;
}

void Runtime::Unregister(internal::PollDesc* pd) {
  if (FindPollDesc(pd->token()) != pd) return;
  const auto slot = static_cast<uint32_t>(pd->token() & 0xffffffffu);
  poll_slots_[slot].pd = nullptr;
  free_poll_slots_.push_back(slot);
  --num_pds_;
  if (epfd_ >= 0) sys_.epoll_ctl(epfd_, EPOLL_CTL_DEL, pd->fd(), nullptr);
}

void Runtime::PollOnce(bool block) {
  // The wait: 0 when tasks are runnable, until the nearest timer (to the
  // nanosecond, with epoll_pwait2) or forever when there is none.
  int64_t wait_ns = 0;  // < 0: forever
  if (block) {
    wait_ns = timers_.empty()
                  ? -1
                  : std::max<int64_t>(
                        0, timers_.top()->when - sys_.clock_gettime_ns());
  }
  if (epfd_ < 0 && block && wait_ns != 0) {
    // Timers only and no fd yet: the epoll instance is the one idle seam.
    if (EnsureEpoll() < 0) {
      if (wait_ns > 0) sys_.nanosleep_ns(wait_ns);
      FireTimers();
      return;
    }
  }
  if (epfd_ >= 0 && (block || num_pds_ > 0)) {
    epoll_event events[kMaxEvents];
    timespec ts{static_cast<time_t>(wait_ns / 1'000'000'000),
                static_cast<long>(wait_ns % 1'000'000'000)};
    int n = sys_.epoll_pwait2(epfd_, events, kMaxEvents,
                              wait_ns < 0 ? nullptr : &ts, nullptr);
    for (int i = 0; i < n; ++i) {
      // epoll_event is packed on x86-64: copy the fields out before use.
      const uint64_t token = events[i].data.u64;
      const uint32_t mask = events[i].events;
      if (internal::PollDesc* pd = FindPollDesc(token)) pd->OnEvents(mask);
    }
  }
  FireTimers();
}

}  // namespace simsock::net
