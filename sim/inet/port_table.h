/// \file
/// PortTable: one host's bound ports for one protocol (Linux's bind hash),
/// and the rules that decide whether a socket may take an address:port.
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
//
// Scale: a listener's port is held by every connection it accepted, so a
// port's holders are kept in a list through the holders, in the order
// they took it (removal without a scan, and no node to allocate for each
// end of every connection), with the holders that listen apart (a SYN asks for
// them only), and the ports some bind()/listen() holder owns in a bitmap
// (connect()'s choice skips them a word at a time).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "simsock/sim/inet/port_bitmap.h"
#include "simsock/sim/inet/port_holder.h"

namespace simsock::sim {

class RandomStream;

/// One protocol's ports on one host (Linux's bind hash): which PortHolders hold
/// each port, in the order they took it, with Linux's bind-conflict rules.
/// Lookups are O(log ports + holders of the port). Not thread-safe.
class PortTable {
 public:
  /// True if `s` may take `ip`:`port` now (its own options decide).
  bool CanBind(const PortHolder& s, uint32_t ip, uint16_t port) const;
  /// Records that s holds its local() endpoint's port.
  void Add(PortHolder& s, uint16_t port);
  /// Records that s no longer holds `port`; s must hold it.
  void Remove(PortHolder& s, uint16_t port);
  /// s, which holds `port`, may have started listening or stopped being
  /// connect()-bound (listen() on a connected-then-disconnected socket):
  /// the table reads both again.
  void Update(PortHolder& s, uint16_t port);

  /// A free port for bind(0) / listen autobind, or 0 when the range is
  /// exhausted. TCP prefers odd ports; UDP (odd_first = false) takes the
  /// first free port from a random start, of either parity.
  uint16_t PickForBind(const PortHolder& s, uint32_t ip, int lo, int hi,
                       RandomStream& rng, bool odd_first = true) const;
  /// A port for connect() autobind: `usable(port)` says whether the 4-tuple
  /// would be unique. Returns 0 when none is left (EADDRNOTAVAIL). `taken`
  /// (may be null) marks ports known not to be usable (the caller's index
  /// of 4-tuples in use): they are skipped without asking, which leaves
  /// the choice as if each had been asked.
  uint16_t PickForConnect(int lo, int hi, RandomStream& rng,
                          const PortBitmap* taken,
                          const std::function<bool(uint16_t)>& usable) const;
  /// Every holder of `port`, in the order they took it.
  std::vector<PortHolder*> Holders(uint16_t port) const;
  /// The holders of `port` that listen, in the order they took it.
  std::vector<PortHolder*> Listeners(uint16_t port) const;

  /// The number of ports held (by one holder or more).
  size_t size() const;

 private:
  struct Bucket {
    // The holders in the order they took the port (by PortHolder::port_seq_),
    // linked through PortHolder::port_prev_ / port_next_.
    PortHolder* first = nullptr;
    PortHolder* last = nullptr;
    // Holders that listened while holding the port (a superset of those
    // listening now: readers check listener()); allocated by the first, as
    // most ports (every connect()'s own) never have one.
    std::unique_ptr<std::map<uint64_t, PortHolder*>> listeners;
    uint32_t bind_owned = 0;  // holders with port_bind_owned_
    uint32_t count = 0;       // holders
  };
  using BucketMap = std::map<uint16_t, Bucket>;
  // The bucket of `port`, which `s` holds.
  BucketMap::iterator BucketOf(const PortHolder& s, uint16_t port);
  void SetBindOwned(Bucket& b, PortHolder& s, uint16_t port, bool owned);

  BucketMap ports_;
  PortBitmap bind_owned_;  // ports whose bucket has bind_owned > 0
  uint64_t next_seq_ = 0;
};

}  // namespace simsock::sim
