/// \file
/// TraceHash: the running hash of a trace's binary events (FNV-1a, 64 bits)
/// over an explicit byte encoding: integers little-endian at a fixed width,
/// strings as a 32-bit length and their bytes. No struct is hashed as it
/// lies in memory (no padding, no pointers), so the hash is the same on
/// every machine and build. sim/kernel/trace.cc says how each event is
/// encoded.
#pragma once

#include <cstdint>
#include <string_view>

namespace simsock::sim {

/// TraceHash's constants (not an interface of their own).
namespace trace_hash_internal {
/// FNV-1a's 64-bit prime.
inline constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
/// kFnvPrime to the power k (mod 2^64): the hash's step for k zero bytes.
constexpr uint64_t PrimePower(int k) {
  uint64_t p = 1;
  for (int i = 0; i < k; ++i) p *= kFnvPrime;
  return p;
}
}  // namespace trace_hash_internal

/// FNV-1a over the bytes it is fed, in order.
class TraceHash {
 public:
  /// FNV-1a's 64-bit offset basis: the hash of no bytes.
  static constexpr uint64_t kBasis = 0xcbf29ce484222325ULL;

  /// One byte.
  void U8(uint8_t v) {
    h_ ^= v;
    h_ *= kPrime;
  }
  /// 2 bytes, little-endian.
  void U16(uint16_t v) { Bytes(v, 2); }
  /// 4 bytes, little-endian.
  void U32(uint32_t v) { Bytes(v, 4); }
  /// 8 bytes, little-endian (two's complement).
  void I64(int64_t v) { Bytes(static_cast<uint64_t>(v), 8); }
  /// The length (4 bytes) and the bytes.
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    for (unsigned char c : s) U8(c);
  }

  /// The hash of everything appended so far.
  uint64_t value() const { return h_; }

 private:
  static constexpr uint64_t kPrime = trace_hash_internal::kFnvPrime;
  static constexpr uint64_t kPrimePowers[9] = {
      trace_hash_internal::PrimePower(0), trace_hash_internal::PrimePower(1),
      trace_hash_internal::PrimePower(2), trace_hash_internal::PrimePower(3),
      trace_hash_internal::PrimePower(4), trace_hash_internal::PrimePower(5),
      trace_hash_internal::PrimePower(6), trace_hash_internal::PrimePower(7),
      trace_hash_internal::PrimePower(8)};

  // The n low bytes of v, low byte first. FNV-1a's step for a zero byte is
  // a multiply alone (h ^ 0 == h), so the zero bytes above v's highest set
  // byte, which most fields have (fds, lengths, flags, the unused second
  // value of an argument), are one multiply by kPrime^k rather than k
  // steps of a serial chain: the same hash, bit for bit, at a fraction of
  // the cost (trace_hash_test checks it against the byte-by-byte form).
  void Bytes(uint64_t v, int n) {
    for (; n > 0 && v != 0; --n, v >>= 8) U8(static_cast<uint8_t>(v & 0xff));
    h_ *= kPrimePowers[n];
  }

  uint64_t h_ = kBasis;
};

}  // namespace simsock::sim
