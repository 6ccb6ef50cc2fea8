#include "sim/network.h"

#include "sim/host.h"
#include "sim/world.h"

namespace simsock::sim {

void Network::AttachHost(Host& host) { by_address_[host.address()] = &host; }

Host* Network::HostByAddress(uint32_t ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? nullptr : it->second;
}

namespace {

// Links are undirected: key them by the ordered pair of host ids.
std::pair<int, int> LinkKey(const Host& a, const Host& b) {
  return a.id() < b.id() ? std::pair{a.id(), b.id()}
                         : std::pair{b.id(), a.id()};
}

}  // namespace

void Network::SetLatency(const Host& a, const Host& b, Duration one_way) {
  latency_[LinkKey(a, b)] = one_way;
}

Duration Network::Latency(const Host& a, const Host& b) const {
  auto it = latency_.find(LinkKey(a, b));
  return it == latency_.end() ? default_latency_ : it->second;
}

void Network::Send(Host& from, Packet packet) {
  if (torn_down_) return;
  ++packets_sent_;
  Trace& trace = world_.trace();
  if (trace.Enabled()) trace.Write(world_.Now(), from.name(), Describe(packet));
  if (from.IsLocalAddress(packet.dst)) {
    // Loopback: processed before the sending syscall returns.
    world_.Defer([&from, p = std::move(packet)]() { from.Receive(p); });
    return;
  }
  Host* to = HostByAddress(packet.dst);
  if (to == nullptr) {
    if (trace.Enabled())
      trace.Write(world_.Now(), from.name(),
                  "drop: no route to " + IpToString(packet.dst));
    return;
  }
  // Hosts live as long as the world, so the raw reference is safe.
  world_.Schedule(world_.Now() + Latency(from, *to),
                  [to, p = std::move(packet)]() { to->Receive(p); });
}

}  // namespace simsock::sim
