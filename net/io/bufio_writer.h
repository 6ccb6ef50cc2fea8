/// \file
/// Go's bufio.Writer for simsock::net: buffered writes over any io::Writer
/// (a Conn, TCPConn, a user's type), flushed when the buffer fills and by
/// Flush().
///
/// \code
///   bufio::Writer w(conn);                 // bufio.NewWriter(conn)
///   (void)w.WriteString("hello\n");
///   if (auto f = w.Flush(); !f.ok()) ...   // what Go's w.Flush() returns
/// \endcode
///
/// As in Go, the first write error is sticky: every later Write, WriteByte,
/// WriteString and Flush returns it until Reset; Buffered() and
/// Available() then tell what stayed in the buffer (the bytes the failed
/// write did not take). Write returns Result<size_t> as Conn::Write does:
/// the count, or the error alone (Go also returns the count accepted).
///
/// Cost: one buffer allocated at construction; writes allocate nothing.
/// Threading: one task at a time (as Go's).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "simsock/net/error.h"
#include "simsock/net/io/bufio_reader.h"
#include "simsock/net/io/io.h"

namespace simsock::net::bufio {

/// Go's bufio.Writer over an io::Writer (not owned: it must outlive the
/// Writer). Movable, not copyable. Unflushed bytes are not written at
/// destruction (as in Go: call Flush).
class Writer {
 public:
  /// bufio.NewWriterSize(w, size): a buffer of size bytes (0: 4096).
  explicit Writer(io::Writer wr, size_t size = kDefaultBufSize);

  /// Moves the buffer and the state (views from the moved-from object
  /// stay valid: the buffer itself does not move).
  Writer(Writer&&) = default;
  /// As the move constructor.
  Writer& operator=(Writer&&) = default;
  /// Not copyable: two objects would write the same destination.
  Writer(const Writer&) = delete;
  /// Not copyable.
  Writer& operator=(const Writer&) = delete;

  /// Size of the buffer in bytes.
  size_t Size() const { return buf_.size(); }
  /// Bytes written into the buffer and not yet flushed.
  size_t Buffered() const { return n_; }
  /// Bytes free in the buffer.
  size_t Available() const { return buf_.size() - n_; }
  /// Drops the unflushed bytes and the sticky error; writes to wr next.
  void Reset(io::Writer wr);

  /// Buffers p, flushing as the buffer fills (a p larger than an empty
  /// buffer is written through directly). Returns p.size(), or the sticky
  /// error (ErrShortWrite if the destination took fewer bytes than given).
  Result<size_t> Write(std::span<const char> p);
  /// Write(std::span<const char>(p, n)).
  Result<size_t> Write(const void* p, size_t n) {
    return Write(std::span<const char>(static_cast<const char*>(p), n));
  }
  /// Write of s's bytes (Go's WriteString).
  Result<size_t> WriteString(std::string_view s) {
    return Write(std::span<const char>(s.data(), s.size()));
  }
  /// Buffers one byte (flushing a full buffer first); the sticky error if
  /// there is one.
  Result<void> WriteByte(char c);
  /// Writes the buffered bytes to the destination. On an error the bytes
  /// it did not take stay buffered and the error becomes sticky.
  Result<void> Flush();

 private:
  std::vector<char> buf_;
  size_t n_ = 0;  // buffered bytes
  io::Writer wr_;
  std::optional<Error> err_;  // sticky
};

}  // namespace simsock::net::bufio
