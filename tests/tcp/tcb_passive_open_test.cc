// Opening, passive side: SYN_RECEIVED as a request sock (SYN-ACK
// schedule, tcp_check_req) and simultaneous open.
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

// --- SYN_RECEIVED (passive open) ---------------------------------------------

TEST(SynReceived, AcceptSyn_SynAck) {
  Tcb t(Cfg());
  t.AcceptSyn(InSyn(kSyn), kLocalIss, Ms(0));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  // No window scale in the peer's SYN: none in our SYN-ACK.
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.send_mss(), kPeerMss);
  EXPECT_EQ(t.PollAt(), Sec(1));
}

TEST(SynReceived, AcceptSynWithWscale_WscaleInSynAck) {
  Tcb t(Cfg());
  t.AcceptSyn(InSyn(kSyn, SeqNum(), 4096, kPeerMss, 3), kLocalIss, Ms(0));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, 7));
  t.OnSegment(In(kAck, R, L, "", 100), Ms(1));
  EXPECT_EQ(t.snd_wnd(), 800u);
  EXPECT_NO_OUT(t);
}

TEST(SynReceived, Ack_Established) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck, R, L, "", 2000), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.snd_wnd(), 2000u);
  EXPECT_EQ(t.PollAt(), kNever);
  // srtt 3 ms + max(6 ms, 200 ms).
  EXPECT_EQ(t.rto(), Ms(203));
}

TEST(SynReceived, AckWithData_EstablishedAndAcked) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck | kPsh, R, L, "hello"), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R + 5, 4091));
  EXPECT_EQ(RecvStr(t, 10), "hello");
}

TEST(SynReceived, AckWithFin_CloseWait) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck | kFin, R, L), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
}

TEST(SynReceived, BadAck_RstStaysSynReceived) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck, R, L + 10), Ms(3));
  EXPECT_OUT(t, OutRst(kRst, L + 10));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(SynReceived, NoAck_Dropped) {
  Tcb t = SynReceived();
  t.OnSegment(In(kPsh, R, SeqNum(), "x"), Ms(3));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(SynReceived, DuplicateSyn_SynAckAgain) {
  Tcb t = SynReceived();
  t.OnSegment(InSyn(kSyn), Ms(300));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_EQ(t.PollAt(), Ms(1300));
}

TEST(SynReceived, SynAckSchedule_DoublingThenSilentClose) {
  Tcb t = SynReceived();
  std::vector<Timed> out = RunTimers(t, Sec(1000));
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Sec(1), Sec(3), Sec(7), Sec(15), Sec(31)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg),
              Describe(OutSyn(kSyn | kAck, R, 4096, std::nullopt)));
  }
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);  // a request sock expires without an error
}

TEST(SynReceived, SynAckSchedule_ExpiresAt63s) {
  Tcb t = SynReceived();
  RunTimers(t, Ms(62999));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_EQ(t.PollAt(), Sec(63));
}

TEST(SynReceived, DuplicateSynAfterTimeout_TimerWithCurrentBackoff) {
  // Linux: SYN-ACKs at 0, 1, 2 (answering a duplicate SYN) and 4 s.
  Tcb t = SynReceived();
  t.OnTimer(Sec(1));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  t.OnSegment(InSyn(kSyn), Sec(2));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
  EXPECT_EQ(t.PollAt(), Sec(4));
}

TEST(SynReceived, Rst_ClosedSilently) {
  Tcb t = SynReceived();
  t.OnSegment(In(kRst, R), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(SynReceived, RstOutOfWindow_Ignored) {
  Tcb t = SynReceived();
  t.OnSegment(In(kRst, R + 5000), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_NO_OUT(t);
}

TEST(SynReceived, SegmentOutOfWindow_Acked) {
  Tcb t = SynReceived();
  t.OnSegment(In(kAck | kPsh, R + 5000, L, "x"), Ms(3));
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
}

TEST(SynReceived, NewSynInWindow_RstAndDropped) {
  Tcb t = SynReceived();
  Segment syn = InSyn(kSyn);
  syn.seq = R + 10;
  t.OnSegment(syn, Ms(3));
  EXPECT_OUT(t, OutRst(kRst | kAck, SeqNum(0), R + 11));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
}

TEST(SynReceived, Close_FinWaitsForAckOfSyn) {
  Tcb t = SynReceived();
  t.Close(Ms(1));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L), Ms(2));
  EXPECT_OUT(t, Out(kFin | kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  t.OnSegment(In(kAck, R, L + 1), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(SynReceived, Abort_Rst) {
  Tcb t = SynReceived();
  t.Abort(Ms(1));
  EXPECT_OUT(t, Out(kRst | kAck, L, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
}

Tcb SimOpen() {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn), Ms(500));
  t.TakeOutput();
  return t;
}

// --- Simultaneous open (SYN_SENT -> SYN_RECEIVED -> ESTABLISHED) -------------

TEST(SimultaneousOpen, PeerSynAck_EstablishedAndAcked) {
  Tcb t = SimOpen();
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(SimultaneousOpen, PeerAck_Established) {
  Tcb t = SimOpen();
  t.OnSegment(In(kAck, R, L), Ms(600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_NO_OUT(t);
}

TEST(SimultaneousOpen, PeerSynRetransmitted_SynAckAgain) {
  Tcb t = SimOpen();
  t.OnSegment(InSyn(kSyn), Ms(700));
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, std::nullopt));
}

TEST(SimultaneousOpen, SynAckRetransmissions_Double) {
  Tcb t = SimOpen();
  std::vector<Timed> out = RunTimers(t, Sec(8));
  // The SYN timer keeps running; out of SYN_SENT it doubles at once.
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(3), Sec(7)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg),
              Describe(OutSyn(kSyn | kAck, R, 4096, std::nullopt)));
  }
}

TEST(SimultaneousOpen, GiveUp_TimedOut) {
  Tcb t = SimOpen();
  RunTimers(t, Sec(1000));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SimultaneousOpen, Rst_ConnReset) {
  // Linux's tcp_reset gives ECONNRESET for a full socket in SYN_RECV.
  Tcb t = SimOpen();
  t.OnSegment(In(kRst, R), Ms(600));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(SimultaneousOpen, BothSidesBackToBack) {
  // Two blocks wired together, each one's SYN crossing the other's.
  TcbConfig ca = Cfg();
  TcbConfig cb = Cfg();
  cb.local_port = kRemotePort;
  cb.remote_port = kLocalPort;
  Tcb a(ca), b(cb);
  a.Connect(kLocalIss, Ms(0));
  b.Connect(kRemoteIss, Ms(0));
  std::vector<Segment> from_a = a.TakeOutput(), from_b = b.TakeOutput();
  for (int round = 0; round < 5; ++round) {
    for (const Segment& s : from_a) b.OnSegment(s, Ms(1));
    for (const Segment& s : from_b) a.OnSegment(s, Ms(1));
    from_a = a.TakeOutput();
    from_b = b.TakeOutput();
  }
  EXPECT_EQ(a.state(), TcpState::kEstablished);
  EXPECT_EQ(b.state(), TcpState::kEstablished);
  EXPECT_EQ(a.rcv_nxt(), R);
  EXPECT_EQ(b.rcv_nxt(), L);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
