// Go's bufio.Writer (bufio.go): flush, the sticky error and the direct
// write of a large buffer, over io::Writer's Result<size_t>.
#include "simsock/net/io/bufio_writer.h"

#include <cstring>

namespace simsock::net::bufio {

Writer::Writer(io::Writer wr, size_t size)
    : buf_(size == 0 ? kDefaultBufSize : size), wr_(wr) {}

void Writer::Reset(io::Writer wr) {
  wr_ = wr;
  n_ = 0;
  err_.reset();
}

Result<void> Writer::Flush() {
  if (err_) return *err_;
  if (n_ == 0) return {};
  Result<size_t> n = wr_.Write(std::span<const char>(buf_.data(), n_));
  if (n.ok() && *n > n_) {
    err_ = io::ErrInvalidWrite;
    return *err_;
  }
  if (n.ok() && *n == n_) {
    n_ = 0;
    return {};
  }
  // A failed write took nothing we know of (Conn::Write reports the error
  // alone); a short one took *n bytes: keep the rest, as Go does.
  const size_t took = n.ok() ? *n : 0;
  if (took > 0) std::memmove(buf_.data(), buf_.data() + took, n_ - took);
  n_ -= took;
  err_ = n.ok() ? io::ErrShortWrite : n.error();
  return *err_;
}

Result<size_t> Writer::Write(std::span<const char> p) {
  const size_t total = p.size();
  while (p.size() > Available() && !err_) {
    size_t n;
    if (Buffered() == 0) {
      // Large write, empty buffer: write p directly, no copy.
      Result<size_t> w = wr_.Write(p);
      if (!w.ok()) {
        err_ = w.error();
        n = 0;
      } else if (*w > p.size()) {
        err_ = io::ErrInvalidWrite;
        n = 0;
      } else {
        // Go would write the rest again; a Writer that takes part with no
        // error breaks the io.Writer contract, so stop as Flush does.
        n = *w;
        if (n < p.size()) err_ = io::ErrShortWrite;
      }
    } else {
      n = Available();
      std::memcpy(buf_.data() + n_, p.data(), n);
      n_ += n;
      (void)Flush();  // sets err_ on failure
    }
    p = p.subspan(n);
  }
  if (err_) return *err_;
  std::memcpy(buf_.data() + n_, p.data(), p.size());
  n_ += p.size();
  return total;
}

Result<void> Writer::WriteByte(char c) {
  if (err_) return *err_;
  if (Available() == 0 && !Flush().ok()) return *err_;
  buf_[n_++] = c;
  return {};
}

}  // namespace simsock::net::bufio
