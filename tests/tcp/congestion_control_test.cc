// Congestion control arithmetic (sim/tcp/congestion_control.h) against the
// rules of RFC 5681 / 6582 and the numbers tcp_cubic.c computes.
#include "simsock/sim/tcp/congestion_control.h"

#include <gtest/gtest.h>

#include <chrono>

namespace simsock::sim::tcp {
namespace {

using std::chrono::milliseconds;

TEST(CongestionControl, StartsWithTenSegmentsAndNoThreshold) {
  for (const char* name : {"cubic", "reno"}) {
    auto cc = CongestionControl::Make(name);
    ASSERT_NE(cc, nullptr);
    EXPECT_EQ(cc->name(), name);
    EXPECT_EQ(cc->cwnd(), 10u);
    EXPECT_EQ(cc->ssthresh(), CongestionControl::kInfiniteSsthresh);
    EXPECT_TRUE(cc->in_slow_start());
  }
  EXPECT_EQ(CongestionControl::Make("vegas"), nullptr);
  EXPECT_EQ(CongestionControl::Make(""), nullptr);
}

TEST(CongestionControl, SlowStartGrowsByWhatIsAcknowledged) {
  Reno cc;
  cc.OnAck(5, true, milliseconds(10), milliseconds(20));
  EXPECT_EQ(cc.cwnd(), 15u);
  cc.OnAck(15, true, milliseconds(30), milliseconds(20));
  EXPECT_EQ(cc.cwnd(), 30u);  // doubles per round trip
  // Not limited by cwnd (the application or the peer's window was):
  // no growth (tcp_is_cwnd_limited).
  cc.OnAck(30, false, milliseconds(50), milliseconds(20));
  EXPECT_EQ(cc.cwnd(), 30u);
}

TEST(CongestionControl, RenoHalvesRecoversAndAddsOnePerRoundTrip) {
  Reno cc;
  cc.OnAck(10, true, milliseconds(1), milliseconds(20));  // cwnd 20
  cc.EnterRecovery();
  EXPECT_EQ(cc.ssthresh(), 10u);
  EXPECT_EQ(cc.cwnd(), 13u);  // ssthresh + 3
  cc.OnRecoveryDupAck();
  cc.OnRecoveryDupAck();
  EXPECT_EQ(cc.cwnd(), 15u);
  // Growth stops during recovery.
  cc.OnAck(5, true, milliseconds(2), milliseconds(20));
  EXPECT_EQ(cc.cwnd(), 15u);
  cc.OnPartialAck(4);  // deflate by 4, add back 1
  EXPECT_EQ(cc.cwnd(), 12u);
  cc.ExitRecovery();
  EXPECT_EQ(cc.cwnd(), 10u);
  EXPECT_FALSE(cc.in_slow_start());
  // Congestion avoidance: one segment per cwnd acknowledged.
  cc.OnAck(9, true, milliseconds(3), milliseconds(20));
  EXPECT_EQ(cc.cwnd(), 10u);
  cc.OnAck(1, true, milliseconds(4), milliseconds(20));
  EXPECT_EQ(cc.cwnd(), 11u);
  for (int i = 0; i < 11; ++i) {
    cc.OnAck(1, true, milliseconds(5 + i), milliseconds(20));
  }
  EXPECT_EQ(cc.cwnd(), 12u);
}

TEST(CongestionControl, TimeoutRestartsSlowStartFromOne) {
  Reno cc;
  cc.OnAck(30, true, milliseconds(1), milliseconds(20));  // cwnd 40
  cc.OnRetransmitTimeout();
  EXPECT_EQ(cc.ssthresh(), 20u);
  EXPECT_EQ(cc.cwnd(), 1u);
  EXPECT_TRUE(cc.in_slow_start());
  // A timeout during recovery keeps the recovery's ssthresh.
  Reno r;
  r.OnAck(30, true, milliseconds(1), milliseconds(20));
  r.EnterRecovery();
  EXPECT_EQ(r.ssthresh(), 20u);
  r.OnRetransmitTimeout();
  EXPECT_EQ(r.ssthresh(), 20u);
  EXPECT_EQ(r.cwnd(), 1u);
  // ssthresh never goes below 2.
  Reno small;
  small.OnRetransmitTimeout();  // cwnd 10 -> ssthresh 5
  small.OnRetransmitTimeout();  // cwnd 1 -> ssthresh 2
  EXPECT_EQ(small.ssthresh(), 2u);
}

TEST(CongestionControl, CubicKeepsSeventyPercentAndFastConverges) {
  Cubic cc;
  cc.OnAck(90, true, milliseconds(1), milliseconds(20));  // cwnd 100
  cc.EnterRecovery();
  EXPECT_EQ(cc.ssthresh(), 70u);  // 100 * 717 / 1024
  EXPECT_EQ(cc.last_max_cwnd(), 100u);
  cc.ExitRecovery();
  EXPECT_EQ(cc.cwnd(), 70u);
  // A second loss below the last maximum: W_max = cwnd * (1 + beta) / 2.
  cc.OnAck(10, true, milliseconds(2), milliseconds(20));  // ca, small growth
  const uint32_t w = cc.cwnd();
  cc.EnterRecovery();
  EXPECT_EQ(cc.last_max_cwnd(), w * (1024 + 717) / 2048);
  EXPECT_EQ(cc.ssthresh(), std::max(w * 717 / 1024, 2u));
}

// One round trip at a time: every segment of the window acknowledged,
// one ACK each, at the end of the round trip.
void RoundTrip(Cubic& cc, Time* now, Duration rtt) {
  *now += rtt;
  const uint32_t window = cc.cwnd();
  for (uint32_t i = 0; i < window; ++i) cc.OnAck(1, true, *now, rtt);
}

TEST(CongestionControl, CubicFollowsItsCurveBackToTheLastMaximum) {
  // A long path (200 ms), where the curve grows faster than the Reno
  // estimate (70 + 0.53 per RTT: 81 at K, 92 at 2K).
  Cubic cc;
  const Duration rtt = milliseconds(200);
  Time now{0};
  cc.OnRttSample(rtt);
  cc.OnAck(90, true, now, rtt);  // cwnd 100
  cc.EnterRecovery();
  cc.ExitRecovery();  // cwnd 70, W_max 100
  const Time loss = now;
  RoundTrip(cc, &now, rtt);  // the epoch, and K, begin with the first ACK
  // K = cbrt(W_max (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) = 4.22 s.
  const double k_seconds = cc.k() / 1024.0;
  EXPECT_NEAR(k_seconds, 4.22, 0.02);
  // Concave up to W_max at about K, a plateau there, then convex beyond.
  uint32_t at_half_k = 0, at_k = 0, at_two_k = 0;
  while (now - loss < std::chrono::duration_cast<Duration>(
                          std::chrono::duration<double>(2 * k_seconds))) {
    RoundTrip(cc, &now, rtt);
    const double t = std::chrono::duration<double>(now - loss).count();
    if (at_half_k == 0 && t >= k_seconds / 2) at_half_k = cc.cwnd();
    if (at_k == 0 && t >= k_seconds) at_k = cc.cwnd();
  }
  at_two_k = cc.cwnd();
  // W(t) = C (t - K)^3 + W_max: at K/2, 100 - 0.4 * 2.11^3 = 96.2.
  EXPECT_GE(at_half_k, 94u);
  EXPECT_LE(at_half_k, 98u);
  EXPECT_GE(at_k, 99u);
  EXPECT_LE(at_k, 102u);
  // At 2K: 100 + 0.4 * 4.22^3 = 130.
  EXPECT_GE(at_two_k, 126u);
  EXPECT_LE(at_two_k, 134u);
}

TEST(CongestionControl, CubicIsTcpFriendlyWhereItsCurveIsSlow) {
  // A small window and a short RTT: after a loss at 20 segments, the cubic
  // curve would take K = cbrt(20 * 0.3 / 0.4) = 2.47 s to return to 20.
  // CUBIC then follows its estimate of a Reno flow with the same beta
  // (RFC 9438 §4.3): 3 (1 - beta) / (1 + beta) = 0.53 segments per RTT,
  // from the 14 segments kept after the loss.
  Cubic cc;
  const Duration rtt = milliseconds(20);
  Time now{0};
  cc.OnRttSample(rtt);
  cc.OnAck(10, true, now, rtt);  // cwnd 20
  cc.EnterRecovery();
  cc.ExitRecovery();
  ASSERT_EQ(cc.cwnd(), 14u);
  for (int i = 0; i < 100; ++i) RoundTrip(cc, &now, rtt);
  EXPECT_GE(cc.cwnd(), 64u);  // 14 + 0.53 * 100 = 67
  EXPECT_LE(cc.cwnd(), 70u);
}

// The curve is allocated by the first loss or congestion avoidance (a
// connection in slow start never reads it): a copy made before it exists
// and one made after each carry on as the original would, and the
// original's later changes stay its own.
TEST(CongestionControl, CubicCopiesCarryTheirOwnCurve) {
  const Duration rtt = milliseconds(200);
  Time now{0};
  Cubic cc;
  EXPECT_EQ(cc.k(), 0u);
  EXPECT_EQ(cc.last_max_cwnd(), 0u);
  cc.OnRttSample(rtt);
  cc.OnAck(90, true, now, rtt);  // cwnd 100, still in slow start
  Cubic early = cc;              // copied before the curve exists
  Time early_now = now;
  for (Cubic* c : {&cc, &early}) {
    c->EnterRecovery();
    c->ExitRecovery();
  }
  RoundTrip(cc, &now, rtt);
  RoundTrip(early, &early_now, rtt);
  ASSERT_GT(cc.k(), 0u);
  EXPECT_EQ(early.k(), cc.k());
  EXPECT_EQ(early.cwnd(), cc.cwnd());
  Cubic late(cc);  // copied with its curve
  Time late_now = now;
  const uint32_t k = cc.k();
  cc.OnRetransmitTimeout();  // the original's curve starts over
  EXPECT_EQ(cc.k(), 0u);
  EXPECT_EQ(late.k(), k);
  for (int i = 0; i < 10; ++i) {
    RoundTrip(late, &late_now, rtt);
    RoundTrip(early, &early_now, rtt);
  }
  EXPECT_EQ(late.cwnd(), early.cwnd());
  EXPECT_EQ(late.k(), early.k());
  EXPECT_EQ(late.last_max_cwnd(), early.last_max_cwnd());
  Cubic assigned;
  assigned = late;
  EXPECT_EQ(assigned.cwnd(), late.cwnd());
  EXPECT_EQ(assigned.k(), late.k());
}

}  // namespace
}  // namespace simsock::sim::tcp
