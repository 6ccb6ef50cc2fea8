#include "simsock/sim/kernel/scheduler.h"

#include <algorithm>

#include "simsock/sim/base/check.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {

SimThread::SimThread(Process& process, int tid, std::string name,
                     std::function<void()> fn)
    : process_(process),
      tid_(tid),
      name_(std::move(name)),
      fiber_(std::move(fn)) {}

Scheduler::~Scheduler() { KillAll(); }

void Scheduler::KillAll() {
  run_queue_.clear();
  // Destroying an unfinished Boost.Context fiber unwinds its stack, so the
  // objects on it are destroyed; do it newest first.
  while (!threads_.empty()) {
    auto it = std::prev(threads_.end());
    world_.Cancel(it->second->timer_);
    threads_.erase(it);
  }
}

void Scheduler::KillProcess(const Process& process) {
  SIM_CHECK(current_ == nullptr || &current_->process() != &process);
  std::vector<uint64_t> victims;
  for (const auto& [id, t] : threads_)
    if (&t->process() == &process) victims.push_back(id);
  for (auto it = victims.rbegin(); it != victims.rend(); ++it) {
    SimThread* t = threads_[*it].get();
    run_queue_.erase(std::remove(run_queue_.begin(), run_queue_.end(), t),
                     run_queue_.end());
    world_.Cancel(t->timer_);
    threads_.erase(*it);  // unwinds its stack
  }
}

const SimThread* Scheduler::Find(int tid) const {
  auto it = threads_.find(static_cast<uint64_t>(tid));
  return it == threads_.end() || tid <= 0 ? nullptr : it->second.get();
}

SimThread& Scheduler::Spawn(Process& process, std::string name,
                            std::function<void()> fn) {
  uint64_t id = ++next_id_;
  auto t = std::make_unique<SimThread>(process, static_cast<int>(id),
                                       std::move(name), std::move(fn));
  SimThread& ref = *t;
  threads_.emplace(id, std::move(t));
  run_queue_.push_back(&ref);
  return ref;
}

uint64_t Scheduler::RunReady() {
  SIM_CHECK(current_ == nullptr);
  uint64_t slices = 0;
  while (!run_queue_.empty()) {
    size_t pick = 0;
    if (policy_ == Policy::kRandom && run_queue_.size() > 1)
      pick = world_.Rng("sched").Below(run_queue_.size());
    SimThread* t = run_queue_[pick];
    run_queue_.erase(run_queue_.begin() + static_cast<long>(pick));
    t->state_ = SimThread::State::kRunning;
    current_ = t;
    t->fiber_.Resume();
    current_ = nullptr;
    ++slices;
    world_.DrainImmediate();
    if (t->fiber_.finished()) {
      t->state_ = SimThread::State::kDone;
      threads_.erase(static_cast<uint64_t>(t->tid_));
    }
  }
  return slices;
}

bool Scheduler::Park(std::string reason, Time deadline) {
  SimThread* t = current_;
  SIM_CHECK(t != nullptr);
  t->state_ = SimThread::State::kBlocked;
  t->wait_reason_ = std::move(reason);
  t->timed_out_ = false;
  t->blocked_since_ = world_.Now();
  t->wait_deadline_ = deadline;
  if (deadline != kNever) {
    t->timer_ = world_.Schedule(std::max(deadline, world_.Now()), [this, t] {
      t->timer_ = {};
      if (t->state_ == SimThread::State::kBlocked) {
        t->timed_out_ = true;
        Wake(*t);
      }
    });
  }
  t->fiber_.Suspend();
  world_.Cancel(t->timer_);
  t->timer_ = {};
  t->wait_reason_.clear();
  return !t->timed_out_;
}

void Scheduler::Wake(SimThread& t) {
  if (t.state_ != SimThread::State::kBlocked) return;
  t.state_ = SimThread::State::kRunnable;
  run_queue_.push_back(&t);
}

std::vector<const SimThread*> Scheduler::Blocked() const {
  std::vector<const SimThread*> out;
  for (const auto& [id, t] : threads_)
    if (t->state_ == SimThread::State::kBlocked) out.push_back(t.get());
  return out;
}

}  // namespace simsock::sim
