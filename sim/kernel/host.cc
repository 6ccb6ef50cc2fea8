#include "simsock/sim/kernel/host.h"

#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"

namespace simsock::sim {

Host::Host(World& world, std::string name, uint32_t ip, int id)
    : world_(world),
      name_(std::move(name)),
      ip_(ip),
      id_(id),
      stack_(*this, ip, world.seed()) {}

Host::~Host() {
  // Processes close their fds first; then the connection table lets go of
  // orphans. Sockets unregister from the port tables as they die.
  processes_.clear();
  stack_.DropConnections();
}

Process& Host::SpawnProcess() {
  processes_.push_back(std::make_unique<Process>(*this, next_pid_++));
  Process& p = *processes_.back();
  for (const auto& fn : on_spawn_) fn(p);
  return p;
}

void Host::TraceLine(const std::string& what) {
  auto& t = world_.trace();
  if (t.Enabled()) t.Write(world_.Now(), name_, what);
}

Time Host::Now() const { return world_.Now(); }

EventId Host::Schedule(Time at, InlineCallback fn) {
  return world_.Schedule(at, std::move(fn));
}

void Host::Cancel(EventId id) { world_.Cancel(id); }

EventId Host::Reschedule(EventId id, Time at) {
  return world_.Reschedule(id, at);
}

void Host::Defer(InlineCallback fn) { world_.Defer(std::move(fn)); }

RandomStream& Host::Rng(std::string_view purpose) {
  return world_.Rng(purpose);
}

void Host::Transmit(Packet packet) {
  if (down_) return;  // a dead machine sends nothing
  world_.network().Send(*this, std::move(packet));
}

void Host::Crash() {
  if (down_) return;
  TraceLine("fault: crash");
  down_ = true;  // from here on nothing leaves or reaches the host
  for (auto& p : processes_) {
    world_.scheduler().KillProcess(*p);
    p->Kill();
  }
  stack_.DropConnections();
}

void Host::Restart() {
  if (!down_) return;
  down_ = false;
  TraceLine("fault: restart");
}

void Host::Receive(const Packet& p) {
  if (down_) return;
  stack_.Receive(p);
}

}  // namespace simsock::sim
