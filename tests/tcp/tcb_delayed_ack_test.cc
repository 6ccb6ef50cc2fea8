// The delayed-ACK engine (icsk_ack): quick ACKs, the ATO, pingpong, the
// 40 ms timer, and how reads and TCP_QUICKACK release a held ACK. The
// first tests drive a whole Tcb; the last ones the DelayedAck component
// alone (sim/tcp/delayed_ack.h).
#include <gtest/gtest.h>

#include "simsock/sim/tcp/delayed_ack.h"
#include "simsock/sim/tcp/rtt_estimator.h"
#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

// A 4096-byte buffer gives 4096 / (2 * 1000) = 2 quick ACKs; then, with
// the application not reading, the window shrinks, so "every second full
// segment" does not apply and the rest waits for the delayed-ACK timer
// (40 ms, capped by the RTT estimate's floor of 40 ms).
TEST(Established, WindowUpdateAfterRead_OnlyWhenWorthASegment) {
  Tcb t = Established();
  for (int i = 0; i < 4; ++i) {
    t.OnSegment(In(kAck, R + 1000 * i, L, Str(1000, 'a')), Ms(1));
  }
  t.OnSegment(In(kAck, R + 4000, L, Str(96, 'b')), Ms(1));
  std::vector<Segment> acks = t.TakeOutput();
  ASSERT_EQ(acks.size(), 2u);  // the quick ACKs
  EXPECT_EQ(acks[0].window, 3096);
  EXPECT_EQ(acks[1].window, 2096);
  EXPECT_TRUE(t.ack_scheduled());
  EXPECT_EQ(t.PollAt(), Ms(41));
  std::vector<Timed> out = RunTimers(t, Ms(41));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Describe(out[0].seg), Describe(Out(kAck, L, R + 4096, 0)));
  EXPECT_EQ(t.rcv_wnd(), 0u);
  EXPECT_EQ(t.Recv(nullptr, 100, false, Ms(42)), 100u);
  EXPECT_NO_OUT(t);  // 100 bytes < min(rcv_buf / 2, MSS)
  EXPECT_EQ(t.Recv(nullptr, 1000, false, Ms(43)), 1000u);
  EXPECT_OUT(t, Out(kAck, L, R + 4096, 1100));
  EXPECT_EQ(t.rcv_wnd(), 1100u);
  EXPECT_EQ(t.Recv(nullptr, 1000, false, Ms(44)), 1000u);
  EXPECT_NO_OUT(t);  // the window was not below the threshold
}

// tcp_fin makes the session interactive (pingpong): after data, the ACK
// of the FIN waits for the delayed-ACK timer (40 ms), or for a reply.
TEST(Established, FinWithData_CloseWaitDataReadable) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kPsh | kAck, R, L, "bye"), Ms(1));
  EXPECT_EQ(t.state(), TcpState::kCloseWait);
  EXPECT_TRUE(t.in_pingpong());
  EXPECT_NO_OUT(t);
  EXPECT_EQ(RecvStr(t, 10), "bye");
  EXPECT_NO_OUT(t);  // interactive: a read does not push the ACK out
  std::vector<Timed> out = RunTimers(t, Ms(41));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].at, Ms(41));
  EXPECT_EQ(Describe(out[0].seg), Describe(Out(kAck, L, R + 4, 4096)));
}

// The delayed-ACK engine's quick ACKs: rcv_wnd / (2 rcv_mss), at most 16,
// and one more from tcp_grow_window for the first segment that outweighs
// its buffer overhead, when the buffer has room beyond the SYN's window.
TEST(Established, QuickAcks_CountAndWindowGrowthBonus) {
  TcbConfig big = Cfg();
  big.rcv_buf = 1 << 17;  // room beyond the 65535-byte SYN window
  Tcb t = Established(big);
  t.OnSegment(In(kAck | kPsh, R, L, Str(900, 'q')), Ms(1));
  t.TakeOutput();
  // 65535 / (2 * 900) = 36, capped at 16, |1 = 17, one used by this ACK.
  EXPECT_EQ(t.quickacks_left(), 16);
  Tcb small = Established();  // rcv_buf 4096: no room to grow
  small.OnSegment(In(kAck | kPsh, R, L, Str(900, 'q')), Ms(1));
  small.TakeOutput();
  // 4096 / (2 * 900) = 2, one used by this ACK.
  EXPECT_EQ(small.quickacks_left(), 1);
}

// A bare FIN before any data (ATO still 0) is ACKed at once.
TEST(Established, FinWithoutData_AckedAtOnce) {
  Tcb t = Established();
  t.OnSegment(In(kFin | kAck, R, L), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R + 1, 4096));
}

// TCP_QUICKACK 1 on an interactive connection holding a delayed ACK of
// data already read sends it at once (__tcp_sock_set_quickack); 2 does
// the same and re-enters pingpong.
TEST(Established, SetQuickAck_SendsTheHeldAck) {
  for (int val : {1, 2}) {
    Tcb t = Established();
    t.SetQuickAck(0, Ms(0));
    EXPECT_TRUE(t.in_pingpong());
    t.OnSegment(In(kAck | kPsh, R, L, "hi"), Ms(1));
    EXPECT_NO_OUT(t);  // interactive: no quick ACK
    EXPECT_EQ(t.PollAt(), Ms(41));
    EXPECT_EQ(RecvStr(t, 10), "hi");
    EXPECT_NO_OUT(t);  // nor on a read
    t.SetQuickAck(val, Ms(2));
    EXPECT_OUT(t, Out(kAck, L, R + 2, 4096));
    EXPECT_FALSE(t.ack_scheduled());
    EXPECT_EQ(t.PollAt(), kNever);
    EXPECT_EQ(t.in_pingpong(), val == 2);
  }
}

// --- The DelayedAck component alone ---------------------------------------

constexpr uint32_t kAdvWnd = 4096;
constexpr uint32_t kOurMss = 1460;

// A fresh engine after tcp_initialize_rcv_mss: min(1460, 1000, 4096 / 2,
// 536) = 536.
DelayedAck Engine(bool interactive = false) {
  DelayedAck d(interactive);
  d.InitRcvMss(kOurMss, 1000, kAdvWnd);
  return d;
}

RttEstimator Rtt() { return RttEstimator(seconds(1)); }

TEST(DelayedAck, Fresh_NothingPendingAtoZero) {
  DelayedAck d = Engine();
  EXPECT_FALSE(d.scheduled());
  EXPECT_FALSE(d.in_pingpong());
  EXPECT_EQ(d.quickacks_left(), 0);
  EXPECT_EQ(d.rcv_mss(), 536u);
  EXPECT_EQ(d.ato(), Duration::zero());
  EXPECT_TRUE(DelayedAck(/*interactive=*/true).in_pingpong());
}

// The first data segment starts the engine: ATO 40 ms, 4096 / (2 * 536) =
// 3 quick ACKs; each ACK sent uses one.
TEST(DelayedAck, FirstData_QuickAcks) {
  DelayedAck d = Engine();
  d.OnDataRecv(100, kPsh, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_TRUE(d.scheduled());
  EXPECT_EQ(d.ato(), milliseconds(40));
  EXPECT_EQ(d.quickacks_left(), 3);
  EXPECT_TRUE(d.AckNowDue(/*full_frames=*/false));
  d.OnAckSent();
  EXPECT_FALSE(d.scheduled());
  EXPECT_EQ(d.quickacks_left(), 2);
}

// A full-sized segment teaches the peer's MSS (tcp_measure_rcv_mss).
TEST(DelayedAck, FullSegment_RcvMssLearned) {
  DelayedAck d = Engine();
  d.OnDataRecv(900, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_EQ(d.rcv_mss(), 900u);
}

// tcp_event_data_recv's ATO: gaps under ATO_MIN / 2 pull it to 40 ms, gaps
// under the ATO move it to ATO / 2 + gap, longer ones leave it.
TEST(DelayedAck, Ato_AdaptsToTheArrivalGaps) {
  DelayedAck d = Engine();
  d.OnDataRecv(100, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  d.OnDataRecv(100, 0, Ms(10), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_EQ(d.ato(), milliseconds(40));  // 40 / 2 + 20
  d.OnDataRecv(100, 0, Ms(40), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_EQ(d.ato(), milliseconds(50));  // 40 / 2 + 30
  d.OnDataRecv(100, 0, Ms(140), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_EQ(d.ato(), milliseconds(50));
  // ... and never beyond the RTO.
  d.OnDataRecv(100, 0, Ms(170), milliseconds(45), kAdvWnd, kOurMss, false);
  EXPECT_EQ(d.ato(), milliseconds(45));  // 50 / 2 + 30 = 55, capped
}

// tcp_send_delayed_ack: the timer at now + ATO; a later call keeps the
// earlier deadline, and one within ATO / 4 of it sends at once.
TEST(DelayedAck, Deadline_KeptThenDueAtOnce) {
  DelayedAck d = Engine();
  const RttEstimator rtt = Rtt();
  EXPECT_EQ(d.DelayedAckDeadline(Ms(7), kNever, rtt), Ms(7));  // ATO 0
  d.OnDataRecv(600, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_EQ(d.DelayedAckDeadline(Ms(0), kNever, rtt), Ms(40));
  EXPECT_EQ(d.DelayedAckDeadline(Ms(5), Ms(40), rtt), Ms(40));
  EXPECT_EQ(d.DelayedAckDeadline(Ms(31), Ms(40), rtt), Ms(31));
}

// The ATO beyond 40 ms is bounded by the RTT estimate (at least 40 ms).
TEST(DelayedAck, Deadline_BoundedByTheRtt) {
  DelayedAck d = Engine();
  RttEstimator rtt = Rtt();
  rtt.Sample(milliseconds(60));
  d.OnDataRecv(600, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  d.OnDataRecv(600, 0, Ms(100), seconds(1), kAdvWnd, kOurMss, false);
  ASSERT_TRUE(d.OnTimer(seconds(1), true));
  EXPECT_EQ(d.ato(), milliseconds(80));  // a missed ACK doubles it
  EXPECT_EQ(d.DelayedAckDeadline(Ms(200), kNever, rtt), Ms(260));
}

// tcp_event_data_sent: data sent within the ATO of the last data received
// makes the session interactive; then quick ACKs stop and the timer, when
// it fires, ends the session instead of inflating the ATO.
TEST(DelayedAck, ReplyWithinAto_PingpongThenTimerEndsIt) {
  DelayedAck d = Engine();
  d.OnDataRecv(100, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  d.OnDataSent(Ms(50));  // too late
  EXPECT_FALSE(d.in_pingpong());
  d.OnDataSent(Ms(10));
  EXPECT_TRUE(d.in_pingpong());
  EXPECT_EQ(d.quickacks_left(), 3);
  EXPECT_FALSE(d.AckNowDue(/*full_frames=*/false));
  EXPECT_TRUE(d.AckNowDue(/*full_frames=*/true));
  d.DelayedAckDeadline(Ms(11), kNever, Rtt());
  EXPECT_TRUE(d.OnTimer(seconds(1), /*connection_open=*/true));
  EXPECT_FALSE(d.in_pingpong());
  EXPECT_EQ(d.ato(), milliseconds(40));
}

TEST(DelayedAck, Timer_NothingScheduledOrClosed_NoAck) {
  DelayedAck d = Engine();
  EXPECT_FALSE(d.OnTimer(seconds(1), true));
  d.OnDataRecv(100, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_FALSE(d.OnTimer(seconds(1), /*connection_open=*/false));
  EXPECT_EQ(d.ato(), milliseconds(40));
}

// tcp_cleanup_rbuf: a read sends the held ACK when more than a full segment
// is unacknowledged, or it drained small pushed segments outside an
// interactive session (twice pushed: even in one).
TEST(DelayedAck, ReadWantsAck) {
  DelayedAck d = Engine();
  EXPECT_FALSE(d.ReadWantsAck(10, true, 10000));  // nothing scheduled
  d.OnDataRecv(600, 0, Ms(0), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_TRUE(d.ReadWantsAck(0, false, 601));
  EXPECT_FALSE(d.ReadWantsAck(10, true, 600));  // not pushed
  d.OnDataRecv(10, kPsh, Ms(1), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_TRUE(d.ReadWantsAck(10, true, 10));
  EXPECT_FALSE(d.ReadWantsAck(10, false, 10));  // data left unread
  d.EnterPingpong();
  EXPECT_FALSE(d.ReadWantsAck(10, true, 10));
  d.OnDataRecv(10, kPsh, Ms(2), seconds(1), kAdvWnd, kOurMss, false);
  EXPECT_TRUE(d.ReadWantsAck(10, true, 20));  // PUSHED2
}

// tcp_grow_window's extra quick ACK, for the first segment over 832 bytes
// when the buffer has room beyond the SYN's window.
TEST(DelayedAck, WindowGrowth_OneExtraQuickAck) {
  DelayedAck grow = Engine();
  grow.OnDataRecv(900, kPsh, Ms(0), seconds(1), 65535, kOurMss, true);
  EXPECT_EQ(grow.quickacks_left(), 17);  // 65535 / 1800 capped at 16, | 1
  DelayedAck no_room = Engine();
  no_room.OnDataRecv(900, kPsh, Ms(0), seconds(1), 65535, kOurMss, false);
  EXPECT_EQ(no_room.quickacks_left(), 16);
  DelayedAck small = Engine();
  small.OnDataRecv(800, kPsh, Ms(0), seconds(1), 65535, kOurMss, true);
  EXPECT_EQ(small.quickacks_left(), 16);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
