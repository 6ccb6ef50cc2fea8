// TCP options that change a live connection's timers.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"
#include "simsock/testing/trace_events.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::AllOf;

TEST(TcpOptions, KeepIdleSetAfterConnectReschedulesProbes) {
  World w(1);
  w.trace().KeepEvents(true);
  Host& a = w.AddHost("a", "10.0.0.1");
  Host& b = w.AddHost("b", "10.0.0.2");
  w.network().SetLatency(a, b, milliseconds(1));
  Process& s = a.SpawnProcess();
  Process& c = b.SpawnProcess();
  int l = s.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Bind(s, l, "0.0.0.0", 80);
  s.listen(l, 1);
  int fd = c.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Connect(c, fd, "10.0.0.1", 80);
  w.RunFor(milliseconds(10));
  int one = 1, idle = 1, intvl = 1, cnt = 2;
  ASSERT_EQ(c.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one), 0);
  ASSERT_EQ(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), 0);
  ASSERT_EQ(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl),
            0);
  ASSERT_EQ(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt), 0);
  const Time before = w.Now();
  w.RunFor(milliseconds(3500));
  // An answered probe every idle second: the connection stays up.
  std::vector<Time> sent = testing::EventTimes(
      w.trace().events(),
      AllOf(testing::PacketFrom("b"), testing::PacketSrc("10.0.0.2")));
  std::vector<Time> probes;
  for (Time t : sent)
    if (t >= before) probes.push_back(t);
  ASSERT_GE(probes.size(), 3u);
  // 1 s after the last segment received: the SYN-ACK, at 2 ms.
  EXPECT_EQ(probes[0], Time(milliseconds(1002)));
  char buf[4];
  EXPECT_THAT(c.read(fd, buf, sizeof buf),
              SyscallFailsWithErrno(EAGAIN));  // still connected
  // TCP_KEEPIDLE bounds.
  int bad = 0;
  EXPECT_THAT(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &bad, sizeof bad),
              SyscallFailsWithErrno(EINVAL));
  bad = 32768;
  EXPECT_THAT(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &bad, sizeof bad),
              SyscallFailsWithErrno(EINVAL));
}

}  // namespace
}  // namespace simsock::sim
