// The world's clock, agenda and random streams.
#include "sim/world.h"

#include <gtest/gtest.h>

#include <vector>

#include <arpa/inet.h>

#include <memory>

#include "sim/host.h"
#include "sim/process.h"

namespace simsock::sim {
namespace {

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
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(80);
  pa.bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  pa.listen(l, 1);
  int c = pb.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  addr.sin_addr.s_addr = htonl(0x0A000001);
  pb.connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  w->RunFor(milliseconds(10));
  ASSERT_GE(pa.accept4(l, nullptr, nullptr, 0), 0);
  w.reset();
}

}  // namespace
}  // namespace simsock::sim
