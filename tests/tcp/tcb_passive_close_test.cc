// Closing second: CLOSE_WAIT -> LAST_ACK, and aborts that must or must
// not send a RST (tcp_disconnect).
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

// --- CLOSE_WAIT --------------------------------------------------------------

TEST(CloseWait, Rst_Epipe) {
  Tcb t = CloseWait();
  t.OnSegment(In(kRst, R + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), EPIPE);
}

TEST(CloseWait, RstAtFinSequence_Accepted) {
  // tcp_reset_check: RCV.NXT - 1 is accepted after the peer's FIN.
  Tcb t = CloseWait();
  t.OnSegment(In(kRst, R), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), EPIPE);
}

TEST(CloseWait, SendAllowed) {
  Tcb t = CloseWait();
  EXPECT_EQ(SendStr(t, "reply", Ms(5)), 5u);
  EXPECT_OUT(t, Out(kPsh | kAck, L, R + 1, 4096, "reply"));
}

TEST(CloseWait, NeverTimesOut) {
  Tcb t = CloseWait();
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(CloseWait, Close_LastAck) {
  Tcb t = CloseWait();
  t.Close(Ms(5));
  EXPECT_EQ(t.state(), TcpState::kLastAck);
  EXPECT_OUT(t, Out(kFin | kAck, L, R + 1, 4096));
}

TEST(CloseWait, RetransmittedFin_Acked) {
  Tcb t = CloseWait();
  t.OnSegment(In(kFin | kAck, R, L), Ms(300));
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
}

TEST(CloseWait, ReadReturnsDataThenNothing) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kFin, R, L, "tail"), Ms(1));
  EXPECT_EQ(RecvStr(t, 10), "tail");
  EXPECT_EQ(RecvStr(t, 10), "");
  EXPECT_TRUE(t.fin_received());
}

// --- LAST_ACK ----------------------------------------------------------------

TEST(LastAck, AckOfFin_ClosedNoError) {
  Tcb t = LastAck();
  t.OnSegment(In(kAck, R + 1, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(LastAck, FinRetransmitted) {
  Tcb t = LastAck();
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kFin | kAck, L, R + 1, 4096));
}

TEST(LastAck, Rst_ConnReset) {
  Tcb t = LastAck();
  t.OnSegment(In(kRst, R + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(LastAck, DataThenFinWithQueuedData) {
  Tcb t = CloseWait();
  SendStr(t, "x", Ms(1));
  t.TakeOutput();
  t.Close(Ms(2));
  EXPECT_OUT(t, Out(kFin | kAck, L + 1, R + 1, 4096));
  t.OnSegment(In(kAck, R + 1, L + 2), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

// tcp_disconnect (SO_LINGER {1,0}, connect(AF_UNSPEC)) resets LAST_ACK
// and CLOSING only while something is unsent; a close() that tosses unread
// data resets them always.
TEST(LastAck, Abort_EverythingSent_NoRst) {
  Tcb t = LastAck();
  EXPECT_FALSE(t.ResetOnAbort());
  t.Abort(Ms(1));
  EXPECT_FALSE(EmitsRst(t));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

TEST(LastAck, Abort_DataUnsent_Rst) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R, L, "", /*window=*/0), Ms(0));
  t.TakeOutput();
  SendStr(t, "x", Ms(1));  // the peer's window is shut: stays unsent
  t.Close(Ms(1));
  t.TakeOutput();
  ASSERT_EQ(t.state(), TcpState::kLastAck);
  EXPECT_TRUE(t.ResetOnAbort());
  t.Abort(Ms(2));
  EXPECT_TRUE(EmitsRst(t));
}

TEST(LastAck, AbortWithUnreadData_Rst) {
  Tcb t = LastAck();
  t.Abort(Ms(1), /*unread_data=*/true);
  EXPECT_TRUE(EmitsRst(t));
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
