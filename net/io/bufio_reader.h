/// \file
/// Go's bufio.Reader for simsock::net: buffered reads over any io::Reader
/// (a Conn, TCPConn, UDPConn or a user's type), with Go's line and
/// delimiter readers, Peek, Discard and UnreadByte, and Go's errors.
///
/// \code
///   bufio::Reader r(conn);               // bufio.NewReader(conn)
///   auto [line, err] = r.ReadString('\n');
///   if (err) { ... line holds what came before the error ... }
/// \endcode
///
/// Go's rule holds throughout: a call that stops at an error returns the
/// data it read before the error with it, and the error is reported once
/// (the next call reads on). So a read deadline firing in the middle of a
/// line gives the partial line and the timeout error (Timeout() true).
///
/// Cost: one buffer allocated at construction; Read, ReadByte, ReadSlice,
/// ReadLine, Peek and Discard allocate nothing; ReadString and ReadBytes
/// allocate the string they return.
/// Threading: one task at a time (as Go's, not safe for concurrent use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/net/error.h"
#include "simsock/net/io/io.h"

namespace simsock::net::bufio {

/// bufio.ErrBufferFull: Peek or ReadSlice needed more than the buffer holds.
inline const Error ErrBufferFull = Error::New("bufio: buffer full");
/// bufio.ErrNegativeCount: Peek or Discard was given a negative count.
inline const Error ErrNegativeCount = Error::New("bufio: negative count");
/// bufio.ErrInvalidUnreadByte: UnreadByte with no byte to put back.
inline const Error ErrInvalidUnreadByte =
    Error::New("bufio: invalid use of UnreadByte");

/// Go's defaultBufSize.
inline constexpr size_t kDefaultBufSize = 4096;
/// Go's minReadBufferSize: a smaller size asked of a Reader is raised to it.
inline constexpr size_t kMinReadBufferSize = 16;

/// What ReadLine returns (Go's `line, isPrefix, err`).
struct [[nodiscard]] LineResult {
  /// The line without "\n" or "\r\n"; valid until the next read call.
  std::string_view line;
  /// True if the line did not fit in the buffer: the rest comes next.
  bool is_prefix = false;
  /// Set only when line is empty (Go: a line or an error, never both).
  std::optional<Error> err;
};

/// Go's bufio.Reader: a buffer over an io::Reader (not owned: the source
/// must outlive the Reader). Movable, not copyable.
class Reader {
 public:
  /// bufio.NewReaderSize(rd, size): a buffer of max(size, 16) bytes.
  explicit Reader(io::Reader rd, size_t size = kDefaultBufSize);

  /// Moves the buffer and the state (views from the moved-from object
  /// stay valid: the buffer itself does not move).
  Reader(Reader&&) = default;
  /// As the move constructor.
  Reader& operator=(Reader&&) = default;
  /// Not copyable: two objects would read the same source.
  Reader(const Reader&) = delete;
  /// Not copyable.
  Reader& operator=(const Reader&) = delete;

  /// Size of the buffer in bytes.
  size_t Size() const { return buf_.size(); }
  /// Bytes that can be read from the buffer without reading the source.
  size_t Buffered() const { return w_ - r_; }
  /// Drops the buffered data and any pending error; reads from rd next.
  void Reset(io::Reader rd);

  /// Reads into p with at most one Read of the source: the buffered bytes,
  /// else one fill (a p at least as large as the buffer is read into
  /// directly). kEOF once the source has ended and the buffer is empty.
  /// An empty p returns 0, or the pending error if nothing is buffered.
  Result<size_t> Read(std::span<char> p);
  /// Read(std::span<char>(p, n)).
  Result<size_t> Read(void* p, size_t n) {
    return Read(std::span<char>(static_cast<char*>(p), n));
  }

  /// One byte, or the source's error (kEOF at the end).
  Result<uint8_t> ReadByte();
  /// Puts back the last byte read by any read call. Fails with
  /// ErrInvalidUnreadByte if the last call was not a read, already an
  /// UnreadByte, or if the byte is no longer in the buffer.
  Result<void> UnreadByte();

  /// Reads up to and including delim and returns a view into the buffer,
  /// valid until the next read. Without delim: if the buffer fills, all of
  /// it and ErrBufferFull; at an error, what is buffered and the error.
  /// err is set if and only if the value does not end in delim.
  io::Partial<std::string_view> ReadSlice(char delim);
  /// Reads up to and including delim, however long (the source's data
  /// before an error, with the error; err set iff no delim at the end).
  io::Partial<std::string> ReadString(char delim);
  /// ReadString, as bytes.
  io::Partial<std::vector<uint8_t>> ReadBytes(char delim);
  /// Go's ReadLine: one line without its "\n" or "\r\n", or the first
  /// buffer's worth of a longer line with is_prefix set (a "\r\n" split
  /// across two calls is still removed whole). A last line without "\n" is
  /// returned as is; then the error (kEOF).
  LineResult ReadLine();

  /// The next n bytes without consuming them (a view valid until the next
  /// read). Fewer than n with an error: ErrNegativeCount if n < 0,
  /// ErrBufferFull if n exceeds the buffer, else the source's error.
  io::Partial<std::string_view> Peek(int n);
  /// Skips n bytes; value is the count skipped. Fails with
  /// ErrNegativeCount if n < 0, or the source's error if it ends first.
  /// n <= Buffered() never reads the source.
  io::Partial<size_t> Discard(int n);

 private:
  // Go's fill: slides the data to the front and reads once more, up to
  // kMaxConsecutiveEmptyReads times while the source returns 0 bytes.
  void Fill();
  // Go's readErr: the pending error, cleared.
  std::optional<Error> TakeErr();
  // ReadSlice's loop, collecting full buffers into out until delim or an
  // error (ReadBytes and ReadString share it).
  template <typename Out>
  std::optional<Error> Collect(char delim, Out& out);

  std::vector<char> buf_;
  io::Reader rd_;
  size_t r_ = 0;  // next byte to read
  size_t w_ = 0;  // end of the buffered data
  std::optional<Error> err_;
  int last_byte_ = -1;  // the last byte read, for UnreadByte; -1: none
};

}  // namespace simsock::net::bufio
