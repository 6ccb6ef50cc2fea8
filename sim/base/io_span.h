/// \file
/// IoSpan: the caller's buffers a send copies from (one buffer, or an
/// iovec array), seen as one sequence of bytes, as Linux's iov_iter
/// (ITER_UBUF or ITER_IOVEC) is to a protocol's sendmsg.
#pragma once

#include <sys/uio.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace simsock::sim {

/// MAX_RW_COUNT: the most bytes one read or write moves (rw_verify_area
/// caps a plain call's count, import_iovec the sum of an iovec array's).
inline constexpr size_t kMaxRwCount = 0x7ffff000;

/// A read-only view of the caller's buffers as one byte sequence: write
/// and sendto give one buffer, writev and sendmsg an iovec array whose
/// lengths the syscall layer has checked and capped (import_iovec). The
/// protocols copy from it piece by piece, never through a concatenated
/// copy. A buffer with a NULL base and a nonzero length is where a copy
/// would fault: Readable() stops there. The view holds pointers only
/// (the caller's iovecs and buffers must outlive it); copying it is cheap.
class IoSpan {
 public:
  /// No bytes.
  IoSpan() = default;
  /// One buffer of len bytes (write, sendto); data may be NULL.
  IoSpan(const void* data, size_t len)
      : first_{const_cast<void*>(data), len}, size_(len) {}
  /// The first len bytes of iov[0..count) (writev, sendmsg): len is at most
  /// the sum of the lengths (the caller's cap, MAX_RW_COUNT).
  IoSpan(const iovec* iov, size_t count, size_t len) : size_(len) {
    if (count > 0) {
      first_ = iov[0];
      rest_ = iov + 1;
      rest_count_ = count - 1;
    }
  }

  /// Bytes in the view.
  size_t size() const { return size_; }
  /// No bytes in the view.
  bool empty() const { return size_ == 0; }

  /// The bytes that can be copied before the first buffer with a NULL base
  /// (zero-length buffers are skipped, whatever their base, as
  /// iterate_iovec does): a copy of more faults there.
  size_t Readable() const {
    size_t n = 0;
    ForEachPiece(size_, [&](const iovec& piece) {
      if (piece.iov_base == nullptr) return false;
      n += piece.iov_len;
      return true;
    });
    return n;
  }

  /// Copies the first n bytes (n <= Readable()) to out.
  void CopyTo(uint8_t* out, size_t n) const {
    ForEachPiece(n, [&](const iovec& piece) {
      std::memcpy(out, piece.iov_base, piece.iov_len);
      out += piece.iov_len;
      return true;
    });
  }

  /// Appends all the bytes (size() <= Readable()) to *out.
  void AppendTo(std::vector<uint8_t>* out) const {
    const size_t at = out->size();
    out->resize(at + size_);
    if (size_ > 0) CopyTo(out->data() + at, size_);
  }

  /// Calls fn(const uint8_t* data, size_t len) for each nonempty piece of
  /// the first n bytes (n <= Readable()), in order.
  template <typename Fn>
  void ForEachChunk(size_t n, Fn&& fn) const {
    ForEachPiece(n, [&](const iovec& piece) {
      fn(static_cast<const uint8_t*>(piece.iov_base), piece.iov_len);
      return true;
    });
  }

  /// The view without its first n bytes (n <= size()), as
  /// iov_iter_advance leaves it.
  IoSpan Tail(size_t n) const {
    IoSpan t = *this;
    t.size_ -= n;
    while (n > 0) {
      const size_t step = std::min(n, t.first_.iov_len);
      t.first_.iov_base = static_cast<uint8_t*>(t.first_.iov_base) + step;
      t.first_.iov_len -= step;
      n -= step;
      if (n == 0 || t.rest_count_ == 0) break;
      t.first_ = *t.rest_++;
      --t.rest_count_;
    }
    return t;
  }

  /// The view cut to its first n bytes (all of it when n >= size()).
  IoSpan Head(size_t n) const {
    IoSpan h = *this;
    h.size_ = std::min(n, size_);
    return h;
  }

 private:
  // Calls visit(piece) for each nonempty piece of the first n bytes, the
  // last one cut to what is left of n, until visit returns false.
  template <typename Visit>
  void ForEachPiece(size_t n, Visit&& visit) const {
    n = std::min(n, size_);
    iovec piece = first_;
    const iovec* next = rest_;
    size_t left = rest_count_;
    while (n > 0) {
      if (piece.iov_len > 0) {
        piece.iov_len = std::min(piece.iov_len, n);
        if (!visit(piece)) return;
        n -= piece.iov_len;
      }
      if (left == 0) return;
      piece = *next++;
      --left;
    }
  }

  iovec first_{nullptr, 0};  // what is left of the first buffer
  const iovec* rest_ = nullptr;
  size_t rest_count_ = 0;
  size_t size_ = 0;
};

}  // namespace simsock::sim
