#include "simsock/sim/kernel/world.h"

#include "simsock/sim/base/check.h"
#include "simsock/sim/inet/packet.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"

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

namespace {

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// Why ip cannot be a host's own address, or "" if it can. Linux would not
// route to these as a unicast host address either: the loopback net is
// every host's own, 0.0.0.0/8 means "this network", 224.0.0.0/4 is
// multicast and 255.255.255.255 the limited broadcast.
std::string WhyNotAHostAddress(uint32_t ip) {
  if (IsLoopback(ip)) {
    return "is a loopback address (127.0.0.0/8), which every host already "
           "has";
  }
  if ((ip >> 24) == 0) return "is in 0.0.0.0/8 (\"this network\")";
  if ((ip >> 28) == 0xE) return "is a multicast address (224.0.0.0/4)";
  if (ip == 0xFFFFFFFFu) return "is the limited broadcast address";
  return "";
}

}  // namespace

std::string World::NameConflict(const std::string& name) const {
  if (name.empty()) return "a host name must not be empty";
  if (name == "localhost") {
    return "name \"localhost\" is reserved (it resolves to 127.0.0.1 on "
           "every host)";
  }
  uint32_t ip = 0;
  if (ParseNumericHost(name, &ip) != NumericHost::kName) {
    return "name " + Quote(name) +
           " reads as a numeric address, so the resolver would never look "
           "it up";
  }
  const Host* owner = HostByName(name);
  if (owner == nullptr) return "";
  if (owner->name() == name) {
    return "name " + Quote(name) + " is already host " + Quote(name) + " (" +
           IpToString(owner->address()) + ")";
  }
  return "name " + Quote(name) + " is already an alias of host " +
         Quote(owner->name()) + " (" + IpToString(owner->address()) + ")";
}

Host& World::AddHost(std::string name, std::string ipv4) {
  const std::string call =
      "World::AddHost(" + Quote(name) + ", " + Quote(ipv4) + "): ";
  const char* expected =
      "; expected a unique unicast address such as \"10.0.0.1\"";
  uint32_t ip = 0;
  if (!ParseIp(ipv4, &ip)) {
    SimFatal(call + Quote(ipv4) +
             " is not a dotted-quad IPv4 address (four decimal numbers "
             "0..255 without leading zeros)" +
             expected);
  }
  if (std::string why = WhyNotAHostAddress(ip); !why.empty()) {
    SimFatal(call + "address " + IpToString(ip) + " " + why +
             ", not a host address" + expected);
  }
  if (const Host* other = network_.HostByAddress(ip)) {
    SimFatal(call + "address " + IpToString(ip) + " is already host " +
             Quote(other->name()) + "'s" + expected);
  }
  if (std::string why = NameConflict(name); !why.empty()) {
    SimFatal(call + why + "; each host needs its own name");
  }
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

bool World::Owns(const Host& host) const {
  const int id = host.id();
  return id >= 0 && id < static_cast<int>(hosts_.size()) &&
         hosts_[static_cast<size_t>(id)].get() == &host;
}

void World::AddName(std::string name, const Host& host) {
  const std::string call =
      "World::AddName(" + Quote(name) + ", host " + Quote(host.name()) + "): ";
  if (!Owns(host)) SimFatal(call + "the host belongs to another world");
  if (std::string why = NameConflict(name); !why.empty()) {
    SimFatal(call + why + "; a name resolves to one host");
  }
  names_.emplace(std::move(name), &host);
}

RandomStream& World::Rng(std::string_view purpose) {
  auto it = rngs_.find(purpose);
  if (it == rngs_.end()) {
    it =
        rngs_.emplace(std::string(purpose), RandomStream(seed_, purpose)).first;
  }
  return it->second;
}

EventId World::Schedule(Time at, InlineCallback fn) {
  SIM_CHECK(at >= now_);
  return events_.Schedule(at, std::move(fn));
}

EventId World::Reschedule(EventId id, Time at) {
  SIM_CHECK(at >= now_);
  return events_.Reschedule(id, at);
}

void World::Defer(InlineCallback fn) { immediate_.push_back(std::move(fn)); }

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

World::RunResult World::RunUntil(const std::function<bool()>& done,
                                 Time deadline) {
  DrainImmediate();
  const Time limit = now_ + driver_wait_limit_;
  while (!done()) {
    const Time next = NextEventTime();
    if (next == kNever && deadline == kNever) return RunResult::kNothingPending;
    if (next > deadline && deadline <= limit) {
      RunFor(deadline - now_);
      return done() ? RunResult::kDone : RunResult::kTimedOut;
    }
    if (next > limit) {
      // Events keep coming but none makes done() true: give up rather
      // than run forever.
      RunFor(limit - now_);
      return done() ? RunResult::kDone : RunResult::kWaitLimit;
    }
    RunFor(next - now_);
  }
  return RunResult::kDone;
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
