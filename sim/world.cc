#include "sim/world.h"

#include "sim/check.h"
#include "sim/host.h"
#include "sim/process.h"

namespace simsock::sim {

World::World(uint64_t seed) : seed_(seed), network_(*this) {}

World::~World() {
  // Threads first (their stacks are unwound and may still use sockets),
  // then hosts (and their sockets) before the event queue and the network
  // they reference; pending events hold only weak references.
  scheduler_.KillAll();
  network_.TearDown();
  immediate_.clear();
  hosts_.clear();
  immediate_.clear();  // what the hosts' teardown queued (raw pointers only)
}

Host& World::AddHost(std::string name, std::string ipv4) {
  uint32_t ip = 0;
  SIM_CHECK(ParseIp(ipv4, &ip));
  SIM_CHECK(!IsLoopback(ip));
  SIM_CHECK(network_.HostByAddress(ip) == nullptr);
  hosts_.push_back(std::make_unique<Host>(*this, std::move(name), ip,
                                          static_cast<int>(hosts_.size())));
  Host& host = *hosts_.back();
  network_.AttachHost(host);
  names_.emplace(host.name(), &host);
  return host;
}

const Host* World::HostByName(const std::string& name) const {
  auto it = names_.find(name);
  return it == names_.end() ? nullptr : it->second;
}

void World::AddName(std::string name, const Host& host) {
  names_[std::move(name)] = &host;
}

RandomStream& World::Rng(std::string_view purpose) {
  auto it = rngs_.find(purpose);
  if (it == rngs_.end()) {
    it = rngs_.emplace(std::string(purpose), RandomStream(seed_, purpose))
             .first;
  }
  return it->second;
}

EventId World::Schedule(Time at, std::function<void()> fn) {
  SIM_CHECK(at >= now_);
  return events_.Schedule(at, std::move(fn));
}

void World::Defer(std::function<void()> fn) {
  immediate_.push_back(std::move(fn));
}

void World::DrainImmediate() {
  if (draining_) return;
  draining_ = true;
  // A bound on the work one step may do: a loop of zero-delay packets
  // between two sockets is a simulator bug, not a workload.
  uint64_t budget = 100'000'000;
  while (!immediate_.empty()) {
    SIM_CHECK(--budget > 0);
    auto fn = std::move(immediate_.front());
    immediate_.pop_front();
    fn();
  }
  draining_ = false;
}

void World::Settle() {
  DrainImmediate();
  // Threads run only from the top level: a blocking call made by test code
  // runs the world, but a thread never runs another thread.
  if (scheduler_.Current() != nullptr) return;
  while (scheduler_.HasRunnable()) {
    scheduler_.RunReady();
    DrainImmediate();
  }
}

void World::RunEvent() {
  auto [id, fn] = events_.Pop();
  now_ = id.at;
  ++in_event_;
  fn();
  --in_event_;
  Settle();
}

void World::RunFor(Duration d) {
  SIM_CHECK(d.count() >= 0);
  Settle();
  Time end = now_ + d;
  while (!events_.empty() && events_.NextTime() <= end) RunEvent();
  now_ = end;
}

uint64_t World::RunUntilIdle(Duration horizon) {
  Settle();
  uint64_t n = 0;
  while (!events_.empty() && events_.NextTime() - now_ <= horizon) {
    RunEvent();
    ++n;
  }
  deadlock_.clear();
  if (events_.empty()) {
    for (const SimThread* t : scheduler_.Blocked()) {
      deadlock_.push_back(t->process().host().name() + " pid " +
                          std::to_string(t->process().pid()) + " tid " +
                          std::to_string(t->tid()) +
                          (t->name().empty() ? "" : " (" + t->name() + ")") +
                          " blocked in " + t->wait_reason());
    }
    for (const std::string& line : deadlock_)
      trace_.Write(now_, "world", "deadlock: " + line);
  }
  return n;
}

}  // namespace simsock::sim
