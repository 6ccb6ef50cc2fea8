// The syscall-result matchers: what they accept, and what a failure says.
#include "simsock/testing/matchers.h"

#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace simsock::testing {
namespace {

using ::testing::AnyOf;
using ::testing::DescribeMatcher;
using ::testing::Gt;
using ::testing::Not;

// The "which is ..." text a matcher gives for a result.
template <typename M, typename T>
std::string Explanation(const M& matcher, T result) {
  ::testing::StringMatchResultListener listener;
  ::testing::ExplainMatchResult(matcher, result, &listener);
  return listener.str();
}

TEST(SyscallMatchers, SucceedsAcceptsEveryNonNegativeResult) {
  EXPECT_THAT(0, SyscallSucceeds());
  EXPECT_THAT(3L, SyscallSucceeds());
  EXPECT_THAT(static_cast<ssize_t>(65536), SyscallSucceeds());
  EXPECT_THAT(-EAGAIN, Not(SyscallSucceeds()));
  EXPECT_THAT(-1, Not(SyscallSucceeds()));  // -EPERM in this convention
}

TEST(SyscallMatchers, SucceedsWithValueTakesAValueOrAMatcher) {
  EXPECT_THAT(4, SyscallSucceedsWithValue(4));
  EXPECT_THAT(static_cast<ssize_t>(4), SyscallSucceedsWithValue(Gt(0)));
  EXPECT_THAT(5, Not(SyscallSucceedsWithValue(4)));
  // A failure never matches, even a value matcher it would satisfy.
  EXPECT_THAT(-EINTR, Not(SyscallSucceedsWithValue(-EINTR)));
  EXPECT_THAT(-EINTR, Not(SyscallSucceedsWithValue(::testing::_)));
}

TEST(SyscallMatchers, FailsWithErrnoTakesAnErrnoOrAMatcher) {
  EXPECT_THAT(-ECONNREFUSED, SyscallFailsWithErrno(ECONNREFUSED));
  EXPECT_THAT(static_cast<ssize_t>(-EAGAIN),
              SyscallFailsWithErrno(AnyOf(EAGAIN, EINTR)));
  EXPECT_THAT(-EAGAIN, Not(SyscallFailsWithErrno(ECONNREFUSED)));
  EXPECT_THAT(0, Not(SyscallFailsWithErrno(ECONNREFUSED)));
  EXPECT_THAT(-EPIPE, SyscallFails());
  EXPECT_THAT(7, Not(SyscallFails()));
}

TEST(SyscallMatchers, DescriptionsNameErrnos) {
  EXPECT_EQ(DescribeMatcher<int>(SyscallSucceeds()), "succeeds");
  EXPECT_EQ(DescribeMatcher<int>(SyscallSucceeds(), true), "fails");
  EXPECT_EQ(DescribeMatcher<long>(SyscallSucceedsWithValue(4)),
            "succeeds with a value that is equal to 4");
  EXPECT_EQ(DescribeMatcher<int>(SyscallFailsWithErrno(ECONNREFUSED)),
            "fails with ECONNREFUSED");
  EXPECT_EQ(DescribeMatcher<int>(SyscallFailsWithErrno(ECONNREFUSED), true),
            "succeeds or fails with another errno than ECONNREFUSED");
  EXPECT_EQ(DescribeMatcher<int>(SyscallFailsWithErrno(Gt(100))),
            "fails with an errno that is > 100");
  EXPECT_EQ(DescribeMatcher<int>(SyscallFails()), "fails");
}

TEST(SyscallMatchers, ExplanationsReadResultsAsTheTraceDoes) {
  EXPECT_EQ(Explanation(SyscallFailsWithErrno(ECONNREFUSED), -EAGAIN),
            "which is -EAGAIN (an error: EAGAIN)");
  EXPECT_EQ(Explanation(SyscallSucceeds(), 3), "which is 3 (success)");
  EXPECT_EQ(Explanation(SyscallSucceedsWithValue(4), -EPIPE),
            "which is -EPIPE (an error: EPIPE)");
}

// What a failing EXPECT_THAT prints, whole.
TEST(SyscallMatchers, FailureMessageShowsExpectedAndActual) {
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(-EAGAIN, SyscallFailsWithErrno(ECONNREFUSED)),
      "Expected: fails with ECONNREFUSED\n"
      "  Actual: -11 (of type int), which is -EAGAIN (an error: EAGAIN)");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(-ENOTCONN, SyscallSucceeds()),
                          "Expected: succeeds\n"
                          "  Actual: -107 (of type int), which is -ENOTCONN "
                          "(an error: ENOTCONN)");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(3, SyscallSucceedsWithValue(4)),
                          "Expected: succeeds with a value that is equal to 4\n"
                          "  Actual: 3 (of type int), which is 3 (success)");
}

TEST(SyscallMatchers, FromLibcReadsErrno) {
  // A real call that fails with -1 and errno: close of a closed fd.
  EXPECT_THAT(FromLibc(::close(-1)), SyscallFailsWithErrno(EBADF));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_THAT(FromLibc(fd), SyscallSucceeds());
  EXPECT_THAT(FromLibc(::close(fd)), SyscallSucceedsWithValue(0));
}

}  // namespace
}  // namespace simsock::testing
