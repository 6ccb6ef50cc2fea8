// HostSettings::tcp_sticky_roles: the recorded kernel refuses listen() on a
// socket that has been a connection and connect() on one that has listened
// (the differential scenarios Listen_After* and Connect_AfterListeningIsEinval
// check that side against Linux); with the setting off, the host answers as
// mainline's inet_listen / __inet_stream_connect, which look only at the
// socket's current states.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

using std::chrono::milliseconds;
using testing::Connect;

int Unspec(sys::Syscalls& p, int fd) {
  sockaddr sa{};
  sa.sa_family = AF_UNSPEC;
  return p.connect(fd, &sa, sizeof sa);
}

struct Answers {
  int listen_after_refused;
  int listen_after_established;
  int connect_after_listen;
};

Answers RunWithStickyRoles(bool sticky) {
  World world(1);
  Host& host = world.AddHost("h", "10.0.0.1");
  host.settings().tcp_sticky_roles = sticky;
  Process& p = host.SpawnProcess();
  Answers a{};
  // A refused connect, then connect(AF_UNSPEC), then listen.
  int fd = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(Connect(p, fd, "127.0.0.1", 40123),
              SyscallFailsWithErrno(EINPROGRESS));
  world.RunFor(milliseconds(20));
  EXPECT_EQ(Unspec(p, fd), 0);
  a.listen_after_refused = p.listen(fd, 0);
  // An established connection dropped by connect(AF_UNSPEC), then listen.
  int l = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_EQ(testing::Bind(p, l, "127.0.0.1", 7000), 0);
  EXPECT_EQ(p.listen(l, 4), 0);
  int c = p.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(Connect(p, c, "127.0.0.1", 7000),
              SyscallFailsWithErrno(EINPROGRESS));
  world.RunFor(milliseconds(20));
  EXPECT_EQ(Unspec(p, c), 0);
  a.listen_after_established = p.listen(c, 0);
  // A listener stopped by connect(AF_UNSPEC), then connect.
  EXPECT_EQ(Unspec(p, l), 0);
  a.connect_after_listen = Connect(p, l, "127.0.0.1", 40124);
  return a;
}

TEST(StickyRoles, RecordedKernelRefusesBothWays) {
  Answers a = RunWithStickyRoles(true);
  EXPECT_EQ(a.listen_after_refused, -EINVAL);
  EXPECT_EQ(a.listen_after_established, -EINVAL);
  EXPECT_EQ(a.connect_after_listen, -EINVAL);
}

TEST(StickyRoles, MainlineLooksOnlyAtTheCurrentState) {
  Answers a = RunWithStickyRoles(false);
  EXPECT_EQ(a.listen_after_refused, 0);
  EXPECT_EQ(a.listen_after_established, 0);
  EXPECT_EQ(a.connect_after_listen, -EINPROGRESS);
}

}  // namespace
}  // namespace simsock::sim
