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
  for (const auto& [seq, e] : it->second.holders) {
    const PortHolder* other = e.holder;
    if (other == &s) continue;
    if (!Overlap(ip, other->local().ip)) continue;
    if (s.reuseaddr() && other->reuseaddr() && !other->IsListening()) continue;
    if (s.reuseport() && other->reuseport()) continue;
    return false;
  }
  return true;
}

void PortTable::SetBindOwned(Bucket& b, Entry& e, uint16_t port, bool owned) {
  if (e.bind_owned == owned) return;
  e.bind_owned = owned;
  if (owned) {
    if (b.bind_owned++ == 0) bind_owned_.Set(port, true);
  } else {
    if (--b.bind_owned == 0) bind_owned_.Set(port, false);
  }
}

void PortTable::Add(PortHolder& s, uint16_t port) {
  SIM_CHECK(s.port_seq_ == 0);
  s.port_seq_ = ++next_seq_;
  ports_[port].holders.emplace(s.port_seq_, Entry{&s, false});
  Update(s, port);
}

void PortTable::Update(PortHolder& s, uint16_t port) {
  auto it = ports_.find(port);
  SIM_CHECK(it != ports_.end());
  Bucket& b = it->second;
  auto e = b.holders.find(s.port_seq_);
  SIM_CHECK(e != b.holders.end() && e->second.holder == &s);
  SetBindOwned(b, e->second, port, !s.connect_bound());
  if (s.IsListening()) {
    if (b.listeners == nullptr)
      b.listeners = std::make_unique<std::map<uint64_t, PortHolder*>>();
    b.listeners->emplace(s.port_seq_, &s);
  }
}

void PortTable::Remove(PortHolder& s, uint16_t port) {
  auto it = ports_.find(port);
  SIM_CHECK(it != ports_.end());
  Bucket& b = it->second;
  auto e = b.holders.find(s.port_seq_);
  SIM_CHECK(e != b.holders.end() && e->second.holder == &s);
  SetBindOwned(b, e->second, port, false);
  b.holders.erase(e);
  if (b.listeners != nullptr) b.listeners->erase(s.port_seq_);
  s.port_seq_ = 0;
  if (b.holders.empty()) ports_.erase(it);
}

std::vector<PortHolder*> PortTable::Holders(uint16_t port) const {
  std::vector<PortHolder*> v;
  auto it = ports_.find(port);
  if (it == ports_.end()) return v;
  v.reserve(it->second.holders.size());
  for (const auto& [seq, e] : it->second.holders) v.push_back(e.holder);
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
