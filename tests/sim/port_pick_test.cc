// PortTable::PickForConnect skips ports a word at a time (the bind-owned
// bitmap and the caller's ports-in-use bitmap); the port it picks must be
// the one Linux's order gives (__inet_hash_connect as the simulator reads
// it: even ports first, then odd, each from a random offset), i.e. the one
// a plain scan asking port by port picks. Checked against that scan over
// random tables, with complete, partial and no bitmaps.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "simsock/sim/base/random.h"
#include "simsock/sim/inet/port_table.h"

namespace simsock::sim {
namespace {

class FakeHolder : public PortHolder {
 public:
  FakeHolder(uint16_t port, bool connect_bound)
      : local_{0, port}, connect_bound_(connect_bound) {}
  const Endpoint& local() const override { return local_; }
  bool reuseaddr() const override { return false; }
  bool reuseport() const override { return false; }
  bool connect_bound() const override { return connect_bound_; }

 private:
  Endpoint local_;
  bool connect_bound_;
};

// The scan as the simulator wrote it before the bitmaps.
uint16_t ReferencePick(const PortTable& t, int lo, int hi, RandomStream& rng,
                       const std::set<int>& in_use) {
  int n = hi - lo + 1;
  int offset = static_cast<int>(rng.Below(static_cast<uint64_t>(n)));
  for (int parity : {0, 1}) {
    for (int i = 0; i < n; ++i) {
      int port = lo + (offset + i) % n;
      if (port % 2 != parity) continue;
      bool bind_owned = false;
      for (PortHolder* h : t.Holders(static_cast<uint16_t>(port)))
        bind_owned |= !h->connect_bound();
      if (bind_owned) continue;
      if (!in_use.count(port)) return static_cast<uint16_t>(port);
    }
  }
  return 0;
}

TEST(PortPick, SameChoiceAsAPortByPortScan) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    RandomStream setup(seed, "port_pick_test");
    int lo = 1000 + static_cast<int>(setup.Below(200));
    int hi = lo + static_cast<int>(setup.Below(seed % 4 == 0 ? 20 : 3000));
    double density = setup.Below(100) / 100.0;
    PortTable table;
    std::vector<std::unique_ptr<FakeHolder>> holders;
    std::set<int> in_use;
    PortBitmap full, partial;
    for (int p = lo; p <= hi; ++p) {
      auto port = static_cast<uint16_t>(p);
      if (setup.Chance(density / 3)) {
        holders.push_back(std::make_unique<FakeHolder>(port, false));
        table.Add(*holders.back(), port);
      }
      if (setup.Chance(density)) {
        holders.push_back(std::make_unique<FakeHolder>(port, true));
        table.Add(*holders.back(), port);
        in_use.insert(p);
        full.Set(port, true);
        if (setup.Chance(0.5)) partial.Set(port, true);
      }
    }
    auto usable = [&](uint16_t p) { return in_use.count(p) == 0; };
    for (int draw = 0; draw < 20; ++draw) {
      RandomStream a(seed * 100 + static_cast<uint64_t>(draw), "pick");
      RandomStream b = a, c = a, d = a;
      uint16_t want = ReferencePick(table, lo, hi, a, in_use);
      EXPECT_EQ(table.PickForConnect(lo, hi, b, &full, usable), want);
      EXPECT_EQ(table.PickForConnect(lo, hi, c, &partial, usable), want);
      EXPECT_EQ(table.PickForConnect(lo, hi, d, nullptr, usable), want);
    }
    for (auto& h : holders) table.Remove(*h, h->local().port);
    EXPECT_EQ(table.size(), 0u);
  }
}

// A port's holders are a list through the holders (no node each): through
// random adds and removals, first, last or in the middle, Holders() gives
// them in the order they took the port, as a vector in arrival order does,
// and a port with none left is gone from the table.
TEST(PortPick, HoldersStayInArrivalOrder) {
  RandomStream rng(7, "holders");
  std::vector<std::unique_ptr<FakeHolder>> holders;
  for (int i = 0; i < 24; ++i)
    holders.push_back(std::make_unique<FakeHolder>(
        static_cast<uint16_t>(1000 + i % 3), i % 2 == 0));
  PortTable t;
  std::vector<std::vector<PortHolder*>> expected(3);
  std::vector<bool> held(holders.size(), false);
  for (int step = 0; step < 2000; ++step) {
    const size_t i = rng.Below(holders.size());
    FakeHolder& h = *holders[i];
    const uint16_t port = h.local().port;
    std::vector<PortHolder*>& want = expected[port - 1000];
    if (held[i]) {
      t.Remove(h, port);
      want.erase(std::find(want.begin(), want.end(), &h));
    } else {
      t.Add(h, port);
      want.push_back(&h);
    }
    held[i] = !held[i];
    size_t ports = 0;
    for (int p = 0; p < 3; ++p) {
      ASSERT_EQ(t.Holders(static_cast<uint16_t>(1000 + p)), expected[p]);
      ports += expected[p].empty() ? 0 : 1;
    }
    ASSERT_EQ(t.size(), ports);
  }
  for (size_t i = 0; i < holders.size(); ++i)
    if (held[i]) t.Remove(*holders[i], holders[i]->local().port);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace simsock::sim
