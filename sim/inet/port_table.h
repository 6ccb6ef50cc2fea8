// PortTable: one host's bound ports for one protocol (Linux's bind hash),
// and the rules that decide whether a socket may take an address:port.
//
// Conflict rule (inet_csk_bind_conflict with relax = true, which bind() and
// listen() both use on 6.x): a holder conflicts with a newcomer when their
// addresses overlap (equal, or either is the wildcard) unless
//   - both have SO_REUSEADDR and the holder is not listening, or
//   - both have SO_REUSEPORT (same user: the simulator has one).
// A socket in TIME_WAIT still holds its port, with the SO_REUSEADDR it had.
// For UDP the same rule applies, with "listening" never true.
//
// Ephemeral ports: bind(0) and listen() autobind draw odd ports first (then
// even); connect() draws even ports first (__inet_hash_connect) and may
// share a port with other connect()-bound sockets as long as the 4-tuple
// differs, but never a port some socket took with bind() or listen().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "simsock/sim/inet/port_holder.h"

namespace simsock::sim {

class RandomStream;

class PortTable {
 public:
  // True if `s` may take `ip`:`port` now (its own options decide).
  bool CanBind(const PortHolder& s, uint32_t ip, uint16_t port) const;
  // Records that s holds its local() endpoint's port.
  void Add(PortHolder& s, uint16_t port);
  void Remove(PortHolder& s, uint16_t port);

  // A free port for bind(0) / listen autobind, or 0 when the range is
  // exhausted. TCP prefers odd ports; UDP (odd_first = false) takes the
  // first free port from a random start, of either parity.
  uint16_t PickForBind(const PortHolder& s, uint32_t ip, int lo, int hi,
                       RandomStream& rng, bool odd_first = true) const;
  // A port for connect() autobind: `usable(port)` says whether the 4-tuple
  // would be unique. Returns 0 when none is left (EADDRNOTAVAIL).
  uint16_t PickForConnect(int lo, int hi, RandomStream& rng,
                          const std::function<bool(uint16_t)>& usable) const;
  // Every holder of `port`, in the order they took it.
  const std::vector<PortHolder*>* Holders(uint16_t port) const;

  size_t size() const;

 private:
  std::map<uint16_t, std::vector<PortHolder*>> ports_;
};

}  // namespace simsock::sim
