// TCP options that change a live connection's timers.
#include <gtest/gtest.h>
#include <netinet/tcp.h>

#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/world.h"
#include "tests/sim/sim_test_util.h"

namespace simsock::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TcpOptions, KeepIdleSetAfterConnectReschedulesProbes) {
  World w(1);
  w.trace().KeepLines(true);
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
  size_t before = w.trace().lines().size();
  w.RunFor(milliseconds(3500));
  // An answered probe every idle second: the connection stays up.
  std::vector<std::string> probes;
  for (size_t i = before; i < w.trace().lines().size(); ++i) {
    const std::string& line = w.trace().lines()[i];
    if (line.find("b IP 10.0.0.2") != std::string::npos)
      probes.push_back(line.substr(0, 15));
  }
  ASSERT_GE(probes.size(), 3u);
  // 1 s after the last segment received: the SYN-ACK, at 2 ms.
  EXPECT_EQ(probes[0], "[    1.00200000");
  char buf[4];
  EXPECT_EQ(c.read(fd, buf, sizeof buf), -EAGAIN);  // still connected
  // TCP_KEEPIDLE bounds.
  int bad = 0;
  EXPECT_EQ(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &bad, sizeof bad),
            -EINVAL);
  bad = 32768;
  EXPECT_EQ(c.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &bad, sizeof bad),
            -EINVAL);
}

}  // namespace
}  // namespace simsock::sim
