/// \file
/// simsock::net errors: Error (Go's *OpError with what it wraps, flattened),
/// the EOF value, and Result<T>.
///
/// Error prints exactly as Go prints the error it models:
///   OpError:       "dial tcp4 127.0.0.1:6445: connect: connection refused"
///                  op [net] [source] [("->" | " ") addr] ": " cause
///   cause kinds:   errno with the syscall ("connect: connection refused",
///                  Go's os.SyscallError) or bare ("connection refused");
///                  "i/o timeout" (os.ErrDeadlineExceeded);
///                  "use of closed network connection" (net.ErrClosed);
///                  AddrError "address 1.2.3.4: missing port in address";
///                  DNSError "lookup nosuch.invalid: no such host";
///                  "unknown network udp7"; a plain message.
/// Errno texts are Go's syscall.Errno.Error() texts (glibc's strerror, lower
/// case: "connection reset by peer").
///
/// EOF is its own value (like io.EOF): Read returns it, unwrapped, when the
/// peer has closed its side; IsEOF() tells it apart; it is not a failure of
/// the connection. Note that the C library reserves the name EOF (a macro),
/// hence kEOF / IsEOF().
///
/// Result<T> holds a T or an Error (C++20 has no std::expected). Reading the
/// value of a failed Result is a programming error and aborts with the error.
///
/// Cost: an Error is its kind, its errno and one pointer to its texts (shared,
/// immutable, allocated only by the constructors that have texts). So kEOF,
/// ErrClosed, DeadlineExceeded and a bare errno allocate nothing, and a
/// successful Result<T> builds, moves and destroys no string: the net layer's
/// hot path (a Read or Write that succeeds) stays allocation-free.
/// Threading: plain values (an Error's texts are shared between copies but
/// never written after construction; copies may go to other threads).
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "simsock/net/runtime/check.h"

namespace simsock::net {

/// Go's syscall.Errno.Error(): "connection refused"; "errno N" if unknown.
std::string ErrnoText(int err);

class Error {
 public:
  enum class Kind {
    kEOF,             ///< io.EOF
    kErrno,           ///< a syscall.Errno, maybe inside an os.SyscallError
    kTimeout,         ///< os.ErrDeadlineExceeded: "i/o timeout"
    kClosed,          ///< net.ErrClosed
    kAddr,            ///< *net.AddrError
    kDNS,             ///< *net.DNSError
    kUnknownNetwork,  ///< net.UnknownNetworkError
    kMessage,         ///< errors.New(text)
  };

  /// io.EOF.
  Error() : kind_(Kind::kEOF) {}

  // ---- constructors of the cause -----------------------------------------
  /// A syscall.Errno; with a syscall name it is an os.SyscallError.
  static Error FromErrno(int err, std::string syscall = "");
  static Error DeadlineExceeded();  ///< os.ErrDeadlineExceeded
  static Error ErrClosed();         ///< net.ErrClosed
  static Error AddrErr(std::string text, std::string addr);  ///< AddrError
  static Error DNS(std::string text, std::string name, bool not_found,
                   bool temporary = false);  ///< DNSError
  static Error UnknownNetwork(std::string network);
  static Error New(std::string text);  ///< errors.New

  /// Wraps the cause in an OpError (Go: &OpError{Op, Net, Source, Addr, Err});
  /// source and addr are printed addresses, empty for nil.
  Error WithOp(std::string op, std::string net, std::string source,
               std::string addr) const;

  Kind kind() const { return kind_; }
  bool IsEOF() const { return kind_ == Kind::kEOF; }
  /// errors.Is(err, net.ErrClosed).
  bool IsClosed() const { return kind_ == Kind::kClosed; }
  /// The errno (0 if the cause is not an errno).
  int Errno() const { return kind_ == Kind::kErrno ? errno_ : 0; }
  /// Go's Timeout(): deadline exceeded, or EAGAIN/EWOULDBLOCK/ETIMEDOUT.
  bool Timeout() const;
  /// Go's Temporary() (deprecated in Go, kept for porting).
  bool Temporary() const;

  const std::string& Op() const { return detail().op; }
  const std::string& Net() const { return detail().net; }
  const std::string& Source() const { return detail().source; }
  const std::string& Addr() const { return detail().addr; }
  const std::string& Syscall() const { return detail().syscall; }
  bool IsOpError() const { return !detail().op.empty(); }

  /// The text Go's err.Error() gives.
  std::string ToString() const;
  /// The cause alone (OpError.Err.Error()).
  std::string CauseString() const;

  friend bool operator==(const Error& a, const Error& b) {
    return a.ToString() == b.ToString();
  }
  friend std::ostream& operator<<(std::ostream& os, const Error& e) {
    return os << e.ToString();
  }

 private:
  // What only some errors have: texts and the DNS flags.
  struct Detail {
    bool not_found = false;
    bool temporary = false;
    std::string syscall;  // kErrno: the syscall name, or empty
    std::string text;     // kAddr/kDNS/kMessage text
    std::string subject;  // AddrError.Addr, DNSError.Name, the network
    std::string op;
    std::string net;
    std::string source;
    std::string addr;
  };

  explicit Error(Kind kind) : kind_(kind) {}
  const Detail& detail() const { return detail_ ? *detail_ : kNoDetail; }
  // The detail to fill, in a constructor (a fresh copy if shared).
  Detail& MutableDetail();

  static const Detail kNoDetail;

  Kind kind_;
  int errno_ = 0;
  std::shared_ptr<const Detail> detail_;  // null: every field empty
};

/// io.EOF.
inline const Error kEOF{};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  bool IsEOF() const { return !ok() && error_.IsEOF(); }

  T& value() & {
    Check();
    return *value_;
  }
  const T& value() const& {
    Check();
    return *value_;
  }
  T&& value() && {
    Check();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; kEOF-like default if ok() (check ok() first).
  const Error& error() const { return error_; }

 private:
  void Check() const {
    if (!value_.has_value()) FailValue(error_);
  }
  [[noreturn]] static void FailValue(const Error& e) {
    std::string what = "value() of a failed Result: " + e.ToString();
    internal::Fatal(what.c_str());
  }

  std::optional<T> value_;
  Error error_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  bool IsEOF() const { return !ok() && error_->IsEOF(); }
  const Error& error() const {
    SIMSOCK_NET_CHECK(error_.has_value(), "error() of a successful Result");
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace simsock::net
