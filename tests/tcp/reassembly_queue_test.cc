// ReassemblyQueue alone: merging overlapping and touching runs, counting
// each byte once, draining what a filled hole puts in order, the FIN.
#include "simsock/sim/tcp/reassembly_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "simsock/sim/tcp/byte_queue.h"

namespace simsock::sim::tcp {
namespace {

void Insert(ReassemblyQueue& q, uint64_t off, std::string_view s) {
  q.Insert(off, reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string Contents(const ByteQueue& b) {
  std::string s(b.size(), '\0');
  b.Peek(0, reinterpret_cast<uint8_t*>(s.data()), s.size());
  return s;
}

TEST(ReassemblyQueue, Disjoint_TwoRuns) {
  ReassemblyQueue q;
  EXPECT_TRUE(q.empty());
  Insert(q, 10, "abc");
  Insert(q, 20, "xyz");
  EXPECT_EQ(q.runs(), 2u);
  EXPECT_EQ(q.bytes(), 6u);
}

// The Tcb test OutOfOrderOverlapping_Merged, one level down: three
// segments become one run of 9 bytes.
TEST(ReassemblyQueue, Overlapping_MergedAndCountedOnce) {
  ReassemblyQueue q;
  Insert(q, 4, "efgh");
  Insert(q, 10, "klm");
  Insert(q, 6, "ghijk");
  EXPECT_EQ(q.runs(), 1u);
  EXPECT_EQ(q.bytes(), 9u);
  ByteQueue in_order;
  EXPECT_EQ(q.Drain(4, &in_order), 9u);
  EXPECT_EQ(Contents(in_order), "efghijklm");
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(ReassemblyQueue, Touching_Merged) {
  ReassemblyQueue q;
  Insert(q, 2, "cd");
  Insert(q, 0, "ab");
  Insert(q, 4, "ef");
  EXPECT_EQ(q.runs(), 1u);
  EXPECT_EQ(q.bytes(), 6u);
}

TEST(ReassemblyQueue, SegmentBridgingTwoRuns_OneRun) {
  ReassemblyQueue q;
  Insert(q, 0, "ab");
  Insert(q, 6, "gh");
  Insert(q, 1, "bcdefg");
  EXPECT_EQ(q.runs(), 1u);
  EXPECT_EQ(q.bytes(), 8u);
  ByteQueue in_order;
  q.Drain(0, &in_order);
  EXPECT_EQ(Contents(in_order), "abcdefgh");
}

// Overlapping bytes take the newest copy (the bytes are the same in TCP;
// the rule only has to be one).
TEST(ReassemblyQueue, Overlap_NewestBytesWin) {
  ReassemblyQueue q;
  Insert(q, 0, "aaaa");
  Insert(q, 1, "bb");
  ByteQueue in_order;
  q.Drain(0, &in_order);
  EXPECT_EQ(Contents(in_order), "abba");
}

TEST(ReassemblyQueue, Drain_StopsAtTheNextHole) {
  ReassemblyQueue q;
  Insert(q, 3, "de");
  Insert(q, 8, "ij");
  ByteQueue in_order;
  EXPECT_EQ(q.Drain(0, &in_order), 0u);  // the hole at 0..3 is still open
  EXPECT_EQ(q.runs(), 2u);
  EXPECT_EQ(q.Drain(3, &in_order), 2u);
  EXPECT_EQ(Contents(in_order), "de");
  EXPECT_EQ(q.runs(), 1u);
  EXPECT_EQ(q.bytes(), 2u);
}

// A run that starts before RCV.NXT gives only its new part; one that ends
// before it is dropped.
TEST(ReassemblyQueue, Drain_PartlyAndWhollyOldRuns) {
  ReassemblyQueue q;
  Insert(q, 0, "ab");
  Insert(q, 5, "fghij");
  ByteQueue in_order;
  EXPECT_EQ(q.Drain(7, &in_order), 3u);
  EXPECT_EQ(Contents(in_order), "hij");
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(ReassemblyQueue, Fin_RememberedUntilClearedOrClear) {
  ReassemblyQueue q;
  EXPECT_FALSE(q.FinAt(0));
  q.SetFin(10);
  EXPECT_TRUE(q.FinAt(10));
  EXPECT_FALSE(q.FinAt(9));
  q.ClearFin();
  EXPECT_FALSE(q.FinAt(10));
  q.SetFin(10);
  Insert(q, 5, "x");
  q.Clear();
  EXPECT_FALSE(q.FinAt(10));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

// The runs are allocated on the first Insert; a copy (a TIME_WAIT's copy of
// the control block) is deep, and Clear gives the runs back.
TEST(ReassemblyQueue, Copy_IsDeepAndClearEmpties) {
  ReassemblyQueue empty;
  ReassemblyQueue empty_copy(empty);
  EXPECT_TRUE(empty_copy.empty());
  EXPECT_EQ(empty_copy.bytes(), 0u);
  ByteQueue none;
  EXPECT_EQ(empty_copy.Drain(0, &none), 0u);

  ReassemblyQueue q;
  Insert(q, 3, "def");
  q.SetFin(6);
  ReassemblyQueue copy(q);
  Insert(q, 10, "xy");  // the copy does not see it
  EXPECT_EQ(copy.runs(), 1u);
  EXPECT_EQ(copy.bytes(), 3u);
  EXPECT_TRUE(copy.FinAt(6));
  EXPECT_EQ(q.runs(), 2u);

  ByteQueue in_order;
  EXPECT_EQ(copy.Drain(3, &in_order), 3u);
  EXPECT_EQ(Contents(in_order), "def");
  EXPECT_EQ(q.bytes(), 5u);  // the original kept its runs

  empty = q;  // copy assignment
  EXPECT_EQ(empty.runs(), 2u);
  q.Clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_FALSE(q.FinAt(6));
  EXPECT_EQ(empty.bytes(), 5u);
}

}  // namespace
}  // namespace simsock::sim::tcp
