// Go's io functions (io.go, io/multi.go): the loops and error rules are
// Go's, read against Result<size_t> (a count or an error, never both).
#include "simsock/net/io/io.h"

#include <algorithm>

#include "simsock/net/runtime/check.h"

namespace simsock::net::io {

Result<size_t> Reader::Read(std::span<char> buf) const {
  SIMSOCK_NET_CHECK(object_ != nullptr, "io: Read on a nil Reader");
  Result<size_t> r = read_(object_, buf);
  // Go's bufio panics on an impossible count (errNegativeRead); a count
  // past the buffer would make every caller copy out of bounds.
  SIMSOCK_NET_CHECK(!r.ok() || *r <= buf.size(),
                    "io: Reader returned more bytes than the buffer holds");
  return r;
}

Result<size_t> Writer::Write(std::span<const char> buf) const {
  SIMSOCK_NET_CHECK(object_ != nullptr, "io: Write on a nil Writer");
  return write_(object_, buf);
}

Partial<size_t> ReadAtLeast(Reader r, std::span<char> buf, size_t min) {
  if (buf.size() < min) return {0, ErrShortBuffer};
  size_t n = 0;
  std::optional<Error> err;
  int empty = 0;
  while (n < min && !err) {
    Result<size_t> got = r.Read(buf.subspan(n));
    if (!got.ok()) {
      err = got.error();
    } else if (*got == 0 && ++empty >= kMaxConsecutiveEmptyReads) {
      err = ErrNoProgress;
    } else {
      if (*got > 0) empty = 0;
      n += *got;
    }
  }
  if (n >= min) {
    err.reset();
  } else if (n > 0 && err->IsEOF()) {
    err = ErrUnexpectedEOF;
  }
  return {n, err};
}

Partial<size_t> ReadFull(Reader r, std::span<char> buf) {
  return ReadAtLeast(r, buf, buf.size());
}

Partial<int64_t> CopyBuffer(Writer dst, Reader src, std::span<char> buf) {
  SIMSOCK_NET_CHECK(!buf.empty(), "io: empty buffer in CopyBuffer");
  int64_t written = 0;
  // Bounded as fill() is: a source that keeps returning 0 bytes and no
  // error is broken (Go's Copy would spin on it).
  for (int empty = 0; empty < kMaxConsecutiveEmptyReads;) {
    Result<size_t> nr = src.Read(buf);
    if (!nr.ok()) {
      if (nr.error().IsEOF()) return {written, std::nullopt};
      return {written, nr.error()};
    }
    if (*nr == 0) {
      ++empty;
      continue;
    }
    empty = 0;
    Result<size_t> nw = dst.Write(buf.first(*nr));
    if (!nw.ok()) return {written, nw.error()};
    if (*nw > *nr) return {written, ErrInvalidWrite};
    written += static_cast<int64_t>(*nw);
    if (*nw != *nr) return {written, ErrShortWrite};
  }
  return {written, ErrNoProgress};
}

Partial<int64_t> Copy(Writer dst, Reader src) {
  std::vector<char> buf(32 * 1024);
  return CopyBuffer(dst, src, buf);
}

Partial<int64_t> CopyN(Writer dst, Reader src, int64_t n) {
  LimitedReader limited = LimitReader(src, n);
  // Go sizes Copy's buffer down to a LimitedReader's limit.
  std::vector<char> buf(
      static_cast<size_t>(std::clamp<int64_t>(n, 1, int64_t{32} * 1024)));
  Partial<int64_t> r = CopyBuffer(dst, limited, buf);
  if (r.value == n) return {n, std::nullopt};
  if (r.value < n && !r.err) r.err = kEOF;
  return r;
}

Result<size_t> LimitedReader::Read(std::span<char> buf) {
  if (n <= 0) return kEOF;
  if (static_cast<int64_t>(buf.size()) > n) {
    buf = buf.first(static_cast<size_t>(n));
  }
  Result<size_t> got = r.Read(buf);
  if (got.ok()) n -= static_cast<int64_t>(*got);
  return got;
}

Result<size_t> MultiWriter::Write(std::span<const char> buf) {
  for (const Writer& w : writers_) {
    Result<size_t> n = w.Write(buf);
    if (!n.ok()) return n.error();
    if (*n != buf.size()) return ErrShortWrite;
  }
  return buf.size();
}

}  // namespace simsock::net::io
