// Retransmission: RTO backoff and go-back-N, fast retransmit with
// NewReno partial ACKs, the tcp_retries2 budget, TCP_USER_TIMEOUT.
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

TEST(Established, Rto_HeadRetransmittedWithBackoff) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(3000, 'r'), Ms(0));
  t.TakeOutput();
  EXPECT_EQ(t.rto(), Ms(200));
  std::vector<Timed> out = RunTimers(t, Ms(3000));
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Ms(200), Ms(600), Ms(1400), Ms(3000)}));
  for (const Timed& x : out) {
    EXPECT_EQ(Describe(x.seg), Describe(Out(kAck, L, R, 4096, Str(1000, 'r'))));
  }
  EXPECT_EQ(t.rto(), Ms(3200));
}

TEST(Established, RtoThenAck_GoBackN) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(3000, 'g'), Ms(0));
  t.TakeOutput();
  t.OnTimer(Ms(200));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'g')));
  EXPECT_EQ(t.snd_nxt(), L + 1000);
  t.OnSegment(In(kAck, R, L + 1000), Ms(250));
  EXPECT_OUT(t, Out(kAck, L + 1000, R, 4096, Str(1000, 'g')),
             Out(kPsh | kAck, L + 2000, R, 4096, Str(1000, 'g')));
  EXPECT_EQ(t.rto(), Ms(200));  // backoff gone with the new ACK
  EXPECT_EQ(t.PollAt(), Ms(450));
}

TEST(Established, FastRetransmit_OnThirdDupAck) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(1000, 'a') + Str(1000, 'b') + Str(1000, 'c') + Str(1000, 'd'),
          Ms(0));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L + 1000), Ms(10));
  t.OnSegment(In(kAck, R, L + 1000), Ms(11));
  t.OnSegment(In(kAck, R, L + 1000), Ms(12));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L + 1000), Ms(13));
  EXPECT_OUT(t, Out(kAck, L + 1000, R, 4096, Str(1000, 'b')));
  t.OnSegment(In(kAck, R, L + 1000), Ms(14));  // more dup ACKs: once only
  EXPECT_NO_OUT(t);
}

TEST(Established, FastRetransmit_PartialAckResendsNextHole) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(1000, 'a') + Str(1000, 'b') + Str(1000, 'c') + Str(1000, 'd'),
          Ms(0));
  t.TakeOutput();
  for (int i = 0; i < 3; ++i) t.OnSegment(In(kAck, R, L), Ms(10 + i));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'a')));
  t.OnSegment(In(kAck, R, L + 2000), Ms(20));  // 'b' lost too
  EXPECT_OUT(t, Out(kAck, L + 2000, R, 4096, Str(1000, 'c')));
}

TEST(Established, DupAckWithWindowChange_NotCounted) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(2000, 'a'), Ms(0));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L, "", 4000), Ms(10));
  t.OnSegment(In(kAck, R, L, "", 3900), Ms(11));
  t.OnSegment(In(kAck, R, L, "", 3800), Ms(12));
  EXPECT_NO_OUT(t);
}

TEST(Established, Retries2Is3_TimedOutAt6_2sSilently) {
  // docs/semantics.md §6: with retries2 = 3 the 3 s budget counts from the
  // first retransmission and is checked when the RTO fires. Giving up sends
  // nothing (tcp_write_err); only keepalive tells the peer with a RST.
  TcbConfig c = Cfg();
  c.retries2 = 3;
  Tcb t = Established(c);
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Ms(6199));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Ms(200), Ms(600), Ms(1400), Ms(3000)}));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(Describe(out[i].seg),
              Describe(Out(kPsh | kAck, L, R, 4096, "data")));
  }
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.PollAt(), Ms(6200));
  t.OnTimer(Ms(6200));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, Retries2Is15_Budget924_6sGiveUpAt1044_6s) {
  // tcp_model_timeout(15, 200 ms) = 1023 * 0.2 s + 6 * 120 s = 924.6 s,
  // counted from the first retransmission (0.2 s). The RTO firing at
  // 924.6 s finds 924.4 s elapsed, so the 16th retransmission goes out and
  // the next firing, at 1044.6 s, gives up.
  Tcb t = Established();
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Ms(1044599));
  EXPECT_EQ(out.size(), 16u);
  EXPECT_EQ(out.back().at, Ms(924600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
  EXPECT_EQ(t.PollAt(), Ms(1044600));
  t.OnTimer(Ms(1044600));
  EXPECT_NO_OUT(t);  // tcp_write_err: no RST
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, RtoCappedAtRtoMax) {
  Tcb t = Established();
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  RunTimers(t, Sec(500));
  EXPECT_EQ(t.rto(), Sec(120));
}

TEST(Established, UserTimeout_TimedOut) {
  TcbConfig c = Cfg();
  c.user_timeout = Ms(6000);
  Tcb t = Established(c);
  SendStr(t, "data", Ms(0));
  t.TakeOutput();
  std::vector<Timed> out = RunTimers(t, Sec(100));
  // Retransmissions at 0.2, 0.6, 1.4, 3.0; the next RTO is clamped to the
  // 3.2 s left, and at 6.2 s the 6 s since 0.2 s have passed: the
  // connection dies silently.
  EXPECT_EQ(TimesOf(out),
            (std::vector<Time>{Ms(200), Ms(600), Ms(1400), Ms(3000)}));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, AckDuringBackoff_ResetsRetransmitCount) {
  TcbConfig c = Cfg();
  c.retries2 = 3;
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, "ab", Ms(0));
  t.TakeOutput();
  RunTimers(t, Ms(3000));
  t.OnSegment(In(kAck, R, L + 2), Ms(3100));
  SendStr(t, "cd", Ms(3100));
  t.TakeOutput();
  RunTimers(t, Ms(3100 + 200 + 400 + 800 + 1600));
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
