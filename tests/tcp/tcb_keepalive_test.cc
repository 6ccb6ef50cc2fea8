// SO_KEEPALIVE (tcp_keepalive_timer).
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

TcbConfig KeepaliveCfg() {
  TcbConfig c = Cfg();
  c.keepalive = true;
  c.keepalive_idle = Sec(1);
  c.keepalive_interval = Sec(1);
  c.keepalive_count = 2;
  return c;
}

TEST(Established, Keepalive_ProbesThenRstAndTimedOut) {
  // docs/semantics.md §6: idle 1, interval 1, count 2: probes at 1 s and
  // 2 s, RST and ETIMEDOUT at 3 s.
  Tcb t = Established(KeepaliveCfg());
  EXPECT_EQ(t.PollAt(), Sec(1));
  std::vector<Timed> out = RunTimers(t, Sec(100));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(TimesOf(out), (std::vector<Time>{Sec(1), Sec(2), Sec(3)}));
  EXPECT_EQ(Describe(out[0].seg), Describe(Out(kAck, L - 1, R, 4096)));
  EXPECT_EQ(Describe(out[1].seg), Describe(Out(kAck, L - 1, R, 4096)));
  EXPECT_EQ(Describe(out[2].seg), Describe(Out(kRst | kAck, L, R, 4096)));
  EXPECT_EQ(t.state(), TcpState::kClosed);
  EXPECT_EQ(t.error(), ETIMEDOUT);
}

TEST(Established, KeepaliveAnswered_StaysOpen) {
  Tcb t = Established(KeepaliveCfg());
  for (int i = 1; i <= 10; ++i) {
    ASSERT_EQ(t.PollAt(), Sec(i));
    t.OnTimer(Sec(i));
    EXPECT_OUT(t, Out(kAck, L - 1, R, 4096));
    t.OnSegment(In(kAck, R, L), Sec(i));
  }
  EXPECT_EQ(t.state(), TcpState::kEstablished);
}

TEST(Established, Keepalive_IdleCountsFromLastSegment) {
  TcbConfig c = Cfg();
  c.keepalive = true;
  c.keepalive_idle = Sec(10);
  Tcb t = Established(c);
  t.OnSegment(In(kAck, R, L), Sec(4));
  t.OnTimer(Sec(10));
  EXPECT_NO_OUT(t);
  EXPECT_EQ(t.PollAt(), Sec(14));
}

TEST(Established, Keepalive_DefaultOffNoTimer) {
  Tcb t = Established();
  EXPECT_EQ(t.PollAt(), kNever);
  t.SetKeepAlive(true, Sec(5));
  EXPECT_EQ(t.PollAt(), Sec(5 + 7200));
  t.SetKeepAlive(false, Sec(6));
  EXPECT_EQ(t.PollAt(), kNever);
}

TEST(Established, Keepalive_NotWhileDataInFlight) {
  TcbConfig c = KeepaliveCfg();
  c.keepalive_idle = Sec(5);
  Tcb t = Established(c);
  SendStr(t, "x", Sec(4));
  t.TakeOutput();
  t.OnSegment(In(kAck, R, L), Sec(4));  // does not ack "x"
  std::vector<Timed> out = RunTimers(t, Sec(5));
  for (const Timed& x : out) EXPECT_EQ(x.seg.payload.size(), 1u);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
