// The fiber stack pool (fiber/stack_pool.h): a released stack is the next
// one handed out (warm memory), stacks come back at any count without being
// unmapped, and past the hot few their pages go back to the kernel (a
// private anonymous page given back with MADV_DONTNEED reads as zero when
// touched again), so the pool's resident memory stays bounded. Uses a size
// of its own, so that the fibers other tests make do not share its lists.
#include "simsock/fiber/stack_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

#include "simsock/fiber/fiber.h"

namespace simsock::fiber {
namespace {

constexpr size_t kSize = 72 * 1024;  // not a size anything else asks for

TEST(StackPool, ReleasedStackIsTheNextOneHandedOut) {
  StackPool& pool = StackPool::Instance();
  StackPool::Stack a = pool.Allocate(kSize);
  StackPool::Stack b = pool.Allocate(kSize);
  EXPECT_NE(a.base, b.base);
  EXPECT_EQ(a.size, kSize);
  pool.Release(a);
  pool.Release(b);
  StackPool::Stack again = pool.Allocate(kSize);
  EXPECT_EQ(again.base, b.base);  // LIFO: the warmest first
  StackPool::Stack then = pool.Allocate(kSize);
  EXPECT_EQ(then.base, a.base);
  pool.Release(then);
  pool.Release(again);
}

TEST(StackPool, ColdStacksGiveTheirPagesBackAndHotOnesKeepThem) {
  StackPool& pool = StackPool::Instance();
  const size_t n = StackPool::kHot + 2 * StackPool::kBatch + 10;
  std::vector<StackPool::Stack> stacks;
  std::set<void*> distinct;
  for (size_t i = 0; i < n; ++i) {
    stacks.push_back(pool.Allocate(kSize));
    distinct.insert(stacks.back().base);
    // Touch the top and the bottom of each stack, as a fiber would.
    std::memset(static_cast<char*>(stacks.back().base) + kSize - 4096, 0xab,
                4096);
    std::memset(stacks.back().base, 0xcd, 4096);
  }
  EXPECT_EQ(distinct.size(), n);
  const size_t cold_before = pool.cold();
  for (const StackPool::Stack& s : stacks) pool.Release(s);
  // Every stack pooled; all but the hot few and one unfinished batch cold.
  EXPECT_GE(pool.pooled(), n);
  EXPECT_GE(pool.cold(), cold_before + n - StackPool::kHot - StackPool::kBatch);
  // Released last = handed out first; the first kHot still hold their bytes.
  for (size_t i = 0; i < StackPool::kHot; ++i) {
    StackPool::Stack s = pool.Allocate(kSize);
    EXPECT_EQ(s.base, stacks[n - 1 - i].base);
    EXPECT_EQ(static_cast<unsigned char*>(s.base)[kSize - 1], 0xab);
  }
  // The first released were cooled: their pages were given back.
  std::vector<StackPool::Stack> rest;
  for (size_t i = StackPool::kHot; i < n; ++i)
    rest.push_back(pool.Allocate(kSize));
  const auto* first = static_cast<unsigned char*>(rest.back().base);
  EXPECT_EQ(rest.back().base, stacks[0].base);
  EXPECT_EQ(first[kSize - 1], 0);
  EXPECT_EQ(first[0], 0);
  for (size_t i = 0; i < StackPool::kHot; ++i) pool.Release(stacks[n - 1 - i]);
  for (const StackPool::Stack& s : rest) pool.Release(s);
}

TEST(StackPool, FibersRunOnReusedStacks) {
  // Many fibers one after the other, each leaving a mark on its stack: all
  // run, and the pool hands the same few stacks out again.
  int ran = 0;
  const size_t pooled_before = StackPool::Instance().pooled();
  for (int i = 0; i < 2000; ++i) {
    Fiber f([&ran, i] {
      volatile char frame[2048];
      for (volatile char& c : frame) c = static_cast<char>(i & 0xff);
      ran += frame[100] == static_cast<char>(i & 0xff);
    });
    f.Resume();
    EXPECT_TRUE(f.finished());
  }
  EXPECT_EQ(ran, 2000);
  // At most one new stack was mapped for the loop (the first fiber's, if
  // no default-size stack was pooled yet).
  EXPECT_LE(StackPool::Instance().pooled(), pooled_before + 1);
  EXPECT_GE(StackPool::Instance().pooled(), 1u);
}

}  // namespace
}  // namespace simsock::fiber
