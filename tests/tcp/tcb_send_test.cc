// ESTABLISHED, sending: segmentation by MSS, the peer's window, Nagle
// (Minshall), the cork, send-buffer space; and two blocks talking end to
// end.
#include <gtest/gtest.h>

#include "tests/tcp/tcb_test_util.h"

namespace simsock::sim::tcp::tcb_test {
namespace {

TEST(Established, Send_SegmentsByMssPshOnLast) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  const std::string data = Str(1000, 'a') + Str(1000, 'b') + Str(500, 'c');
  EXPECT_EQ(SendStr(t, data, Ms(1)), 2500u);
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'a')),
             Out(kAck, L + 1000, R, 4096, Str(1000, 'b')),
             Out(kPsh | kAck, L + 2000, R, 4096, Str(500, 'c')));
  EXPECT_EQ(t.snd_nxt(), L + 2500);
  EXPECT_EQ(t.PollAt(), Ms(201));
  t.OnSegment(In(kAck, R, L + 2500), Ms(5));
  EXPECT_EQ(t.SendQueued(), 0u);
  EXPECT_EQ(t.PollAt(), kNever);
  EXPECT_NO_OUT(t);
}

TEST(Established, Send_BoundedByPeerWindow) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  t.OnSegment(In(kAck, R, L, "", 1500), Ms(0));
  SendStr(t, Str(2500, 'x'), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'x')));
  EXPECT_EQ(t.snd_nxt(), L + 1000);
  // The window's right edge moves to L + 2500: the rest fits.
  t.OnSegment(In(kAck, R, L + 1000, "", 1500), Ms(2));
  EXPECT_OUT(t, Out(kAck, L + 1000, R, 4096, Str(1000, 'x')),
             Out(kPsh | kAck, L + 2000, R, 4096, Str(500, 'x')));
}

TEST(Established, Nagle_HoldsSmallSegmentWhileUnacked) {
  Tcb t = Established();
  SendStr(t, "ab", Ms(1));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"));
  SendStr(t, "cd", Ms(2));
  SendStr(t, "ef", Ms(3));
  EXPECT_NO_OUT(t);
  t.OnSegment(In(kAck, R, L + 2), Ms(4));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2, R, 4096, "cdef"));
}

TEST(Established, Nagle_FullSegmentsGoSmallTailHeld) {
  Tcb t = Established();
  SendStr(t, Str(2500, 'q'), Ms(1));
  EXPECT_OUT(t, Out(kAck, L, R, 4096, Str(1000, 'q')),
             Out(kAck, L + 1000, R, 4096, Str(1000, 'q')));
  t.OnSegment(In(kAck, R, L + 2000), Ms(4));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2000, R, 4096, Str(500, 'q')));
}

TEST(Established, NoDelay_SmallSegmentsGoAtOnce) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, "ab", Ms(1));
  SendStr(t, "cd", Ms(2));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"),
             Out(kPsh | kAck, L + 2, R, 4096, "cd"));
}

TEST(Established, Cork_HoldsPartialSegmentUntilUncorked) {
  TcbConfig c = Cfg();
  c.nodelay = true;  // the cork holds even without Nagle
  Tcb t = Established(c);
  t.SetCork(true, Ms(0));
  SendStr(t, "ab", Ms(1));
  EXPECT_NO_OUT(t);
  t.SetCork(false, Ms(2));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R, 4096, "ab"));
}

TEST(Established, Cork_FullSegmentsStillGo) {
  Tcb t = Established();
  t.SetCork(true, Ms(0));
  SendStr(t, Str(t.send_mss() + 3, 'x'), Ms(1));
  std::vector<Segment> out = t.TakeOutput();
  ASSERT_EQ(out.size(), 1u);  // the MSS-sized one; the 3-byte tail waits
  EXPECT_EQ(out[0].payload.size(), t.send_mss());
  t.SetNoDelay(true, Ms(2));  // a push overrides the cork once
  out = t.TakeOutput();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload.size(), 3u);
}

TEST(Established, SetNoDelay_FlushesHeldData) {
  Tcb t = Established();
  SendStr(t, "ab", Ms(1));
  SendStr(t, "cd", Ms(2));
  t.TakeOutput();
  t.SetNoDelay(true, Ms(3));
  EXPECT_OUT(t, Out(kPsh | kAck, L + 2, R, 4096, "cd"));
}

TEST(Established, Send_LimitedBySendBuffer) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "", 0), Ms(0));  // closed window: all stays
  EXPECT_EQ(t.SendSpace(), 8192u);
  EXPECT_EQ(SendStr(t, Str(10000, 'z'), Ms(1)), 8192u);
  EXPECT_EQ(t.SendSpace(), 0u);
  EXPECT_EQ(SendStr(t, "more", Ms(1)), 0u);
  EXPECT_EQ(t.SendQueued(), 8192u);
}

TEST(Established, AckFreesSendSpace) {
  Tcb t = Established();
  SendStr(t, Str(3000, 'z'), Ms(1));
  t.TakeOutput();
  EXPECT_EQ(t.SendSpace(), 8192u - 3000u);
  t.OnSegment(In(kAck, R, L + 2000), Ms(2));
  EXPECT_EQ(t.SendQueued(), 1000u);
  EXPECT_EQ(t.SendSpace(), 8192u - 1000u);
}

TEST(Established, SendAlsoCarriesAckOfReceivedData) {
  Tcb t = Established();
  t.OnSegment(In(kAck, R, L, "ping"), Ms(1));
  t.TakeOutput();
  SendStr(t, "pong", Ms(2));
  EXPECT_OUT(t, Out(kPsh | kAck, L, R + 4, 4092, "pong"));
}

TEST(Established, AckAdvancingData_RestartsRetransmitTimer) {
  TcbConfig c = Cfg();
  c.nodelay = true;
  Tcb t = Established(c);
  SendStr(t, Str(2000, 'a'), Ms(0));
  t.TakeOutput();
  EXPECT_EQ(t.PollAt(), Ms(200));
  t.OnSegment(In(kAck, R, L + 1000), Ms(150));
  // Second sample (the handshake gave 0): rttvar = 150 / 4 = 37.5 ms,
  // srtt = 150 / 8 = 18.75 ms, RTO = 18.75 + max(150, 200) = 218.75 ms.
  EXPECT_EQ(t.rto(), std::chrono::microseconds(218750));
  EXPECT_EQ(t.PollAt(), std::chrono::microseconds(368750));
}

// --- End to end: two blocks talking, lossless --------------------------------

TEST(EndToEnd, TransferAcrossWrapAndClose) {
  TcbConfig cb = Cfg();
  cb.local_port = kRemotePort;
  cb.remote_port = kLocalPort;
  cb.mss = kPeerMss;
  Tcb a(Cfg()), b(cb);
  a.Connect(kLocalIss, Ms(0));
  std::vector<Segment> wire = a.TakeOutput();
  b.AcceptSyn(wire[0], kRemoteIss, Ms(0));
  std::string sent;
  for (int i = 0; i < 20000; ++i) sent += static_cast<char>('a' + i % 26);
  std::string received;
  size_t offered = 0;
  Time now = Ms(1);
  for (int step = 0; step < 1000; ++step) {
    now += Ms(1);
    if (offered < sent.size() && a.state() == TcpState::kEstablished) {
      offered += SendStr(a, std::string_view(sent).substr(offered), now);
      if (offered == sent.size()) a.Close(now);
    }
    for (const Segment& s : a.TakeOutput()) b.OnSegment(s, now);
    received += RecvStr(b, 100000);
    if (b.state() == TcpState::kCloseWait) b.Close(now);
    for (const Segment& s : b.TakeOutput()) a.OnSegment(s, now);
    if (a.state() == TcpState::kTimeWait && b.state() == TcpState::kClosed) {
      break;
    }
  }
  EXPECT_EQ(received, sent);
  EXPECT_EQ(a.state(), TcpState::kTimeWait);
  EXPECT_EQ(b.state(), TcpState::kClosed);
}

}  // namespace
}  // namespace simsock::sim::tcp::tcb_test
