// Error and Result: Go's texts and classification, independent of any
// backend.
#include "simsock/net/error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace simsock::net {
namespace {

TEST(ErrorTest, ErrnoTextsAreGos) {
  EXPECT_EQ(ErrnoText(ECONNREFUSED), "connection refused");
  EXPECT_EQ(ErrnoText(ECONNRESET), "connection reset by peer");
  EXPECT_EQ(ErrnoText(EPIPE), "broken pipe");
  EXPECT_EQ(ErrnoText(EADDRINUSE), "address already in use");
  EXPECT_EQ(ErrnoText(ETIMEDOUT), "connection timed out");
  EXPECT_EQ(ErrnoText(EMFILE), "too many open files");
  EXPECT_EQ(ErrnoText(EAGAIN), "resource temporarily unavailable");
  EXPECT_EQ(ErrnoText(4095), "errno 4095");
}

TEST(ErrorTest, OpErrorLayout) {
  Error refused = Error::FromErrno(ECONNREFUSED, "connect")
                      .WithOp("dial", "tcp4", "", "127.0.0.1:6445");
  EXPECT_EQ(refused.ToString(),
            "dial tcp4 127.0.0.1:6445: connect: connection refused");
  EXPECT_EQ(refused.CauseString(), "connect: connection refused");
  Error timeout = Error::DeadlineExceeded().WithOp(
      "read", "tcp4", "127.0.0.1:6445", "127.0.0.1:40000");
  EXPECT_EQ(timeout.ToString(),
            "read tcp4 127.0.0.1:6445->127.0.0.1:40000: i/o timeout");
  EXPECT_TRUE(timeout.Timeout());
  EXPECT_TRUE(timeout.Temporary());
  Error closed =
      Error::ErrClosed().WithOp("accept", "tcp4", "", "127.0.0.1:6445");
  EXPECT_EQ(closed.ToString(),
            "accept tcp4 127.0.0.1:6445: use of closed network connection");
  EXPECT_TRUE(closed.IsClosed());
  EXPECT_FALSE(closed.Timeout());
  EXPECT_EQ(Error::New("boom").WithOp("dial", "tcp", "", "").ToString(),
            "dial tcp: boom");
  EXPECT_EQ(Error::FromErrno(EBADF).WithOp("close", "tcp", "", "").ToString(),
            "close tcp: bad file descriptor");
}

TEST(ErrorTest, TimeoutAndTemporaryAsGo) {
  EXPECT_TRUE(Error::FromErrno(ETIMEDOUT, "connect").Timeout());
  EXPECT_TRUE(Error::FromErrno(EAGAIN).Timeout());
  EXPECT_FALSE(Error::FromErrno(ECONNREFUSED, "connect").Timeout());
  EXPECT_TRUE(Error::FromErrno(EMFILE, "accept4").Temporary());
  EXPECT_TRUE(Error::FromErrno(ECONNRESET, "read").Temporary());
  EXPECT_FALSE(Error::FromErrno(EPIPE, "write").Temporary());
  EXPECT_FALSE(kEOF.Timeout());
}

TEST(ErrorTest, EOFIsItsOwnValue) {
  EXPECT_TRUE(kEOF.IsEOF());
  EXPECT_EQ(kEOF.ToString(), "EOF");
  EXPECT_FALSE(kEOF.IsOpError());
  EXPECT_FALSE(Error::DeadlineExceeded().IsEOF());
  Result<size_t> r = kEOF;
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.IsEOF());
}

TEST(ErrorTest, ResultHoldsValueOrError) {
  Result<int> ok = 42;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  Result<int> bad = Error::New("nope");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().ToString(), "nope");
  Result<void> fine;
  EXPECT_TRUE(fine.ok());
  Result<void> failed = Error::ErrClosed();
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().IsClosed());
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH((void)bad.value(), "value\\(\\) of a failed Result: nope");
}

}  // namespace
}  // namespace simsock::net
