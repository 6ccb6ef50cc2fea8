// Network: carries IPv4 packets between the hosts of one world. A packet to
// an address of the sending host itself (its own address or 127.0.0.0/8)
// is delivered within the current step, before the syscall that sent it
// returns, as Linux loopback is (docs/semantics.md, "Known differences" D23 for
// faulty links). A packet to another host arrives after the link's one-way
// latency, as an event. A packet to an address no host owns is dropped (and
// traced).
//
// Links between hosts can be faulty (LinkFaults): packets lost, duplicated
// or delayed by a random jitter (which reorders them), or the link cut
// (a partition, in both directions). Every random draw comes from the
// world's "net.*" streams, and every injected fault is written to the
// trace, so a faulty run replays exactly from its seed. Loopback is never
// faulty.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

class Host;
class World;

// What can go wrong on a link between two hosts (both directions).
struct LinkFaults {
  double loss = 0;           // probability that a packet is dropped
  double duplicate = 0;      // probability that it is delivered twice
  Duration jitter{0};        // extra delay, uniform in [0, jitter]
  bool partitioned = false;  // nothing gets through
};

class Network {
 public:
  explicit Network(World& world) : world_(world) {}

  void AttachHost(Host& host);
  Host* HostByAddress(uint32_t ip) const;

  // One-way latency between two hosts (both directions); the default is
  // used for pairs never set.
  void SetLatency(const Host& a, const Host& b, Duration one_way);
  void SetDefaultLatency(Duration one_way);
  Duration Latency(const Host& a, const Host& b) const;

  // Faults of the link between two hosts (both directions). The setters
  // abort, naming the call and the hosts, if a host is not this world's,
  // a == b, a latency or jitter is negative, or a probability is outside
  // 0..1 (bugs in the code building the world).
  void SetFaults(const Host& a, const Host& b, const LinkFaults& faults);
  LinkFaults Faults(const Host& a, const Host& b) const;
  // Cuts / restores the link, keeping its other faults.
  void Partition(const Host& a, const Host& b);
  void Heal(const Host& a, const Host& b);

  // Sends a packet from `from`. Never fails: what cannot be delivered is
  // dropped.
  void Send(Host& from, Packet packet);

  uint64_t packets_sent() const { return packets_sent_; }
  uint64_t packets_dropped() const { return packets_dropped_; }
  // The world is being destroyed: hosts go one by one, and what their
  // closing sockets send is dropped instead of reaching a dead host.
  void TearDown() { torn_down_ = true; }

 private:
  // Checks the hosts of a link setter; returns "Network::call(...): ".
  std::string LinkCall(const char* call, const Host& a, const Host& b) const;
  struct Link {
    Duration latency;
    LinkFaults faults;
  };
  Link LinkBetween(const Host& a, const Host& b) const;
  Link& MutableLink(const Host& a, const Host& b);
  void Drop(const Host& from, const Packet& p, const char* why);

  World& world_;
  std::map<uint32_t, Host*> by_address_;
  std::map<std::pair<int, int>, Link> links_;  // by host ids, ordered
  Duration default_latency_ = std::chrono::microseconds(500);
  uint64_t packets_sent_ = 0;
  uint64_t packets_dropped_ = 0;
  bool torn_down_ = false;
};

}  // namespace simsock::sim
