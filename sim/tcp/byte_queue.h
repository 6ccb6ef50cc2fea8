/// \file
/// ByteQueue: a FIFO of bytes backed by a growable ring buffer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace simsock::sim::tcp {

/// A FIFO of bytes backed by a growable ring buffer. Used for the TCP send
/// queue (bytes from snd_una on) and receive queue. The buffer starts at 256
/// bytes, doubles when full and never shrinks. Not thread-safe.
class ByteQueue {
 public:
  /// Bytes queued.
  size_t size() const { return size_; }
  /// True when no byte is queued.
  bool empty() const { return size_ == 0; }

  /// Copies len bytes to the back. O(len); reallocates (copying what is
  /// queued) when the buffer must grow.
  void Append(const uint8_t* data, size_t len) {
    if (len == 0) return;
    Reserve(size_ + len);
    size_t tail = (size_t{head_} + size_) % buf_.size();
    size_t first = std::min(len, buf_.size() - tail);
    std::memcpy(buf_.data() + tail, data, first);
    std::memcpy(buf_.data(), data + first, len - first);
    size_ += len;
  }

  /// Copies up to len bytes starting offset bytes from the front, without
  /// consuming them. Returns the number copied (0 when offset >= size()).
  /// O(len).
  size_t Peek(size_t offset, uint8_t* out, size_t len) const {
    if (offset >= size_) return 0;
    len = std::min(len, size_ - offset);
    size_t start = (head_ + offset) % buf_.size();
    size_t first = std::min(len, buf_.size() - start);
    std::memcpy(out, buf_.data() + start, first);
    std::memcpy(out + first, buf_.data(), len - first);
    return len;
  }

  /// Drops up to len bytes from the front. Returns the number dropped. O(1).
  size_t Consume(size_t len) {
    len = std::min<size_t>(len, size_);
    if (len == 0) return 0;
    head_ = (head_ + len) % buf_.size();
    size_ -= len;
    if (size_ == 0) head_ = 0;
    return len;
  }

  /// Drops every byte (the buffer is kept).
  void Clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  void Reserve(size_t need) {
    if (need <= buf_.size()) return;
    size_t cap = buf_.empty() ? 256 : buf_.size();
    while (cap < need) cap *= 2;
    std::vector<uint8_t> next(cap);
    Peek(0, next.data(), size_);
    buf_.swap(next);
    head_ = 0;
  }

  std::vector<uint8_t> buf_;
  // 32-bit: a queue never holds more than its buffer's capacity, a
  // uint32_t (TcbConfig::snd_buf, rcv_buf), so the offsets fit, and every
  // control block (two queues) is 16 bytes smaller for it.
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace simsock::sim::tcp
