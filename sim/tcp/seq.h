// SeqNum: a TCP sequence number with modulo-2^32 comparison (RFC 9293
// §3.4). Comparing with < is only meaningful for numbers less than 2^31
// apart, which the window rules guarantee.
#pragma once

#include <cstdint>
#include <string>

namespace simsock::sim::tcp {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(uint32_t v) : v_(v) {}
  constexpr uint32_t value() const { return v_; }

  constexpr SeqNum operator+(uint32_t n) const { return SeqNum(v_ + n); }
  constexpr SeqNum operator-(uint32_t n) const { return SeqNum(v_ - n); }
  SeqNum& operator+=(uint32_t n) {
    v_ += n;
    return *this;
  }
  // Distance from other to this (this - other), as a signed number.
  constexpr int32_t operator-(SeqNum other) const {
    return static_cast<int32_t>(v_ - other.v_);
  }
  constexpr bool operator==(SeqNum o) const { return v_ == o.v_; }
  constexpr bool operator!=(SeqNum o) const { return v_ != o.v_; }
  constexpr bool operator<(SeqNum o) const { return (*this - o) < 0; }
  constexpr bool operator<=(SeqNum o) const { return (*this - o) <= 0; }
  constexpr bool operator>(SeqNum o) const { return (*this - o) > 0; }
  constexpr bool operator>=(SeqNum o) const { return (*this - o) >= 0; }

 private:
  uint32_t v_ = 0;
};

inline std::string ToString(SeqNum s) { return std::to_string(s.value()); }

}  // namespace simsock::sim::tcp
