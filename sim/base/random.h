/// \file
/// RandomStream: the simulator's deterministic random numbers, one stream
/// per purpose.
#pragma once

#include <cstdint>
#include <string_view>

namespace simsock::sim {

/// A seeded xoshiro256** generator. The world keeps one stream per purpose
/// ("tcp.isn", "port.ephemeral", "net.loss", ...), each seeded from the
/// world's seed and the purpose's name, so that adding a draw for one
/// purpose does not shift the draws of any other. Every draw is O(1) and
/// allocates nothing.
class RandomStream {
 public:
  /// A stream seeded from the world's seed and the purpose's name: the same
  /// pair always gives the same sequence.
  RandomStream(uint64_t seed, std::string_view purpose);

  /// The next 64 random bits.
  uint64_t Next();
  /// Uniform in [0, n); n must be > 0. Draws one or more values (rejection
  /// keeps it unbiased).
  uint64_t Below(uint64_t n);
  /// Uniform in [lo, hi], both included; lo <= hi.
  int64_t Between(int64_t lo, int64_t hi);
  /// True with probability p (0 <= p <= 1).
  bool Chance(double p);

 private:
  uint64_t s_[4];
};

}  // namespace simsock::sim
