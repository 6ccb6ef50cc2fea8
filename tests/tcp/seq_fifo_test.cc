// SeqFifo (sim/tcp/seq_fifo.h), the control block's list of segments in
// flight, against the std::deque it replaced: random pushes, pops, indexed
// reads and lower-bound searches (across the sequence space's wrap), and
// copies and moves, must answer alike.
#include "simsock/sim/tcp/seq_fifo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <utility>

#include "simsock/sim/base/random.h"

namespace simsock::sim::tcp {
namespace {

void ExpectSame(const SeqFifo& f, const std::deque<SeqNum>& d) {
  ASSERT_EQ(f.size(), d.size());
  ASSERT_EQ(f.empty(), d.empty());
  for (size_t i = 0; i < d.size(); ++i) ASSERT_EQ(f[i], d[i]);
  if (!d.empty()) {
    ASSERT_EQ(f.front(), d.front());
  }
}

TEST(SeqFifo, MatchesADequeUnderRandomPushPopAndSearch) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    RandomStream rng(seed, "seq_fifo_test");
    SeqFifo f;
    std::deque<SeqNum> d;
    // Start near the wrap so that the in-order entries cross 2^32.
    SeqNum next(0xFFFFFF00u - static_cast<uint32_t>(rng.Below(1000)));
    for (int step = 0; step < 5000; ++step) {
      uint64_t op = rng.Below(10);
      if (op < 5) {
        next += 1 + static_cast<uint32_t>(rng.Below(1500));
        f.push_back(next);
        d.push_back(next);
      } else if (op < 8 && !d.empty()) {
        f.pop_front();
        d.pop_front();
      } else if (!d.empty()) {
        SeqNum probe =
            d.front() + static_cast<uint32_t>(rng.Below(
                            static_cast<uint64_t>(next - d.front()) + 2000));
        auto it = std::lower_bound(d.begin(), d.end(), probe);
        ASSERT_EQ(f.LowerBound(probe), static_cast<size_t>(it - d.begin()));
      }
      ExpectSame(f, d);
    }
    SeqFifo copy(f);
    ExpectSame(copy, d);
    SeqFifo moved(std::move(f));
    ExpectSame(moved, d);
    EXPECT_TRUE(f.empty());  // NOLINT: moved-from is specified as empty
    copy = moved;
    ExpectSame(copy, d);
  }
}

TEST(SeqFifo, EmptyCopiesAndSearches) {
  SeqFifo f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.LowerBound(SeqNum(5)), 0u);
  SeqFifo copy(f);
  EXPECT_TRUE(copy.empty());
  copy.push_back(SeqNum(10));
  copy.push_back(SeqNum(20));
  EXPECT_EQ(copy.LowerBound(SeqNum(15)), 1u);
  EXPECT_EQ(copy.LowerBound(SeqNum(25)), 2u);
  copy.pop_front();
  copy.pop_front();
  EXPECT_TRUE(copy.empty());
  EXPECT_TRUE(f.empty());
}

}  // namespace
}  // namespace simsock::sim::tcp
