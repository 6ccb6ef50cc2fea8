// The per-thread pools of segment vectors and payload buffers
// (sim/tcp/segment.h) that the outboxes and the sent segments reuse: a
// buffer given back comes out again empty, the pools stay bounded in count
// and (for payloads) in size, and each thread has its own. Each test runs
// in a thread of its own so that it starts from empty pools.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "simsock/sim/tcp/segment.h"

namespace simsock::sim::tcp {
namespace {

template <typename F>
void InFreshThread(F f) {
  std::thread t(f);
  t.join();
}

TEST(SegmentPool, ARecycledSegmentVectorComesBackEmptyWithItsBuffer) {
  InFreshThread([] {
    EXPECT_EQ(SpareSegmentVector().capacity(), 0u);  // the pool starts empty
    std::vector<Segment> v(3);
    v[0].payload.assign(10, 0x61);
    const Segment* buffer = v.data();
    const size_t capacity = v.capacity();
    RecycleSegmentVector(std::move(v));
    std::vector<Segment> again = SpareSegmentVector();
    EXPECT_TRUE(again.empty());
    EXPECT_EQ(again.data(), buffer);
    EXPECT_EQ(again.capacity(), capacity);
    EXPECT_EQ(SpareSegmentVector().capacity(), 0u);  // taken: empty again
  });
}

TEST(SegmentPool, SegmentVectorsBeyondTheBoundAreFreed) {
  InFreshThread([] {
    for (int i = 0; i < 12; ++i) {
      std::vector<Segment> v;
      v.reserve(2);
      RecycleSegmentVector(std::move(v));
    }
    RecycleSegmentVector(std::vector<Segment>());  // no buffer: not kept
    int with_buffer = 0;
    for (int i = 0; i < 12; ++i) {
      if (SpareSegmentVector().capacity() > 0) ++with_buffer;
    }
    EXPECT_EQ(with_buffer, 8);
  });
}

TEST(SegmentPool, ARecycledPayloadComesBackEmptyWithItsBuffer) {
  InFreshThread([] {
    EXPECT_EQ(SparePayload().capacity(), 0u);
    std::vector<uint8_t> p(64, 0x78);
    const uint8_t* buffer = p.data();
    RecyclePayload(std::move(p));
    std::vector<uint8_t> again = SparePayload();
    EXPECT_TRUE(again.empty());
    EXPECT_EQ(again.data(), buffer);
    EXPECT_GE(again.capacity(), 64u);
  });
}

TEST(SegmentPool, PayloadPoolIsBoundedInCountAndBufferSize) {
  InFreshThread([] {
    RecyclePayload(std::vector<uint8_t>(65536));  // too big to keep
    RecyclePayload(std::vector<uint8_t>());       // no buffer
    EXPECT_EQ(SparePayload().capacity(), 0u);
    for (int i = 0; i < 70; ++i) RecyclePayload(std::vector<uint8_t>(100));
    int with_buffer = 0;
    for (int i = 0; i < 70; ++i) {
      if (SparePayload().capacity() > 0) ++with_buffer;
    }
    EXPECT_EQ(with_buffer, 64);
  });
}

TEST(SegmentPool, EachThreadHasItsOwnPool) {
  InFreshThread([] {
    RecyclePayload(std::vector<uint8_t>(32));
    InFreshThread([] { EXPECT_EQ(SparePayload().capacity(), 0u); });
    EXPECT_GE(SparePayload().capacity(), 32u);
  });
}

}  // namespace
}  // namespace simsock::sim::tcp
