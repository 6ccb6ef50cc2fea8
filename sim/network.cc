#include "sim/network.h"

#include "sim/host.h"
#include "sim/world.h"

namespace simsock::sim {

void Network::AttachHost(Host& host) { by_address_[host.address()] = &host; }

Host* Network::HostByAddress(uint32_t ip) const {
  auto it = by_address_.find(ip);
  return it == by_address_.end() ? nullptr : it->second;
}

void Network::SetLatency(const Host& a, const Host& b, Duration one_way) {
  auto key = std::minmax(a.id(), b.id());
  latency_[{key.first, key.second}] = one_way;
}

Duration Network::Latency(const Host& a, const Host& b) const {
  auto key = std::minmax(a.id(), b.id());
  auto it = latency_.find({key.first, key.second});
  return it == latency_.end() ? default_latency_ : it->second;
}

void Network::Send(Host& from, Packet packet) {
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
