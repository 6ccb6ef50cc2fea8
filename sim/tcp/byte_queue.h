/// \file
/// ByteQueue: a FIFO of bytes backed by a growable ring buffer.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

namespace simsock::sim::tcp {

/// A FIFO of bytes backed by a growable ring buffer. Used for the TCP send
/// queue (bytes from snd_una on) and receive queue. The buffer starts at 256
/// bytes, doubles when full and never shrinks. Copies are deep. Not
/// thread-safe.
///
/// 16 bytes: the buffer's capacity is kept in a header at the front of its
/// own allocation rather than beside the pointer (every control block has
/// two queues, and an idle connection's have no buffer at all).
class ByteQueue {
 public:
  ByteQueue() = default;
  /// A queue with the same bytes (and the same capacity).
  ByteQueue(const ByteQueue& other) : head_(other.head_), size_(other.size_) {
    if (!other.block_) return;
    const size_t bytes = kHeader + other.capacity();
    block_ = std::make_unique_for_overwrite<uint8_t[]>(bytes);
    std::memcpy(block_.get(), other.block_.get(), bytes);
  }
  /// Takes other's bytes and buffer; other is left empty, with no buffer.
  ByteQueue(ByteQueue&& other) noexcept
      : block_(std::move(other.block_)),
        head_(other.head_),
        size_(other.size_) {
    other.head_ = 0;
    other.size_ = 0;
  }
  /// Copy or move assignment (by copy-and-swap): this holds what other
  /// held.
  ByteQueue& operator=(ByteQueue other) noexcept {
    std::swap(block_, other.block_);
    std::swap(head_, other.head_);
    std::swap(size_, other.size_);
    return *this;
  }

  /// Bytes queued.
  size_t size() const { return size_; }
  /// True when no byte is queued.
  bool empty() const { return size_ == 0; }
  /// Bytes the buffer holds before it must grow (0 before the first byte).
  size_t capacity() const {
    if (!block_) return 0;
    uint32_t cap;
    std::memcpy(&cap, block_.get(), sizeof cap);
    return cap;
  }

  /// Copies len bytes to the back. O(len); reallocates (copying what is
  /// queued) when the buffer must grow.
  void Append(const uint8_t* data, size_t len) {
    if (len == 0) return;
    Reserve(size_ + len);
    const size_t cap = capacity();
    size_t tail = (size_t{head_} + size_) % cap;
    size_t first = std::min(len, cap - tail);
    std::memcpy(bytes() + tail, data, first);
    std::memcpy(bytes(), data + first, len - first);
    size_ += static_cast<uint32_t>(len);
  }

  /// Copies up to len bytes starting offset bytes from the front, without
  /// consuming them. Returns the number copied (0 when offset >= size()).
  /// O(len).
  size_t Peek(size_t offset, uint8_t* out, size_t len) const {
    if (offset >= size_) return 0;
    len = std::min(len, size_ - offset);
    const size_t cap = capacity();
    size_t start = (head_ + offset) % cap;
    size_t first = std::min(len, cap - start);
    std::memcpy(out, bytes() + start, first);
    std::memcpy(out + first, bytes(), len - first);
    return len;
  }

  /// Drops up to len bytes from the front. Returns the number dropped. O(1).
  size_t Consume(size_t len) {
    len = std::min<size_t>(len, size_);
    if (len == 0) return 0;
    head_ = static_cast<uint32_t>((head_ + len) % capacity());
    size_ -= static_cast<uint32_t>(len);
    if (size_ == 0) head_ = 0;
    return len;
  }

  /// Drops every byte (the buffer is kept).
  void Clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  // The header before the bytes: the capacity, a uint32_t, padded to 8 so
  // the bytes start aligned as new[] gave the block.
  static constexpr size_t kHeader = 8;

  uint8_t* bytes() const { return block_.get() + kHeader; }

  void Reserve(size_t need) {
    size_t cap = capacity();
    if (need <= cap) return;
    cap = cap == 0 ? 256 : cap;
    while (cap < need) cap *= 2;
    auto next = std::make_unique_for_overwrite<uint8_t[]>(kHeader + cap);
    const uint32_t cap32 = static_cast<uint32_t>(cap);
    std::memcpy(next.get(), &cap32, sizeof cap32);
    Peek(0, next.get() + kHeader, size_);
    block_ = std::move(next);
    head_ = 0;
  }

  std::unique_ptr<uint8_t[]> block_;  // the header, then the ring's bytes
  // 32-bit: a queue never holds more than its buffer's capacity, a
  // uint32_t (TcbConfig::snd_buf, rcv_buf), so the offsets fit, and every
  // control block (two queues) is 16 bytes smaller for it.
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace simsock::sim::tcp
