/// \file
/// SeqFifo: a first-in first-out list of sequence numbers in a ring
/// buffer, for the control block's list of segments in flight
/// (Tcb::packets_out_). It replaced a `std::deque`, whose libstdc++
/// constructor allocates a 512-byte node and its map even when the deque
/// stays empty: about 600 bytes of heap for every control block, idle or
/// not (and every TIME_WAIT keeps one). This one allocates on the first
/// push and only what the most segments in flight need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include "simsock/sim/tcp/seq.h"

namespace simsock::sim::tcp {

/// A FIFO of SeqNum over a power-of-two ring (no allocation while empty
/// and never used). Cost: 16 bytes plus 4 bytes per slot once used.
class SeqFifo {
 public:
  SeqFifo() = default;
  /// Copies the entries (a TIME_WAIT copies its connection's control
  /// block); an unused FIFO copies without allocating.
  SeqFifo(const SeqFifo& other) { *this = other; }
  /// \see SeqFifo(const SeqFifo&)
  SeqFifo& operator=(const SeqFifo& other) {
    if (this == &other) return *this;
    buf_.reset();
    cap_ = head_ = size_ = 0;
    if (other.cap_ == 0) return *this;
    buf_.reset(new SeqNum[other.cap_]);
    cap_ = other.cap_;
    for (uint32_t i = 0; i < other.size_; ++i) buf_[i] = other[i];
    size_ = other.size_;
    return *this;
  }
  /// Takes `other`'s entries; `other` is left empty.
  SeqFifo(SeqFifo&& other) noexcept { *this = std::move(other); }
  /// \see SeqFifo(SeqFifo&&)
  SeqFifo& operator=(SeqFifo&& other) noexcept {
    if (this == &other) return *this;
    buf_ = std::move(other.buf_);
    cap_ = other.cap_;
    head_ = other.head_;
    size_ = other.size_;
    other.cap_ = other.head_ = other.size_ = 0;
    return *this;
  }

  /// True when nothing is queued.
  bool empty() const { return size_ == 0; }
  /// The number queued.
  size_t size() const { return size_; }
  /// The oldest; the FIFO must not be empty.
  SeqNum front() const { return buf_[head_]; }
  /// The i-th oldest (0 is front()); i < size().
  SeqNum operator[](size_t i) const { return buf_[(head_ + i) & (cap_ - 1)]; }
  /// Drops the oldest; the FIFO must not be empty.
  void pop_front() {
    head_ = (head_ + 1) & (cap_ - 1);
    if (--size_ == 0) head_ = 0;
  }
  /// Appends `s` as the newest (grows the ring twofold when full).
  void push_back(SeqNum s) {
    if (size_ == cap_) Grow();
    buf_[(head_ + size_) & (cap_ - 1)] = s;
    ++size_;
  }
  /// The index of the first entry not before `s` in sequence space (size()
  /// if none), as std::lower_bound over entries kept in order.
  size_t LowerBound(SeqNum s) const {
    size_t lo = 0, hi = size_;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if ((*this)[mid] < s) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

 private:
  void Grow() {
    uint32_t cap = cap_ == 0 ? 8 : cap_ * 2;
    std::unique_ptr<SeqNum[]> next(new SeqNum[cap]);
    for (uint32_t i = 0; i < size_; ++i) next[i] = (*this)[i];
    buf_ = std::move(next);
    cap_ = cap;
    head_ = 0;
  }

  std::unique_ptr<SeqNum[]> buf_;
  uint32_t cap_ = 0;  // 0 or a power of two
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace simsock::sim::tcp
