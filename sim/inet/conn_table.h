/// \file
/// ConnTable: a host's TCP connection table (Linux's established hash,
/// `inet_ehash_bucket`), a hash table from a 4-tuple to the connection
/// that owns it. Lookups are what the stack does per segment, so the table
/// is one flat array probed linearly (one or two cache lines a lookup)
/// instead of an ordered tree (a cache miss per level: at 100,000
/// connections the red-black tree's find was an eighth of the ping-pong's
/// profile).
///
/// Determinism: the hash is a fixed function of the 4-tuple (no seed, no
/// pointer), and nothing iterates the table in its slot order:
/// TakeAllInKeyOrder hands the entries out sorted by key, so what runs on
/// them (a host's crash, its teardown) runs in one order on every machine.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "simsock/sim/base/check.h"
#include "simsock/sim/inet/tcp_connection.h"

namespace simsock::sim {

/// The table's hash of a 4-tuple: the tuple packed into 64 bits (the local
/// address is almost always the host's own, so it is folded in last) and
/// mixed by MurmurHash3's 64-bit finaliser. Fixed: no seed.
inline uint64_t HashConnKey(const ConnKey& k) {
  uint64_t h = (static_cast<uint64_t>(k.remote_ip) << 32) ^
               (static_cast<uint64_t>(k.remote_port) << 16) ^ k.local_port;
  h ^= static_cast<uint64_t>(k.local_ip) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

/// An open-addressing hash table from ConnKey to `Value`, a nullable
/// owning pointer (`std::shared_ptr<TcpConnection>` in the stack): a null
/// value marks a free slot, so a null value cannot be stored. Linear
/// probing over a power-of-two array kept at most 3/4 full; erasing shifts
/// the following entries of the probe run back (no tombstones, so lookups
/// never slow down with churn). Each entry costs sizeof(ConnKey) +
/// sizeof(Value) (32 bytes for a shared_ptr) over 1 to 4/3 slots.
template <typename Value>
class ConnTable {
 public:
  /// The number of connections in the table.
  size_t size() const { return size_; }
  /// True when the table holds nothing.
  bool empty() const { return size_ == 0; }

  /// Adds `value` (not null) under `key`. Returns false, and keeps the
  /// table as it was, if `key` is already there.
  bool Insert(const ConnKey& key, Value value) {
    SIM_CHECK(static_cast<bool>(value));
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    size_t i = Home(key);
    for (;; i = Next(i)) {
      Slot& s = slots_[i];
      if (!s.value) break;
      if (s.key == key) return false;
    }
    slots_[i].key = key;
    slots_[i].value = std::move(value);
    ++size_;
    return true;
  }

  /// The value stored under `key`, or null if there is none. The pointer
  /// is good until the table is next changed.
  Value* Find(const ConnKey& key) {
    if (size_ == 0) return nullptr;
    for (size_t i = Home(key);; i = Next(i)) {
      Slot& s = slots_[i];
      if (!s.value) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  /// \see Find
  const Value* Find(const ConnKey& key) const {
    return const_cast<ConnTable*>(this)->Find(key);
  }

  /// Takes the value stored under `key` out of the table and returns it
  /// (null if there was none).
  Value Erase(const ConnKey& key) {
    if (size_ == 0) return Value();
    size_t i = Home(key);
    for (;; i = Next(i)) {
      if (!slots_[i].value) return Value();
      if (slots_[i].key == key) break;
    }
    Value out = std::move(slots_[i].value);
    slots_[i].value = Value();
    --size_;
    // Backward shift (Knuth's Algorithm R): an entry further along the run
    // moves into the hole unless its home lies cyclically in (hole, j].
    size_t hole = i;
    for (size_t j = Next(hole); slots_[j].value; j = Next(j)) {
      size_t home = Home(slots_[j].key);
      bool stays =
          hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      slots_[hole].key = slots_[j].key;
      slots_[hole].value = std::move(slots_[j].value);
      slots_[j].value = Value();
      hole = j;
    }
    return out;
  }

  /// Empties the table and returns its entries sorted by key, so that
  /// whatever is done to them runs in an order that does not depend on
  /// the hash or the table's history.
  std::vector<std::pair<ConnKey, Value>> TakeAllInKeyOrder() {
    std::vector<std::pair<ConnKey, Value>> all;
    all.reserve(size_);
    for (Slot& s : slots_)
      if (s.value) all.emplace_back(s.key, std::move(s.value));
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return all;
  }

 private:
  struct Slot {
    ConnKey key;
    Value value;
  };
  size_t Home(const ConnKey& key) const {
    return static_cast<size_t>(HashConnKey(key)) & (slots_.size() - 1);
  }
  size_t Next(size_t i) const { return (i + 1) & (slots_.size() - 1); }
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.clear();
    slots_.resize(old.empty() ? 16 : old.size() * 2);
    for (Slot& s : old) {
      if (!s.value) continue;
      size_t i = Home(s.key);
      while (slots_[i].value) i = Next(i);
      slots_[i].key = s.key;
      slots_[i].value = std::move(s.value);
    }
  }

  std::vector<Slot> slots_;  // size 0 or a power of two
  size_t size_ = 0;
};

}  // namespace simsock::sim
