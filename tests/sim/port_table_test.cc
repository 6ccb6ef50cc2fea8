// Bind rules of the port table, through bind()/listen() on a simulated
// host (the differential tests check the same rules against Linux).
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cerrno>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/sim/kernel/world.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using testing::SyscallFailsWithErrno;

class PortTableTest : public ::testing::Test {
 protected:
  PortTableTest()
      : host_(world_.AddHost("h", "10.0.0.1")), p_(host_.SpawnProcess()) {}

  int Tcp(bool reuseaddr = false, bool reuseport = false) {
    int fd = p_.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    if (reuseaddr)
      p_.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuseport)
      p_.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    return fd;
  }
  int Bind(int fd, const char* ip, uint16_t port) {
    return testing::Bind(p_, fd, ip, port);
  }
  uint16_t Port(int fd) { return testing::LocalPort(p_, fd); }

  World world_{5};
  Host& host_;
  Process& p_;
};

TEST_F(PortTableTest, SameAddressConflicts) {
  EXPECT_EQ(Bind(Tcp(), "127.0.0.1", 5000), 0);
  EXPECT_THAT(Bind(Tcp(), "127.0.0.1", 5000),
              SyscallFailsWithErrno(EADDRINUSE));
}

TEST_F(PortTableTest, WildcardConflictsWithSpecific) {
  EXPECT_EQ(Bind(Tcp(), "0.0.0.0", 5000), 0);
  EXPECT_THAT(Bind(Tcp(), "127.0.0.1", 5000),
              SyscallFailsWithErrno(EADDRINUSE));
}

TEST_F(PortTableTest, DifferentSpecificAddressesDoNotConflict) {
  EXPECT_EQ(Bind(Tcp(), "127.0.0.1", 5000), 0);
  EXPECT_EQ(Bind(Tcp(), "127.0.0.2", 5000), 0);
}

TEST_F(PortTableTest, ReuseAddrNeedsBothSidesAndNoListener) {
  int a = Tcp(true);
  EXPECT_EQ(Bind(a, "127.0.0.1", 5000), 0);
  EXPECT_THAT(Bind(Tcp(false), "127.0.0.1", 5000),
              SyscallFailsWithErrno(EADDRINUSE));
  int b = Tcp(true);
  EXPECT_EQ(Bind(b, "127.0.0.1", 5000), 0);
  EXPECT_EQ(p_.listen(a, 1), 0);
  EXPECT_THAT(p_.listen(b, 1), SyscallFailsWithErrno(EADDRINUSE));
  EXPECT_THAT(Bind(Tcp(true), "127.0.0.1", 5000),
              SyscallFailsWithErrno(EADDRINUSE));
}

TEST_F(PortTableTest, ReusePortLetsSeveralListen) {
  int a = Tcp(false, true), b = Tcp(false, true);
  EXPECT_EQ(Bind(a, "127.0.0.1", 5000), 0);
  EXPECT_EQ(Bind(b, "127.0.0.1", 5000), 0);
  EXPECT_EQ(p_.listen(a, 1), 0);
  EXPECT_EQ(p_.listen(b, 1), 0);
  EXPECT_THAT(Bind(Tcp(), "127.0.0.1", 5000),
              SyscallFailsWithErrno(EADDRINUSE));
}

TEST_F(PortTableTest, ClosingReleasesThePort) {
  int a = Tcp();
  EXPECT_EQ(Bind(a, "127.0.0.1", 5000), 0);
  EXPECT_EQ(p_.close(a), 0);
  EXPECT_EQ(Bind(Tcp(), "127.0.0.1", 5000), 0);
}

TEST_F(PortTableTest, EphemeralBindPicksOddPortsInRange) {
  for (int i = 0; i < 20; ++i) {
    int fd = Tcp();
    ASSERT_EQ(Bind(fd, "0.0.0.0", 0), 0);
    uint16_t port = Port(fd);
    EXPECT_GE(port, 32768);
    EXPECT_LE(port, 60999);
    EXPECT_EQ(port % 2, 1);
  }
}

TEST_F(PortTableTest, ExhaustedRangeGivesAddrInUse) {
  host_.settings().port_range_lo = 40000;
  host_.settings().port_range_hi = 40003;
  for (int i = 0; i < 4; ++i) ASSERT_EQ(Bind(Tcp(), "0.0.0.0", 0), 0);
  EXPECT_THAT(Bind(Tcp(), "0.0.0.0", 0), SyscallFailsWithErrno(EADDRINUSE));
  EXPECT_THAT(p_.listen(Tcp(), 1), SyscallFailsWithErrno(EADDRINUSE));
}

TEST_F(PortTableTest, TcpAndUdpAreSeparateNamespaces) {
  EXPECT_EQ(Bind(Tcp(), "127.0.0.1", 5000), 0);
  int u = p_.socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_EQ(Bind(u, "127.0.0.1", 5000), 0);
}

TEST_F(PortTableTest, NonLocalAddressIsNotAvailable) {
  EXPECT_THAT(Bind(Tcp(), "192.0.2.1", 5000),
              SyscallFailsWithErrno(EADDRNOTAVAIL));
  EXPECT_EQ(Bind(Tcp(), "10.0.0.1", 5000), 0);
}

}  // namespace
}  // namespace simsock::sim
