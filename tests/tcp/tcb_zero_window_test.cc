// Zero windows and the persist timer (RFC 1122 §4.2.2.17, tcp_probe_timer,
// tcp_write_wakeup).
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

Tcb ZeroWindow() {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 0), Ms(0));
  t.TakeOutput();
  return t;
}

TEST(Established, ZeroWindow_ProbesWithBackoff) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Ms(200));
  std::vector<Timed> out = RunTimers(t, Ms(6200));
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Ms(200), Ms(600), Ms(1400),
                                             Ms(3000), Ms(6200)}));
  for (const Timed& x : out) {
    // tcp_xmit_probe_skb: seq = SND.UNA - 1, no payload.
    EXPECT_EQ(Describe(x.seg), Describe(Out(kAck, L - 1, R, 4096)));
  }
}

TEST(Established, ZeroWindowProbesAnswered_NeverTimesOut) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  for (int i = 0; i < 40; ++i) {
    const Time at = t.PollAt();
    ASSERT_NE(at, kNever);
    t.OnTimer(at);
    EXPECT_OUT(t, Out(kAck, L - 1, R, 4096));
    t.OnSegment(In(kAck, R, L, "", 0), at);  // the peer answers, window 0
    EXPECT_NO_OUT(t);
  }
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.error(), 0);
  EXPECT_LE(t.PollAt() - Sec(0), Sec(100000));
}

TEST(Established, ZeroWindowProbesUnanswered_GiveUpAfterRetries2) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  std::vector<Timed> out = RunTimers(t, Sec(100000));
  ASSERT_EQ(out.size(), 15u);  // 15 probes, then a silent give-up
  EXPECT_EQ(Describe(out.back().seg), Describe(Out(kAck, L - 1, R, 4096)));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, ZeroWindowOpens_DataSent) {
  Tcb t = ZeroWindow();
  SendStr(t, "hello", Ms(0));
  t.OnTimer(Ms(200));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "", 4096), Ms(250));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "hello"));
  EXPECT_EQ(t.PollAt(), Ms(450));  // now the retransmission timer
}

TEST(Established, SmallWindow_ProbeCarriesData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 10), Ms(0));
  SendStr(t, Str(100, 'w'), Ms(0));
  EXPECT_NO_OUT(t);  // 100 bytes do not fit a 10-byte window
  EXPECT_EQ(t.PollAt(), Ms(200));
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(10, 'w')));
  EXPECT_EQ(t.PollAt(), Ms(400));
}

TEST(Established, ZeroWindowAfterDataInFlight_RtoThenProbe) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, "abc", Ms(0));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L + 3, "", 0), Ms(10));
  EXPECT_EQ(t.PollAt(), kNever);  // nothing in flight, nothing waiting
  SendStr(t, "def", Ms(20));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Ms(20) + t.rto());
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
