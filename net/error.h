/// \file
/// simsock::net errors: Error (Go's *OpError with what it wraps, flattened),
/// the EOF value, and Result<T>.
///
/// Error prints exactly as Go prints the error it models:
/// \code
///   OpError:       "dial tcp4 127.0.0.1:6445: connect: connection refused"
///                  op [net] [source] [("->" | " ") addr] ": " cause
///   cause kinds:   errno with the syscall ("connect: connection refused",
///                  Go's os.SyscallError) or bare ("connection refused");
///                  "i/o timeout" (os.ErrDeadlineExceeded);
///                  "use of closed network connection" (net.ErrClosed);
///                  AddrError "address 1.2.3.4: missing port in address";
///                  DNSError "lookup nosuch.invalid: no such host";
///                  "unknown network udp7"; a plain message.
/// \endcode
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

/// Go's net package (and the parts of its runtime network code needs:
/// tasks, channels, wait groups, timers) over sys::Syscalls; docs/net.md.
namespace simsock::net {

/// Go's syscall.Errno.Error(): "connection refused"; "errno N" if unknown.
std::string ErrnoText(int err);

/// A network error as Go prints and tests it: the cause (errno, timeout,
/// closed, address, DNS, unknown network, message) and, once wrapped by the
/// net layer, Go's OpError fields (op, net, source, addr). A plain value;
/// copying costs a shared_ptr copy at most.
class Error {
 public:
  /// What the cause is (Go's error type behind it).
  enum class Kind {
    kEOF,             ///< io.EOF
    kErrno,           ///< a syscall.Errno, maybe inside an os.SyscallError
    kTimeout,         ///< os.ErrDeadlineExceeded: "i/o timeout"
    kClosed,          ///< net.ErrClosed
    kAddr,            ///< *net.AddrError
    kDNS,             ///< *net.DNSError
    kUnknownNetwork,  ///< net.UnknownNetworkError
    kMessage,         ///< errors.New(text)
    kCanceled,        ///< context.Canceled: "context canceled"
    kCtxDeadline,     ///< context.DeadlineExceeded: "context deadline exceeded"
    kOpCanceled,      ///< net's errCanceled: "operation was canceled"
  };

  /// io.EOF.
  Error() : kind_(Kind::kEOF) {}

  // ---- constructors of the cause -----------------------------------------
  /// A syscall.Errno; with a syscall name it is an os.SyscallError.
  static Error FromErrno(int err, std::string syscall = "");
  static Error DeadlineExceeded();  ///< os.ErrDeadlineExceeded
  /// net's errTimeout: prints "i/o timeout" like os.ErrDeadlineExceeded,
  /// but Is(context::DeadlineExceeded) (a dial that ran out of time).
  static Error DialTimeout();
  /// context.Canceled ("context canceled").
  static Error ContextCanceled();
  /// context.DeadlineExceeded ("context deadline exceeded"; Timeout() and
  /// Temporary() are true).
  static Error ContextDeadlineExceeded();
  /// Go's net.mapErr: context.Canceled becomes "operation was canceled"
  /// (still Is(context::Canceled)), context.DeadlineExceeded becomes
  /// DialTimeout(); anything else is returned as it is.
  static Error MapContextError(const Error& err);
  static Error ErrClosed();                                  ///< net.ErrClosed
  static Error AddrErr(std::string text, std::string addr);  ///< AddrError
  static Error DNS(std::string text, std::string name, bool not_found,
                   bool temporary = false);  ///< DNSError
  /// net.UnknownNetworkError: "unknown network udp7".
  static Error UnknownNetwork(std::string network);
  static Error New(std::string text);  ///< errors.New

  /// Wraps the cause in an OpError (Go: &OpError{Op, Net, Source, Addr, Err});
  /// source and addr are printed addresses, empty for nil.
  Error WithOp(std::string op, std::string net, std::string source,
               std::string addr) const;

  /// The cause's kind.
  Kind kind() const { return kind_; }
  /// True for kEOF, the end of a stream (not a failure).
  bool IsEOF() const { return kind_ == Kind::kEOF; }
  /// errors.Is(err, net.ErrClosed).
  bool IsClosed() const { return kind_ == Kind::kClosed; }
  /// The errno (0 if the cause is not an errno).
  int Errno() const { return kind_ == Kind::kErrno ? errno_ : 0; }
  /// Go's errors.Is(err, target) for the sentinel errors: kEOF,
  /// ErrClosed(), DeadlineExceeded() (os.ErrDeadlineExceeded, not a dial
  /// timeout), context::Canceled (also "operation was canceled"),
  /// context::DeadlineExceeded (also a DialTimeout), an errno (compares
  /// Errno()); other targets compare kind and cause text.
  bool Is(const Error& target) const;
  /// Go's Timeout(): deadline exceeded, or EAGAIN/EWOULDBLOCK/ETIMEDOUT.
  bool Timeout() const;
  /// Go's Temporary() (deprecated in Go, kept for porting).
  bool Temporary() const;

  /// OpError.Op: "dial", "read", "write", "accept", ...; empty if not wrapped.
  const std::string& Op() const { return detail().op; }
  /// OpError.Net: "tcp4", "udp", ...; empty if not wrapped.
  const std::string& Net() const { return detail().net; }
  /// OpError.Source printed: the local address, empty if none.
  const std::string& Source() const { return detail().source; }
  /// OpError.Addr printed: the remote address (or the local one for listen),
  /// empty if none.
  const std::string& Addr() const { return detail().addr; }
  /// os.SyscallError.Syscall: "connect", "read", ...; empty for a bare errno.
  const std::string& Syscall() const { return detail().syscall; }
  /// True once wrapped in an OpError (Op() not empty).
  bool IsOpError() const { return !detail().op.empty(); }

  /// The text Go's err.Error() gives.
  std::string ToString() const;
  /// The cause alone (OpError.Err.Error()).
  std::string CauseString() const;

  /// Equal when Go would print them the same (compares ToString(): two
  /// string builds).
  friend bool operator==(const Error& a, const Error& b) {
    return a.ToString() == b.ToString();
  }
  /// Prints ToString().
  friend std::ostream& operator<<(std::ostream& os, const Error& e) {
    return os << e.ToString();
  }

 private:
  // What only some errors have: texts and the DNS flags.
  struct Detail {
    bool not_found = false;
    bool temporary = false;
    bool ctx_deadline = false;  // kTimeout: net's errTimeout
    std::string syscall;        // kErrno: the syscall name, or empty
    std::string text;           // kAddr/kDNS/kMessage text
    std::string subject;        // AddrError.Addr, DNSError.Name, the network
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
/// A T or an Error (Go's (T, error) pair; C++20 has no std::expected).
/// Reading the value of a failed Result aborts with its error, as a nil
/// dereference would in Go. [[nodiscard]]: ignore one with (void).
class [[nodiscard]] Result {
 public:
  /// A success holding value (implicit: return the value).
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit
  /// A failure (implicit: return the Error).
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  /// True if it holds a value.
  bool ok() const { return value_.has_value(); }
  /// ok().
  explicit operator bool() const { return ok(); }
  /// True if it failed with kEOF.
  bool IsEOF() const { return !ok() && error_.IsEOF(); }

  /// The value; aborts with the error if !ok().
  T& value() & {
    Check();
    return *value_;
  }
  /// The value; aborts with the error if !ok().
  const T& value() const& {
    Check();
    return *value_;
  }
  /// The value, moved out; aborts with the error if !ok().
  T&& value() && {
    Check();
    return std::move(*value_);
  }
  /// value().
  T& operator*() & { return value(); }
  /// value().
  const T& operator*() const& { return value(); }
  /// &value().
  T* operator->() { return &value(); }
  /// &value().
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
/// The result of a call that returns only an error: success, or an Error.
class [[nodiscard]] Result<void> {
 public:
  /// Success.
  Result() = default;
  /// A failure (implicit: return the Error).
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  /// True on success.
  bool ok() const { return !error_.has_value(); }
  /// ok().
  explicit operator bool() const { return ok(); }
  /// True if it failed with kEOF.
  bool IsEOF() const { return !ok() && error_->IsEOF(); }
  /// The error; aborts on a success (check ok() first).
  const Error& error() const {
    SIMSOCK_NET_CHECK(error_.has_value(), "error() of a successful Result");
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace simsock::net
