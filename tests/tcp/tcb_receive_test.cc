// ESTABLISHED, receiving: in-order and out-of-order data, the window we
// advertise, the peer's FIN, and RFC 5961's RST, SYN and ACK checks.
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

TEST(Established, RecvData_AckedAtOnce) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L, "hello world"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 11, 4085));
  EXPECT_EQ(t.rcv_nxt().value(), 4u);  // wrapped past 2^32
  EXPECT_EQ(t.RecvAvailable(), 11u);
  EXPECT_EQ(RecvStr(t, 5), "hello");
  EXPECT_EQ(RecvStr(t, 100), " world");
}

TEST(Established, AckOnly_NotAcked) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L), Ms(1));
  EXPECT_NO_OUT(t);
}

TEST(Established, RecvPeek_LeavesData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  EXPECT_EQ(RecvStr(t, 2, /*peek=*/true), "ab");
  EXPECT_EQ(t.RecvAvailable(), 3u);
  EXPECT_EQ(t.Recv(nullptr, 2, false, Ms(1)), 2u);  // discard (MSG_TRUNC)
  EXPECT_EQ(RecvStr(t, 5), "c");
}

TEST(Established, OutOfOrder_Reassembled) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 5, L, "world"), Ms(1));
  // Duplicate ACK; the right edge already advertised does not move back.
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.OutOfOrderBytes(), 5u);
  EXPECT_EQ(t.RecvAvailable(), 0u);
  t.OnSegment(In(kAck, R, L, "hello"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 10, 4086));
  EXPECT_EQ(t.OutOfOrderBytes(), 0u);
  EXPECT_EQ(RecvStr(t, 20), "helloworld");
}

TEST(Established, OutOfOrderOverlapping_Merged) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 4, L, "efgh"), Ms(1));
  t.OnSegment(In(kAck, R + 10, L, "klm"), Ms(1));
  t.OnSegment(In(kAck, R + 6, L, "ghijk"), Ms(1));
  EXPECT_EQ(t.OutOfOrderBytes(), 9u);
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "abcdef"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 13, 4083));
  EXPECT_EQ(RecvStr(t, 20), "abcdefghijklm");
}

TEST(Established, DuplicateData_AckedNotQueued) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 3, 4093));
  EXPECT_EQ(t.RecvAvailable(), 3u);
}

TEST(Established, PartlyOldData_NewPartKept) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R + 1, L, "bcde"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 5, 4091));
  EXPECT_EQ(RecvStr(t, 10), "abcde");
}

TEST(Established, DataBeyondWindow_Trimmed) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 4090, L, "0123456789"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.OutOfOrderBytes(), 6u);
}

TEST(Established, DataOutOfWindow_AckedAndDropped) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R + 5000, L, "zz"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.OutOfOrderBytes(), 0u);
}

TEST(Established, ZeroWindow_DataDroppedAckSent) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, Str(4096, 'a')), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 0));
  t.OnSegment(In(kAck, R + 4096, L, "z"), Ms(2));
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 0));
  EXPECT_EQ(t.RecvAvailable(), 4096u);
}

TEST(Established, ZeroWindowProbeFromPeer_Answered) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, Str(4096, 'a')), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R + 4095, L), Ms(2));  // seq = RCV.NXT - 1
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 0));
}

TEST(Established, WindowScale_AdvertisedShifted) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 4096, kPeerMss, 0), Ms(0));
  EXPECT_OUT(t, Out(kAck, L, R, 8192));
  t.OnSegment(In(kAck, R, L, Str(1000, 'a')), Ms(1));
  // (2^20 - 1000) / 128 = 8184.2; the right edge already advertised may
  // not move left, so the field is rounded up (tcp_select_window's ALIGN).
  EXPECT_OUT(t, Out(kAck, L, R + 1000, 8185));
  EXPECT_EQ(t.Recv(nullptr, 1000, false, Ms(2)), 1000u);
  t.OnSegment(In(kAck, R + 1000, L, Str(128, 'b')), Ms(3));
  // (2^20 - 128) >> 7 = 8191.
  EXPECT_OUT(t, Out(kAck, L, R + 1128, 8191));
}

TEST(Established, ShutdownReceive_DataStillQueued) {
  // SHUT_RD in ESTABLISHED: the peer is not told, later data is kept.
  Tcb t = Established();
  t.ShutdownReceive();
  t.OnSegment(In(kAck, R, L, "late"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 4, 4092));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.RecvAvailable(), 4u);
}

TEST(Established, Fin_CloseWait) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R, L), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_TRUE(t.fin_received());
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
}

TEST(Established, OutOfOrderFin_ProcessedWhenHoleFills) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R + 3, L, "def"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_FALSE(t.fin_received());
  t.OnSegment(In(kAck, R, L, "abc"), Ms(2));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_OUT(t, Out(kAck, L, R + 7, 4090));
  EXPECT_EQ(RecvStr(t, 10), "abcdef");
}

TEST(Established, FinBeyondWindow_Ignored) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R + 4090, L, "0123456789"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, Str(4090, 'a')), Ms(2));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_FALSE(t.fin_received());
}

TEST(Established, RstExactSeq_ConnResetDataStillReadable) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "abc"), Ms(1));
  t.TakeOutput();
  t.OnSegment(In(kRst, R + 3), Ms(2));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(RecvStr(t, 10), "abc");
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(Established, RstInWindow_ChallengeAck) {
  Tcb t = Established();
  t.OnSegment(In(kRst, R + 1), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
}

TEST(Established, RstOutOfWindow_Ignored) {
  Tcb t = Established();
  t.OnSegment(In(kRst, R + 5000), Ms(1));
  t.OnSegment(In(kRst, R - 1), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
}

TEST(Established, SynInWindow_ChallengeAck) {
  Tcb t = Established();
  Segment syn = InSyn(kSyn);
  syn.seq = R + 100;
  t.OnSegment(syn, Ms(1));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
}

TEST(Established, RetransmittedSynAck_Acked) {
  // Our handshake ACK was lost; the peer's SYN-ACK again.
  Tcb t = Established();
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(1000));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

TEST(Established, AckOfUnsentData_AckedAndDropped) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L + 10, "x"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
  EXPECT_EQ(t.snd_una(), L);
  // The ACK is a challenge ACK, rate-limited (tcb_out_of_window_test.cc):
  // a second one within tcp_invalid_ratelimit draws nothing.
  t.OnSegment(In(kAck | kPsh, R, L + 10, "x"), Ms(2));
  EXPECT_NO_OUT(t);
}

TEST(Established, AckOlderThanMaxWindow_ChallengeAck) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L - 5000, "x"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

TEST(Established, SlightlyOldAck_DataStillAccepted) {
  Tcb t = Established();
  t.OnSegment(In(kAck | kPsh, R, L - 10, "x"), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4095));
  EXPECT_EQ(t.RecvAvailable(), 1u);
}

TEST(Established, NoAckFlag_Dropped) {
  Tcb t = Established();
  t.OnSegment(In(kPsh, R, SeqNum(), "x"), Ms(1));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
