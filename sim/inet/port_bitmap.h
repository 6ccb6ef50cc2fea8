/// \file
/// PortBitmap: one bit per port (0..65535), for the port choices that must
/// find "the first port from here on that nobody blocks" without asking
/// port by port (PortTable::PickForConnect). The words are allocated on the
/// first bit set, so an unused bitmap costs a vector's header.
#pragma once

#include <cstdint>
#include <vector>

namespace simsock::sim {

/// One bit per port (65536), for fast free-port searches. Empty (no allocation)
/// until a bit is first set; then 8 KiB. Test and Set are O(1); FirstClear is
/// O(range / 64).
class PortBitmap {
 public:
  /// The port's bit is set.
  bool Test(uint16_t port) const {
    return !words_.empty() && ((words_[port >> 6] >> (port & 63)) & 1) != 0;
  }
  /// Sets or clears the port's bit.
  void Set(uint16_t port, bool on) {
    if (words_.empty()) {
      if (!on) return;
      words_.assign(kWords, 0);
    }
    uint64_t bit = uint64_t{1} << (port & 63);
    if (on) {
      words_[port >> 6] |= bit;
    } else {
      words_[port >> 6] &= ~bit;
    }
  }
  /// The first port in [from, to] of the given parity (0 even, 1 odd) whose
  /// bit is clear here and in `also` (null: no second bitmap); -1 if none.
  int FirstClear(int from, int to, int parity, const PortBitmap* also) const {
    if (from > to) return -1;
    // Even ports sit on even bits of each word (64 is even).
    const uint64_t parity_bits =
        parity == 0 ? 0x5555555555555555ULL : 0xAAAAAAAAAAAAAAAAULL;
    for (int w = from >> 6; w <= to >> 6; ++w) {
      uint64_t taken = Word(w) | (also != nullptr ? also->Word(w) : 0);
      uint64_t free = ~taken & parity_bits;
      if (w == from >> 6) free &= ~uint64_t{0} << (from & 63);
      if (w == to >> 6 && (to & 63) != 63)
        free &= (uint64_t{1} << ((to & 63) + 1)) - 1;
      if (free != 0) return w * 64 + __builtin_ctzll(free);
    }
    return -1;
  }

 private:
  static constexpr int kWords = 65536 / 64;
  uint64_t Word(int w) const {
    return words_.empty() ? 0 : words_[static_cast<size_t>(w)];
  }
  std::vector<uint64_t> words_;
};

}  // namespace simsock::sim
