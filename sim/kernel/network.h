/// \file
/// Network: carries IPv4 packets between the hosts of one world. A packet to
/// an address of the sending host itself (its own address or 127.0.0.0/8)
/// is delivered within the current step, before the syscall that sent it
/// returns, as Linux loopback is (docs/semantics.md, "Known differences" D23
/// for faulty links). A packet to another host arrives after the link's one-way
/// latency, as an event. A packet to an address no host owns is dropped (and
/// traced).
//
// Links between hosts can be faulty (LinkFaults): packets lost, duplicated
// or delayed by a random jitter (which reorders them), or the link cut
// (a partition, in both directions). Every random draw comes from the
// world's "net.*" streams, and every injected fault is written to the
// trace, so a faulty run replays exactly from its seed. Loopback is never
// faulty.
//
// The pcapng record of each packet (Trace::SetPcap) is written when the
// network has decided what to do with it, with that as its comment:
// "dropped (loss, plan line 3)", "duplicated", "delayed 12ms", "held by
// clog (plan line 5)", "arrives at b after 1ms", ... (docs/faults.md, "In
// the pcap").
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "simsock/sim/base/time.h"
#include "simsock/sim/inet/packet.h"

namespace simsock::sim {

class Host;
class World;

/// What can go wrong on a link between two hosts (both directions).
struct LinkFaults {
  double loss = 0;           ///< probability that a packet is dropped
  double duplicate = 0;      ///< probability that it is delivered twice
  Duration jitter{0};        ///< extra delay, uniform in [0, jitter]
  bool partitioned = false;  ///< nothing gets through
};

/// One impairment of one direction of a link, added by a fault plan
/// (sim/faults/) or by a test: it lasts until removed. Several may be
/// active on a direction at once; they combine as independent causes
/// (losses: 1 - prod(1 - p); delays add up; the largest jitter, the lowest
/// rate and the smallest queue apply; one cut or one clog is enough).
struct Impairment {
  /// What the impairment does; the comment names the field it reads.
  enum class Kind {
    kCut,        ///< nothing gets through (a partition, one way)
    kLoss,       ///< probability: a packet is dropped
    kDuplicate,  ///< probability: it is delivered twice
    kCorrupt,    ///< probability: it is damaged on the way; the receiver's
                 /// checksum drops it (it still takes its share of the link)
    kDelay,      ///< duration: extra one-way delay
    kJitter,     ///< duration: extra delay, uniform in [0, duration]
    kRate,       ///< bits_per_second: packets are serialised at this rate
    kQueue,      ///< bytes: the drop-tail queue before the rate limit
    kClog,       ///< everything is held, and released in order when the last
                 // clog of the direction is removed
  };
  Kind kind = Kind::kCut;        ///< what it does
  double probability = 0;        ///< kLoss, kDuplicate, kCorrupt: in [0, 1]
  Duration duration{0};          ///< kDelay, kJitter: >= 0
  uint64_t bits_per_second = 0;  ///< kRate: > 0
  uint64_t bytes = 0;            ///< kQueue: the queue's capacity
  /// Named in the trace line of each fault it injects ("plan line 3").
  std::string origin;
};
/// Names an active impairment, to remove it (Network::Unimpair); ids start
/// at 1 and are never reused within a world.
using ImpairmentId = uint64_t;

/// The network between the hosts of one world (see the file comment). Owned by
/// the World; not thread-safe. Sending is O(log links) plus the impairments of
/// the direction.
class Network {
 public:
  /// The network of `world`: no hosts, 500 us default latency, no faults.
  explicit Network(World& world) : world_(world) {}

  /// Makes the host reachable at its address (World::AddHost does it).
  void AttachHost(Host& host);
  /// The host that owns address ip (not loopback), or null. O(log hosts).
  Host* HostByAddress(uint32_t ip) const;

  /// One-way latency between two hosts (both directions); the default is
  /// used for pairs never set.
  void SetLatency(const Host& a, const Host& b, Duration one_way);
  /// The one-way latency of every pair never given its own (>= 0).
  void SetDefaultLatency(Duration one_way);
  /// The one-way latency between a and b.
  Duration Latency(const Host& a, const Host& b) const;

  /// Faults of the link between two hosts (both directions). The setters
  /// abort, naming the call and the hosts, if a host is not this world's,
  /// a == b, a latency or jitter is negative, or a probability is outside
  /// 0..1 (bugs in the code building the world).
  void SetFaults(const Host& a, const Host& b, const LinkFaults& faults);
  /// The faults of the link between a and b (none if never set).
  LinkFaults Faults(const Host& a, const Host& b) const;
  /// Cuts the link (both directions), keeping its other faults.
  void Partition(const Host& a, const Host& b);
  /// Restores a link Partition cut, keeping its other faults.
  void Heal(const Host& a, const Host& b);

  /// Adds an impairment to the direction from -> to (aborts, as SetFaults
  /// does, on hosts of another world, from == to, or a value out of range).
  /// Writes nothing to the trace: the caller says why it impairs.
  ImpairmentId Impair(const Host& from, const Host& to, Impairment imp);
  /// Removes it; unknown ids are ignored. Removing the last clog of a
  /// direction releases what it held, in the order it was sent.
  void Unimpair(ImpairmentId id);
  /// The drop-tail queue of a rate-limited direction with no queue
  /// impairment: txqueuelen 1000 full-size frames, Linux's default.
  static constexpr uint64_t kDefaultQueueBytes = 1000 * 1500;

  /// Sends a packet from `from`. Never fails: what cannot be delivered is
  /// dropped.
  void Send(Host& from, Packet packet);

  /// Packets handed to Send so far.
  uint64_t packets_sent() const { return packets_sent_; }
  /// Packets the network dropped so far (loss, partition, no route, a full
  /// queue, corruption).
  uint64_t packets_dropped() const { return packets_dropped_; }
  /// The world is being destroyed: hosts go one by one, and what their
  /// closing sockets send is dropped instead of reaching a dead host.
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
  void Drop(const Host& from, const Packet& p, const std::string& why);
  // Adds to the fate of the packet being sent, while Send decides it for
  // the pcapng record (nothing when no pcap is written, or outside Send:
  // a clog's release).
  void Note(std::string_view what);
  // "arrives at b after 1ms[, which is down]": a copy put on the wire.
  void NoteArrival(const Host& to, Duration after);

  // What a direction's impairments (and the link's own faults) add up to,
  // with the origins of each kind of fault for the trace.
  struct Effect {
    bool cut = false;
    double loss = 0, duplicate = 0, corrupt = 0;
    Duration delay{0}, jitter{0};
    uint64_t rate = 0;  // 0: unlimited
    uint64_t queue = kDefaultQueueBytes;
    bool clog = false;
    // The origins of each kind of fault, for the trace ("plan line 3").
    std::string cut_by, loss_by, duplicate_by, corrupt_by, queue_by, clog_by;
  };
  // One direction's impairments and its transmitter.
  struct Path {
    Host* from = nullptr;
    Host* to = nullptr;
    std::map<ImpairmentId, Impairment> active;  // in the order added
    Time busy_until{0};  // the rate-limited transmitter is busy until
    // Packets queued behind the transmitter (the qdisc backlog): when each
    // starts to be sent, and its size; the one being sent has left it.
    std::deque<std::pair<Time, uint64_t>> waiting;
    uint64_t waiting_bytes = 0;
    // The effect of `active` over the link's faults `folded`, kept until
    // either changes (Fold runs once per change, not once per packet).
    std::optional<Effect> effect;
    LinkFaults folded;
    // Held by a clog, in the order sent (and whether each was corrupted).
    std::deque<std::pair<Packet, bool>> held;
  };
  Effect Fold(const LinkFaults& base, const Path& path) const;
  const Effect& EffectOf(const LinkFaults& base, Path& path) const;
  // Sends one copy over a path: serialisation at its rate (dropping when
  // the queue is full), latency, delay, jitter, corruption.
  void Transmit(Path& path, const Link& link, const Effect& e, Packet packet,
                bool corrupted);
  void SendImpaired(Host& from, const Link& link, Path& path, Packet packet);
  // A packet in flight lives in a box from free_boxes_, so that its
  // event's capture (network, host, box) stays within InlineCallback's
  // buffer and a hop allocates no box once the free list has grown to the
  // most packets ever in flight at once.
  std::unique_ptr<Packet> Box(Packet&& packet);
  // Empties a delivered packet's box and keeps it for the next hop.
  void Recycle(std::unique_ptr<Packet> box);

  World& world_;
  // Looked up on every packet sent (a hop's destination and its link) and
  // never iterated: hashed, so a world of 10,000 hosts costs a probe or
  // two per packet instead of a walk down a tree of cold nodes.
  std::unordered_map<uint32_t, Host*> by_address_;
  std::unordered_map<uint64_t, Link> links_;   // by LinkKey(host ids)
  std::map<std::pair<int, int>, Path> paths_;  // by (from id, to id)
  std::map<ImpairmentId, std::pair<int, int>> impairment_paths_;
  ImpairmentId next_impairment_ = 1;
  Duration default_latency_ = std::chrono::microseconds(500);
  uint64_t packets_sent_ = 0;
  uint64_t packets_dropped_ = 0;
  bool torn_down_ = false;
  std::vector<std::unique_ptr<Packet>> free_boxes_;
  std::string* fate_ = nullptr;  // the packet being sent's, while capturing
};

}  // namespace simsock::sim
