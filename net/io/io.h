/// \file
/// Go's io package for simsock::net: the Reader and Writer interfaces, the
/// errors Go's io names, and ReadFull, ReadAtLeast, Copy, CopyN,
/// LimitReader and MultiWriter with Go's semantics (docs/net.md, "io and
/// bufio").
///
/// A Reader or Writer is an interface value as in Go: a non-owning
/// reference to any object with a Read (or Write) method, so Conn, TCPConn,
/// UDPConn, a bufio::Reader and a user's own type all plug in without a
/// base class and without an allocation per call (one indirect call). The
/// object must outlive the interface values that refer to it, as a Conn
/// kept in a task's lambda does.
///
/// Read and Write return Result<size_t>, as Conn's do: a count or an error,
/// never both (Go's Read may return n > 0 with an error; here the bytes come
/// first and the error at the next call). Calls that must report the data
/// they got before an error (ReadFull, Copy, bufio's ReadString) return a
/// Partial: the value and, if the call stopped short, the error.
///
/// Threading: as the objects they refer to (the Runtime's thread for conns).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "simsock/net/error.h"

namespace simsock::net::io {

/// io.ErrUnexpectedEOF: EOF in the middle of a fixed-size block or structure.
inline const Error ErrUnexpectedEOF = Error::New("unexpected EOF");
/// io.ErrShortWrite: a write accepted fewer bytes than asked, with no error.
inline const Error ErrShortWrite = Error::New("short write");
/// io.ErrShortBuffer: a read needed a longer buffer than the one given.
inline const Error ErrShortBuffer = Error::New("short buffer");
/// io.ErrNoProgress: many Read calls in a row returned no data and no error
/// (the sign of a broken Reader).
inline const Error ErrNoProgress =
    Error::New("multiple Read calls return no data or error");
/// Go's io.errInvalidWrite: a Writer claimed more bytes than it was given.
inline const Error ErrInvalidWrite = Error::New("invalid write result");

/// How many empty reads in a row make ErrNoProgress (Go's
/// maxConsecutiveEmptyReads, shared by io and bufio).
inline constexpr int kMaxConsecutiveEmptyReads = 100;

/// A value and the error that cut the call short (Go's `(v, err)` pair):
/// `auto [n, err] = io::ReadFull(r, buf); if (err) ...`. `err` is empty
/// when the call did all it was asked.
template <typename T>
struct [[nodiscard]] Partial {
  T value{};                 ///< What the call produced, even on error.
  std::optional<Error> err;  ///< Empty (Go's nil) on success.

  /// True when err is nil.
  bool ok() const { return !err.has_value(); }
};

/// A type whose Read fills a span of bytes: Read(std::span<char>) or
/// Read(void*, size_t), returning Result<size_t>.
template <typename T>
concept ReaderType = requires(T& r, std::span<char> b) {
  { r.Read(b) } -> std::same_as<Result<size_t>>;
}
|| requires(T& r, void* p, size_t n) {
  { r.Read(p, n) } -> std::same_as<Result<size_t>>;
};

/// A type whose Write takes a span of bytes: Write(std::span<const char>)
/// or Write(const void*, size_t), returning Result<size_t>.
template <typename T>
concept WriterType = requires(T& w, std::span<const char> b) {
  { w.Write(b) } -> std::same_as<Result<size_t>>;
}
|| requires(T& w, const void* p, size_t n) {
  { w.Write(p, n) } -> std::same_as<Result<size_t>>;
};

/// Go's io.Reader interface value: refers to any ReaderType object (not
/// owned). Read returns at least 1 byte, kEOF at the end, or an error; a
/// 0-byte result with no error is allowed but discouraged (as in Go).
class Reader {
 public:
  /// A nil Reader; Read on it aborts (Go: nil interface call).
  Reader() = default;

  /// Refers to r, which must outlive this value.
  template <typename T>
  requires(ReaderType<T> && !std::same_as<std::remove_cv_t<T>, Reader>)
      Reader(T& r)  // NOLINT: implicit, as Go converts to an interface
      : object_(&r), read_(&CallRead<T>) {}

  /// Reads into buf (see the class comment).
  Result<size_t> Read(std::span<char> buf) const;
  /// Read(std::span<char>(p, n)).
  Result<size_t> Read(void* p, size_t n) const {
    return Read(std::span<char>(static_cast<char*>(p), n));
  }
  /// True for a default-constructed Reader.
  bool IsNil() const { return object_ == nullptr; }

 private:
  template <typename T>
  static Result<size_t> CallRead(void* object, std::span<char> buf) {
    T& r = *static_cast<T*>(object);
    if constexpr (requires { r.Read(buf); }) {
      return r.Read(buf);
    } else {
      return r.Read(static_cast<void*>(buf.data()), buf.size());
    }
  }

  void* object_ = nullptr;
  Result<size_t> (*read_)(void*, std::span<char>) = nullptr;
};

/// Go's io.Writer interface value: refers to any WriterType object (not
/// owned). Write writes all of buf and returns its length, or returns an
/// error; a count below the length with no error is a short write.
class Writer {
 public:
  /// A nil Writer; Write on it aborts.
  Writer() = default;

  /// Refers to w, which must outlive this value.
  template <typename T>
  requires(WriterType<T> && !std::same_as<std::remove_cv_t<T>, Writer>)
      Writer(T& w)  // NOLINT: implicit, as Go converts to an interface
      : object_(&w), write_(&CallWrite<T>) {}

  /// Writes buf (see the class comment).
  Result<size_t> Write(std::span<const char> buf) const;
  /// Write(std::span<const char>(p, n)).
  Result<size_t> Write(const void* p, size_t n) const {
    return Write(std::span<const char>(static_cast<const char*>(p), n));
  }
  /// True for a default-constructed Writer.
  bool IsNil() const { return object_ == nullptr; }

 private:
  template <typename T>
  static Result<size_t> CallWrite(void* object, std::span<const char> buf) {
    T& w = *static_cast<T*>(object);
    if constexpr (requires { w.Write(buf); }) {
      return w.Write(buf);
    } else {
      return w.Write(static_cast<const void*>(buf.data()), buf.size());
    }
  }

  void* object_ = nullptr;
  Result<size_t> (*write_)(void*, std::span<const char>) = nullptr;
};

/// io.ReadAtLeast: reads into buf until at least min bytes are in. value is
/// the count read. Fails with ErrShortBuffer (nothing read) if buf is
/// shorter than min; with kEOF if the reader ended before any byte; with
/// ErrUnexpectedEOF if it ended after some but fewer than min; with the
/// reader's own error otherwise. An error that comes once min bytes are in
/// is dropped. Go loops forever on a reader that returns 0 bytes and no
/// error; this stops with ErrNoProgress after 100 such reads.
Partial<size_t> ReadAtLeast(Reader r, std::span<char> buf, size_t min);

/// io.ReadFull: ReadAtLeast(r, buf, buf.size()): exactly buf.size() bytes,
/// or kEOF (none read) or ErrUnexpectedEOF (some read) at the end.
Partial<size_t> ReadFull(Reader r, std::span<char> buf);

/// io.CopyBuffer: copies src to dst until src ends, through buf (which must
/// not be empty). value is the count written. kEOF from src is success
/// (err empty); a read or write error stops the copy and is returned; a
/// write that takes fewer bytes than given fails with ErrShortWrite.
Partial<int64_t> CopyBuffer(Writer dst, Reader src, std::span<char> buf);

/// io.Copy: CopyBuffer with a 32 KiB buffer (one allocation per call).
Partial<int64_t> Copy(Writer dst, Reader src);

/// io.CopyN: copies exactly n bytes (or until an error). value is the count
/// written; if src ends first the error is kEOF.
Partial<int64_t> CopyN(Writer dst, Reader src, int64_t n);

/// io.LimitedReader: reads from r at most n bytes in all, then kEOF.
struct LimitedReader {
  Reader r;       ///< The underlying reader.
  int64_t n = 0;  ///< Bytes left; Read returns kEOF once it is <= 0.

  /// Reads at most n bytes from r and lowers n by the count read.
  Result<size_t> Read(std::span<char> buf);
};

/// io.LimitReader: a LimitedReader over r with n bytes left.
inline LimitedReader LimitReader(Reader r, int64_t n) { return {r, n}; }

/// io.MultiWriter: a Writer that writes each buffer to every writer in
/// turn. A write stops at the first writer that fails (its error) or
/// takes fewer bytes than given (ErrShortWrite).
class MultiWriter {
 public:
  /// Writes to each of writers, in order.
  explicit MultiWriter(std::vector<Writer> writers)
      : writers_(std::move(writers)) {}
  /// Writes buf to every writer; returns buf.size() or the first error.
  Result<size_t> Write(std::span<const char> buf);

 private:
  std::vector<Writer> writers_;
};

}  // namespace simsock::net::io
