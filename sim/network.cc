#include "sim/network.h"

#include "sim/host.h"
#include "sim/world.h"

namespace simsock::sim {
namespace {

// Links are undirected: key them by the ordered pair of host ids.
std::pair<int, int> LinkKey(const Host& a, const Host& b) {
  return a.id() < b.id() ? std::pair{a.id(), b.id()}
                         : std::pair{b.id(), a.id()};
}

}  // namespace

void Network::AttachHost(Host& host) { by_address_[host.address()] = &host; }

Host* Network::HostByAddress(uint32_t ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? nullptr : it->second;
}

Network::Link Network::LinkBetween(const Host& a, const Host& b) const {
  auto it = links_.find(LinkKey(a, b));
  return it == links_.end() ? Link{default_latency_, {}} : it->second;
}

Network::Link& Network::MutableLink(const Host& a, const Host& b) {
  auto [it, inserted] =
      links_.emplace(LinkKey(a, b), Link{default_latency_, {}});
  return it->second;
}

void Network::SetLatency(const Host& a, const Host& b, Duration one_way) {
  MutableLink(a, b).latency = one_way;
}

Duration Network::Latency(const Host& a, const Host& b) const {
  return LinkBetween(a, b).latency;
}

void Network::SetFaults(const Host& a, const Host& b,
                        const LinkFaults& faults) {
  MutableLink(a, b).faults = faults;
}

LinkFaults Network::Faults(const Host& a, const Host& b) const {
  return LinkBetween(a, b).faults;
}

void Network::Partition(const Host& a, const Host& b) {
  MutableLink(a, b).faults.partitioned = true;
  world_.trace().Write(world_.Now(), "network",
                       "fault: partition " + a.name() + " <-> " + b.name());
}

void Network::Heal(const Host& a, const Host& b) {
  MutableLink(a, b).faults.partitioned = false;
  world_.trace().Write(world_.Now(), "network",
                       "fault: heal " + a.name() + " <-> " + b.name());
}

void Network::Drop(const Host& from, const Packet& p, const char* why) {
  ++packets_dropped_;
  Trace& trace = world_.trace();
  if (trace.Enabled())
    trace.Write(world_.Now(), from.name(),
                std::string("drop (") + why + "): " + Describe(p));
}

void Network::Send(Host& from, Packet packet) {
  if (torn_down_) return;
  ++packets_sent_;
  Trace& trace = world_.trace();
  trace.Packet(world_.Now(), from.name(), packet);
  if (from.IsLocalAddress(packet.dst)) {
    // Loopback: processed before the sending syscall returns.
    world_.Defer([&from, p = std::move(packet)]() { from.Receive(p); });
    return;
  }
  Host* to = HostByAddress(packet.dst);
  if (to == nullptr) {
    Drop(from, packet, "no route");
    return;
  }
  const Link link = LinkBetween(from, *to);
  const LinkFaults& f = link.faults;
  if (f.partitioned) {
    Drop(from, packet, "partition");
    return;
  }
  if (f.loss > 0 && world_.Rng("net.loss").Chance(f.loss)) {
    Drop(from, packet, "loss");
    return;
  }
  int copies = 1;
  if (f.duplicate > 0 && world_.Rng("net.duplicate").Chance(f.duplicate)) {
    copies = 2;
    if (trace.Enabled())
      trace.Write(world_.Now(), from.name(), "duplicate: " + Describe(packet));
  }
  for (int i = 0; i < copies; ++i) {
    Duration delay = link.latency;
    if (f.jitter > Duration::zero()) {
      delay += Duration(
          world_.Rng("net.jitter").Between(0, f.jitter.count()));
    }
    // Hosts live as long as the world, so the raw pointer is safe.
    world_.Schedule(world_.Now() + delay,
                    [to, p = packet]() { to->Receive(p); });
  }
}

}  // namespace simsock::sim
