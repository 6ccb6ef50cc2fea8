#include "simsock/sim/kernel/network.h"

#include "simsock/sim/base/check.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/world.h"

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

std::string Network::LinkCall(const char* call, const Host& a,
                              const Host& b) const {
  const std::string what = std::string("Network::") + call + "(host \"" +
                           a.name() + "\", host \"" + b.name() + "\"): ";
  if (!world_.Owns(a) || !world_.Owns(b)) {
    SimFatal(what +
             "a host of another world; expected two hosts of this "
             "world");
  }
  if (&a == &b) {
    SimFatal(what +
             "a link joins two different hosts (a host reaches "
             "itself through its loopback, never a link)");
  }
  return what;
}

void Network::SetDefaultLatency(Duration one_way) {
  if (one_way < Duration::zero()) {
    SimFatal("Network::SetDefaultLatency(" + std::to_string(one_way.count()) +
             " ns): a latency cannot be negative");
  }
  default_latency_ = one_way;
}

void Network::SetLatency(const Host& a, const Host& b, Duration one_way) {
  const std::string what = LinkCall("SetLatency", a, b);
  if (one_way < Duration::zero()) {
    SimFatal(what + "latency " + std::to_string(one_way.count()) +
             " ns is negative; expected >= 0");
  }
  MutableLink(a, b).latency = one_way;
}

Duration Network::Latency(const Host& a, const Host& b) const {
  return LinkBetween(a, b).latency;
}

void Network::SetFaults(const Host& a, const Host& b,
                        const LinkFaults& faults) {
  const std::string what = LinkCall("SetFaults", a, b);
  // Written so that NaN fails too.
  auto probability = [&](const char* field, double p) {
    if (!(p >= 0 && p <= 1)) {
      SimFatal(what + field + " = " + std::to_string(p) +
               " is not a probability; expected 0..1");
    }
  };
  probability("loss", faults.loss);
  probability("duplicate", faults.duplicate);
  if (faults.jitter < Duration::zero()) {
    SimFatal(what + "jitter " + std::to_string(faults.jitter.count()) +
             " ns is negative; expected >= 0");
  }
  MutableLink(a, b).faults = faults;
}

LinkFaults Network::Faults(const Host& a, const Host& b) const {
  return LinkBetween(a, b).faults;
}

void Network::Partition(const Host& a, const Host& b) {
  (void)LinkCall("Partition", a, b);
  MutableLink(a, b).faults.partitioned = true;
  world_.trace().Write(world_.Now(), "network",
                       "fault: partition " + a.name() + " <-> " + b.name());
}

void Network::Heal(const Host& a, const Host& b) {
  (void)LinkCall("Heal", a, b);
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
      delay += Duration(world_.Rng("net.jitter").Between(0, f.jitter.count()));
    }
    // Hosts live as long as the world, so the raw pointer is safe.
    world_.Schedule(world_.Now() + delay,
                    [to, p = packet]() { to->Receive(p); });
  }
}

}  // namespace simsock::sim
