// Congestion control in the control block, segment by segment: the
// initial window of 10, slow start by the segments acknowledged, limited
// transmit, fast retransmit on the third duplicate ACK with the
// algorithm's ssthresh (Reno: max(cwnd / 2, 2); CUBIC: max(cwnd * 717 /
// 1024, 2)), window inflation and NewReno partial ACKs, cwnd = ssthresh
// when recovery ends, cwnd 1 after a timeout, and the restart after idle
// (tcp_cwnd_restart). docs/semantics.md, congestion control.
#include <cstdio>
#include <string>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

constexpr uint32_t kMss = kPeerMss;  // 1000
// The peer's window field, scaled by 7 (512000 bytes): never the limit.
constexpr uint16_t kWideWindow = 4000;

// ESTABLISHED with `algorithm`, a large send buffer, and a peer that
// offered window scale 7.
Tcb Wide(const char* algorithm) {
  TcbConfig c = Cfg();
  c.snd_buf = 1 << 20;
  c.congestion = algorithm;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 65535, kPeerMss, 7), Ms(0));
  t.TakeOutput();
  return t;
}

Segment Ack(SeqNum ack) { return In(kAck, R, ack, "", kWideWindow); }

// The data segments emitted, as their first sequence numbers.
std::vector<SeqNum> DataSeqs(Tcb& t) {
  std::vector<SeqNum> out;
  for (const Segment& s : t.TakeOutput()) {
    if (!s.payload.empty()) out.push_back(s.seq);
  }
  return out;
}

// Segment n (from 0) of the stream.
SeqNum Seg(uint32_t n) { return L + n * kMss; }

// Fills the send queue, then grows cwnd from 10 to 20 in slow start: the
// first 10 segments are acknowledged one by one, each ACK letting two new
// segments go. Returns the block with segments 0..29 sent, 10..29 in
// flight.
Tcb TwentyInFlight(const char* algorithm) {
  Tcb t = Wide(algorithm);
  SendStr(t, Str(200 * kMss, 'x'), Ms(0));
  EXPECT_EQ(DataSeqs(t).size(), 10u) << "initial window";
  EXPECT_EQ(t.snd_cwnd(), 10u);
  for (uint32_t i = 1; i <= 10; ++i) {
    t.OnSegment(Ack(Seg(i)), Ms(20));
    EXPECT_EQ(DataSeqs(t),
              (std::vector<SeqNum>{Seg(8 + 2 * i), Seg(9 + 2 * i)}))
        << "ACK " << i;
  }
  EXPECT_EQ(t.snd_cwnd(), 20u);
  EXPECT_EQ(t.packets_in_flight(), 20u);
  return t;
}

// Segment 10 is lost; the peer acknowledges segment 10's start for every
// segment after it. Returns the ssthresh recovery chose.
void LoseOneAndRecover(Tcb& t, uint32_t want_ssthresh) {
  const uint32_t before = t.snd_cwnd();
  // Duplicate ACKs 1 and 2: limited transmit, one new segment each.
  t.OnSegment(Ack(Seg(10)), Ms(40));
  EXPECT_EQ(DataSeqs(t), std::vector<SeqNum>{Seg(30)});
  t.OnSegment(Ack(Seg(10)), Ms(40));
  EXPECT_EQ(DataSeqs(t), std::vector<SeqNum>{Seg(31)});
  EXPECT_EQ(t.snd_cwnd(), before);
  // The third: fast retransmit of segment 10, ssthresh by the rule, cwnd
  // inflated by the three segments that left.
  t.OnSegment(Ack(Seg(10)), Ms(40));
  EXPECT_EQ(DataSeqs(t), std::vector<SeqNum>{Seg(10)});
  EXPECT_EQ(t.snd_ssthresh(), want_ssthresh);
  EXPECT_EQ(t.snd_cwnd(), want_ssthresh + 3);
  EXPECT_TRUE(t.congestion().in_recovery());
  // The other 19 duplicates (segments 12..29 and the two limited-transmit
  // ones, 21 sent after the hole less the 3 counted) inflate cwnd by one
  // each; new data goes once cwnd exceeds the 22 segments in flight.
  uint32_t sent_new = 0;
  for (int i = 0; i < 18; ++i) {
    t.OnSegment(Ack(Seg(10)), Ms(40));
    sent_new += static_cast<uint32_t>(DataSeqs(t).size());
  }
  EXPECT_EQ(t.snd_cwnd(), want_ssthresh + 3 + 18);
  EXPECT_EQ(sent_new,
            want_ssthresh + 3 + 18 > 22 ? want_ssthresh + 21 - 22 : 0);
  // The retransmission fills the hole: the ACK covers everything sent
  // before recovery began (segment 31 included), and recovery ends with
  // cwnd = ssthresh.
  t.OnSegment(Ack(Seg(32)), Ms(60));
  EXPECT_FALSE(t.congestion().in_recovery());
  EXPECT_EQ(t.snd_cwnd(), want_ssthresh);
  EXPECT_EQ(t.snd_ssthresh(), want_ssthresh);
  std::printf(
      "[ figures  ] %s: cwnd %u before the loss, ssthresh %u, cwnd %u "
      "after recovery\n",
      std::string(t.congestion().name()).c_str(), before, t.snd_ssthresh(),
      t.snd_cwnd());
}

TEST(TcbCongestion, InitialWindowIsTenSegments) {
  Tcb t = Wide("cubic");
  SendStr(t, Str(50 * kMss, 'x'), Ms(0));
  EXPECT_EQ(DataSeqs(t).size(), 10u);
  EXPECT_EQ(t.packets_in_flight(), 10u);
  EXPECT_EQ(t.snd_ssthresh(), CongestionControl::kInfiniteSsthresh);
}

TEST(TcbCongestion, SmallSegmentsCountOneEachAndTheRestCoalesce) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  c.snd_buf = 1 << 20;
  Tcb t = SynSent(c);
  t.OnSegment(InSyn(kSyn | kAck, L, 65535, kPeerMss, 7), Ms(0));
  t.TakeOutput();
  // Twelve 10-byte writes: ten segments (cwnd), the last two wait and
  // leave as one 20-byte segment on the next ACK (tcp_cwnd_test counts
  // skbs, and unsent writes share the last one).
  for (int i = 0; i < 12; ++i) SendStr(t, Str(10, 'a'), Ms(0));
  EXPECT_EQ(DataSeqs(t).size(), 10u);
  t.OnSegment(Ack(L + 10), Ms(20));
  std::vector<Segment> out = t.TakeOutput();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, L + 100);
  EXPECT_EQ(out[0].payload.size(), 20u);
}

TEST(TcbCongestion, RenoHalvesOnTheThirdDuplicateAck) {
  Tcb t = TwentyInFlight("reno");
  LoseOneAndRecover(t, /*want_ssthresh=*/10);  // max(20 / 2, 2)
}

TEST(TcbCongestion, CubicKeepsSeventyPercentOnTheThirdDuplicateAck) {
  Tcb t = TwentyInFlight("cubic");
  LoseOneAndRecover(t, /*want_ssthresh=*/20 * 717 / 1024);  // 14
}

TEST(TcbCongestion, PartialAckRetransmitsTheNextHoleAndDeflates) {
  Tcb t = TwentyInFlight("reno");
  for (int i = 0; i < 3; ++i) t.OnSegment(Ack(Seg(10)), Ms(40));
  EXPECT_EQ(DataSeqs(t), (std::vector<SeqNum>{Seg(30), Seg(31), Seg(10)}));
  ASSERT_EQ(t.snd_cwnd(), 13u);  // ssthresh 10 + 3
  // Segments 10 and 15 were lost: the retransmission of 10 brings an ACK
  // up to 15 only, a partial ACK (5 segments).
  t.OnSegment(Ack(Seg(15)), Ms(60));
  EXPECT_EQ(DataSeqs(t), std::vector<SeqNum>{Seg(15)});
  EXPECT_TRUE(t.congestion().in_recovery());
  EXPECT_EQ(t.snd_cwnd(), 13u - 5 + 1);  // RFC 6582 §3.2 step 5
  t.OnSegment(Ack(Seg(32)), Ms(80));
  EXPECT_FALSE(t.congestion().in_recovery());
  EXPECT_EQ(t.snd_cwnd(), 10u);
}

TEST(TcbCongestion, TimeoutRestartsFromOneSegmentAndRepeatsKeepSsthresh) {
  Tcb t = TwentyInFlight("cubic");
  // Nothing more is acknowledged: the RTO (200 ms floor + 20 ms) fires.
  const Time rto_at = t.PollAt();
  t.OnTimer(rto_at);
  EXPECT_EQ(DataSeqs(t), std::vector<SeqNum>{Seg(10)});
  EXPECT_EQ(t.snd_cwnd(), 1u);
  EXPECT_EQ(t.snd_ssthresh(), 20u * 717 / 1024);
  EXPECT_TRUE(t.in_loss());
  // A second timeout with nothing acknowledged keeps ssthresh
  // (tcp_enter_loss: the same loss).
  t.OnTimer(t.PollAt());
  EXPECT_EQ(DataSeqs(t), std::vector<SeqNum>{Seg(10)});
  EXPECT_EQ(t.snd_cwnd(), 1u);
  EXPECT_EQ(t.snd_ssthresh(), 20u * 717 / 1024);
  // Slow start again: the ACK of the head allows two segments (go-back-N
  // from segment 11).
  const Time now = t.PollAt() - milliseconds(1);
  t.OnSegment(Ack(Seg(11)), now);
  EXPECT_EQ(t.snd_cwnd(), 2u);
  EXPECT_EQ(DataSeqs(t), (std::vector<SeqNum>{Seg(11), Seg(12)}));
}

TEST(TcbCongestion, IdleLongerThanAnRtoRestartsTheWindow) {
  Tcb t = TwentyInFlight("reno");
  // Everything is acknowledged, and the application pauses.
  t.OnSegment(Ack(Seg(30)), Ms(40));
  t.TakeOutput();
  // 200 segments were queued; send the rest and acknowledge it all.
  for (int guard = 0; guard < 100 && t.SendQueued() > 0; ++guard) {
    t.OnSegment(Ack(t.snd_nxt()), Ms(60));
    t.TakeOutput();
  }
  ASSERT_EQ(t.SendQueued(), 0u);
  const uint32_t cwnd = t.snd_cwnd();
  ASSERT_GT(cwnd, 40u);
  // One RTO (about 220 ms) of idleness: no restart yet.
  const Time last_sent = Ms(60);
  SendStr(t, "a", last_sent + t.rto() - milliseconds(1));
  EXPECT_EQ(t.snd_cwnd(), cwnd);
  t.OnSegment(Ack(t.snd_nxt()), last_sent + t.rto());
  // Idle for 3.5 RTOs from that segment: cwnd halves once per RTO past the
  // first (tcp_cwnd_restart: `while ((delta -= rto) > 0)`), three times;
  // ssthresh becomes at least 3/4 of the old window (tcp_current_ssthresh),
  // so here, with no loss yet, it stays "infinite".
  const Time sent = last_sent + t.rto() - milliseconds(1);
  const Duration rto = t.rto();
  SendStr(t, "b", sent + 3 * rto + rto / 2);
  EXPECT_EQ(t.snd_cwnd(), std::max(cwnd >> 3, 10u));
  EXPECT_EQ(t.snd_ssthresh(), CongestionControl::kInfiniteSsthresh);
  std::printf("[ figures  ] reno: idle restart, cwnd %u -> %u\n", cwnd,
              t.snd_cwnd());
}

TEST(TcbCongestion, SwitchingAlgorithmKeepsTheWindow) {
  Tcb t = TwentyInFlight("cubic");
  EXPECT_TRUE(t.SetCongestionControl("reno"));
  EXPECT_EQ(t.congestion().name(), "reno");
  EXPECT_EQ(t.snd_cwnd(), 20u);
  EXPECT_FALSE(t.SetCongestionControl("bbr"));
  EXPECT_EQ(t.congestion().name(), "reno");
  // The loss rule is now Reno's.
  LoseOneAndRecover(t, /*want_ssthresh=*/10);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
