// Segments outside the window and the ACKs they draw, as Linux 6.18 answers
// them: the send window set by every ACK that moves snd_una
// (tcp_may_update_window), and at most one out-of-window or challenge ACK
// per tcp_invalid_ratelimit (500 ms) on a connection (tcp_oow_rate_limited,
// tcp_send_challenge_ack), except for segments that carry data.
//
// The rate limit counts 4 ms jiffies (CONFIG_HZ 250): 125 of them. An ACK
// at 1 ms (jiffy 0) limits everything up to 499 ms (jiffy 124) and lets
// the next one through at 500 ms (jiffy 125).
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

// A bare ACK whose sequence number lies past our window (the peer's
// snd_nxt ran ahead of what we received, its data lost).
Segment BareAckBeyondWindow() { return In(kAck, R + 5000, L); }

TEST(OutOfWindow, BareAck_OneDupackPerHalfSecond) {
  Tcb t = Established();
  t.OnSegment(BareAckBeyondWindow(), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  t.OnSegment(BareAckBeyondWindow(), Ms(2));
  EXPECT_NO_OUT(t);
  t.OnSegment(BareAckBeyondWindow(), Ms(499));
  EXPECT_NO_OUT(t);
  t.OnSegment(BareAckBeyondWindow(), Ms(500));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  t.OnSegment(BareAckBeyondWindow(), Ms(600));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

TEST(OutOfWindow, DataIsAnsweredEveryTime) {
  // tcp_oow_rate_limited: "data packets without SYNs are not likely part
  // of an ACK loop", so their duplicate ACK is never held back, even just
  // after a limited bare one.
  Tcb t = Established();
  t.OnSegment(BareAckBeyondWindow(), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  t.OnSegment(In(kAck, R + 5000, L, "x"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  t.OnSegment(In(kAck, R + 6000, L, "y"), Ms(3));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

TEST(OutOfWindow, OldRetransmissionIsAnsweredEveryTime) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 3, 4093));
  t.OnSegment(In(kAck, R, L, "abc"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 3, 4093));
  t.OnSegment(In(kAck, R, L, "abc"), Ms(3));
  EXPECT_OUT(t, Out(kAck, L, R + 3, 4093));
}

TEST(OutOfWindow, ChallengeAcksShareTheLimit) {
  // An in-window RST that is not exact, an in-window SYN, and an
  // unacceptable SYN each draw a challenge ACK, out of the one allowance.
  Tcb t = Established();
  t.OnSegment(In(kRst, R + 1), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  Segment syn = InSyn(kSyn);
  syn.seq = R + 100;
  t.OnSegment(syn, Ms(2));
  EXPECT_NO_OUT(t);
  syn.seq = R + 9000;  // outside the window
  t.OnSegment(syn, Ms(3));
  EXPECT_NO_OUT(t);
  t.OnSegment(BareAckBeyondWindow(), Ms(4));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kRst, R + 1), Ms(501));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

TEST(OutOfWindow, UnsentOrTooOldAckOutsideEstablished_DroppedSilently) {
  // tcp_rcv_state_process calls tcp_ack with FLAG_NO_CHALLENGE_ACK.
  Tcb t = FinWait1();
  t.OnSegment(In(kAck | kPsh, R, L + 10, "x"), Ms(1));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck | kPsh, R, L - 5000, "x"), Ms(2));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

TEST(OutOfWindow, TimeWait_BareAckLimited_RetransmittedFinAlwaysAcked) {
  Tcb t = TimeWait();
  t.OnSegment(In(kAck, R + 3000, L + 1), Ms(1));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  t.OnSegment(In(kAck, R + 3000, L + 1), Ms(2));
  EXPECT_NO_OUT(t);
  // The peer's FIN again (our last ACK was lost): a FIN is not limited.
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(3));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(4));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
}

TEST(OutOfWindow, TimeWaitStartsWithNoLimitOnRecord) {
  // tcp_time_wait starts tw_last_oow_ack_time at 0: an out-of-window ACK
  // sent just before TIME_WAIT does not hold back the first one after.
  Tcb t = FinWait2();
  t.OnSegment(BareAckBeyondWindow(), Ms(1));
  EXPECT_OUT(t, Out(kAck, L + 1, R, 4096));
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(2));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  ASSERT_EQ(t.state(), TcpState::kTimeWait);
  t.OnSegment(In(kAck, R + 3000, L + 1), Ms(3));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
}

TEST(OutOfWindow, RequestSock_DuplicateSynWithinTheLimitGetsNoSynAck) {
  // tcp_check_req: a pure retransmitted SYN is answered with the SYN-ACK
  // again only if the request's own rate limit allows.
  Tcb t = SynReceived();
  t.OnSegment(InSyn(kSyn), Ms(1));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  t.OnSegment(InSyn(kSyn), Ms(100));
  EXPECT_NO_OUT(t);
  t.OnSegment(InSyn(kSyn), Ms(500));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(OutOfWindow, ChildStartsWithNoLimitOnRecord) {
  // tcp_create_openreq_child: the full socket's last_oow_ack_time is 0,
  // whatever its request sock answered.
  Tcb t = SynReceived();
  t.OnSegment(InSyn(kSyn), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L), Ms(2));
  ASSERT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
  t.OnSegment(BareAckBeyondWindow(), Ms(3));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
}

TEST(OutOfWindow, RateLimitIsTheSysctl) {
  TcbConfig c = Cfg();
  c.invalid_ratelimit = std::chrono::milliseconds(0);
  Tcb t = Established(c);
  t.OnSegment(BareAckBeyondWindow(), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  t.OnSegment(BareAckBeyondWindow(), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
}

// --- The send window ------------------------------------------------------

TEST(WindowUpdate, AdvancingAckSetsTheWindowWhateverItsSequenceNumber) {
  // The peer's bare ACKs carry its snd_nxt, far ahead of what reached us
  // (its data was lost): snd_wl1 moves there. Its retransmission, at our
  // rcv_nxt, then acknowledges our data and offers a smaller window.
  // Linux takes that window (the ACK moved snd_una); RFC 9293's rule
  // (SEG.SEQ >= SND.WL1) would keep the old one, and the right edge would
  // run past the one the peer offered.
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 2000, L), Ms(1));  // R + 2000: within our window
  EXPECT_NO_OUT(t);
  EXPECT_EQ(SendStr(t, Str(3000, 'a'), Ms(2)), 3000u);
  ASSERT_EQ(t.TakeOutput().size(), 3u);  // L .. L + 3000, MSS 1000
  t.OnSegment(In(kAck, R, L + 1000, "abc", /*window=*/1024), Ms(3));
  t.TakeOutput();  // the ACK of "abc"
  EXPECT_EQ(t.snd_una(), L + 1000);
  EXPECT_EQ(t.snd_wnd(), 1024u);
  // The right edge is L + 2024, behind snd_nxt: nothing new goes out.
  EXPECT_EQ(SendStr(t, Str(2000, 'b'), Ms(4)), 2000u);
  EXPECT_NO_OUT(t);
}

TEST(WindowUpdate, SameSegmentNumberTakesOnlyALargerOrZeroWindow) {
  // No new ACK and the same sequence number as the segment that last set
  // the window: only a window that grows, or closes, is taken.
  Tcb t = Established();
  EXPECT_EQ(SendStr(t, "abcd", Ms(1)), 4u);
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L), Ms(2));  // snd_wl1 = R (the SYN-ACK's was R - 1)
  t.OnSegment(In(kAck, R, L, "", /*window=*/2048), Ms(2));
  EXPECT_EQ(t.snd_wnd(), 4096u);  // smaller: kept as it was
  t.OnSegment(In(kAck, R, L, "", /*window=*/8192), Ms(3));
  EXPECT_EQ(t.snd_wnd(), 8192u);
  t.OnSegment(In(kAck, R, L, "", /*window=*/0), Ms(4));
  EXPECT_EQ(t.snd_wnd(), 0u);
}

TEST(WindowUpdate, NewerSegmentNumberSetsAnyWindow) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "ab"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R + 2, L, "", /*window=*/1000), Ms(2));
  EXPECT_EQ(t.snd_wnd(), 1000u);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
