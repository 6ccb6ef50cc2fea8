// InlineCallback (sim/base/inline_callback.h): small captures stay inline,
// big ones go to the heap, and in both cases a move carries the capture
// over, calls reach it, and every capture is destroyed exactly once whether
// or not it was called.
#include "simsock/sim/base/inline_callback.h"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace simsock::sim {
namespace {

// Counts its live copies and the calls made to any of them.
struct Tracked {
  int* live;
  int* calls;
  Tracked(int* l, int* c) : live(l), calls(c) { ++*live; }
  Tracked(const Tracked& o) : live(o.live), calls(o.calls) { ++*live; }
  Tracked(Tracked&& o) noexcept : live(o.live), calls(o.calls) { ++*live; }
  ~Tracked() { --*live; }
  void operator()() { ++*calls; }
};

// The same with a payload too big for the inline buffer.
struct BigTracked : Tracked {
  std::array<char, 200> pad{};
  using Tracked::Tracked;
};

// Small, but its move may throw: must go to the heap.
struct ThrowingMove {
  int* calls;
  explicit ThrowingMove(int* c) : calls(c) {}
  ThrowingMove(ThrowingMove&& o) noexcept(false) : calls(o.calls) {}
  void operator()() { ++*calls; }
};

TEST(InlineCallback, SmallCaptureIsInlineAndCalled) {
  int live = 0, calls = 0;
  {
    InlineCallback cb(Tracked(&live, &calls));
    EXPECT_TRUE(cb);
    EXPECT_TRUE(cb.is_inline());
    EXPECT_EQ(live, 1);
    cb();
    cb();
    EXPECT_EQ(calls, 2);
  }
  EXPECT_EQ(live, 0);
}

TEST(InlineCallback, LargeCaptureGoesToTheHeap) {
  int live = 0, calls = 0;
  {
    InlineCallback cb(BigTracked(&live, &calls));
    EXPECT_TRUE(cb);
    EXPECT_FALSE(cb.is_inline());
    EXPECT_EQ(live, 1);
    cb();
    EXPECT_EQ(calls, 1);
  }
  EXPECT_EQ(live, 0);
}

TEST(InlineCallback, ThrowingMoveGoesToTheHeap) {
  int calls = 0;
  InlineCallback cb(ThrowingMove{&calls});
  EXPECT_FALSE(cb.is_inline());
  cb();
  EXPECT_EQ(calls, 1);
}

TEST(InlineCallback, MoveCarriesTheCaptureAndEmptiesTheSource) {
  for (bool big : {false, true}) {
    int live = 0, calls = 0;
    {
      InlineCallback a = big ? InlineCallback(BigTracked(&live, &calls))
                             : InlineCallback(Tracked(&live, &calls));
      InlineCallback b(std::move(a));
      EXPECT_FALSE(a);  // NOLINT: moved-from is specified as empty
      EXPECT_TRUE(b);
      EXPECT_EQ(live, 1);
      InlineCallback c;
      c = std::move(b);
      EXPECT_FALSE(b);  // NOLINT
      EXPECT_EQ(live, 1);
      c();
      EXPECT_EQ(calls, 1);
      // Assigning over a held callable destroys it without calling it.
      c = InlineCallback(Tracked(&live, &calls));
      EXPECT_EQ(live, 1);
      EXPECT_EQ(calls, 1);
    }
    EXPECT_EQ(live, 0) << "big " << big;
  }
}

TEST(InlineCallback, DestroyedWithoutCallCountsOnce) {
  int live = 0, calls = 0;
  {
    std::vector<InlineCallback> many;
    for (int i = 0; i < 100; ++i) {
      if (i % 3 == 0) {
        many.emplace_back(BigTracked(&live, &calls));
      } else {
        many.emplace_back(Tracked(&live, &calls));
      }
    }
    EXPECT_EQ(live, 100);  // the vector's growth moved them, none leaked
    many[5] = nullptr;
    EXPECT_EQ(live, 99);
  }
  EXPECT_EQ(live, 0);
  EXPECT_EQ(calls, 0);
}

TEST(InlineCallback, HoldsMoveOnlyCapturesAndStdFunction) {
  auto owned = std::make_unique<int>(41);
  int seen = 0;
  InlineCallback a([p = std::move(owned), &seen]() { seen = ++*p; });
  EXPECT_TRUE(a.is_inline());
  a();
  EXPECT_EQ(seen, 42);
  std::function<void()> f = [&seen] { seen = 7; };
  InlineCallback b(f);
  EXPECT_TRUE(b.is_inline());
  b();
  EXPECT_EQ(seen, 7);
  InlineCallback empty;
  EXPECT_FALSE(empty);
  EXPECT_FALSE(empty.is_inline());
}

}  // namespace
}  // namespace simsock::sim
