// Opening, active side: the helpers (state names, flags, ResetFor), a
// CLOSED block, SYN_SENT and the SYN retransmission schedule
// (tcp_connect, tcp_rcv_synsent_state_process, tcp_write_timeout).
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

// --- Helpers: state names, flag strings, ResetFor ----------------------------

TEST(TcpState, NamesAndLinuxNumbers) {
  EXPECT_EQ(ToString(TcpState::kSynSent), "SYN_SENT");
  EXPECT_EQ(ToString(TcpState::kTimeWait), "TIME_WAIT");
  EXPECT_EQ(ToString(TcpState::kFinWait1), "FIN_WAIT1");
  EXPECT_EQ(ToString(TcpState::kCloseWait), "CLOSE_WAIT");
  EXPECT_EQ(LinuxStateNumber(TcpState::kEstablished), 1);
  EXPECT_EQ(LinuxStateNumber(TcpState::kSynSent), 2);
  EXPECT_EQ(LinuxStateNumber(TcpState::kSynReceived), 3);
  EXPECT_EQ(LinuxStateNumber(TcpState::kFinWait1), 4);
  EXPECT_EQ(LinuxStateNumber(TcpState::kFinWait2), 5);
  EXPECT_EQ(LinuxStateNumber(TcpState::kTimeWait), 6);
  EXPECT_EQ(LinuxStateNumber(TcpState::kClosed), 7);
  EXPECT_EQ(LinuxStateNumber(TcpState::kCloseWait), 8);
  EXPECT_EQ(LinuxStateNumber(TcpState::kLastAck), 9);
  EXPECT_EQ(LinuxStateNumber(TcpState::kListen), 10);
  EXPECT_EQ(LinuxStateNumber(TcpState::kClosing), 11);
  EXPECT_FALSE(IsSynchronized(TcpState::kSynReceived));
  EXPECT_FALSE(IsSynchronized(TcpState::kSynSent));
  EXPECT_TRUE(IsSynchronized(TcpState::kEstablished));
  EXPECT_TRUE(IsSynchronized(TcpState::kTimeWait));
}

TEST(Segment, FlagsToStringIsTcpdumpNotation) {
  EXPECT_EQ(FlagsToString(kSyn), "S");
  EXPECT_EQ(FlagsToString(kSyn | kAck), "S.");
  EXPECT_EQ(FlagsToString(kAck), ".");
  EXPECT_EQ(FlagsToString(kPsh | kAck), "P.");
  EXPECT_EQ(FlagsToString(kFin | kAck), "F.");
  EXPECT_EQ(FlagsToString(kFin | kPsh | kAck), "FP.");
  EXPECT_EQ(FlagsToString(kRst), "R");
  EXPECT_EQ(FlagsToString(kRst | kAck), "R.");
  EXPECT_EQ(FlagsToString(kPsh | kAck | kUrg), "P.U");
  EXPECT_EQ(FlagsToString(0), "none");
}

// AppendFlags appends what FlagsToString returns, for every combination
// of the six flags, after whatever the string already holds.
TEST(Segment, AppendFlagsAppendsFlagsToString) {
  for (unsigned flags = 0; flags < 64; ++flags) {
    const auto f = static_cast<uint8_t>(flags);
    std::string s = "Flags [";
    AppendFlags(s, f);
    EXPECT_EQ(s, "Flags [" + FlagsToString(f)) << flags;
  }
}

TEST(ResetFor, SegmentWithAck_RstAtItsAck) {
  Segment r;
  ASSERT_TRUE(ResetFor(In(kAck | kPsh, R, L + 7, "abc"), &r));
  EXPECT_EQ(Describe(r), Describe(OutRst(kRst, L + 7)));
}

TEST(ResetFor, SegmentWithoutAck_RstAckCoveringIt) {
  Segment r;
  ASSERT_TRUE(ResetFor(InSyn(kSyn), &r));
  EXPECT_EQ(Describe(r), Describe(OutRst(kRst | kAck, SeqNum(0), R)));
  ASSERT_TRUE(ResetFor(In(kFin, R, SeqNum(), "ab"), &r));
  EXPECT_EQ(Describe(r), Describe(OutRst(kRst | kAck, SeqNum(0), R + 3)));
}

TEST(ResetFor, Rst_NoReply) {
  Segment r;
  EXPECT_FALSE(ResetFor(In(kRst, R), &r));
  EXPECT_FALSE(ResetFor(In(kRst | kAck, R, L), &r));
}

// --- CLOSED ------------------------------------------------------------------

TEST(Closed, Fresh_NoTimers) {
  Tcb t(Cfg());
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.PollAt(), kNever);
  EXPECT_EQ(SendStr(t, "x", Ms(0)), 0u);
}

TEST(Closed, Segment_AnsweredAsClosedPort) {
  Tcb t(Cfg());
  t.OnSegment(In(kAck, R, L), Ms(0));
  EXPECT_OUT(t, OutRst(kRst, L));
  t.OnSegment(InSyn(kSyn), Ms(0));
  EXPECT_OUT(t, OutRst(kRst | kAck, SeqNum(0), R));
}

TEST(Closed, Rst_Ignored) {
  Tcb t(Cfg());
  t.OnSegment(In(kRst, R), Ms(0));
  EXPECT_NO_OUT(t);
}

TEST(Closed, SynAckAfterCloseInSynSent_Rst) {
  // close() in SYN_SENT sends nothing; the late SYN-ACK meets a closed port.
  Tcb t = SynSent();
  t.Close(Ms(10));
  EXPECT_NO_OUT(t);
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(20));
  EXPECT_OUT(t, OutRst(kRst, L));
}

// --- SYN_SENT ----------------------------------------------------------------

TEST(SynSent, Connect_SynWithOptions) {
  Tcb t(Cfg());
  t.Connect(kLocalIss, Ms(0));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_OUT(t, OutSyn(kSyn, SeqNum(), 4096, 7));
  EXPECT_EQ(t.PollAt(), Sec(1));
  EXPECT_EQ(t.snd_nxt(), L);
}

TEST(SynSent, SynWindow_CappedAt65535Unscaled) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t(c);
  t.Connect(kLocalIss, Ms(0));
  EXPECT_OUT(t, OutSyn(kSyn, SeqNum(), 65535, 7));
}

TEST(SynSent, SynAck_Established) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, L, 3000), Ms(0));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_OUT(t, Out(kAck, L, R, 4096));
  EXPECT_EQ(t.send_mss(), kPeerMss);
  EXPECT_EQ(t.snd_wnd(), 3000u);
  EXPECT_EQ(t.irs(), kRemoteIss);
  EXPECT_EQ(t.rcv_nxt(), R);
  EXPECT_EQ(t.snd_una(), L);
  EXPECT_EQ(t.PollAt(), kNever);
  EXPECT_EQ(t.error(), 0);
}

TEST(SynSent, SynAckWithoutMss_SendMss536) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, L, 4096, std::nullopt), Ms(0));
  EXPECT_EQ(t.send_mss(), 536);
}

TEST(SynSent, SynAckAfter10ms_RttSampledRto210ms) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(10));
  // srtt 10 ms + max(4 * 5 ms, rto_min 200 ms).
  EXPECT_EQ(t.rto(), Ms(210));
}

TEST(SynSent, SynAckAfterRetransmission_NoSampleRtoInitial) {
  Tcb t = SynSent();
  t.OnTimer(Sec(1));
  EXPECT_OUT(t, OutSyn(kSyn, SeqNum(), 4096, 7));
  t.OnSegment(InSyn(kSyn | kAck, L), Ms(1010));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.rto(), Sec(1));  // Karn: no sample from a retransmitted SYN
}

TEST(SynSent, SynAckWithWscale_LaterWindowsScaled) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 1000, kPeerMss, 2), Ms(0));
  EXPECT_EQ(t.snd_wnd(), 1000u);  // the SYN-ACK's own window is not scaled
  // 1 MiB >> 7 = 8192.
  EXPECT_OUT(t, Out(kAck, L, R, 8192));
  t.OnSegment(In(kAck, R, L, "", 3000), Ms(1));
  EXPECT_EQ(t.snd_wnd(), 12000u);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, SynAckWithoutWscale_NoScaling) {
  TcbConfig c = Cfg();
  c.rcv_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 1000), Ms(0));
  EXPECT_OUT(t, Out(kAck, L, R, 65535));
  t.OnSegment(In(kAck, R, L, "", 3000), Ms(1));
  EXPECT_EQ(t.snd_wnd(), 3000u);
}

TEST(SynSent, RstWithAck_Refused) {
  Tcb t = SynSent();
  t.OnSegment(In(kRst | kAck, SeqNum(0), L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNREFUSED);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(SynSent, RstWithoutAck_Ignored) {
  Tcb t = SynSent();
  t.OnSegment(In(kRst, R), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, RstWithBadAck_Ignored) {
  Tcb t = SynSent();
  t.OnSegment(In(kRst | kAck, R, L + 5), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, SynAckWithBadAck_Rst) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn | kAck, kLocalIss), Ms(5));  // acks nothing new
  EXPECT_OUT(t, OutRst(kRst, kLocalIss));
  t.OnSegment(InSyn(kSyn | kAck, L + 1), Ms(5));  // acks beyond the SYN
  EXPECT_OUT(t, OutRst(kRst, L + 1));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
}

TEST(SynSent, AckWithoutSyn_Dropped) {
  Tcb t = SynSent();
  t.OnSegment(In(kAck, R, L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, Syn_SimultaneousOpen) {
  Tcb t = SynSent();
  t.OnSegment(InSyn(kSyn, SeqNum(), 4096, kPeerMss, 5), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kSynReceived);
  EXPECT_OUT(t, OutSyn(kSyn | kAck, R, 4096, 7));
}

TEST(SynSent, Close_ClosedNothingSent) {
  Tcb t = SynSent();
  t.Close(Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(SynSent, Abort_NoRst) {
  Tcb t = SynSent();
  t.Abort(Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, Send_ReturnsZero) {
  Tcb t = SynSent();
  EXPECT_EQ(SendStr(t, "abc", Ms(1)), 0u);
  EXPECT_NO_OUT(t);
}

TEST(SynSent, RetransmitSchedule_Linux65_TimedOutAt131s) {
  Tcb t = SynSent();
  std::vector<Timed> out = RunTimers(t, Sec(1000));
  // Five linear retransmissions 1 s apart, then doubling; the timer that
  // fires at 67 + 64 = 131 s finds syn_retries + linear = 10 retransmissions.
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Sec(1), Sec(2), Sec(3), Sec(4), Sec(5), Sec(7),
                               Sec(11), Sec(19), Sec(35), Sec(67)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg), Describe(OutSyn(kSyn, SeqNum(), 4096, 7)));
  }
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, RetransmitSchedule_GiveUpTimeIs131s) {
  Tcb t = SynSent();
  RunTimers(t, Ms(130999));
  EXPECT_EQ(t.state(), TcpState::kSynSent);
  EXPECT_EQ(t.PollAt(), Sec(131));
  t.OnTimer(Sec(131));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
  EXPECT_NO_OUT(t);  // SYN_SENT is not synchronized: no RST
}

TEST(SynSent, SynCnt2_SixSynsTimedOutAt7s) {
  TcbConfig c = Cfg();
  c.syn_retries = 2;
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Sec(100));
  // The budget (2^3 - 1) * 1 s = 7 s runs out before 2 + 4 retransmissions.
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Sec(1), Sec(2), Sec(3), Sec(4), Sec(5)}));
  EXPECT_EQ(t.error(), ETIMEDOUT);
  Tcb u = SynSent(c);
  RunTimers(u, Ms(6999));
  EXPECT_EQ(u.state(), TcpState::kSynSent);
  u.OnTimer(Sec(7));
  EXPECT_EQ(u.state(), TcpState::kClosed);
}

TEST(SynSent, SynCnt1_ThreeSynsTimedOutAt3s) {
  TcbConfig c = Cfg();
  c.syn_retries = 1;
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Ms(2999));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(2)}));
  EXPECT_EQ(t.PollAt(), Sec(3));
  t.OnTimer(Sec(3));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, NoLinearTimeouts_PureDoubling) {
  TcbConfig c = Cfg();
  c.syn_linear_timeouts = 0;
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Ms(126999));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(3), Sec(7), Sec(15),
                                             Sec(31), Sec(63)}));
  EXPECT_EQ(t.PollAt(), Sec(127));
  t.OnTimer(Sec(127));
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, UserTimeout_ClampsTimerAndTimesOut) {
  TcbConfig c = Cfg();
  c.user_timeout = Ms(2500);
  Tcb t = SynSent(c);
  std::vector<Timed> out = RunTimers(t, Sec(100));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(2)}));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(SynSent, UserTimeout_ExpiryAtClampedTime) {
  TcbConfig c = Cfg();
  c.user_timeout = Ms(2500);
  Tcb t = SynSent(c);
  RunTimers(t, Sec(2));
  EXPECT_EQ(t.PollAt(), Ms(2500));  // min(RTO 1 s, 0.5 s left)
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
