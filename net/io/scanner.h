/// \file
/// Go's bufio.Scanner for simsock::net: tokens (lines by default, or words,
/// bytes, UTF-8 runes, or a user's split function) read from any
/// io::Reader, with Go's buffer growth, token size limit and errors.
///
/// \code
///   bufio::Scanner sc(conn);        // bufio.NewScanner(conn)
///   while (sc.Scan()) {             // for sc.Scan() {
///     Handle(sc.Text());            //   handle(sc.Text())
///   }                               // }
///   if (auto err = sc.Err()) ...    // if err := sc.Err(); err != nil
/// \endcode
///
/// Scanning stops for good at the end of the input (Err() nil), at the
/// first read error (a read deadline, a reset: Err() returns it), at a
/// token longer than the maximum (ErrTooLong), or when the split function
/// fails or returns ErrFinalToken.
///
/// Cost: the buffer starts at 4 KiB on the first Scan and doubles up to the
/// maximum token size (64 KiB unless Buffer sets it); Scan and Bytes
/// allocate nothing else; Text copies the token into a string.
/// Threading: one task at a time (as Go's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simsock/net/error.h"
#include "simsock/net/io/io.h"

namespace simsock::net::bufio {

/// bufio.ErrTooLong: a token does not fit in the maximum buffer size.
inline const Error ErrTooLong = Error::New("bufio.Scanner: token too long");
/// bufio.ErrNegativeAdvance: a split function returned a negative advance.
inline const Error ErrNegativeAdvance =
    Error::New("bufio.Scanner: SplitFunc returns negative advance count");
/// bufio.ErrAdvanceTooFar: a split function advanced past its input.
inline const Error ErrAdvanceTooFar =
    Error::New("bufio.Scanner: SplitFunc returns advance count beyond input");
/// bufio.ErrFinalToken: returned by a split function to deliver its token
/// as the last one and stop scanning with no error.
inline const Error ErrFinalToken = Error::New("final token");

/// bufio.MaxScanTokenSize: the default maximum token size, 64 KiB.
inline constexpr size_t kMaxScanTokenSize = 64 * 1024;

/// What a split function returns (Go's `advance, token, err`).
struct SplitResult {
  /// Bytes of the input to consume (Go allows any int; a negative one is
  /// ErrNegativeAdvance, one beyond the input ErrAdvanceTooFar).
  int64_t advance = 0;
  /// The token, if one is ready (Go: non-nil). An empty view is an empty
  /// token; nullopt asks for more input. It must point into the input
  /// given or into storage that outlives the next Scan.
  std::optional<std::string_view> token;
  /// An error stops scanning (ErrFinalToken: after this token, no error).
  std::optional<Error> err;
};

/// Go's SplitFunc: given the unconsumed input (data) and whether the
/// reader has ended (at_eof), returns the next token. Called with empty
/// data only at EOF.
using SplitFunc =
    std::function<SplitResult(std::string_view data, bool at_eof)>;

/// bufio.ScanLines: lines without their newline (LF) and one trailing
/// carriage return (CR); a last line without a newline too; an empty last
/// line is no token.
SplitResult ScanLines(std::string_view data, bool at_eof);
/// bufio.ScanWords: runs of non-space, spaces as Go's unicode.IsSpace
/// (ASCII and the UTF-8 encoded Unicode spaces).
SplitResult ScanWords(std::string_view data, bool at_eof);
/// bufio.ScanBytes: each byte.
SplitResult ScanBytes(std::string_view data, bool at_eof);
/// bufio.ScanRunes: each UTF-8 encoded rune; an invalid byte gives
/// U+FFFD ("\xef\xbf\xbd") and advances one byte.
SplitResult ScanRunes(std::string_view data, bool at_eof);

/// Go's bufio.Scanner over an io::Reader (not owned: it must outlive the
/// Scanner). Movable, not copyable.
class Scanner {
 public:
  /// bufio.NewScanner(r): lines, 64 KiB maximum token size.
  explicit Scanner(io::Reader r) : r_(r) {}

  /// Moves the buffer and the state (views from the moved-from object
  /// stay valid: the buffer itself does not move).
  Scanner(Scanner&&) = default;
  /// As the move constructor.
  Scanner& operator=(Scanner&&) = default;
  /// Not copyable: two objects would read the same source.
  Scanner(const Scanner&) = delete;
  /// Not copyable.
  Scanner& operator=(const Scanner&) = delete;

  /// Advances to the next token; false when scanning has stopped (see the
  /// file comment; Err() says why). After 100 empty tokens in a row that
  /// consume nothing it aborts (Go panics: a split function bug).
  bool Scan();
  /// The last token: a view into the buffer, valid until the next Scan.
  std::string_view Bytes() const { return token_; }
  /// The last token as a new string.
  std::string Text() const { return std::string(token_); }
  /// The first error other than kEOF, or nil.
  std::optional<Error> Err() const;

  /// Go's Buffer: scanning starts with buf's capacity (4 KiB if it has
  /// none) and grows up to max bytes. Aborts if called after Scan (Go
  /// panics).
  void Buffer(std::vector<char> buf, size_t max);
  /// Sets the split function (ScanLines by default). Aborts if called
  /// after Scan (Go panics).
  void Split(SplitFunc split);

 private:
  // Go's advance: consumes n bytes; false (and the error) if n is invalid.
  bool Advance(int64_t n);
  // Go's setErr: keeps the first error other than kEOF.
  void SetErr(const Error& err);
  // Makes room (slides the data down, grows the buffer) and reads once;
  // false if that ended scanning.
  bool ReadMore();

  io::Reader r_;
  SplitFunc split_ = ScanLines;
  size_t max_token_size_ = kMaxScanTokenSize;
  std::vector<char> buf_;
  size_t start_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // end of the data in buf_
  std::string_view token_;
  std::optional<Error> err_;
  int empties_ = 0;  // empty tokens in a row that consumed nothing
  bool scan_called_ = false;
  bool done_ = false;
};

}  // namespace simsock::net::bufio
