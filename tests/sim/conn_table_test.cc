// The hashed connection table (sim/inet/conn_table.h) against the ordered
// map it replaced: random inserts, erases and lookups over a small key
// space (so that keys collide, runs wrap around the array's end and erases
// shift entries back) must answer as the map does, and TakeAllInKeyOrder
// must hand out the map's contents in the map's order.
#include "simsock/sim/inet/conn_table.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "simsock/sim/base/random.h"

namespace simsock::sim {
namespace {

ConnKey RandomKey(RandomStream& rng, uint64_t spread) {
  ConnKey k;
  k.local_ip = 0x0a000001 + static_cast<uint32_t>(rng.Below(2));
  k.local_port = static_cast<uint16_t>(rng.Below(spread));
  k.remote_ip = 0x0a000100 + static_cast<uint32_t>(rng.Below(3));
  k.remote_port = static_cast<uint16_t>(7 + rng.Below(2));
  return k;
}

TEST(ConnTable, MatchesAnOrderedMapUnderRandomInsertEraseAndLookup) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    RandomStream rng(seed, "conn_table_test");
    // Small spreads keep the table dense; larger ones make it grow.
    const uint64_t spread = seed % 2 == 0 ? 40 : 3000;
    ConnTable<std::shared_ptr<int>> table;
    std::map<ConnKey, int> model;
    for (int step = 0; step < 20000; ++step) {
      ConnKey k = RandomKey(rng, spread);
      uint64_t op = rng.Below(10);
      if (op < 4) {
        bool fresh = model.emplace(k, step).second;
        EXPECT_EQ(table.Insert(k, std::make_shared<int>(step)), fresh);
      } else if (op < 7) {
        auto it = model.find(k);
        std::shared_ptr<int> out = table.Erase(k);
        if (it == model.end()) {
          EXPECT_EQ(out, nullptr);
        } else {
          ASSERT_NE(out, nullptr);
          EXPECT_EQ(*out, it->second);
          model.erase(it);
        }
      } else {
        auto it = model.find(k);
        const std::shared_ptr<int>* found = table.Find(k);
        if (it == model.end()) {
          EXPECT_EQ(found, nullptr);
        } else {
          ASSERT_NE(found, nullptr);
          EXPECT_EQ(**found, it->second);
        }
      }
      ASSERT_EQ(table.size(), model.size()) << "seed " << seed;
    }
    // Every key the model holds is found; a sweep of absent keys is not.
    for (const auto& [k, v] : model) {
      const std::shared_ptr<int>* found = table.Find(k);
      ASSERT_NE(found, nullptr);
      EXPECT_EQ(**found, v);
    }
    auto all = table.TakeAllInKeyOrder();
    ASSERT_EQ(all.size(), model.size());
    size_t i = 0;
    for (const auto& [k, v] : model) {
      EXPECT_EQ(all[i].first, k);
      EXPECT_EQ(*all[i].second, v);
      ++i;
    }
    EXPECT_TRUE(table.empty());
    EXPECT_EQ(table.Find(RandomKey(rng, spread)), nullptr);
  }
}

TEST(ConnTable, ErasedValueIsReleasedByTheCaller) {
  ConnTable<std::shared_ptr<int>> table;
  auto v = std::make_shared<int>(7);
  ConnKey k{1, 2, 3, 4};
  ASSERT_TRUE(table.Insert(k, v));
  EXPECT_EQ(v.use_count(), 2);
  EXPECT_FALSE(table.Insert(k, std::make_shared<int>(8)));  // kept as was
  EXPECT_EQ(**table.Find(k), 7);
  std::shared_ptr<int> out = table.Erase(k);
  EXPECT_EQ(out, v);
  EXPECT_EQ(v.use_count(), 2);  // v and out: the table holds none
  EXPECT_EQ(table.Erase(k), nullptr);
  EXPECT_TRUE(table.empty());
}

TEST(ConnTable, HashIsAFixedFunctionOfTheTuple) {
  // No seed and no address: the same tuple hashes alike in every run, so
  // the table's layout (and its probe counts) repeat.
  ConnKey a{0x0a000001, 80, 0x0a000101, 40000};
  EXPECT_EQ(HashConnKey(a), HashConnKey(ConnKey{a}));
  ConnKey b = a;
  b.remote_port = 40001;
  EXPECT_NE(HashConnKey(a), HashConnKey(b));
}

}  // namespace
}  // namespace simsock::sim
