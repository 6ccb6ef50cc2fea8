/// \file
/// SeqNum: a TCP sequence number with modulo-2^32 comparison (RFC 9293
/// §3.4).
#pragma once

#include <cstdint>
#include <string>

namespace simsock::sim::tcp {

/// A 32-bit TCP sequence number whose arithmetic wraps modulo 2^32 and whose
/// comparisons are RFC 9293 §3.4's: a < b when b - a, as a signed 32-bit
/// number, is positive. Comparing is only meaningful for numbers less than
/// 2^31 apart, which the window rules guarantee.
class SeqNum {
 public:
  /// Sequence number 0.
  constexpr SeqNum() = default;
  /// The sequence number v.
  constexpr explicit SeqNum(uint32_t v) : v_(v) {}
  /// The raw 32-bit value, as on the wire.
  constexpr uint32_t value() const { return v_; }

  /// n bytes later, wrapping modulo 2^32.
  constexpr SeqNum operator+(uint32_t n) const { return SeqNum(v_ + n); }
  /// n bytes earlier, wrapping modulo 2^32.
  constexpr SeqNum operator-(uint32_t n) const { return SeqNum(v_ - n); }
  /// Advances by n bytes, wrapping modulo 2^32.
  SeqNum& operator+=(uint32_t n) {
    v_ += n;
    return *this;
  }
  /// Distance from other to this (this - other), as a signed number.
  constexpr int32_t operator-(SeqNum other) const {
    return static_cast<int32_t>(v_ - other.v_);
  }
  /// Same raw value.
  constexpr bool operator==(SeqNum o) const { return v_ == o.v_; }
  /// Different raw values.
  constexpr bool operator!=(SeqNum o) const { return v_ != o.v_; }
  /// This comes before o in modular order.
  constexpr bool operator<(SeqNum o) const { return (*this - o) < 0; }
  /// This comes before o or is o.
  constexpr bool operator<=(SeqNum o) const { return (*this - o) <= 0; }
  /// This comes after o in modular order.
  constexpr bool operator>(SeqNum o) const { return (*this - o) > 0; }
  /// This comes after o or is o.
  constexpr bool operator>=(SeqNum o) const { return (*this - o) >= 0; }

 private:
  uint32_t v_ = 0;
};

/// The raw value in decimal, as traces print it.
inline std::string ToString(SeqNum s) { return std::to_string(s.value()); }

}  // namespace simsock::sim::tcp
