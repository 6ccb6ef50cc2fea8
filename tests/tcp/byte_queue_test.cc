// ByteQueue: the ring buffer of the TCP send and receive queues, its
// growth across the wrap, and copies (a TIME_WAIT copies its control
// block) that own their own bytes.
#include "simsock/sim/tcp/byte_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace simsock::sim::tcp {
namespace {

void Put(ByteQueue& q, const std::string& s) {
  q.Append(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string All(const ByteQueue& q) {
  std::string out(q.size(), '\0');
  q.Peek(0, reinterpret_cast<uint8_t*>(out.data()), out.size());
  return out;
}

std::string Pattern(size_t n, char first) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(first + i % 23);
  return s;
}

TEST(ByteQueue, SixteenBytesAndNoBufferUntilTheFirstByte) {
  // Two per control block: the capacity lives in the buffer's own header.
  EXPECT_EQ(sizeof(ByteQueue), 16u);
  ByteQueue q;
  EXPECT_EQ(q.capacity(), 0u);
  q.Append(nullptr, 0);
  EXPECT_EQ(q.capacity(), 0u);
  Put(q, "x");
  EXPECT_EQ(q.capacity(), 256u);
}

TEST(ByteQueue, GrowsAcrossTheWrapKeepingOrder) {
  ByteQueue q;
  Put(q, Pattern(200, 'a'));
  EXPECT_EQ(q.Consume(150), 150u);
  // 50 queued from offset 150: the next 150 wrap past the end.
  Put(q, Pattern(150, 'A'));
  EXPECT_EQ(q.capacity(), 256u);
  EXPECT_EQ(All(q), Pattern(200, 'a').substr(150) + Pattern(150, 'A'));
  // Past the capacity: the bytes move, in order, to a buffer twice as big
  // (or more: 200 + 900 needs 2,048).
  Put(q, Pattern(900, '0'));
  EXPECT_EQ(q.capacity(), 2048u);
  EXPECT_EQ(All(q), Pattern(200, 'a').substr(150) + Pattern(150, 'A') +
                        Pattern(900, '0'));
  std::string mid(10, '\0');
  EXPECT_EQ(q.Peek(45, reinterpret_cast<uint8_t*>(mid.data()), 10), 10u);
  EXPECT_EQ(mid,
            Pattern(200, 'a').substr(195) + Pattern(150, 'A').substr(0, 5));
  EXPECT_EQ(q.Peek(q.size(), reinterpret_cast<uint8_t*>(mid.data()), 10), 0u);
  EXPECT_EQ(q.Consume(5000), 1100u);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), 2048u);  // never shrinks
}

TEST(ByteQueue, CopiesOwnTheirBytesAndMovesLeaveAnEmptyQueue) {
  ByteQueue q;
  Put(q, Pattern(300, 'a'));
  q.Consume(100);
  ByteQueue copy(q);
  EXPECT_EQ(All(copy), All(q));
  EXPECT_EQ(copy.capacity(), q.capacity());
  Put(copy, "tail");
  q.Consume(200);
  EXPECT_EQ(All(copy), Pattern(300, 'a').substr(100) + "tail");
  EXPECT_TRUE(q.empty());

  ByteQueue assigned;
  Put(assigned, "old");
  assigned = copy;
  EXPECT_EQ(All(assigned), All(copy));

  ByteQueue moved(std::move(copy));
  EXPECT_EQ(All(moved), Pattern(300, 'a').substr(100) + "tail");
  EXPECT_EQ(copy.size(), 0u);      // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(copy.capacity(), 0u);  // NOLINT(bugprone-use-after-move)
  Put(copy, "again");              // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(All(copy), "again");

  ByteQueue empty_copy{ByteQueue()};
  EXPECT_EQ(empty_copy.capacity(), 0u);
}

}  // namespace
}  // namespace simsock::sim::tcp
