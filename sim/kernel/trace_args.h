/// \file
/// TraceArgs: a syscall's arguments as its trace event holds them, in
/// binary form (integers, and short strings where an argument is one),
/// with how each reads in the text line. The trace's hash covers the
/// values; the text ("3, 64, MSG_PEEK") is written only when a sink wants
/// it (sim/kernel/trace.h).
///
/// Adding a syscall's event: build its arguments in the order the line
/// shows them and hand them to Process::Syscall, e.g.
/// \code
///   const TraceArgs args = TraceArgs()
///                              .Int(fd)
///                              .Int(static_cast<long>(len))
///                              .Named<sys::MsgFlagsName>(flags);
///   return Syscall<ssize_t>("recvfrom", args, [&](CallFiles& files) {...});
/// \endcode
/// Named<F> takes any `std::string F(int)` (or unsigned / long) of
/// net/sys/names.h; Named2<F> one of two integers; a pointer argument is
/// Null() when it is NULL, else what it points to.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace simsock::sim {

/// One argument of a syscall's trace event.
struct TraceArg {
  /// How an argument reads, from its two integers.
  using Format = std::string (*)(int64_t a, int64_t b);
  /// What the argument holds, which the hash records first.
  enum class Kind : uint8_t {
    kInt,   ///< `a` (and `b`) read through `format`, or `a` in decimal
    kNull,  ///< a NULL pointer: "NULL"
    kText,  ///< a short string: TraceArgs' bytes [a, a + b)
  };
  // No default member initialisers: TraceArgs keeps six of these on the
  // stack of every traced call and sets only those it uses (TraceArg{}
  // is still all zeros).
  Kind kind;      ///< what it holds
  int64_t a;      ///< the value (an fd, a count, flags...)
  int64_t b;      ///< a second value, for arguments made of two
  Format format;  ///< kInt: nullptr writes `a` in decimal
};

/// A syscall's arguments, at most kMax of them; building one costs a few
/// stores (no allocation unless a Text argument outgrows the short-string
/// buffer). Arguments past kMax are a programming error (std::logic_error).
class TraceArgs {
 public:
  /// Most arguments a call records.
  static constexpr int kMax = 6;

  /// No arguments.
  TraceArgs() = default;
  /// A copy of the arguments set, not of the unused slots: a syscall's
  /// arguments are built and copied on the stack of the calling task, and
  /// at thousands of tasks each stack line written is a cache miss.
  TraceArgs(const TraceArgs& other) : n_(other.n_), strings_(other.strings_) {
    std::copy_n(other.args_.begin(), n_, args_.begin());
  }
  /// As the copy constructor.
  TraceArgs& operator=(const TraceArgs& other) {
    n_ = other.n_;
    strings_ = other.strings_;
    std::copy_n(other.args_.begin(), n_, args_.begin());
    return *this;
  }

  /// An integer, written in decimal.
  TraceArgs& Int(int64_t v) { return Add({TraceArg::Kind::kInt, v, 0, {}}); }
  /// An integer written by `F` (flags, names: net/sys/names.h).
  template <auto F>
  TraceArgs& Named(int64_t v) {
    return Add({TraceArg::Kind::kInt, v, 0, &Call1<F, decltype(F)>::Run});
  }
  /// Two integers written by `F(a, b)` (an option's level and name).
  template <auto F>
  TraceArgs& Named2(int64_t a, int64_t b) {
    return Add({TraceArg::Kind::kInt, a, b, &Call2<F, decltype(F)>::Run});
  }
  /// Two integers written by `format` (for forms of their own, such as a
  /// timespec's "1s+5ns").
  TraceArgs& With(TraceArg::Format format, int64_t a, int64_t b = 0) {
    return Add({TraceArg::Kind::kInt, a, b, format});
  }
  /// A NULL pointer.
  TraceArgs& Null() { return Add({TraceArg::Kind::kNull, 0, 0, {}}); }
  /// A short string, written as it is.
  TraceArgs& Text(std::string_view s);
  /// A timespec argument: "1s+500ns", or "NULL".
  TraceArgs& Timespec(const timespec* ts);
  /// A timeval argument: "1s+500us", or "NULL".
  TraceArgs& Timeval(const timeval* tv);
  /// A socket address given with its length, as DescribeAddr writes it
  /// ("{AF_INET, 10.0.0.1:80}", "{len 1}", "NULL"); the bytes are read now.
  TraceArgs& Addr(const sockaddr* addr, socklen_t len);

  /// How many arguments there are.
  int size() const { return n_; }
  /// Argument i, 0 <= i < size().
  const TraceArg& operator[](int i) const { return args_[i]; }
  /// The bytes of a kText argument.
  std::string_view TextOf(const TraceArg& arg) const {
    return std::string_view(strings_).substr(static_cast<size_t>(arg.a),
                                             static_cast<size_t>(arg.b));
  }
  /// The arguments as the line shows them: "3, 64, MSG_PEEK".
  std::string ToString() const;
  /// Appends ToString() to `out` (the trace's line, without temporaries
  /// but for the names a Format writes).
  void AppendTo(std::string& out) const;

 private:
  template <auto F, typename Fn>
  struct Call1;
  template <auto F, typename R, typename P>
  struct Call1<F, R (*)(P)> {
    static std::string Run(int64_t a, int64_t) { return F(static_cast<P>(a)); }
  };
  template <auto F, typename Fn>
  struct Call2;
  template <auto F, typename R, typename P, typename Q>
  struct Call2<F, R (*)(P, Q)> {
    static std::string Run(int64_t a, int64_t b) {
      return F(static_cast<P>(a), static_cast<Q>(b));
    }
  };

  TraceArgs& Add(const TraceArg& arg);

  std::array<TraceArg, kMax> args_;  // [0, n_) are set, the rest untouched
  int n_ = 0;
  std::string strings_;  // the kText arguments' bytes
};

}  // namespace simsock::sim
