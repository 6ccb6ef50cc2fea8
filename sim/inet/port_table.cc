#include "simsock/sim/inet/port_table.h"

#include <algorithm>
#include <map>
#include <memory>

#include "simsock/sim/base/check.h"
#include "simsock/sim/base/random.h"

namespace simsock::sim {
namespace {

bool Overlap(uint32_t a, uint32_t b) { return a == 0 || b == 0 || a == b; }

}  // namespace

bool PortTable::CanBind(const PortHolder& s, uint32_t ip, uint16_t port) const {
  auto it = ports_.find(port);
  if (it == ports_.end()) return true;
  for (const PortHolder* other = it->second.first; other != nullptr;
       other = other->port_next_) {
    if (other == &s) continue;
    if (!Overlap(ip, other->local().ip)) continue;
    if (s.reuseaddr() && other->reuseaddr() && !other->IsListening()) continue;
    if (s.reuseport() && other->reuseport()) continue;
    return false;
  }
  return true;
}

void PortTable::SetBindOwned(Bucket& b, PortHolder& s, uint16_t port,
                             bool owned) {
  if ((s.port_bind_owned_ != 0) == owned) return;
  s.port_bind_owned_ = owned;
  if (owned) {
    if (b.bind_owned++ == 0) bind_owned_.Set(port, true);
  } else {
    if (--b.bind_owned == 0) bind_owned_.Set(port, false);
  }
}

PortTable::BucketMap::iterator PortTable::BucketOf(const PortHolder& s,
                                                   uint16_t port) {
  auto it = ports_.find(port);
  SIM_CHECK(it != ports_.end());
  // s is linked in this bucket: first, or after another holder.
  SIM_CHECK(s.port_seq_ != 0 &&
            (s.port_prev_ != nullptr || it->second.first == &s));
  return it;
}

void PortTable::Add(PortHolder& s, uint16_t port) {
  SIM_CHECK(s.port_seq_ == 0);
  s.port_seq_ = ++next_seq_;
  // The newest holder has the largest port_seq_: appended, the list stays
  // in port_seq_ order.
  Bucket& b = ports_[port];
  s.port_prev_ = b.last;
  s.port_next_ = nullptr;
  s.port_bind_owned_ = false;
  (b.last != nullptr ? b.last->port_next_ : b.first) = &s;
  b.last = &s;
  ++b.count;
  Update(s, port);
}

void PortTable::Update(PortHolder& s, uint16_t port) {
  Bucket& b = BucketOf(s, port)->second;
  SetBindOwned(b, s, port, !s.connect_bound());
  if (s.IsListening()) {
    if (b.listeners == nullptr)
      b.listeners = std::make_unique<std::map<uint64_t, PortHolder*>>();
    b.listeners->emplace(uint64_t{s.port_seq_}, &s);
  }
}

void PortTable::Remove(PortHolder& s, uint16_t port) {
  auto it = BucketOf(s, port);
  Bucket& b = it->second;
  SetBindOwned(b, s, port, false);
  (s.port_prev_ != nullptr ? s.port_prev_->port_next_ : b.first) = s.port_next_;
  (s.port_next_ != nullptr ? s.port_next_->port_prev_ : b.last) = s.port_prev_;
  s.port_prev_ = s.port_next_ = nullptr;
  --b.count;
  if (b.listeners != nullptr) b.listeners->erase(uint64_t{s.port_seq_});
  s.port_seq_ = 0;
  if (b.count == 0) ports_.erase(it);
}

std::vector<PortHolder*> PortTable::Holders(uint16_t port) const {
  std::vector<PortHolder*> v;
  auto it = ports_.find(port);
  if (it == ports_.end()) return v;
  v.reserve(it->second.count);
  for (PortHolder* h = it->second.first; h != nullptr; h = h->port_next_)
    v.push_back(h);
  return v;
}

std::vector<PortHolder*> PortTable::Listeners(uint16_t port) const {
  std::vector<PortHolder*> v;
  auto it = ports_.find(port);
  if (it == ports_.end() || it->second.listeners == nullptr) return v;
  for (const auto& [seq, s] : *it->second.listeners)
    if (s->IsListening()) v.push_back(s);
  return v;
}

size_t PortTable::size() const { return ports_.size(); }

uint16_t PortTable::PickForBind(const PortHolder& s, uint32_t ip, int lo,
                                int hi, RandomStream& rng,
                                bool odd_first) const {
  int n = hi - lo + 1;
  if (n <= 0) return 0;
  int offset = static_cast<int>(rng.Below(static_cast<uint64_t>(n)));
  // Odd ports first (inet_csk_find_open_port), then even; or one pass of
  // either parity.
  for (int parity : odd_first ? std::vector<int>{1, 0} : std::vector<int>{-1}) {
    for (int i = 0; i < n; ++i) {
      int port = lo + (offset + i) % n;
      if (parity >= 0 && port % 2 != parity) continue;
      if (CanBind(s, ip, static_cast<uint16_t>(port)))
        return static_cast<uint16_t>(port);
    }
  }
  return 0;
}

uint16_t PortTable::PickForConnect(
    int lo, int hi, RandomStream& rng, const PortBitmap* taken,
    const std::function<bool(uint16_t)>& usable) const {
  int n = hi - lo + 1;
  if (n <= 0) return 0;
  int offset = static_cast<int>(rng.Below(static_cast<uint64_t>(n)));
  int start = lo + offset;
  // Even ports first, then odd; each from `start` up to hi, then from lo
  // (the order of lo + (offset + i) % n). Ports a bind()/listen() holder
  // owns, and those `taken` marks, are skipped a word at a time; the rest
  // are asked in order.
  for (int parity : {0, 1}) {
    for (auto [from, to] : {std::pair{start, hi}, std::pair{lo, start - 1}}) {
      for (int port = from; port <= to; ++port) {
        port = bind_owned_.FirstClear(port, to, parity, taken);
        if (port < 0) break;
        if (usable(static_cast<uint16_t>(port)))
          return static_cast<uint16_t>(port);
      }
    }
  }
  return 0;
}

}  // namespace simsock::sim
