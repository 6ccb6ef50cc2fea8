#include "simsock/sim/inet/port_table.h"

#include <algorithm>

#include "simsock/sim/base/check.h"
#include "simsock/sim/base/random.h"

namespace simsock::sim {
namespace {

bool Overlap(uint32_t a, uint32_t b) { return a == 0 || b == 0 || a == b; }

}  // namespace

bool PortTable::CanBind(const PortHolder& s, uint32_t ip, uint16_t port) const {
  auto it = ports_.find(port);
  if (it == ports_.end()) return true;
  for (const PortHolder* other : it->second) {
    if (other == &s) continue;
    if (!Overlap(ip, other->local().ip)) continue;
    if (s.reuseaddr() && other->reuseaddr() && !other->IsListening()) continue;
    if (s.reuseport() && other->reuseport()) continue;
    return false;
  }
  return true;
}

void PortTable::Add(PortHolder& s, uint16_t port) {
  auto& v = ports_[port];
  SIM_CHECK(std::find(v.begin(), v.end(), &s) == v.end());
  v.push_back(&s);
}

void PortTable::Remove(PortHolder& s, uint16_t port) {
  auto it = ports_.find(port);
  SIM_CHECK(it != ports_.end());
  auto& v = it->second;
  auto pos = std::find(v.begin(), v.end(), &s);
  SIM_CHECK(pos != v.end());
  v.erase(pos);
  if (v.empty()) ports_.erase(it);
}

const std::vector<PortHolder*>* PortTable::Holders(uint16_t port) const {
  auto it = ports_.find(port);
  return it == ports_.end() ? nullptr : &it->second;
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
    int lo, int hi, RandomStream& rng,
    const std::function<bool(uint16_t)>& usable) const {
  int n = hi - lo + 1;
  if (n <= 0) return 0;
  int offset = static_cast<int>(rng.Below(static_cast<uint64_t>(n)));
  for (int parity : {0, 1}) {
    for (int i = 0; i < n; ++i) {
      int port = lo + (offset + i) % n;
      if (port % 2 != parity) continue;
      auto it = ports_.find(static_cast<uint16_t>(port));
      if (it != ports_.end()) {
        bool bind_owned = std::any_of(
            it->second.begin(), it->second.end(),
            [](const PortHolder* o) { return !o->connect_bound(); });
        if (bind_owned) continue;
      }
      if (usable(static_cast<uint16_t>(port)))
        return static_cast<uint16_t>(port);
    }
  }
  return 0;
}

}  // namespace simsock::sim
