// Urgent data (MSG_OOB), Linux's reading: the pointer is one past the
// urgent byte (sim/tcp/urgent.h).
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "simsock/sim/tcp/urgent.h"
#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

TEST(Urgent, SendMarksSegmentsUntilThePointerIsAcked) {
  Tcb t = Established();
  SendUrgent(t, "ab", Ms(1));
  EXPECT_OUT(t, WithUrg(Out(kPsh | kAck, L, R, 4096, "ab"), 2));
  t.OnSegment(In(kAck, R, L + 2), Ms(2));
  SendStr(t, "c", Ms(3));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2, R, 4096, "c"));
}

TEST(Urgent, NagleAndCorkDoNotHoldUrgentData) {
  Tcb t = Established();
  SendStr(t, "x", Ms(1));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "x"));
  SendStr(t, "y", Ms(2));
  EXPECT_NO_OUT(t);  // Nagle holds it
  SendUrgent(t, "z", Ms(3));
  EXPECT_OUT(t, WithUrg(Out(kPsh | kAck, L + 1, R, 4096, "yz"), 2));
  Tcb c = Established();
  c.SetCork(true, Ms(1));
  SendUrgent(c, "u", Ms(1));
  EXPECT_OUT(c, WithUrg(Out(kPsh | kAck, L, R, 4096, "u"), 1));
}

TEST(Urgent, RetransmissionCarriesThePointer) {
  Tcb t = Established();
  SendUrgent(t, "ab", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Ms(200));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Describe(out[0].seg),
            Describe(WithUrg(Out(kPsh | kAck, L, R, 4096, "ab"), 2)));
}

TEST(Urgent, PointerAheadOfItsByte_NotYetThenValid) {
  Tcb t = Established();
  // The pointer arrives on a segment that ends before the urgent byte.
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "ab"), 3), Ms(1));
  t.TakeOutput();
  EXPECT_TRUE(t.urgent_any());
  EXPECT_FALSE(t.urgent_valid());
  EXPECT_EQ(RecvStr(t, 8), "ab");  // the mark is after them
  t.OnSegment(In(kAck | kPsh, R + 2, L, "cd"), Ms(2));
  t.TakeOutput();
  EXPECT_TRUE(t.urgent_valid());
  EXPECT_EQ(t.urgent_byte(), 'c');
  EXPECT_EQ(t.ReadableBytes(), 1u);  // 'c' is stepped over
  EXPECT_EQ(RecvStr(t, 8), "d");
  EXPECT_FALSE(t.urgent_any());  // read past the mark
}

TEST(Urgent, ByteInAnOutOfOrderSegmentIsCaptured) {
  Tcb t = Established();
  t.OnSegment(WithUrg(In(kAck | kPsh, R + 2, L, "c"), 1), Ms(1));
  t.TakeOutput();
  EXPECT_TRUE(t.urgent_valid());
  EXPECT_EQ(t.urgent_byte(), 'c');
  EXPECT_EQ(RecvStr(t, 8), "");  // nothing in order yet
  t.OnSegment(In(kAck, R, L, "ab"), Ms(2));
  t.TakeOutput();
  EXPECT_EQ(RecvStr(t, 8), "ab");
  EXPECT_EQ(RecvStr(t, 8), "");  // steps over 'c'
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

TEST(Urgent, StalePointerIsIgnored) {
  Tcb t = Established();
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "ab"), 2), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(RecvStr(t, 8), "a");
  EXPECT_EQ(RecvStr(t, 8), "");
  EXPECT_FALSE(t.urgent_any());
  // The same segment again (a retransmission): its pointer is old news.
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "ab"), 2), Ms(2));
  t.TakeOutput();
  EXPECT_FALSE(t.urgent_any());
}

TEST(Urgent, PeekStopsAtTheMarkAndStepsOverWithoutConsuming) {
  Tcb t = Established();
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "abcd"), 3), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(RecvStr(t, 8, /*peek=*/true), "ab");
  EXPECT_EQ(RecvStr(t, 8), "ab");
  EXPECT_EQ(RecvStr(t, 8, /*peek=*/true), "d");
  EXPECT_TRUE(t.urgent_valid());  // a peek does not pass the mark
  EXPECT_EQ(RecvStr(t, 8), "d");
  EXPECT_FALSE(t.urgent_any());
}

TEST(Urgent, InlineByteIsReadAfterTheMark) {
  TcbConfig c = Cfg();
  c.oob_inline = true;
  Tcb t = Established(c);
  t.OnSegment(WithUrg(In(kAck | kPsh, R, L, "abcd"), 3), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(t.ReadableBytes(), 4u);
  EXPECT_EQ(RecvStr(t, 8), "ab");
  EXPECT_EQ(RecvStr(t, 8), "cd");
  EXPECT_FALSE(t.urgent_any());
}

// --- UrgentSender and UrgentReceiver alone -----------------------------------

TEST(UrgentSender, PointerUntilTheByteIsAcked) {
  UrgentSender u;
  uint16_t ptr = 0;
  EXPECT_FALSE(u.PointerFor(SeqNum(0), &ptr));
  u.Mark(SeqNum(0xFFFFFFFEu) + 4);  // snd_up across the wrap: 2
  EXPECT_TRUE(u.mode());
  ASSERT_TRUE(u.PointerFor(SeqNum(0xFFFFFFFEu), &ptr));
  EXPECT_EQ(ptr, 4);
  EXPECT_FALSE(u.PointerFor(SeqNum(2), &ptr));  // at or past snd_up
  u.OnAck(SeqNum(1));
  EXPECT_TRUE(u.mode());
  u.OnAck(SeqNum(2));
  EXPECT_FALSE(u.mode());
  EXPECT_FALSE(u.PointerFor(SeqNum(0), &ptr));
}

TEST(UrgentSender, PointerMustFitSixteenBits) {
  UrgentSender u;
  u.Mark(SeqNum(70000));
  uint16_t ptr = 0;
  EXPECT_FALSE(u.PointerFor(SeqNum(0), &ptr));
  ASSERT_TRUE(u.PointerFor(SeqNum(70000 - 65535), &ptr));
  EXPECT_EQ(ptr, 65535);
}

std::vector<uint8_t> Payload(std::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

// tcp_check_urg then tcp_urg: the mark first, its byte when it arrives.
TEST(UrgentReceiver, MarkThenByte) {
  UrgentReceiver u;
  EXPECT_FALSE(u.any());
  EXPECT_FALSE(u.OnPointer(5, /*rcv_off=*/0, /*copied=*/0, false));
  EXPECT_EQ(u.state(), UrgentReceiver::State::kNotYet);
  u.OnPayload(10, Payload("zz"));  // does not carry offset 5
  EXPECT_EQ(u.state(), UrgentReceiver::State::kNotYet);
  u.OnPayload(0, Payload("abcdefgh"));
  EXPECT_EQ(u.state(), UrgentReceiver::State::kValid);
  EXPECT_EQ(u.byte(), 'f');
  EXPECT_TRUE(u.At(5));
  EXPECT_FALSE(u.At(4));
  u.MarkRead();
  EXPECT_EQ(u.state(), UrgentReceiver::State::kRead);
  u.Clear();
  EXPECT_FALSE(u.any());
}

// Only a newer mark, not into data already received, replaces the old.
TEST(UrgentReceiver, StaleOrOldPointersIgnored) {
  UrgentReceiver u;
  u.OnPointer(5, 0, 0, false);
  EXPECT_FALSE(u.OnPointer(3, 0, 0, false));
  EXPECT_EQ(u.offset(), 5u);
  EXPECT_FALSE(u.OnPointer(7, /*rcv_off=*/8, 0, false));
  EXPECT_EQ(u.offset(), 5u);
  EXPECT_FALSE(u.OnPointer(9, 8, 0, false));
  EXPECT_EQ(u.offset(), 9u);
}

// A newer mark while the old out-of-line byte is next to be read: that
// byte must leave the stream, unless SO_OOBINLINE keeps it there.
TEST(UrgentReceiver, NewMarkOverUnreadOldByte_DropIt) {
  for (bool inline_oob : {false, true}) {
    UrgentReceiver u;
    u.OnPointer(5, 0, 0, inline_oob);
    u.OnPayload(0, Payload("abcdefgh"));
    EXPECT_EQ(u.OnPointer(12, /*rcv_off=*/8, /*copied=*/5, inline_oob),
              !inline_oob);
    EXPECT_EQ(u.state(), UrgentReceiver::State::kNotYet);
    EXPECT_EQ(u.offset(), 12u);
  }
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
