// Closing first: ESTABLISHED -> FIN_WAIT1 -> FIN_WAIT2 / CLOSING ->
// TIME_WAIT, orphans (tcp_fin_timeout, tcp_orphan_retries), simultaneous
// close, and TIME_WAIT itself (tcp_timewait_state_process).
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

// --- ESTABLISHED: closing and aborting ---------------------------------------

TEST(Established, Close_FinWait1) {
  Tcb t = Established();
  t.Close(Ms(1));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
  EXPECT_OUT(t, Out(kFin | kAck, L, R, 4096));
  EXPECT_EQ(t.PollAt(), Ms(201));
}

TEST(Established, CloseWithQueuedData_FinOnLastSegment) {
  Tcb t = Established();
  SendStr(t, "ab", Ms(1));
  SendStr(t, "cd", Ms(1));  // held by Nagle
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"));
  t.Close(Ms(2));  // closing turns Nagle off
  EXPECT_OUT(t, Out(kFin | kPsh | kAck, L + 2, R, 4096, "cd"));
  t.OnSegment(In(kAck, R, L + 5), Ms(3));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(Established, CloseWithWindowLimitedData_FinAfterData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 1000), Ms(0));
  SendStr(t, Str(1500, 'k'), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'k')));
  t.Close(Ms(2));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L + 1000, "", 1000), Ms(3));
  EXPECT_OUT(t, Out(kFin | kPsh | kAck, L + 1000, R, 4096, Str(500, 'k')));
}

TEST(Established, Abort_RstNoErrorQueuesEmptied) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "unread"), Ms(1));
  SendStr(t, "unsent", Ms(1));
  t.TakeOutput();
  t.Abort(Ms(2));
  EXPECT_OUT(t, Out(kRst | kAck, L + 6, R + 6, 4090));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_EQ(t.RecvAvailable(), 0u);
  EXPECT_EQ(t.SendQueued(), 0u);
  EXPECT_EQ(t.PollAt(), kNever);
}

// --- FIN_WAIT1 ---------------------------------------------------------------

TEST(FinWait1, AckOfFin_FinWait2) {
  Tcb t = FinWait1();
  t.OnSegment(In(kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(FinWait1, AckNotCoveringFin_StaysFinWait1) {
  Tcb t = FinWait1();
  t.OnSegment(In(kAck, R, L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kFinWait1);
}

TEST(FinWait1, Fin_ClosingSimultaneousClose) {
  Tcb t = FinWait1();
  t.OnSegment(In(kFin | kAck, R, L), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosing);
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
}

TEST(FinWait1, FinAckingOurFin_TimeWait) {
  Tcb t = FinWait1();
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.PollAt(), Ms(5) + Sec(60));
}

TEST(FinWait1, FinRetransmittedOnRto) {
  Tcb t = FinWait1();
  std::vector<Timed> out = RunTimers(t, Ms(1400));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Ms(200), Ms(600), Ms(1400)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg), Describe(Out(kFin | kAck, L, R, 4096)));
  }
}

TEST(FinWait1, DataStillReceived) {
  Tcb t = FinWait1();
  t.OnSegment(In(kAck, R, L, "more"), Ms(5));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 4, 4092));
  EXPECT_EQ(RecvStr(t, 10), "more");
}

TEST(FinWait1, DataAfterShutdownReceive_RstConnReset) {
  Tcb t = FinWait1();
  t.ShutdownReceive();
  t.OnSegment(In(kAck | kPsh, R, L, "x"), Ms(5));
  EXPECT_OUT(t, OutRst(kRst, L));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(FinWait1, FinOnlyAfterShutdownReceive_Accepted) {
  Tcb t = FinWait1();
  t.ShutdownReceive();
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
}

TEST(FinWait1, RstExact_ConnReset) {
  Tcb t = FinWait1();
  t.OnSegment(In(kRst, R), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(FinWait1, Orphan_GivesUpAfterOrphanRetriesSilently) {
  // orphan_retries 8: tcp_model_timeout(8, 200 ms) = 511 * 0.2 s = 102.2 s
  // from the first retransmission at 0.2 s; checked at 102.2 s (102.0 s
  // elapsed: one more) and at 204.6 s (give up).
  Tcb t = FinWait1();
  t.SetOrphan(Ms(0));
  std::vector<Timed> out = RunTimers(t, Sec(1000));
  ASSERT_EQ(out.size(), 9u);
  EXPECT_EQ(out[8].at, Ms(102200));
  EXPECT_EQ(t.state(), TcpState::kClosed);  // gave up at 204.6 s, silently
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(FinWait1, OrphanReceivingData_Rst) {
  Tcb t = FinWait1();
  t.SetOrphan(Ms(0));
  t.OnSegment(In(kAck | kPsh, R, L + 1, "late"), Ms(5));
  EXPECT_OUT(t, OutRst(kRst, L + 1));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

// --- FIN_WAIT2 ---------------------------------------------------------------

TEST(FinWait2, Fin_TimeWait) {
  Tcb t = FinWait2();
  t.OnSegment(In(kFin | kAck, R, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
}

TEST(FinWait2, NotOrphan_LastsForever) {
  Tcb t = FinWait2();
  EXPECT_EQ(t.PollAt(), kNever);
  t.OnTimer(Sec(100000));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(FinWait2, Orphan_ClosedSilentlyAfterFinTimeout) {
  Tcb t = FinWait2();
  t.SetOrphan(Sec(1));
  EXPECT_EQ(t.PollAt(), Sec(61));
  t.OnTimer(Sec(61));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(FinWait2, OrphanedInFinWait1_TimerStartsInFinWait2) {
  TcbConfig c = Cfg();
  c.fin_timeout = Sec(3);
  Tcb t = FinWait1(c);
  t.SetOrphan(Ms(0));
  t.OnSegment(In(kAck, R, L + 1), Ms(100));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
  EXPECT_EQ(t.PollAt(), Ms(3100));
}

TEST(FinWait2, OrphanFinBeforeTimeout_TimeWait) {
  Tcb t = FinWait2();
  t.SetOrphan(Sec(1));
  t.OnSegment(In(kFin | kAck, R, L + 1), Sec(30));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_EQ(t.PollAt(), Sec(90));
}

TEST(FinWait2, DataAfterShutdownReceive_Rst) {
  Tcb t = FinWait2();
  t.ShutdownReceive();
  t.OnSegment(In(kAck | kPsh, R, L + 1, "data"), Ms(5));
  EXPECT_OUT(t, OutRst(kRst, L + 1));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(FinWait2, HalfClose_DataStillQueued) {
  Tcb t = FinWait2();
  t.OnSegment(In(kAck | kPsh, R, L + 1, "data"), Ms(5));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 4, 4092));
  EXPECT_EQ(RecvStr(t, 10), "data");
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

TEST(FinWait2, RstInWindow_ChallengeAck) {
  Tcb t = FinWait2();
  t.OnSegment(In(kRst, R + 3), Ms(5));
  EXPECT_OUT(t, Out(kAck, L + 1, R, 4096));
  EXPECT_EQ(t.state(), TcpState::kFinWait2);
}

// --- CLOSING -----------------------------------------------------------------

TEST(Closing, Abort_EverythingSent_NoRst) {
  Tcb t = Closing();
  EXPECT_FALSE(t.ResetOnAbort());
  t.Abort(Ms(1));
  EXPECT_FALSE(EmitsRst(t));
  EXPECT_EQ(t.state(), TcpState::kClosed);
}

TEST(Closing, AckOfFin_TimeWait) {
  Tcb t = Closing();
  t.OnSegment(In(kAck, R + 1, L + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Ms(5) + Sec(60));
}

TEST(Closing, Rst_ConnReset) {
  Tcb t = Closing();
  t.OnSegment(In(kRst, R + 1), Ms(5));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ECONNRESET);
}

TEST(Closing, FinRetransmitted) {
  Tcb t = Closing();
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kFin | kAck, L, R + 1, 4096));
}

TEST(SimultaneousClose, BothSidesEndInTimeWait) {
  TcbConfig cb = Cfg();
  cb.local_port = kRemotePort;
  cb.remote_port = kLocalPort;
  Tcb a(Cfg()), b(cb);
  a.Connect(kLocalIss, Ms(0));
  std::vector<Segment> wire = a.TakeOutput();
  b.AcceptSyn(wire[0], kRemoteIss, Ms(0));
  for (const Segment& s : b.TakeOutput()) a.OnSegment(s, Ms(1));
  for (const Segment& s : a.TakeOutput()) b.OnSegment(s, Ms(1));
  ASSERT_EQ(a.state(), TcpState::kEstablished);
  ASSERT_EQ(b.state(), TcpState::kEstablished);
  a.Close(Ms(2));
  b.Close(Ms(2));
  std::vector<Segment> fa = a.TakeOutput(), fb = b.TakeOutput();
  for (const Segment& s : fb) a.OnSegment(s, Ms(3));
  for (const Segment& s : fa) b.OnSegment(s, Ms(3));
  EXPECT_EQ(a.state(), TcpState::kClosing);
  EXPECT_EQ(b.state(), TcpState::kClosing);
  fa = a.TakeOutput();
  fb = b.TakeOutput();
  for (const Segment& s : fb) a.OnSegment(s, Ms(4));
  for (const Segment& s : fa) b.OnSegment(s, Ms(4));
  EXPECT_EQ(a.state(), TcpState::kTimeWait);
  EXPECT_EQ(b.state(), TcpState::kTimeWait);
}

// --- TIME_WAIT ---------------------------------------------------------------

TEST(TimeWait, ExpiresAfter60s) {
  Tcb t = TimeWait();
  EXPECT_EQ(t.PollAt(), Sec(60));
  t.OnTimer(Ms(59999));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  t.OnTimer(Sec(60));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
  EXPECT_NO_OUT(t);
}

TEST(TimeWait, RetransmittedFin_AckedTimerRestarted) {
  Tcb t = TimeWait();
  t.OnSegment(In(kFin | kAck, R, L + 1), Sec(10));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.PollAt(), Sec(70));
}

TEST(TimeWait, RstInSequence_Ends) {
  Tcb t = TimeWait();
  t.OnSegment(In(kRst, R + 1), Sec(1));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), 0);
}

TEST(TimeWait, RstOutOfSequence_Ignored) {
  Tcb t = TimeWait();
  t.OnSegment(In(kRst, R + 100), Sec(1));
  EXPECT_EQ(t.state(), TcpState::kTimeWait);
  EXPECT_NO_OUT(t);
}

TEST(TimeWait, BareAckInSequence_RestartsSilently) {
  Tcb t = TimeWait();
  t.OnSegment(In(kAck, R + 1, L + 1), Sec(20));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Sec(80));
}

TEST(TimeWait, Data_AckedNotQueued) {
  Tcb t = TimeWait();
  t.OnSegment(In(kAck | kPsh, R + 1, L + 1, "zz"), Sec(1));
  EXPECT_OUT(t, Out(kAck, L + 1, R + 1, 4096));
  EXPECT_EQ(t.RecvAvailable(), 0u);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
