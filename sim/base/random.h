// RandomStream: a seeded xoshiro256** generator. The world keeps one stream
// per purpose ("tcp.isn", "port.ephemeral", "net.loss", ...), each seeded
// from the world's seed and the purpose's name, so that adding a draw for
// one purpose does not shift the draws of any other.
#pragma once

#include <cstdint>
#include <string_view>

namespace simsock::sim {

class RandomStream {
 public:
  RandomStream(uint64_t seed, std::string_view purpose);

  uint64_t Next();
  // Uniform in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi);
  // True with probability p (0 <= p <= 1).
  bool Chance(double p);

 private:
  uint64_t s_[4];
};

}  // namespace simsock::sim
