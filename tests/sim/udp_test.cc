// UDP across simulated hosts: latency, boundaries, ICMP errors, buffers.
#include <gtest/gtest.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "simsock/sim/inet/udp_socket.h"
#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

using std::chrono::milliseconds;
using testing::Bind;
using testing::Connect;
using testing::SendTo;

class UdpTest : public ::testing::Test {
 protected:
  UdpTest()
      : a_host_(w_.AddHost("a", "10.0.0.1")),
        b_host_(w_.AddHost("b", "10.0.0.2")),
        a_(a_host_.SpawnProcess()),
        b_(b_host_.SpawnProcess()) {
    w_.network().SetLatency(a_host_, b_host_, milliseconds(5));
  }
  World w_{3};
  Host& a_host_;
  Host& b_host_;
  Process& a_;
  Process& b_;
};

TEST_F(UdpTest, DatagramArrivesAfterTheLinkLatency) {
  int rx = b_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(Bind(b_, rx, "0.0.0.0", 9000), 0);
  int tx = a_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(SendTo(a_, tx, "hi", 2, "10.0.0.2", 9000), 2);
  char buf[8];
  EXPECT_THAT(b_.read(rx, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
  w_.RunFor(milliseconds(4));
  EXPECT_THAT(b_.read(rx, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
  w_.RunFor(milliseconds(1));
  sockaddr_in from{};
  socklen_t len = sizeof from;
  ASSERT_EQ(b_.recvfrom(rx, buf, sizeof buf, 0,
                        reinterpret_cast<sockaddr*>(&from), &len),
            2);
  EXPECT_EQ(std::string(buf, 2), "hi");
  EXPECT_EQ(ntohl(from.sin_addr.s_addr), 0x0A000001u);
}

TEST_F(UdpTest, BoundariesPeekAndTrunc) {
  int rx = b_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(Bind(b_, rx, "127.0.0.1", 9000), 0);
  int tx = b_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(SendTo(b_, tx, "0123456789", 10, "127.0.0.1", 9000), 10);
  ASSERT_EQ(SendTo(b_, tx, "", 0, "127.0.0.1", 9000), 0);
  char buf[16];
  EXPECT_EQ(b_.recvfrom(rx, buf, 4, MSG_PEEK | MSG_TRUNC, nullptr, nullptr),
            10);
  EXPECT_EQ(b_.recvfrom(rx, buf, 4, 0, nullptr, nullptr), 4);  // tail dropped
  EXPECT_EQ(std::string(buf, 4), "0123");
  EXPECT_EQ(b_.read(rx, buf, sizeof buf), 0);  // the empty datagram
  EXPECT_THAT(b_.read(rx, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
}

TEST_F(UdpTest, PortUnreachableReachesOnlyAConnectedSocket) {
  int c = a_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(Connect(a_, c, "10.0.0.2", 9999), 0);
  int u = a_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(a_.write(c, "x", 1), 1);
  ASSERT_EQ(SendTo(a_, u, "x", 1, "10.0.0.2", 9999), 1);
  w_.RunFor(milliseconds(20));  // there and back
  char buf[4];
  EXPECT_THAT(a_.read(u, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
  int ep = a_.epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ASSERT_EQ(a_.epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), 0);
  EXPECT_EQ(testing::WaitOne(a_, ep),
            static_cast<uint32_t>(EPOLLOUT | EPOLLERR));
  EXPECT_THAT(a_.read(c, buf, sizeof buf), SyscallFailsWithErrno(ECONNREFUSED));
  EXPECT_THAT(a_.read(c, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
}

TEST_F(UdpTest, ConnectFiltersOtherSenders) {
  int rx = b_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(Bind(b_, rx, "0.0.0.0", 9000), 0);
  ASSERT_EQ(Connect(b_, rx, "10.0.0.1", 7000), 0);
  int good = a_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(Bind(a_, good, "0.0.0.0", 7000), 0);
  int other = a_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  ASSERT_EQ(SendTo(a_, other, "no", 2, "10.0.0.2", 9000), 2);
  ASSERT_EQ(SendTo(a_, good, "ok", 2, "10.0.0.2", 9000), 2);
  w_.RunFor(milliseconds(10));
  char buf[4];
  ASSERT_EQ(b_.read(rx, buf, sizeof buf), 2);
  EXPECT_EQ(std::string(buf, 2), "ok");
  EXPECT_THAT(b_.read(rx, buf, sizeof buf), SyscallFailsWithErrno(EAGAIN));
}

TEST_F(UdpTest, FullReceiveBufferDropsDatagrams) {
  int rx = b_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  int tiny = 1;
  ASSERT_EQ(b_.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny), 0);
  ASSERT_EQ(Bind(b_, rx, "127.0.0.1", 9000), 0);
  int tx = b_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  char payload[100] = {};
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(SendTo(b_, tx, payload, 100, "127.0.0.1", 9000), 100);
  int got = 0;
  char buf[128];
  while (b_.read(rx, buf, sizeof buf) == 100 && got < 100) ++got;
  // 2304-byte buffer, 832 bytes (truesize) charged per datagram: a datagram
  // is taken if it fits or the queue is empty, so two fit.
  EXPECT_EQ(got, 2);
}

// The truesize steps measured on Linux 6.18 with SO_MEMINFO (loopback,
// every payload size 0..65507), and a corked datagram's frags.
TEST(UdpTruesize, MatchesLinuxLoopbackAllocations) {
  struct Step {
    size_t len, truesize;
  };
  for (Step st :
       {Step{0, 832}, Step{197, 832}, Step{198, 1280}, Step{645, 1280},
        Step{646, 2304}, Step{1669, 2304}, Step{1670, 4352}, Step{3717, 4352},
        Step{3718, 8448}, Step{7813, 8448}, Step{7814, 16640},
        Step{16004, 16640}, Step{16005, 16837}, Step{65507, 66339}})
    EXPECT_EQ(UdpSocket::Truesize(st.len, st.len), st.truesize) << st.len;
  EXPECT_EQ(UdpSocket::Truesize(200, 100), 932u);    // 100 + 100 corked
  EXPECT_EQ(UdpSocket::Truesize(212, 1), 1043u);     // 1 + 211
  EXPECT_EQ(UdpSocket::Truesize(20000, 1), 20831u);  // frags count bytes
}

TEST_F(UdpTest, EmsgsizeAndEdestaddrreq) {
  int s = a_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  EXPECT_THAT(a_.write(s, "x", 1), SyscallFailsWithErrno(EDESTADDRREQ));
  EXPECT_NE(testing::LocalPort(a_, s), 0);  // autobound all the same
  std::string big(65508, 'x');
  EXPECT_THAT(SendTo(a_, s, big.data(), big.size(), "127.0.0.1", 9),
              SyscallFailsWithErrno(EMSGSIZE));
  EXPECT_EQ(SendTo(a_, s, big.data(), big.size() - 1, "127.0.0.1", 9), 65507);
  EXPECT_THAT(SendTo(a_, s, "x", 1, "127.0.0.1", 0),
              SyscallFailsWithErrno(EINVAL));
}

}  // namespace
}  // namespace simsock::sim
