// In-memory readers and writers for the io and bufio tests, after Go's
// strings.Reader, iotest.OneByteReader, iotest.HalfReader, bufio_test's
// StringReader (one segment per Read) and its error writers: each lets a
// test choose how short every read is and where an error comes.
// Threading: one thread.
#pragma once

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "simsock/net/io/bufio.h"

namespace simsock::net::iotest {

// Gives `data` `stride` bytes at most per Read (0: as much as fits), then
// `end` (kEOF unless set). Counts the Read calls.
class StrideReader {
 public:
  explicit StrideReader(std::string data, size_t stride = 0, Error end = kEOF)
      : data_(std::move(data)), stride_(stride), end_(std::move(end)) {}
  Result<size_t> Read(std::span<char> buf) {
    ++reads_;
    if (buf.empty()) return size_t{0};
    if (off_ == data_.size()) return end_;
    size_t n = std::min(buf.size(), data_.size() - off_);
    if (stride_ > 0) n = std::min(n, stride_);
    std::memcpy(buf.data(), data_.data() + off_, n);
    off_ += n;
    return n;
  }
  int reads() const { return reads_; }

 private:
  std::string data_;
  size_t stride_;
  Error end_;
  size_t off_ = 0;
  int reads_ = 0;
};

// Go's iotest.OneByteReader over data.
inline StrideReader OneByteReader(std::string data) {
  return StrideReader(std::move(data), 1);
}

// Go's bufio_test StringReader: one segment per Read (an empty one is a
// 0-byte read with no error), then kEOF. Segments must fit the buffer.
class SegmentReader {
 public:
  explicit SegmentReader(std::vector<std::string> segments)
      : segments_(std::move(segments)) {}
  Result<size_t> Read(std::span<char> buf) {
    if (next_ == segments_.size()) return kEOF;
    const std::string& s = segments_[next_++];
    const size_t n = std::min(buf.size(), s.size());
    std::memcpy(buf.data(), s.data(), n);
    return n;
  }

 private:
  std::vector<std::string> segments_;
  size_t next_ = 0;
};

// Returns 0 bytes and no error forever (a broken reader).
struct NoProgressReader {
  int reads = 0;
  Result<size_t> Read(std::span<char>) {
    ++reads;
    return size_t{0};
  }
};

// Collects what is written (Go's bytes.Buffer as a Writer).
struct StringWriter {
  std::string data;
  int writes = 0;
  Result<size_t> Write(std::span<const char> buf) {
    ++writes;
    data.append(buf.data(), buf.size());
    return buf.size();
  }
};

// bufio_test's errorWriterTest: takes len*n/m bytes of each write, or
// fails with err if set.
struct FractionWriter {
  size_t n = 1;
  size_t m = 1;
  std::optional<Error> err;
  std::string data;
  Result<size_t> Write(std::span<const char> buf) {
    if (err) return *err;
    const size_t took = buf.size() * n / m;
    data.append(buf.data(), took);
    return took;
  }
};

}  // namespace simsock::net::iotest
