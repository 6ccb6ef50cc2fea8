// The process fd table: lowest free number, RLIMIT_NOFILE, flags.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "sim/host.h"
#include "sim/process.h"
#include "sim/world.h"

namespace simsock::sim {
namespace {

TEST(FdTable, LowestFreeNumberIsReused) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 0);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 1);
  EXPECT_EQ(p.socket(AF_INET, SOCK_DGRAM, 0), 2);
  EXPECT_EQ(p.close(1), 0);
  EXPECT_EQ(p.epoll_create1(0), 1);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 3);
  EXPECT_EQ(p.close(1), 0);
  EXPECT_EQ(p.close(1), -EBADF);
}

TEST(FdTable, LimitGivesEmfile) {
  World w(1);
  Host& h = w.AddHost("h", "10.0.0.1");
  h.settings().nofile_limit = 3;
  Process& p = h.SpawnProcess();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), i);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), -EMFILE);
  EXPECT_EQ(p.epoll_create1(0), -EMFILE);
  // Argument errors come before the table is consulted.
  EXPECT_EQ(p.socket(12345, SOCK_STREAM, 0), -EAFNOSUPPORT);
  EXPECT_EQ(p.close(0), 0);
  EXPECT_EQ(p.socket(AF_INET, SOCK_STREAM, 0), 0);
}

TEST(FdTable, FlagsPerFdAndPerFile) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int a = p.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(p.fcntl(a, F_GETFL, 0), O_RDWR | O_NONBLOCK);
  EXPECT_EQ(p.fcntl(a, F_SETFL, 0), 0);
  EXPECT_EQ(p.fcntl(a, F_GETFL, 0), O_RDWR);
  EXPECT_EQ(p.fcntl(a, F_SETFD, 0), 0);
  EXPECT_EQ(p.fcntl(a, F_GETFD, 0), 0);
  EXPECT_EQ(p.fcntl(a, 9999, 0), -EINVAL);
  EXPECT_EQ(p.fcntl(77, F_GETFL, 0), -EBADF);
}

TEST(FdTable, NonSocketFdGivesEnotsock) {
  World w(1);
  Process& p = w.AddHost("h", "10.0.0.1").SpawnProcess();
  int ep = p.epoll_create1(0);
  EXPECT_EQ(p.listen(ep, 1), -ENOTSOCK);
  char c;
  EXPECT_EQ(p.read(ep, &c, 1), -EINVAL);  // epoll has no read
  EXPECT_EQ(p.recvfrom(ep, &c, 1, 0, nullptr, nullptr), -ENOTSOCK);
}

}  // namespace
}  // namespace simsock::sim
