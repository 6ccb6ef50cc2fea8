#include "simsock/sim/kernel/network.h"

#include "simsock/sim/base/check.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/sim/tcp/segment.h"

namespace simsock::sim {
namespace {

// Links are undirected: key them by the ordered pair of host ids, the
// lower id in the high half.
uint64_t LinkKey(const Host& a, const Host& b) {
  const auto lo = static_cast<uint32_t>(a.id() < b.id() ? a.id() : b.id());
  const auto hi = static_cast<uint32_t>(a.id() < b.id() ? b.id() : a.id());
  return uint64_t{lo} << 32 | hi;
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

void Network::Drop(const Host& from, const Packet& p, const std::string& why) {
  ++packets_dropped_;
  if (fate_ != nullptr) Note("dropped (" + why + ")");
  Trace& trace = world_.trace();
  if (trace.Enabled()) trace.Drop(world_.Now(), from.name(), why, p);
}

ImpairmentId Network::Impair(const Host& from, const Host& to, Impairment imp) {
  const std::string what = LinkCall("Impair", from, to);
  using Kind = Impairment::Kind;
  if ((imp.kind == Kind::kLoss || imp.kind == Kind::kDuplicate ||
       imp.kind == Kind::kCorrupt) &&
      !(imp.probability >= 0 && imp.probability <= 1)) {
    SimFatal(what + "probability " + std::to_string(imp.probability) +
             " is not in 0..1");
  }
  if (imp.duration < Duration::zero()) {
    SimFatal(what + "a delay or jitter cannot be negative");
  }
  if ((imp.kind == Kind::kRate && imp.bits_per_second == 0) ||
      (imp.kind == Kind::kQueue && imp.bytes == 0)) {
    SimFatal(what + "a rate or a queue must be positive");
  }
  const std::pair<int, int> key{from.id(), to.id()};
  Path& path = paths_[key];
  path.from = HostByAddress(from.address());
  path.to = HostByAddress(to.address());
  const ImpairmentId id = next_impairment_++;
  path.active.emplace(id, std::move(imp));
  path.effect.reset();
  impairment_paths_.emplace(id, key);
  return id;
}

void Network::Unimpair(ImpairmentId id) {
  auto it = impairment_paths_.find(id);
  if (it == impairment_paths_.end()) return;
  Path& path = paths_[it->second];
  impairment_paths_.erase(it);
  auto imp = path.active.find(id);
  const bool was_clog = imp->second.kind == Impairment::Kind::kClog;
  const std::string origin = imp->second.origin;
  path.active.erase(imp);
  path.effect.reset();
  if (!was_clog || path.held.empty()) return;
  for (const auto& [other, i] : path.active) {
    if (i.kind == Impairment::Kind::kClog) return;  // still clogged
  }
  // Released in the order they were sent, onto the link as it is now.
  std::deque<std::pair<Packet, bool>> held = std::move(path.held);
  path.held.clear();
  Trace& trace = world_.trace();
  if (trace.Enabled()) {
    trace.Write(world_.Now(), path.from->name(),
                "release (clog" + (origin.empty() ? "" : ", " + origin) +
                    "): " + std::to_string(held.size()) + " packet(s) to " +
                    path.to->name());
  }
  const Link link = LinkBetween(*path.from, *path.to);
  const Effect e = EffectOf(link.faults, path);
  for (auto& [p, corrupted] : held) {
    Transmit(path, link, e, std::move(p), corrupted);
  }
}

namespace {

// "12ms", "1.5ms", "0.000001ms": a duration for a pcapng comment.
std::string Millis(Duration d) {
  const int64_t ns = d.count();
  std::string s = std::to_string(ns / 1'000'000);
  if (int64_t frac = ns % 1'000'000; frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 6 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    s += "." + digits;
  }
  return s + "ms";
}

}  // namespace

void Network::Note(std::string_view what) {
  if (fate_ == nullptr) return;
  if (!fate_->empty()) *fate_ += "; ";
  *fate_ += what;
}

void Network::NoteArrival(const Host& to, Duration after) {
  if (fate_ == nullptr) return;
  // A host that is down when the packet leaves drops it on arrival
  // (Host::Receive) unless it is up again by then.
  Note("arrives at " + to.name() + " after " + Millis(after) +
       (to.down() ? ", which is down" : ""));
}

namespace {

void AddOrigin(std::string& to, const std::string& origin) {
  if (origin.empty()) return;
  to += (to.empty() ? ", " : "; ") + origin;
}

// " (plan line 3)" from ", plan line 3"; "" when there is no origin.
std::string Origins(const std::string& by) {
  return by.empty() ? std::string() : " (" + by.substr(2) + ")";
}

}  // namespace

Network::Effect Network::Fold(const LinkFaults& base, const Path& path) const {
  Effect e;
  e.cut = base.partitioned;
  e.loss = base.loss;
  e.duplicate = base.duplicate;
  e.jitter = base.jitter;
  bool queue_set = false;
  // Independent causes: the chance that none strikes is the product.
  // (A single cause keeps its probability exactly.)
  auto combine = [](double& p, double q) {
    p = p == 0 ? q : 1 - (1 - p) * (1 - q);
  };
  using Kind = Impairment::Kind;
  for (const auto& [id, i] : path.active) {
    switch (i.kind) {
      case Kind::kCut:
        e.cut = true;
        AddOrigin(e.cut_by, i.origin);
        break;
      case Kind::kLoss:
        combine(e.loss, i.probability);
        AddOrigin(e.loss_by, i.origin);
        break;
      case Kind::kDuplicate:
        combine(e.duplicate, i.probability);
        AddOrigin(e.duplicate_by, i.origin);
        break;
      case Kind::kCorrupt:
        combine(e.corrupt, i.probability);
        AddOrigin(e.corrupt_by, i.origin);
        break;
      case Kind::kDelay:
        e.delay += i.duration;
        break;
      case Kind::kJitter:
        e.jitter = std::max(e.jitter, i.duration);
        break;
      case Kind::kRate:
        e.rate = e.rate == 0 ? i.bits_per_second
                             : std::min(e.rate, i.bits_per_second);
        break;
      case Kind::kQueue:
        e.queue = queue_set ? std::min(e.queue, i.bytes) : i.bytes;
        queue_set = true;
        AddOrigin(e.queue_by, i.origin);
        break;
      case Kind::kClog:
        e.clog = true;
        AddOrigin(e.clog_by, i.origin);
        break;
    }
  }
  return e;
}

const Network::Effect& Network::EffectOf(const LinkFaults& base,
                                         Path& path) const {
  const LinkFaults& f = path.folded;
  if (!path.effect || f.loss != base.loss || f.duplicate != base.duplicate ||
      f.jitter != base.jitter || f.partitioned != base.partitioned) {
    path.effect = Fold(base, path);
    path.folded = base;
  }
  return *path.effect;
}

void Network::Transmit(Path& path, const Link& link, const Effect& e,
                       Packet packet, bool corrupted) {
  Time depart = world_.Now();
  if (e.rate > 0) {
    // A drop-tail queue (bfifo) in front of a transmitter that sends at
    // `rate`: the queue holds what has not started to be sent.
    const Time start = std::max(world_.Now(), path.busy_until);
    while (!path.waiting.empty() &&
           path.waiting.front().first <= world_.Now()) {
      path.waiting_bytes -= path.waiting.front().second;
      path.waiting.pop_front();
    }
    const uint64_t size = WireSize(packet);
    if (start > world_.Now() && path.waiting_bytes + size > e.queue) {
      Drop(*path.from, packet, "queue full" + e.queue_by);
      return;
    }
    using U128 = unsigned __int128;
    const U128 bits_ns = static_cast<U128>(size) * 8 * 1'000'000'000;
    const auto tx = static_cast<int64_t>((bits_ns + e.rate - 1) / e.rate);
    if (start > world_.Now()) {
      path.waiting.emplace_back(start, size);
      path.waiting_bytes += size;
    }
    path.busy_until = start + Duration(tx);
    depart = path.busy_until;
  }
  Duration delay = link.latency + e.delay;
  if (e.jitter > Duration::zero()) {
    delay += Duration(world_.Rng("net.jitter").Between(0, e.jitter.count()));
  }
  Host* to = path.to;
  if (fate_ != nullptr) {
    if (depart > world_.Now())
      Note("queued " + Millis(depart - world_.Now()) + " for the link");
    if (delay > link.latency) Note("delayed " + Millis(delay - link.latency));
    if (corrupted) {
      Note("dropped (bad checksum) at " + to->name());
    } else {
      NoteArrival(*to, depart - world_.Now() + delay);
    }
  }
  if (corrupted) {
    // The damage is found by the receiving kernel's checksum
    // (tcp_v4_rcv / __udp4_lib_rcv: csum errors are dropped silently).
    world_.Schedule(depart + delay, [this, to, p = std::move(packet)]() {
      ++packets_dropped_;
      Trace& trace = world_.trace();
      if (trace.Enabled())
        trace.Drop(world_.Now(), to->name(), "bad checksum", p);
    });
    return;
  }
  world_.Schedule(depart + delay,
                  [this, to, box = Box(std::move(packet))]() mutable {
                    to->Receive(*box);
                    Recycle(std::move(box));
                  });
}

std::unique_ptr<Packet> Network::Box(Packet&& packet) {
  if (free_boxes_.empty()) return std::make_unique<Packet>(std::move(packet));
  std::unique_ptr<Packet> box = std::move(free_boxes_.back());
  free_boxes_.pop_back();
  *box = std::move(packet);
  return box;
}

void Network::Recycle(std::unique_ptr<Packet> box) {
  // The payloads go now (a TCP one back to the senders' pool), the box
  // stays for the next hop.
  tcp::RecyclePayload(std::move(box->tcp.payload));
  *box = Packet();
  free_boxes_.push_back(std::move(box));
}

void Network::SendImpaired(Host& from, const Link& link, Path& path,
                           Packet packet) {
  const Effect& e = EffectOf(link.faults, path);
  Trace& trace = world_.trace();
  if (e.cut) {
    Drop(from, packet, "partition" + e.cut_by);
    return;
  }
  if (e.loss > 0 && world_.Rng("net.loss").Chance(e.loss)) {
    Drop(from, packet, "loss" + e.loss_by);
    return;
  }
  int copies = 1;
  if (e.duplicate > 0 && world_.Rng("net.duplicate").Chance(e.duplicate)) {
    copies = 2;
    Note("duplicated" + Origins(e.duplicate_by));
    if (trace.Enabled())
      trace.Write(
          world_.Now(), from.name(),
          "duplicate" + Origins(e.duplicate_by) + ": " + Describe(packet));
  }
  bool corrupted = false;
  if (e.corrupt > 0 && world_.Rng("net.corrupt").Chance(e.corrupt)) {
    corrupted = true;
    Note("corrupted" + Origins(e.corrupt_by));
    if (trace.Enabled())
      trace.Write(world_.Now(), from.name(),
                  "corrupt" + Origins(e.corrupt_by) + ": " + Describe(packet));
  }
  for (int i = 0; i < copies; ++i) {
    Packet copy = i + 1 < copies ? packet : std::move(packet);
    if (e.clog) {
      Note("held by clog" + Origins(e.clog_by));
      if (trace.Enabled())
        trace.Write(world_.Now(), from.name(),
                    "hold (clog" + e.clog_by + "): " + Describe(copy));
      path.held.emplace_back(std::move(copy), corrupted);
      continue;
    }
    Transmit(path, link, e, std::move(copy), corrupted);
  }
}

namespace {

// The pcapng record of a packet, written when Send is done with it, with
// the fate Send noted (Network::Note) as its comment.
class CaptureOnReturn {
 public:
  CaptureOnReturn(Trace& trace, Time sent, const Packet& packet,
                  std::string*& fate_slot)
      : trace_(trace), sent_(sent), fate_slot_(fate_slot) {
    if (!trace.capturing()) return;
    packet_ = packet;
    fate_slot_ = &fate_;
  }
  ~CaptureOnReturn() {
    if (!packet_) return;
    fate_slot_ = nullptr;
    trace_.Capture(sent_, *packet_, fate_);
  }
  CaptureOnReturn(const CaptureOnReturn&) = delete;
  CaptureOnReturn& operator=(const CaptureOnReturn&) = delete;

 private:
  Trace& trace_;
  Time sent_;
  std::string*& fate_slot_;
  std::optional<Packet> packet_;
  std::string fate_;
};

}  // namespace

void Network::Send(Host& from, Packet packet) {
  if (torn_down_) return;
  ++packets_sent_;
  Trace& trace = world_.trace();
  trace.Packet(world_.Now(), from.name(), packet);
  CaptureOnReturn capture(trace, world_.Now(), packet, fate_);
  if (from.IsLocalAddress(packet.dst)) {
    // Loopback: processed before the sending syscall returns.
    Note("loopback: delivered at once");
    world_.Defer([this, &from, box = Box(std::move(packet))]() mutable {
      from.Receive(*box);
      Recycle(std::move(box));
    });
    return;
  }
  Host* to = HostByAddress(packet.dst);
  if (to == nullptr) {
    Drop(from, packet, "no route");
    return;
  }
  const Link link = LinkBetween(from, *to);
  if (!paths_.empty()) {
    auto path = paths_.find({from.id(), to->id()});
    if (path != paths_.end() &&
        (!path->second.active.empty() || !path->second.held.empty() ||
         path->second.busy_until > world_.Now())) {
      SendImpaired(from, link, path->second, std::move(packet));
      return;
    }
  }
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
    Note("duplicated");
    if (trace.Enabled())
      trace.Write(world_.Now(), from.name(), "duplicate: " + Describe(packet));
  }
  for (int i = 0; i < copies; ++i) {
    Duration delay = link.latency;
    if (f.jitter > Duration::zero()) {
      delay += Duration(world_.Rng("net.jitter").Between(0, f.jitter.count()));
    }
    if (delay > link.latency) Note("delayed " + Millis(delay - link.latency));
    NoteArrival(*to, delay);
    // Hosts live as long as the world, so the raw pointer is safe.
    Packet copy = i + 1 < copies ? packet : std::move(packet);
    world_.Schedule(world_.Now() + delay,
                    [this, to, box = Box(std::move(copy))]() mutable {
                      to->Receive(*box);
                      Recycle(std::move(box));
                    });
  }
}

}  // namespace simsock::sim
