/// \file
/// GoogleMock matchers over syscall results in sys::Syscalls' convention
/// (net/sys/syscalls.h): a non-negative value, or a negated errno. Modelled
/// on gVisor's syscall test matchers (test/util/test_util.h), which read libc's
/// -1 + errno instead; wrap a libc call in FromLibc() to use these on it.
///
/// \code
///   EXPECT_THAT(p.listen(fd, 8), SyscallSucceeds());
///   EXPECT_THAT(p.read(fd, buf, 4), SyscallSucceedsWithValue(4));
///   EXPECT_THAT(p.read(fd, buf, 4), SyscallSucceedsWithValue(Gt(0)));
///   EXPECT_THAT(p.connect(fd, ...), SyscallFailsWithErrno(ECONNREFUSED));
///   EXPECT_THAT(p.accept4(...), SyscallFailsWithErrno(AnyOf(EAGAIN, EINTR)));
/// \endcode
///
/// A mismatch names the result as the trace does ("-ECONNREFUSED"):
/// \code
///   Expected: fails with ECONNREFUSED
///     Actual: -EAGAIN (an error: EAGAIN)
/// \endcode
#pragma once

#include <gmock/gmock.h>

#include <cerrno>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "simsock/net/sys/names.h"

namespace simsock::testing {

/// A libc result (-1 with errno set) in the raw convention (-errno). Call it
/// right after the call, before anything else can change errno.
inline long FromLibc(long result) { return result == -1 ? -errno : result; }

namespace matchers_internal {

/// "3 (success)" or "-EAGAIN (an error: EAGAIN)".
inline std::string Explain(long result) {
  return result >= 0 ? std::to_string(result) + " (success)"
                     : sys::ResultString(result) +
                           " (an error: " + sys::ErrnoName(-result) + ")";
}

/// Succeeds, optionally with a value that matches `value`.
class SucceedsMatcher {
 public:
  explicit SucceedsMatcher(std::optional<::testing::Matcher<long>> value)
      : value_(std::move(value)) {}

  template <typename T>
  bool MatchAndExplain(T result,
                       ::testing::MatchResultListener* listener) const {
    static_assert(std::is_integral_v<T>, "a syscall result is an integer");
    const long r = static_cast<long>(result);
    *listener << "which is " << Explain(r);
    if (r < 0) return false;
    if (!value_) return true;
    ::testing::StringMatchResultListener inner;
    const bool ok = value_->MatchAndExplain(r, &inner);
    if (!inner.str().empty()) *listener << ", " << inner.str();
    return ok;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "succeeds";
    if (value_) {
      *os << " with a value that ";
      value_->DescribeTo(os);
    }
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "fails";
    if (value_) {
      *os << " or succeeds with a value that ";
      value_->DescribeNegationTo(os);
    }
  }

 private:
  std::optional<::testing::Matcher<long>> value_;
};

/// Fails, optionally with an errno that is `err` or matches `err_matcher`.
class FailsMatcher {
 public:
  FailsMatcher(std::optional<int> err,
               std::optional<::testing::Matcher<int>> err_matcher)
      : err_(err), err_matcher_(std::move(err_matcher)) {}

  template <typename T>
  bool MatchAndExplain(T result,
                       ::testing::MatchResultListener* listener) const {
    static_assert(std::is_integral_v<T>, "a syscall result is an integer");
    const long r = static_cast<long>(result);
    *listener << "which is " << Explain(r);
    if (r >= 0) return false;
    const int e = static_cast<int>(-r);
    if (err_) return e == *err_;
    if (err_matcher_) return err_matcher_->Matches(e);
    return true;
  }
  void DescribeTo(std::ostream* os) const {
    *os << "fails";
    if (err_) {
      *os << " with " << sys::ErrnoName(*err_);
    } else if (err_matcher_) {
      *os << " with an errno that ";
      err_matcher_->DescribeTo(os);
    }
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "succeeds";
    if (err_) {
      *os << " or fails with another errno than " << sys::ErrnoName(*err_);
    } else if (err_matcher_) {
      *os << " or fails with an errno that ";
      err_matcher_->DescribeNegationTo(os);
    }
  }

 private:
  std::optional<int> err_;
  std::optional<::testing::Matcher<int>> err_matcher_;
};

}  // namespace matchers_internal

/// A result >= 0.
inline auto SyscallSucceeds() {
  return ::testing::MakePolymorphicMatcher(
      matchers_internal::SucceedsMatcher(std::nullopt));
}

/// A result >= 0 that equals `value`, or matches it when it is a matcher
/// (Gt(0), AnyOf(1, 2), ...).
template <typename V>
auto SyscallSucceedsWithValue(V value) {
  return ::testing::MakePolymorphicMatcher(
      matchers_internal::SucceedsMatcher(::testing::MatcherCast<long>(value)));
}

/// Any negated errno.
inline auto SyscallFails() {
  return ::testing::MakePolymorphicMatcher(
      matchers_internal::FailsMatcher(std::nullopt, std::nullopt));
}

/// -err, for an errno given as a number (ECONNREFUSED).
inline auto SyscallFailsWithErrno(int err) {
  return ::testing::MakePolymorphicMatcher(
      matchers_internal::FailsMatcher(err, std::nullopt));
}
/// A negated errno that err_matcher accepts (AnyOf(EAGAIN, EINTR)).
template <typename M>
auto SyscallFailsWithErrno(M err_matcher) {
  return ::testing::MakePolymorphicMatcher(matchers_internal::FailsMatcher(
      std::nullopt, ::testing::SafeMatcherCast<int>(err_matcher)));
}

}  // namespace simsock::testing
