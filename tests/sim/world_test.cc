// The world's clock, agenda and random streams.
#include "simsock/sim/kernel/world.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "simsock/sim/kernel/host.h"
#include "simsock/sim/kernel/process.h"
#include "simsock/testing/matchers.h"
#include "simsock/testing/sockets.h"

namespace simsock::sim {
namespace {

using testing::SyscallSucceeds;

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(World, EventsRunInTimeThenInsertionOrder) {
  World w(1);
  std::vector<int> order;
  w.Schedule(Time(milliseconds(5)), [&] { order.push_back(3); });
  w.Schedule(Time(milliseconds(1)), [&] { order.push_back(1); });
  w.Schedule(Time(milliseconds(5)), [&] { order.push_back(4); });
  w.Schedule(Time(milliseconds(1)), [&] { order.push_back(2); });
  w.RunFor(milliseconds(10));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(w.Now(), Time(milliseconds(10)));
}

TEST(World, RunForStopsAtTheEndAndLeavesLaterEvents) {
  World w(1);
  int ran = 0;
  w.Schedule(Time(seconds(2)), [&] { ++ran; });
  w.RunFor(seconds(1));
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(w.Now(), Time(seconds(1)));
  w.RunFor(seconds(1));
  EXPECT_EQ(ran, 1);
}

TEST(World, CancelledEventDoesNotRun) {
  World w(1);
  int ran = 0;
  EventId id = w.Schedule(Time(seconds(1)), [&] { ++ran; });
  w.Cancel(id);
  w.RunFor(seconds(2));
  EXPECT_EQ(ran, 0);
}

TEST(World, EventTimeIsVisibleInsideTheEvent) {
  World w(1);
  Time seen{-1};
  w.Schedule(Time(milliseconds(7)), [&] { seen = w.Now(); });
  w.RunFor(seconds(1));
  EXPECT_EQ(seen, Time(milliseconds(7)));
}

TEST(World, RandomStreamsAreSeededPerPurpose) {
  World a(42), b(42), c(43);
  uint64_t a1 = a.Rng("x").Next();
  // Drawing from another purpose first does not shift "x".
  b.Rng("y").Next();
  b.Rng("y").Next();
  EXPECT_EQ(b.Rng("x").Next(), a1);
  EXPECT_NE(c.Rng("x").Next(), a1);
  EXPECT_NE(a.Rng("y").Next(), a.Rng("x").Next());
}

TEST(World, BelowAndBetweenStayInRange) {
  World w(9);
  RandomStream& r = w.Rng("range");
  for (int i = 0; i < 10000; ++i) {
    EXPECT_LT(r.Below(7), 7u);
    int64_t v = r.Between(-3, 3);
    EXPECT_GE(v, -3);
    EXPECT_LE(v, 3);
  }
}

TEST(World, SeveralWorldsCoexist) {
  World a(1), b(1);
  Host& ha = a.AddHost("h", "10.0.0.1");
  Host& hb = b.AddHost("h", "10.0.0.1");  // same address, other world
  EXPECT_NE(&ha, &hb);
  a.RunFor(seconds(1));
  EXPECT_EQ(b.Now(), Time(0));
}

TEST(World, HostAddressesAndLoopback) {
  World w(1);
  Host& h = w.AddHost("h", "10.1.2.3");
  EXPECT_EQ(h.address(), 0x0A010203u);
  EXPECT_TRUE(h.IsLocalAddress(0x7F000001));
  EXPECT_TRUE(h.IsLocalAddress(0x7F123456));  // all of 127/8
  EXPECT_TRUE(h.IsLocalAddress(0x0A010203));
  EXPECT_FALSE(h.IsLocalAddress(0x0A010204));
  EXPECT_EQ(h.MssFor(0x7F000001), 65495);
  EXPECT_EQ(h.MssFor(0x0A010204), 1460);
}

TEST(World, LatencyIsPerPairAndSymmetric) {
  World w(1);
  Host& a = w.AddHost("a", "10.0.0.1");
  Host& b = w.AddHost("b", "10.0.0.2");
  Host& c = w.AddHost("c", "10.0.0.3");
  w.network().SetLatency(b, a, milliseconds(3));
  EXPECT_EQ(w.network().Latency(a, b), milliseconds(3));
  EXPECT_EQ(w.network().Latency(b, a), milliseconds(3));
  w.network().SetDefaultLatency(milliseconds(9));
  EXPECT_EQ(w.network().Latency(a, c), milliseconds(9));
}

// A literal text as a regular expression (gtest's POSIX extended regex).
std::string Lit(const std::string& text) {
  std::string re;
  for (char c : text) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) re += '\\';
    re += c;
  }
  return re;
}

// Misuse of the world-building API still aborts (the test author's bug),
// but the message names the call, the host, the address and what was
// expected.
TEST(WorldDeathTest, AddHostSaysWhichHostWhichAddressAndWhy) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        World w(1);
        w.AddHost("a", "10.0.0.1");
        w.AddHost("b", "10.0.0.1");
      },
      Lit("World::AddHost(\"b\", \"10.0.0.1\"): address 10.0.0.1 is already "
          "host \"a\"'s; expected a unique unicast address such as "
          "\"10.0.0.1\""));
  for (const char* bad :
       {"10.0.0.256", " 10.0.0.2", "10.0.0.2 ", "10.1", "010.0.0.1",
        "10.0.0.0.1", "", "ten.0.0.1", "+10.0.0.1"}) {
    EXPECT_DEATH(
        {
          World w(1);
          w.AddHost("h", bad);
        },
        Lit("World::AddHost(\"h\", \"" + std::string(bad) + "\"): \"" + bad +
            "\" is not a dotted-quad IPv4 address"))
        << bad;
  }
  const struct {
    const char* address;
    const char* why;
  } unusable[] = {
      {"127.0.0.1", "is a loopback address (127.0.0.0/8)"},
      {"127.5.6.7", "is a loopback address (127.0.0.0/8)"},
      {"0.0.0.0", "is in 0.0.0.0/8 (\"this network\")"},
      {"0.1.2.3", "is in 0.0.0.0/8 (\"this network\")"},
      {"224.0.0.1", "is a multicast address (224.0.0.0/4)"},
      {"239.255.255.250", "is a multicast address (224.0.0.0/4)"},
      {"255.255.255.255", "is the limited broadcast address"},
  };
  for (const auto& u : unusable) {
    EXPECT_DEATH(
        {
          World w(1);
          w.AddHost("h", u.address);
        },
        Lit("World::AddHost(\"h\", \"" + std::string(u.address) +
            "\"): address " + u.address + " " + u.why))
        << u.address;
  }
}

TEST(WorldDeathTest, DuplicateAndUnusableNamesAreRejected) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        World w(1);
        w.AddHost("a", "10.0.0.1");
        w.AddHost("a", "10.0.0.2");
      },
      Lit("World::AddHost(\"a\", \"10.0.0.2\"): name \"a\" is already host "
          "\"a\" (10.0.0.1); each host needs its own name"));
  EXPECT_DEATH(
      {
        World w(1);
        Host& a = w.AddHost("a", "10.0.0.1");
        w.AddName("www", a);
        w.AddHost("www", "10.0.0.2");
      },
      Lit("World::AddHost(\"www\", \"10.0.0.2\"): name \"www\" is already an "
          "alias of host \"a\" (10.0.0.1)"));
  EXPECT_DEATH(
      {
        World w(1);
        Host& a = w.AddHost("a", "10.0.0.1");
        w.AddHost("b", "10.0.0.2");
        w.AddName("b", a);
      },
      Lit("World::AddName(\"b\", host \"a\"): name \"b\" is already host "
          "\"b\" (10.0.0.2); a name resolves to one host"));
  EXPECT_DEATH(
      {
        World w(1);
        w.AddHost("localhost", "10.0.0.1");
      },
      Lit("World::AddHost(\"localhost\", \"10.0.0.1\"): name \"localhost\" "
          "is reserved"));
  EXPECT_DEATH(
      {
        World w(1);
        w.AddHost("", "10.0.0.1");
      },
      Lit("World::AddHost(\"\", \"10.0.0.1\"): a host name must not be "
          "empty"));
  EXPECT_DEATH(
      {
        World w(1);
        w.AddHost("10.0.0.9", "10.0.0.1");
      },
      Lit("World::AddHost(\"10.0.0.9\", \"10.0.0.1\"): name \"10.0.0.9\" "
          "reads as a numeric address"));
  EXPECT_DEATH(
      {
        World w1(1);
        World w2(2);
        Host& other = w2.AddHost("x", "10.0.0.1");
        w1.AddName("y", other);
      },
      Lit("World::AddName(\"y\", host \"x\"): the host belongs to another "
          "world"));
}

TEST(WorldDeathTest, LinkSettersSayWhichLinkAndWhy) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        World w(1);
        Host& a = w.AddHost("a", "10.0.0.1");
        Host& b = w.AddHost("b", "10.0.0.2");
        w.network().SetLatency(a, b, milliseconds(-1));
      },
      Lit("Network::SetLatency(host \"a\", host \"b\"): latency -1000000 ns "
          "is negative; expected >= 0"));
  EXPECT_DEATH(
      {
        World w(1);
        Host& a = w.AddHost("a", "10.0.0.1");
        w.network().SetLatency(a, a, milliseconds(1));
      },
      Lit("Network::SetLatency(host \"a\", host \"a\"): a link joins two "
          "different hosts"));
  EXPECT_DEATH(
      {
        World w(1);
        Host& a = w.AddHost("a", "10.0.0.1");
        Host& b = w.AddHost("b", "10.0.0.2");
        LinkFaults f;
        f.loss = 1.5;
        w.network().SetFaults(a, b, f);
      },
      Lit("Network::SetFaults(host \"a\", host \"b\"): loss = 1.500000 is "
          "not a probability; expected 0..1"));
  EXPECT_DEATH(
      {
        World w1(1);
        World w2(2);
        Host& a = w1.AddHost("a", "10.0.0.1");
        Host& b = w2.AddHost("b", "10.0.0.2");
        w1.network().Partition(a, b);
      },
      Lit("Network::Partition(host \"a\", host \"b\"): a host of another "
          "world"));
  EXPECT_DEATH(
      {
        World w(1);
        w.network().SetDefaultLatency(std::chrono::nanoseconds(-5));
      },
      Lit("Network::SetDefaultLatency(-5 ns): a latency cannot be negative"));
}

// What the checks must not refuse: 240/4 (Linux accepts it as unicast),
// addresses ending in .0 or .255 (the simulator has no subnets), names
// that merely contain digits.
TEST(World, AddHostAcceptsEveryUnicastAddress) {
  World w(1);
  EXPECT_EQ(w.AddHost("a", "240.0.0.1").address(), 0xF0000001u);
  EXPECT_EQ(w.AddHost("b", "10.0.1.0").address(), 0x0A000100u);
  EXPECT_EQ(w.AddHost("c", "10.0.1.255").address(), 0x0A0001FFu);
  EXPECT_EQ(w.AddHost("10-0-0-1.example", "223.255.255.255").address(),
            0xDFFFFFFFu);
  EXPECT_EQ(w.AddHost("d", "1.0.0.0").address(), 0x01000000u);
  w.AddName("alias", *w.hosts()[0]);
  EXPECT_EQ(w.HostByName("alias"), w.hosts()[0].get());
}

}  // namespace
}  // namespace simsock::sim

namespace simsock::sim {
namespace {

// Destroying a world whose sockets are connected across hosts: the hosts go
// one by one and the FINs of the later ones must not reach the earlier
// (ASan checks this).
TEST(World, TeardownWithOpenConnectionsAcrossHosts) {
  auto w = std::make_unique<World>(1);
  Host& a = w->AddHost("a", "10.0.0.1");
  Host& b = w->AddHost("b", "10.0.0.2");
  Process& pa = a.SpawnProcess();
  Process& pb = b.SpawnProcess();
  int l = pa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Bind(pa, l, "0.0.0.0", 80);
  pa.listen(l, 1);
  int c = pb.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  testing::Connect(pb, c, "10.0.0.1", 80);
  w->RunFor(milliseconds(10));
  ASSERT_THAT(pa.accept4(l, nullptr, nullptr, 0), SyscallSucceeds());
  w.reset();
}

}  // namespace
}  // namespace simsock::sim
